"""Import runs: every format into the tables, re-imports, crashes and bad input."""

import gzip
import json
import os
import signal
import struct
import tarfile
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from socialgood.collect import imports, ingest
from socialgood.collect.imports import import_files, load_directory, load_originals, renamed_in
from socialgood.collect.models import (
    ImportRun,
    PersonDirectory,
    PersonOriginals,
    Post,
    PostMention,
    Tally,
)
from socialgood.jobs.models import Job
from socialgood.platforms import FORMATS, files, tabular
from socialgood.platforms.files import read_posts
from socialgood.platforms.model import Person
from socialgood.platforms.model import Post as ParsedPost
from socialgood.platforms.report import Report
from socialgood.privacy.pseudonyms import pseudonym
from socialgood.projects import governance
from socialgood.projects.models import AuditEvent, Project
from tests.collect.conftest import (
    BO,
    FIXTURES,
    MIXED,
    QUILLA,
    bluesky_file,
    bluesky_view,
    interrupt_storing,
    mixed_zip,
    renamed_person_files,
    stored_counts,
    write_jsonl,
    x_archive_zip,
)

# fixture file, detected format, what the tables hold afterwards
KNOWN = [
    ("bluesky/author_feed.json", "bluesky", dict(posts=4, hashtags=6, mentions=1, replies=1, quotes=0, reposts=1, comments=0, media=5, alt_texts=3, links=2)),
    ("bluesky/search.jsonl", "bluesky", dict(posts=4, hashtags=3, mentions=1, replies=1, quotes=0, reposts=0, comments=0, media=3, alt_texts=2, links=2)),
    ("bluesky/thread.json", "bluesky", dict(posts=3, hashtags=3, mentions=1, replies=2, quotes=0, reposts=0, comments=0, media=3, alt_texts=2, links=1)),
    ("jetstream/events.jsonl", "jetstream", dict(posts=3, hashtags=2, mentions=0, replies=1, quotes=0, reposts=1, comments=0, media=1, alt_texts=1, links=0)),
    ("mastodon/context.json", "mastodon", dict(posts=3, hashtags=0, mentions=0, replies=2, quotes=0, reposts=0, comments=0, media=0, alt_texts=0, links=0)),
    ("mastodon/timeline.jsonl", "mastodon", dict(posts=5, hashtags=5, mentions=3, replies=2, quotes=1, reposts=1, comments=0, media=4, alt_texts=2, links=2)),
    ("reddit/RC_2026-01.ndjson", "reddit", dict(posts=3, hashtags=0, mentions=1, replies=0, quotes=0, reposts=0, comments=3, media=0, alt_texts=0, links=0)),
    ("reddit/RS_2026-01.ndjson", "reddit", dict(posts=2, hashtags=0, mentions=0, replies=0, quotes=0, reposts=0, comments=0, media=0, alt_texts=0, links=0)),
    ("reddit/comments_page.json", "reddit", dict(posts=5, hashtags=0, mentions=2, replies=0, quotes=0, reposts=0, comments=4, media=0, alt_texts=0, links=3)),
    ("reddit/morechildren.json", "reddit", dict(posts=2, hashtags=0, mentions=1, replies=0, quotes=0, reposts=0, comments=2, media=0, alt_texts=0, links=0)),
    ("reddit/subreddit_listing.json", "reddit", dict(posts=6, hashtags=0, mentions=1, replies=0, quotes=0, reposts=1, comments=0, media=5, alt_texts=2, links=2)),
    ("telegram/result.json", "telegram", dict(posts=4, hashtags=3, mentions=2, replies=1, quotes=0, reposts=0, comments=0, media=3, alt_texts=0, links=2)),
    ("twarc2/flattened.jsonl", "twarc2", dict(posts=3, hashtags=5, mentions=0, replies=0, quotes=0, reposts=1, comments=0, media=1, alt_texts=1, links=0)),
    ("twarc2/search.jsonl", "twarc2", dict(posts=5, hashtags=5, mentions=2, replies=1, quotes=1, reposts=1, comments=0, media=2, alt_texts=1, links=2)),
    ("twitter_v1/tweets.json", "twitter-v1", dict(posts=4, hashtags=5, mentions=1, replies=1, quotes=1, reposts=1, comments=0, media=3, alt_texts=2, links=1)),
    ("youtube/comment_threads.json", "youtube", dict(posts=5, hashtags=4, mentions=2, replies=0, quotes=0, reposts=0, comments=5, media=0, alt_texts=0, links=1)),
    ("youtube/comments_list.json", "youtube", dict(posts=2, hashtags=0, mentions=1, replies=0, quotes=0, reposts=0, comments=2, media=0, alt_texts=0, links=0)),
    ("zeeschuimer/zeeschuimer-export.ndjson", "zeeschuimer", dict(posts=17, hashtags=17, mentions=10, replies=2, quotes=2, reposts=3, comments=0, media=12, alt_texts=5, links=6)),
]  # fmt: skip


def parser_counts(path):
    """The same counts, from the parser's own output: storage must lose nothing."""
    posts = {(p.platform, p.platform_id): p for p in read_posts(path, Report())}.values()
    kinds = Counter(post.kind for post in posts)
    return {
        "posts": len(posts),
        "hashtags": sum(len(set(post.hashtags)) for post in posts),
        "mentions": sum(len({m.id or m.handle for m in post.mentions}) for post in posts),
        "replies": kinds["reply"],
        "quotes": kinds["quote"],
        "reposts": kinds["repost"],
        "comments": kinds["comment"],
        "media": sum(len(post.media) for post in posts),
        "alt_texts": sum(1 for post in posts for media in post.media if media.alt_text),
        "links": sum(len(post.links) for post in posts),
    }


@pytest.mark.parametrize("name, format, expected", KNOWN, ids=[k[0] for k in KNOWN])
def test_each_format_fills_the_tables_with_the_known_counts(world, name, format, expected):
    run = import_files(world.project, [FIXTURES / name], user=world.owner)

    assert run.status == ImportRun.Status.DONE, run.message
    assert run.format == format
    assert stored_counts(world.project) == expected
    assert stored_counts(world.project) == parser_counts(FIXTURES / name)
    assert run.imported == expected["posts"]
    version = FORMATS[format].MAPPER_VERSION  # provenance: which mapping stored them
    assert set(Post.objects.filter(project=world.project).values_list("mapper", flat=True)) == {
        f"{format}/{version}"
    }


JSON_LINES = [k for k in KNOWN if k[0].endswith((".jsonl", ".ndjson"))]


@pytest.mark.parametrize("name, format, expected", JSON_LINES, ids=[k[0] for k in JSON_LINES])
@pytest.mark.parametrize("indent", [None, 2])
def test_json_lines_saved_as_one_array_import_the_same(
    world, tmp_path, name, format, expected, indent
):
    # Several API responses kept in one JSON array (json.dump(responses, file)), on one
    # line or pretty-printed: the same posts as the JSON Lines file.
    lines = (FIXTURES / name).read_bytes().splitlines()
    records = [orjson.loads(line) for line in lines if line.strip()]
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(records, indent=indent))

    run = import_files(world.project, [path])

    assert run.format == format
    assert stored_counts(world.project) == expected
    assert run.records == len(records)  # each response, whichever way it was saved


@pytest.mark.parametrize("name", [k[0] for k in KNOWN])
def test_reimporting_any_format_adds_nothing(world, name):
    first = import_files(world.project, [FIXTURES / name])
    before = stored_counts(world.project)

    again = import_files(world.project, [FIXTURES / name])

    assert again.status == ImportRun.Status.DONE, again.message
    assert (again.imported, again.duplicates) == (0, first.imported + first.duplicates)
    assert stored_counts(world.project) == before


