"""Bluesky AppView responses: searchPosts, getAuthorFeed, getPostThread, bare postViews.

Record shapes (platforms.md §3): `{posts: [postView], cursor}`, `{feed: [feedViewPost]}`,
`{thread: threadViewPost}` and one postView per line. Every postView in a response
becomes a Post, once per response however often it appears: feed items, their
`reply.parent`/`root`, and every post of a thread. A `#reasonRepost` feed item also
yields a `repost` Post by the reposter. Embedded quoted posts are only referenced
(`quote_of`); `notFoundPost`/`blockedPost` are edges only (the child's reply_to).

Hashtags, mentions and links come from facet features and `record.tags`, never from
sliced text: real posts carry misaligned byte ranges. The record-level mapping
(`post_from_record`) is shared with Jetstream, which sees records without views.
"""

from socialgood.platforms.model import Media, Metrics, Person, Post
from socialgood.platforms.normalise import SHAPE_ERRORS, hashtag, link, parse_iso, unique
from socialgood.platforms.report import item_place, placed
from socialgood.platforms.values import count

NAME = "bluesky"
LABEL = "Bluesky API responses (searchPosts, getAuthorFeed, getPostThread)"
PLATFORM_NAME = "Bluesky"
PLATFORM = "bluesky"
MAPPER_VERSION = 1
# A large (or cut off) response saved as one document is read post by post.
STREAM_KEYS = ("posts", "feed")

_TAG = "app.bsky.richtext.facet#tag"
_MENTION = "app.bsky.richtext.facet#mention"
_LINK = "app.bsky.richtext.facet#link"
_REPOST_REASON = "app.bsky.feed.defs#reasonRepost"
_POST_COLLECTION = "/app.bsky.feed.post/"
NO_METRICS = Metrics()  # Jetstream records carry no counts
_HANDLE_TRIM = " \t\n\r.,;:!?()[]{}<>\"'@＠"
KNOWN_POST_VIEW_FIELDS = frozenset(
    "uri cid author record indexedAt embed replyCount repostCount likeCount quoteCount "
    "bookmarkCount labels threadgate viewer $type debug".split()
)
KNOWN_RECORD_FIELDS = frozenset(
    "$type text createdAt facets reply embed langs labels tags entities via".split()
)
# A facet marks a link, mention or hashtag by byte range; some clients get it wrong.
MISPLACED_FACET = (
    "Bluesky: a link, mention or hashtag marked outside the post's text (the mark was "
    "left out, the text kept)"
)


def sniff(record):
    if not isinstance(record, dict):
        return False
    posts = record.get("posts")
    if isinstance(posts, list):
        if posts:
            return _is_post_view(posts[0])
        return record.keys() <= {"posts", "cursor", "hitsTotal"}
    feed = record.get("feed")
    if isinstance(feed, list) and feed and isinstance(feed[0], dict):
        return _is_post_view(feed[0].get("post"))
    thread = record.get("thread")
    if isinstance(thread, dict):
        return _is_post_view(thread.get("post")) or "notFound" in thread
    return _is_post_view(record)


def _is_post_view(value):
    return (
        isinstance(value, dict)
        and str(value.get("uri", "")).startswith("at://")
        and isinstance(value.get("record"), dict)
    )


def parse(record, report, line=None):
    if not isinstance(record, dict):
        report.skip("Bluesky: line is not a JSON object", line)
        return
    posts = {}  # uri -> Post: a post shown many times in one response is read once
    yielded = set()
    for view, repost_reason, place in _post_views(record, report, line):
        post = posts.get(view.get("uri"))
        if post is None:
            try:
                post = post_from_view(view, report)
            except SHAPE_ERRORS as error:
                reason = f"Bluesky: malformed post ({type(error).__name__})"
                report.skip(reason, item_place(line, place))
                continue
            if post is None:
                report.skip("Bluesky: post without a usable date", item_place(line, place))
                continue
            posts[post.platform_id] = post
        # The original before its repost, whose text is the original's: the pseudonymiser
        # replaces in the copy the names it replaced in the original.
        if post.platform_id not in yielded:
            yielded.add(post.platform_id)
            yield post
        if repost_reason is not None:
            repost = _repost(post, repost_reason, report)
            if repost is not None and repost.platform_id not in yielded:
                yielded.add(repost.platform_id)
                yield repost


