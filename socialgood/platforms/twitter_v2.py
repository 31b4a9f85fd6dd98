"""X/Twitter API v2 as twarc2 writes it: search pages, stream lines and flattened tweets.

Line forms (platforms.md §5.2):
- page: `{data: [tweet], includes: {users, tweets, media, places}, meta, errors?, __twarc}`
- stream: the same with `data` a single tweet
- flattened (`twarc2 flatten`): one tweet per line with `author`, `attachments.media`
  and each `referenced_tweets[]` item holding the whole referenced tweet.

Every tweet in `data` becomes a Post. A retweet becomes a `repost` whose text,
hashtags, links and media come from the original (the retweet's own text is a
truncated "RT @…"), and the original is yielded as a post of its own when the page
includes it. Quoted and replied-to tweets in `includes` are only referenced.
Partial `errors` (deleted or withheld referenced tweets) are counted as warnings.

An edit is a new tweet with an id of its own (§5.2): every version of a tweet is one
post, known by its first version's id (`edit_history_tweet_ids[0]`), and of the
versions in one page the newest is kept. References to a version the page shows are
read as references to the post.
"""

from socialgood.platforms.model import Media, Metrics, Person, Post
from socialgood.platforms.normalise import (
    SHAPE_ERRORS,
    hashtag,
    id_text,
    link,
    newest_versions,
    parse_iso,
    unescape_entities,
    unique,
    x_language,
    x_post_url,
)
from socialgood.platforms.report import item_place, placed
from socialgood.platforms.values import count

NAME = "twarc2"
LABEL = "X/Twitter API v2 (twarc2 JSONL, pages or flattened)"
PLATFORM_NAME = "X"
PLATFORM = "x"
# 2: the post's own link names no one (x.com/i/web/status/<id>)
# 3: an edited tweet is one post, under its first version's id
# 4: mentioned people keep their display names (replaced in the text too); counts
#    that are no number leave out the count, not the post
MAPPER_VERSION = 4
API_PROBLEMS = "https://api.twitter.com/2/problems/"

_KINDS = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}
_MEDIA_TYPES = {"photo": "image", "video": "video", "animated_gif": "gif"}
KNOWN_TWEET_FIELDS = frozenset(
    (
        "id text author_id created_at lang conversation_id in_reply_to_user_id referenced_tweets "
        "entities attachments public_metrics non_public_metrics organic_metrics promoted_metrics "
        "possibly_sensitive reply_settings source edit_history_tweet_ids edit_controls geo "
        "context_annotations withheld note_tweet display_text_range scopes article "
        "community_id media_metadata card_uri "
        # flattened form
        "author in_reply_to_user __twarc matching_rules"
    ).split()
)


def sniff(record):
    if not isinstance(record, dict):
        return False
    if "__twarc" in record:
        return True
    data = record.get("data")
    errors = record.get("errors")
    if data is None and isinstance(errors, list) and errors and isinstance(errors[0], dict):
        # A page of errors only, as hydrating deleted tweets gives at first.
        return str(errors[0].get("type", "")).startswith(API_PROBLEMS)
    if isinstance(data, list):
        return bool(data) and isinstance(data[0], dict) and "author_id" in data[0]
    if isinstance(data, dict):
        return "author_id" in data and "text" in data
    return "author_id" in record and "id" in record and "text" in record


