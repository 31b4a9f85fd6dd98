"""Words, stop words, n-grams, keyword in context and safe highlighting (pure functions)."""

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from socialgood.analyze import sentiment
from socialgood.analyze.text import (
    concordance,
    count_ngrams,
    render_post_text,
    stopwords,
    tokens,
)


def test_tokens_drop_links_mentions_and_numbers_but_keep_hashtags():
    words = tokens("RT @ann-example: Respite care in 2024! https://example.org/x #Carers don’t")
    assert words == ["rt", "respite", "care", "in", "#carers", "don't"]


def test_stop_words_are_chosen_by_each_posts_language():
    documents = [("the carers and the respite", "en"), ("die Pflege und die Entlastung", "de")]
    counts = count_ngrams(documents)
    assert counts == {"carers": 1, "respite": 1, "pflege": 1, "entlastung": 1}
    assert "und" in stopwords("de-AT") and "the" in stopwords("xx")  # unknown: English


def test_bigrams_skip_phrases_that_begin_or_end_with_a_stop_word():
    counts = count_ngrams([("cost of living and cost of living", "en")], n=3)
    assert counts["cost of living"] == 2
    assert "of living and" not in counts
    assert count_ngrams([("care home care home", "en")], n=2)["care home"] == 2


def test_concordance_lines_show_each_hit_with_its_context():
    lines = concordance("Respite care saved my week #carers #respite", "respite", width=10)
    assert lines == [("", "Respite", " care save"), (" #carers #", "respite", "")]
    assert concordance("carers\nneed   respite care", "respite care", width=5) == [
        ("need ", "respite care", "")
    ]
    assert concordance("irrespitely", "respite") == []


def test_highlighting_escapes_first_then_marks_and_links():
    rendered = render_post_text("<b>Respite</b> & care: https://example.org/a?b=1&c=2.", "respite")
    assert rendered == (
        "&lt;b&gt;<mark>Respite</mark>&lt;/b&gt; &amp; care: "
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">'
        "https://example.org/a?b=1&amp;c=2</a>."
    )


def test_highlighting_ignores_search_syntax():
    rendered = render_post_text("carers and respite", '"carers" -respite or')
    assert rendered == "<mark>carers</mark> and respite"


@given(st.text(max_size=200), st.text(max_size=30))
def test_post_text_can_never_become_markup(text, query):
    rendered = render_post_text(text, query)
    without_ours = re.sub(
        r"</?mark>|<br>|<a href=\"[^\"<>]*\" rel=\"nofollow noopener noreferrer\">|</a>",
        "",
        rendered,
    )
    assert "<" not in without_ours
    assert html.unescape(without_ours).replace("\n", "") == text.replace("\n", "")


def test_vader_scores_english_and_leaves_unknown_words_neutral():
    assert sentiment.label(sentiment.score("I feel terrible and exhausted today")) == "negative"
    assert sentiment.label(sentiment.score("Respite care saved my week, thank you!")) == "positive"
    assert sentiment.score("Pflegende Angehörige brauchen Entlastung") == 0


def test_sentiment_summary_counts_per_period_and_hashtag():
    summary = sentiment.Summary()
    summary.add("2024-03-01", 0.5, ["carers"], "en")
    summary.add("2024-03-01", -0.5, ["carers", "respite"], "en")
    summary.add("2024-03-02", 0.0, [], "de")
    result = summary.as_dict()
    assert result["posts"] == 3 and result["english"] == 2
    assert result["over_time"][0] == {
        "period": "2024-03-01",
        "posts": 2,
        "mean": 0.0,
        "positive": 1,
        "neutral": 0,
        "negative": 1,
    }
    assert result["by_hashtag"][0]["hashtag"] == "carers" and result["by_hashtag"][0]["posts"] == 2
