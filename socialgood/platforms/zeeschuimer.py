"""Zeeschuimer / 4CAT NDJSON: one captured item per line in an envelope.

    {"id", "item_id", "timestamp_collected" (epoch ms), "source_platform" ("tiktok.com"),
     "source_platform_url", "source_url", "user_agent", "data": {the platform's own JSON}}

`data` is what the browser received from the platform's web app, so each platform has
its own mapper. Supported: X (GraphQL tweet results), TikTok (feed items), Instagram
(API v1 media items), Threads (its web app's posts, shaped like Instagram's) and
LinkedIn (feed updates). Items from other platforms are counted as skipped.

One module, several platforms: each Post carries its own `platform`, so PLATFORM is None.
Unknown fields are reported for the envelope only: the platforms' web JSON has
hundreds of volatile keys, and reporting each would drown the report.
"""

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

from socialgood.platforms.model import Media, Metrics, Person, Post
from socialgood.platforms.normalise import (
    from_epoch,
    hashtag,
    id_text,
    link,
    parse_twitter_date,
    threads_account,
    unescape_entities,
    unique,
    x_language,
    x_post_url,
)
from socialgood.platforms.textscan import at_mentions_in, hashtags_in
from socialgood.platforms.values import count

NAME = "zeeschuimer"
LABEL = "Zeeschuimer / 4CAT NDJSON (X, TikTok, Instagram, Threads, LinkedIn)"
PLATFORM_NAME = "Zeeschuimer"
PLATFORM = None  # varies per item: "x", "tiktok", "instagram", "threads", "linkedin"
# 2: the post's own link names no one (x.com/i/web/status/<id>)
# 3: an edited tweet is one post, under its first version's id
# 4: Threads and LinkedIn items; X's mentioned people keep their display names
MAPPER_VERSION = 4

ENVELOPE_FIELDS = {
    "id", "item_id", "timestamp_collected", "source_platform", "source_platform_url",
    "source_url", "user_agent", "data", "last_updated",
}  # fmt: skip
X_MEDIA_TYPES = {"photo": "image", "video": "video", "animated_gif": "gif"}


def sniff(record):
    return (
        isinstance(record, dict)
        and "source_platform" in record
        and isinstance(record.get("data"), dict)
        and ("item_id" in record or "timestamp_collected" in record)
    )


def parse(record, report, line=None):
    if not sniff(record):
        report.skip("not a Zeeschuimer item", line)
        return
    for key in record.keys() - ENVELOPE_FIELDS:
        report.unknown(f"zeeschuimer.{key}")
    source = str(record["source_platform"]).lower().removeprefix("www.")
    mapper = MAPPERS.get(source)
    if mapper is None:
        report.skip(f"Zeeschuimer items from {source} are not supported yet", line)
        return
    yield from mapper(record["data"], report, line)


# X ---------------------------------------------------------------------------


def x_posts(data, report, line):
    """A GraphQL tweet result; a retweet yields the original too, then the repost row."""
    tweet = x_tweet(data)
    if tweet is None:
        report.skip("X tweet is unavailable (tombstone or withheld)", line)
        return
    retweeted = x_tweet((tweet["legacy"].get("retweeted_status_result") or {}).get("result"))
    if retweeted is not None:
        original = x_post(retweeted, report, line)
        if original is not None:
            yield original
    post = x_post(tweet, report, line, retweeted)
    if post is not None:
        yield post


def x_tweet(result):
    """The tweet inside a result, unwrapping "TweetWithVisibilityResults"; None if gone."""
    if not isinstance(result, dict):
        return None
    if isinstance(result.get("tweet"), dict):
        result = result["tweet"]
    return result if isinstance(result.get("legacy"), dict) else None


def _first_version(tweet, tweet_id):
    """An edited tweet's first version's id: all its versions are one post (§5.2)."""
    control = tweet.get("edit_control")
    if not isinstance(control, dict):
        return tweet_id
    first = id_text(control.get("initial_tweet_id"))
    versions = control.get("edit_tweet_ids")
    if not first and isinstance(versions, list) and versions:
        first = id_text(versions[0])
    return first or id_text(tweet_id) or tweet_id


