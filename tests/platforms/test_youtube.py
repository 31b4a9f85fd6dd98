import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialgood import platforms
from socialgood.platforms import youtube
from socialgood.platforms.files import read_posts
from socialgood.platforms.report import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "youtube"
VIDEO = "dQ4w9WgXcQ1"
THREAD = "UgzA1b2C3d4E5f6G7h8i9J0k"


def parse_file(name):
    report = Report()
    record = json.loads((FIXTURES / name).read_text())
    return list(youtube.parse(record, report, line=1)), report


def test_threads_yield_top_level_comments_and_their_inline_replies():
    posts, report = parse_file("comment_threads.json")

    assert [post.platform_id for post in posts] == [
        THREAD,
        THREAD + ".9zYxWvUtSr1",
        THREAD + ".9zYxWvUtSr2",
        "UgyB2c3D4e5F6g7H8i9J0k1L",
        "UgxC3d4E5f6G7h8I9j0K1l2M",
    ]
    assert {post.kind for post in posts} == {"comment"}
    assert {post.community for post in posts} == {VIDEO}
    assert report.skipped_total == 0
    assert report.unknown_fields == {}


def test_top_level_comment_mapping():
    posts, _ = parse_file("comment_threads.json")
    top = posts[0]

    assert top.platform == "youtube"
    assert top.url == f"https://www.youtube.com/watch?v={VIDEO}&lc={THREAD}"
    assert top.author.id == "UCana000000000000000000A"
    assert top.author.handle == "ana-example"
    assert top.created_at == datetime(2026, 3, 1, 9, 15, tzinfo=UTC)
    assert top.reply_to is None  # the video is not a post: it is the community
    assert top.thread_root == THREAD
    assert top.metrics.likes == 14
    assert top.metrics.replies == 3
    assert top.hashtags == ("respite",)
    assert [person.handle for person in top.mentions] == ["carers-hub-example"]


def test_replies_point_at_their_thread():
    posts, _ = parse_file("comment_threads.json")
    replies = posts[1:3]

    assert {post.reply_to for post in replies} == {THREAD}
    assert {post.thread_root for post in replies} == {THREAD}
    assert [person.handle for person in replies[0].mentions] == ["ana-example"]
    assert replies[1].hashtags == ("respite", "carersweek")
    assert [link.url for link in replies[1].links] == ["https://carers.example.org/respite"]


def test_counts_over_the_page():
    posts, _ = parse_file("comment_threads.json")

    assert sum(len(post.hashtags) for post in posts) == 4
    assert sum(len(post.mentions) for post in posts) == 2
    assert sum(len(post.links) for post in posts) == 1
    assert posts[3].hashtags == ("subtítulos",)


def test_text_falls_back_to_text_display_without_html():
    posts, _ = parse_file("comment_threads.json")
    legacy = posts[4]

    assert legacy.text == "Great video & clear.\nSee 1:05"
    # A channel without a handle shows a name, which is not a handle.
    assert legacy.author.handle is None
    assert legacy.author.display_name == "Dee Example"


def test_comments_list_replies():
    posts, report = parse_file("comments_list.json")

    assert [post.reply_to for post in posts] == [THREAD, THREAD]
    assert posts[0].url == f"https://www.youtube.com/watch?v={VIDEO}&lc={THREAD}.9zYxWvUtSr0"
    assert posts[1].metrics.likes == 2
    assert posts[1].metrics.replies is None
    assert report.skipped_total == 0


def test_mentions_of_handles_with_middle_dots_are_read_whole():
    record = json.loads((FIXTURES / "comments_list.json").read_text())
    snippet = record["items"][0]["snippet"]
    snippet["textOriginal"] = snippet["textDisplay"] = "agree with @tobin·vale· here"

    (post, *_) = youtube.parse(record, Report(), line=1)

    assert [person.handle for person in post.mentions] == ["tobin·vale"]


def test_bad_items_are_skipped_with_reasons():
    report = Report()
    page = {
        "kind": "youtube#commentListResponse",
        "items": [
            {"kind": "youtube#comment", "id": "Ugw1", "snippet": {"publishedAt": "soon"}},
            {"kind": "youtube#video", "id": "abc"},
            {"kind": "youtube#commentThread", "id": "Ugw2", "snippet": {}},
        ],
    }

    assert list(youtube.parse(page, report, line=4)) == []
    assert report.skipped == {
        "YouTube comment without a valid publishedAt": 1,
        "YouTube item is neither a comment thread nor a comment": 1,
        "YouTube comment thread without its top-level comment": 1,
    }


@pytest.mark.parametrize("name", ["comment_threads.json", "comments_list.json"])
def test_sniff_accepts_youtube_responses(name):
    record = json.loads((FIXTURES / name).read_text())
    assert youtube.sniff(record)
    assert platforms.sniff(record) is youtube


OTHER_FORMATS = {
    "mastodon status": {"id": "1", "uri": "u", "content": "<p>hi</p>", "account": {"acct": "a"}},
    "twarc2 page": {"data": [{"id": "1", "text": "hi"}], "includes": {}, "meta": {}},
    "reddit listing": {"kind": "Listing", "data": {"children": []}},
    "youtube video list": {"kind": "youtube#videoListResponse", "items": []},
    "jetstream event": {"did": "did:plc:abc", "time_us": 1, "kind": "commit"},
}


@pytest.mark.parametrize("record", OTHER_FORMATS.values(), ids=OTHER_FORMATS.keys())
def test_sniff_rejects_other_formats(record):
    assert not youtube.sniff(record)


@pytest.mark.parametrize(
    ("indent", "whole_document_bytes", "place"),
    [
        (None, 10**6, "1 item 2"),  # on one line: a line of JSON Lines
        (2, 10**6, "item 2"),  # over many lines: read whole
        (2, 500, "item 2"),  # streamed item by item: alike
    ],
)
def test_a_bad_item_of_a_response_is_placed_by_its_item(
    tmp_path, indent, whole_document_bytes, place
):
    response = json.loads((FIXTURES / "comment_threads.json").read_text())
    response["items"][1]["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = "someday"
    path = tmp_path / "comment_threads.json"
    path.write_text(json.dumps(response, indent=indent))
    report = Report()
    posts = list(read_posts(path, report, youtube, whole_document_bytes=whole_document_bytes))
    assert report.skipped_lines == {"YouTube comment without a valid publishedAt": [place]}
    assert len(posts) == 4  # the other threads' comments, and the second one's replies


def test_responses_saved_as_one_array_place_an_item_by_its_response_too(tmp_path):
    response = json.loads((FIXTURES / "comment_threads.json").read_text())
    bad = json.loads(json.dumps(response))
    bad["items"][2]["snippet"]["topLevelComment"]["id"] = ""
    path = tmp_path / "comment_threads.json"
    path.write_text(json.dumps([response, bad]))
    report = Report()
    list(read_posts(path, report, youtube))
    assert report.skipped_lines == {"YouTube comment without id or snippet": ["1 item 2 item 3"]}
