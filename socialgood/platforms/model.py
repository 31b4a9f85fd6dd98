"""The common post model: one frozen record for every platform.

Parsers build these from raw payloads with the original identifiers in them; the
importer pseudonymises them (socialgood.privacy) before anything is written.
Field names are the export names: `socialgood export --format ndjson` writes them as is.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

KINDS = ("post", "reply", "quote", "repost", "comment")
# The platforms a post may come from, as stored, and as people write them.
PLATFORM_LABELS = {
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "reddit": "Reddit",
    "x": "X (Twitter)",
    "youtube": "YouTube",
    "telegram": "Telegram",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "other": "Other or unknown",
}
PLATFORMS = tuple(PLATFORM_LABELS)


class Person(msgspec.Struct, frozen=True, gc=False):
    """An author or a mentioned person as the platform identifies them.

    `id` is the platform's stable user id (X user id, Bluesky DID, Mastodon account
    URI or acct, Reddit username, YouTube channel id). `handle` is what people type.
    After pseudonymisation both hold the pseudonym and `display_name` is None.
    """

    id: str | None = None
    handle: str | None = None
    display_name: str | None = None


class Media(msgspec.Struct, frozen=True, gc=False):
    type: str  # image, video, gif, audio, other
    url: str | None = None
    alt_text: str | None = None
    preview_url: str | None = None
    width: int | None = None
    height: int | None = None


class Link(msgspec.Struct, frozen=True, gc=False):
    url: str  # expanded where the payload gives it
    domain: str = ""


class Metrics(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None
    other: dict[str, int] = {}


class Post(msgspec.Struct, frozen=True, gc=False):
    platform: str
    platform_id: str  # globally stable id; Mastodon: the status `uri`
    created_at: datetime  # aware, UTC
    author: Person
    text: str = ""
    url: str | None = None
    lang: str | None = None
    kind: str = "post"
    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    thread_root: str | None = None
    hashtags: tuple[str, ...] = ()  # lower-cased, NFC, from structure where it exists
    mentions: tuple[Person, ...] = ()
    links: tuple[Link, ...] = ()
    media: tuple[Media, ...] = ()
    metrics: Metrics = Metrics()
    community: str | None = None  # subreddit, Telegram chat, YouTube video
    raw: dict | None = None  # the source object; kept only encrypted, only on opt-in
