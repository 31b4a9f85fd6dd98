"""The Jetstream collector against a local websocket server replaying events we wrote.

The server speaks Jetstream v1 (platforms.md §3.8): `/subscribe?wantedCollections=…&cursor=…`
replays events with `time_us` ≥ cursor, one JSON text frame each. It can drop the
connection after N events, as a real stream does now and then.
"""

import json
import socket
import threading
import time

import pytest
from django.core import serializers
from django.db import DatabaseError, connection
from websockets.sync.server import serve

from socialgood.collect import collecting
from socialgood.collect.models import Collection, CollectionRun, Post
from socialgood.platforms import jetstream_api
from socialgood.platforms.collectors import QueryError
from tests.governance.conftest import database_files, fts_index_holds, rows_containing

pytestmark = pytest.mark.django_db

ANA = "did:plc:" + "a" * 24
BEN = "did:plc:" + "b" * 24
START_US = int((time.time() - 3600) * 1_000_000)  # an hour ago: replayed from the cursor


def post_event(n, did, text, *, tags=(), extra_tags=(), at=None):
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-26T23:00:00.000Z",
              "langs": ["en"]}  # fmt: skip
    facets = []
    for tag in tags:
        shown = "#" + tag
        start = len(text[: text.index(shown)].encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
    if facets:
        record["facets"] = facets
    if extra_tags:
        record["tags"] = list(extra_tags)
    return {
        "did": did,
        "time_us": at or START_US + n * 1_000_000,
        "kind": "commit",
        "commit": {"rev": f"3lrev{n:04d}", "operation": "create", "collection": "app.bsky.feed.post",
                   "rkey": f"3lpost{n:04d}", "cid": f"bafyreipost{n:04d}", "record": record},
    }  # fmt: skip


def delete_event(n, did, rkey_of):
    return {
        "did": did,
        "time_us": START_US + n * 1_000_000,
        "kind": "commit",
        "commit": {"rev": f"3lrev{n:04d}", "operation": "delete",
                   "collection": "app.bsky.feed.post", "rkey": f"3lpost{rkey_of:04d}"},
    }  # fmt: skip


def a_stream():
    """20 events: 12 matching posts (facet tag, record.tags, a word), others, a delete."""
    events = []
    for n in range(20):
        did = ANA if n % 2 else BEN
        if n % 5 == 0:
            events.append(post_event(n, did, f"Lunch break {n}"))  # no match
        elif n % 5 == 1:
            events.append(post_event(n, did, f"Group notes {n} #SocialWork", tags=["SocialWork"]))
        elif n % 5 == 2:
            events.append(post_event(n, did, f"Shift {n} done", extra_tags=["socialwork"]))
        elif n % 5 == 3:
            events.append(post_event(n, did, f"Our RESPITE care list {n}"))  # a keyword
        else:
            events.append(post_event(n, did, f"Training day {n} #socialworkers",
                                     tags=["socialworkers"]))  # fmt: skip  # a longer tag: no
    events[19] = delete_event(19, ANA, rkey_of=13)  # post 13 (a keyword match) is deleted
    events.insert(5, {"did": BEN, "time_us": START_US + 5_500_000, "kind": "identity",
                      "identity": {"did": BEN, "handle": "ben-example.test", "seq": 1,
                                   "time": "2026-11-26T23:00:00Z"}})  # fmt: skip
    return events


class FakeJetstream:
    def __init__(self, events, *, drop_after=None):
        self.events = events
        self.drop_after = drop_after  # events sent on the first connection before it drops
        self.cursors = []
        self.server = serve(self.handle, "127.0.0.1", 0)
        port = self.server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/subscribe"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, connection):
        query = dict(
            part.split("=", 1) for part in connection.request.path.split("?", 1)[1].split("&")
        )
        assert query["wantedCollections"] == "app.bsky.feed.post"
        cursor = int(query["cursor"]) if "cursor" in query else None
        self.cursors.append(cursor)
        first = len(self.cursors) == 1
        sent = 0
        for event in self.events:
            if cursor is not None and event["time_us"] < cursor:
                continue
            if first and self.drop_after is not None and sent == self.drop_after:
                connection.socket.shutdown(socket.SHUT_RDWR)  # the stream breaks off
                return
            connection.send(json.dumps(event))
            sent += 1
        try:
            connection.recv()  # stay open until the client leaves
        except Exception:  # noqa: BLE001 - any way the client leaves ends this connection
            return

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def quick(settings, monkeypatch):
    slept = []
    settings.COLLECT_SLEEP = slept.append
    monkeypatch.setattr(jetstream_api, "IDLE_SECONDS", 0.5)
    return slept


def collection_for(world, server, **query):
    return Collection.objects.create(
        project=world.project,
        name="#socialwork live",
        platform="jetstream",
        query={
            "tags": ["#SocialWork"],
            "keywords": ["respite"],
            "minutes": 0,
            "service": server.url,
            **query,
        },  # fmt: skip
        created_by=world.analyst,
    )


def run_now(collection):
    run = CollectionRun.objects.create(collection=collection, trigger="manual")
    collecting.collect(run)
    run.refresh_from_db()
    collection.refresh_from_db()
    return run


def test_a_dropped_stream_resumes_from_its_cursor_without_a_gap(world, quick):
    events = a_stream()
    server = FakeJetstream(events, drop_after=12)
    try:
        collection = collection_for(world, server)
        run = run_now(collection)
    finally:
        server.stop()

    assert run.status == CollectionRun.Status.DONE, run.message
    posts = Post.objects.filter(project=world.project)
    # facet #SocialWork (n=1,6,11,16) + record.tags (2,7,12,17) + "respite" (3,8,13,18),
    # less post 13, which its author deleted while the stream was read
    assert posts.count() == 11
    assert not posts.filter(platform_id__endswith="3lpost0013").exists()
    assert {p.kind for p in posts} == {"post"}
    assert set(
        posts.get(platform_id__endswith="3lpost0002").hashtags.values_list("tag", flat=True)
    ) == {"socialwork"}
    # The reconnect asked for the last event seen minus 5 s: no gap, a small overlap.
    last_before_drop = events[11]["time_us"]
    assert server.cursors == [None, last_before_drop - 5_000_000]
    assert run.duplicates == 3  # posts 6, 7 and 8 came again after the drop: stored once
    assert collection.state == {"cursor": events[-1]["time_us"]}
    notes = " ".join(run.coverage["notes"])
    assert "broke off 1 time" in notes
    assert "1 stored post removed: their authors deleted them" in notes
    everything = serializers.serialize("json", [*posts, collection, run])
    assert ANA not in everything and BEN not in everything and "ben-example" not in everything


@pytest.mark.parametrize(("every", "scrubs"), [(300, 1), (0, 2)])
@pytest.mark.django_db(transaction=True)
def test_posts_deleted_while_a_run_lasts_leave_no_trace_with_few_index_rewrites(
    world, quick, monkeypatch, every, scrubs, scrubs_asked
):
    # Pages of 4 events; posts 3 and 7 are deleted on two different pages.
    monkeypatch.setattr(jetstream_api, "PAGE_EVENTS", 4)
    monkeypatch.setattr(collecting, "SCRUB_EVERY_SECONDS", every)
    events = [post_event(n, ANA, f"Respite note {n} zqlive{n}word") for n in range(1, 13)]
    events[5] = delete_event(6, ANA, rkey_of=3)
    events[10] = delete_event(11, ANA, rkey_of=7)
    server = FakeJetstream(events)
    try:
        run = run_now(collection_for(world, server))
    finally:
        server.stop()

    assert run.status == CollectionRun.Status.DONE, run.message
    stored = Post.objects.filter(project=world.project)
    assert sorted(int(p.platform_id[-4:]) for p in stored) == [1, 2, 4, 5, 8, 9, 10, 12]
    # Every 5 minutes and at the end (the default): one rewrite for the whole run.
    assert scrubs_asked == [{"rewrite": False}] * scrubs  # no table locks every few minutes
    for gone in ("zqlive3word", "zqlive7word"):
        assert rows_containing(gone) == []
    if connection.vendor == "sqlite":  # nor in the search index or the file's free bytes
        assert not fts_index_holds("zqlive3word") and not fts_index_holds("zqlive7word")
        on_disk = database_files()
        assert b"zqlive3word" not in on_disk and b"zqlive7word" not in on_disk
        assert b"zqlive8word" in on_disk  # a stored post's words are found there


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_stops_a_run_with_a_plain_message(world, quick, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite can be given a size limit to fill (max_page_count)")
    monkeypatch.setattr(jetstream_api, "PAGE_EVENTS", 50)
    events = [post_event(n, ANA, f"Respite note {n} " + "words " * 200) for n in range(1, 400)]
    server = FakeJetstream(events)
    collection = collection_for(world, server)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")  # no free pages left by earlier tests: the file must grow
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        cursor.execute(f"PRAGMA max_page_count = {pages + 120}")
    try:
        run = CollectionRun.objects.create(collection=collection, trigger="manual")
        with pytest.raises(DatabaseError):
            collecting.collect(run)
    finally:
        server.stop()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")

    run.refresh_from_db()
    assert run.status == CollectionRun.Status.FAILED
    assert run.message.startswith("The disk is full, so the collection stopped.")
    assert 0 < Post.objects.count() < 399


def test_the_next_run_continues_from_the_saved_cursor(world, quick):
    events = a_stream()
    server = FakeJetstream(events)
    try:
        collection = collection_for(world, server)
        first = run_now(collection)
        later = [
            post_event(n, ANA, f"Evening {n} #socialwork", tags=["socialwork"])
            for n in range(30, 33)
        ]
        server.events = events + later
        second = run_now(collection)
    finally:
        server.stop()

    assert first.posts_new == 12
    assert server.cursors[1] == events[-1]["time_us"]
    assert second.posts_new == 3 and second.duplicates == 0


def test_a_stream_that_cannot_be_reached_is_reported(world, quick):
    collection = collection_for(world, FakeJetstreamAddress())
    run = run_now(collection)
    assert run.status == CollectionRun.Status.PARTIAL
    failed = run.coverage["sources"]["Jetstream 127.0.0.1:9"]["failed"]
    assert "could not be reached" in failed
    assert len(quick) == jetstream_api.RECONNECTS  # waited between tries, with backoff


class FakeJetstreamAddress:
    url = "ws://127.0.0.1:9/subscribe"  # the discard port: nothing listens


def test_matching_uses_facets_record_tags_and_words():
    query = jetstream_api.check_query({"tags": ["#Pflege"], "keywords": ["Respite Care"]})
    assert jetstream_api.matches(query, {"text": "x", "tags": ["pflege"]})
    assert jetstream_api.matches(query, {"text": "Neue #Pflege", "facets": [
        {"index": {"byteStart": 5, "byteEnd": 12},
         "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Pflege"}]}]})  # fmt: skip
    assert jetstream_api.matches(query, {"text": "Our respite care plan"})
    assert not jetstream_api.matches(query, {"text": "#Pflege as plain text"})  # no facet
    with pytest.raises(QueryError, match="at least one hashtag"):
        jetstream_api.check_query({})
    with pytest.raises(QueryError, match="Jetstream address"):
        jetstream_api.check_query({"tags": ["x"], "service": "https://example.org"})
