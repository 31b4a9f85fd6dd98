"""Mastodon Status objects (platforms.md §2): timeline pages, context and search responses.

Records: a page (a JSON array of Status, as one line or items of a top-level array),
one Status, a `/context` response `{ancestors, descendants}` or a search response
`{statuses: [...]}`.

`platform_id` is the status `uri`, the same on every server. Authors and mentions are
keyed on the full `user@domain` acct, lower-cased, so one account seen from two servers
is one person. A boost yields a `repost` Post (with the original's content) and the
original itself. `content` is HTML: the text is its plain form with paragraph and line
breaks; links are the anchors that are neither mentions nor hashtags, plus `card.url`.
"""

import html
import re

from socialgood.platforms.model import Media, Metrics, Person, Post
from socialgood.platforms.normalise import SHAPE_ERRORS, domain, hashtag, link, parse_iso, unique
from socialgood.platforms.report import item_place, placed
from socialgood.platforms.values import count

NAME = "mastodon"
LABEL = "Mastodon API statuses (timelines, context, search)"
PLATFORM_NAME = "Mastodon"
PLATFORM = "mastodon"
MAPPER_VERSION = 2

_MEDIA_TYPES = {"image": "image", "video": "video", "gifv": "gif", "audio": "audio"}
KNOWN_STATUS_FIELDS = frozenset(
    "id uri url created_at edited_at language account content text spoiler_text sensitive "
    "visibility in_reply_to_id in_reply_to_account_id reblog quote poll card media_attachments "
    "mentions tags emojis application replies_count reblogs_count favourites_count quotes_count "
    "favourited reblogged muted bookmarked pinned filtered quote_approval local_only "
    "content_type".split()
)


def sniff(record):
    if isinstance(record, list):
        return bool(record) and _is_status(record[0])
    if not isinstance(record, dict):
        return False
    if "ancestors" in record and "descendants" in record:
        return True
    statuses = record.get("statuses")
    if isinstance(statuses, list):
        return bool(statuses) and _is_status(statuses[0])
    return _is_status(record)


def _is_status(value):
    return (
        isinstance(value, dict)
        and "uri" in value
        and "content" in value
        and isinstance(value.get("account"), dict)
    )


PARENT_UNKNOWN = (
    "Mastodon: reply whose parent is not in the same response, left unlinked (servers "
    "number posts each their own way; collect the thread's context to link it)"
)
# A Mastodon server's own posts, under the account's name or (4.4 on) its number: their
# ids are the ones the server answers with.
_LOCAL_STATUS_URI = re.compile(r"(https://[^/]+/(?:ap/)?users/[A-Za-z0-9_]+/statuses/)[0-9]+")


def parse(record, report, line=None):
    statuses, thread_root = _statuses(record)
    if statuses is None:
        report.skip("Mastodon: not a Mastodon status or page", line)
        return
    uri_by_id = {}
    for status in statuses:
        if isinstance(status, dict) and "id" in status and "uri" in status:
            uri_by_id[status["id"]] = status["uri"]
            original = status.get("reblog")
            if isinstance(original, dict) and "id" in original:
                uri_by_id[original["id"]] = original.get("uri")
    seen = set()
    for place, status in placed(statuses):
        try:
            posts = _posts(status, uri_by_id, thread_root, report)
        except SHAPE_ERRORS as error:
            reason = f"Mastodon: malformed status ({type(error).__name__})"
            report.skip(reason, item_place(line, place))
            continue
        for post in posts:
            if post is None:
                report.skip("Mastodon: status without a usable date", item_place(line, place))
            elif post.platform_id not in seen:
                seen.add(post.platform_id)
                yield post


def _statuses(record):
    """(list of Status, thread root uri or None); (None, None) when it isn't Mastodon."""
    if isinstance(record, list):
        return record, None
    if not isinstance(record, dict):
        return None, None
    if "ancestors" in record and "descendants" in record:
        ancestors = record["ancestors"] or []
        root = None
        if ancestors and not ancestors[0].get("in_reply_to_id"):
            root = ancestors[0].get("uri")
        return ancestors + (record["descendants"] or []), root
    if isinstance(record.get("statuses"), list):
        return record["statuses"], None
    if _is_status(record):
        return [record], None
    return None, None


def _posts(status, uri_by_id, thread_root, report):
    original = status.get("reblog")
    if not original:
        return (_post(status, uri_by_id, thread_root, report),)
    shared = _post(original, uri_by_id, None, report)
    if shared is None:
        return (None,)
    booster = status["account"]
    boosted_at = parse_iso(status.get("created_at"), report)
    boost = None
    if boosted_at is not None:
        boost = Post(
            platform="mastodon",
            platform_id=status["uri"],
            created_at=boosted_at,
            author=_person(booster),
            text=shared.text,
            url=status.get("url") or status["uri"],
            lang=shared.lang,
            kind="repost",
            repost_of=shared.platform_id,
            hashtags=shared.hashtags,
            mentions=shared.mentions,
            links=shared.links,
            media=shared.media,
            metrics=_metrics(status),
            raw=status,
        )
    # The original first: the pseudonymiser replaces in the boost's copy of its text the
    # names it replaced in the original.
    return (shared, boost)