def test_a_run_records_files_counts_timing_and_an_audit_event(world):
    path = FIXTURES / "twarc2/search.jsonl"
    run = import_files(world.project, [path], user=world.analyst)

    (entry,) = run.files
    assert entry["name"] == "search.jsonl" and entry["format"] == "twarc2"
    assert entry["size"] == path.stat().st_size
    assert entry["sha256"] == imports.file_sha256(path) and len(entry["sha256"]) == 64
    assert run.records == run.report["records"] > 0
    assert run.report["duration_seconds"] >= 0
    assert run.report["warnings"]  # the fixture has a partial API error
    assert run.finished_at is not None
    event = AuditEvent.objects.get(action="import.run")
    assert event.actor == world.analyst
    # The log can't be changed: a file name that names someone learnt later would stay.
    assert event.target == f"import {run.pk}" and "search.jsonl" not in str(event.details)
    assert event.details["imported"] == run.imported == 5
    assert "text" not in orjson.dumps(event.details).decode()


def test_reimporting_the_same_file_adds_nothing(world):
    path = FIXTURES / "mastodon/timeline.jsonl"
    import_files(world.project, [path])
    before = stored_counts(world.project)

    again = import_files(world.project, [path])

    assert (again.imported, again.duplicates) == (0, before["posts"])
    assert stored_counts(world.project) == before


def helpline_chat(path, messages):
    """A donor's export of their chat with one helpline account, its messages numbered in
    the donor's own count: (number, epoch seconds, text, sender, number answered)."""
    path.write_text(json.dumps({
        "name": "Example Helpline", "type": "personal_chat", "id": 700700700,
        "messages": [
            {"id": number, "type": "message", "date_unixtime": str(seconds), "text": text,
             "from": "Someone", "from_id": sender,
             **({"reply_to_message_id": parent} if parent else {})}
            for number, seconds, text, sender, parent in messages
        ],
    }))  # fmt: skip
    return path


def helpline_export(path, first_second, numbers=(41, 42), replies=None):
    """Messages a minute apart, all saying "hello"; `replies` maps a message to the one
    it answers (by default the second answers the first)."""
    if replies is None:
        replies = {numbers[1]: numbers[0]}
    return helpline_chat(
        path,
        [
            (number, first_second + 60 * n, "hello", "user111", replies.get(number))
            for n, number in enumerate(numbers)
        ],
    )


def replies_joined(project):
    """Whether every stored reply names a stored post, and how many replies there are."""
    posts = Post.objects.filter(project=project)
    keys = set(posts.values_list("platform_id", flat=True))
    replied = list(posts.filter(kind="reply").values_list("reply_to", flat=True))
    return all(key in keys for key in replied), len(replied)


def test_two_donors_chats_with_one_account_are_both_kept_once(world, tmp_path):
    first = helpline_export(tmp_path / "first.json", 1706781600)
    second = helpline_export(tmp_path / "second.json", 1709000000)

    run = import_files(world.project, [first, second])
    again = import_files(world.project, [first, second])

    assert (run.imported, run.duplicates) == (4, 0)
    assert (again.imported, again.duplicates) == (0, 4)
    assert replies_joined(world.project) == (True, 2)
    # The first message of a number keeps the key earlier versions stored.
    assert Post.objects.filter(platform_id__endswith="/41").count() == 1


def test_a_later_export_of_a_chat_joins_the_messages_stored_before(world, tmp_path):
    # As stored before the time was part of the keys: "<chat>/<message id>".
    january = helpline_export(tmp_path / "jan.json", 1706781600, (40, 41, 42), {42: 41})
    import_files(world.project, [january])
    assert not Post.objects.filter(platform_id__regex=r"/[0-9]+/[0-9]+$").exists()
    march = helpline_export(
        tmp_path / "mar.json", 1706781600, (40, 41, 42, 43, 44), {42: 41, 43: 41, 44: 43}
    )
    other_donor = helpline_export(tmp_path / "b.json", 1709000000, (41, 42))

    run = import_files(world.project, [march, other_donor])

    assert (run.imported, run.duplicates) == (4, 3)
    assert replies_joined(world.project) == (True, 4)
    assert Post.objects.filter(project=world.project).count() == 7


def test_an_old_export_with_local_times_only_is_the_same_chat_as_a_new_one(world, tmp_path):
    # Before 2021 Telegram Desktop wrote only `date`, the exporting computer's local
    # time (here UTC+2), which is read as UTC.
    new = helpline_export(tmp_path / "new.json", 1706781600)
    old = json.loads(new.read_text())
    for message in old["messages"]:
        local = datetime.fromtimestamp(int(message.pop("date_unixtime")) + 7200, UTC)
        message["date"] = local.strftime("%Y-%m-%dT%H:%M:%S")
    old_path = tmp_path / "old.json"
    old_path.write_text(json.dumps(old))

    import_files(world.project, [old_path])
    run = import_files(world.project, [new])

    later = helpline_export(tmp_path / "later.json", 1706781600, (41, 42, 43), {42: 41, 43: 41})
    more = import_files(world.project, [later])

    assert (run.imported, run.duplicates) == (0, 2)
    assert (more.imported, more.duplicates) == (1, 2)
    assert replies_joined(world.project) == (True, 2)


def test_another_donors_messages_are_not_stored_again_when_the_first_donors_go(
    world, tmp_path, monkeypatch
):
    first = helpline_export(tmp_path / "first.json", 1706781600)
    second = helpline_export(tmp_path / "second.json", 1709000000)
    run = import_files(world.project, [first])
    import_files(world.project, [second])
    governance.delete_import_posts(world.project, run, by=world.owner)

    again = import_files(world.project, [second])
    monkeypatch.setattr(ingest, "BATCH_SIZE", 1)  # as when the reader has nothing ready
    both = import_files(world.project, [first, second])
    assert (again.imported, again.duplicates) == (0, 2)
    assert (both.imported, both.duplicates) == (2, 2)
    assert replies_joined(world.project) == (True, 2)


def test_a_withdrawn_persons_message_number_goes_to_nobody_else(world, tmp_path):
    # Donor A tells a story, the helpline answers; A withdraws. Donor B's message of the
    # same number is not what the helpline answered.
    a = helpline_chat(tmp_path / "a.json", [(41, 1706781600, "my story", "user111", None),
                                            (42, 1706781660, "we hear you", "user700", 41)])  # fmt: skip
    import_files(world.project, [a])
    story = Post.objects.get(text="my story")
    governance.delete_author_posts(world.project, story.author, by=world.owner)
    b = helpline_chat(tmp_path / "b.json", [(41, 1709000000, "other", "user222", None)])

    import_files(world.project, [b])
    run = import_files(world.project, [a, b])  # A's story stays out, again

    answer = Post.objects.get(text="we hear you")
    assert not Post.objects.filter(platform_id=answer.reply_to).exists()
    assert (run.imported, run.duplicates) == (0, 2)


def test_two_donors_messages_hours_apart_are_not_taken_for_one(world, tmp_path):
    # The same words a few hours apart, but not by whole quarter hours as time zones are.
    a = helpline_chat(tmp_path / "a.json", [(5, 1706781600, "/start", "user111", None)])
    b = helpline_chat(
        tmp_path / "b.json", [(5, 1706781600 + 3 * 3600 + 17, "/start", "user222", None)]
    )

    run = import_files(world.project, [a, b])

    assert (run.imported, run.duplicates) == (2, 0)


def test_a_message_time_with_a_fraction_of_a_second_is_one_message_on_reimport(
    world, tmp_path, small_batches
):
    chat = [(41, 1706781600.9996, "hi", "user111", None)]
    chat += [(n, 1706781600 + n, "and", "user111", 41) for n in range(42, 55)]
    path = helpline_chat(tmp_path / "a.json", chat)

    first = import_files(world.project, [path])
    again = import_files(world.project, [path])

    assert (first.imported, again.imported, again.duplicates) == (14, 0, 14)
    assert replies_joined(world.project) == (True, 13)


def test_an_overlong_or_odd_post_id_is_stored_cut_not_fatal(world, tmp_path):
    long_id = "9" * 700
    path = write_jsonl(tmp_path / "odd.jsonl", [flattened_tweet(long_id, "7", "ana_example", "hi")])

    run = import_files(world.project, [path])
    again = import_files(world.project, [path])

    assert (run.imported, again.imported, again.duplicates) == (1, 0, 1)
    assert Post.objects.get().platform_id == long_id[:500]