def _post_views(record, report, line):
    """(postView, reasonRepost or None, place) for every post in the response, its place
    that of its item in `posts` or `feed` (report.item_place); none in a thread, a tree."""
    if "posts" in record:
        for place, view in placed(record["posts"] or ()):
            yield view, None, place
    elif "feed" in record:
        for place, item in placed(record["feed"] or ()):
            reason = item.get("reason")
            is_repost = isinstance(reason, dict) and reason.get("$type") == _REPOST_REASON
            yield item["post"], reason if is_repost else None, place
            context = item.get("reply") or {}
            for key in ("parent", "root"):
                if _is_post_view(context.get(key)):
                    yield context[key], None, place
    elif "thread" in record:
        stack = [record["thread"]]
        while stack:  # iterative: threads can be 1000 levels deep
            node = stack.pop()
            if not isinstance(node, dict):
                continue
            if _is_post_view(node.get("post")):
                yield node["post"], None, None
                stack.append(node.get("parent"))
                stack.extend(node.get("replies") or ())
            elif node.get("notFound") or node.get("blocked"):
                report.warn("Bluesky: thread posts not found or blocked (kept as references)")
    elif _is_post_view(record):
        yield record, None, None
    else:
        report.skip("Bluesky: not a Bluesky API response", line)


def post_from_view(view, report):
    """A Post from an AppView postView (record plus its rendered `embed` view)."""
    unknown = view.keys() - KNOWN_POST_VIEW_FIELDS
    for key in unknown:
        report.unknown(f"postView.{key}")
    author = view.get("author") or {}
    bookmarks = count(view.get("bookmarkCount"))
    return post_from_record(
        view["uri"],
        view["record"],
        report,
        author=Person(
            id=author.get("did"),
            handle=author.get("handle"),
            display_name=author.get("displayName") or None,
        ),
        embed_view=view.get("embed"),
        indexed_at=view.get("indexedAt"),
        # count(): a tool's "1.2K" leaves the count out, not the post (it can't be stored).
        metrics=Metrics(
            likes=count(view.get("likeCount")),
            reposts=count(view.get("repostCount")),
            replies=count(view.get("replyCount")),
            quotes=count(view.get("quoteCount")),
            other={} if bookmarks is None else {"bookmarks": bookmarks},
        ),
        raw=view,
    )


def post_from_record(
    uri, record, report, author, embed_view=None, indexed_at=None, metrics=NO_METRICS, raw=None
):
    """A Post from an app.bsky.feed.post record; None when it carries no usable date."""
    unknown = record.keys() - KNOWN_RECORD_FIELDS
    for key in unknown:
        report.unknown(f"record.{key}")
    created = parse_iso(record.get("createdAt"), report) or parse_iso(indexed_at, report)
    if created is None:
        return None
    did, _, rkey = uri[5:].partition(_POST_COLLECTION)
    text = record.get("text") or ""
    tags, mentions, links = _facets(record.get("facets"), text, report)
    tags.extend(record.get("tags") or ())
    embed = record.get("embed") or {}
    quote_of, media, embed_link = _embed(embed, embed_view or {}, did)
    if embed_link:
        links.append(embed_link)
    reply = record.get("reply") or {}
    reply_to = (reply.get("parent") or {}).get("uri")
    langs = record.get("langs")
    return Post(
        platform="bluesky",
        platform_id=uri,
        created_at=created,
        author=author,
        text=text,
        url=f"https://bsky.app/profile/{did}/post/{rkey}" if rkey else None,
        lang=langs[0] if langs else None,
        kind="reply" if reply_to else "quote" if quote_of else "post",
        reply_to=reply_to,
        quote_of=quote_of,
        thread_root=(reply.get("root") or {}).get("uri"),
        hashtags=unique(hashtag(tag) for tag in tags if isinstance(tag, str) and tag.strip()),
        mentions=tuple(mentions),
        links=unique(link(url) for url in links if isinstance(url, str)),
        media=media,
        metrics=metrics,
        raw=raw if raw is not None else record,
    )