def _post(status, uri_by_id, thread_root, report):
    unknown = status.keys() - KNOWN_STATUS_FIELDS
    for key in unknown:
        report.unknown(f"status.{key}")
    created = parse_iso(status.get("created_at"), report)
    if created is None:
        return None
    uri = status["uri"]
    text, links = html_to_text(status.get("content") or "")
    spoiler = status.get("spoiler_text")
    if spoiler:  # the content warning is part of what readers see first
        text = f"{spoiler}\n\n{text}" if text else spoiler
    reply_to = None
    parent_id = status.get("in_reply_to_id")
    if parent_id:
        # Ids are local to the server that answered; the parent's uri is global. When
        # the parent is not in this response, it is unknown: a local id would name
        # another post on every other server.
        reply_to = uri_by_id.get(parent_id) or _local_parent_uri(status, parent_id)
        if reply_to is None:
            report.warn(PARENT_UNKNOWN)
    quote = status.get("quote")
    quote_of = None
    if isinstance(quote, dict) and quote.get("state") == "accepted":
        quoted = quote.get("quoted_status")
        if isinstance(quoted, dict):
            quote_of = quoted.get("uri")
    card = status.get("card")
    if isinstance(card, dict) and card.get("url"):
        links.append(card["url"])
    return Post(
        platform="mastodon",
        platform_id=uri,
        created_at=created,
        author=_person(status["account"]),
        text=text,
        url=status.get("url") or uri,
        lang=status.get("language"),
        kind="reply" if parent_id else "quote" if quote_of else "post",
        reply_to=reply_to,
        quote_of=quote_of,
        thread_root=thread_root if thread_root != uri else None,
        hashtags=unique(hashtag(tag["name"]) for tag in status.get("tags") or ()),
        mentions=tuple(_mention(mention) for mention in status.get("mentions") or ()),
        links=unique(link(href) for href in links),
        media=tuple(_media(item) for item in status.get("media_attachments") or ()),
        metrics=_metrics(status),
        raw=status,
    )


def _local_parent_uri(status, parent_id):
    """The uri of a parent that is not in the response, when it is the author's own post
    on the server that answered (a thread continued on another page). That server
    numbers its own posts by the ids in their uris, and one account's uris all have one
    form: "https://<server>/users/<name>/statuses/<id>" (or /ap/users/<number>/ since
    Mastodon 4.4)."""
    account = status["account"]
    local = _LOCAL_STATUS_URI.fullmatch(status["uri"])
    if (
        local is None
        or "@" in (account.get("acct") or "@")
        or account.get("id") is None
        or str(status.get("in_reply_to_account_id")) != str(account["id"])
        or not str(parent_id).isdigit()
    ):
        return None
    return f"{local[1]}{parent_id}"


def full_acct(acct, profile_url):
    """`user@domain` for an acct that may lack its domain (local accounts)."""
    if "@" in acct:
        return acct
    host = domain(profile_url or "")
    return f"{acct}@{host}" if host else acct


def _person(account):
    acct = full_acct(account.get("acct") or account.get("username") or "", _profile(account))
    return Person(
        id=acct.lower() or None,
        handle=acct or None,
        display_name=account.get("display_name") or None,
    )


def _mention(mention):
    acct = full_acct(mention.get("acct") or mention.get("username") or "", mention.get("url"))
    return Person(id=acct.lower() or None, handle=acct or None)


def _profile(account):
    return account.get("url") or account.get("uri")


def _media(item):
    original = (item.get("meta") or {}).get("original") or {}
    return Media(
        type=_MEDIA_TYPES.get(item.get("type"), "other"),
        url=item.get("url") or item.get("remote_url"),
        alt_text=item.get("description") or None,
        preview_url=item.get("preview_url"),
        width=original.get("width"),
        height=original.get("height"),
    )


def _metrics(status):
    # count(): a tool's "1.2K" leaves the count out, not the post (it can't be stored).
    return Metrics(
        likes=count(status.get("favourites_count")),
        reposts=count(status.get("reblogs_count")),
        replies=count(status.get("replies_count")),
        quotes=count(status.get("quotes_count")),
    )


def html_to_text(content):
    """Plain text of a status' HTML and the targets of its links, not of its mentions
    or hashtags.

    Servers sanitise `content` to a few tags (p, br, a, span and some inline markup)
    with quoted attributes and escaped text, so tag patterns read it exactly, at five
    times the speed of html.parser (which took 80% of the import time).
    Mastodon 4.5 adds a `<p class="quote-inline">RE: <link></p>` fallback for old
    clients to quoting posts; it repeats the quote link and is left out.
    """
    if "<" not in content:
        return html.unescape(content), []
    if "quote-inline" in content:
        content = _QUOTE_INLINE.sub("", content)
    links = []
    for attributes in _ANCHOR.findall(content):
        found = {
            key.lower(): value or other for key, value, other in _ATTRIBUTE.findall(attributes)
        }
        # Mastodon marks both "mention" (hashtags: "mention hashtag"); Pleroma and
        # Akkoma "hashtag" only, Misskey only rel="tag".
        marks = f"{found.get('class', '')} {found.get('rel', '')}".split()
        if found.get("href") and not {"mention", "hashtag", "tag"} & set(marks):
            links.append(html.unescape(found["href"]))
    text = _LINE_BREAK.sub("\n", content)
    text = _BLOCK_START.sub("\n\n", text)
    text = _ANY_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return text.strip(), links


_QUOTE_INLINE = re.compile(r"<p[^>]*quote-inline[^>]*>.*?</p>", re.DOTALL | re.IGNORECASE)
_ANCHOR = re.compile(r"<a\s([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LINE_BREAK = re.compile(r"<(?:br|li)\b[^>]*>", re.IGNORECASE)
_BLOCK_START = re.compile(r"<(?:p|blockquote|pre|ul|ol|h[1-6])\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
