"""X/Twitter archives: the account's own tweets from tweets.js, with account.js as author."""

import json
import zipfile
from collections import Counter
from datetime import UTC, datetime

import pytest

from socialgood.platforms import files, x_archive
from socialgood.platforms.files import UnreadableFile, read_posts, sniff_format
from socialgood.platforms.report import Report
from tests.collect.conftest import FIXTURES, x_archive_zip

TWEETS = FIXTURES / "x_archive/data/tweets.js"
OWNER = ("1480000000000000042", "maple_carer_77", "Maple Carer")


def read(path):
    report = Report()
    posts = list(read_posts(path, report))
    return {post.platform_id: post for post in posts}, report


def test_the_archive_zip_gives_the_owners_tweets_with_known_counts(tmp_path):
    by_id, report = read(x_archive_zip(tmp_path / "archive.zip"))

    assert sorted(by_id) == [f"160000000000000010{n}" for n in range(1, 6)]  # part0 and part1
    posts = by_id.values()
    assert Counter(post.kind for post in posts) == {"post": 3, "reply": 1, "repost": 1}
    assert sum(len(post.hashtags) for post in posts) == 5
    assert sum(len(post.mentions) for post in posts) == 2
    assert sum(len(post.media) for post in posts) == 2
    assert sum(len(post.links) for post in posts) == 1
    for post in posts:
        assert (post.author.id, post.author.handle, post.author.display_name) == OWNER
        assert post.url == f"https://x.com/i/web/status/{post.platform_id}"
    assert report.skipped_total == 0


def test_only_the_tweets_are_read_from_the_archive(tmp_path):
    _, report = read(x_archive_zip(tmp_path / "archive.zip"))

    # Likes, direct messages, login IPs, deleted tweets, the manifest, the viewer page and
    # the media file: counted, never parsed.
    (message,) = [m for m in report.warnings if m.startswith("X archive: a file left unread")]
    assert report.warnings[message] == 7
    assert report.records == 5


def test_archive_tweets_map_as_v1_with_strings_for_numbers(tmp_path):
    by_id, _ = read(x_archive_zip(tmp_path / "archive.zip"))

    first = by_id["1600000000000000101"]
    assert first.hashtags == ("kinshipcare", "socialwork")
    assert [link.url for link in first.links] == ["https://example.org/kinship-group"]
    (photo,) = first.media
    assert (photo.type, photo.width, photo.height) == ("image", 2048, 1536)
    assert (first.metrics.likes, first.metrics.reposts) == (4, 1)
    reply = by_id["1600000000000000102"]
    assert (reply.kind, reply.reply_to) == ("reply", "1590000000000000010")
    assert [m.handle for m in reply.mentions] == ["river_support_9"]
    retweet = by_id["1600000000000000103"]
    assert (retweet.kind, retweet.repost_of) == ("repost", None)  # no original in archives
    video_post = by_id["1600000000000000104"]
    assert video_post.created_at == datetime(2022, 12, 9, 20, 45, 30, tzinfo=UTC)  # +0100
    (video,) = video_post.media
    assert video.type == "video" and video.url.endswith("/640x360/v1.mp4")


def test_tweets_js_alone_is_read_with_no_author_and_a_warning():
    assert sniff_format(TWEETS) is x_archive
    by_id, report = read(TWEETS)

    assert len(by_id) == 4
    assert all(post.author.id is None and post.author.handle is None for post in by_id.values())
    assert report.warnings[x_archive.NO_OWNER] == 4


def test_deleted_tweets_are_never_imported():
    by_id, report = read(FIXTURES / "x_archive/data/deleted-tweets.js")

    assert by_id == {}
    assert report.skipped == {"X archive: deleted by its author (not imported)": 1}


def test_a_cut_off_tweets_js_keeps_the_tweets_before_the_break(tmp_path):
    text = TWEETS.read_text()
    cut = tmp_path / "tweets.js"
    cut.write_text(text[: text.index('"1600000000000000103"')])
    report = Report()
    posts = []

    posts = list(read_posts(cut, report, x_archive))

    assert [post.platform_id for post in posts] == ["1600000000000000101", "1600000000000000102"]
    assert report.skipped == {files.DOCUMENT_CUT: 1}


def test_a_javascript_file_that_is_not_an_archive_file_is_refused_plainly(tmp_path):
    script = tmp_path / "app.js"
    script.write_text("window.onload = function () { start(); };\n")

    with pytest.raises(UnreadableFile, match="not JSON or JSON Lines"):
        sniff_format(script)


def test_an_archive_without_tweets_says_so(tmp_path):
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(FIXTURES / "x_archive/data/account.js", "data/account.js")
        archive.write(FIXTURES / "x_archive/data/like.js", "data/like.js")

    with pytest.raises(UnreadableFile, match="holds no tweets"):
        read(path)


def test_account_js_alone_is_recognised_and_explained():
    path = FIXTURES / "x_archive/data/account.js"
    assert sniff_format(path) is x_archive
    by_id, report = read(path)

    assert by_id == {}
    assert report.skipped == {x_archive.ACCOUNT_ALONE: 1}


def test_an_archive_without_account_js_still_reads_only_the_tweets(tmp_path):
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("tweets.js", "direct-messages.js", "like.js"):
            archive.write(FIXTURES / "x_archive/data" / name, f"data/{name}")

    by_id, report = read(path)

    assert len(by_id) == 4
    assert all(post.author.id is None for post in by_id.values())
    assert report.warnings[x_archive.NO_OWNER] == 4
    (unread,) = [m for m in report.warnings if m.startswith("X archive: a file left unread")]
    assert report.warnings[unread] == 2  # the messages and the likes, never parsed
    assert report.skipped_total == 0


def test_an_older_archive_with_bare_tweets_in_tweet_js_is_read(tmp_path):
    items = json.loads(TWEETS.read_text().partition("=")[2])
    older = tmp_path / "tweet.js"
    older.write_text("window.YTD.tweet.part0 = " + json.dumps([i["tweet"] for i in items]))
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(older, "data/tweet.js")
        archive.write(FIXTURES / "x_archive/data/account.js", "data/account.js")

    by_id, report = read(path)

    assert len(by_id) == 4
    assert {post.author.handle for post in by_id.values()} == {"maple_carer_77"}
    assert report.skipped_total == 0


def test_an_edited_tweet_is_one_post_under_its_first_versions_id(tmp_path):
    items = json.loads(TWEETS.read_text().partition("=")[2])
    first = items[0]["tweet"]
    edit = {
        **first,
        "id": "1600000000000000109",
        "id_str": "1600000000000000109",
        "full_text": first["full_text"].replace("Tuesday", "Wednesday"),
        "edit_info": {
            "edit": {
                "initialTweetId": first["id_str"],
                "editControlInitial": {"editTweetIds": [first["id_str"], "1600000000000000109"]},
            }
        },
    }
    tweets = tmp_path / "tweets.js"
    tweets.write_text("window.YTD.tweets.part0 = " + json.dumps([{"tweet": edit}]))

    (post,) = read(tweets)[0].values()

    assert post.platform_id == first["id_str"]  # the post the first version is stored as
    assert "Wednesday" in post.text
    assert post.url == "https://x.com/i/web/status/1600000000000000109"