def test_an_x_archive_zip_imports_its_owners_tweets_under_their_pseudonym(world, tmp_path):
    archive = x_archive_zip(tmp_path / "twitter-2023-06-10.zip")
    run = import_files(world.project, [archive], user=world.owner)

    assert run.status == ImportRun.Status.DONE, run.message
    assert run.format == "x-archive"
    assert stored_counts(world.project) == dict(
        posts=5, hashtags=5, mentions=2, replies=1, quotes=0, reposts=1, comments=0, media=2,
        alt_texts=0, links=1,
    )  # fmt: skip
    # The same pseudonym as the account's tweets from any other X source.
    owner = pseudonym(world.project.secret_key, "x", "1480000000000000042")
    assert set(Post.objects.filter(project=world.project).values_list("author", flat=True)) == {
        owner
    }
    assert run.report["contacts_scrubbed"] == 1  # the e-mail address in a tweet
    assert any("a file left unread" in warning for warning in run.report["warnings"])

    again = import_files(world.project, [archive], user=world.owner)
    assert (again.imported, again.duplicates) == (0, 5)


def test_a_zip_of_files_from_several_tools_reads_each_in_its_own_format(world, tmp_path):
    run = import_files(world.project, [mixed_zip(tmp_path / "folder.zip")])

    assert run.status == ImportRun.Status.DONE, run.message
    assert run.format == "bluesky, mastodon, twarc2"
    # Only what each file gives on its own: the X file's page of a failed request.
    assert run.report["skipped"] == {"X: page without data (failed request)": 1}
    expected = Counter()
    for name, _, counts in KNOWN:
        if name in MIXED:
            expected.update(counts)
    assert stored_counts(world.project) == dict(expected)
    mappers = Counter(Post.objects.values_list("platform", "mapper"))
    assert mappers == {
        ("bluesky", "bluesky/1"): 4,
        ("mastodon", "mastodon/2"): 5,
        ("x", "twarc2/4"): 5,
    }

    again = import_files(world.project, [tmp_path / "folder.zip"])
    assert (again.imported, again.duplicates) == (0, 14)


def test_a_tar_gz_of_files_from_several_tools_reads_each_in_its_own_format(world, tmp_path):
    path = tmp_path / "folder.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name in MIXED:
            archive.add(FIXTURES / name, "collected/" + name.replace("/", "-"))

    run = import_files(world.project, [path])

    assert run.format == "bluesky, mastodon, twarc2"
    expected = Counter()
    for name, _, counts in KNOWN:
        if name in MIXED:
            expected.update(counts)
    assert stored_counts(world.project) == dict(expected)


def test_an_archive_member_is_known_by_its_first_records_not_only_its_first(world, tmp_path):
    # The Mastodon file opens with a damaged line and a line of another tool's log.
    path = tmp_path / "folder.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(FIXTURES / "bluesky/search.jsonl", "a-bluesky.jsonl")
        timeline = (FIXTURES / "mastodon/timeline.jsonl").read_bytes()
        archive.writestr("b-mastodon.jsonl", b'{"cut off\n{"level": "info"}\n' + timeline)

    run = import_files(world.project, [path])

    assert run.format == "bluesky, mastodon"
    assert Counter(Post.objects.values_list("platform", flat=True)) == {"bluesky": 4, "mastodon": 5}
    assert run.skipped == 2


def test_posts_with_values_of_the_wrong_type_are_kept_or_skipped_never_fatal(world, tmp_path):
    # As a tool that round-tripped the data (pandas, a spreadsheet) may leave it.
    pages = [json.loads(line) for line in (FIXTURES / "bluesky/search.jsonl").open()]
    first, second, third, _ = pages[0]["posts"]
    first["record"]["embed"]["images"][0]["aspectRatio"]["width"] = ""  # can't be stored
    second["author"]["handle"] = 12345  # a number for a handle: that post is skipped
    third["likeCount"] = "7"  # text that reads as the number: kept, as the number
    path = tmp_path / "roundtripped.jsonl"
    path.write_text("".join(json.dumps(page) + "\n" for page in pages))
    later = bluesky_file(tmp_path / "later.jsonl", range(3))

    run = import_files(world.project, [path, later])

    assert run.status == ImportRun.Status.DONE, run.message
    assert run.report["skipped"] == {
        "Bluesky: post of an unexpected shape (AttributeError)": 1,
        imports.WRONG_TYPES: 1,
    }
    assert run.report["files"][0]["skipped_lines"] == {
        "Bluesky: post of an unexpected shape (AttributeError)": [1]
    }
    # 3kccc and 3kddd (3kaaa is left out, 3kbbb skipped), and the later file's 3.
    assert run.imported == 2 + 3
    assert Post.objects.get(platform_id__endswith="/3kccc").metrics["likes"] == 7


def test_a_file_that_may_not_be_read_is_named_and_the_others_imported(world, tmp_path, monkeypatch):
    locked = bluesky_file(tmp_path / "locked.jsonl", range(3))
    other = bluesky_file(tmp_path / "other.jsonl", range(3, 5))
    real_open = Path.open

    def open_unless_locked(path, *args, **kwargs):
        if path.name == "locked.jsonl":  # as chmod 000 does for anyone but root
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_unless_locked)
    run = import_files(world.project, [locked, other])

    assert run.status == ImportRun.Status.FAILED
    assert run.message == "locked.jsonl: The file can't be opened (Permission denied)."
    assert run.imported == 2


def test_a_file_of_which_nothing_could_be_read_fails_and_says_why(world, tmp_path):
    table = tmp_path / "dates.csv"
    table.write_text("id,text,author,date\n1,hello,ana,yesterday\n2,hi,bo,last week\n")
    twarc2 = FIXTURES / "twarc2/search.jsonl"

    run = import_files(world.project, [table, twarc2], format=None)
    assert run.status == ImportRun.Status.FAILED
    assert run.message.startswith(
        "dates.csv: Nothing in it could be read as posts (2 records skipped: row without"
    )
    assert run.imported == 5  # the other file

    forced = import_files(
        world.project, [bluesky_file(tmp_path / "b.jsonl", range(2))], format="reddit"
    )
    assert forced.message.endswith(
        "It may be in another format: let socialgood recognise it instead."
    )


def test_a_format_chosen_for_a_zip_is_used_for_every_member(world, tmp_path):
    run = import_files(world.project, [mixed_zip(tmp_path / "folder.zip")], format="mastodon")

    assert run.format == "mastodon" and run.imported == 5
    assert run.skipped == 4  # the Bluesky and X pages, two lines each


def test_an_overlapping_file_adds_only_the_new_posts(world, tmp_path):
    first = bluesky_file(tmp_path / "first.jsonl", range(0, 30))
    overlapping = bluesky_file(tmp_path / "second.jsonl", range(20, 45))

    import_files(world.project, [first])
    run = import_files(world.project, [overlapping])

    assert (run.imported, run.duplicates) == (15, 10)
    assert stored_counts(world.project)["posts"] == 45
    assert stored_counts(world.project)["hashtags"] == 22  # odd numbers carry one tag


def test_the_same_post_twice_in_one_import_is_one_duplicate(world, tmp_path):
    a = bluesky_file(tmp_path / "a.jsonl", range(0, 5))
    b = bluesky_file(tmp_path / "b.jsonl", range(0, 5))

    run = import_files(world.project, [a, b])

    assert (run.imported, run.duplicates) == (5, 5)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_child_process", [True, False])
def test_a_crash_keeps_whole_batches_and_a_rerun_completes(
    world, tmp_path, monkeypatch, small_batches, in_child_process
):
    monkeypatch.setattr(imports, "READ_IN_CHILD_PROCESS", in_child_process)
    path = bluesky_file(tmp_path / "posts.jsonl", range(45))
    store = ingest.store_posts
    interrupt_storing(monkeypatch, on_batch=3)
    with pytest.raises(KeyboardInterrupt):
        import_files(world.project, [path])

    assert stored_counts(world.project)["posts"] == 2 * small_batches
    crashed = ImportRun.objects.get()
    assert crashed.status == ImportRun.Status.FAILED
    assert crashed.imported == 2 * small_batches
    assert "importing the same files again adds the rest" in crashed.message
    # The people of the stored posts are in the directory and the owner's table,
    # though the reader never reached the end.
    authors = set(Post.objects.values_list("author", flat=True))
    assert len(authors) == 3 and authors <= set(load_originals(world.project))

    monkeypatch.setattr(ingest, "store_posts", store)
    run = import_files(world.project, [path])

    assert run.status == ImportRun.Status.DONE
    assert (run.imported, run.duplicates) == (45 - 2 * small_batches, 2 * small_batches)
    assert stored_counts(world.project)["posts"] == 45
    assert stored_counts(world.project)["hashtags"] == 22


