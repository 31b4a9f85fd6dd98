"""Sentiment with VADER, summarised over time and by hashtag. Pure: no Django.

VADER is a lexicon and rules made for English social media (slang, emoji, capitals,
"!!!"). It scores words it knows; text in other languages mostly scores 0 (neutral)
because its words are not in the lexicon, not because it is neutral. The summaries
therefore report how many posts were English, and the page says so.
"""

from collections import defaultdict
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER's authors' thresholds for calling a compound score positive or negative.
POSITIVE, NEGATIVE = 0.05, -0.05


@cache
def _analyzer():
    return SentimentIntensityAnalyzer()


def score(text):
    """The compound score, from -1 (most negative) to +1 (most positive)."""
    return _analyzer().polarity_scores(text or "")["compound"]


def label(compound):
    if compound >= POSITIVE:
        return "positive"
    if compound <= NEGATIVE:
        return "negative"
    return "neutral"


class Summary:
    """Accumulates scores per period and per hashtag; `as_dict()` is JSON for a job result."""

    def __init__(self):
        self.periods = defaultdict(lambda: [0, 0.0, 0, 0, 0])  # n, sum, pos, neu, neg
        self.hashtags = defaultdict(lambda: [0, 0.0, 0, 0, 0])
        self.english = 0
        self.total = 0

    def add(self, period, compound, hashtags, lang):
        self.total += 1
        if (lang or "").lower().startswith("en"):
            self.english += 1
        which = {"positive": 2, "neutral": 3, "negative": 4}[label(compound)]
        for bucket in [self.periods[period], *(self.hashtags[tag] for tag in hashtags)]:
            bucket[0] += 1
            bucket[1] += compound
            bucket[which] += 1

    def as_dict(self, top_hashtags=25):
        def row(n, total, pos, neu, neg):
            return {
                "posts": n,
                "mean": round(total / n, 4),
                "positive": pos,
                "neutral": neu,
                "negative": neg,
            }

        hashtags = sorted(self.hashtags.items(), key=lambda item: (-item[1][0], item[0]))[
            :top_hashtags
        ]
        return {
            "posts": self.total,
            "english": self.english,
            "over_time": [{"period": p, **row(*v)} for p, v in sorted(self.periods.items())],
            "by_hashtag": [{"hashtag": t, **row(*v)} for t, v in hashtags],
        }
