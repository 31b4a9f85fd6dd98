import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from socialgood import platforms
from socialgood.platforms import reddit
from socialgood.platforms.reddit import MORE_HIDDEN, MORE_STUB
from socialgood.platforms.report import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reddit"
GEN_POSTS = Path(__file__).resolve().parents[2].parent / "shared/bench/gen_posts.py"


def load(name):
    return json.loads((FIXTURES / name).read_text())


def parse_file(name):
    report = Report()
    record = load(name)
    return list(reddit.parse(record, report, line=1)), report


def parse_lines(name):
    report, posts = Report(), []
    for number, line in enumerate((FIXTURES / name).read_text().splitlines(), start=1):
        record = json.loads(line)
        assert reddit.sniff(record)
        posts += reddit.parse(record, report, line=number)
    return posts, report


def by_id(posts):
    return {post.platform_id: post for post in posts}


def test_comments_page_yields_the_submission_then_the_tree_depth_first():
    posts, report = parse_file("comments_page.json")

    assert [post.platform_id for post in posts] == [
        "t3_1abcde",
        "t1_k3c0001",
        "t1_k3c0002",
        "t1_k3c0003",
        "t1_k3c0004",
    ]
    assert [post.kind for post in posts] == ["post"] + ["comment"] * 4
    # Three levels of nesting are rebuilt through reply_to.
    posts = by_id(posts)
    assert posts["t1_k3c0003"].reply_to == "t1_k3c0002"
    assert posts["t1_k3c0002"].reply_to == "t1_k3c0001"
    assert posts["t1_k3c0001"].reply_to == "t3_1abcde"
    assert {post.thread_root for id, post in posts.items() if id.startswith("t1_")} == {"t3_1abcde"}


def test_more_stubs_are_counted_not_posts():
    _, report = parse_file("comments_page.json")

    assert report.skipped[MORE_STUB] == 2
    assert report.warnings[MORE_HIDDEN] == 4 + 12


def test_submission_mapping():
    posts, _ = parse_file("comments_page.json")
    post = posts[0]

    assert post.platform == "reddit"
    assert post.url == "https://www.reddit.com/r/CarerSupportCircle/comments/1abcde/slug/"
    assert post.author.id == "t2_8a1b2c3d"
    assert post.author.handle == "ana-example"
    assert post.text.startswith("Respite care: what helped you?\n\nOur local [carers centre]")
    assert post.created_at == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert post.community == "CarerSupportCircle"
    assert post.hashtags == ()
    assert [link.url for link in post.links] == ["https://carers.example.org/respite"]
    assert [person.handle for person in post.mentions] == ["cleo-example"]
    assert post.metrics.replies == 7
    assert post.metrics.reposts == 1
    assert post.metrics.likes is None
    assert post.metrics.other == {"score": 42, "upvote_ratio_pct": 93}


def test_comment_mentions_links_and_deleted_author():
    posts, _ = parse_file("comments_page.json")
    posts = by_id(posts)

    reply = posts["t1_k3c0002"]
    assert [person.handle for person in reply.mentions] == ["ana-example"]
    # The full stop after the URL ends the sentence, not the URL.
    assert [link.url for link in reply.links] == ["https://council.example.org/apply"]
    assert [link.domain for link in reply.links] == ["council.example.org"]

    deleted = posts["t1_k3c0003"]
    assert deleted.author.id is None and deleted.author.handle is None
    assert deleted.text == "[deleted]"


def test_counts_across_the_comments_page():
    posts, _ = parse_file("comments_page.json")

    assert sum(len(post.mentions) for post in posts) == 2
    assert sum(len(post.links) for post in posts) == 3
    assert sum(len(post.media) for post in posts) == 0


def test_raw_of_a_comment_leaves_its_replies_out():
    posts, _ = parse_file("comments_page.json")

    assert "replies" not in by_id(posts)["t1_k3c0001"].raw
    assert by_id(posts)["t1_k3c0004"].raw["replies"] == ""


def test_gallery_follows_gallery_data_order_with_captions_as_alt_text():
    posts, _ = parse_file("subreddit_listing.json")
    gallery = by_id(posts)["t3_1gal001"]

    assert [media.url.split("?")[0] for media in gallery.media] == [
        "https://preview.redd.it/zz9first.jpg",
        "https://preview.redd.it/aa1second.jpg",
        "https://preview.redd.it/mm5third.jpg",
    ]
    assert [media.alt_text for media in gallery.media] == [
        "Two chairs by a window with a view of a garden",
        None,
        "A hand-written rota on a fridge",
    ]
    assert "&amp;" not in gallery.media[0].url
    assert (gallery.media[2].width, gallery.media[2].height) == (1200, 800)
    # A gallery's own URL is not a link it shares.
    assert gallery.links == ()


