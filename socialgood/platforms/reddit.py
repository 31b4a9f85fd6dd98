"""Reddit JSON: API listings, comment pages, /api/morechildren and Pushshift/Arctic Shift dumps.

One record is any of:
- a Listing `{"kind": "Listing", "data": {"children": [{"kind": "t3"|"t1"|"more", "data"}]}}`;
- a comments page, the 2-element array `[Listing(t3), Listing(t1 tree)]`, whose comments
  nest their replies as Listings (or "" when there are none);
- an `/api/morechildren` response `{"json": {"errors": [], "data": {"things": [...]}}}`;
- a dump line: one bare `data` dict without `kind`.

Choices a researcher should know about:
- Score is net votes and fuzzed by Reddit, so it is not a like count: it goes to
  `metrics.other["score"]` and `likes` stays empty. `upvote_ratio` (0.0-1.0) is stored
  as a whole percentage, `metrics.other["upvote_ratio_pct"]`, because counts are integers.
- `more` stubs (collapsed comments) are not posts: each is counted as a skip, and the
  comments hidden behind them are summed in a warning.
- Reddit has no hashtags; we do not guess them from text. Mentions are `u/name` and
  `/u/name` found by regex, the only form Reddit has.
"""

import re

from socialgood.platforms.model import Media, Metrics, Person, Post
from socialgood.platforms.normalise import from_epoch, link, unescape_entities
from socialgood.platforms.report import item_place, placed
from socialgood.platforms.textscan import links_in
from socialgood.platforms.values import count

NAME = "reddit"
LABEL = "Reddit JSON (API listings, comment pages, Pushshift/Arctic Shift dumps)"
PLATFORM_NAME = "Reddit"
PLATFORM = "reddit"
MAPPER_VERSION = 1

SITE = "https://www.reddit.com"
GONE_AUTHORS = ("[deleted]", "[removed]")
# u/name or /u/name, but not the "/u/" inside a URL such as reddit.com/u/name.
USER_MENTION = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]+)")
# Hosts of Reddit's own media: their URL is the post's media, not a link it shares.
MEDIA_HOSTS = ("i.redd.it", "v.redd.it", "preview.redd.it")

MORE_STUB = "collapsed comments ('more' stub): fetch them with /api/morechildren"
MORE_HIDDEN = "comments hidden behind 'more' stubs and not in this file"

SHARED_FIELDS = {
    "all_awardings", "approved_at_utc", "approved_by", "archived", "associated_award",
    "author", "author_cakeday", "author_created_utc", "author_flair_background_color",
    "author_flair_css_class", "author_flair_richtext", "author_flair_template_id",
    "author_flair_text", "author_flair_text_color", "author_flair_type", "author_fullname",
    "author_is_blocked", "author_patreon_flair", "author_premium", "awarders",
    "banned_at_utc", "banned_by", "can_gild", "can_mod_post", "collapsed", "comment_type",
    "created", "created_utc", "distinguished", "downs", "edited", "gilded", "gildings",
    "id", "likes", "locked", "media_metadata", "mod_note", "mod_reason_by",
    "mod_reason_title", "mod_reports", "name", "no_follow", "num_reports", "permalink",
    "quarantine", "removal_reason", "report_reasons", "retrieved_on", "retrieved_utc",
    "saved", "score", "send_replies", "stickied", "subreddit", "subreddit_id",
    "subreddit_name_prefixed", "subreddit_type", "top_awarded_type",
    "total_awards_received", "treatment_tags", "updated_on", "ups", "user_reports",
    "_meta",
}  # fmt: skip
KNOWN_FIELDS = {
    "t3": SHARED_FIELDS | {
        "allow_live_comments", "category", "clicked", "content_categories", "contest_mode",
        "crosspost_parent", "crosspost_parent_list", "discussion_type", "domain",
        "gallery_data", "hidden", "hide_score", "is_created_from_ads_ui",
        "is_crosspostable", "is_gallery", "is_meta", "is_original_content",
        "is_reddit_media_domain", "is_robot_indexable", "is_self", "is_video",
        "link_flair_background_color", "link_flair_css_class", "link_flair_richtext",
        "link_flair_template_id", "link_flair_text", "link_flair_text_color",
        "link_flair_type", "media", "media_embed", "media_only", "num_comments",
        "num_crossposts", "over_18", "parent_whitelist_status", "pinned", "poll_data",
        "post_hint", "preview", "pwls", "removed_by", "removed_by_category",
        "secure_media", "secure_media_embed", "selftext", "selftext_html", "spoiler",
        "subreddit_subscribers", "suggested_sort", "thumbnail", "thumbnail_height",
        "thumbnail_width", "title", "upvote_ratio", "url", "url_overridden_by_dest",
        "view_count", "visited", "whitelist_status", "wls",
    },
    "t1": SHARED_FIELDS | {
        "body", "body_html", "collapsed_because_crowd_control", "collapsed_reason",
        "collapsed_reason_code", "controversiality", "depth", "is_submitter", "link_author",
        "link_id", "link_permalink", "link_title", "link_url", "num_comments", "over_18",
        "parent_id", "replies", "score_hidden", "unrepliable_reason",
    },
}  # fmt: skip


