"""The Bluesky collector against a local server that behaves like Bluesky's search service.

`FakeBluesky` serves searchPosts the way palomar does (platforms.md §3.2): newest first by
sortAt, `since`/`until` on sortAt, a numeric offset cursor, no cursor once offset + limit
reaches its result cap, 400 for a cursor past it; plus createSession/refreshSession, and
faults: 429 with RateLimit-Reset in epoch seconds, 500s, 403 for anonymous search.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from socialgood.collect import collecting
from socialgood.collect.imports import load_originals
from socialgood.collect.models import Collection, CollectionRun, Post
from socialgood.platforms import bluesky_api
from socialgood.platforms.collectors import QueryError
from tests.collect.collection_servers import FakeServer, iso, json_response

pytestmark = pytest.mark.django_db

PEOPLE = [("did:plc:" + letter * 24, f"{name}.example.org") for letter, name in
          [("a", "ana-example"), ("b", "ben-example"), ("c", "cleo-example")]]  # fmt: skip


def view(n, when, tag="socialwork"):
    did, handle = PEOPLE[n % 3]
    text = f"Post {n} on supervision #{tag}"
    start = len(text.encode()) - len(tag.encode()) - 1
    return {
        "uri": f"at://{did}/app.bsky.feed.post/3lpost{n:06d}",
        "cid": f"bafyreipost{n:06d}",
        "author": {"did": did, "handle": handle},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": iso(when),
            "langs": ["en"],
            "facets": [
                {
                    "index": {"byteStart": start, "byteEnd": len(text.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                }
            ],
        },
        "indexedAt": iso(when + timedelta(seconds=2)),
        "replyCount": 0,
        "repostCount": n % 2,
        "likeCount": n % 5,
        "quoteCount": 0,
    }


class FakeBluesky(FakeServer):
    def __init__(self, *, cap=10_000, cursor_past_cap=False, anonymous_search=True):
        super().__init__()
        self.posts = []
        self.cap = cap
        self.cursor_past_cap = cursor_past_cap  # hand out a cursor the next call refuses
        self.anonymous_search = anonymous_search
        self.password = "abcd-efgh-ijkl-mnop"
        self.sessions = 0
        self.refreshes = 0
        self.expire_next = False
        self.route("/xrpc/app.bsky.feed.searchPosts", self.search)
        self.route("/xrpc/com.atproto.server.createSession", self.create_session, "POST")
        self.route("/xrpc/com.atproto.server.refreshSession", self.refresh_session, "POST")

    def add(self, count, *, start=0, newest=None, every=timedelta(minutes=1)):
        newest = newest or timezone.now() - timedelta(minutes=5)
        for i in range(count):
            self.posts.append(view(start + i, newest - i * every))

    def rate_limited(self):
        reset = int(time.time()) + 120  # epoch seconds, as Bluesky sends them
        headers = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0",
                   "RateLimit-Reset": str(reset), "RateLimit-Policy": "3000;w=300"}  # fmt: skip
        return json_response({"error": "RateLimitExceeded"}, 429, headers)

    def create_session(self, request):
        body = request.get_json()
        if body.get("password") != self.password:
            return json_response({"error": "AuthenticationRequired"}, 401)
        self.sessions += 1
        return json_response({"did": PEOPLE[0][0], "handle": body["identifier"],
                              "accessJwt": f"access-{self.sessions}", "refreshJwt": "refresh-1"})  # fmt: skip

    def refresh_session(self, request):
        self.refreshes += 1
        return json_response({"accessJwt": f"access-r{self.refreshes}", "refreshJwt": "refresh-2"})

    def search(self, request):
        token = request.headers.get("Authorization", "")
        if not token and not self.anonymous_search:
            return json_response({"error": "Forbidden"}, 403)
        if self.expire_next and token:
            self.expire_next = False
            return json_response({"error": "ExpiredToken", "message": "Token has expired"}, 400)
        args = request.args
        since, until = args.get("since"), args.get("until")
        limit = int(args.get("limit", 25))
        offset = int(args.get("cursor", 0))
        if offset >= self.cap:
            return json_response({"error": "InvalidRequest", "message": "cursor too deep"}, 400)

        def sort_at(post):
            return min(post["record"]["createdAt"], post["indexedAt"])

        hits = sorted(
            (
                p for p in self.posts
                if (not since or sort_at(p) >= since) and (not until or sort_at(p) < until)
            ),
            key=sort_at,
            reverse=True,
        )  # fmt: skip
        page = hits[offset : offset + limit]
        body = {"posts": page}
        more = offset + limit < len(hits)
        if more and (offset + limit < self.cap or self.cursor_past_cap):
            body["cursor"] = str(offset + limit)
        return json_response(body)

    def searches(self):
        return [query for path, query, _ in self.log if path.endswith("searchPosts")]


@pytest.fixture
def waits(settings):
    slept = []
    settings.COLLECT_SLEEP = slept.append
    settings.COLLECT_HTTP_TIMEOUT = 2
    settings.COLLECT_HTTP_RETRIES = 2
    return slept


@pytest.fixture
def bluesky():
    server = FakeBluesky()
    yield server
    server.stop()


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(bluesky_api, "PAGE_SIZE", 10)


def collection_for(world, server, credential=None, **query):
    return Collection.objects.create(
        project=world.project,
        name=f"Bluesky {sorted(query.items())}",
        platform="bluesky",
        query={"tags": ["socialwork"], "service": server.base, **query},
        credential=credential,
        created_by=world.analyst,
    )


def run_now(collection):
    run = CollectionRun.objects.create(collection=collection, trigger="manual")
    try:
        collecting.collect(run)
    finally:
        run.refresh_from_db()
        collection.refresh_from_db()
    return run


def test_a_search_past_the_result_cap_is_narrowed_until_every_post_is_in(world, waits, small_pages):
    server = FakeBluesky(cap=30)
    try:
        server.add(75)
        run = run_now(collection_for(world, server))
    finally:
        server.stop()

    assert run.status == CollectionRun.Status.DONE
    assert Post.objects.filter(project=world.project).count() == 75
    assert run.posts_new == 75 and run.duplicates == 0
    caps = run.coverage["sources"]["search #socialwork"]["caps"]
    assert len(caps) == 2 and all("result limit" in cap for cap in caps)
    # Each narrowed search ends where the one before was cut.
    ends = [q["until"] for q in server.searches() if "cursor" not in q]
    assert len(ends) == 3 and ends == sorted(ends, reverse=True)
    assert "result limit" in collecting.run_report(run)


def test_people_first_seen_on_a_later_page_are_stored_too(world, waits, small_pages):
    server = FakeBluesky()
    try:
        server.add(25)  # Ana, Ben and Cleo, on the first page already
        newest = timezone.now() - timedelta(hours=3)  # older than those: the last page
        late = view(25, newest)
        did = "did:plc:" + "d" * 24
        late["author"] = {"did": did, "handle": "dora-example.example.org"}
        late["uri"] = f"at://{did}/app.bsky.feed.post/3lpost000025"
        server.posts.append(late)
        run = run_now(collection_for(world, server))
    finally:
        server.stop()

    assert run.status == CollectionRun.Status.DONE and run.posts_new == 26
    handles = {original["handle"] for original in load_originals(world.project).values()}
    assert handles == {handle for _, handle in PEOPLE} | {"dora-example.example.org"}


def test_a_refused_deep_cursor_is_a_cap_too(world, waits, small_pages):
    server = FakeBluesky(cap=30, cursor_past_cap=True)
    try:
        server.add(45)
        run = run_now(collection_for(world, server))
    finally:
        server.stop()

    assert Post.objects.filter(project=world.project).count() == 45
    assert run.coverage["sources"]["search #socialwork"]["caps"]
    assert run.status == CollectionRun.Status.DONE


def test_an_ordinary_end_of_results_is_not_reported_as_a_cap(world, bluesky, waits, small_pages):
    bluesky.add(20)  # two full pages, then nothing more

    run = run_now(collection_for(world, bluesky))

    assert run.posts_new == 20 and run.duplicates == 0
    assert run.coverage["sources"]["search #socialwork"]["caps"] == []


def test_a_window_is_searched_in_day_slices(world, bluesky, waits):
    now = timezone.now()
    bluesky.add(72, newest=now - timedelta(minutes=30), every=timedelta(hours=1))
    collection = collection_for(world, bluesky)
    collection.since = now - timedelta(days=3)
    collection.save()

    run = run_now(collection)

    assert run.posts_new == 72
    windows = [(q["since"], q["until"]) for q in bluesky.searches()]
    assert len(windows) == 3  # three days, one search each
    assert windows[0][1] == windows[1][0] and windows[1][1] == windows[2][0]
    asked = run.coverage["sources"]["search #socialwork"]["asked"]
    assert "3 windows of about 24 h" in asked


def test_a_rate_limit_is_waited_out_and_reported(world, bluesky, waits):
    bluesky.add(5)
    bluesky.fail_next = ["429"]

    run = run_now(collection_for(world, bluesky))

    assert run.status == CollectionRun.Status.DONE
    assert run.posts_new == 5
    assert run.rate_limit_waits == 1
    assert 100 < sum(waits) <= 121  # until RateLimit-Reset (epoch seconds), in slices
    assert "Rate limits made the collection wait 1 time" in collecting.run_report(run)


def test_server_errors_are_retried_then_reported(world, bluesky, waits):
    bluesky.add(5)
    bluesky.fail_next = ["500", "502"]
    run = run_now(collection_for(world, bluesky))
    assert run.status == CollectionRun.Status.DONE and run.posts_new == 5

    bluesky.fail_next = ["500"] * 10
    again = run_now(collection_for(world, bluesky, keywords=["respite"]))
    assert again.status == CollectionRun.Status.PARTIAL
    source = again.coverage["sources"]["search #socialwork"]
    assert "server error (500)" in source["failed"]
    assert "could not be read" in collecting.run_report(again)


def test_anonymous_search_refused_asks_for_a_credential(world, waits):
    server = FakeBluesky(anonymous_search=False)
    try:
        run = run_now(collection_for(world, server))
    finally:
        server.stop()
    assert run.status == CollectionRun.Status.PARTIAL
    refused = run.coverage["sources"]["search #socialwork"]["refused"]
    assert "app password" in refused


def test_a_login_is_made_once_and_refreshed_when_it_expires(world, waits):
    server = FakeBluesky(anonymous_search=False)
    try:
        server.add(3)
        credential = collecting.save_credential(
            platform="bluesky",
            label="lab account",
            fields={
                "handle": "lab.example.org",
                "app_password": server.password,
                "service": server.base,
            },
            by=world.analyst,
            project=world.project,
        )
        collection = collection_for(world, server, credential=credential)

        first = run_now(collection)
        server.add(2, start=100)
        server.expire_next = True
        second = run_now(collection)
    finally:
        server.stop()

    assert first.posts_new == 3 and second.posts_new == 2
    assert server.sessions == 1  # the saved login was reused
    assert server.refreshes == 1
    assert "access-" not in str(collection.state) and "refresh-" not in str(collection.state)


def test_a_wrong_app_password_fails_the_run_in_plain_words(world, waits):
    server = FakeBluesky(anonymous_search=False)
    try:
        credential = collecting.save_credential(
            platform="bluesky",
            label="lab account",
            fields={"handle": "lab.example.org", "app_password": "wrong", "service": server.base},
            by=world.analyst,
            project=world.project,
        )
        run = CollectionRun.objects.create(
            collection=collection_for(world, server, credential=credential), trigger="manual"
        )
        with pytest.raises(Exception, match="did not accept"):
            collecting.collect(run)
    finally:
        server.stop()
    run.refresh_from_db()
    assert run.status == CollectionRun.Status.FAILED
    assert "app password" in run.message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "at least one hashtag"),
        ({"tags": ["two words"]}, "not a hashtag"),
        ({"authors": ["not an account!"]}, "not a Bluesky account"),
        ({"threads": ["https://example.org/nothing"]}, "not a link to a Bluesky post"),
        ({"tags": ["x"], "lang": "English"}, "not a language code"),
        ({"tags": ["x"], "max_pages": "many"}, "whole number"),
        ({"tags": ["x"], "service": "ftp://x"}, "not a server address"),
    ],
)
def test_queries_that_cannot_work_are_explained(query, message):
    with pytest.raises(QueryError, match=message):
        bluesky_api.check_query(query)


def test_a_query_is_cleaned_and_described():
    query = bluesky_api.check_query(
        {
            "tags": ["#SocialWork", "socialwork", "Pflege"],
            "authors": ["@Ana-Example.bsky.social", "https://bsky.app/profile/ben.example.org"],
            "threads": ["https://bsky.app/profile/ana.example.org/post/3lxyz"],
        }
    )
    assert query["tags"] == ["socialwork", "pflege"]
    assert query["authors"] == ["ana-example.bsky.social", "ben.example.org"]
    assert query["threads"] == ["at://ana.example.org/app.bsky.feed.post/3lxyz"]
    assert bluesky_api.describe(query) == (
        "posts matching #socialwork or #pflege and the posts of @ana-example.bsky.social "
        "and @ben.example.org and 1 whole thread"
    )
