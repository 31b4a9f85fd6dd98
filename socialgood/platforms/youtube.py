"""YouTube Data API v3 comments: `commentThreads.list` and `comments.list` responses.

Every YouTube comment is kind "comment". The choices behind the other fields:
- `reply_to` is the parent comment's id for a reply and empty for a top-level
  comment: the video is not a post in our store, so pointing at it would leave a
  dangling reference. The video id is in `community` instead.
- `thread_root` is the thread id (the top-level comment's id), for the top-level
  comment too, so a whole thread can be selected with one value.
- `url` is https://www.youtube.com/watch?v=<video>&lc=<comment id>, which opens the
  video with that comment highlighted.
- Hashtags and @mentions are found by regex: YouTube marks neither up.
- `authorDisplayName` is an "@handle" on current channels: the handle is kept
  without "@". Older channels show a name instead, kept as the display name.
"""

import html
import re

from socialgood.platforms.model import Metrics, Person, Post
from socialgood.platforms.normalise import parse_iso
from socialgood.platforms.report import item_place, placed
from socialgood.platforms.textscan import (
    YOUTUBE_AT_MENTION,
    at_mentions_in,
    hashtags_in,
    links_in,
)
from socialgood.platforms.values import count

NAME = "youtube"
LABEL = "YouTube Data API v3 comments (commentThreads.list, comments.list)"
PLATFORM_NAME = "YouTube"
PLATFORM = "youtube"
MAPPER_VERSION = 1
# A large (or cut off) response saved as one document is read item by item.
STREAM_KEYS = ("items",)

RESPONSE_KINDS = ("youtube#commentThreadListResponse", "youtube#commentListResponse")
ITEM_KINDS = ("youtube#commentThread", "youtube#comment")

KNOWN_SNIPPET_FIELDS = {
    "authorDisplayName", "authorProfileImageUrl", "authorChannelUrl", "authorChannelId",
    "channelId", "videoId", "textDisplay", "textOriginal", "canRate", "viewerRating",
    "likeCount", "publishedAt", "updatedAt", "parentId", "moderationStatus",
}  # fmt: skip
HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
HTML_TAG = re.compile(r"<[^>]+>")


def sniff(record):
    return isinstance(record, dict) and record.get("kind") in RESPONSE_KINDS + ITEM_KINDS


def parse(record, report, line=None):
    if not isinstance(record, dict):
        report.skip("not a YouTube API object", line)
        return
    kind = record.get("kind")
    items = record.get("items") or [] if kind in RESPONSE_KINDS else [record]
    for place, item in placed(items):
        item_kind = item.get("kind") if isinstance(item, dict) else None
        if item_kind == "youtube#commentThread":
            yield from parse_thread(item, report, line, place)
        elif item_kind == "youtube#comment":
            post = parse_comment(item, report, line, place)
            if post is not None:
                yield post
        else:
            reason = "YouTube item is neither a comment thread nor a comment"
            report.skip(reason, item_place(line, place))


def parse_thread(thread, report, line, place=None):
    """The posts of a thread, the `place`th item (report.item_place) of the record at `line`."""
    snippet = thread.get("snippet") or {}
    top = snippet.get("topLevelComment")
    if not isinstance(top, dict):
        report.skip("YouTube comment thread without its top-level comment", item_place(line, place))
        return
    thread_id = thread.get("id") or top.get("id")
    video_id = snippet.get("videoId")
    post = parse_comment(
        top,
        report,
        line,
        place,
        video_id=video_id,
        thread_id=thread_id,
        reply_count=snippet.get("totalReplyCount"),
    )
    if post is not None:
        yield post
    # Only a subset of the replies comes with the thread; comments.list has them all.
    for reply in (thread.get("replies") or {}).get("comments") or []:
        post = parse_comment(reply, report, line, place, video_id=video_id, thread_id=thread_id)
        if post is not None:
            yield post


def parse_comment(
    comment, report, line, place=None, video_id=None, thread_id=None, reply_count=None
):
    snippet = comment.get("snippet") if isinstance(comment, dict) else None
    if not isinstance(snippet, dict) or not comment.get("id"):
        report.skip("YouTube comment without id or snippet", item_place(line, place))
        return None
    created_at = parse_iso(snippet.get("publishedAt"))
    if created_at is None:
        report.skip("YouTube comment without a valid publishedAt", item_place(line, place))
        return None
    for key in snippet.keys() - KNOWN_SNIPPET_FIELDS:
        report.unknown(f"youtube.comment.snippet.{key}")

    comment_id = comment["id"]
    parent_id = snippet.get("parentId")
    video_id = snippet.get("videoId") or video_id
    text = comment_text(snippet)
    return Post(
        platform=PLATFORM,
        platform_id=comment_id,
        created_at=created_at,
        author=author(snippet),
        text=text,
        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else None,
        kind="comment",
        reply_to=parent_id,
        # Reply ids are "<thread id>.<suffix>", and parentId is the thread id.
        thread_root=parent_id or thread_id or comment_id,
        hashtags=hashtags_in(text),
        mentions=tuple(Person(handle=name) for name in at_mentions_in(text, YOUTUBE_AT_MENTION)),
        links=tuple(links_in(text)),
        metrics=Metrics(likes=count(snippet.get("likeCount")), replies=count(reply_count)),
        community=video_id,
        raw=comment,
    )


def comment_text(snippet):
    """textOriginal is plain text; textDisplay is HTML unless plainText was requested."""
    if isinstance(snippet.get("textOriginal"), str):
        return snippet["textOriginal"]
    display = snippet.get("textDisplay") or ""
    return html.unescape(HTML_TAG.sub("", HTML_BREAK.sub("\n", display)))


def author(snippet):
    channel = (snippet.get("authorChannelId") or {}).get("value")
    name = snippet.get("authorDisplayName") or None
    if name and name.startswith("@"):
        return Person(id=channel, handle=name[1:])
    return Person(id=channel, display_name=name)