def test_image_video_link_and_crosspost_submissions():
    posts, report = parse_file("subreddit_listing.json")
    posts = by_id(posts)

    image = posts["t3_1img002"].media
    assert [(m.type, m.url, m.width) for m in image] == [
        ("image", "https://i.redd.it/q7w8e9r0t1y2.jpeg", 1600)
    ]
    assert image[0].preview_url == "https://preview.redd.it/q7w8e9r0t1y2.jpeg?auto=webp&s=9f"

    video = posts["t3_1vid003"].media
    assert [(m.type, m.height) for m in video] == [("video", 720)]
    assert posts["t3_1vid003"].links == ()

    link_post = posts["t3_1lnk004"]
    assert [link.url for link in link_post.links] == ["https://news.example.org/carers-report"]
    assert link_post.media == ()  # a link's preview thumbnail is not the post's media
    assert link_post.author.id is None  # "[removed]" is never a user

    crosspost = posts["t3_1xps005"]
    assert crosspost.kind == "repost"
    assert crosspost.repost_of == "t3_1abcde"
    assert crosspost.community == "SocialWorkNotes"

    assert sum(len(post.media) for post in posts.values()) == 5
    assert sum(1 for post in posts.values() for m in post.media if m.alt_text) == 2
    assert report.skipped_total == 0


def test_text_fetched_without_raw_json_is_unescaped():
    posts, _ = parse_file("subreddit_listing.json")
    post = by_id(posts)["t3_1esc006"]

    assert post.text == "Tips & tricks for <new> carers\n\nAsk & share: r/carers & u/dee_example"
    assert [person.handle for person in post.mentions] == ["dee_example"]


def test_morechildren_response_is_flat_and_counts_its_own_stubs():
    posts, report = parse_file("morechildren.json")

    assert [(post.platform_id, post.reply_to) for post in posts] == [
        ("t1_k3c0007", "t1_k3c0002"),
        ("t1_k3c0008", "t1_k3c0007"),
    ]
    assert report.skipped[MORE_STUB] == 1


def test_comment_dump_lines_with_int_float_and_string_times():
    posts, report = parse_lines("RC_2026-01.ndjson")

    assert [post.created_at for post in posts] == [
        datetime(2026, 1, 1, 11, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 13, 0, tzinfo=UTC),
    ]
    assert [post.kind for post in posts] == ["comment"] * 3
    # The first line has only the base36 id, as old dumps do.
    assert posts[0].platform_id == "t1_k9d0001"
    assert posts[1].author.handle is None
    assert [person.handle for person in posts[0].mentions] == ["fen_example"]
    assert report.skipped_total == 0
    assert report.unknown_fields == {}  # _meta and retrieved_on are known dump fields


def test_submission_dump_lines():
    posts, report = parse_lines("RS_2026-01.ndjson")

    assert [(post.platform_id, post.kind) for post in posts] == [
        ("t3_1dmp007", "post"),
        ("t3_1dmp008", "post"),
    ]
    assert posts[1].created_at == datetime(2025, 12, 31, 17, 53, 20, tzinfo=UTC)
    assert posts[1].author.id is None
    assert report.skipped_total == 0


def test_unknown_fields_are_reported_and_bad_items_skipped():
    report = Report()
    line = {"id": "abc", "body": "hi", "parent_id": "t3_x", "created_utc": 1767265200,
            "subreddit": "x", "new_field": 1}  # fmt: skip
    assert len(list(reddit.parse(line, report, line=1))) == 1
    assert report.unknown_fields == {"reddit.t1.new_field": 1}

    broken = dict(line, created_utc="yesterday")
    assert list(reddit.parse(broken, report, line=2)) == []
    assert report.skipped["Reddit item without a valid created_utc"] == 1
    assert report.skipped_lines["Reddit item without a valid created_utc"] == [2]


def test_deep_comment_trees_do_not_hit_the_recursion_limit():
    depth = sys.getrecursionlimit() + 100
    replies = ""
    for level in reversed(range(depth)):
        data = {"id": f"c{level}", "name": f"t1_c{level}", "body": "x", "author": "ana-example",
                "parent_id": f"t1_c{level - 1}", "link_id": "t3_1abcde",
                "created_utc": 1767265200.0, "subreddit": "x", "replies": replies}  # fmt: skip
        replies = {"kind": "Listing", "data": {"children": [{"kind": "t1", "data": data}]}}

    assert len(list(reddit.parse(replies, Report()))) == depth


