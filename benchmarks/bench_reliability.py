"""How long a large coding round's reliability report takes.

A round of 10,000 posts, 4 coders and a codebook of 50 codes: each code is a
yes/no variable per post, so the report is 50 reliability computations over
10,000 x 4 values. Coders skip about 2% of posts, as real rounds do.

Run by hand:  .venv/bin/python benchmarks/bench_reliability.py
"""

import random
import time

from socialgood.reliability import (
    bootstrap_alpha,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    per_code_data,
)

POSTS = 10_000
CODERS = ["coder-1", "coder-2", "coder-3", "coder-4"]
CODES = [f"code-{i:02d}" for i in range(50)]


def synthetic_round(seed=42):
    """Codings where each coder sees the 'true' codes of a post and errs 10% of the time."""
    rng = random.Random(seed)
    prevalence = {code: rng.uniform(0.02, 0.4) for code in CODES}
    codings = {}
    for post in range(POSTS):
        truth = {code for code in CODES if rng.random() < prevalence[code]}
        by_coder = {}
        for coder in CODERS:
            if rng.random() < 0.02:
                continue  # this coder did not get to this post
            by_coder[coder] = {code for code in CODES if (code in truth) != (rng.random() < 0.1)}
        codings[post] = by_coder
    return codings


def timed(label, work):
    start = time.perf_counter()
    result = work()
    print(f"{label:<58} {time.perf_counter() - start:7.3f} s")
    return result


def main():
    codings = synthetic_round()
    posts = list(codings)
    print(f"{POSTS} posts x {len(CODERS)} coders x {len(CODES)} codes")

    per_code = timed(
        "per_code_data for all 50 codes",
        lambda: {code: per_code_data(codings, posts, CODERS, code) for code in CODES},
    )
    alphas = timed(
        "Krippendorff's alpha (nominal), all 50 codes",
        lambda: {code: krippendorff_alpha(rows, "nominal") for code, rows in per_code.items()},
    )
    complete = [post for post in posts if len(codings[post]) == len(CODERS)]
    complete_per_code = {code: per_code_data(codings, complete, CODERS, code) for code in CODES}
    timed(
        f"Fleiss' kappa, all 50 codes ({len(complete)} fully coded posts)",
        lambda: [fleiss_kappa(rows) for rows in complete_per_code.values()],
    )
    two_coders = {code: per_code_data(codings, posts, CODERS[:2], code) for code in CODES}
    timed(
        "Cohen's kappa (coders 1 and 2), all 50 codes",
        lambda: [cohen_kappa(rows) for rows in two_coders.values()],
    )
    interval = timed(
        "bootstrap alpha, 1000 resamples, one code",
        lambda: bootstrap_alpha(per_code[CODES[0]], "nominal", samples=1000, seed=1),
    )
    timed(
        "end to end: per_code_data + alpha, all 50 codes",
        lambda: [
            krippendorff_alpha(per_code_data(codings, posts, CODERS, code), "nominal")
            for code in CODES
        ],
    )
    print(
        f"alpha for {CODES[0]}: {alphas[CODES[0]]:.3f}, 95% CI {interval.low:.3f}-{interval.high:.3f}"
    )

    numbers = [[random.Random(i).randint(1, 7) for _ in CODERS] for i in range(POSTS)]
    timed(
        "ordinal alpha on a 7-point scale, 10,000 x 4",
        lambda: krippendorff_alpha(numbers, "ordinal"),
    )


if __name__ == "__main__":
    main()