def _facets(facets, text, report):
    """Tags, mentions and link URLs from facet features (lists, to be extended).

    Features are used whatever the byte range says; the range is only needed to show
    a mention's handle, and a range outside the text is counted as misaligned.
    """
    tags, mentions, links = [], [], []
    if not facets:
        return tags, mentions, links
    encoded = text.encode()
    for facet in facets:
        byte_range = _byte_range(facet.get("index"), len(encoded))
        if byte_range is None:
            report.warn(MISPLACED_FACET)
        for feature in facet.get("features") or ():
            kind = feature.get("$type")
            if kind == _TAG:
                tags.append(feature.get("tag"))
            elif kind == _LINK:
                links.append(feature.get("uri"))
            elif kind == _MENTION:
                handle = None
                if byte_range is not None:
                    shown = encoded[byte_range[0] : byte_range[1]]
                    handle = shown.decode(errors="replace").strip(_HANDLE_TRIM) or None
                mentions.append(Person(id=feature.get("did"), handle=handle))
    return tags, mentions, links


def _byte_range(index, size):
    """(start, end) when the facet's UTF-8 byte range lies within the text, else None."""
    if not isinstance(index, dict):
        return None
    start, end = index.get("byteStart"), index.get("byteEnd")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= size:
        return start, end
    return None


def _embed(embed, view, did):
    """(quote_of, media, external link) from the record embed and its view, if any."""
    kind = embed.get("$type")
    if kind == "app.bsky.embed.recordWithMedia":
        quoted = ((embed.get("record") or {}).get("record") or {}).get("uri")
        media = _media(embed.get("media") or {}, view.get("media") or {}, did)
        external = _external(embed.get("media") or {})
    elif kind == "app.bsky.embed.record":
        quoted = (embed.get("record") or {}).get("uri")
        media, external = (), None
    else:
        quoted = None
        media = _media(embed, view, did)
        external = _external(embed)
    if quoted is not None and _POST_COLLECTION not in quoted:
        quoted = None  # an embedded feed, list or starter pack is not a quote
    return quoted, media, external


def _external(embed):
    if embed.get("$type") != "app.bsky.embed.external":
        return None
    return (embed.get("external") or {}).get("uri")


def _media(embed, view, did):
    kind = embed.get("$type")
    if kind == "app.bsky.embed.images":
        shown = view.get("images") or ()
        return tuple(
            _image(image, shown[i] if i < len(shown) else {}, did, "thumb")
            for i, image in enumerate(embed.get("images") or ())
        )
    if kind == "app.bsky.embed.gallery":
        shown = view.get("items") or ()
        return tuple(
            _image(item, shown[i] if i < len(shown) else {}, did, "thumbnail")
            for i, item in enumerate(embed.get("items") or ())
        )
    if kind == "app.bsky.embed.video":
        ratio = embed.get("aspectRatio") or {}
        return (
            Media(
                type="video",
                url=view.get("playlist"),
                alt_text=embed.get("alt") or None,
                preview_url=view.get("thumbnail"),
                width=ratio.get("width"),
                height=ratio.get("height"),
            ),
        )
    return ()


def _image(image, shown, did, thumb_key):
    """An image from the record (alt, aspect ratio) joined with its view (CDN URLs).

    Without a view (Jetstream) the URLs follow the app's CDN pattern for the blob.
    """
    ratio = image.get("aspectRatio") or {}
    url, preview = shown.get("fullsize"), shown.get(thumb_key)
    if url is None:
        cid = ((image.get("image") or {}).get("ref") or {}).get("$link")
        if cid:
            url = f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg"
            preview = f"https://cdn.bsky.app/img/feed_thumbnail/plain/{did}/{cid}@jpeg"
    return Media(
        type="image",
        url=url,
        alt_text=image.get("alt") or None,
        preview_url=preview,
        width=ratio.get("width"),
        height=ratio.get("height"),
    )


def _repost(post, reason, report):
    """The reposter's `repost` Post for a feed item shown because of #reasonRepost."""
    by = reason.get("by") or {}
    reposted_at = parse_iso(reason.get("indexedAt"), report)
    if not by.get("did") or reposted_at is None:
        report.skip("Bluesky: repost without reposter or time")
        return None
    # reasonRepost.uri (the repost record) is recent; older responses lack it
    platform_id = reason.get("uri") or f"{post.platform_id}#repost-by-{by['did']}"
    return Post(
        platform="bluesky",
        platform_id=platform_id,
        created_at=reposted_at,
        author=Person(id=by["did"], handle=by.get("handle"), display_name=by.get("displayName")),
        text=post.text,
        lang=post.lang,
        kind="repost",
        repost_of=post.platform_id,
        hashtags=post.hashtags,
        links=post.links,
        media=post.media,
        raw=reason,
    )