def sniff(record):
    if isinstance(record, list):
        # A comments page: [Listing(t3), Listing(t1 tree)].
        return bool(record) and all(is_listing(item) for item in record)
    if not isinstance(record, dict):
        return False
    if is_listing(record):
        return True
    if isinstance(record.get("json"), dict):
        return isinstance((record["json"].get("data") or {}).get("things"), list)
    return "subreddit" in record and "created_utc" in record and dump_kind(record) is not None


def is_listing(record):
    return (
        isinstance(record, dict)
        and record.get("kind") == "Listing"
        and isinstance(record.get("data"), dict)
    )


def parse(record, report, line=None):
    if isinstance(record, list):
        for place, listing in placed(record):
            yield from parse_listing(listing, report, item_place(line, place))
    elif not isinstance(record, dict):
        report.skip("not a Reddit JSON object", line)
    elif is_listing(record):
        yield from parse_listing(record, report, line)
    elif "json" in record:
        yield from parse_more_children(record["json"], report, line)
    elif "kind" in record and "data" in record:
        yield from parse_things([record], report, line)
    else:
        kind = dump_kind(record)
        if kind is None:
            report.skip("Reddit item is neither a submission nor a comment", line)
        else:
            post = parse_item(kind, record, report, line)
            if post is not None:
                yield post


def parse_listing(listing, report, line):
    if not is_listing(listing):
        report.skip("not a Reddit Listing", line)
        return
    yield from parse_things(listing["data"].get("children") or [], report, line)


def parse_more_children(response, report, line):
    if response.get("errors"):
        report.skip("Reddit API returned errors for /api/morechildren", line)
    things = (response.get("data") or {}).get("things") or []
    yield from parse_things(things, report, line)


def parse_things(things, report, line):
    """Posts from a list of things, depth first, each comment before its replies.

    An explicit stack rather than recursion: comment trees can be deeper than
    Python's recursion limit. A reply is placed (report.item_place) where the thing it
    answers is.
    """
    stack = list(placed(things))[::-1]
    while stack:
        place, thing = stack.pop()
        if not isinstance(thing, dict) or not isinstance(thing.get("data"), dict):
            report.skip("malformed Reddit thing", item_place(line, place))
            continue
        kind, data = thing.get("kind"), thing["data"]
        if kind == "more":
            report.skip(MORE_STUB, item_place(line, place))
            hidden = data.get("count")
            if isinstance(hidden, int) and hidden > 0:
                report.warn(MORE_HIDDEN, count=hidden)
            continue
        if kind not in ("t1", "t3"):
            report.skip(f"Reddit {kind} things are not posts", item_place(line, place))
            continue
        post = parse_item(kind, data, report, line, place)
        if post is not None:
            yield post
        replies = data.get("replies")
        if is_listing(replies):
            children = replies["data"].get("children") or []
            stack.extend((place, reply) for reply in reversed(children))


def dump_kind(data):
    """t3 or t1 for a dump line, which has no `kind`: from its fullname, else its fields."""
    name = data.get("name")
    if isinstance(name, str) and name[:3] in ("t1_", "t3_"):
        return name[:2]
    if "body" in data or "parent_id" in data:
        return "t1"
    if "title" in data or "selftext" in data:
        return "t3"
    return None


def parse_item(kind, data, report, line, place=None):
    # created_utc is a float in the API; old dumps also have ints and strings.
    created_at = from_epoch(data.get("created_utc"))
    if created_at is None:
        report.skip("Reddit item without a valid created_utc", item_place(line, place))
        return None
    platform_id = data.get("name") or (f"{kind}_{data['id']}" if data.get("id") else None)
    if not platform_id:
        report.skip("Reddit item without id or name", item_place(line, place))
        return None
    for key in data.keys() - KNOWN_FIELDS[kind]:
        report.unknown(f"reddit.{kind}.{key}")

    # Fetched without raw_json=1, Reddit escapes &, < and > in every text field;
    # unescape_entities undoes exactly those, and finds nothing to undo in raw_json text.
    if kind == "t3":
        title = unescape_entities(data.get("title") or "")
        selftext = _markdown_text(data.get("selftext"))
        text = f"{title}\n\n{selftext}" if selftext else title
        crosspost_parent = data.get("crosspost_parent")
        fields = {
            "kind": "repost" if crosspost_parent else "post",
            "repost_of": crosspost_parent,
            "links": tuple(submission_links(data, text)),
            "media": tuple(submission_media(data)),
            "metrics": submission_metrics(data),
        }
    else:
        text = _markdown_text(data.get("body"))
        fields = {
            "kind": "comment",
            "reply_to": data.get("parent_id"),
            "thread_root": data.get("link_id"),
            "links": tuple(links_in(text)),
            "media": tuple(metadata_media(data.get("media_metadata"), None)),
            "metrics": Metrics(other=votes(data)),
        }

    return Post(
        platform=PLATFORM,
        platform_id=platform_id,
        created_at=created_at,
        author=author(data),
        text=text,
        url=permalink_url(kind, data),
        mentions=mentions_in(text),
        community=data.get("subreddit"),
        raw=without_replies(data),
        **fields,
    )