def x_post(tweet, report, line, retweeted=None):
    legacy = tweet["legacy"]
    created_at = parse_twitter_date(legacy.get("created_at"))
    tweet_id = tweet.get("rest_id") or legacy.get("id_str")
    if created_at is None or not tweet_id:
        report.skip("X tweet without id or valid created_at", line)
        return None
    user = x_user(tweet)
    # A retweet's own text, entities and media are a truncated copy of the original's.
    source = retweeted or tweet
    source_legacy = source["legacy"]
    note = (((source.get("note_tweet") or {}).get("note_tweet_results") or {}).get("result")) or {}
    text = unescape_entities(note.get("text") or source_legacy.get("full_text") or "")
    # A long post's entities cover its whole text; the legacy ones only the first 280
    # characters, with a link to the rest ("x.com/i/web/status/…") in place of its links.
    entities = (note.get("entity_set") if note.get("text") else None) or (
        source_legacy.get("entities") or {}
    )
    reply_to = legacy.get("in_reply_to_status_id_str")
    quoted_result = (tweet.get("quoted_status_result") or {}).get("result") or {}
    quote_of = legacy.get("quoted_status_id_str") or quoted_result.get("rest_id")
    quoted = x_tweet(quoted_result)
    if quoted is not None and quoted.get("rest_id"):  # the version quoted, at hand
        quote_of = _first_version(quoted, quoted["rest_id"])
    if retweeted is not None:
        kind = "repost"
    elif reply_to:
        kind = "reply"
    elif quote_of:
        kind = "quote"
    else:
        kind = "post"
    lang = legacy.get("lang")
    return Post(
        platform="x",
        platform_id=_first_version(tweet, tweet_id),
        created_at=created_at,
        author=user,
        text=text,
        url=x_post_url(tweet_id),
        lang=x_language(lang),
        kind=kind,
        reply_to=reply_to,
        quote_of=quote_of,
        repost_of=_first_version(retweeted, retweeted.get("rest_id")) if retweeted else None,
        thread_root=legacy.get("conversation_id_str"),
        hashtags=unique(hashtag(tag["text"]) for tag in entities.get("hashtags") or []),
        # With their names, as the pseudonymiser replaces those in the text too.
        mentions=tuple(
            Person(
                id=mention.get("id_str"),
                handle=mention.get("screen_name"),
                display_name=mention.get("name") or None,
            )
            for mention in entities.get("user_mentions") or []
        ),
        links=tuple(
            link(url.get("expanded_url") or url["url"])
            for url in entities.get("urls") or []
            if url.get("expanded_url") or url.get("url")
        ),
        media=tuple(x_media(source_legacy)),
        metrics=Metrics(
            likes=count(legacy.get("favorite_count")),
            reposts=count(legacy.get("retweet_count")),
            replies=count(legacy.get("reply_count")),
            quotes=count(legacy.get("quote_count")),
            views=count((tweet.get("views") or {}).get("count")),
            other=counts(bookmarks=legacy.get("bookmark_count")),
        ),
        raw=tweet,
    )


def x_user(tweet):
    user = ((tweet.get("core") or {}).get("user_results") or {}).get("result") or {}
    # Since 2025 screen_name and name moved from user.legacy to user.core.
    names = {**(user.get("legacy") or {}), **(user.get("core") or {})}
    return Person(
        id=user.get("rest_id"),
        handle=names.get("screen_name"),
        display_name=names.get("name"),
    )


def x_media(legacy):
    for item in (legacy.get("extended_entities") or {}).get("media") or []:
        size = item.get("original_info") or {}
        kind = X_MEDIA_TYPES.get(item.get("type"), "other")
        if kind == "image":
            url, preview = item.get("media_url_https"), None
        else:
            variants = (item.get("video_info") or {}).get("variants") or []
            mp4 = [v for v in variants if v.get("content_type") == "video/mp4"]
            best = max(mp4, key=lambda v: v.get("bitrate") or 0, default={})
            url, preview = best.get("url"), item.get("media_url_https")
        yield Media(
            type=kind,
            url=url,
            alt_text=item.get("ext_alt_text") or None,
            preview_url=preview,
            width=size.get("width"),
            height=size.get("height"),
        )


