"""Inter-coder reliability: how far independent coders agree, beyond chance.

Data layout
-----------
Every function takes the same table: one row per *unit* (a post, a comment, a
paragraph), one column per *coder*, and ``None`` where a coder gave no value
for that unit. ``float("nan")`` (what pandas writes for a gap) counts as
missing too. Values are category labels (strings, numbers, True/False) or,
for the interval and ratio levels, numbers::

    #        ana    ben    cai
    data = [("hope", "hope", None),     # post 1: cai did not code it
            ("fear", "hope", "fear"),   # post 2
            ("hope", "hope", "hope")]   # post 3

A list of lists, a list of tuples or a 2-D numpy array all work. For a
pandas DataFrame with one column per coder, pass ``df.to_numpy()``.

The measures
------------
``percent_agreement(data)``
    The share of coder pairs, within a unit, that gave the same value,
    averaged over units. Easy to explain, but it ignores agreement that would
    happen by chance: two coders who each tick a rare code "absent" almost
    always agree. Report it next to a chance-corrected measure, never alone.

``krippendorff_alpha(data, level)``
    The recommended measure for content analysis (Hayes & Krippendorff 2007).
    Any number of coders, missing values allowed, and a *level of measurement*
    that says how much a disagreement costs:
    ``"nominal"`` (categories: any two different labels disagree equally),
    ``"ordinal"`` (ranked categories: "low" vs "high" is worse than "low"
    vs "medium"), ``"interval"`` (numbers whose differences matter) or
    ``"ratio"`` (numbers with a true zero, where 1 vs 2 is further apart
    than 101 vs 102). 1 means perfect agreement, 0 agreement no better than
    chance. Krippendorff suggests alpha >= .800 for firm conclusions and
    .667 <= alpha < .800 only for tentative ones.
    ``bootstrap_alpha`` gives a confidence interval.

``cohen_kappa(data)``
    Exactly two coders, nominal categories (``weights="linear"`` or
    ``"quadratic"`` for ordered ones). Chance is modelled from each coder's own
    habits, which is what NVivo reports. ``cohen_kappa_ci`` gives a
    confidence interval.

``fleiss_kappa(data)``
    Several coders, nominal categories, every unit rated the same number of
    times and nothing missing. Raters need not be the same people for every
    unit. With two coders it equals Scott's pi.

``free_marginal_kappa(data, categories)``
    Brennan & Prediger's kappa (Randolph's kappa for many coders), which
    MAXQDA reports: chance is one over the number of categories the codebook
    offers, so it does not collapse when one category is very common.

Which to use: Krippendorff's alpha (nominal for codes, ordinal for ranked
scales) for anything you publish; Cohen's kappa when a reviewer or a
comparison with NVivo asks for it; Fleiss' kappa for several raters with
complete data; percent agreement as a plain-language companion.

When the data show no variation at all (every coder chose the same value for
every unit, say a code nobody applied), chance-corrected measures are 0/0:
alpha, Cohen's and Fleiss' kappa then return ``nan`` ("undefined"), as
Krippendorff (2011) says alpha is undefined there. They do not raise, so a
loop over a codebook does not stop at an unused code, and they do not return
1.0, which would claim a reliability the data cannot show.

Codes applied to posts
----------------------
When coders apply any number of codes to each post, each code is its own
yes/no variable. ``per_code_data`` turns "which codes each coder applied to
each post" into present/absent data for one code, so a coding round's
per-code reliability uses the same functions::

    applied = {"post-1": {"ana": {"hope"}, "ben": {"hope", "fear"}},
               "post-2": {"ana": set(), "ben": {"fear"}},
               "post-3": {"ana": {"fear"}}}          # ben did not code post-3
    for code in ["hope", "fear"]:
        rows = per_code_data(applied, ["post-1", "post-2", "post-3"],
                             ["ana", "ben"], code)
        print(code, krippendorff_alpha(rows, "nominal"))

Example
-------
>>> data = [(1, 1), (2, 2), (3, 3), (3, 2)]
>>> round(krippendorff_alpha(data, "nominal"), 3)
0.667
>>> round(percent_agreement(data), 2)
0.75

References: Krippendorff, K. (2011) *Computing Krippendorff's Alpha-Reliability*;
Hayes, A. F. & Krippendorff, K. (2007) *Communication Methods and Measures*
1:77-89; Cohen, J. (1960); Fleiss, J. L. (1971) *Psychological Bulletin*
76:378-382; Fleiss, Cohen & Everitt (1969) *Psychological Bulletin* 72:323-327;
Brennan & Prediger (1981); Randolph (2005).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from numbers import Real
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")
KAPPA_WEIGHTS = (None, "linear", "quadratic")

Value = Hashable | None
Data = Iterable[Sequence[Value]]


class ConfidenceInterval(NamedTuple):
    """A point estimate with the bounds of its confidence interval."""

    estimate: float
    low: float
    high: float
    confidence: float


# --- Shared preparation ------------------------------------------------------


class _Rows(NamedTuple):
    """The data with identical rows counted once.

    Coding data repeat themselves (10,000 posts coded yes/no by 4 coders have
    at most 81 different rows), so validating and counting each distinct row
    once is what makes the measures fast on large rounds.
    """

    rows: list[tuple[Value, ...]]
    counts: list[int]
    coders: int


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _prepare(data: Data) -> _Rows:
    if isinstance(data, str | bytes):
        raise ValueError("data must be a table: one row per unit, one value per coder")
    rows = list(data)
    # Tuples (the common case, and what a large round passes) skip the slower ABC check.
    if any(type(row) is not tuple and isinstance(row, str | bytes | Mapping) for row in rows):
        raise ValueError(
            "each row must be a sequence with one value per coder, not a string or a mapping"
        )
    try:
        raw = Counter(map(tuple, rows))
    except TypeError as error:
        raise ValueError(
            "data must be a table of rows (one per unit) holding one label or number "
            f"per coder; could not read it: {error}"
        ) from None
    if not raw:
        raise ValueError("data has no units (no rows)")

    lengths = sorted({len(row) for row in raw})
    if len(lengths) > 1:
        raise ValueError(
            f"rows have different lengths ({', '.join(map(str, lengths))}): every row needs "
            "one value per coder; write None where a coder gave no value"
        )
    if lengths[0] < 2:
        raise ValueError(
            f"reliability needs at least two coders; each row has {lengths[0]} value(s)"
        )

    counts: Counter = Counter()
    for row, count in raw.items():
        counts[tuple(None if _is_missing(value) else value for value in row)] += count
    return _Rows(list(counts), list(counts.values()), lengths[0])


def _present(row: tuple[Value, ...]) -> list[Hashable]:
    return [value for value in row if value is not None]


def _check_categories(values: Iterable[Hashable], categories: Sequence[Hashable]) -> None:
    if len(set(categories)) != len(categories):
        raise ValueError("categories lists a value twice")
    unknown = set(values) - set(categories)
    if unknown:
        shown = ", ".join(sorted(map(repr, unknown))[:5])
        raise ValueError(f"values not among the categories given: {shown}")


def _all_numbers(values: Iterable[Hashable]) -> bool:
    return all(isinstance(value, Real) for value in values)


def _nan_if_undefined(numerator: float, denominator: float) -> float:
    # 0/0 means the data show no variation: the measure is undefined, not 1.
    return float(numerator / denominator) if denominator > 1e-12 else math.nan


# --- Percent agreement --------------------------------------------------------


def percent_agreement(data: Data) -> float:
    """Share of agreeing coder pairs within each unit, averaged over units.

    For two coders this is the share of units on which they gave the same
    value. Units with fewer than two values are left out. Returns a number
    between 0 and 1.
    """
    table = _prepare(data)
    agreeing = units = 0.0
    for row, count in zip(table.rows, table.counts, strict=True):
        values = _present(row)
        m = len(values)
        if m < 2:
            continue
        same_pairs = sum(n * (n - 1) for n in Counter(values).values())
        agreeing += count * same_pairs / (m * (m - 1))
        units += count
    if not units:
        raise ValueError(_NO_PAIRABLE)
    return agreeing / units


_NO_PAIRABLE = (
    "no unit has values from at least two coders, so there is nothing to compare; "
    "check that coders coded the same units"
)


# --- Krippendorff's alpha -----------------------------------------------------


class _PairableUnits(NamedTuple):
    """Value counts of the distinct pairable rows, the input to alpha."""

    values: list[Hashable]  # the values that occur, in metric order
    value_counts: np.ndarray  # distinct rows x values: how often each value occurs
    units: np.ndarray  # how many units have that row


def _pairable_units(table: _Rows, level: str, categories) -> _PairableUnits:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    pairable = [
        (present, count)
        for row, count in zip(table.rows, table.counts, strict=True)
        if len(present := _present(row)) >= 2
    ]
    if not pairable:
        raise ValueError(_NO_PAIRABLE)

    occurring = {value for present, _ in pairable for value in present}
    if categories is not None:
        categories = list(categories)
        _check_categories(occurring, categories)
    if level in ("interval", "ratio"):
        if not _all_numbers(occurring):
            raise ValueError(
                f"{level} alpha needs numbers; found labels such as "
                f"{next(repr(v) for v in occurring if not isinstance(v, Real))}: "
                "use level='nominal', or 'ordinal' with categories=[lowest, ..., highest]"
            )
        if level == "ratio" and any(value < 0 for value in occurring):
            raise ValueError("ratio alpha needs values of zero or more (a scale with a true zero)")
    if level == "ordinal" and categories is None and not _all_numbers(occurring):
        raise ValueError(
            "ordinal alpha needs to know the order of labels that are not numbers: "
            "pass categories=[lowest, ..., highest]"
        )

    if level == "ordinal" and categories is not None:
        values = [value for value in categories if value in occurring]
    elif level == "nominal":
        # Any fixed order gives the same alpha; first appearance avoids comparing labels.
        values = list(dict.fromkeys(value for present, _ in pairable for value in present))
    else:
        values = sorted(occurring)

    index = {value: i for i, value in enumerate(values)}
    value_counts = np.zeros((len(pairable), len(values)))
    for r, (present, _) in enumerate(pairable):
        for value in present:
            value_counts[r, index[value]] += 1
    units = np.array([count for _, count in pairable], dtype=float)
    return _PairableUnits(values, value_counts, units)


def _coincidences(value_counts: np.ndarray, unit_weights: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidence matrices, one per row of ``unit_weights``.

    A unit with m values contributes each ordered pair of values from two
    different coders with weight 1/(m - 1), so every unit counts m times in
    total however many coders it has. ``unit_weights`` (samples x distinct
    rows) says how many times each distinct row is in the data.
    """
    m = value_counts.sum(axis=1)
    scaled = unit_weights / (m - 1)
    pairs = np.einsum("sr,rc,rk->sck", scaled, value_counts, value_counts)
    # A value is never paired with itself: n_c * n_c counts those, n_c * (n_c - 1) does not.
    same_value = scaled @ value_counts
    diagonal = np.arange(value_counts.shape[1])
    pairs[:, diagonal, diagonal] -= same_value
    return pairs


