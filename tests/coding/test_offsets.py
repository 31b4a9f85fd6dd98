"""Span positions: code points, half-open, never splitting what a reader sees as one character."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialgood.coding.offsets import (
    check_span,
    codepoint_to_utf16,
    grapheme_boundaries,
    pieces,
    snap_to_graphemes,
    span_from_browser,
    utf16_length,
    utf16_to_codepoint,
)

NURSE = "👩🏽‍⚕️"  # woman, skin tone, ZWJ, staff of aesculapius, variation selector
PIECES = [
    NURSE,
    "🇳🇿",
    "👍🏿",
    "e\u0301",
    "שלום",
    "مرحبا",
    "a",
    " ",
    "\n",
    "❤️",
    "👨‍👩‍👧‍👦",
    "漢",
    "x\u0308\u0323",
]
texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join)


def test_emoji_count_once_in_code_points_and_twice_in_utf16():
    text = f"I ❤️ my social worker {NURSE}!"
    start = text.index(NURSE)
    assert text[start : start + len(NURSE)] == NURSE
    assert utf16_to_codepoint(text, codepoint_to_utf16(text, start)) == start
    # NVivo / browsers count the same place further along: two units per astral emoji.
    assert codepoint_to_utf16(text, len(text)) == len(text) + 2


def test_a_browser_selection_that_cuts_an_emoji_is_widened_to_the_whole_emoji():
    text = f"Thanks {NURSE} for everything"
    inside = codepoint_to_utf16(text, text.index(NURSE)) + 1  # the middle of the surrogate pair
    start, end = span_from_browser(text, inside, inside + 2)
    assert text[start:end] == NURSE


def test_flag_is_one_character():
    text = "Kia ora 🇳🇿 whānau"
    start = text.index("🇳🇿")
    assert snap_to_graphemes(text, start + 1, start + 2) == (start, start + 2)
    with pytest.raises(ValueError, match="cuts a character"):
        check_span(text, start, start + 1)


def test_empty_or_outside_selections_are_refused_in_plain_words():
    with pytest.raises(ValueError, match="Select some text"):
        span_from_browser("hello", 2, 2)
    with pytest.raises(ValueError, match="does not fit"):
        check_span("hello", 2, 9)


@given(texts, st.data())
def test_utf16_round_trip_at_every_boundary(text, data):
    position = data.draw(st.integers(0, len(text)))
    assert utf16_to_codepoint(text, codepoint_to_utf16(text, position)) == position


@given(texts, st.data())
def test_any_browser_selection_becomes_a_valid_span_covering_it(text, data):
    total = utf16_length(text)
    a = data.draw(st.integers(0, total))
    b = data.draw(st.integers(0, total))
    if a == b:
        return
    start, end = span_from_browser(text, a, b)
    check_span(text, start, end)  # on grapheme boundaries, inside the text
    # the stored span contains everything the person selected
    assert start <= utf16_to_codepoint(text, min(a, b))
    assert end >= utf16_to_codepoint(text, max(a, b))


@given(texts)
def test_graphemes_partition_the_text(text):
    bounds = grapheme_boundaries(text)
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    assert "".join(pieces) == text
    assert all(pieces)


@given(texts, st.data())
def test_snapping_never_shrinks_and_is_stable(text, data):
    a = data.draw(st.integers(0, len(text) - 1))
    b = data.draw(st.integers(a + 1, len(text)))
    start, end = snap_to_graphemes(text, a, b)
    assert start <= a and end >= b
    assert snap_to_graphemes(text, start, end) == (start, end)


def test_pieces_mark_overlapping_and_nested_spans():
    text = "Respite care 👩🏽‍⚕️ saved my week"
    nurse = text.index("👩")
    spans = [(0, 12, "respite"), (8, nurse + 5, "care"), (nurse, nurse + 5, "health")]
    result = pieces(text, spans)
    assert "".join(piece for piece, _ in result) == text
    assert result == [
        ("Respite ", ("respite",)),
        ("care", ("respite", "care")),
        (" ", ("care",)),
        ("👩🏽‍⚕️", ("care", "health")),
        (" saved my week", ()),
    ]
    assert pieces("no codes", []) == [("no codes", ())]
    assert pieces("", [(0, 0, "x")]) == []