@pytest.mark.parametrize(
    "name", ["comments_page.json", "subreddit_listing.json", "morechildren.json"]
)
def test_sniff_accepts_reddit_documents(name):
    assert reddit.sniff(load(name))


@pytest.mark.parametrize(
    "name", ["comments_page.json", "subreddit_listing.json", "morechildren.json"]
)
def test_the_registry_detects_reddit_before_other_formats(name):
    assert platforms.sniff(load(name)) is reddit


def test_sniff_accepts_dump_lines():
    for name in ("RC_2026-01.ndjson", "RS_2026-01.ndjson"):
        for line in (FIXTURES / name).read_text().splitlines():
            assert reddit.sniff(json.loads(line))


OTHER_FORMATS = {
    "mastodon status": {"id": "1", "uri": "https://social.example.org/users/a/statuses/1",
                        "created_at": "2026-01-01T00:00:00.000Z", "content": "<p>hi</p>",
                        "account": {"id": "1", "acct": "a"}, "tags": []},
    "mastodon page": [{"id": "1", "uri": "u", "content": "", "account": {}}],
    "twarc2 page": {"data": [{"id": "1", "text": "hi"}], "includes": {"users": []},
                    "meta": {"result_count": 1}, "__twarc": {"url": "u"}},
    "youtube page": {"kind": "youtube#commentThreadListResponse", "items": []},
    "zeeschuimer item": {"id": 1, "item_id": "1", "timestamp_collected": 1, "source_platform": "x.com",
                         "data": {}},
    "jetstream event": {"did": "did:plc:abc", "time_us": 1, "kind": "commit", "commit": {}},
    "bluesky searchPosts": {"posts": [], "cursor": "1"},
}  # fmt: skip


@pytest.mark.parametrize("record", OTHER_FORMATS.values(), ids=OTHER_FORMATS.keys())
def test_sniff_rejects_other_formats(record):
    assert not reddit.sniff(record)


def test_generated_reddit_file_parses_without_skips(tmp_path):
    if not GEN_POSTS.exists():
        pytest.skip(f"benchmark generator not found at {GEN_POSTS}")
    out = tmp_path / "reddit.jsonl"
    subprocess.run(
        [sys.executable, str(GEN_POSTS), "--format", "reddit", "--posts", "200", "--seed", "7",
         "--out", str(out)],
        check=True,
        capture_output=True,
    )  # fmt: skip

    report, posts = Report(), []
    for number, line in enumerate(out.read_bytes().splitlines(), start=1):
        record = orjson.loads(line)
        assert reddit.sniff(record)
        posts += reddit.parse(record, report, line=number)

    assert len(posts) == 200
    assert report.skipped_total == 0
    assert report.unknown_fields == {}
    assert all(post.created_at.tzinfo is UTC for post in posts)
    assert {post.kind for post in posts} <= {"post", "repost", "comment"}
    assert all(post.author.handle != "[deleted]" for post in posts)


def test_names_with_underscores_escaped_by_reddits_editor_are_read_whole():
    comment = {"kind": "t1", "data": {
        "id": "k9", "name": "t1_k9", "author": "carer_kit", "created_utc": 1767430000,
        "parent_id": "t3_a1", "link_id": "t3_a1", "subreddit": "CaregiverSupport",
        "body": "ask u/Brask\\_Hollow\\_9, or see https://x.com/zq\\_marlow\\_77",
    }}  # fmt: skip
    [post] = reddit.parse(comment, Report())
    assert post.text == "ask u/Brask_Hollow_9, or see https://x.com/zq_marlow_77"
    assert [person.handle for person in post.mentions] == ["Brask_Hollow_9"]


def test_a_bad_thing_of_a_listing_is_placed_by_its_item_and_a_reply_by_its_thread():
    listing = load("subreddit_listing.json")
    listing["data"]["children"][1]["data"]["created_utc"] = "someday"
    page = load("comments_page.json")
    comment = page[1]["data"]["children"][0]["data"]
    comment["replies"]["data"]["children"][0]["data"]["created_utc"] = "someday"
    report = Report()
    list(reddit.parse(listing, report, line=1))
    list(reddit.parse(page, report, line=2))
    assert report.skipped_lines["Reddit item without a valid created_utc"] == [
        "1 item 2",
        "2 item 2 item 1",  # in the comments page's second listing, under its first comment
    ]