def parse(record, report, line=None):
    if not isinstance(record, dict):
        report.skip("X: line is not a JSON object", line)
        return
    errors = record.get("errors")
    if errors:
        _count_errors(errors, report)
    data = record.get("data")
    if data is None:
        if "id" in record and "text" in record:  # flattened, or a bare v2 tweet
            tweets = [record]
            users = media_by_key = {}
            tweets_by_id = _inlined_references(record)
        else:
            report.skip("X: page without data (failed request)", line)
            return
    else:
        tweets = data if isinstance(data, list) else [data]
        includes = record.get("includes")
        if not isinstance(includes, dict):
            includes = {}
        # One odd entry here must not cost the page's tweets: it is left out, and a
        # tweet that needed it is read without it.
        users = _by_key(includes.get("users"), "id")
        tweets_by_id = _by_key(includes.get("tweets"), "id")
        media_by_key = _by_key(includes.get("media"), "media_key")
    first_versions = _first_versions(tweets, tweets_by_id)
    posts = []
    for place, tweet in placed(tweets):
        try:
            posts += _posts(tweet, users, tweets_by_id, media_by_key, first_versions, report)
        except SHAPE_ERRORS as error:
            report.skip(f"X: malformed tweet ({type(error).__name__})", item_place(line, place))
    yield from newest_versions(posts)


def _inlined_references(record):
    """The tweets a flattened line holds in its references, by id."""
    references = record.get("referenced_tweets")
    if not isinstance(references, list):
        return {}
    return _by_key([ref for ref in references if isinstance(ref, dict) and "text" in ref], "id")


def _first_versions(tweets, tweets_by_id):
    """{id of a later version: id of the first} for the edited tweets at hand."""
    first = {}
    for tweet in (*tweets, *tweets_by_id.values()):
        history = tweet.get("edit_history_tweet_ids") if type(tweet) is dict else None
        if type(history) is list and len(history) > 1 and id_text(history[0]):
            versions = filter(None, map(id_text, history[1:]))
            first.update((version, id_text(history[0])) for version in versions)
    return first


def _by_key(items, key):
    try:
        return {item[key]: item for item in items}
    except (TypeError, KeyError):  # rarely: only what has its key, as text
        if not isinstance(items, list):
            return {}
        return {
            item[key]: item
            for item in items
            if isinstance(item, dict) and isinstance(item.get(key), str)
        }


def _count_errors(errors, report):
    for error in errors:
        if isinstance(error, dict):
            title = error.get("title") or "error"
            what = error.get("resource_type") or "item"
            report.warn(f"X API partial error: {title} ({what})")


def _posts(tweet, users, tweets_by_id, media_by_key, first_versions, report):
    """The Post for this tweet, plus the retweeted original when it is at hand."""
    unknown = tweet.keys() - KNOWN_TWEET_FIELDS
    for key in unknown:
        report.unknown(f"tweet.{key}")
    kind = "post"
    reply_to = quote_of = repost_of = None
    original = None
    for reference in tweet.get("referenced_tweets") or ():
        ref_type = reference.get("type")
        ref_id = id_text(reference.get("id"))
        ref_id = first_versions.get(ref_id, ref_id)
        if ref_type == "retweeted":
            repost_of = ref_id
            # flattened output inlines the tweet in the reference itself
            # in the includes (by its id, written either way), or inlined (flattened)
            original = (
                tweets_by_id.get(reference.get("id"))
                or tweets_by_id.get(id_text(reference.get("id")))
                or (reference if "text" in reference else None)
            )
        elif ref_type == "replied_to":
            reply_to = ref_id
        elif ref_type == "quoted":
            quote_of = ref_id
    if repost_of:
        kind = "repost"
    elif reply_to:
        kind = "reply"
    elif quote_of:
        kind = "quote"
    content = original if original is not None else tweet
    note = content.get("note_tweet")
    if note and note.get("text"):
        text = note["text"]
        entities = note.get("entities") or content.get("entities") or {}
    else:
        text = content.get("text", "")
        entities = content.get("entities") or {}
    author = _person(tweet, users)
    tweet_id = tweet["id"]
    first_version = _first_version(tweet, tweet_id)
    conversation = tweet.get("conversation_id")
    lang = content.get("lang")
    post = Post(
        platform="x",
        platform_id=first_version,
        created_at=_created_at(tweet, report),
        author=author,
        text=unescape_entities(text),
        url=x_post_url(tweet_id),
        lang=x_language(lang),
        kind=kind,
        reply_to=reply_to,
        quote_of=quote_of,
        repost_of=repost_of,
        thread_root=conversation if conversation not in (tweet_id, first_version) else None,
        hashtags=_hashtags(entities.get("hashtags")),
        mentions=_mentions(entities.get("mentions"), users),
        links=_links(entities.get("urls")),
        media=_media(content, media_by_key),
        metrics=_metrics(tweet.get("public_metrics")),
        raw=tweet,
    )
    if original is None or not original.get("id"):
        return (post,)
    original = _without_type(original)
    # The original first: the pseudonymiser replaces in the retweet's copy of its text the
    # names it replaced in the original.
    return (*_posts(original, users, tweets_by_id, media_by_key, first_versions, report), post)