# TikTok ------------------------------------------------------------------------


def tiktok_posts(item, report, line):
    created_at = from_epoch(item.get("createTime"))
    if created_at is None or not item.get("id"):
        report.skip("TikTok item without id or valid createTime", line)
        return
    author = item.get("author")
    if isinstance(author, dict):
        person = Person(
            id=author.get("id"), handle=author.get("uniqueId"), display_name=author.get("nickname")
        )
    else:  # embedded page JSON: the author is just the handle
        person = Person(id=item.get("authorId"), handle=author, display_name=item.get("nickname"))
    text = item.get("desc") or ""
    extras = [extra for extra in item.get("textExtra") or [] if isinstance(extra, dict)]
    tags = [extra.get("hashtagName") for extra in extras]
    tags += [challenge.get("title") for challenge in item.get("challenges") or []]
    stats = item.get("stats") or {}
    lang = item.get("textLanguage")
    yield Post(
        platform="tiktok",
        platform_id=str(item["id"]),
        created_at=created_at,
        author=person,
        text=text,
        url=f"https://www.tiktok.com/@{person.handle}/video/{item['id']}"
        if person.handle
        else None,
        lang=None if lang in (None, "", "un") else lang,
        hashtags=unique(hashtag(tag) for tag in tags if tag),
        mentions=tuple(
            Person(id=extra.get("userId") or None, handle=extra["userUniqueId"])
            for extra in extras
            if extra.get("userUniqueId")
        ),
        media=tuple(tiktok_media(item)),
        metrics=Metrics(
            likes=count(stats.get("diggCount")),
            reposts=count(stats.get("shareCount")),
            replies=count(stats.get("commentCount")),
            views=count(stats.get("playCount")),
            other=counts(saves=stats.get("collectCount")),
        ),
        raw=item,
    )


def tiktok_media(item):
    images = ((item.get("imagePost") or {}).get("images")) or []
    if images:  # a photo post ("photo mode")
        for image in images:
            urls = (image.get("imageURL") or {}).get("urlList") or [None]
            yield Media(
                type="image",
                url=urls[0],
                width=image.get("imageWidth"),
                height=image.get("imageHeight"),
            )
        return
    video = item.get("video") or {}
    if video.get("playAddr") or video.get("downloadAddr") or video.get("cover"):
        yield Media(
            type="video",
            url=video.get("playAddr") or video.get("downloadAddr") or None,
            preview_url=video.get("cover") or None,
            width=video.get("width"),
            height=video.get("height"),
        )


# Instagram ---------------------------------------------------------------------


def instagram_posts(node, report, line):
    """An API v1 media item. Instagram marks no tags up in captions: tags and @mentions
    come from the caption by regex."""
    if "shortcode" in node and "taken_at" not in node:
        report.skip("Instagram items in the older GraphQL shape are not supported yet", line)
        return
    created_at = from_epoch(node.get("taken_at"))
    media_id = node.get("pk") or str(node.get("id") or "").split("_")[0]
    if created_at is None or not media_id:
        report.skip("Instagram item without id or valid taken_at", line)
        return
    user = node.get("user") or {}
    text = (node.get("caption") or {}).get("text") or ""
    code = node.get("code")
    path = "reel" if node.get("product_type") == "clips" else "p"
    yield Post(
        platform="instagram",
        platform_id=str(media_id),
        created_at=created_at,
        author=Person(
            id=str(user["pk"]) if user.get("pk") else None,
            handle=user.get("username"),
            display_name=user.get("full_name") or None,
        ),
        text=text,
        url=f"https://www.instagram.com/{path}/{code}/" if code else None,
        hashtags=hashtags_in(text),
        mentions=tuple(Person(handle=name) for name in at_mentions_in(text)),
        media=tuple(instagram_media(node, user)),
        metrics=Metrics(
            likes=count(node.get("like_count")),
            replies=count(node.get("comment_count")),
            views=count(node.get("play_count") or node.get("view_count")),
        ),
        raw=node,
    )