def _distances(values: list, level: str, totals: np.ndarray) -> np.ndarray:
    """Squared distance between every two values (samples x values x values).

    ``totals`` (samples x values) are how often each value occurs among the
    pairable values; only the ordinal metric uses them.
    """
    size = len(values)
    if level == "nominal":
        return (1.0 - np.eye(size))[None]
    if level == "ordinal":
        # Krippendorff's ordinal metric: (sum of n_g from c to k, minus half of
        # n_c and n_k)^2, i.e. how many values lie between two ranks.
        below_or_at = np.cumsum(totals, axis=1)
        between = (
            below_or_at[:, None, :]
            - below_or_at[:, :, None]
            + (totals[:, :, None] - totals[:, None, :]) / 2
        )
        return between**2
    numbers = np.array(values, dtype=float)
    difference = numbers[:, None] - numbers[None, :]
    if level == "interval":
        return (difference**2)[None]
    total = numbers[:, None] + numbers[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total > 0, difference / total, 0.0)
    return (ratio**2)[None]


def _alpha_from_coincidences(coincidences: np.ndarray, values: list, level: str) -> np.ndarray:
    """alpha = 1 - observed disagreement / disagreement expected by chance."""
    totals = coincidences.sum(axis=2)
    n = totals.sum(axis=1)
    distance = _distances(values, level, totals)
    observed = (coincidences * distance).sum(axis=(1, 2))
    expected = np.einsum(
        "sc,sck,sk->s", totals, np.broadcast_to(distance, coincidences.shape), totals
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1.0 - (n - 1) * observed / expected
    # No variation (expected disagreement 0): alpha is undefined.
    return np.where(expected > 1e-12, alpha, np.nan)


def krippendorff_alpha(data: Data, level: str, *, categories: Sequence | None = None) -> float:
    """Krippendorff's alpha for any number of coders, with missing values allowed.

    ``level`` is required: "nominal", "ordinal", "interval" or "ratio" (the
    choice changes the answer, so there is no silent default). ``categories``
    lists every possible value from lowest to highest; it is needed for
    ordinal labels that are not numbers (``["low", "medium", "high"]``) and
    otherwise only checks that no unexpected value slipped in.

    Units with fewer than two values cannot be compared and are left out.
    Returns ``nan`` when the data show no variation. Raises ``ValueError`` when
    no unit has two values.

    Memory grows with the square of the number of distinct values: fine for
    codes and rating scales, heavy for continuous measurements with many
    thousands of distinct values.
    """
    units = _pairable_units(_prepare(data), level, categories)
    coincidences = _coincidences(units.value_counts, units.units[None])
    return float(_alpha_from_coincidences(coincidences, units.values, level)[0])


def bootstrap_alpha(
    data: Data,
    level: str,
    *,
    samples: int = 1000,
    seed: int | None = None,
    confidence: float = 0.95,
    categories: Sequence | None = None,
) -> ConfidenceInterval:
    """Krippendorff's alpha with a bootstrap confidence interval.

    Method: the pairable units (those with at least two values) are drawn
    with replacement, as many as there are, ``samples`` times; alpha is
    computed on each resample exactly as ``krippendorff_alpha`` does, and the
    interval is the middle ``confidence`` share of those alphas (percentile
    bootstrap). Resampling whole units keeps each unit's coders together,
    which is the usual bootstrap for agreement data (Zapf et al. 2016, BMC
    Medical Research Methodology 16:93). It is not Hayes & Krippendorff's
    KALPHA macro, which resamples pairs of values; the two agree closely on
    data of a few hundred units or more. Resamples without variation (alpha
    undefined) are left out.

    The same ``seed`` gives the same interval.
    """
    if samples < 1:
        raise ValueError("samples must be at least 1")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1, such as 0.95")
    units = _pairable_units(_prepare(data), level, categories)
    estimate = _alpha_from_coincidences(
        _coincidences(units.value_counts, units.units[None]), units.values, level
    )[0]

    rng = np.random.default_rng(seed)
    total_units = int(units.units.sum())
    shares = units.units / total_units
    # Bound memory: each resample holds a values x values matrix.
    batch = max(1, 2_000_000 // (len(units.values) ** 2 + len(shares)))
    alphas = []
    for start in range(0, samples, batch):
        draws = rng.multinomial(total_units, shares, size=min(batch, samples - start))
        coincidences = _coincidences(units.value_counts, draws.astype(float))
        alphas.append(_alpha_from_coincidences(coincidences, units.values, level))
    alphas = np.concatenate(alphas)
    alphas = alphas[np.isfinite(alphas)]
    if math.isnan(estimate) or not len(alphas):
        return ConfidenceInterval(math.nan, math.nan, math.nan, confidence)
    tail = (1 - confidence) / 2
    low, high = np.quantile(alphas, [tail, 1 - tail])
    return ConfidenceInterval(float(estimate), float(low), float(high), confidence)


# --- Kappas -------------------------------------------------------------------


class _Agreement(NamedTuple):
    """A two-coder agreement table as proportions, with its agreement weights."""

    proportions: np.ndarray  # categories x categories, sums to 1
    weights: np.ndarray  # 1 on the diagonal, partial credit off it
    units: int


def _two_coder_table(data: Data, weights: str | None, categories) -> _Agreement:
    if weights not in KAPPA_WEIGHTS:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic'; got {weights!r}")
    table = _prepare(data)
    if table.coders != 2:
        raise ValueError(
            f"Cohen's kappa compares exactly two coders; data has {table.coders}. "
            "Use fleiss_kappa or krippendorff_alpha for more"
        )
    # Units one coder left blank cannot be compared and are left out.
    pairs = [
        (row, count) for row, count in zip(table.rows, table.counts, strict=True) if None not in row
    ]
    if not pairs:
        raise ValueError(_NO_PAIRABLE)
    occurring = {value for row, _ in pairs for value in row}
    if categories is not None:
        order = list(categories)
        _check_categories(occurring, order)
    elif weights is None:
        order = list(dict.fromkeys(value for row, _ in pairs for value in row))
    elif _all_numbers(occurring):
        order = sorted(occurring)
    else:
        raise ValueError(
            "weighted kappa needs to know the order of labels that are not numbers: "
            "pass categories=[lowest, ..., highest]"
        )

    index = {value: i for i, value in enumerate(order)}
    counts = np.zeros((len(order), len(order)))
    for (first, second), count in pairs:
        counts[index[first], index[second]] += count
    units = int(counts.sum())

    steps = np.abs(np.subtract.outer(np.arange(len(order)), np.arange(len(order))))
    widest = max(len(order) - 1, 1)
    if weights is None:
        agreement = np.eye(len(order))
    elif weights == "linear":
        agreement = 1 - steps / widest
    else:
        agreement = 1 - (steps / widest) ** 2
    return _Agreement(counts / units, agreement, units)


def _kappa(table: _Agreement) -> tuple[float, float]:
    """Cohen's kappa and the agreement expected by chance."""
    p, w = table.proportions, table.weights
    observed = (w * p).sum()
    chance = (w * np.outer(p.sum(axis=1), p.sum(axis=0))).sum()
    return _nan_if_undefined(observed - chance, 1 - chance), float(chance)


def cohen_kappa(
    data: Data, *, weights: str | None = None, categories: Sequence | None = None
) -> float:
    """Cohen's kappa for exactly two coders (two columns).

    ``weights=None`` treats every disagreement alike (nominal codes);
    ``"linear"`` or ``"quadratic"`` give partial credit to near misses on an
    ordered scale, by rank distance in ``categories`` (lowest to highest) or,
    for numbers, in their sorted order. Units where either coder gave no value
    are left out. Returns ``nan`` when both coders used one and the same value
    throughout.
    """
    return _kappa(_two_coder_table(data, weights, categories))[0]


def cohen_kappa_ci(
    data: Data,
    *,
    weights: str | None = None,
    categories: Sequence | None = None,
    confidence: float = 0.95,
) -> ConfidenceInterval:
    """Cohen's kappa with a large-sample confidence interval.

    Method: kappa plus or minus a normal quantile times its asymptotic
    standard error (Fleiss, Cohen & Everitt 1969), the interval SAS and
    statsmodels print. It needs a few dozen units to be trustworthy; with
    fewer, report ``bootstrap_alpha`` instead.
    """
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1, such as 0.95")
    table = _two_coder_table(data, weights, categories)
    kappa, chance = _kappa(table)
    if math.isnan(kappa):
        return ConfidenceInterval(math.nan, math.nan, math.nan, confidence)
    p, w = table.proportions, table.weights
    row_mean = w @ p.sum(axis=0)  # average agreement weight of each first-coder category
    column_mean = p.sum(axis=1) @ w
    spread = w - np.add.outer(row_mean, column_mean) * (1 - kappa)
    variance = ((p * spread**2).sum() - (kappa - chance * (1 - kappa)) ** 2) / (
        table.units * (1 - chance) ** 2
    )
    half_width = NormalDist().inv_cdf(0.5 + confidence / 2) * math.sqrt(max(variance, 0.0))
    return ConfidenceInterval(kappa, kappa - half_width, kappa + half_width, confidence)


def _complete_category_counts(data: Data, measure: str) -> tuple[list[Counter], list[int]]:
    table = _prepare(data)
    if any(None in row for row in table.rows):
        raise ValueError(
            f"{measure} needs every unit rated the same number of times, so no value may be "
            "missing (None). Leave out incomplete units, or use krippendorff_alpha, "
            "which allows missing values"
        )
    return [Counter(row) for row in table.rows], table.counts


def _mean_agreement(category_counts: list[Counter], units: list[int]) -> float:
    raters = sum(category_counts[0].values())
    per_unit = [
        (sum(n * n for n in counts.values()) - raters) / (raters * (raters - 1))
        for counts in category_counts
    ]
    return sum(a * u for a, u in zip(per_unit, units, strict=True)) / sum(units)


def fleiss_kappa(data: Data) -> float:
    """Fleiss' kappa for two or more raters with complete data.

    Rule: every unit is rated the same number of times (one value in every
    column, no ``None``); the raters need not be the same people for each
    unit. Categories are nominal. With two columns this is Scott's pi.
    Returns ``nan`` when every rating is the same category.
    """
    category_counts, units = _complete_category_counts(data, "Fleiss' kappa")
    raters = sum(category_counts[0].values())
    usage: Counter = Counter()
    for counts, unit_count in zip(category_counts, units, strict=True):
        for category, n in counts.items():
            usage[category] += n * unit_count
    ratings = raters * sum(units)
    chance = sum((n / ratings) ** 2 for n in usage.values())
    observed = _mean_agreement(category_counts, units)
    return _nan_if_undefined(observed - chance, 1 - chance)


def free_marginal_kappa(data: Data, categories: Collection[Hashable]) -> float:
    """Brennan & Prediger's free-marginal kappa (Randolph's kappa for many raters).

    Chance agreement is 1 / (number of categories the coders could choose
    from), so ``categories`` must list all of them, used or not. Same data
    rule as ``fleiss_kappa``: no missing values.
    """
    categories = list(categories)
    if len(categories) < 2:
        raise ValueError("free-marginal kappa needs at least two categories to choose from")
    category_counts, units = _complete_category_counts(data, "free-marginal kappa")
    _check_categories({value for counts in category_counts for value in counts}, categories)
    chance = 1 / len(categories)
    return (_mean_agreement(category_counts, units) - chance) / (1 - chance)


# --- From codings to per-code data --------------------------------------------


def per_code_data(
    codings: Mapping[Hashable, Mapping[Hashable, Collection[Hashable] | None]],
    units: Iterable[Hashable],
    coders: Sequence[Hashable],
    code: Hashable,
) -> list[tuple[int | None, ...]]:
    """Present/absent data for one code, ready for any measure in this module.

    ``codings[unit][coder]`` is the set of codes that coder applied to that
    unit. An empty set means "coded it, applied no codes" and gives 0 for
    every code; ``None``, or no entry, means "did not code this unit" and
    gives a missing value. Keeping the two apart matters: counting uncoded
    units as "absent" inflates agreement.

    Returns one row per unit (in the order of ``units``), one value per coder
    (in the order of ``coders``): 1 if the coder applied ``code``, 0 if not,
    None if the coder did not code the unit.
    """
    nobody: Mapping = {}
    return [
        tuple(
            None if (applied := by_coder.get(coder)) is None else int(code in applied)
            for coder in coders
        )
        for by_coder in (codings.get(unit, nobody) for unit in units)
    ]
