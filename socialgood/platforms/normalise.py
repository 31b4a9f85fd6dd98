"""Small value normalisers every parser needs: UTC timestamps, hashtags, links.

They sit on the hot path of every import (tens of thousands of calls a second), so
they avoid urllib/strptime and take fast paths for the common ASCII and UTC cases.
"""

import unicodedata
from datetime import UTC, datetime, timedelta

from socialgood.platforms.model import Link

_MONTHS = {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "May": 5,
    "Jun": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}


# X's codes for no language or none detected, and for posts of only media, mentions,
# hashtags or cashtags: not languages.
_X_NO_LANGUAGE = frozenset({"und", "zxx", "qme", "qam", "qct", "qht", "qst"})


def x_language(code):
    return None if code in _X_NO_LANGUAGE else code


# A post's link that names no one: X sends "/i/web/status/<id>" on to the post, whoever
# wrote it (the author's handle would only be pseudonymised again).
X_POST_URL = "https://x.com/i/web/status/"


def id_text(value):
    """An id as text (platforms send strings; some tools write numbers), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def newest_versions(posts):
    """X posts, one per platform_id: of an edited tweet's versions (one post, under its
    first version's id), the newest, whose own link holds the highest id."""
    newest = {}
    for post in posts:
        kept = newest.setdefault(post.platform_id, post)
        if kept is not post and _version(post) > _version(kept):
            newest[post.platform_id] = post
    return list(newest.values())


def _version(post):
    version = post.url.removeprefix(X_POST_URL) if post.url else ""
    return len(version), version


def x_post_url(post_id):
    return f"{X_POST_URL}{post_id}"


# What a record of an unexpected shape raises in a parser or in `protect`: a number
# where text belongs, a list for an object, a count too large for any integer, a share
# of a share nested deeper than Python recurses (a JSON document's items may be). Each
# parser catches these per post, so one odd post costs that post, not its page.
SHAPE_ERRORS = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    ArithmeticError,
    RecursionError,
)


def as_utc(moment, report=None):
    """An aware UTC datetime; a zone-less one is taken as UTC (and counted)."""
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        if report is not None:
            report.warn("timestamps without a time zone, taken as UTC")
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_iso(value, report=None):
    """An ISO 8601 timestamp as aware UTC, or None when it is missing or not a date."""
    if not value or not isinstance(value, str):
        return None
    try:
        # A valid time can still be out of range in UTC ("0001-01-01T00:00:00+01:00").
        return as_utc(datetime.fromisoformat(value), report)
    except (ValueError, OverflowError):
        return None


def from_epoch(seconds):
    """Epoch seconds (int, float or a numeric string) as aware UTC, or None."""
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_twitter_date(value):
    """`Wed Oct 10 20:19:24 +0000 2018` (X v1.1) as aware UTC, or None.

    Hand-parsed because strptime is an order of magnitude slower and this runs per tweet.
    """
    try:
        _, month, day, clock, offset, year = value.split()
        hour, minute, second = clock.split(":")
        moment = datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
        if offset != "+0000":
            sign = -1 if offset[0] == "-" else 1
            moment -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        return moment
    except (AttributeError, ValueError, KeyError, IndexError):
        return None


def hashtag(tag):
    """A hashtag as stored: NFC, lower-cased, without surrounding whitespace."""
    if tag.isascii():
        return tag.strip().lower()
    return unicodedata.normalize("NFC", tag.strip()).lower()


# Threads people are fediverse accounts, name@threads.net: so Mastodon shows them, and
# so their profile links (threads.com/@name) are pseudonymised. Written so, a person is
# one pseudonym in a Threads capture or table, a Mastodon timeline and a link.
THREADS_ACCOUNT_DOMAIN = "threads.net"


def threads_account(username):
    """A Threads username as the fediverse account it is."""
    return username if "@" in username else f"{username}@{THREADS_ACCOUNT_DOMAIN}"


def unique(values):
    """A tuple of the values without repeats, in first-seen order (values are hashable)."""
    return tuple(dict.fromkeys(values))


def domain(url):
    """The host part of a URL, lower-cased, without user info, port or `www.`."""
    start = url.find("://")
    if start < 0:
        return ""
    host = url[start + 3 :]
    for stop in "/?#":
        cut = host.find(stop)
        if cut >= 0:
            host = host[:cut]
    host = host.rpartition("@")[2].partition(":")[0].lower()
    return host[4:] if host.startswith("www.") else host


def link(url):
    return Link(url=url, domain=domain(url))


def unescape_entities(text):
    """X escapes only &, < and > in tweet text; undo exactly those (&amp; last)."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
