"""X/Twitter API v1.1 tweets (legacy archives), as JSON Lines or a JSON array (§5.3).

Records: one tweet, a list of tweets, or a search response `{statuses, search_metadata}`.
Text precedence: `extended_tweet.full_text` > `full_text` > `text`, with the entities
that belong to it. A retweet becomes a `repost` with the original's content, and the
nested original (`retweeted_status`) is yielded as a post of its own. A quoted tweet
(`quoted_status`) is only referenced. Every version of an edited tweet is one post,
known by its first version's id (an archive's `edit_info`, the API's `edit_history`).
"""

from socialgood.platforms.model import Media, Metrics, Person, Post
from socialgood.platforms.normalise import (
    SHAPE_ERRORS,
    hashtag,
    id_text,
    link,
    newest_versions,
    parse_twitter_date,
    unescape_entities,
    unique,
    x_language,
    x_post_url,
)
from socialgood.platforms.report import item_place, placed
from socialgood.platforms.values import count

NAME = "twitter-v1"
LABEL = "X/Twitter API v1.1 JSON"
PLATFORM_NAME = "X"
PLATFORM = "x"
# 2: the post's own link names no one (x.com/i/web/status/<id>)
# 3: an edited tweet is one post, under its first version's id
# 4: mentioned people keep their display names (replaced in the text too); a retweet's
#    original comes before it
MAPPER_VERSION = 4

_MEDIA_TYPES = {"photo": "image", "video": "video", "animated_gif": "gif"}


def sniff(record):
    if isinstance(record, list):
        return bool(record) and _is_tweet(record[0])
    if isinstance(record, dict) and isinstance(record.get("statuses"), list):
        return bool(record["statuses"]) and _is_tweet(record["statuses"][0])
    return _is_tweet(record)


def _is_tweet(value):
    return isinstance(value, dict) and "id_str" in value and isinstance(value.get("user"), dict)


def parse(record, report, line=None):
    if isinstance(record, dict) and isinstance(record.get("statuses"), list):
        tweets = record["statuses"]
    elif isinstance(record, list):
        tweets = record
    else:
        tweets = [record]
    found = []
    for place, tweet in placed(tweets):
        if not _is_tweet(tweet):
            if isinstance(tweet, dict) and "delete" in tweet:
                report.skip("X: delete notice (not a tweet)")
            else:
                report.skip("X: not a v1.1 tweet", item_place(line, place))
            continue
        try:
            posts = _posts(tweet)
        except SHAPE_ERRORS as error:
            report.skip(f"X: malformed tweet ({type(error).__name__})", item_place(line, place))
            continue
        for post in posts:
            if post is None:
                report.skip("X: tweet without a usable date", item_place(line, place))
            else:
                found.append(post)
    yield from newest_versions(found)


def _posts(tweet):
    original = tweet.get("retweeted_status")
    if not _is_tweet(original):
        return (post_from_tweet(tweet, tweet),)
    # The original first: the pseudonymiser replaces in the retweet's copy of its text the
    # names it replaced in the original.
    return (post_from_tweet(original, original), post_from_tweet(tweet, original))


def first_version(tweet, tweet_id):
    """The id of the first version of an edited tweet (§5.2, §9.4), else its own."""
    edit = tweet.get("edit_info")
    if isinstance(edit, dict):
        later = edit.get("edit")  # in an archive, a later version names the first
        first = later.get("initialTweetId") if isinstance(later, dict) else None
    else:
        history = tweet.get("edit_history")
        first = history.get("initial_tweet_id") if isinstance(history, dict) else None
    return id_text(first) or id_text(tweet_id) or tweet_id


def post_from_tweet(tweet, content):
    """The Post for `tweet`, its text, entities and media taken from `content`, or None
    without a usable date.

    `content` is the tweet itself, or for a retweet the original.
    """
    created = parse_twitter_date(tweet.get("created_at"))
    if created is None:
        return None
    extended = content.get("extended_tweet") or {}
    text = extended.get("full_text") or content.get("full_text") or content.get("text") or ""
    entities = extended.get("entities") or content.get("entities") or {}
    media = (
        extended.get("extended_entities") or content.get("extended_entities") or entities or {}
    ).get("media") or ()
    user = tweet["user"]
    tweet_id = tweet["id_str"]
    original = tweet.get("retweeted_status")
    repost_of = None
    if isinstance(original, dict) and original.get("id_str"):
        repost_of = first_version(original, original["id_str"])
    reply_to = tweet.get("in_reply_to_status_id_str")
    quote_of = tweet.get("quoted_status_id_str")
    quoted = tweet.get("quoted_status")
    if isinstance(quoted, dict) and quoted.get("id_str"):  # the version quoted, at hand
        quote_of = first_version(quoted, quoted["id_str"])
    handle = user.get("screen_name")
    lang = content.get("lang")
    return Post(
        platform="x",
        platform_id=first_version(tweet, tweet_id),
        created_at=created,
        author=Person(id=user.get("id_str"), handle=handle, display_name=user.get("name")),
        text=unescape_entities(text),
        url=x_post_url(tweet_id),
        lang=x_language(lang),
        kind="repost" if repost_of else "reply" if reply_to else "quote" if quote_of else "post",
        reply_to=reply_to,
        quote_of=quote_of,
        repost_of=repost_of,
        hashtags=unique(hashtag(tag["text"]) for tag in entities.get("hashtags", ())),
        # With their names: a tweet that mentions someone often names them too.
        mentions=tuple(
            Person(
                id=mention.get("id_str"),
                handle=mention.get("screen_name"),
                display_name=mention.get("name") or None,
            )
            for mention in entities.get("user_mentions", ())
        ),
        links=unique(
            link(url.get("expanded_url") or url["url"]) for url in entities.get("urls", ())
        ),
        media=tuple(_media(item) for item in media),
        metrics=Metrics(
            likes=_count(tweet.get("favorite_count")),
            reposts=_count(tweet.get("retweet_count")),
            replies=_count(tweet.get("reply_count")),
            quotes=_count(tweet.get("quote_count")),
        ),
        raw=tweet,
    )


def _count(value):
    """Counts and sizes are ints, but strings in X archives; none past what a count can
    be (values.count)."""
    if value is None or isinstance(value, int):
        return count(value)
    try:
        return count(int(value))
    except ValueError:
        return None


def _media(item):
    kind = _MEDIA_TYPES.get(item.get("type"), "other")
    still = item.get("media_url_https") or item.get("media_url")
    url = still
    if kind in ("video", "gif"):
        variants = [
            v
            for v in (item.get("video_info") or {}).get("variants") or ()
            if v.get("content_type") == "video/mp4"
        ]
        if variants:
            url = max(variants, key=lambda variant: variant.get("bitrate") or 0)["url"]
    large = (item.get("sizes") or {}).get("large") or {}
    return Media(
        type=kind,
        url=url,
        alt_text=item.get("ext_alt_text") or None,
        preview_url=still if url != still else None,
        width=_count(large.get("w")),
        height=_count(large.get("h")),
    )
