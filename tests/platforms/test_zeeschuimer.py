import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialgood import platforms
from socialgood.platforms import files, zeeschuimer
from socialgood.platforms.report import Report

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "zeeschuimer" / "zeeschuimer-export.ndjson"
)


def records():
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


@pytest.fixture(scope="module")
def parsed():
    report, posts = Report(), []
    for number, record in enumerate(records(), start=1):
        posts += zeeschuimer.parse(record, report, line=number)
    return {post.platform_id: post for post in posts}, report


def test_counts_per_platform(parsed):
    posts, _ = parsed
    platforms = [post.platform for post in posts.values()]

    # Three X items; the retweet also yields the original it carries.
    assert platforms.count("x") == 4
    assert platforms.count("tiktok") == 2
    assert platforms.count("instagram") == 2
    # A post, a reply, a quote (its quoted post is the first one), a repost and the
    # original it carries.
    assert platforms.count("threads") == 5
    # A post, a quote and a repost of one post, which comes with both.
    assert platforms.count("linkedin") == 4


def test_unknown_platforms_are_counted_with_their_lines(parsed):
    _, report = parsed

    assert report.skipped == {
        "Threads post without id or valid taken_at": 1,
        "LinkedIn post without its author's profile": 1,  # an advert
    }
    assert report.skipped_lines["Threads post without id or valid taken_at"] == [14]
    assert report.skipped_lines["LinkedIn post without its author's profile"] == [16]

    report = Report()
    record = records()[0] | {"source_platform": "pinterest.com"}
    assert list(zeeschuimer.parse(record, report, line=3)) == []
    assert report.skipped_lines == {
        "Zeeschuimer items from pinterest.com are not supported yet": [3]
    }
    assert report.unknown_fields == {}


def test_x_tweet(parsed):
    posts, _ = parsed
    tweet = posts["1876543210987654321"]

    assert tweet.kind == "post"
    assert tweet.author.id == "1111111111"
    assert tweet.author.handle == "ana_example"
    assert tweet.url == "https://x.com/i/web/status/1876543210987654321"
    assert tweet.created_at == datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    assert "Friday & all welcome" in tweet.text
    assert tweet.hashtags == ("carers",)
    assert [(m.id, m.handle) for m in tweet.mentions] == [("2222222222", "ben_example")]
    assert [link.url for link in tweet.links] == ["https://carers.example.org/coffee"]
    assert [(m.type, m.alt_text, m.width) for m in tweet.media] == [
        ("image", "A flyer for a carers' coffee morning", 1200)
    ]
    assert tweet.metrics.likes == 12
    assert tweet.metrics.views == 1534  # X sends views as a string
    assert tweet.metrics.other == {"bookmarks": 2}


def test_x_an_edited_tweet_is_one_post_under_its_first_versions_id():
    record = records()[0]
    first = record["data"]["rest_id"]
    record["data"]["rest_id"] = record["data"]["legacy"]["id_str"] = "1876543210987654329"
    record["data"]["edit_control"] = {
        "initial_tweet_id": first,
        "edit_control_initial": {"edit_tweet_ids": [first, "1876543210987654329"]},
    }
    (post,) = zeeschuimer.parse(record, Report())
    assert post.platform_id == first
    assert post.url == "https://x.com/i/web/status/1876543210987654329"


def test_x_a_retweet_of_an_edited_tweet_names_the_post_it_is_stored_as():
    record = records()[1]
    original = record["data"]["legacy"]["retweeted_status_result"]["result"]
    first = original["rest_id"]
    original["rest_id"] = original["legacy"]["id_str"] = "1876500000000000009"
    original["edit_control"] = {"initial_tweet_id": first}
    [original_post, repost] = zeeschuimer.parse(record, Report())
    assert original_post.platform_id == repost.repost_of == first


def test_x_retweet_yields_the_original_and_a_repost_row(parsed):
    posts, _ = parsed
    original, repost = posts["1876500000000000000"], posts["1876600000000000000"]

    # The original's author uses the 2025 layout (screen_name under user.core).
    assert original.author.handle == "cleo_example"
    assert original.kind == "post"
    assert repost.kind == "repost"
    assert repost.repost_of == "1876500000000000000"
    assert repost.author.handle == "ben_example"
    assert repost.text == original.text
    assert repost.hashtags == ("youngcarers", "carers")


def test_x_reply_inside_a_visibility_wrapper(parsed):
    posts, _ = parsed
    reply = posts["1876700000000000000"]

    assert reply.kind == "reply"
    assert reply.reply_to == "1876543210987654321"
    assert reply.thread_root == "1876543210987654321"
    assert reply.metrics.views == 88


