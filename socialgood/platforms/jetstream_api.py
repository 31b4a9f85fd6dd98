"""Collect Bluesky posts live from Jetstream, filtered by hashtags and keywords.

Jetstream (platforms.md §3.8) streams every new Bluesky post as JSON and replays about
36 hours from a `cursor` (unix microseconds). It has no hashtag filter, so this
collector subscribes to `app.bsky.feed.post` and keeps, client-side, the posts whose
hashtags (facet tags ∪ `record.tags`) or text match the query.

A run replays from the collection's saved cursor (the first run from its window start,
if Jetstream still holds it, else from now), then listens for `minutes` and stops once
it has caught up with the time it started or the stream goes quiet. Scheduled every
hour, runs therefore cover the stream without gaps. After a dropped connection it
reconnects with the cursor of the last event seen minus RESUME_OVERLAP, since delivery
is at-least-once around a reconnect; posts seen twice are stored once.

Deletes: Jetstream announces a deleted post with its AT-URI only. Every post delete goes
to the engine with the page, which removes the post if this or an earlier run stored it
(the author withdrew it; platform terms ask researchers to follow).

The state holds only the cursor (a time), never a DID or handle.
"""

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import orjson
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import connect

from socialgood.platforms import jetstream
from socialgood.platforms.collectors import Field, Page, QueryError
from socialgood.platforms.normalise import hashtag, unique

NAME = "jetstream"
LABEL = "Bluesky live stream (Jetstream)"
FORMAT = jetstream
RATE_LIMIT = None  # a stream: no request budget
CREDENTIAL_REQUIRED = False
CREDENTIAL_FIELDS = ()
DEFAULT_SERVICE = "wss://jetstream2.us-east.bsky.network/subscribe"
LOOKBACK = timedelta(hours=36)  # how far back Jetstream replays (about)
RESUME_OVERLAP = 5_000_000  # µs: after a drop, resume a little before the last event
PAGE_EVENTS = 2000  # save the cursor at least this often (events read, matching or not)
PAGE_SECONDS = 10.0  # ... or after this long
IDLE_SECONDS = 30.0  # a stream quiet this long after the listening time has nothing left
RECONNECTS = 5  # in a row, without an event in between, before the run gives up
COVERAGE_CAVEAT = (
    "The live stream was filtered by socialgood, not by Bluesky: it holds every post made "
    "while it was read (Jetstream replays about 36 hours), matched on hashtags and words."
)

QUERY_FIELDS = (
    Field(
        "tags",
        "Hashtags",
        kind="list",
        cli="tag",
        help="One per line, with or without #. Posts with any of them are collected.",
    ),
    Field(
        "keywords",
        "Words",
        kind="list",
        cli="keyword",
        help="Words or phrases, one per line: posts whose text contains any of them "
        "(ignoring case) are collected.",
    ),
    Field(
        "minutes",
        "Minutes to listen per run",
        kind="int",
        default=10,
        help="After catching up with what happened since the last run, keep listening this "
        "long. 0 stops as soon as it has caught up.",
    ),
    Field(
        "service",
        "Jetstream server",
        cli="service",
        help="Leave empty for Bluesky's public Jetstream. Another address (wss://…/subscribe) "
        "for a self-hosted one or a test server.",
        advanced=True,
    ),
)


def check_query(query):
    tags = [
        t
        for t in unique(hashtag(str(t).strip().lstrip("#＃")) for t in query.get("tags") or [])
        if t
    ]
    for tag in tags:
        if " " in tag:
            raise QueryError(f"“#{tag}” is not a hashtag: no spaces.")
    words = (" ".join(str(k).split()).casefold() for k in query.get("keywords") or [])
    keywords = [k for k in unique(words) if k]
    if not tags and not keywords:
        raise QueryError("Give at least one hashtag or word to filter the live stream.")
    try:
        minutes = int(query.get("minutes") if query.get("minutes") not in (None, "") else 10)
    except (TypeError, ValueError):
        raise QueryError("Minutes to listen must be a whole number.") from None
    if not 0 <= minutes <= 24 * 60:
        raise QueryError("Minutes to listen must be between 0 and 1,440.")
    service = str(query.get("service") or "").strip()
    if service:
        parts = urlsplit(service)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise QueryError(f"“{service}” is not a Jetstream address (wss://…/subscribe).")
    return {"tags": tags, "keywords": keywords, "minutes": minutes, "service": service}


def describe(query):
    wanted = [f"#{tag}" for tag in query["tags"]] + [f"“{kw}”" for kw in query["keywords"]]
    text = " or ".join(wanted)
    return f"new posts with {text}, live"


