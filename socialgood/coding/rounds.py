"""Coding rounds: a seeded sample, assigned coders, blind coding, reliability, adjudication."""

import math
from collections import defaultdict

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from socialgood import reliability
from socialgood.analyze.filters import posts_for
from socialgood.coding import codebook, sampling
from socialgood.coding.models import Coding, CodingRound, RoundUnit, UnitDone
from socialgood.collect.models import PostHashtag
from socialgood.projects.models import AuditEvent

STRATA = ("", "platform", "hashtag", "month")
BOOTSTRAP_SAMPLES = 1000


class RoundError(ValueError):
    """A round that cannot be set up or changed, in plain words."""


def _strata(project, post_ids, stratify):
    posts = project.posts.filter(id__in=post_ids)
    if stratify == "platform":
        return list(posts.values_list("id", "platform"))
    if stratify == "month":
        return [
            (pid, month.strftime("%Y-%m"))
            for pid, month in posts.annotate(m=TruncMonth("created_at")).values_list("id", "m")
        ]
    if stratify == "hashtag":
        # A post's stratum is its first hashtag in alphabetical order; posts without one share "(none)".
        first = {}
        for pid, tag in (
            PostHashtag.objects.filter(project=project, post_id__in=post_ids)
            .order_by("post_id", "tag")
            .values_list("post_id", "tag")
        ):
            first.setdefault(pid, tag)
        return [(pid, first.get(pid, "(none)")) for pid in post_ids]
    raise RoundError(f"Unknown stratification {stratify!r}; use platform, hashtag or month.")


def draw_sample(project, *, size, seed, stratify="", params=None):
    """Post ids of a reproducible sample, and how they split over the strata."""
    if size < 1:
        raise RoundError("A round needs at least one post.")
    post_ids = list(posts_for(project, params or {}).values_list("id", flat=True))
    if not post_ids:
        raise RoundError("No posts match; import posts or widen the filter first.")
    if not stratify:
        return sampling.random_sample(post_ids, size, seed), {}
    units = _strata(project, post_ids, stratify)
    chosen = sampling.stratified_sample(units, size, seed)
    return chosen, sampling.allocation(chosen, units)


def create_round(project, *, by, name, coders, size, seed, stratify="", params=None, blind=True):
    coders = list(coders)
    if len(coders) < 1:
        raise RoundError("Assign at least one coder (two or more to measure agreement).")
    for coder in coders:
        if not project.permissions_for(coder).can("code_posts"):
            raise RoundError(f"{coder.username} may not code in this project.")
    chosen, allocation = draw_sample(
        project, size=size, seed=seed, stratify=stratify, params=params
    )
    with transaction.atomic():
        version = codebook.freeze(project, by=by, note=f"Frozen for round “{name}”")
        round_ = CodingRound.objects.create(
            project=project,
            name=name.strip() or f"Round {version.number}",
            codebook_version=version,
            blind=blind,
            seed=seed,
            sample={
                "size": size,
                "drawn": len(chosen),
                "stratify": stratify,
                "filter": params or {},
                "allocation": allocation,
            },
            created_by=by,
        )
        round_.coders.set(coders)
        RoundUnit.objects.bulk_create(
            RoundUnit(round=round_, post_id=pid, position=i) for i, pid in enumerate(chosen)
        )
        AuditEvent.record(
            by,
            project,
            "round.create",
            target=round_.name,
            units=len(chosen),
            coders=[c.username for c in coders],
            blind=blind,
            seed=seed,
        )
    return round_


def close_round(round_, *, by):
    round_.status = CodingRound.Status.CLOSED
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    AuditEvent.record(by, round_.project, "round.close", target=round_.name)


def mark_done(round_, post, user):
    unit = round_.units.filter(post=post).first()
    if unit is not None:
        UnitDone.objects.get_or_create(unit=unit, coder=user)


def progress(round_):
    """[(coder, units done, units)] for the round's coders."""
    total = round_.units.count()
    done = dict(
        UnitDone.objects.filter(unit__round=round_)
        .values("coder")
        .annotate(n=Count("id"))
        .values_list("coder", "n")
    )
    return [(coder, done.get(coder.id, 0), total) for coder in round_.coders.order_by("username")]


def applied_codes(round_, origin_filter=None):
    """{post id: {coder name: set of code ids}} for units each coder has finished.

    A unit a coder has not marked done counts as missing for that coder, not as
    "no codes", so a half-finished round is not mistaken for agreement on absence.
    """
    applied = defaultdict(dict)
    names = {}
    for unit_post, coder_id, coder_name in UnitDone.objects.filter(unit__round=round_).values_list(
        "unit__post_id", "coder_id", "coder__username"
    ):
        applied[unit_post][coder_name] = set()
        names[coder_id] = coder_name
    codings = Coding.objects.filter(round=round_, origin=Coding.Origin.HUMAN)
    for post_id, coder_id, code_id in codings.values_list("post_id", "coder_id", "code_id"):
        coder_name = names.get(coder_id)
        if coder_name is not None and coder_name in applied.get(post_id, {}):
            applied[post_id][coder_name].add(code_id)
    return applied


