"""Helpers for the collect tests: counts of stored rows and posts written in a real format."""

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialgood.collect import ingest
from socialgood.collect.models import Post, PostHashtag, PostLink, PostMedia, PostMention
from socialgood.projects import governance

FIXTURES = Path(__file__).parents[1] / "fixtures"
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def stored_counts(project):
    """What a researcher would count in the post browser, from the database tables."""
    posts = Post.objects.filter(project=project)
    media = PostMedia.objects.filter(project=project)
    return {
        "posts": posts.count(),
        "hashtags": PostHashtag.objects.filter(project=project).count(),
        "mentions": PostMention.objects.filter(project=project).count(),
        "replies": posts.filter(kind="reply").count(),
        "quotes": posts.filter(kind="quote").count(),
        "reposts": posts.filter(kind="repost").count(),
        "comments": posts.filter(kind="comment").count(),
        "media": media.count(),
        "alt_texts": media.exclude(alt_text=None).exclude(alt_text="").count(),
        "links": PostLink.objects.filter(project=project).count(),
    }


def bluesky_view(number, author, text="Respite care helped today.", *, tags=(), mention=None):
    """A searchPosts postView by `author` = (did, handle); `mention` = (did, handle)."""
    did, handle = author
    record = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": (BASE_TIME - timedelta(minutes=number)).isoformat().replace("+00:00", "Z"),
        "langs": ["en"],
    }
    facets = []
    if mention is not None:
        shown = "@" + mention[1]
        record["text"] += " with " + shown
        end = len(record["text"].encode())
        facets.append(
            {
                "index": {"byteStart": end - len(shown.encode()), "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": mention[0]}],
            }
        )
    for tag in tags:
        record["text"] += " #" + tag
        end = len(record["text"].encode())
        facets.append(
            {
                "index": {"byteStart": end - len(tag.encode()) - 1, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
    if facets:
        record["facets"] = facets
    return {
        "uri": f"at://{did}/app.bsky.feed.post/3k{number:011d}",
        "cid": f"bafyreipost{number}",
        "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0].title()},
        "record": record,
        "indexedAt": record["createdAt"],
        "replyCount": 1,
        "repostCount": 2,
        "likeCount": 3,
        "quoteCount": 0,
    }


QUILLA = ("did:plc:quillaquillaquillaquilla", "quilla-ex.bsky.social")
BO = ("did:plc:bobobobobobobobobobobobo", "bo-ex.bsky.social")


def renamed_person_files(tmp_path, first_text="Respite tips"):
    """Two files: in the first Quilla goes by "Quilla Marrow", in the second by "Quilla
    Ashgrove", and Bo thanks her by her earlier name (a mention gives no name)."""

    def by_quilla(number, name, text):
        view = bluesky_view(number, QUILLA, text)
        view["author"]["displayName"] = name
        return view

    thanks = bluesky_view(3, BO, "Thank you, Quilla Marrow", mention=QUILLA)
    thanks["record"]["embed"] = {
        "$type": "app.bsky.embed.images",
        "images": [{"alt": "QUILLA MARROW at the carers' cafe"}],
    }
    first = [by_quilla(1, "Quilla Marrow", first_text)]
    second = [by_quilla(2, "Quilla Ashgrove 🌿", "New name, same tips"), thanks]
    return [
        write_jsonl(tmp_path / "monday.jsonl", [{"posts": first}]),
        write_jsonl(tmp_path / "tuesday.jsonl", [{"posts": second}]),
    ]


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def bluesky_file(path, numbers, per_page=10):
    """A searchPosts JSONL file with one post per number, by a few invented people."""
    people = [(f"did:plc:person{i:019d}", f"person-{i}.example.org") for i in range(3)]
    views = [bluesky_view(n, people[n % 3], tags=("caregiving",) if n % 2 else ()) for n in numbers]
    pages = [{"posts": views[i : i + per_page]} for i in range(0, len(views), per_page)]
    return write_jsonl(path, pages)


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 10 posts, so a few dozen posts make several transactions."""
    monkeypatch.setattr(ingest, "BATCH_SIZE", 10)
    return 10


MIXED = ["bluesky/search.jsonl", "mastodon/timeline.jsonl", "twarc2/search.jsonl"]


def interrupt_storing(monkeypatch, on_batch, error=KeyboardInterrupt):
    """Make storing the `on_batch`-th batch raise `error` (Ctrl-C, a crash, mid-import);
    undo it with `monkeypatch.undo()`."""
    store, calls = ingest.store_posts, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == on_batch:
            raise error
        return store(*args, **kwargs)

    monkeypatch.setattr(ingest, "store_posts", interrupted)


def mixed_zip(path):
    """A zipped folder of files from three tools, in three formats."""
    with zipfile.ZipFile(path, "w") as archive:
        for name in MIXED:
            archive.write(FIXTURES / name, "collected/" + name.replace("/", "-"))
    return path


def x_archive_zip(path, replace=None):
    """The invented X archive in fixtures/x_archive, zipped as X delivers it, with a media
    file beside the tweets. `replace` ({text: other text}) edits every file first."""
    folder = FIXTURES / "x_archive"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and file.name != "README.md":
                content = file.read_text()
                for old, new in (replace or {}).items():
                    content = content.replace(old, new)
                archive.writestr(f"twitter-2023-06-10/{file.relative_to(folder)}", content)
        archive.writestr(
            "twitter-2023-06-10/data/tweets_media/1600000000000000101-FjA1.jpg",
            b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8,
        )
    return path


@pytest.fixture
def scrubs_asked(monkeypatch):
    """The database scrubs asked for, by their options (each is still done)."""
    asked = []
    scrub_database = governance.scrub_database
    monkeypatch.setattr(
        governance,
        "scrub_database",
        lambda **options: asked.append(options) or scrub_database(**options),
    )
    return asked