def instagram_media(node, user):
    # Instagram's own alt text names the account's owner: "Photo by Ana Example on …".
    # As "by @username" it is pseudonymised like any mention.
    full_name, username = user.get("full_name"), user.get("username")
    for item in node.get("carousel_media") or [node]:
        video = (item.get("video_versions") or [None])[0]
        image = ((item.get("image_versions2") or {}).get("candidates") or [None])[0]
        if video:
            yield Media(
                type="video",
                url=video.get("url"),
                preview_url=image.get("url") if image else None,
                width=video.get("width"),
                height=video.get("height"),
            )
        elif image:
            yield Media(
                type="image",
                url=image.get("url"),
                alt_text=_caption(item.get("accessibility_caption"), full_name, username),
                width=image.get("width"),
                height=image.get("height"),
            )


def _caption(caption, full_name, username):
    # Instagram's own alt text names the poster ("Photo by Quilla Marrow on …", or
    # "Photo shared by quillamarrow on …" without a full name): written as the
    # @mention it is, the pseudonymiser replaces it.
    if caption and username:
        for name in (full_name, username):
            if name:
                caption = re.sub(rf"\bby {re.escape(name)}(?![\w.])", f"by @{username}", caption)
    return caption or None


# Threads -----------------------------------------------------------------------

THREADS_LINK_SHIM = "l.threads.com", "l.threads.net"


def threads_posts(post, report, line):
    """A Threads post; a repost yields the original first, then the repost row, and a
    quote the quoted post first."""
    share = (post.get("text_post_app_info") or {}).get("share_info") or {}
    reposted, quoted, original = share.get("reposted_post"), share.get("quoted_post"), None
    if isinstance(reposted, dict):
        posts = list(threads_posts(reposted, report, line))
        yield from posts
        if posts and posts[-1].platform_id == _threads_id(reposted):
            original = posts[-1]
    elif isinstance(quoted, dict):
        yield from threads_posts(quoted, report, line)
    post = threads_post(post, report, line, reposted, original, quoted)
    if post is not None:
        yield post


def threads_post(item, report, line, reposted=None, original=None, quoted=None):
    """One post; for a repost (`reposted`, the original as captured, and `original`, as
    read) the original's text and marks, as an X retweet has them."""
    created_at = from_epoch(item.get("taken_at"))
    post_id = _threads_id(item)
    if created_at is None or not post_id:
        report.skip("Threads post without id or valid taken_at", line)
        return None
    user = item.get("user") or {}
    info = item.get("text_post_app_info") or {}
    text = (item.get("caption") or {}).get("text") or ""
    fragments = [
        fragment
        for fragment in (info.get("text_fragments") or {}).get("fragments") or []
        if isinstance(fragment, dict)
    ]
    if fragments:
        hashtags, mentions, links = _threads_fragments(fragments)
    else:  # a capture without fragments: the caption's own marks
        hashtags = hashtags_in(text)
        mentions = tuple(threads_person({"username": name}) for name in at_mentions_in(text))
        links = ()
    preview = (info.get("link_preview_attachment") or {}).get("url")
    if isinstance(preview, str) and preview:
        links = unique((*links, link(_unshimmed(preview))))
    media = tuple(instagram_media(item, user))
    if isinstance(reposted, dict):
        kind = "repost"
        if original is not None:
            text, hashtags, mentions = original.text, original.hashtags, original.mentions
            links, media = original.links, original.media
    elif isinstance(quoted, dict):
        kind = "quote"
    elif info.get("is_reply") or info.get("reply_to_author"):
        kind = "reply"  # the capture names the author it answers, not the post
    else:
        kind = "post"
    return Post(
        platform="threads",
        platform_id=post_id,
        created_at=created_at,
        author=threads_person(user),
        text=text,
        # The short form names no one (the long one is threads.com/@name/post/<code>).
        url=f"https://www.threads.com/t/{item['code']}" if item.get("code") else None,
        kind=kind,
        quote_of=_threads_id(quoted) if kind == "quote" else None,
        repost_of=_threads_id(reposted) if isinstance(reposted, dict) else None,
        hashtags=hashtags,
        mentions=mentions,
        links=links,
        media=media,
        metrics=Metrics(
            likes=count(item.get("like_count")),
            reposts=count(info.get("repost_count")),
            replies=count(info.get("direct_reply_count")),
            quotes=count(info.get("quote_count")),
        ),
        raw=item,
    )