@pytest.mark.django_db(transaction=True)
def test_an_import_stopped_while_the_reader_reads_on_keeps_its_people(
    world, tmp_path, monkeypatch, small_batches
):
    monkeypatch.setattr(imports, "READ_CHUNK", 10)
    people = [(f"did:plc:someone{n:020d}", f"someone-{n}.example.org") for n in range(20_000)]
    views = [bluesky_view(n, person) for n, person in enumerate(people)]
    path = write_jsonl(
        tmp_path / "posts.jsonl", [{"posts": views[n : n + 10]} for n in range(0, 20_000, 10)]
    )
    interrupt_storing(monkeypatch, on_batch=2)
    with pytest.raises(KeyboardInterrupt):
        import_files(world.project, [path])

    # The reader was far from the end (20,000 posts, chunks of 10 and a few ahead):
    # asked to stop, it handed over whom it had met.
    assert Post.objects.count() == small_batches
    authors = set(Post.objects.values_list("author", flat=True))
    assert authors <= set(load_originals(world.project))
    assert len(load_directory(world.project)["people"]) < 20_000  # it did not read on


@pytest.mark.django_db(transaction=True)
def test_the_readers_chunks_are_stored_a_batch_at_a_time_file_by_file(
    world, tmp_path, monkeypatch, small_batches
):
    monkeypatch.setattr(imports, "READ_CHUNK", 5)
    # In one process: a reader process may have nothing ready, and the importer then
    # stores what it has (timing, not counts, would decide the batches).
    monkeypatch.setattr(imports, "READ_IN_CHILD_PROCESS", False)
    a = bluesky_file(tmp_path / "a.jsonl", range(25))
    b = bluesky_file(tmp_path / "b.jsonl", range(100, 107))
    store = ingest.store_posts
    batch_sizes = []

    def recording(project, posts, **kwargs):
        batch_sizes.append(len(posts))
        return store(project, posts, **kwargs)

    monkeypatch.setattr(ingest, "store_posts", recording)
    run = import_files(world.project, [a, b])

    assert batch_sizes == [10, 10, 5, 7]
    assert run.imported == stored_counts(world.project)["posts"] == 32


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not imports.READ_IN_CHILD_PROCESS, reason="the reader runs in-process")
def test_a_reader_that_cannot_send_ends_the_import_with_a_message(world, tmp_path, monkeypatch):
    path = bluesky_file(tmp_path / "posts.jsonl", range(3))
    read_files = imports.read_files

    def unsendable(*args):
        yield ("report", 0, lambda: None)  # can't be pickled
        yield from read_files(*args)

    monkeypatch.setattr(imports, "read_files", unsendable)
    with pytest.raises(RuntimeError, match="stopped unexpectedly"):
        import_files(world.project, [path])

    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_the_person_directory_is_stored_encrypted_and_reused(world, tmp_path):
    path = bluesky_file(tmp_path / "posts.jsonl", range(6))
    import_files(world.project, [path])

    shards = PersonOriginals.objects.filter(project=world.project)
    stored = [
        PersonDirectory.objects.get(project=world.project).encrypted,
        *shards.values_list("encrypted", flat=True),
    ]
    for encrypted in map(bytes, stored):
        assert b"person-1.example.org" not in encrypted and b"did:plc" not in encrypted
    directory = load_directory(world.project)
    assert "bluesky:person-1.example.org" in directory["directory"]
    assert len(directory["people"]) == 3
    originals = load_originals(world.project)
    assert {o["handle"] for o in originals.values()} == {
        f"person-{i}.example.org" for i in range(3)
    }

    authors = set(Post.objects.values_list("author", flat=True))
    write_jsonl(tmp_path / "more.jsonl", [])  # a later import of the same people
    run = import_files(world.project, [bluesky_file(tmp_path / "later.jsonl", range(6, 12))])
    assert run.report["pseudonyms"]["new_people"] == 0
    assert set(Post.objects.values_list("author", flat=True)) == authors


# --- bad input -----------------------------------------------------------------------


def bad_input_cases(tmp_path):
    good = bluesky_file(tmp_path / "good.jsonl", range(5))
    lines = good.read_bytes()
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_bytes(lines + lines[:40])
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 40)
    not_posts = write_jsonl(tmp_path / "weather.jsonl", [{"city": "Leeds", "rain_mm": 3}])
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a-posts.jsonl", lines)
        archive.writestr("b-huge.jsonl", b"\n" * (40 * 2**20))
    broken_gzip = tmp_path / "cut.jsonl.gz"
    # larger than one read chunk (1 MB), so some of it decompresses before the damage
    broken_gzip.write_bytes(gzip.compress(lines * 1000)[:-200])
    return good, truncated, junk, not_posts, empty, bomb, broken_gzip


def test_a_cut_off_last_line_is_skipped_and_reported(world, tmp_path):
    _, truncated, *_ = bad_input_cases(tmp_path)

    run = import_files(world.project, [truncated])

    assert run.status == ImportRun.Status.DONE
    assert run.imported == 5
    assert run.report["files"][0]["skipped_lines"] == {
        "last line is cut off (incomplete file?)": [2]
    }
    assert imports.damaged_lines(run) == 1


def test_an_overlong_line_is_skipped_without_reading_it_into_memory(world, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "READ_LIMITS", {"max_line_bytes": 4096})
    good = bluesky_file(tmp_path / "good.jsonl", range(5))
    path = tmp_path / "long.jsonl"
    path.write_bytes(
        good.read_bytes() + b'{"posts": "' + b"x" * 10_000 + b'"}\n' + good.read_bytes()
    )

    run = import_files(world.project, [path])

    assert run.imported == 5 and run.duplicates == 5
    assert run.report["skipped_lines"] == {"line longer than 4.0 KB": ["long.jsonl:2"]}


@pytest.mark.parametrize(
    "case, words",
    [
        (2, "binary data"),
        (3, "not in a format socialgood knows"),
        (4, "The file is empty"),
        (5, "zip bomb"),
    ],
)
def test_unreadable_files_fail_with_a_plain_message_and_keep_earlier_files(
    world, tmp_path, case, words
):
    cases = bad_input_cases(tmp_path)
    good, bad = cases[0], cases[case]

    run = import_files(world.project, [good, bad])

    assert run.status == ImportRun.Status.FAILED
    assert words in run.message and bad.name in run.message
    assert run.imported == 5 == Post.objects.count()


def test_a_file_in_no_known_format_counts_nothing_in_the_run(world, tmp_path):
    # Its first records are read to tell its format, in one pass with reading them.
    good = bluesky_file(tmp_path / "good.jsonl", range(5))
    weather = tmp_path / "weather.jsonl"
    weather.write_bytes(b'not JSON\n{"city": "Leeds", "rain_mm": 3}\n')

    run = import_files(world.project, [good, weather])

    assert "weather.jsonl: The file holds JSON, but not in a format" in run.message
    counts = run.report["files"][1]
    assert (counts["records"], counts["skipped"], counts["skipped_lines"]) == (0, {}, {})
    assert run.records == run.report["files"][0]["records"] > 0


def test_a_table_without_rows_fails_as_an_empty_file_does(world, tmp_path):
    table = tmp_path / "posts.csv"
    table.write_text("id,text,created_at\n")

    run = import_files(world.project, [table])

    assert run.status == ImportRun.Status.FAILED
    assert "posts.csv: The table has no rows below its column names" in run.message


def test_a_damaged_zip_keeps_the_members_before_the_damage(world, tmp_path):
    *_, bomb, _ = bad_input_cases(tmp_path)

    run = import_files(world.project, [bomb])

    assert run.status == ImportRun.Status.FAILED
    assert Post.objects.count() == 5  # a-posts.jsonl was read before the bomb member


