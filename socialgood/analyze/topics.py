"""Topics with NMF over TF-IDF (scikit-learn). Pure: no Django.

NMF rather than LDA: on short texts like posts it gives more coherent topics with
TF-IDF weighting, and it is deterministic with a fixed seed and NNDSVD start, so the
same posts give the same topics when an analysis is repeated.
"""

import numpy as np

from socialgood.analyze.text import stopwords, tokens

TOP_WORDS = 12
EXAMPLES = 5


class TooFewPosts(ValueError):
    pass


def fit_topics(texts, k, languages=("en",), max_features=20000):
    """Fit `k` topics; returns (topics, assignments).

    topics: [{"number", "label", "words": [[word, weight]], "posts", "examples": [index]}]
    assignments: [(index of text, topic number, weight)] for texts with any topic weight.
    """
    if len(texts) < max(k * 2, 4):
        raise TooFewPosts(
            f"Topic modelling needs at least {max(k * 2, 4)} posts; this has {len(texts)}."
        )
    # scikit-learn takes 0.8 s to import: only the topic analysis pays for it, not
    # every command and server start that loads the analysis registry.
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    stop = set().union(*(stopwords(language) for language in languages))
    vectorizer = TfidfVectorizer(
        tokenizer=tokens,
        token_pattern=None,
        lowercase=False,
        stop_words=sorted(stop),
        min_df=2,
        max_df=0.9,
        max_features=max_features,
        sublinear_tf=True,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:
        raise TooFewPosts("These posts have too few words in common to find topics.") from None
    k = min(k, matrix.shape[1])
    model = NMF(n_components=k, init="nndsvd", random_state=0, max_iter=400)
    weights = model.fit_transform(matrix)
    vocabulary = vectorizer.get_feature_names_out()

    best = weights.argmax(axis=1)
    strength = weights.max(axis=1)
    topics = []
    for number, component in enumerate(model.components_, start=1):
        order = np.argsort(component)[::-1][:TOP_WORDS]
        members = np.flatnonzero((best == number - 1) & (strength > 0))
        examples = members[np.argsort(strength[members])[::-1][:EXAMPLES]]
        words = [
            [str(vocabulary[i]), round(float(component[i]), 4)] for i in order if component[i] > 0
        ]
        topics.append(
            {
                "number": number,
                "label": " · ".join(word for word, _ in words[:3]),
                "words": words,
                "posts": int(members.size),
                "examples": [int(i) for i in examples],
            }
        )
    assignments = [
        (int(i), int(best[i]) + 1, float(strength[i])) for i in np.flatnonzero(strength > 0)
    ]
    return topics, assignments
