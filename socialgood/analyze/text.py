"""Words in posts: tokens, stop words per language, n-gram counts, keyword in context, highlighting.

Pure: no Django. Stop-word lists ship in ./stopwords/<language>.txt (see each file's
first line for its source); a post's words are filtered with the list for its own
language, English when the language is unknown.
"""

import html
import re
from collections import Counter
from functools import cache
from pathlib import Path

STOPWORD_DIR = Path(__file__).with_name("stopwords")
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# A word: letters/digits with inner apostrophes or hyphens; hashtags keep their "#".
TOKEN = re.compile(r"#?\w+(?:['’\-]\w+)*", re.UNICODE)
MENTION = re.compile(r"@[\w.\-]+(?:@[\w.\-]+)?")
TRAILING_PUNCTUATION = ".,;:!?)]}'\"’”"


@cache
def stopwords(language):
    """The stop words for a language code ("en", "de-AT" …); English for unknown languages."""
    base = (language or "en").split("-")[0].split("_")[0].lower()
    path = STOPWORD_DIR / f"{base}.txt"
    if not path.exists():
        path = STOPWORD_DIR / "en.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def stopword_languages():
    return sorted(path.stem for path in STOPWORD_DIR.glob("*.txt"))


def tokens(text):
    """Lower-cased words of a post, without links, @mentions or bare numbers."""
    text = MENTION.sub(" ", URL.sub(" ", text or ""))
    return [
        token.lower().replace("’", "'")
        for token in TOKEN.findall(text)
        if not token.lstrip("#").isdigit()
    ]


def count_ngrams(documents, n=1, keep_stopwords=False):
    """Counter of n-grams (words joined by spaces) over (text, language) pairs.

    An n-gram is n consecutive words of one post; with stop words removed, n-grams that
    begin or end with a stop word are left out ("of the care" is not a phrase worth
    counting, "care home" and "cost of living" are).
    """
    counts = Counter()
    for text, language in documents:
        words = tokens(text)
        stop = frozenset() if keep_stopwords else stopwords(language)
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if gram[0] in stop or gram[-1] in stop or len(gram[-1]) < 2:
                continue
            counts[" ".join(gram)] += 1
    return counts


def keyword_pattern(keyword):
    """A regex for a keyword or phrase as whole words, any case, any run of spaces between."""
    words = [re.escape(word) for word in keyword.split()]
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def concordance(text, keyword, width=60):
    """Keyword-in-context lines for one post: [(left, match, right)], each side `width` chars."""
    pattern = keyword_pattern(keyword)
    if pattern is None or not text:
        return []
    flat = " ".join(text.split())
    lines = []
    for match in pattern.finditer(flat):
        left = flat[max(0, match.start() - width) : match.start()]
        right = flat[match.end() : match.end() + width]
        lines.append((left, match.group(0), right))
    return lines


def query_terms(query):
    """The words of a search query worth marking: quotes and exclusions (-word) removed."""
    terms = []
    for word in re.findall(r"[^\s\"]+", query or ""):
        if word.startswith("-") or word.lower() == "or":
            continue
        word = word.strip(TRAILING_PUNCTUATION + "(")
        if word:
            terms.append(word)
    return terms


def render_post_text(text, query=None):
    """Post text as safe HTML: escaped, links made clickable, search terms wrapped in <mark>.

    Escaping happens first, per piece, so nothing in a post can become markup; marks
    are only placed in ordinary text, never inside a link.
    """
    terms = query_terms(query)
    mark = None
    if terms:
        alternatives = "|".join(re.escape(html.escape(t, quote=False)) for t in terms)
        mark = re.compile(r"(?<!\w)(" + alternatives + r")(?!\w)", re.IGNORECASE)
    pieces = []
    position = 0
    for match in URL.finditer(text or ""):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        pieces.append(_marked(text[position : match.start()], mark))
        safe = html.escape(url)
        pieces.append(f'<a href="{safe}" rel="nofollow noopener noreferrer">{safe}</a>')
        position = match.start() + len(url)
    pieces.append(_marked((text or "")[position:], mark))
    return "".join(pieces).replace("\n", "<br>")


def _marked(fragment, mark):
    escaped = html.escape(fragment, quote=False)
    return mark.sub(r"<mark>\1</mark>", escaped) if mark else escaped