def test_a_cut_off_gzip_keeps_what_was_read(world, tmp_path):
    *_, broken_gzip = bad_input_cases(tmp_path)

    run = import_files(world.project, [broken_gzip])

    # Like a cut-off file that is not compressed: what came before is kept, the cut told.
    assert run.status == ImportRun.Status.DONE
    assert run.report["skipped"][files.CUT_COMPRESSED] == 1
    assert run.imported == 5 == Post.objects.count()


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_stops_the_import_plainly_and_a_rerun_adds_the_rest(
    world, tmp_path, small_batches
):
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite can be given a size limit to fill (max_page_count)")
    path = bluesky_file(tmp_path / "many.jsonl", range(1, 3001))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")  # no free pages left by earlier tests: the file must grow
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        cursor.execute(f"PRAGMA max_page_count = {pages + 60}")  # room for ~1,000 posts

    with pytest.raises(imports.ImportProblem) as problem:
        import_files(world.project, [path])

    stored = Post.objects.count()
    assert 0 < stored < 3000
    assert str(problem.value) == (
        f"The disk is full, so the import stopped. Free some space first. The {stored:,} "
        "posts stored before are kept; importing the same files again adds the rest."
    )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA max_page_count = 1073741823")  # space was freed
    # The run says why it stopped (it could record its end: the limit left a little room).
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED and run.message == str(problem.value)
    again = import_files(world.project, [path])
    assert again.status == ImportRun.Status.DONE
    assert (again.imported, again.duplicates) == (3000 - stored, stored)


def test_a_full_disk_is_recognised_on_either_database_and_in_files():
    from django.db import OperationalError

    sqlite_full = OperationalError("database or disk is full")
    postgresql_full = OperationalError("could not extend file")
    postgresql_full.__cause__ = psycopg.errors.DiskFull("could not extend file")
    assert imports.is_disk_full(sqlite_full) and imports.is_disk_full(postgresql_full)
    assert imports.is_disk_full(OSError(28, "No space left on device"))
    assert not imports.is_disk_full(OperationalError("database is locked"))
    assert not imports.is_disk_full(OSError(13, "Permission denied"))


def test_an_unknown_format_name_is_refused_before_anything_starts(world, tmp_path):
    with pytest.raises(imports.ImportProblem, match="Unknown format “tiktok-csv”"):
        import_files(world.project, [FIXTURES / "bluesky/search.jsonl"], format="tiktok-csv")
    assert not ImportRun.objects.exists()


def test_a_forced_format_is_used_instead_of_detection(world):
    run = import_files(world.project, [FIXTURES / "bluesky/search.jsonl"], format="mastodon")

    assert run.imported == 0
    assert run.report["skipped"] == {"Mastodon: not a Mastodon status or page": 2}


# --- tables and jobs -----------------------------------------------------------------


def test_a_table_is_imported_with_a_guessed_then_remembered_mapping(world, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        "id,created_at,text,username,like_count\n"
        "101,2026-01-03 10:00,Respite week #caregiving with @ana_example,rowan_sw,4\n"
        "102,2026-01-03 11:00,Burnout talk tonight #socialwork,maple_carer,2\n"
        ",2026-01-03 12:00,a row without an id,maple_carer,0\n"
    )

    run = import_files(world.project, [path], platform="x")

    assert run.status == ImportRun.Status.DONE, run.message
    assert run.imported == 2 and run.skipped == 1
    entry = run.report["files"][0]
    assert entry["mapping_source"] == "guessed" and entry["mapping"]["author_handle"] == "username"
    assert stored_counts(world.project)["hashtags"] == 2
    assert Post.objects.get(platform_id="101").engagement == 4
    text = Post.objects.get(platform_id="101").text
    assert "ana_example" not in text and "@user-" in text

    again = import_files(world.project, [path])
    assert again.report["files"][0]["mapping_source"] == "remembered"
    assert again.report["files"][0]["platform"] == "x"