def test_tiktok_items(parsed):
    posts, _ = parsed
    video = posts["7412345678901234567"]

    assert video.author.id == "6800000000000000001"
    assert video.author.handle == "fen.example"
    assert video.url == "https://www.tiktok.com/@fen.example/video/7412345678901234567"
    assert video.created_at == datetime(2026, 1, 4, 10, 0, tzinfo=UTC)
    assert video.hashtags == ("youngcarer", "carertok")
    assert [(m.id, m.handle) for m in video.mentions] == [
        ("6800000000000000009", "carers-hub-example")
    ]
    assert [(m.type, m.width, m.height) for m in video.media] == [("video", 576, 1024)]
    assert video.metrics.likes == 5210
    assert video.metrics.views == 40213
    assert video.lang == "en"

    # Embedded page JSON: author as a string, createTime as a string.
    embedded = posts["7412345678901234999"]
    assert (embedded.author.id, embedded.author.handle) == ("6800000000000000002", "gus.example")
    assert embedded.created_at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert embedded.hashtags == ("respite",)


def test_instagrams_own_alt_text_names_the_owner_by_handle_not_by_name():
    record = records()[5]
    record["data"]["carousel_media"][0]["accessibility_caption"] = (
        "Photo by Carers Circle (example) on January 06, 2026. May be an image of a table."
    )
    (post,) = zeeschuimer.parse(record, Report())
    # As a mention, the pseudonymiser replaces it; the name as shown would stay.
    assert post.media[0].alt_text == (
        "Photo by @carers.circle.example on January 06, 2026. May be an image of a table."
    )


def test_instagrams_own_alt_text_without_a_full_name_names_the_owner_as_a_mention():
    record = records()[5]
    record["data"]["user"]["full_name"] = ""
    record["data"]["carousel_media"][0]["accessibility_caption"] = (
        "Photo shared by carers.circle.example on January 06, 2026. May be an image of a table."
    )
    (post,) = zeeschuimer.parse(record, Report())
    assert post.media[0].alt_text == (
        "Photo shared by @carers.circle.example on January 06, 2026. May be an image of a table."
    )


def test_instagram_carousel_and_reel(parsed):
    posts, _ = parsed
    carousel = posts["3512345678901234567"]

    assert carousel.url == "https://www.instagram.com/p/DCaRoUsEl01/"
    assert carousel.author.handle == "carers.circle.example"
    assert carousel.hashtags == ("carersweek", "respite")
    assert [m.handle for m in carousel.mentions] == ["hana.example", "ivo_example"]
    assert [m.type for m in carousel.media] == ["image", "image", "video"]
    assert sum(1 for m in carousel.media if m.alt_text) == 2
    assert carousel.metrics.likes == 230
    assert carousel.metrics.replies == 14

    reel = posts["3512345678909999999"]
    assert reel.url == "https://www.instagram.com/reel/DReEl000002/"
    assert reel.text == ""  # caption is null
    assert reel.metrics.views == 1204
    assert [m.type for m in reel.media] == ["video"]


def test_totals(parsed):
    posts, _ = parsed
    posts = posts.values()

    # Threads: a topic tag, and #respite in the original and its repost; LinkedIn: two
    # on a post, one on another and its repost.
    assert sum(len(post.hashtags) for post in posts) == 1 + 2 + 2 + 2 + 1 + 2 + 3 + 4
    assert sum(len(post.mentions) for post in posts) == 5 + 2 + 3
    assert sum(len(post.media) for post in posts) == 7 + 4 + 1
    assert sum(1 for post in posts for m in post.media if m.alt_text) == 3 + 1 + 1


def test_tombstones_are_skipped():
    report = Report()
    record = records()[0] | {"data": {"__typename": "TweetTombstone", "tombstone": {}}}

    assert list(zeeschuimer.parse(record, report, line=3)) == []
    assert report.skipped == {"X tweet is unavailable (tombstone or withheld)": 1}


def test_sniff_accepts_every_line_of_an_export():
    assert all(zeeschuimer.sniff(record) for record in records())
    assert all(platforms.sniff(record) is zeeschuimer for record in records())


OTHER_FORMATS = {
    "mastodon status": {"id": "1", "uri": "u", "content": "<p>hi</p>", "account": {"acct": "a"}},
    "twarc2 page": {"data": [{"id": "1", "text": "hi"}], "includes": {}, "meta": {}},
    "twarc2 stream line": {"data": {"id": "1", "text": "hi"}, "includes": {}},
    "reddit listing": {"kind": "Listing", "data": {"children": []}},
    "reddit dump line": {"id": "a", "subreddit": "x", "created_utc": 1, "body": "hi"},
    "youtube page": {"kind": "youtube#commentThreadListResponse", "items": []},
}


@pytest.mark.parametrize("record", OTHER_FORMATS.values(), ids=OTHER_FORMATS.keys())
def test_sniff_rejects_other_formats(record):
    assert not zeeschuimer.sniff(record)


