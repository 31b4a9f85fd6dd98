"""Bluesky AppView responses: search pages, author feeds and threads."""

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from socialgood.platforms import bluesky
from socialgood.platforms.files import read_posts
from socialgood.platforms.normalise import parse_iso
from socialgood.platforms.report import Report

FIXTURES = Path(__file__).parents[1] / "fixtures"
ANA = "did:plc:anaexample0000000000000a"
BO = "did:plc:boexample00000000000000b"
CY = "did:plc:cyexample00000000000000c"
P1 = f"at://{ANA}/app.bsky.feed.post/3kaaa"
P2 = f"at://{BO}/app.bsky.feed.post/3kbbb"
P3 = f"at://{CY}/app.bsky.feed.post/3kccc"
MISALIGNED = bluesky.MISPLACED_FACET


def read(name):
    report = Report()
    posts = list(read_posts(FIXTURES / name, report, bluesky))
    return {post.platform_id: post for post in posts}, posts, report


def test_search_page_known_counts_and_one_post_per_page():
    by_id, posts, report = read("bluesky/search.jsonl")
    assert len(posts) == 4  # P1 appears twice in the first page but is read once
    assert Counter(post.kind for post in posts) == {"post": 3, "reply": 1}
    assert sum(len(post.hashtags) for post in posts) == 3
    assert sum(len(post.mentions) for post in posts) == 1
    assert sum(len(post.media) for post in posts) == 3
    assert sum(1 for post in posts for media in post.media if media.alt_text) == 2
    assert report.warnings == {MISALIGNED: 2}


def test_hashtags_come_from_facets_and_record_tags_even_when_misaligned():
    by_id, _, _ = read("bluesky/search.jsonl")
    # #Sozialarbeit's facet runs past the end of the text; the feature still counts
    assert by_id[P1].hashtags == ("pflege", "sozialarbeit", "sozialearbeit")


def test_mention_handle_comes_from_the_utf8_byte_range():
    by_id, _, _ = read("bluesky/search.jsonl")
    (mention,) = by_id[P1].mentions
    assert (mention.id, mention.handle) == (BO, "bo.example.org")  # after a multi-byte 👉


def test_images_join_alt_text_with_cdn_urls_by_position():
    by_id, _, _ = read("bluesky/search.jsonl")
    first, second = by_id[P1].media
    assert first.alt_text == "Balkendiagramm der Pflegezeiten"
    assert first.url.endswith("/feed_fullsize/plain/" + ANA + "/bafkimg1@jpeg")
    assert first.preview_url.endswith("/feed_thumbnail/plain/" + ANA + "/bafkimg1@jpeg")
    assert (first.width, first.height) == (1600, 900)
    assert second.alt_text is None and second.url.endswith("bafkimg2@jpeg")


def test_reply_with_quote_and_video_and_links():
    by_id, _, _ = read("bluesky/search.jsonl")
    reply = by_id[P2]
    assert (reply.kind, reply.reply_to, reply.thread_root, reply.quote_of) == ("reply", P1, P1, P3)
    (video,) = reply.media
    assert (video.type, video.alt_text) == ("video", "Kurzes Video")
    assert video.url.endswith("playlist.m3u8")
    assert [link.url for link in reply.links] == ["https://example.org/guide/full"]
    assert [link.url for link in by_id[P3].links] == ["https://example.net/article"]
    listed = by_id[f"at://{ANA}/app.bsky.feed.post/3kddd"]
    assert listed.kind == "post" and listed.quote_of is None  # an embedded list is no quote


def test_created_at_with_an_offset_becomes_utc_and_urls_use_the_did():
    by_id, _, _ = read("bluesky/search.jsonl")
    post = by_id[P1]
    assert post.created_at == datetime(2025, 7, 3, 8, 15, 2, 114000, tzinfo=UTC)
    assert post.url == f"https://bsky.app/profile/{ANA}/post/3kaaa"
    assert (post.author.id, post.author.handle) == (ANA, "ana.example.org")
    assert post.lang == "de"
    assert (post.metrics.likes, post.metrics.reposts) == (5, 2)