def test_a_table_mapping_without_an_id_column_fails_plainly(world, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("when,words\n2026-01-03,hello\n")

    run = import_files(world.project, [path])

    assert run.status == ImportRun.Status.FAILED
    assert "mapping" in run.message and "platform_id" in run.message


def test_the_import_job_reports_progress_and_its_result(world, tmp_path, small_batches):
    path = bluesky_file(tmp_path / "posts.jsonl", range(25))
    job = Job.objects.create(
        kind="import",
        title="Import",
        project=world.project,
        created_by=world.owner,
        params={"paths": [str(path)]},
    )

    result = imports.run_import_job(job)

    job.refresh_from_db()
    assert result["imported"] == 25
    assert job.progress_done == 25
    run = ImportRun.objects.get(pk=result["import_run"])
    assert run.job == job and run.created_by == world.owner


def test_the_import_job_fails_permanently_on_bad_input(world, tmp_path):
    from socialgood.jobs.models import PermanentJobError

    _, _, junk, *_ = bad_input_cases(tmp_path)
    job = Job.objects.create(
        kind="import", title="Import", project=world.project, params={"paths": [str(junk)]}
    )

    with pytest.raises(PermanentJobError, match="binary data"):
        imports.run_import_job(job)


def test_a_retried_job_continues_its_run_with_exact_counts(world, tmp_path, small_batches):
    path = bluesky_file(tmp_path / "posts.jsonl", range(25))
    run = ImportRun.objects.create(project=world.project, label="posts.jsonl")
    protect = imports.project_pseudonymiser(world.project).apply
    ingest.store_posts(  # what the first attempt stored before its worker died
        world.project,
        [protect(p) for p in read_posts(path, Report())][:10],
        mapper="bluesky/1",
    )
    ImportRun.objects.filter(pk=run.pk).update(imported=10)
    job = Job.objects.create(
        kind="import",
        title="Import",
        project=world.project,
        params={"paths": [str(path)], "import_run": run.pk},
    )

    imports.run_import_job(job)

    run.refresh_from_db()
    assert (run.imported, run.duplicates) == (25, 0)


def test_a_retried_import_reports_each_file_as_its_totals(world, tmp_path):
    # The first try stored the first file's posts, then failed on the second file.
    first = bluesky_file(tmp_path / "first.jsonl", range(6))
    second = tmp_path / "second.jsonl"
    second.write_bytes(b"not posts at all\n")
    run = import_files(world.project, [first, second])
    assert run.status == ImportRun.Status.FAILED and run.imported == 6
    second.unlink()
    bluesky_file(second, range(6, 10))  # mended, and tried again into the same run
    job = Job.objects.create(
        kind="import",
        title="Import",
        project=world.project,
        params={"paths": [str(first), str(second)], "import_run": run.pk},
    )

    imports.run_import_job(job)

    run.refresh_from_db()
    files = [(file["imported"], file["duplicates"]) for file in run.report["files"]]
    assert files == [(6, 0), (4, 0)]
    assert (run.report["imported"], run.report["duplicates"]) == (10, 0)


def test_a_large_import_merges_the_search_index(world, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "OPTIMISE_INDEX_AFTER", 10)
    merged = []
    monkeypatch.setattr(imports.search, "optimise_index", lambda: merged.append(True))

    import_files(world.project, [bluesky_file(tmp_path / "small.jsonl", range(5))])
    assert not merged
    import_files(world.project, [bluesky_file(tmp_path / "large.jsonl", range(5, 20))])
    assert merged == [True]


def post_by(author, text=""):
    return ParsedPost(
        platform="x", platform_id="1", created_at=timezone.now(), author=author, text=text
    )


def flattened_tweet(tweet_id, author_id, username, text, **fields):
    return {
        "id": tweet_id,
        "author_id": author_id,
        "created_at": "2023-03-02T08:00:00.000Z",
        "conversation_id": tweet_id,
        "text": text,
        "author": {"id": author_id, "username": username, "name": "Invented"},
        **fields,
    }


def test_someone_first_seen_by_handle_is_one_person_across_imports(world, tmp_path):
    quote_link = "https://twitter.com/ana_example/status/2001"
    quoting = flattened_tweet(
        "2002", "7", "bo_example", "Read this, @ana_example",
        entities={"urls": [{"start": 0, "end": 4, "url": "https://t.co/a", "expanded_url": quote_link}]},
    )  # fmt: skip
    own = flattened_tweet("2003", "42", "ana_example", "My own words")
    import_files(world.project, [write_jsonl(tmp_path / "first.jsonl", [quoting, own])])
    mention = {"start": 3, "end": 15, "username": "ana_example", "id": "42"}
    by_id = flattened_tweet(
        "2004", "7", "bo_example", "cc @ana_example", entities={"mentions": [mention]}
    )
    import_files(world.project, [write_jsonl(tmp_path / "later.jsonl", [by_id])])

    ana = Post.objects.get(platform_id="2003").author
    assert Post.objects.get(platform_id="2002").text == f"Read this, @{ana}"
    assert Post.objects.get(platform_id="2004").text == f"cc @{ana}"
    assert list(PostMention.objects.values_list("person", flat=True)) == [ana]
    originals = load_originals(world.project)
    assert originals[ana]["id"] == "42" and len(originals) == 2


def test_a_forgotten_person_leaves_no_handle_id_or_alias_in_the_directory(world):
    people = imports.project_pseudonymiser(world.project)
    people.apply(post_by(Person(id="7", handle="bo_example"), text="hi @ana_example"))
    ana = people.apply(post_by(Person(id="42", handle="ana_example"))).author.id
    imports.save_directory(world.project, people.document())
    assert load_directory(world.project)["aliases"] == {"x:42": ana}

    imports.forget_person(world.project, ana)

    stored = load_directory(world.project)
    assert stored["aliases"] == {} and ana not in stored["people"]
    assert ana not in stored["directory"].values()
    assert set(load_originals(world.project)) == {stored["directory"]["x:bo_example"]}
    assert list(stored["directory"]) == ["x:bo_example"], "the others stay"
    # Should she be imported again, she starts from nothing known.
    again = imports.project_pseudonymiser(world.project)
    assert again.apply(post_by(Person(id="42"))).author.id == pseudonym(
        world.project.secret_key, "x", "42"
    )


def original(pid, handle, display_name=None):
    return {"platform": "x", "id": pid, "handle": handle, "display_name": display_name}


def test_people_learnt_by_two_overlapping_imports_are_all_kept(world):
    imports.save_directory(
        world.project,
        {
            "directory": {"x:ana_example": "user-a"},
            "aliases": {},
            "people": {"user-a": True},
            "originals": {"user-a": original("42", "ana_example", "Ana")},
        },
    )
    loaded_at = PersonDirectory.objects.get(project=world.project).updated_at
    # What this import learnt: Bo, and a new display name of Ana's.
    learnt = imports.people_learnt(
        {
            "directory": {"x:ana_example": "user-a", "x:bo_example": "user-b"},
            "aliases": {},
            "people": {"user-a": True, "user-b": False},
            "originals": {
                "user-a": original(None, None, "Ana E."),
                "user-b": original(None, "bo_example"),
            },
        }
    )
    # Another import saves while this one is still running ...
    imports.save_directory(
        world.project,
        {
            "directory": {"x:cy_example": "user-c"},
            "aliases": {"x:77": "user-c"},
            "people": {"user-c": True},
            "originals": {"user-c": original("77", "cy_example")},
        },
    )

    imports.save_people(world.project, *learnt, loaded_at)

    stored = load_directory(world.project)
    assert stored["directory"] == {
        "x:ana_example": "user-a",
        "x:bo_example": "user-b",
        "x:cy_example": "user-c",
    }
    assert stored["aliases"] == {"x:77": "user-c"}
    assert stored["people"] == {"user-a": True, "user-b": False, "user-c": True}
    assert load_originals(world.project) == {
        "user-a": {**original("42", "ana_example", "Ana E."), "earlier_display_names": ["Ana"]},
        "user-b": original(None, "bo_example"),
        "user-c": original("77", "cy_example"),
    }


def test_the_names_a_person_went_by_are_merged_in_order_and_the_last_five_kept(world):
    def learnt(seen):
        return {"directory": {}, "aliases": {}, "people": {"user-a": True}, "originals": seen}

    earlier = ["Ana One", "Ana Two", "Ana Three", "Ana Four"]
    stored = {**original("42", "ana_example", "Ana Five"), "earlier_display_names": earlier}
    imports.save_directory(world.project, learnt({"user-a": stored}))
    # A later run saw her go by a name she had before, then by two new ones ...
    later = {**original(None, None, "Ana Seven"), "earlier_display_names": ["Ana Two", "Ana Six"]}
    imports.save_directory(world.project, learnt({"user-a": later}))
    # ... and another saw her in mentions only, without a name.
    imports.save_directory(world.project, learnt({"user-a": original(None, "ana_example")}))

    assert imports.load_original(world.project, "user-a") == {
        **original("42", "ana_example", "Ana Seven"),
        # "Ana One", the oldest, dropped; "Ana Two" once, where she last went by it.
        "earlier_display_names": ["Ana Three", "Ana Four", "Ana Five", "Ana Two", "Ana Six"],
    }


def test_forgetting_a_person_forgets_every_name_they_went_by(world, tmp_path):
    import_files(world.project, renamed_person_files(tmp_path))
    quilla = pseudonym(world.project.secret_key, "bluesky", QUILLA[0])
    assert imports.load_original(world.project, quilla)["earlier_display_names"] == [
        "Quilla Marrow"
    ]

    imports.forget_person(world.project, quilla)

    kept = orjson.dumps(load_originals(world.project)).decode()
    assert "Quilla" not in kept and QUILLA[0] not in kept
    assert BO[0] in kept, "the others stay"


def jetstream_event(did, operation, rkey, text=None, when="2025-07-03T08:15:00.000Z"):
    commit = {"rev": "3lrev", "operation": operation, "collection": "app.bsky.feed.post",
              "rkey": rkey}  # fmt: skip
    if text is not None:
        commit["record"] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": when}
    return {"did": did, "time_us": 1751530502114000, "kind": "commit", "commit": commit}


def test_posts_deleted_on_the_platform_are_removed_when_the_data_says_so(world, tmp_path):
    ana, bo, cy = (f"did:plc:{name}example00000000000000x" for name in ("ana", "bo", "cy"))
    first = write_jsonl(tmp_path / "monday.jsonl", [
        jetstream_event(ana, "create", "a1", "respite at last #carers"),
        jetstream_event(ana, "create", "a2", "a second post #carers"),
        jetstream_event(bo, "create", "b1", "burnout again #carers"),
        jetstream_event(bo, "create", "b2", "and again"),
        jetstream_event(cy, "create", "c1", "kinship care #carers"),
    ])  # fmt: skip
    run = import_files(world.project, [first], user=world.owner)
    assert run.imported == 5
    # Tuesday: Ana deletes one post, Bo deletes his account, someone unknown deletes a post.
    second = write_jsonl(tmp_path / "tuesday.jsonl", [
        jetstream_event(ana, "delete", "a1"),
        {"did": bo, "time_us": 1751530503000000, "kind": "account",
         "account": {"active": False, "did": bo, "seq": 3, "status": "deleted"}},
        jetstream_event("did:plc:nobodyexample000000000x", "delete", "zz"),
        jetstream_event(cy, "create", "c2", "still here #carers"),
    ])  # fmt: skip
    run = import_files(world.project, [second], user=world.owner)

    assert run.status == ImportRun.Status.DONE, run.message
    texts = sorted(world.project.posts.values_list("text", flat=True))
    assert texts == ["a second post #carers", "kinship care #carers", "still here #carers"]
    assert run.report["deleted_on_platform"] == 3 and run.files[0]["name"] == "tuesday.jsonl"
    assert "3 stored posts removed because they were deleted on the platform" in run.message
    # The dashboard's counts were recounted with them.
    tallied = Tally.objects.filter(project=world.project, figure="authors")
    assert sum(tallied.values_list("posts", flat=True)) == 3
    event = AuditEvent.objects.filter(action="posts.delete").get()
    assert (event.target, event.details["posts"]) == ("deleted on the platform", 3)
    client = Client()
    client.force_login(world.owner)
    page = client.get(reverse("import_report", args=[world.project.slug, run.pk])).content.decode()
    assert "Removed: deleted on the platform</dt><dd>3</dd>" in page
    # Reading Tuesday's notices again finds nothing left to remove.
    again = import_files(world.project, [second], user=world.owner)
    assert again.report["deleted_on_platform"] == 0 and world.project.posts.count() == 3
    # Monday's file again (or any other copy of those posts): what was withdrawn stays
    # out, Ana's deleted post and all of Bo's (found by an audit: they came back).
    again = import_files(world.project, [first], user=world.owner)
    assert (again.imported, again.duplicates) == (0, 2)
    assert again.report["skipped"] == {imports.WITHDRAWN_AGAIN: 3}
    assert world.project.posts.count() == 3


def test_a_post_deleted_on_the_platform_clears_only_analyses_made_after_it_came(world, tmp_path):
    from socialgood.analyze.models import TopicModel

    ana = "did:plc:anaexample00000000000000x"
    monday = [jetstream_event(ana, "create", "a1", "respite at last #carers")]
    import_files(world.project, [write_jsonl(tmp_path / "monday.jsonl", monday)])
    topics = TopicModel.objects.create(project=world.project, k=2, posts=1)
    tuesday = [jetstream_event(ana, "create", "a2", "posted in haste")]
    import_files(world.project, [write_jsonl(tmp_path / "tuesday.jsonl", tuesday)])

    # Tuesday's post is deleted: the topics were found before it came in.
    gone = [jetstream_event(ana, "delete", "a2")]
    import_files(world.project, [write_jsonl(tmp_path / "deleted.jsonl", gone)])
    assert list(world.project.posts.values_list("text", flat=True)) == ["respite at last #carers"]
    assert TopicModel.objects.filter(pk=topics.pk).exists()

    # Monday's post is deleted: the topics may quote it.
    gone = [jetstream_event(ana, "delete", "a1")]
    import_files(world.project, [write_jsonl(tmp_path / "deleted-too.jsonl", gone)])
    assert not world.project.posts.exists()
    assert not TopicModel.objects.filter(pk=topics.pk).exists()


def planner_statistics():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'collect_post' AND attname = 'author'"
            )
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'collect_post'")
        return cursor.fetchone()[0]


