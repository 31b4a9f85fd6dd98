"""X/Twitter: twarc2 pages and flattened lines (v2), and v1.1 JSON."""

import unicodedata
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from socialgood.platforms import twitter_v1, twitter_v2
from socialgood.platforms.files import read_posts
from socialgood.platforms.normalise import parse_twitter_date
from socialgood.platforms.report import Report

FIXTURES = Path(__file__).parents[1] / "fixtures"


def read(name, module):
    report = Report()
    posts = list(read_posts(FIXTURES / name, report, module))
    return {post.platform_id: post for post in posts}, posts, report


def test_twarc2_page_known_counts():
    by_id, posts, report = read("twarc2/search.jsonl", twitter_v2)
    assert len(posts) == 5  # 4 tweets in data + the retweeted original from includes
    assert Counter(post.kind for post in posts) == {"post": 2, "repost": 1, "reply": 1, "quote": 1}
    assert sum(len(post.hashtags) for post in posts) == 5
    assert sum(len(post.mentions) for post in posts) == 2
    assert sum(len(post.media) for post in posts) == 2
    assert sum(1 for post in posts for media in post.media if media.alt_text) == 1
    assert "1001" in by_id and "1005" in by_id


def test_twarc2_partial_errors_are_counted_and_failed_pages_skipped():
    _, _, report = read("twarc2/search.jsonl", twitter_v2)
    assert report.warnings["X API partial error: Not Found Error (tweet)"] == 2
    assert report.skipped_lines == {"X: page without data (failed request)": [2]}


@pytest.mark.parametrize(
    "includes",
    [
        None,
        [],
        {"users": None, "media": "?", "tweets": [None]},
        {"users": [{"username": "no_id_given"}, 7], "tweets": [{"text": "no id"}]},
    ],
)
def test_twarc2_odd_includes_cost_no_tweet_of_the_page(includes):
    page = orjson.loads((FIXTURES / "twarc2/search.jsonl").read_bytes().splitlines()[0])
    expected = [post.platform_id for post in twitter_v2.parse(page, Report())]
    page["includes"] = includes
    report = Report()

    read = [post.platform_id for post in twitter_v2.parse(page, report)]

    # Only what the includes alone gave (a retweeted original) is missing.
    assert set(page_ids := [tweet["id"] for tweet in page["data"]]) <= set(read)
    assert set(read) <= set(expected) and len(read) >= len(page_ids)
    assert not report.skipped


def test_twarc2_an_edited_tweet_is_one_post_its_newest_version_and_replies_find_it():
    page = orjson.loads((FIXTURES / "twarc2/search.jsonl").read_bytes().splitlines()[0])
    first = page["data"][0]
    edited = {
        **first,
        "id": "1009",
        "text": first["text"] + " (edited)",
        "edit_history_tweet_ids": ["1001", "1009"],
    }
    reply = {
        **page["data"][2],
        "id": "1010",
        "edit_history_tweet_ids": ["1010"],
        "referenced_tweets": [{"type": "replied_to", "id": "1009"}],
    }
    page["data"] = [first, edited, reply]  # the edit may come before or after
    page["includes"]["tweets"] = []

    posts = list(twitter_v2.parse(page, Report()))

    assert [post.platform_id for post in posts] == ["1001", "1010"]
    assert posts[0].text.endswith("(edited)") and posts[0].url.endswith("/1009")
    assert posts[1].reply_to == "1001"
    page["data"] = [edited, first]
    assert [post.text for post in twitter_v2.parse(page, Report())] == [posts[0].text]