def matches(query, record):
    """Whether a post record has a wanted hashtag (facets ∪ record.tags) or word."""
    if query["tags"]:
        tags = set()
        for facet in record.get("facets") or ():
            for feature in facet.get("features") or ():
                if feature.get("$type") == "app.bsky.richtext.facet#tag":
                    tags.add(feature.get("tag"))
        tags.update(record.get("tags") or ())
        wanted = set(query["tags"])
        if any(isinstance(tag, str) and hashtag(tag) in wanted for tag in tags):
            return True
    if query["keywords"]:
        text = str(record.get("text") or "").casefold()
        return any(keyword in text for keyword in query["keywords"])
    return False


def _micros(moment):
    return int(moment.timestamp() * 1_000_000)


def _iso(micros):
    moment = datetime.fromtimestamp(micros / 1_000_000, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def pages(ask, state, http, coverage):
    """Read the stream; `http` lends only its `sleep` (tests make waits instant)."""
    query = ask.query
    service = query["service"] or DEFAULT_SERVICE
    source = f"Jetstream {urlsplit(service).netloc}"
    coverage.asked(source, describe(query))
    started = datetime.now(UTC)
    start_us = _micros(started)
    cursor = state.get("cursor")
    if cursor is None and ask.since is not None:
        oldest = started - LOOKBACK
        if ask.since < oldest:
            coverage.gap(
                source,
                f"Jetstream keeps about 36 hours: posts before {_iso(_micros(oldest))} were not "
                "available from the live stream (search collects older posts).",
            )
        cursor = _micros(max(ask.since, oldest))
    stop_us = _micros(ask.until) if ask.until else None
    listen_until = time.monotonic() + query["minutes"] * 60
    last_us = cursor
    failures = drops = 0
    batch = []
    done = False
    while not done:
        try:
            with _connect(service, last_us) as socket:
                read, saved_at = 0, time.monotonic()
                while not done:
                    quiet = time.monotonic() >= listen_until
                    try:
                        message = socket.recv(timeout=IDLE_SECONDS if quiet else 1.0)
                    except TimeoutError:
                        done = quiet  # the listening time is up and nothing is left to replay
                        continue
                    event = _event(message)
                    if event is None:
                        coverage.note("Jetstream sent some messages that were not events; skipped.")
                        continue
                    failures = 0
                    if stop_us is not None and event["time_us"] > stop_us:
                        done = True  # past the window's end
                        continue
                    last_us = event["time_us"]
                    read += 1
                    if jetstream.deleted_uri(event) is not None or _wanted(query, event):
                        batch.append(event)
                    # caught up with the moment the run started, and listened long enough
                    done = last_us >= start_us and time.monotonic() >= listen_until
                    if (
                        len(batch) >= 100
                        or read >= PAGE_EVENTS
                        or (time.monotonic() - saved_at >= PAGE_SECONDS)
                    ):
                        yield _page(batch, last_us, source)
                        batch, read, saved_at = [], 0, time.monotonic()
        except (ConnectionClosed, OSError, InvalidHandshake) as error:
            if batch:
                yield _page(batch, last_us, source)  # keep what came before the drop
                batch = []
            failures += 1
            if failures > RECONNECTS:
                coverage.failed(
                    source,
                    f"the connection to {urlsplit(service).netloc} kept breaking "
                    f"({_why(error)}); the next run continues from {_iso(last_us or start_us)}.",
                )
                return
            drops += 1
            if last_us is not None:
                last_us = max(0, last_us - RESUME_OVERLAP)
            http.sleep(min(30, 2**failures))
        except InvalidURI:
            raise QueryError(f"“{service}” is not a Jetstream address.") from None
    yield _page(batch, last_us, source)
    if drops:
        coverage.note(
            f"The stream broke off {drops} time(s) and was resumed each time from the last "
            "event seen minus 5 seconds: no gap, and posts seen twice were stored once."
        )
    if last_us is not None:
        coverage.note(f"The stream was read up to {_iso(last_us)}.")
    coverage.complete(source)


def _connect(service, cursor):
    params = [("wantedCollections", "app.bsky.feed.post")]
    if cursor is not None:
        params.append(("cursor", str(cursor)))
    return connect(
        f"{service}?{urlencode(params)}",
        open_timeout=20,
        close_timeout=5,
        max_size=2**23,
        user_agent_header="socialgood/0.1 (research collection)",
    )


def _event(message):
    try:
        event = orjson.loads(message)
    except orjson.JSONDecodeError:
        return None
    if not jetstream.sniff(event) or not isinstance(event.get("time_us"), int):
        return None
    return event


def _wanted(query, event):
    commit = event.get("commit") if event.get("kind") == "commit" else None
    if not isinstance(commit, dict) or commit.get("collection") != "app.bsky.feed.post":
        return False
    record = commit.get("record")
    return (
        commit.get("operation") in ("create", "update")
        and isinstance(record, dict)
        and (matches(query, record))
    )


def _page(batch, last_us, source):
    return Page(records=list(batch), state={"cursor": last_us}, source=source)


def _why(error):
    if isinstance(error, ConnectionClosed):
        return "the connection was closed"
    if isinstance(error, InvalidHandshake):
        return "the server refused the connection"
    return "the server could not be reached"
