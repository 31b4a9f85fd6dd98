"""Bluesky Jetstream v1 events."""

from collections import Counter
from pathlib import Path

import orjson

from socialgood.platforms import jetstream
from socialgood.platforms.files import read_posts
from socialgood.platforms.report import Report

EVENTS = Path(__file__).parents[1] / "fixtures/jetstream/events.jsonl"
ANA = "did:plc:anaexample0000000000000a"
BO = "did:plc:boexample00000000000000b"
CY = "did:plc:cyexample00000000000000c"


def test_known_counts_of_posts_reposts_and_ignored_events():
    report = Report()
    posts = list(read_posts(EVENTS, report, jetstream))
    assert report.records == 9
    assert Counter(post.kind for post in posts) == {"post": 1, "reply": 1, "repost": 1}
    assert report.skipped == {
        "Bluesky Jetstream: app.bsky.feed.like create (not a post)": 2,
        "Bluesky Jetstream: app.bsky.graph.follow create (not a post)": 1,
        "Bluesky Jetstream: identity event (not a post)": 1,
        "Bluesky Jetstream: account event (not a post)": 1,
    }
    assert report.warnings == {
        "Bluesky Jetstream: deletes seen (app.bsky.feed.post)": 1,
        "Bluesky Jetstream: deleted accounts seen (their posts are removed)": 1,
    }


def test_post_from_a_commit_has_the_did_as_author_and_facet_tags():
    post, reply, repost = read_posts(EVENTS, Report(), jetstream)
    assert post.platform_id == f"at://{ANA}/app.bsky.feed.post/3ljet1"
    assert (post.author.id, post.author.handle) == (ANA, None)
    assert post.hashtags == ("jetstream", "pflege")
    (image,) = post.media
    assert image.alt_text == "Ein Foto"
    assert image.url == f"https://cdn.bsky.app/img/feed_fullsize/plain/{ANA}/bafkjimg@jpeg"
    assert reply.reply_to == post.platform_id
    assert (repost.repost_of, repost.author.id) == (post.platform_id, CY)
    assert repost.platform_id == f"at://{CY}/app.bsky.feed.repost/3ljrp"


def test_deleted_uri_names_what_a_delete_removes():
    events = [orjson.loads(line) for line in EVENTS.read_bytes().splitlines()]
    deleted = [jetstream.deleted_uri(event) for event in events]
    assert [uri for uri in deleted if uri] == [f"at://{BO}/app.bsky.feed.post/3ljold"]


def test_deleted_posts_and_accounts_are_listed_for_the_importer_not_reported():
    report = Report()
    list(read_posts(EVENTS, report, jetstream))
    dy = "did:plc:dyexample00000000000000d"
    assert report.deleted == [("post", f"at://{BO}/app.bsky.feed.post/3ljold"), ("author", dy)]
    assert "did:" not in orjson.dumps(report.as_dict()).decode()  # the stored report names nobody