def test_x_reposts_and_quotes_of_an_edited_tweet_name_the_post_it_is_stored_as():
    edited = {"id": "200", "text": "fixed", "author_id": "9", "created_at": "2024-01-01T10:05:00Z",
              "edit_history_tweet_ids": [100, 200]}  # fmt: skip
    # A flattened line holds the tweet it retweets in its reference.
    flattened = {"id": "300", "text": "RT @q: fixed", "author_id": "8",
                 "created_at": "2024-01-01T11:00:00Z",
                 "referenced_tweets": [{"type": "retweeted", **edited}]}  # fmt: skip
    posts = {post.platform_id: post for post in twitter_v2.parse(flattened, Report())}
    assert set(posts) == {"300", "100"} and posts["300"].repost_of == "100"
    # ... also when its id is written as a number, and on a page without includes.
    numbered = {**flattened, "referenced_tweets": [{"type": "retweeted", **edited, "id": 200}]}
    assert {p.platform_id: p.text for p in twitter_v2.parse(numbered, Report())} == {
        "300": "fixed", "100": "fixed"
    }  # fmt: skip
    page = {"data": [flattened], "includes": {}}
    assert len(list(twitter_v2.parse(page, Report()))) == 2
    bare = {**flattened, "referenced_tweets": [{"type": "retweeted", "id": "200"}]}
    assert [(p.platform_id, p.repost_of) for p in twitter_v2.parse(bare, Report())] == [
        ("300", "200")
    ]  # a reference without the tweet: the repost alone, as it was
    reply = {**flattened, "referenced_tweets": [{"type": "replied_to", "id": 200}]}
    page = {"data": [edited, reply], "includes": {}}
    assert [post.reply_to for post in twitter_v2.parse(page, Report())] == [None, "100"]
    # A history with a hole names no post; a reference written as a number is found.
    odd = {**edited, "edit_history_tweet_ids": ["100", None]}
    no_id = {**reply, "referenced_tweets": [{"type": "replied_to"}]}
    assert [p.kind for p in twitter_v2.parse({"data": [odd, no_id]}, Report())] == ["post"] * 2
    retweet = {**reply, "referenced_tweets": [{"type": "retweeted", "id": 555}]}
    original = {**edited, "id": "555", "edit_history_tweet_ids": ["555"], "text": "whole"}
    page = {"data": [retweet], "includes": {"tweets": [original]}}
    assert {p.platform_id: p.text for p in twitter_v2.parse(page, Report())} == {
        "300": "whole", "555": "whole"
    }  # fmt: skip

    def v1(number, text, **fields):
        return {"id_str": number, "full_text": text, "created_at": "Mon Jan 01 10:00:00 +0000 2024",
                "user": {"id_str": "9", "screen_name": "q"}, **fields}  # fmt: skip

    later = v1("200", "fixed", edit_history={"initial_tweet_id": "100"})
    retweet = v1("300", "RT @q: fixed", retweeted_status=later)
    quote = v1("400", "see this", quoted_status_id_str="200", quoted_status=later)
    posts = {post.platform_id: post for post in twitter_v1.parse([retweet, quote], Report())}
    assert (posts["300"].repost_of, posts["400"].quote_of) == ("100", "100")
    # An id written as a number is the same id (it once cost the quoting post).
    numbered = v1("500", "see", quoted_status_id_str="55", quoted_status=v1(55, "q"))
    assert [post.quote_of for post in twitter_v1.parse([numbered], Report())] == ["55"]
    # Of two versions in one record, the newest is kept, in either order.
    first = v1("100", "fxied")
    for record in ([first, later], [later, first]):
        assert [post.text for post in twitter_v1.parse(record, Report())] == ["fixed"]


def test_twarc2_retweet_takes_the_full_text_of_the_original():
    by_id, _, _ = read("twarc2/search.jsonl", twitter_v2)
    retweet = by_id["1002"]
    assert retweet.kind == "repost"
    assert retweet.repost_of == "1005"
    assert retweet.author.handle == "bo_example"
    assert retweet.text.startswith("Full original text")
    assert retweet.text.endswith("shows <3")  # unescaped, not cut off
    assert retweet.hashtags == ("harmreduction",)
    assert by_id["1005"].author.handle == "cy_example"


