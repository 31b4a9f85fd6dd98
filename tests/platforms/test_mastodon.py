"""Mastodon statuses: timeline pages, context responses, HTML content."""

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from socialgood.platforms import mastodon
from socialgood.platforms.files import read_posts
from socialgood.platforms.report import Report

FIXTURES = Path(__file__).parents[1] / "fixtures"
S1 = "https://social.example/users/ana/statuses/111"


def read(name):
    report = Report()
    posts = list(read_posts(FIXTURES / name, report, mastodon))
    return {post.platform_id: post for post in posts}, posts, report


def test_timeline_page_known_counts():
    by_id, posts, report = read("mastodon/timeline.jsonl")
    assert report.records == 2  # a page and an empty last page
    assert len(posts) == 5  # 5 statuses; the boosted original is one of them
    assert Counter(post.kind for post in posts) == {
        "post": 1,
        "reply": 2,
        "repost": 1,
        "quote": 1,
    }
    originals = [post for post in posts if post.kind != "repost"]
    assert sum(len(post.hashtags) for post in originals) == 3
    assert sum(len(post.mentions) for post in originals) == 2
    assert sum(len(post.media) for post in originals) == 2
    assert sum(1 for post in originals for media in post.media if media.alt_text) == 1


def test_status_text_tags_mentions_links_media():
    by_id, _, _ = read("mastodon/timeline.jsonl")
    post = by_id[S1]
    assert post.text == (
        "Care & support #Care with @bo\n\nRead https://example.org/report?a=1&b=2\nthanks"
    )
    assert post.hashtags == ("care", "socialwork")
    assert [(m.id, m.handle) for m in post.mentions] == [("bo@other.example", "bo@other.example")]
    assert [link.url for link in post.links] == ["https://example.org/report?a=1&b=2"]
    image, gif = post.media
    assert (image.type, image.alt_text, image.width) == (
        "image",
        "Two people at a kitchen table",
        1200,
    )
    assert (gif.type, gif.alt_text) == ("gif", None)
    assert post.url == "https://social.example/@ana/111"
    assert post.created_at == datetime(2025, 7, 17, 9, 12, 44, tzinfo=UTC)  # from +02:00
    metrics = post.metrics
    assert (metrics.likes, metrics.reposts, metrics.replies, metrics.quotes) == (4, 1, 1, 1)


def test_boost_quote_and_replies():
    by_id, _, report = read("mastodon/timeline.jsonl")
    boost = by_id["https://other.example/users/bo/statuses/901/activity"]
    assert (boost.kind, boost.repost_of, boost.author.id) == ("repost", S1, "bo@other.example")
    assert boost.url == boost.platform_id  # a boost has no web page
    quote = by_id["https://other.example/users/bo/statuses/114"]
    assert (quote.kind, quote.quote_of, quote.text) == ("quote", S1, "So true #care")
    assert quote.links == ()  # the "RE: <link>" fallback paragraph is left out
    reply = by_id["https://other.example/users/bo/statuses/900"]
    assert (reply.kind, reply.reply_to) == ("reply", S1)  # parent in the page: its uri
    assert reply.text == "mental health\n\n@ana agreed"  # content warning first
    pending = by_id["https://other.example/users/bo/statuses/115"]
    assert pending.quote_of is None  # only accepted quotes count
    # Parent not in the response: unknown (its local id would name another post elsewhere).
    assert (pending.kind, pending.reply_to) == ("reply", None)
    assert report.warnings[mastodon.PARENT_UNKNOWN] == 1


def test_same_account_seen_from_two_servers_gets_one_id():
    timeline, _, _ = read("mastodon/timeline.jsonl")
    context, _, _ = read("mastodon/context.json")
    local = timeline[S1].author  # acct "ana" on social.example
    remote = context["https://social.example/users/ana/statuses/100"].author  # "ana@social.example"
    assert local.id == remote.id == "ana@social.example"
    assert local.handle == "ana@social.example"


def test_context_resolves_parents_and_thread_root():
    by_id, posts, _ = read("mastodon/context.json")
    root = "https://social.example/users/ana/statuses/100"
    second = by_id["https://social.example/users/ana/statuses/101"]
    child = by_id["https://other.example/users/bo/statuses/203"]
    assert (second.reply_to, second.thread_root) == (root, root)
    assert (child.reply_to, child.thread_root) == (second.platform_id, root)
    assert by_id[root].thread_root is None


