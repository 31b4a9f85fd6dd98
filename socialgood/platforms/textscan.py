"""Links, hashtags and @mentions found in plain text, for platforms without structure.

Reddit, YouTube, Instagram captions and CSV files give us text only, so these regexes
are the fallback. Platforms that mark entities up (X entities, Bluesky facets,
Mastodon tags) must use their structure instead.
"""

import re

from socialgood.platforms.normalise import hashtag, link

# One level of balanced parentheses is kept: Wikipedia links have them, while a
# closing parenthesis after the URL usually belongs to the sentence or to markdown.
URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+(?:\([^\s<>()]*\)[^\s<>()\[\]\"'`]*)*")
TRAILING_PUNCTUATION = ".,;:!?*_~"
MARKDOWN_ESCAPE = re.compile(r"\\([\\_*~()\[\]])")

# A tag needs a letter somewhere: "#1" or "#2024" are numbers, not tags (as on X).
HASHTAG = re.compile(r"(?<![\w&#])[#＃](\w*[^\W\d]\w*)")

# "@name" not preceded by a word character, so e-mail addresses are not mentions.
AT_MENTION = re.compile(r"(?<![\w@.])@([\w][\w.-]*)")
# YouTube handles may also hold middle dots ("@wren·ashby").
YOUTUBE_AT_MENTION = re.compile(r"(?<![\w@.])@([\w][\w.·-]*)")


def links_in(text):
    """Distinct http(s) URLs in the text, in order of appearance."""
    found = {}
    for match in URL.finditer(text or ""):
        url = MARKDOWN_ESCAPE.sub(r"\1", match.group().rstrip(TRAILING_PUNCTUATION))
        found.setdefault(url, None)
    return [link(url) for url in found]


def hashtags_in(text):
    """Distinct hashtags in the text, normalised, in order of appearance."""
    tags = {}
    for match in HASHTAG.finditer(text or ""):
        tags.setdefault(hashtag(match.group(1)), None)
    return tuple(tags)


def at_mentions_in(text, pattern=AT_MENTION):
    """Distinct "@handle" names in the text (without "@"), in order of appearance."""
    names = {}
    for match in pattern.finditer(text or ""):
        name = match.group(1).rstrip(".-·")
        if name:
            names.setdefault(name.lower(), name)
    return tuple(names.values())
