"""Bluesky Jetstream v1 events, one JSON object per line (platforms.md §3.8).

- commit create/update of `app.bsky.feed.post` → a Post (author id = the DID; events
  carry no handles, counts or CDN views, so images get the CDN URL pattern);
- commit create of `app.bsky.feed.repost` → a `repost` Post of `subject.uri`;
- commit deletes of posts and reposts, and deleted accounts → no Post; counted, and
  listed in `report.deleted` so the importer removes what it stored of them
  (`deleted_uri(event)` gives a delete's AT-URI to the live collector);
- other collections and identity/account events → counted per collection or kind.
"""

from socialgood.platforms.bluesky import post_from_record
from socialgood.platforms.model import Person, Post
from socialgood.platforms.normalise import from_epoch, parse_iso

NAME = "jetstream"
LABEL = "Bluesky Jetstream events (JSONL)"
PLATFORM_NAME = "Bluesky Jetstream"
PLATFORM = "bluesky"
MAPPER_VERSION = 1

_POST = "app.bsky.feed.post"
_REPOST = "app.bsky.feed.repost"


def sniff(record):
    return isinstance(record, dict) and "did" in record and "time_us" in record and "kind" in record


def deleted_uri(event):
    """The AT-URI a delete event removes, or None for any other event."""
    if not sniff(event) or event["kind"] != "commit":
        return None
    commit = event.get("commit") or {}
    if commit.get("operation") != "delete":
        return None
    return f"at://{event['did']}/{commit.get('collection')}/{commit.get('rkey')}"


def parse(record, report, line=None):
    if not sniff(record):
        report.skip("Bluesky Jetstream: not a Jetstream event", line)
        return
    if record["kind"] == "account" and (record.get("account") or {}).get("status") == "deleted":
        report.warn("Bluesky Jetstream: deleted accounts seen (their posts are removed)")
        report.deleted.append(("author", record["did"]))
    if record["kind"] != "commit":
        report.skip(f"Bluesky Jetstream: {record['kind']} event (not a post)")
        return
    commit = record.get("commit") or {}
    collection = commit.get("collection")
    operation = commit.get("operation")
    if operation == "delete":
        report.warn(f"Bluesky Jetstream: deletes seen ({collection})")
        if collection in (_POST, _REPOST):
            report.deleted.append(("post", deleted_uri(record)))
        return
    if collection not in (_POST, _REPOST) or operation not in ("create", "update"):
        report.skip(f"Bluesky Jetstream: {collection} {operation} (not a post)")
        return
    did = record["did"]
    uri = f"at://{did}/{collection}/{commit.get('rkey')}"
    body = commit.get("record")
    if not isinstance(body, dict):
        report.skip("Bluesky Jetstream: commit without a record", line)
        return
    if operation == "update":
        report.warn("Bluesky Jetstream: edited posts seen (stored as first seen)")
    if collection == _REPOST:
        subject = (body.get("subject") or {}).get("uri")
        if not subject:
            report.skip("Bluesky Jetstream: repost without a subject", line)
            return
        post = _repost(uri, did, subject, body, record, report)
    else:
        post = post_from_record(uri, body, report, author=Person(id=did), raw=record)
    if post is None:
        report.skip("Bluesky Jetstream: record without a usable date", line)
        return
    yield post


def _repost(uri, did, subject, body, event, report):
    # the event time (when Jetstream saw it) stands in for a missing createdAt
    created = parse_iso(body.get("createdAt"), report) or from_epoch(event["time_us"] / 1e6)
    if created is None:
        return None
    return Post(
        platform="bluesky",
        platform_id=uri,
        created_at=created,
        author=Person(id=did),
        kind="repost",
        repost_of=subject,
        raw=event,
    )