def test_author_feed_repost_reason_and_reply_context():
    by_id, posts, _ = read("bluesky/author_feed.json")
    assert len(posts) == 4  # the repost, P1, P2 (with P1 as its context again), P3 (pinned)
    repost = by_id[f"at://{BO}/app.bsky.feed.repost/3krep"]
    assert (repost.kind, repost.repost_of, repost.author.id) == ("repost", P1, BO)
    assert repost.created_at == datetime(2025, 7, 5, 12, tzinfo=UTC)
    assert repost.text == by_id[P1].text
    assert by_id[P1].kind == "post" and by_id[P3].kind == "post"


def test_thread_walks_parents_and_replies_and_keeps_missing_posts_as_edges():
    by_id, posts, report = read("bluesky/thread.json")
    assert set(by_id) == {P1, P2, f"at://{CY}/app.bsky.feed.post/3keee"}
    assert by_id[f"at://{CY}/app.bsky.feed.post/3keee"].reply_to == P2
    assert report.warnings["Bluesky: thread posts not found or blocked (kept as references)"] == 2


def test_repost_without_record_uri_gets_a_stable_id():
    view = read("bluesky/search.jsonl")[1][0].raw
    reason = {
        "$type": "app.bsky.feed.defs#reasonRepost",
        "by": {"did": CY},
        "indexedAt": "2025-07-06T00:00:00Z",
    }
    posts = list(bluesky.parse({"feed": [{"post": view, "reason": reason}]}, Report()))
    # The original first, then its repost
    assert [post.platform_id for post in posts] == [P1, f"{P1}#repost-by-{CY}"]


@given(
    text=st.text(max_size=40),
    start=st.integers(min_value=-5, max_value=200),
    length=st.integers(min_value=-5, max_value=200),
    tag=st.text(min_size=1, max_size=10).filter(str.strip),
)
def test_any_facet_range_keeps_the_feature_and_never_fails(text, start, length, tag):
    record = {
        "text": text,
        "createdAt": "2025-01-01T00:00:00Z",
        "facets": [
            {
                "index": {"byteStart": start, "byteEnd": start + length},
                "features": [
                    {"$type": "app.bsky.richtext.facet#tag", "tag": tag},
                    {"$type": "app.bsky.richtext.facet#mention", "did": BO},
                ],
            }
        ],
    }
    view = {"uri": P1, "record": record, "author": {"did": ANA}}
    report = Report()
    (post,) = bluesky.parse(view, report)
    assert len(post.hashtags) == 1
    assert post.mentions[0].id == BO
    size = len(text.encode())
    aligned = 0 <= start < start + length <= size
    assert report.warnings.get(MISALIGNED, 0) == (0 if aligned else 1)
    if not aligned:
        assert post.mentions[0].handle is None


def test_a_time_out_of_range_in_utc_costs_no_post_of_its_page():
    # Valid RFC 3339, but an hour before the first moment Python can hold in UTC: it
    # once ended the page, and the two posts after it were lost with one "skipped".
    view = read("bluesky/search.jsonl")[1][0].raw
    odd = {
        **view,
        "uri": P2,
        "record": {**view["record"], "createdAt": "0001-01-01T00:00:00+01:00"},
    }
    page = {"posts": [view, odd, {**view, "uri": P3}]}
    report = Report()

    posts = list(bluesky.parse(page, report))

    assert [post.platform_id for post in posts] == [P1, P2, P3]
    assert posts[1].created_at == parse_iso(view["indexedAt"])  # when the AppView saw it
    assert not report.skipped


def test_a_bad_post_of_a_feed_is_placed_by_its_item(tmp_path):
    # The whole response on line 1: each of its bad posts was "line 1".
    feed = json.loads((FIXTURES / "bluesky/author_feed.json").read_text())
    view = feed["feed"][1]["post"]
    view["record"]["createdAt"] = view["indexedAt"] = "someday"
    path = tmp_path / "author_feed.json"
    path.write_text(json.dumps(feed))
    report = Report()
    list(read_posts(path, report, bluesky))
    assert report.skipped_lines == {"Bluesky: post without a usable date": ["1 item 2"]}


def test_a_bad_post_of_a_search_page_is_placed_by_its_item(tmp_path):
    pages = (FIXTURES / "bluesky/search.jsonl").read_text().splitlines()
    page = json.loads(pages[0])
    page["posts"][2]["author"] = "gone"
    path = tmp_path / "search.jsonl"
    path.write_text(f"{pages[1]}\n{json.dumps(page)}\n")
    report = Report()
    list(read_posts(path, report, bluesky))
    assert report.skipped_lines == {"Bluesky: malformed post (AttributeError)": ["2 item 3"]}