def test_a_long_x_post_takes_its_tags_mentions_and_links_from_the_whole_text():
    record = records()[0]
    legacy = record["data"]["legacy"]
    # X shows the first 280 characters with a link to the rest; entities cover only those.
    legacy["full_text"] = "Long thread about #carers … https://t.co/more"
    legacy["entities"] = {
        "hashtags": [{"text": "carers", "indices": [0, 0]}],
        "user_mentions": [],
        "urls": [{"url": "https://t.co/more", "expanded_url": "https://x.com/i/web/status/9"}],
    }
    record["data"]["note_tweet"] = {
        "note_tweet_results": {
            "result": {
                "text": "Long thread about #carers and #housing, with @ben_example: "
                "https://t.co/late",
                "entity_set": {
                    "hashtags": [{"text": "carers"}, {"text": "Housing"}],
                    "user_mentions": [{"id_str": "2222222222", "screen_name": "ben_example"}],
                    "urls": [
                        {"url": "https://t.co/late", "expanded_url": "https://example.org/late"}
                    ],
                },
            }
        }
    }
    [post] = zeeschuimer.parse(record, Report())
    assert post.text.startswith("Long thread about #carers and #housing")
    assert post.hashtags == ("carers", "housing")
    assert [person.handle for person in post.mentions] == ["ben_example"]
    assert [link.url for link in post.links] == ["https://example.org/late"]


def test_threads_post(parsed):
    posts, _ = parsed
    post = posts["3500000000000000001"]

    assert post.platform == "threads"
    assert post.kind == "post"
    # A fediverse account, as Mastodon and profile links name Threads people.
    assert post.author.handle == "wren.ashby@threads.net"
    assert post.author.id == "7777777777"
    assert post.author.display_name == "Wren Ashby"
    assert post.url == "https://www.threads.com/t/DThrCircle1"  # names no one
    assert post.created_at == datetime(2026, 1, 3, 8, 46, 40, tzinfo=UTC)
    assert post.text.startswith("Peer support circle for Young Carers starts Monday")
    assert post.hashtags == ("young carers",)  # a topic tag may be several words
    assert [m.handle for m in post.mentions] == ["ana.example@threads.net"]
    # Threads' link shim (l.threads.com/?u=…) unwrapped, once for the text and preview.
    assert [(link.url, link.domain) for link in post.links] == [
        ("https://carers.example.org/circle", "carers.example.org")
    ]
    assert [(m.type, m.width) for m in post.media] == [("image", 1080), ("image", 1080)]
    # Instagram's way of naming the poster in alt text, as a mention to pseudonymise.
    assert post.media[0].alt_text.startswith("Photo by @wren.ashby on January 03, 2026.")
    assert (post.metrics.likes, post.metrics.replies, post.metrics.reposts) == (14, 2, 1)
    assert post.metrics.quotes == 1


def test_threads_reply_quote_and_repost(parsed):
    posts, _ = parsed
    reply = posts["3500000000000000002"]
    quote = posts["3500000000000000003"]
    repost = posts["3500000000000000006"]
    original = posts["3500000000000000005"]

    assert reply.kind == "reply"
    assert reply.reply_to is None  # the capture names the author it answers, not the post
    assert [m.handle for m in reply.mentions] == ["wren.ashby@threads.net"]
    assert (quote.kind, quote.quote_of) == ("quote", "3500000000000000001")
    assert quote.text == "So proud of this group"
    assert (repost.kind, repost.repost_of, repost.quote_of) == (
        "repost",
        "3500000000000000005",
        None,
    )
    assert repost.author.handle == "bo_lindqvist@threads.net"
    # The repost row carries what it shares, as an X retweet does.
    assert repost.text == original.text == "Our respite weekend, in one minute #respite"
    assert repost.hashtags == original.hashtags == ("respite",)  # an older capture's caption
    assert [(m.type, m.preview_url) for m in repost.media] == [
        ("video", "https://scontent.cdninstagram.com/v/t51.2885-15/respite_cover.jpg")
    ]


