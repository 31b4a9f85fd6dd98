"""Inter-coder reliability: golden values from the literature, errors, and properties.

Reference values come from section 7.2 and the checklist in section 12 of
shared/research/anchors-qda.md; each test names where the data and value were
published. Values are checked to the precision the source states.
"""

import doctest
import math
import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialgood import reliability
from socialgood.reliability import (
    bootstrap_alpha,
    cohen_kappa,
    cohen_kappa_ci,
    fleiss_kappa,
    free_marginal_kappa,
    krippendorff_alpha,
    per_code_data,
    percent_agreement,
)

_ = None  # a missing value, to keep the reference tables readable


def by_unit(*coder_rows):
    """Turn the literature's coders-by-units layout into our units-by-coders rows."""
    return list(zip(*coder_rows, strict=True))


def from_contingency(table):
    """Two-coder rows from a contingency table (row: first coder, column: second)."""
    return [(i, j) for i, line in enumerate(table) for j, n in enumerate(line) for _ in range(n)]


def from_category_counts(table):
    """Units-by-raters rows from a table of how many raters chose each category."""
    return [tuple(c for c, n in enumerate(line) for _ in range(n)) for line in table]


def half_width_in_standard_errors(interval):
    return (interval.high - interval.low) / 2 / 1.959964


# --- Golden values -------------------------------------------------------------