def threads_person(user):
    username = user.get("username")
    return Person(
        id=id_text(user.get("pk")) or id_text(user.get("id")),
        handle=threads_account(username) if username else None,
        display_name=user.get("full_name") or None,
    )


def _threads_id(item):
    # "id" is "<post pk>_<author pk>"
    return id_text(item.get("pk")) or str(item.get("id") or "").split("_")[0] or None


def _threads_fragments(fragments):
    """(hashtags, mentions, links) as the post marks them up: a topic tag (one word or
    several), @mentions of accounts, and links with their full address."""
    tags, people, links = [], [], []
    for fragment in fragments:
        mentioned = (fragment.get("mention_fragment") or {}).get("mentioned_user")
        address = (fragment.get("link_fragment") or {}).get("uri")
        if isinstance(mentioned, dict) and mentioned.get("username"):
            people.append(threads_person(mentioned))
        elif isinstance(address, str) and address:
            links.append(link(_unshimmed(address)))
        elif fragment.get("tag_fragment") or fragment.get("fragment_type") == "text_app_tag":
            tag = str(fragment.get("plaintext") or "").lstrip("#＃")
            if tag.strip():
                tags.append(hashtag(tag))
    return unique(tags), tuple(people), unique(links)


def _unshimmed(url):
    """The address behind Threads' link shim (l.threads.com/?u=<address>&e=…)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[" : kept as it came
        return url
    if parts.hostname in THREADS_LINK_SHIM:
        target = parse_qs(parts.query).get("u")
        if target and target[0].startswith(("http://", "https://")):
            return target[0]
    return url


# LinkedIn ----------------------------------------------------------------------

_ACTIVITY = re.compile(r"urn:li:activity:(\d+)")
# A profile name the pseudonymiser's @mentions take whole.
_MENTIONABLE = re.compile(r"[a-z0-9_](?:[a-z0-9_.\-]*[a-z0-9_])?")
# LinkedIn's ids begin with the moment they were made: milliseconds since 1970 in the
# bits above the lowest 22. Its pages show only "2d", "3mo"; the id tells the minute.
ID_TIME_SHIFT = 22
LINKEDIN_FIRST_POST = datetime(2003, 5, 5, tzinfo=UTC)


def linkedin_posts(item, report, line):
    """A feed update; a reshare yields the shared post first."""
    shared, original = item.get("resharedUpdate"), None
    if isinstance(shared, dict) and shared.get("actor"):
        posts = list(linkedin_posts(shared, report, line))
        yield from posts
        if posts and posts[-1].platform_id == _activity(shared):
            original = posts[-1]
    shared = shared if isinstance(shared, dict) else None
    post = linkedin_post(item, report, line, shared, original)
    if post is not None:
        yield post


def linkedin_post(item, report, line, shared=None, original=None):
    """One update; a reshare without words of its own carries what it shares, as an X
    retweet does."""
    activity = _activity(item)
    if activity is None:
        report.skip("LinkedIn item that is not a post (no activity id)", line)
        return None
    created_at = from_epoch((int(activity) >> ID_TIME_SHIFT) / 1000)
    if created_at is None or created_at < LINKEDIN_FIRST_POST:
        report.skip("LinkedIn post whose id holds no date", line)
        return None
    actor = item.get("actor") or {}
    author = _linkedin_person(
        (actor.get("navigationContext") or {}).get("actionTarget"),
        (actor.get("name") or {}).get("text"),
    )
    if author is None:  # an advert or a suggestion has no profile behind it
        report.skip("LinkedIn post without its author's profile", line)
        return None
    words = (item.get("commentary") or {}).get("text") or {}
    text = words.get("text") if isinstance(words.get("text"), str) else ""
    marks = [mark for mark in words.get("attributes") or [] if isinstance(mark, dict)]
    marks += [mark for mark in words.get("attributesV2") or [] if isinstance(mark, dict)]
    hashtags, mentions, named = _linkedin_marks(marks)
    if not hashtags:
        hashtags = hashtags_in(text)
    text = _mentions_as_handles(text, named)
    shared_id = _activity(shared) if shared is not None else None
    kind = "post"
    if shared_id:
        kind = "quote" if text.strip() else "repost"
    content = item.get("content") or {}
    links, media = tuple(_linkedin_links(content)), tuple(_linkedin_media(content))
    if kind == "repost" and original is not None:
        text, hashtags, mentions = original.text, original.hashtags, original.mentions
        links, media = original.links, original.media
    social = item.get("*socialDetail") or {}
    totals = social.get("*totalSocialActivityCounts") or {
        # Its other shape: the pages of likes and comments, and a share total.
        "numLikes": ((social.get("likes") or {}).get("paging") or {}).get("total"),
        "numComments": ((social.get("comments") or {}).get("paging") or {}).get("total"),
        "numShares": social.get("totalShares"),
    }
    return Post(
        platform="linkedin",
        platform_id=activity,
        created_at=created_at,
        author=author,
        text=text,
        url=f"https://www.linkedin.com/feed/update/urn:li:activity:{activity}/",  # no name
        kind=kind,
        quote_of=shared_id if kind == "quote" else None,
        repost_of=shared_id if kind == "repost" else None,
        hashtags=hashtags,
        mentions=mentions,
        links=links,
        media=media,
        metrics=Metrics(
            likes=count(totals.get("numLikes")),
            replies=count(totals.get("numComments")),
            reposts=count(totals.get("numShares")),
        ),
        raw=item,
    )


def _activity(item):
    """The post's own id: update urns hold it ("urn:li:fsd_update:(urn:li:activity:<id>,…)"),
    and an aggregate of several holds the first's."""
    for value in (
        (item.get("updateMetadata") or {}).get("urn"),
        item.get("preDashEntityUrn"),
        item.get("entityUrn"),
        item.get("id"),
    ):
        if isinstance(value, str) and (found := _ACTIVITY.search(value)):
            return found[1]
    return None