def test_linkedin_post(parsed):
    posts, _ = parsed
    post = posts["7413113552896001234"]

    assert post.platform == "linkedin"
    assert post.kind == "post"
    # Where the pseudonymiser finds her in a text too: linkedin.com/in/<profile name>.
    assert post.author.handle == "cyra-vance-4b7a21"
    assert post.author.display_name == "Cyra Vance"
    # The page says "2h"; the id holds the moment it was made.
    assert post.created_at == datetime(2026, 1, 3, 7, 6, 40, tzinfo=UTC)
    assert post.url == "https://www.linkedin.com/feed/update/urn:li:activity:7413113552896001234/"
    assert post.hashtags == ("socialwork", "hiring")
    assert [(m.handle, m.display_name) for m in post.mentions] == [
        ("ana-example-7c3d9e", "Ana Example"),
        ("jörg-müller-5e6f", "Jörg Müller"),
        ("company/carers-trust-example", "Carers Trust Example"),
    ]
    # A mention shown as a first name becomes an @mention; one whose profile name an
    # @mention can't hold keeps the full name; an organisation keeps its name.
    assert "Thanks @ana-example-7c3d9e for the referral pathway work" in post.text
    assert "and Jörg Müller too! Partnering with Carers Trust Example." in post.text
    assert [(m.type, m.url, m.alt_text) for m in post.media] == [
        (
            "image",
            "https://media.licdn.com/dms/image/v2/D4E22AQfixture/feedshare-shrink_1280/0/"
            "1767424000000?e=1&t=b",  # the largest size
            "Two social workers at a desk with a young carer",
        )
    ]
    assert (post.metrics.likes, post.metrics.replies, post.metrics.reposts) == (31, 4, 2)


def test_linkedin_quote_and_repost_of_a_shared_post(parsed):
    posts, _ = parsed
    shared = posts["7412593459200000099"]
    quote = posts["7413128652390400007"]
    repost = posts["7413134524416000055"]

    assert shared.hashtags == ("youngcarers",)  # no marks given: from the text
    assert [link.url for link in shared.links] == ["https://carers.example.org/report-2026"]
    assert (quote.kind, quote.quote_of, quote.text) == (
        "quote",
        "7412593459200000099",
        "Proud of our partners' work",
    )
    assert quote.author.handle == "company/carers-trust-example"  # not a person's name
    assert (repost.kind, repost.repost_of) == ("repost", "7412593459200000099")
    assert (repost.text, repost.links) == (shared.text, shared.links)


def test_linkedin_marks_that_miss_the_name_leave_the_text_as_it_is():
    record = records()[7]
    text = record["data"]["commentary"]["text"]
    for mark in text["attributes"]:
        mark["start"] += 3  # counted from elsewhere (another version of the text)

    (post,) = zeeschuimer.parse(record, Report(), line=8)

    assert post.text == text["text"]
    assert [m.handle for m in post.mentions][:1] == ["ana-example-7c3d9e"]


def test_a_record_nested_deeper_than_python_recurses_costs_that_record_only(tmp_path):
    # A JSON document's items are read to any depth; a LinkedIn reshare (or a Threads
    # repost) is read by recursing into what it shares, and past Python's limit the
    # RecursionError stopped the whole file, the records after it unread.
    first, linkedin, last = records()[0], records()[7], records()[3]
    update = json.dumps(linkedin["data"] | {"resharedUpdate": None})
    depth = sys.getrecursionlimit() + 100
    nested = (update[:-1] + ', "resharedUpdate": ') * depth + update + "}" * depth
    item = json.dumps(linkedin | {"data": None}).replace('"data": null', f'"data": {nested}')
    path = tmp_path / "captures.json"
    path.write_text(f"[{json.dumps(first)}, {item}, {json.dumps(last)}]")
    report = Report()

    posts = list(files.read_posts(path, report))

    assert [post.platform for post in posts] == ["x", "tiktok"]
    assert report.skipped_lines == {
        "Zeeschuimer: record of an unexpected shape (RecursionError)": ["item 2"]
    }


def test_a_linkedin_video_given_in_the_content_itself_is_kept():
    # LinkedIn has sent a video's details in the update's content itself, as well as in
    # a video component of it (4CAT reads all three); the first was not read.
    record = records()[7]
    thumbnail = {
        "rootUrl": "https://media.licdn.com/dms/image/v2/D4E05AQfixture/videocover-high/0/",
        "artifacts": [{"width": 1280, "fileIdentifyingUrlPathSegment": "1767424000000?e=1"}],
    }
    record["data"]["content"] = {"*videoPlayMetadata": {"thumbnail": thumbnail}}

    (post,) = zeeschuimer.parse(record, Report(), line=8)

    assert [(m.type, m.preview_url) for m in post.media] == [
        (
            "video",
            "https://media.licdn.com/dms/image/v2/D4E05AQfixture/videocover-high/0/"
            "1767424000000?e=1",
        )
    ]


def test_linkedin_counts_in_the_other_shape_of_its_social_details():
    # Without *totalSocialActivityCounts, LinkedIn gives the counts as its pages of likes
    # and comments and a share total (4CAT reads both shapes); they were left empty.
    record = records()[7]
    record["data"]["*socialDetail"] = {
        "likes": {"paging": {"total": 12}},
        "comments": {"paging": {"total": 3}},
        "totalShares": 1,
    }

    (post,) = zeeschuimer.parse(record, Report(), line=8)

    assert (post.metrics.likes, post.metrics.replies, post.metrics.reposts) == (12, 3, 1)