# Wikipedia "Krippendorff's alpha" example, as in the fast-krippendorff doctest
# (pln-fing-udelar/fast-krippendorff, krippendorff/krippendorff.py alpha()).
WIKIPEDIA_ALPHA = by_unit(
    [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
    [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
    [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
)


@pytest.mark.parametrize(
    "level, expected",
    [
        ("nominal", 0.691358),  # doctest, 6 dp
        ("interval", 0.810845),  # doctest, 6 dp
        ("ordinal", 0.806721),  # recomputed with krippendorff 0.9.0 in the study
        ("ratio", 0.808944),  # recomputed with krippendorff 0.9.0 in the study
    ],
)
def test_alpha_matches_wikipedia_example(level, expected):
    assert round(krippendorff_alpha(WIKIPEDIA_ALPHA, level), 6) == expected


# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", Example C:
# 4 observers x 12 units with missing values.
KRIPPENDORFF_C = by_unit(
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
)


@pytest.mark.parametrize(
    "level, published, recomputed",
    [
        ("nominal", 0.743, 0.7434),
        ("ordinal", 0.815, 0.8154),
        ("interval", 0.849, 0.8491),
        ("ratio", 0.797, 0.7974),
    ],
)
def test_alpha_matches_krippendorff_2011_example_c(level, published, recomputed):
    alpha = krippendorff_alpha(KRIPPENDORFF_C, level)
    assert round(alpha, 3) == published
    assert round(alpha, 4) == recomputed  # the study's krippendorff 0.9.0 figure


def test_alpha_on_ordered_labels_matches_example_c():
    # The fast-krippendorff doctest codes Example C as labels with an ordered domain.
    scale = ["very low", "low", "medium", "high", "very high"]
    labelled = [tuple(None if v is None else scale[v - 1] for v in row) for row in KRIPPENDORFF_C]
    assert round(krippendorff_alpha(labelled, "ordinal", categories=scale), 3) == 0.815
    assert round(krippendorff_alpha(labelled, "nominal"), 3) == 0.743


# Krippendorff (2011) Example A: binary, 2 observers, 10 units.
EXAMPLE_A = by_unit([0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0])


def test_example_a_binary():
    assert round(percent_agreement(EXAMPLE_A), 2) == 0.60
    assert round(krippendorff_alpha(EXAMPLE_A, "nominal"), 3) == 0.095
    assert round(cohen_kappa(EXAMPLE_A), 3) == 0.091
    assert round(fleiss_kappa(EXAMPLE_A), 3) == 0.048  # Scott's pi


def test_atlas_ti_reordering_of_example_a_gives_the_same_alpha():
    # ATLAS.ti's manual uses the same data as 1100000000 vs 0110010100.
    atlas = by_unit([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
    assert round(krippendorff_alpha(atlas, "nominal"), 4) == 0.0952


def test_example_b_nominal():
    # Krippendorff (2011) Example B: nominal, 2 observers, 12 units.
    data = by_unit(list("aabbdcccedda"), list("babbbccceddd"))
    assert round(percent_agreement(data), 2) == 0.75
    assert round(krippendorff_alpha(data, "nominal"), 3) == 0.692
    assert round(cohen_kappa(data), 3) == 0.684
    assert round(fleiss_kappa(data), 3) == 0.679  # Scott's pi


# Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories
# (statsmodels test_inter_rater.py, table1, kappa_wp = 0.210).
FLEISS_WIKIPEDIA = from_category_counts(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def test_fleiss_kappa_matches_wikipedia_example():
    kappa = fleiss_kappa(FLEISS_WIKIPEDIA)
    mean_agreement = percent_agreement(FLEISS_WIKIPEDIA)  # Fleiss' P-bar
    chance = (mean_agreement - kappa) / (1 - kappa)  # Fleiss' P-bar-e
    assert round(kappa, 3) == 0.210
    assert round(mean_agreement, 3) == 0.378
    assert round(chance, 3) == 0.213
    assert round(krippendorff_alpha(FLEISS_WIKIPEDIA, "nominal"), 4) == 0.2156  # study [C]


# Fleiss (1971) psychiatric diagnoses, 30 patients x 6 raters (R irr `diagnoses`,
# as in statsmodels test_inter_rater.py).
FLEISS_1971 = [
    (4, 4, 4, 4, 4, 4),
    (2, 2, 2, 5, 5, 5),
    (2, 3, 3, 3, 3, 5),
    (5, 5, 5, 5, 5, 5),
    (2, 2, 2, 4, 4, 4),
    (1, 1, 3, 3, 3, 3),
    (3, 3, 3, 3, 5, 5),
    (1, 1, 3, 3, 3, 4),
    (1, 1, 4, 4, 4, 4),
    (5, 5, 5, 5, 5, 5),
    (1, 4, 4, 4, 4, 4),
    (1, 2, 4, 4, 4, 4),
    (2, 2, 2, 3, 3, 3),
    (1, 4, 4, 4, 4, 4),
    (2, 2, 4, 4, 4, 5),
    (3, 3, 3, 3, 3, 5),
    (1, 1, 1, 4, 5, 5),
    (1, 1, 1, 1, 1, 2),
    (2, 2, 4, 4, 4, 4),
    (1, 3, 3, 5, 5, 5),
    (5, 5, 5, 5, 5, 5),
    (2, 4, 4, 4, 4, 4),
    (2, 2, 4, 5, 5, 5),
    (1, 1, 4, 4, 4, 4),
    (1, 4, 4, 4, 4, 5),
    (2, 2, 2, 2, 2, 4),
    (1, 1, 1, 1, 5, 5),
    (2, 2, 4, 4, 4, 4),
    (1, 3, 3, 3, 3, 3),
    (5, 5, 5, 5, 5, 5),
]


def test_fleiss_kappa_matches_fleiss_1971():
    # Transcription check: category totals [26, 26, 30, 55, 43] (statsmodels test_aggregate_raters).
    usage = Counter(value for row in FLEISS_1971 for value in row)
    assert [usage[c] for c in range(1, 6)] == [26, 26, 30, 55, 43]
    # R irr::kappam.fleiss(diagnoses) = 0.4302445
    assert round(fleiss_kappa(FLEISS_1971), 7) == 0.4302445


# SAS example table, as in statsmodels test_inter_rater.py (table10).
SAS_TABLE = from_contingency([[0, 4, 1], [0, 8, 0], [0, 1, 5]])


def test_cohen_kappa_and_interval_match_sas_example():
    interval = cohen_kappa_ci(SAS_TABLE)
    assert round(cohen_kappa(SAS_TABLE), 4) == 0.4842
    assert round(interval.estimate, 4) == 0.4842
    assert round(half_width_in_standard_errors(interval), 4) == 0.1380  # ASE
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2137, 0.7547)


def test_linear_weighted_kappa_and_interval_match_sas_example():
    interval = cohen_kappa_ci(SAS_TABLE, weights="linear")
    assert round(cohen_kappa(SAS_TABLE, weights="linear"), 4) == 0.4701
    assert round(half_width_in_standard_errors(interval), 4) == 0.1457  # ASE
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.1845, 0.7558)


@pytest.mark.parametrize(
    "yes_yes, yes_no, no_yes, no_no, expected",
    [(20, 5, 10, 15, 0.4), (45, 15, 25, 15, 0.1304), (25, 35, 5, 35, 0.2593)],
)
def test_cohen_kappa_matches_wikipedia_two_by_two_examples(
    yes_yes, yes_no, no_yes, no_no, expected
):
    # Wikipedia "Cohen's kappa" examples.
    data = from_contingency([[yes_yes, yes_no], [no_yes, no_no]])
    assert round(cohen_kappa(data), 4) == expected


def test_first_wikipedia_two_by_two_example_other_measures():
    data = from_contingency([[20, 5], [10, 15]])
    assert percent_agreement(data) == pytest.approx(0.70)
    assert round(fleiss_kappa(data), 4) == 0.3939  # Scott's pi
    assert round(krippendorff_alpha(data, "nominal"), 4) == 0.4000


@pytest.mark.parametrize(
    "counts, categories, fleiss, randolph",
    [
        ([[7, 1], [3, 5]], [0, 1], 0.161905, 0.214286),
        ([[6, 1, 0], [0, 7, 0]], [0, 1, 2], 0.708333, 0.785714),
    ],
)
def test_free_marginal_and_fleiss_match_randolph_calculator(counts, categories, fleiss, randolph):
    # statsmodels test_fleis_randolph, from Randolph's online kappa calculator.
    data = from_category_counts(counts)
    assert round(fleiss_kappa(data), 6) == fleiss
    assert round(free_marginal_kappa(data, categories), 6) == randolph


def test_nvivo_character_percent_agreement():
    # NVivo help: 1000 characters, both coded 50, one coder only 150, neither 800 -> 85%.
    data = [(1, 1)] * 50 + [(1, 0)] * 75 + [(0, 1)] * 75 + [(0, 0)] * 800
    assert percent_agreement(data) == pytest.approx(0.85)


def test_character_level_overlap_example_uses_standard_kappa():
    # Study section 7.6: a 100-character text, coder A codes [0, 30), coder B [10, 40).
    # Standard Cohen's kappa is 0.5238; QualCoder's non-standard formula gives 0.4818.
    data = [(int(i < 30), int(10 <= i < 40)) for i in range(100)]
    assert percent_agreement(data) == pytest.approx(0.80)
    assert round(cohen_kappa(data), 4) == 0.5238
    assert round(krippendorff_alpha(data, "nominal"), 4) == 0.5262


def test_module_docstring_example_runs():
    assert doctest.testmod(reliability).failed == 0


# --- Edge cases ----------------------------------------------------------------


def test_no_variation_is_undefined_not_perfect():
    # Every coder said "absent" for every post: nothing shows the coders can tell
    # the categories apart, so chance-corrected measures are undefined (nan).
    data = [(0, 0, 0)] * 20
    assert percent_agreement(data) == 1.0
    assert math.isnan(krippendorff_alpha(data, "nominal"))
    assert math.isnan(fleiss_kappa(data))
    assert math.isnan(cohen_kappa([(0, 0)] * 20))
    assert math.isnan(cohen_kappa_ci([(0, 0)] * 20).low)
    assert math.isnan(bootstrap_alpha(data, "nominal", samples=10, seed=1).estimate)
    # Free-marginal chance does not depend on the data, so it stays defined.
    assert free_marginal_kappa(data, [0, 1]) == 1.0


def test_units_with_one_value_are_left_out_of_alpha():
    extra = [(3, None, None, None), (None, None, None, None), (None, 5, None, None)]
    for level in reliability.LEVELS:
        assert krippendorff_alpha(KRIPPENDORFF_C + extra, level) == pytest.approx(
            krippendorff_alpha(KRIPPENDORFF_C, level)
        )


def test_nan_counts_as_missing():
    with_nan = [tuple(math.nan if v is None else v for v in row) for row in KRIPPENDORFF_C]
    assert krippendorff_alpha(with_nan, "interval") == pytest.approx(
        krippendorff_alpha(KRIPPENDORFF_C, "interval")
    )


def test_numpy_array_input_gives_the_same_alpha():
    # None becomes nan in a float array, which counts as missing.
    array = np.array(KRIPPENDORFF_C, dtype=float)
    assert round(krippendorff_alpha(array, "interval"), 3) == 0.849
    assert round(krippendorff_alpha(array, "ordinal"), 3) == 0.815


def test_cohen_kappa_leaves_out_units_one_coder_skipped():
    data = EXAMPLE_A + [(1, None), (None, 0)]
    assert cohen_kappa(data) == pytest.approx(cohen_kappa(EXAMPLE_A))


def test_ratio_alpha_treats_two_zeros_as_agreement():
    # Units (0, 0) and (1, 1) agree; only (1, 3) disagrees. By hand: values
    # 0,0,1,1,1,3 (n = 6); observed 2 * (2/4)^2 = 0.5 over the one disagreeing
    # pair; expected = sum over all value pairs / (n - 1).
    data = [(0, 0), (1, 1), (1, 3)]
    values = [0, 0, 1, 1, 1, 3]
    expected = sum(
        ((a - b) / (a + b)) ** 2
        for i, a in enumerate(values)
        for j, b in enumerate(values)
        if i != j and a + b
    ) / (len(values) - 1)
    assert krippendorff_alpha(data, "ratio") == pytest.approx(1 - 0.5 / expected)


# --- Errors a researcher can act on --------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: krippendorff_alpha([], "nominal"), "no units"),
        (lambda: krippendorff_alpha([(1, 2), (1,)], "nominal"), "different lengths"),
        (lambda: krippendorff_alpha([(1,), (2,)], "nominal"), "at least two coders"),
        (lambda: krippendorff_alpha("ab", "nominal"), "table"),
        (lambda: krippendorff_alpha([(1, 2)], "nominnal"), "level must be one of"),
        (lambda: krippendorff_alpha([(1, None), (None, 2)], "nominal"), "at least two coders"),
        (lambda: krippendorff_alpha([("a", "b")], "interval"), "needs numbers"),
        (lambda: krippendorff_alpha([(1, -2)], "ratio"), "zero or more"),
        (lambda: krippendorff_alpha([("low", "high")], "ordinal"), "categories="),
        (lambda: krippendorff_alpha([("a", "x")], "nominal", categories="ab"), "'x'"),
        (lambda: krippendorff_alpha([([1], [2])], "nominal"), "could not read"),
        (lambda: cohen_kappa([(1, 2, 3)]), "exactly two coders"),
        (lambda: cohen_kappa([(1, None)]), "at least two coders"),
        (lambda: cohen_kappa([(1, 2)], weights="squared"), "weights must be"),
        (lambda: cohen_kappa([("lo", "hi")], weights="linear"), "categories="),
        (lambda: fleiss_kappa([(1, 2, None), (1, 1, 1)]), "same number of times"),
        (lambda: free_marginal_kappa([(1, 2)], [1]), "at least two categories"),
        (lambda: free_marginal_kappa([(1, 3)], [1, 2]), "not among the categories"),
        (lambda: bootstrap_alpha([(1, 2)], "nominal", samples=0), "samples"),
        (lambda: cohen_kappa_ci([(1, 2)], confidence=95), "confidence"),
    ],
)
def test_invalid_input_raises_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_level_of_measurement_has_no_silent_default():
    with pytest.raises(TypeError):
        krippendorff_alpha(KRIPPENDORFF_C)  # type: ignore[call-arg]


# --- Bootstrap -----------------------------------------------------------------


def test_bootstrap_is_reproducible_with_a_seed_and_brackets_alpha():
    first = bootstrap_alpha(KRIPPENDORFF_C, "ordinal", samples=500, seed=7)
    again = bootstrap_alpha(KRIPPENDORFF_C, "ordinal", samples=500, seed=7)
    assert first == again
    assert first.estimate == pytest.approx(krippendorff_alpha(KRIPPENDORFF_C, "ordinal"))
    assert first.low < first.estimate <= first.high <= 1
    assert first.confidence == 0.95


def test_bootstrap_interval_narrows_with_more_units():
    rng = random.Random(3)
    units = []
    for _ in range(2000):
        truth = rng.random() < 0.3
        units.append(tuple(int(truth if rng.random() < 0.9 else not truth) for _ in range(3)))
    small = bootstrap_alpha(units[:100], "nominal", samples=400, seed=1)
    large = bootstrap_alpha(units, "nominal", samples=400, seed=1)
    assert large.high - large.low < (small.high - small.low) / 2
    assert large.low < krippendorff_alpha(units, "nominal") < large.high


def test_bootstrap_of_perfect_agreement_is_one():
    data = [(c, c, c) for c in "abcab" * 10]
    assert bootstrap_alpha(data, "nominal", samples=50, seed=0)[:3] == (1.0, 1.0, 1.0)


# --- From codings to per-code data ---------------------------------------------


def test_per_code_data_distinguishes_not_applied_from_not_coded():
    codings = {
        "post-1": {"ana": {"hope"}, "ben": {"hope", "fear"}},
        "post-2": {"ana": set(), "ben": {"fear"}},
        "post-3": {"ana": {"fear"}, "ben": None},
        # post-4: nobody coded it yet
    }
    posts = ["post-1", "post-2", "post-3", "post-4"]
    assert per_code_data(codings, posts, ["ana", "ben"], "hope") == [
        (1, 1),
        (0, 0),
        (0, None),
        (None, None),
    ]
    fear = per_code_data(codings, posts, ["ana", "ben"], "fear")
    assert fear == [(0, 1), (0, 1), (1, None), (None, None)]
    assert percent_agreement(fear) == 0.0  # only posts 1 and 2 are comparable


# --- Properties ----------------------------------------------------------------

LABELS = st.sampled_from("abcd")


@st.composite
def coded_tables(draw, min_coders=2, max_coders=4, missing=True):
    """Units x coders tables of labels, with some missing values if allowed."""
    coders = draw(st.integers(min_coders, max_coders))
    cell = st.one_of(st.none(), LABELS) if missing else LABELS
    return draw(st.lists(st.tuples(*[cell] * coders), min_size=2, max_size=25))


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, abs_tol=1e-9)


def pairable(data):
    return any(sum(v is not None for v in row) >= 2 for row in data)


@given(st.lists(st.sampled_from([1, 2, 3, 5]), min_size=2, max_size=20), st.integers(2, 5))
def test_perfect_agreement_with_variation_gives_one(values, coders):
    data = [(v,) * coders for v in values]
    if len(set(values)) < 2:
        assert math.isnan(krippendorff_alpha(data, "nominal"))
        return
    for level in reliability.LEVELS:
        assert krippendorff_alpha(data, level) == pytest.approx(1.0)
    assert fleiss_kappa(data) == pytest.approx(1.0)
    assert percent_agreement(data) == 1.0
    if coders == 2:
        assert cohen_kappa(data) == pytest.approx(1.0)


@given(coded_tables(), st.permutations("abcd"))
def test_nominal_measures_ignore_the_names_of_categories(data, renamed):
    rename = dict(zip("abcd", renamed, strict=True))
    relabelled = [tuple(None if v is None else rename[v] for v in row) for row in data]
    if not pairable(data):
        return
    assert same(krippendorff_alpha(data, "nominal"), krippendorff_alpha(relabelled, "nominal"))
    assert same(percent_agreement(data), percent_agreement(relabelled))
    complete = [row for row in data if None not in row]
    if complete:
        renamed_complete = [tuple(rename[v] for v in row) for row in complete]
        assert same(fleiss_kappa(complete), fleiss_kappa(renamed_complete))
        first_two = [row[:2] for row in renamed_complete]
        assert same(cohen_kappa([row[:2] for row in complete]), cohen_kappa(first_two))


@given(coded_tables(), st.randoms(use_true_random=False))
def test_measures_ignore_the_order_of_coders_and_units(data, rng):
    if not pairable(data):
        return
    coders = list(range(len(data[0])))
    rng.shuffle(coders)
    shuffled = [tuple(row[c] for c in coders) for row in data]
    rng.shuffle(shuffled)
    numeric = [tuple(None if v is None else "abcd".index(v) for v in row) for row in data]
    numeric_shuffled = [
        tuple(None if v is None else "abcd".index(v) for v in row) for row in shuffled
    ]
    for level in reliability.LEVELS:
        assert same(krippendorff_alpha(numeric, level), krippendorff_alpha(numeric_shuffled, level))
    assert same(percent_agreement(data), percent_agreement(shuffled))
    complete = [row for row in data if None not in row]
    if complete:
        assert same(fleiss_kappa(complete), fleiss_kappa([row[::-1] for row in reversed(complete)]))
        assert same(
            cohen_kappa([r[:2] for r in complete]), cohen_kappa([r[1::-1] for r in complete])
        )


@given(coded_tables())
def test_percent_agreement_is_a_proportion(data):
    if pairable(data):
        assert 0.0 <= percent_agreement(data) <= 1.0


@given(coded_tables(), st.lists(st.tuples(st.integers(0, 3), LABELS), max_size=5))
def test_alpha_ignores_units_that_cannot_be_paired(data, lonely):
    if not pairable(data):
        return
    coders = len(data[0])
    unpairable = [
        tuple(label if c == coder % coders else None for c in range(coders))
        for coder, label in lonely
    ]
    assert same(
        krippendorff_alpha(data, "nominal"), krippendorff_alpha(data + unpairable, "nominal")
    )


@settings(max_examples=50)
@given(coded_tables(min_coders=2, max_coders=2, missing=False))
def test_two_coder_alpha_is_scotts_pi_corrected_for_sample_size(data):
    # Krippendorff (2011): with two coders and no missing data,
    # alpha = 1 - (2N - 1) / (2N) * (1 - pi), where pi is Scott's pi (= Fleiss' kappa).
    pi = fleiss_kappa(data)
    n = len(data)
    assert same(krippendorff_alpha(data, "nominal"), 1 - (2 * n - 1) / (2 * n) * (1 - pi))


def textbook_alpha(data, distance):
    """Krippendorff's alpha straight from its definition, pair by pair (slow, obvious)."""
    units = [[v for v in row if v is not None] for row in data]
    units = [values for values in units if len(values) >= 2]
    pooled = [v for values in units for v in values]
    observed = sum(
        distance(a, b) / (len(values) - 1)
        for values in units
        for i, a in enumerate(values)
        for j, b in enumerate(values)
        if i != j
    )
    expected = sum(
        distance(a, b) for i, a in enumerate(pooled) for j, b in enumerate(pooled) if i != j
    ) / (len(pooled) - 1)
    return 1 - observed / expected if expected else math.nan


DISTANCES = {
    "nominal": lambda a, b: float(a != b),
    "interval": lambda a, b: (a - b) ** 2,
    "ratio": lambda a, b: ((a - b) / (a + b)) ** 2 if a + b else 0.0,
}


@settings(max_examples=60)
@given(
    st.integers(2, 4).flatmap(
        lambda coders: st.lists(
            st.tuples(*[st.one_of(st.none(), st.integers(0, 6))] * coders), min_size=1, max_size=15
        )
    ),
    st.sampled_from(sorted(DISTANCES)),
)
def test_alpha_agrees_with_the_textbook_definition(data, level):
    if not pairable(data):
        return
    assert same(krippendorff_alpha(data, level), textbook_alpha(data, DISTANCES[level]))