def test_a_large_import_leaves_the_query_planner_statistics(world, tmp_path, monkeypatch):
    # Without statistics SQLite filtered authors at 1.15M posts by walking every post.
    monkeypatch.setattr(imports, "OPTIMISE_INDEX_AFTER", 10)
    import_files(world.project, [bluesky_file(tmp_path / "large.jsonl", range(20))])
    assert planner_statistics() > 0


@pytest.mark.django_db(transaction=True)
def test_the_report_counts_the_people_of_this_import_not_of_the_project(world):
    bluesky = FIXTURES / "bluesky/search.jsonl"
    alone = import_files(world.project, [bluesky]).report["pseudonyms"]
    assert alone["people"] == alone["new_people"] > 0

    other = Project.create(name="Another study", owner=world.owner)
    import_files(other, [FIXTURES / "twarc2/search.jsonl"])
    after = import_files(other, [bluesky]).report["pseudonyms"]
    assert after["people"] == alone["people"]  # not the twarc2 file's people too
    assert after["new_people"] == alone["new_people"]
    again = import_files(other, [bluesky]).report["pseudonyms"]
    assert (again["people"], again["new_people"]) == (alone["people"], 0)


def test_a_table_cell_longer_than_any_post_is_cut_with_a_note(world, tmp_path):
    table = tmp_path / "pasted.csv"
    table.write_text("id,date,text\n1,2026-01-02 10:00," + "word " * 300_000 + "\n")
    run = import_files(world.project, [table])
    assert len(Post.objects.get().text) == files.MAX_TEXT_CHARACTERS
    assert run.report["warnings"][files.TEXT_CUT] == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_ctrl_c_does_not_lose_the_people_of_an_interrupted_import(
    world, tmp_path, monkeypatch, small_batches
):
    path = bluesky_file(tmp_path / "posts.jsonl", range(45))
    people_when_stopped = imports._ReaderProcess.people_when_stopped

    def impatient(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # pressed again while the reader hands over
        return people_when_stopped(self, *args, **kwargs)

    interrupt_storing(monkeypatch, on_batch=2)
    monkeypatch.setattr(imports._ReaderProcess, "people_when_stopped", impatient)
    with pytest.raises(KeyboardInterrupt):
        import_files(world.project, [path])

    authors = set(Post.objects.values_list("author", flat=True))
    assert authors and authors <= set(load_originals(world.project))
    run = ImportRun.objects.get()
    assert run.label == "posts.jsonl" and run.status == ImportRun.Status.FAILED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "fault",
    [
        struct.error("a bug of ours"),
        # A ValueError, once taken for a table's mapping that doesn't fit (in JSON).
        UnicodeDecodeError("utf-8", b"\xed", 0, 1, "invalid continuation byte"),
    ],
)
def test_a_fault_in_one_file_keeps_its_posts_and_reads_the_other_files(
    world, tmp_path, monkeypatch, fault
):
    first = bluesky_file(tmp_path / "first.jsonl", range(5))
    second = bluesky_file(tmp_path / "second.jsonl", range(5, 8))
    open_posts = files.open_posts

    def faulty(path, *args, **kwargs):
        module, posts = open_posts(path, *args, **kwargs)
        return module, failing(path, posts)

    def failing(path, posts):
        for number, post in enumerate(posts):
            if path.name == "first.jsonl" and number == 3:
                raise fault
            yield post

    monkeypatch.setattr(files, "open_posts", faulty)
    run = import_files(world.project, [first, second])

    assert Post.objects.count() == 3 + 3
    assert run.status == ImportRun.Status.FAILED
    [entry, other] = run.report["files"]
    assert "a fault of socialgood's" in entry["error"] and "error" not in other
    assert "mapping" not in entry["error"]


@pytest.mark.django_db(transaction=True)
def test_a_zip_bomb_named_after_someone_is_reported_under_their_pseudonym(world, tmp_path):
    views = [bluesky_view(n, ("did:plc:" + "q" * 24, "quill.example.org")) for n in range(3)]
    bomb = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.jsonl", json.dumps({"posts": views}))
        archive.writestr("quill.example.org-dump.jsonl", b" " * (40 * 2**20))

    run = import_files(world.project, [bomb])

    assert run.status == ImportRun.Status.FAILED and "zip bomb" in run.message
    stored = json.dumps([run.message, run.report, run.label])
    assert "quill.example.org" not in stored
    assert pseudonym(world.project.secret_key, "bluesky", "did:plc:" + "q" * 24) in run.message


def test_a_file_named_after_someone_an_earlier_import_knew_by_name_is_renamed(world, tmp_path):
    monday = renamed_person_files(tmp_path)[0]
    import_files(world.project, [monday])  # she goes by "Quilla Marrow" there
    # Replies to her, named after her by whoever saved them; she is only mentioned in it.
    replies = tmp_path / "Quilla Marrow replies.jsonl"
    thanks = bluesky_view(3, BO, "Thank you!", mention=QUILLA)
    replies.write_text(json.dumps({"posts": [thanks]}))

    run = import_files(world.project, [replies])

    quilla = pseudonym(world.project.secret_key, "bluesky", QUILLA[0])
    assert run.imported == 1
    assert run.files[0]["name"] == f"{quilla} replies.jsonl"
    assert "marrow" not in json.dumps([run.label, run.files, run.report]).lower()


def test_a_table_of_authors_by_name_has_their_names_replaced_in_the_text_too(world, tmp_path):
    table = tmp_path / "by-name.csv"
    table.write_text(
        "id,date,author,text\n1,2026-01-02 10:00,Quilla Marrow,Hello from Quilla Marrow\n"
    )
    import_files(world.project, [table])
    post = Post.objects.get()
    assert post.text == f"Hello from {post.author}" and post.author.startswith("user-")