def test_twarc2_reply_that_quotes_is_a_reply_with_quote_of():
    by_id, _, _ = read("twarc2/search.jsonl", twitter_v2)
    reply = by_id["1003"]
    assert (reply.kind, reply.reply_to, reply.quote_of) == ("reply", "1001", "1006")
    assert reply.thread_root == "1001"
    assert reply.lang is None  # "und"
    assert by_id["1004"].kind == "quote" and by_id["1004"].quote_of == "1001"


def test_twarc2_entities_media_and_metrics():
    by_id, _, _ = read("twarc2/search.jsonl", twitter_v2)
    post = by_id["1001"]
    assert post.text.startswith("Support & care")
    assert post.hashtags == ("socialwork", unicodedata.normalize("NFC", "café"))
    assert [(m.id, m.handle) for m in post.mentions] == [("102", "bo_example")]
    assert [(link.url, link.domain) for link in post.links] == [
        ("https://www.example.org/report", "example.org")
    ]  # the pic.twitter.com link is the attachment, not a link
    (photo,) = post.media
    assert (photo.type, photo.alt_text, photo.width) == ("image", "A bar chart of referrals", 1200)
    # A link that opens the post and names no one.
    assert post.url == "https://x.com/i/web/status/1001"
    assert post.created_at == datetime(2023, 3, 1, 10, tzinfo=UTC)
    metrics = post.metrics
    assert (metrics.likes, metrics.reposts, metrics.replies, metrics.quotes) == (10, 2, 1, 1)
    assert metrics.views == 500 and metrics.other == {"bookmarks": 1}
    (video,) = by_id["1004"].media
    assert video.type == "video"
    assert video.url == "https://video.twimg.com/high.mp4"
    assert video.preview_url == "https://pbs.twimg.com/media/v.jpg"


def test_twarc2_flattened_lines():
    by_id, posts, report = read("twarc2/flattened.jsonl", twitter_v2)
    assert len(posts) == 3
    retweet = by_id["1009"]
    assert retweet.kind == "repost" and retweet.repost_of == "1008"
    assert retweet.text == "A flattened original about #Carers and #Dementia"
    assert by_id["1008"].author.handle == "ana_example"
    assert by_id["1008"].hashtags == ("carers", "dementia")
    (photo,) = by_id["1010"].media
    assert photo.alt_text == "Tabelle mit Zahlen"
    assert not report.unknown_fields


def test_twarc2_unknown_tweet_fields_are_reported():
    tweet = {"id": "1", "text": "hi", "author_id": "2", "created_at": "2023-01-01T00:00:00Z"}
    report = Report()
    posts = list(twitter_v2.parse({"data": [{**tweet, "brand_new": 1}]}, report))
    assert len(posts) == 1
    assert report.unknown_fields == {"tweet.brand_new": 1}


def test_v1_known_counts_and_kinds():
    by_id, posts, report = read("twitter_v1/tweets.json", twitter_v1)
    assert len(posts) == 5  # 4 tweets and the original nested in the retweet (twice)
    assert len(by_id) == 4
    assert Counter(post.kind for post in by_id.values()) == {
        "post": 1,
        "repost": 1,
        "reply": 1,
        "quote": 1,
    }
    assert report.skipped_total == 0


def test_v1_extended_text_entities_and_alt_text():
    by_id, _, _ = read("twitter_v1/tweets.json", twitter_v1)
    post = by_id["2001"]
    assert post.text == "Short text #Short & the long rest with #Kinship and a photo https://t.co/p"
    assert post.hashtags == ("short", "kinship")
    (photo,) = post.media
    assert (photo.alt_text, photo.width, photo.height) == ("A family at a table", 2048, 1365)
    assert post.created_at == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    retweet = by_id["2002"]
    assert (retweet.kind, retweet.repost_of, retweet.text) == ("repost", "2001", post.text)
    reply = by_id["2003"]
    assert reply.reply_to == "2001"
    assert reply.metrics.likes == 3  # a string in archives
    assert [link.url for link in reply.links] == ["https://example.net/guide"]
    quote = by_id["2004"]
    assert quote.quote_of == "2003"
    (gif,) = quote.media
    assert (gif.type, gif.url) == ("gif", "https://video.twimg.com/tweet_video/g.mp4")