def test_html_to_text_keeps_breaks_and_decodes_entities():
    text, links = mastodon.html_to_text(
        "<p>a &lt;b&gt; &amp; c<br />d</p><p>e <a href='https://x.example/?a=1&amp;b=2'>x</a></p>"
    )
    assert text == "a <b> & c\nd\n\ne x"
    assert links == ["https://x.example/?a=1&b=2"]
    assert mastodon.html_to_text("plain &amp; simple") == ("plain & simple", [])


def test_hashtag_and_mention_anchors_of_every_server_are_not_links():
    _, links = mastodon.html_to_text(
        '<p><a href="https://m.example/tags/care" class="mention hashtag" rel="tag">#care</a> '
        '<a href="https://pl.example/tag/remote" class="hashtag" rel="tag">#remote</a> '
        '<a href="https://mk.example/tags/misskey" rel="tag">#misskey</a> '
        '<span class="h-card"><a href="https://m.example/@bo" class="u-url mention">@bo</a></span> '
        '<a href="https://example.org/respite" rel="nofollow noopener">example.org/respite</a></p>'
    )
    assert links == ["https://example.org/respite"]


def status(number, account, reply_to=None, reply_to_account=None, mentions=()):
    server = "social.example" if "@" not in account["acct"] else account["acct"].split("@")[1]
    path = account.get("path", f"users/{account['username']}")
    return {
        "id": str(number), "uri": f"https://{server}/{path}/statuses/{number}",
        "url": f"https://{server}/@{account['username']}/{number}",
        "created_at": "2025-07-17T09:00:00Z", "content": "<p>more</p>", "account": account,
        "in_reply_to_id": reply_to, "in_reply_to_account_id": reply_to_account,
        "mentions": list(mentions),
    }  # fmt: skip


def test_a_thread_continued_on_another_page_is_linked(tmp_path):
    ana = {"id": "7", "username": "ana", "acct": "ana", "url": "https://social.example/@ana"}
    # Accounts made since Mastodon 4.4 have uris by number.
    neo = {
        "id": "114900000000000001",
        "username": "neo",
        "acct": "neo",
        "path": "ap/users/114900000000000001",
        "url": "https://social.example/@neo",
    }
    bo = {"id": "9", "username": "bo", "acct": "bo@other.example",
          "url": "https://other.example/@bo"}  # fmt: skip
    newest_first = [
        [
            status(305, ana, reply_to="301", reply_to_account="7"),  # her own thread
            status(304, neo, reply_to="302", reply_to_account="114900000000000001"),
            status(303, ana, reply_to="302", reply_to_account="114900000000000001",
                   mentions=[neo]),  # a neighbour's post: which uri form is unknown
            status(306, bo, reply_to="301", reply_to_account="7", mentions=[ana]),
            status(307, ana, reply_to="77", reply_to_account=None),
        ],
        [status(302, neo), status(301, ana)],
    ]  # fmt: skip
    path = tmp_path / "timeline.jsonl"
    path.write_text("\n".join(json.dumps(page) for page in newest_first))
    report = Report()

    posts = list(read_posts(path, report, mastodon))

    by_id = {post.platform_id.rsplit("/", 1)[1]: post for post in posts}
    assert by_id["305"].reply_to == by_id["301"].platform_id
    assert by_id["304"].reply_to == by_id["302"].platform_id
    assert [by_id[number].reply_to for number in ("303", "306", "307")] == [None] * 3
    assert report.warnings[mastodon.PARENT_UNKNOWN] == 3


def test_a_bad_status_of_a_page_is_placed_by_its_item(tmp_path):
    # Every status of a page is on its line: a bad one was named by the line alone.
    page = json.loads((FIXTURES / "mastodon/timeline.jsonl").read_text().splitlines()[0])
    bad = json.loads(json.dumps(page))
    bad[2]["created_at"] = "someday"
    path = tmp_path / "timeline.jsonl"
    path.write_text(f"{json.dumps(page)}\n{json.dumps(bad)}\n")
    report = Report()
    list(read_posts(path, report, mastodon))
    assert report.skipped_lines == {"Mastodon: status without a usable date": ["2 item 3"]}