def _first_version(tweet, tweet_id):
    history = tweet.get("edit_history_tweet_ids")
    if type(history) is list and history and history[0] == tweet_id and type(tweet_id) is str:
        return tweet_id  # the usual case: never edited, or the first version itself
    first = id_text(history[0]) if isinstance(history, list) and history else None
    return first or id_text(tweet_id) or tweet_id


# The entity helpers use list comprehensions and skip empty lists: they run per tweet.


def _hashtags(tags):
    return unique([hashtag(tag["tag"]) for tag in tags]) if tags else ()


def _mentions(mentions, users):
    """The people mentioned, with their names (from the page's users; a flattened tweet
    has them in its mentions): the pseudonymiser replaces those in the text too (a tweet
    that mentions someone often names them)."""
    if not mentions:
        return ()
    return tuple(
        [
            Person(
                id=item.get("id"),
                handle=item.get("username"),
                display_name=(users.get(item.get("id")) or item).get("name") or None,
            )
            for item in mentions
        ]
    )


def _links(urls):
    if not urls:
        return ()
    return unique(
        [
            link(url.get("unwound_url") or url.get("expanded_url") or url["url"])
            for url in urls
            if "media_key" not in url  # pic.x.com links stand for the attachments
        ]
    )


def _without_type(reference):
    """A flattened reference is the tweet plus `type`; drop that key for the original."""
    if "type" not in reference:
        return reference
    return {key: value for key, value in reference.items() if key != "type"}


def _created_at(tweet, report):
    created = parse_iso(tweet.get("created_at"), report)
    if created is None:
        raise ValueError("created_at")
    return created


def _person(tweet, users):
    user = tweet.get("author") or users.get(tweet.get("author_id"))
    if user is None:
        return Person(id=tweet.get("author_id"))
    return Person(id=user.get("id"), handle=user.get("username"), display_name=user.get("name"))


def _media(tweet, media_by_key):
    attachments = tweet.get("attachments")
    if not attachments:
        return ()
    items = attachments.get("media")  # flattened
    if items is None:
        items = [
            media_by_key[key] for key in attachments.get("media_keys", ()) if key in media_by_key
        ]
    return tuple(
        Media(
            type=_MEDIA_TYPES.get(item.get("type"), "other"),
            url=item.get("url") or _best_variant(item),
            alt_text=item.get("alt_text") or None,
            preview_url=item.get("preview_image_url"),
            width=item.get("width"),
            height=item.get("height"),
        )
        for item in items
    )


def _best_variant(item):
    variants = [v for v in item.get("variants") or () if v.get("content_type") == "video/mp4"]
    if not variants:
        return None
    return max(variants, key=lambda variant: variant.get("bit_rate") or 0).get("url")


def _metrics(counts):
    if not counts:
        return Metrics()
    bookmarks = counts.get("bookmark_count")
    # count(): a tool's "1.2K" leaves the count out, not the post (it can't be stored).
    bookmarks = count(bookmarks)
    return Metrics(
        likes=count(counts.get("like_count")),
        reposts=count(counts.get("retweet_count")),
        replies=count(counts.get("reply_count")),
        quotes=count(counts.get("quote_count")),
        views=count(counts.get("impression_count")),
        other={} if bookmarks is None else {"bookmarks": bookmarks},
    )
