"""Text positions for span coding: Unicode code points, half-open, on grapheme boundaries.

socialgood stores a span as ``(start, end)`` in code points of the post's text, with
Python slice semantics (``text[start:end]``), which is what REFI-QDA means by
"position". Browsers (and NVivo's REFI export) count UTF-16 code units instead,
where an emoji outside the Basic Multilingual Plane counts two; those positions are
converted on the way in. A span must never cut a grapheme cluster (what a reader
sees as one character: 👩🏽‍⚕️, 🇳🇿, e + combining accent), so selections are snapped
outwards to the nearest cluster boundaries.
"""

from bisect import bisect_left, bisect_right
from functools import lru_cache

import regex


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_to_codepoint(text: str, position: int, *, round_up: bool = False) -> int:
    """The code-point index of a UTF-16 position.

    A position inside a surrogate pair moves back to the start of that character,
    or forward past it with ``round_up`` (for the end of a selection).
    """
    if position < 0:
        raise ValueError("A text position cannot be negative.")
    units = 0
    for index, char in enumerate(text):
        if units >= position:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > position:  # the middle of a surrogate pair
            return index + 1 if round_up else index
    if units < position:
        raise ValueError("The position lies beyond the end of the text.")
    return len(text)


def codepoint_to_utf16(text: str, position: int) -> int:
    if not 0 <= position <= len(text):
        raise ValueError("The position lies outside the text.")
    return utf16_length(text[:position])


@lru_cache(maxsize=256)
def grapheme_boundaries(text: str) -> tuple[int, ...]:
    """Every code-point index where a grapheme cluster starts, plus len(text)."""
    bounds = [m.start() for m in regex.finditer(r"\X", text)]
    bounds.append(len(text))
    return tuple(bounds)


def snap_to_graphemes(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole grapheme clusters."""
    bounds = grapheme_boundaries(text)
    snapped_start = bounds[bisect_right(bounds, start) - 1]
    snapped_end = bounds[min(bisect_left(bounds, end), len(bounds) - 1)]
    return snapped_start, snapped_end


def check_span(text: str, start: int, end: int) -> None:
    """Raise ValueError, in plain words, unless ``[start, end)`` is a codable span of ``text``."""
    if not 0 <= start < end <= len(text):
        raise ValueError(
            f"The selection {start}–{end} does not fit in a text of {len(text)} characters."
        )
    bounds = set(grapheme_boundaries(text))
    if start not in bounds or end not in bounds:
        raise ValueError("The selection cuts a character (such as an emoji) in two.")


def span_from_browser(text: str, start_utf16: int, end_utf16: int) -> tuple[int, int]:
    """A browser selection (UTF-16 offsets) as a stored span: code points, whole graphemes."""
    if end_utf16 < start_utf16:
        start_utf16, end_utf16 = end_utf16, start_utf16
    start = utf16_to_codepoint(text, start_utf16)
    end = utf16_to_codepoint(text, end_utf16, round_up=True)
    if start == end:
        raise ValueError("Select some text first.")
    return snap_to_graphemes(text, start, end)


def moved(position: int, edits, at_end: bool) -> int:
    """Where a position in a text is once `edits` ((start, end, replacement) in the text,
    in order) are made; inside a replaced part, at the start of its replacement (a
    passage's start) or at its end (a passage's end)."""
    moved = position
    for start, end, replacement in edits:
        if position >= end:
            moved += len(replacement) - (end - start)
        elif position > start:
            moved += (len(replacement) if at_end else 0) - (position - start)
    return moved


def pieces(text: str, spans) -> list[tuple[str, tuple]]:
    """`text` cut where coded spans begin and end: [(piece, labels of the spans over it)].

    `spans` are (start, end, label) in code points; they may overlap or nest. Pieces
    no span covers have no labels. Joined, the pieces give `text` back unchanged.
    """
    spans = [(max(0, s), min(len(text), e), label) for s, e, label in spans]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    result = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start < end:
            labels = tuple(label for s, e, label in spans if s <= start and end <= e)
            result.append((text[start:end], labels))
    return result