def _linkedin_person(profile_link, name):
    """The person (or organisation) a profile link names, as the pseudonymiser reads
    linkedin.com/in/<name> in texts; None without one."""
    if not isinstance(profile_link, str):
        return None
    try:
        parts = [unquote(part) for part in urlsplit(profile_link).path.split("/") if part]
    except ValueError:
        return None
    if len(parts) < 2 or not parts[1]:
        return None
    kind, handle = parts[0].lower(), parts[1].lower()
    if kind not in ("in", "company", "school", "showcase"):
        return None
    if kind != "in":  # not a person's: its own namespace
        handle = f"{kind}/{handle}"
    return Person(handle=handle, display_name=name if isinstance(name, str) and name else None)


def _linkedin_marks(marks):
    """(hashtags, mentions, [(start, length, handle, name)]) of the commentary's marks,
    in either shape LinkedIn has sent (attributes, attributesV2)."""
    tags, people, named = [], [], []
    for mark in marks:
        detail = mark.get("detailData") or {}
        tag = mark.get("*hashtag") or detail.get("*hashtag") or mark
        if mark.get("type") == "HASHTAG" or "*hashtag" in detail:
            urn = tag.get("trackingUrn") if isinstance(tag, dict) else None
            if isinstance(urn, str) and urn.rpartition(":")[2]:
                tags.append(hashtag(unquote(urn.rpartition(":")[2])))
            continue
        profile = mark.get("*miniProfile") or detail.get("*profileFullName")
        company = mark.get("*miniCompany") or detail.get("*companyName")
        if isinstance(profile, dict) and profile.get("publicIdentifier"):
            name = " ".join(
                part for part in (profile.get("firstName"), profile.get("lastName")) if part
            )
            person = _linkedin_person(f"/in/{profile['publicIdentifier']}", name)
        elif isinstance(company, dict) and company.get("universalName"):
            person = _linkedin_person(f"/company/{company['universalName']}", company.get("name"))
        else:
            continue
        if person is None:
            continue
        people.append(person)
        named.append((mark.get("start"), mark.get("length"), person))
    return unique(tags), unique(people), named