def _measures(rows, coders):
    """Every statistic the report shows, each None when it does not apply or is undefined."""

    def safe(function, *args, **kwargs):
        try:
            value = function(*args, **kwargs)
        except ValueError:
            return None
        return None if isinstance(value, float) and math.isnan(value) else value

    result = {
        "units": sum(1 for r in rows if sum(v is not None for v in r) >= 2),
        "percent_agreement": safe(reliability.percent_agreement, rows),
        "alpha": safe(reliability.krippendorff_alpha, rows, "nominal"),
        "cohen_kappa": safe(reliability.cohen_kappa, rows) if len(coders) == 2 else None,
        "fleiss_kappa": None,
        "alpha_low": None,
        "alpha_high": None,
    }
    complete = [r for r in rows if None not in r]
    if len(coders) >= 2 and complete:
        result["fleiss_kappa"] = safe(reliability.fleiss_kappa, complete)
    return result


def decision_table(round_):
    """Codes x units x coders: 1 applied, 0 not applied, nan where the coder has not finished the unit.

    Built with numpy straight from the database rows, so a round of 10,000 posts,
    4 coders and 50 codes (2 million decisions) needs no Python loop per decision.
    """
    applied = applied_codes(round_)
    coders = sorted({c for by_coder in applied.values() for c in by_coder})
    units = sorted(applied)
    codes = [c for c in round_.codebook_version.codes if c["is_codable"]]
    table = np.full((len(codes), len(units), len(coders)), np.nan)
    unit_index = {u: i for i, u in enumerate(units)}
    coder_index = {c: i for i, c in enumerate(coders)}
    code_index = {c["id"]: i for i, c in enumerate(codes)}
    for unit, by_coder in applied.items():
        for coder, code_ids in by_coder.items():
            u, k = unit_index[unit], coder_index[coder]
            table[:, u, k] = 0
            for code_id in code_ids:
                if code_id in code_index:
                    table[code_index[code_id], u, k] = 1
    return codes, units, coders, table


def _as_rows(matrix):
    """Units x coders (nan = missing) as the row tuples socialgood.reliability reads.

    Coding data repeat themselves (4 yes/no coders give at most 81 distinct rows), so
    each distinct row is built once and repeated; the measures count repeats anyway.
    """
    if not len(matrix):
        return []
    # Each row as one base-3 number (missing 0, absent 1, present 2): a fast 1-D unique.
    digits = np.where(np.isnan(matrix), 0, matrix + 1).astype(np.int64)
    keys = digits @ (3 ** np.arange(matrix.shape[1], dtype=np.int64))
    distinct, counts = np.unique(keys, return_counts=True)
    rows = []
    for key, count in zip(distinct.tolist(), counts.tolist(), strict=True):
        row = []
        for _ in range(matrix.shape[1]):
            key, digit = divmod(key, 3)
            row.append(None if digit == 0 else digit - 1)
        rows.extend([tuple(row)] * count)
    return rows


def reliability_report(round_, *, bootstrap=BOOTSTRAP_SAMPLES):
    """Overall and per-code agreement for a round (post-level, each code present/absent).

    Overall figures pool every (post, code) decision, the usual summary for a
    multi-code codebook; per-code figures show which codes need work.
    """
    codes, units, coders, table = decision_table(round_)
    per_code = []
    for index, code in enumerate(codes):
        measures = _measures(_as_rows(table[index]), coders)
        measures["code"] = code
        measures["applied"] = int(np.nansum(table[index]))
        per_code.append(measures)
    pooled = _as_rows(table.reshape(-1, max(len(coders), 1)))
    overall = _measures(pooled, coders)
    if overall["alpha"] is not None and bootstrap:
        interval = reliability.bootstrap_alpha(
            pooled, "nominal", samples=bootstrap, seed=round_.seed
        )
        overall["alpha_low"], overall["alpha_high"] = interval.low, interval.high
    return {"coders": coders, "units": len(units), "overall": overall, "per_code": per_code}


def disagreements(round_):
    """Units where finished coders applied different codes: [(unit, {coder: [codes]})]."""
    applied = applied_codes(round_)
    codes = {c["id"]: c for c in round_.codebook_version.codes}
    result = []
    units = {u.post_id: u for u in round_.units.select_related("post")}
    for post_id, by_coder in sorted(applied.items(), key=lambda item: units[item[0]].position):
        if len(by_coder) >= 2 and len({frozenset(s) for s in by_coder.values()}) > 1:
            result.append(
                (
                    units[post_id],
                    {
                        coder: sorted((codes[c] for c in ids), key=lambda c: c["name"])
                        for coder, ids in sorted(by_coder.items())
                    },
                )
            )
    return result


def adjudicate(round_, unit, code_ids, *, by):
    """Record the agreed codes of a unit (replacing an earlier adjudication)."""
    allowed = set(round_.codebook_version.code_ids())
    if not set(code_ids) <= allowed:
        raise RoundError("Some of those codes are not in this round's codebook version.")
    with transaction.atomic():
        Coding.objects.filter(
            round=round_, post_id=unit.post_id, origin=Coding.Origin.ADJUDICATED
        ).delete()
        Coding.objects.bulk_create(
            Coding(
                project=round_.project,
                post_id=unit.post_id,
                code_id=code_id,
                coder=by,
                coder_name=by.username,
                round=round_,
                origin=Coding.Origin.ADJUDICATED,
            )
            for code_id in sorted(set(code_ids))
        )
        unit.adjudicated_by = by
        unit.adjudicated_at = timezone.now()
        unit.save(update_fields=["adjudicated_by", "adjudicated_at"])
        AuditEvent.record(
            by, round_.project, "round.adjudicate", target=round_.name, post=unit.post_id
        )