def test_v1_dates_with_offsets_become_utc():
    assert parse_twitter_date("Wed Oct 10 20:19:24 +0200 2018") == datetime(
        2018, 10, 10, 18, 19, 24, tzinfo=UTC
    )
    assert parse_twitter_date("Wed Oct 10 20:19:24 -0130 2018") == datetime(
        2018, 10, 10, 21, 49, 24, tzinfo=UTC
    )
    assert parse_twitter_date("yesterday") is None


def test_twarc2_stream_line_with_a_single_tweet():
    tweet = {"id": "1", "text": "hi #Care", "author_id": "2", "created_at": "2023-01-01T00:00:00Z"}
    tweet["entities"] = {"hashtags": [{"start": 3, "end": 8, "tag": "Care"}]}
    line = {
        "data": tweet,
        "includes": {"users": [{"id": "2", "username": "fay_example", "name": "Fay"}]},
        "matching_rules": [{"id": "9", "tag": "care"}],
    }
    assert twitter_v2.sniff(line)
    (post,) = twitter_v2.parse(line, Report())
    assert (post.author.handle, post.hashtags) == ("fay_example", ("care",))


@pytest.mark.parametrize("code", ["und", "zxx", "qme", "qht"])
def test_xs_codes_for_no_language_are_no_language_in_every_x_format(code):
    tweet = {"id_str": "1", "full_text": "#carers", "lang": code,
             "created_at": "Fri Jan 02 09:30:00 +0000 2026",
             "user": {"id_str": "9", "screen_name": "ana_example"}}  # fmt: skip
    [post] = twitter_v1.parse(tweet, Report())
    assert post.lang is None
    [german] = twitter_v1.parse({**tweet, "lang": "de"}, Report())
    assert german.lang == "de"


def test_v1_a_bad_tweet_in_an_array_on_one_line_is_placed_by_its_item(tmp_path):
    # json.dump writes the whole array on line 1: each of its bad tweets was "line 1".
    tweets = orjson.loads((FIXTURES / "twitter_v1/tweets.json").read_bytes())
    tweets[2]["created_at"] = "someday"
    path = tmp_path / "tweets.json"
    path.write_bytes(orjson.dumps(tweets))
    report = Report()
    list(read_posts(path, report, twitter_v1))
    assert report.skipped_lines == {"X: tweet without a usable date": ["1 item 3"]}


def test_v1_a_bad_tweet_of_a_pretty_printed_array_is_placed_by_its_item_not_a_line(tmp_path):
    # Indented, a tweet takes dozens of lines: "line 3" was nowhere near the third tweet.
    tweets = orjson.loads((FIXTURES / "twitter_v1/tweets.json").read_bytes())
    tweets[2]["created_at"] = "someday"
    path = tmp_path / "tweets.json"
    path.write_bytes(orjson.dumps(tweets, option=orjson.OPT_INDENT_2))
    report = Report()
    list(read_posts(path, report, twitter_v1))
    assert report.skipped_lines == {"X: tweet without a usable date": ["item 3"]}


def test_twarc2_a_bad_tweet_of_a_page_is_placed_by_its_item(tmp_path):
    pages = (FIXTURES / "twarc2/search.jsonl").read_bytes().splitlines()
    page = orjson.loads(pages[0])
    del page["data"][1]["id"]
    path = tmp_path / "search.jsonl"
    path.write_bytes(b"\n".join([pages[0], orjson.dumps(page)]) + b"\n")
    report = Report()
    list(read_posts(path, report, twitter_v2))
    assert report.skipped_lines == {"X: malformed tweet (KeyError)": ["2 item 2"]}
