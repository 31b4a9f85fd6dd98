"""Reproducible samples of posts for coding rounds. Pure: no Django.

The same candidates, size, strata and seed always give the same sample, whatever
order the database returned the candidates in, so a methods section can say
"a random sample of 200 posts, stratified by platform, seed 20260114" and mean it.
"""

import random
from collections import defaultdict
from collections.abc import Hashable, Iterable


def random_sample(ids: Iterable[int], size: int, seed: int) -> list[int]:
    population = sorted(set(ids))
    if size >= len(population):
        chosen = population
    else:
        chosen = random.Random(seed).sample(population, size)
    return sorted(chosen)


def stratified_sample(units: Iterable[tuple[int, Hashable]], size: int, seed: int) -> list[int]:
    """Proportional allocation over strata, largest remainders first, seeded draws within each.

    ``units`` are (id, stratum) pairs. Every stratum with units gets its share of
    ``size`` (rounded so the shares add up to ``size``); ties in remainders go to the
    larger stratum, then to the stratum that sorts first, so allocation is stable.
    """
    strata: dict[Hashable, set[int]] = defaultdict(set)
    for unit_id, stratum in units:
        strata[stratum].add(unit_id)
    total = sum(len(ids) for ids in strata.values())
    if size >= total:
        return sorted(i for ids in strata.values() for i in ids)
    keys = sorted(strata, key=lambda k: (str(type(k)), str(k)))
    exact = {k: size * len(strata[k]) / total for k in keys}
    shares = {k: int(exact[k]) for k in keys}
    left = size - sum(shares.values())
    for key in sorted(
        keys, key=lambda k: (-(exact[k] - shares[k]), -len(strata[k]), keys.index(k))
    )[:left]:
        shares[key] += 1
    chosen = []
    for index, key in enumerate(keys):
        chosen.extend(random_sample(strata[key], shares[key], seed * 1_000_003 + index))
    return sorted(chosen)


def allocation(chosen: Iterable[int], units: Iterable[tuple[int, Hashable]]) -> dict[str, int]:
    """How many sampled units fell in each stratum, for the round's report."""
    stratum_of = dict(units)
    counts: dict[str, int] = defaultdict(int)
    for unit_id in chosen:
        counts[str(stratum_of[unit_id])] += 1
    return dict(sorted(counts.items()))