def test_a_date_order_remembered_for_a_tables_columns_gives_way_to_the_files_own(world, tmp_path):
    first = tmp_path / "january.csv"
    first.write_text("id,date,text\n1,03/04/2026,hello\n")
    import_files(world.project, [first], dates=tabular.DAY_FIRST)  # chosen, so remembered
    later = tmp_path / "american.csv"
    later.write_text("id,date,text\n2,05/06/2026,again\n3,04/13/2026,and again\n")
    run = import_files(world.project, [later])
    assert run.imported == 2 and run.skipped == 0
    posts = world.project.posts.filter(platform_id__in=["2", "3"]).order_by("platform_id")
    assert [post.created_at.date().isoformat() for post in posts] == ["2026-05-06", "2026-04-13"]
    assert any("as a date in the file shows" in warning for warning in run.report["warnings"])
    assert run.report["files"][0]["dates"] == tabular.MONTH_FIRST  # the order it was read in
    # A file that leaves the order open is read as remembered, and its report says so.
    open_file = tmp_path / "open.csv"
    open_file.write_text("id,date,text\n4,05/06/2026,once more\n")
    run = import_files(world.project, [open_file])
    assert run.report["files"][0]["dates"] == tabular.DAY_FIRST
    assert world.project.posts.get(platform_id="4").created_at.date().isoformat() == "2026-06-05"


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_stray_byte_in_a_table_marked_utf8_costs_nothing_else(world, tmp_path, where):
    # A UTF-8 mark, then one Windows-1252 byte: it once ended the whole run (in the
    # first rows) or the file ("a fault of socialgood's").
    header = b"id,created_at,text" + (b",caf\xe9" if where == "header" else b",note")
    rows = b"".join(
        b"%d,2026-01-03 10:0%d,%s,\n" % (100 + n, n, b"caf\xe9 talk" if n == 3 else b"walk")
        for n in range(5)
    )
    table = tmp_path / "posts.csv"
    table.write_bytes(b"\xef\xbb\xbf" + header + b"\n" + rows)
    other = bluesky_file(tmp_path / "other.jsonl", range(2))
    mapping = {"platform_id": "id", "created_at": "created_at", "text": "text"}

    run = import_files(world.project, [table, other], mapping=mapping, platform="x")

    assert run.status == ImportRun.Status.DONE, run.message
    assert Post.objects.filter(platform="x").count() == 5
    assert Post.objects.filter(platform="bluesky").count() == 2
    # Read as the Windows-1252 it was, and said so.
    assert Post.objects.filter(platform_id="103", text="café talk").exists()
    assert tabular.NOT_ALL_UTF8 in run.report["warnings"]


def test_an_edited_tweet_stored_under_its_later_id_is_not_stored_again(world, tmp_path):
    # Before mapper version 3 each version of a tweet was keyed by its own id; now all
    # are one post under the first version's id.
    page = {
        "data": [
            {"id": "200", "text": "fixed the typo", "author_id": "9", "conversation_id": "100",
             "created_at": "2024-01-01T10:05:00.000Z", "edit_history_tweet_ids": ["100", "200"]},
            {"id": "300", "text": "unedited", "author_id": "9", "conversation_id": "300",
             "created_at": "2024-01-01T10:06:00.000Z", "edit_history_tweet_ids": ["300"]},
        ],
        "includes": {"users": [{"id": "9", "username": "quilla_m", "name": "Quilla M"}]},
        "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0"},
    }  # fmt: skip
    path = tmp_path / "page.jsonl"
    path.write_text(json.dumps(page) + "\n")
    first = import_files(world.project, [path])
    assert sorted(Post.objects.values_list("platform_id", flat=True)) == ["100", "300"]
    Post.objects.filter(platform_id="100").update(platform_id="200")  # as stored before
    Post.objects.filter(platform_id="300").delete()

    again = import_files(world.project, [path])

    assert (first.imported, again.imported, again.duplicates) == (2, 1, 1)
    assert sorted(Post.objects.values_list("platform_id", flat=True)) == ["200", "300"]


def test_a_file_name_holding_someone_is_replaced_whole_and_other_names_stay():
    # Replaced as a piece of text, "ana_ex.json" turned "banana_ex.json" into "banuser-…".
    renamed = {"ana_ex.json": "user-0123456789abcdef.json", "x/ana_ex.json": "x/user-0.json"}
    report = {
        "files": [{"name": "ana_ex.json"}, {"name": "banana_ex.json"}, {"name": "x/ana_ex.json"}],
        "skipped_lines": {"not a post": ["ana_ex.json:3", "banana_ex.json:4"]},
        "message": "“ana_ex.json” and banana_ex.json were read; so was ana_ex.json.",
    }
    assert renamed_in(report, renamed) == {
        "files": [
            {"name": "user-0123456789abcdef.json"}, {"name": "banana_ex.json"}, {"name": "x/user-0.json"}
        ],
        "skipped_lines": {"not a post": ["user-0123456789abcdef.json:3", "banana_ex.json:4"]},
        "message": "“user-0123456789abcdef.json” and banana_ex.json were read; "
        "so was user-0123456789abcdef.json.",
    }  # fmt: skip


def test_an_import_deleting_posts_from_several_files_rewrites_the_database_once(
    world, tmp_path, scrubs_asked
):
    # Each file's deletion notices scrubbed at once: on PostgreSQL a VACUUM FULL of every
    # table, per file (a day of Jetstream is 24 hourly files).
    dids = [f"did:plc:{name}example00000000000000x" for name in ("ana", "bo", "cy")]
    posts = [jetstream_event(did, "create", f"p{n}", f"post {n}") for n, did in enumerate(dids)]
    import_files(world.project, [write_jsonl(tmp_path / "first.jsonl", posts)], user=world.owner)
    paths = [
        write_jsonl(tmp_path / f"hour{n}.jsonl", [jetstream_event(did, "delete", f"p{n}")])
        for n, did in enumerate(dids)
    ]
    run = import_files(world.project, paths, user=world.owner)

    assert run.report["deleted_on_platform"] == 3 and world.project.posts.count() == 0
    assert scrubs_asked == [{}]


def test_an_item_placed_on_a_line_is_no_archive_member():
    lines = {"not a post": [3, "4 item 37", "ana_ex.json:4 item 2"], "odd": ["notes.dat"]}
    assert imports.members_named(lines) == {"ana_ex.json", "notes.dat"}


def test_an_item_of_a_document_is_no_archive_member():
    lines = {
        "not a post": ["item 3", "item 3 item 37", "", "ana_ex.json:item 2", "export/b_ex.json:"],
        "odd": ["chat_ex.json:item 4 item 1"],
    }
    assert imports.members_named(lines) == {"ana_ex.json", "export/b_ex.json", "chat_ex.json"}


def test_an_archive_member_named_after_someone_is_renamed_where_a_note_names_its_lines(
    world, tmp_path
):
    # A post with a date far off gets a note naming its "member:line": that member's
    # name, like a skipped line's, may hold someone's handle.
    view = bluesky_view(1, ("did:plc:person0000000000000000000", "person-0.example.org"))
    view["record"]["createdAt"] = "0001-01-01T00:00:00Z"
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("person-0.example.org.jsonl", json.dumps({"posts": [view]}) + "\n")
    run = import_files(world.project, [archive])

    assert run.imported == 1
    report = json.dumps(run.report)
    assert "person-0" not in report
    (lines,) = run.report["files"][0]["warning_lines"].values()
    assert lines == [Post.objects.get().author + ".jsonl:1"]


def test_an_archive_member_named_after_someone_is_renamed_where_its_items_are_placed(
    world, tmp_path
):
    # A document's items are "member:item 2", the document read whole "member:".
    author = ("did:plc:person1111111111111111111", "person-1.example.org")
    far_off, undated = bluesky_view(1, author), bluesky_view(2, author)
    far_off["record"]["createdAt"] = "0001-01-01T00:00:00Z"
    undated["record"]["createdAt"] = undated["indexedAt"] = "someday"
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr(
            "person-1.example.org.json", json.dumps({"posts": [far_off, undated]}, indent=2)
        )
    run = import_files(world.project, [archive])

    assert run.imported == 1
    assert "person-1" not in json.dumps(run.report)
    pseudonym = Post.objects.get().author
    assert run.report["files"][0]["skipped_lines"] == {
        "Bluesky: post without a usable date": [f"{pseudonym}.json:item 2"]
    }
    (lines,) = run.report["files"][0]["warning_lines"].values()
    assert lines == [f"{pseudonym}.json:"]