def _mentions_as_handles(text, named):
    """The text with each person's mention LinkedIn marks written "@<profile name>", so
    the pseudonymiser replaces it like any @mention: LinkedIn shows a mention as the
    person's name, often the first name alone, which a name rule can't tell from a
    word. A profile name an @mention can't hold (not ASCII) is written as their full
    name, which the pseudonymiser replaces too. Marks count UTF-16 units; a mark that
    doesn't fall on the person's name is left as it is."""
    units = text.encode("utf-16-le") if text else b""
    for start, length, person in sorted(named, key=_mark_start, reverse=True):
        if not (isinstance(length, int) and length > 0 and _mark_start((start,)) >= 0):
            continue
        name = (person.display_name or "").split()
        shown = units[2 * start : 2 * (start + length)].decode("utf-16-le", "replace")
        if "/" in person.handle or not shown.strip():  # an organisation: its name stays
            continue
        if not all(word in map(str.lower, name) for word in shown.lower().split()):
            continue
        if _MENTIONABLE.fullmatch(person.handle):
            written = f"@{person.handle}"
        elif len(name) > 1:
            written = " ".join(name)
        else:
            continue
        units = units[: 2 * start] + written.encode("utf-16-le") + units[2 * (start + length) :]
    return units.decode("utf-16-le", "replace") if units else text


def _mark_start(mark):
    start = mark[0]
    return start if isinstance(start, int) else -1


def _linkedin_links(content):
    for part in (content, content.get("articleComponent") or {}):
        target = (part.get("navigationContext") or {}).get("actionTarget")
        if isinstance(target, str) and target.startswith(("http://", "https://")):
            yield link(target)
            return


def _linkedin_media(content):
    for image in content.get("images") or []:
        vector = ((image.get("attributes") or [{}])[0] or {}).get("vectorImage") or {}
        url = _largest(vector)
        if url:
            yield Media(type="image", url=url, alt_text=image.get("accessibilityText") or None)
    # A video's details come in the content itself or in one of its video components.
    videos = content.get("linkedInVideoComponent"), content.get("externalVideoComponent")
    for part in (content, *(component or {} for component in videos)):
        video = part.get("*videoPlayMetadata") or {}
        if video:
            yield Media(type="video", preview_url=_largest(video.get("thumbnail") or {}))


def _largest(vector):
    # LinkedIn lists an image's sizes under one root address.
    artifacts = [a for a in vector.get("artifacts") or [] if isinstance(a, dict)]
    if not vector.get("rootUrl") or not artifacts:
        return None
    best = max(artifacts, key=lambda artifact: count(artifact.get("width")) or 0)
    return f"{vector['rootUrl']}{best.get('fileIdentifyingUrlPathSegment') or ''}"


def counts(**values):
    """Metrics.other without the counts the payload did not give."""
    return {name: number for name, value in values.items() if (number := count(value)) is not None}


MAPPERS = {
    "twitter.com": x_posts,
    "x.com": x_posts,
    "tiktok.com": tiktok_posts,
    "instagram.com": instagram_posts,
    "threads.net": threads_posts,  # Zeeschuimer's name for its Threads module
    "threads.com": threads_posts,
    "linkedin.com": linkedin_posts,
}