def author(data):
    name = data.get("author")
    if not name or name in GONE_AUTHORS:
        return Person(None, None)
    return Person(id=data.get("author_fullname") or name, handle=name)


def mentions_in(text):
    names = {}
    for match in USER_MENTION.finditer(text):
        name = match.group(1)
        names.setdefault(name.lower(), name)
    return tuple(Person(handle=name) for name in names.values())


def permalink_url(kind, data):
    permalink = data.get("permalink")
    if permalink:
        return permalink if permalink.startswith("http") else SITE + permalink
    subreddit, item_id = data.get("subreddit"), data.get("id")
    if not (subreddit and item_id):
        return None
    if kind == "t3":
        return f"{SITE}/r/{subreddit}/comments/{item_id}/"
    link_id = data.get("link_id") or ""
    return f"{SITE}/r/{subreddit}/comments/{link_id.removeprefix('t3_')}/_/{item_id}/"


def submission_links(data, text):
    links = links_in(text)
    url = data.get("url_overridden_by_dest") or data.get("url")
    if url and not data.get("is_self") and not data.get("is_gallery"):
        url = SITE + url if url.startswith("/") else unescape_entities(url)
        shared = link(url)
        if shared.domain not in MEDIA_HOSTS and shared not in links:
            links.append(shared)
    return links


def submission_media(data):
    video = (data.get("secure_media") or data.get("media") or {}).get("reddit_video")
    if isinstance(video, dict):
        yield Media(
            type="gif" if video.get("is_gif") else "video",
            url=video.get("fallback_url"),
            preview_url=preview_source(data).get("url"),
            width=video.get("width"),
            height=video.get("height"),
        )
    elif data.get("is_gallery") or data.get("gallery_data"):
        yield from metadata_media(data.get("media_metadata"), data.get("gallery_data"))
    elif data.get("post_hint") == "image":
        source = preview_source(data)
        yield Media(
            type="image",
            url=unescape_entities(data.get("url_overridden_by_dest") or data.get("url") or "")
            or None,
            preview_url=source.get("url"),
            width=source.get("width"),
            height=source.get("height"),
        )
    elif data.get("crosspost_parent_list"):
        # A crosspost shows the original's media.
        original = data["crosspost_parent_list"][0]
        if isinstance(original, dict):
            yield from submission_media(original)


def preview_source(data):
    images = (data.get("preview") or {}).get("images") or [{}]
    source = dict(images[0].get("source") or {})
    if source.get("url"):
        source["url"] = unescape_entities(source["url"])
    return source


METADATA_TYPES = {"Image": "image", "AnimatedImage": "gif", "RedditVideo": "video"}


def metadata_media(metadata, gallery_data):
    """Gallery items in `gallery_data` order (the dict order of `media_metadata` is not
    the order people see); without gallery_data (images in comments), in dict order."""
    if not isinstance(metadata, dict):
        return
    if isinstance(gallery_data, dict):
        items = [item for item in gallery_data.get("items") or [] if isinstance(item, dict)]
    else:
        items = [{"media_id": media_id} for media_id in metadata]
    for item in items:
        meta = metadata.get(item.get("media_id"))
        if not isinstance(meta, dict) or meta.get("status", "valid") != "valid":
            continue
        source = meta.get("s") or {}
        url = source.get("u") or source.get("gif") or source.get("mp4")
        yield Media(
            type=METADATA_TYPES.get(meta.get("e"), "other"),
            url=unescape_entities(url) if url else None,
            alt_text=item.get("caption") or None,
            width=source.get("x"),
            height=source.get("y"),
        )


def submission_metrics(data):
    other = votes(data)
    ratio = data.get("upvote_ratio")
    # A share: anything else is damage (1.5e300 made a number the reader can't send).
    if isinstance(ratio, int | float) and not isinstance(ratio, bool) and 0 <= ratio <= 1:
        other["upvote_ratio_pct"] = round(ratio * 100)
    return Metrics(
        replies=count(data.get("num_comments")),
        reposts=count(data.get("num_crossposts")),
        views=count(data.get("view_count")),
        other=other,
    )


def votes(data):
    score = count(data.get("score"))
    return {} if score is None else {"score": score}


def without_replies(data):
    """The raw item without its nested replies: each reply is a post with its own raw."""
    if isinstance(data.get("replies"), dict):
        return {key: value for key, value in data.items() if key != "replies"}
    return data


def _markdown_text(value):
    """A body as readers see it: Reddit's editor writes a name's underscores as "\\_"
    (u/ana\\_ex, x.com/ana\\_ex), which would also hide the name from the pseudonymiser."""
    text = unescape_entities(value or "")
    return text.replace("\\_", "_") if "\\_" in text else text
