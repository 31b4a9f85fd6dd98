"""Auto-coding as suggestions: rules and a classifier propose, a person accepts or rejects.

Suggestions are Codings with status "suggested" and origin "rule" or "model"; they
never count as anyone's coding until accepted, and their agreement with the human
coders is reported with the same statistics as a second coder's.
"""

import math
from datetime import datetime

import regex
from django.db import transaction
from django.utils import timezone

from socialgood import reliability
from socialgood.coding.models import AutoRule, Code, Coding
from socialgood.collect.models import PostHashtag
from socialgood.projects.models import AuditEvent

MODEL_CODER = "classifier"
MIN_EXAMPLES = 5  # per class: fewer and cross-validation says nothing


class AutoCodeError(ValueError):
    """A rule or model that cannot run, in plain words."""


def check_rule(kind, pattern):
    pattern = pattern.strip()
    if not pattern:
        raise AutoCodeError("A rule needs something to look for.")
    if kind == AutoRule.Kind.REGEX:
        try:
            regex.compile(pattern)
        except regex.error as error:
            raise AutoCodeError(f"That regular expression does not work: {error}.") from None
    if kind == AutoRule.Kind.DATE:
        _date_range(pattern)
    return pattern


def _date_range(pattern):
    try:
        since, until = (part.strip() for part in pattern.split("..", 1))
        return (
            datetime.fromisoformat(since).date() if since else None,
            datetime.fromisoformat(until).date() if until else None,
        )
    except ValueError:
        raise AutoCodeError(
            "Write a date range as 2026-01-01..2026-03-31 (either end may be empty)."
        ) from None


def matching_posts(rule):
    posts = rule.project.posts.all()
    pattern = rule.pattern
    if rule.kind == AutoRule.Kind.HASHTAG:
        tag = pattern.lstrip("#").lower()
        return posts.filter(
            id__in=PostHashtag.objects.filter(project=rule.project, tag=tag).values("post_id")
        )
    if rule.kind == AutoRule.Kind.AUTHOR:
        return posts.filter(author=pattern)
    if rule.kind == AutoRule.Kind.PLATFORM:
        return posts.filter(platform=pattern.lower())
    if rule.kind == AutoRule.Kind.DATE:
        since, until = _date_range(pattern)
        if since:
            posts = posts.filter(created_at__date__gte=since)
        if until:
            posts = posts.filter(created_at__date__lte=until)
        return posts
    if rule.kind == AutoRule.Kind.KEYWORD:
        compiled = regex.compile(r"(?<!\w)" + regex.escape(pattern) + r"(?!\w)", regex.IGNORECASE)
    else:
        compiled = regex.compile(pattern, regex.IGNORECASE)
    # Text matching runs in Python so keyword and regex rules behave the same on both databases.
    ids = [
        pid
        for pid, text in posts.values_list("id", "text").iterator(chunk_size=2000)
        if compiled.search(text, timeout=1)
    ]
    return rule.project.posts.filter(id__in=ids)


def run_rule(rule, *, by):
    """Suggest the rule's code for every matching post not already coded or suggested with it."""
    already = set(
        Coding.objects.filter(code=rule.code, round=None, start=None).values_list(
            "post_id", flat=True
        )
    )
    new = [pid for pid in matching_posts(rule).values_list("id", flat=True) if pid not in already]
    Coding.objects.bulk_create(
        Coding(
            project=rule.project,
            post_id=pid,
            code=rule.code,
            coder_name=f"rule {rule.pk}",
            origin=Coding.Origin.RULE,
            status=Coding.Status.SUGGESTED,
            rule=rule,
        )
        for pid in new
    )
    AuditEvent.record(by, rule.project, "autocode.rule", target=rule.code.name, suggested=len(new))
    return len(new)


def review(coding, accept, *, by):
    if coding.status != Coding.Status.SUGGESTED:
        return
    coding.status = Coding.Status.ACCEPTED if accept else Coding.Status.REJECTED
    coding.reviewed_by = by
    coding.save(update_fields=["status", "reviewed_by"])


def human_labels(project):
    """{post id: set of code ids} from people's accepted whole-post or span coding, outside rounds."""
    labels = {}
    rows = Coding.objects.filter(
        project=project,
        round=None,
        status=Coding.Status.ACCEPTED,
        origin__in=[Coding.Origin.HUMAN, Coding.Origin.IMPORTED],
    ).values_list("post_id", "code_id")
    for post_id, code_id in rows:
        labels.setdefault(post_id, set()).add(code_id)
    return labels


def _fit_and_score(texts, targets, folds, seed):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True),
        LogisticRegression(max_iter=1000, class_weight="balanced"),
    )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = cross_val_predict(model, texts, targets, cv=splitter)
    model.fit(texts, targets)
    return model, predicted


def train_and_suggest(project, *, by, seed=0, threshold=0.5):
    """Train one classifier per code on human-coded posts; report cross-validated quality.

    Posts a person coded (with any code) are the training set; for each code, the
    posts coded with it are positives, the other coded posts negatives. Codes with
    fewer than MIN_EXAMPLES positives or negatives are reported and skipped. The model
    then suggests codes for posts nobody has coded. Returns a report per code.
    """
    labels = human_labels(project)
    if not labels:
        raise AutoCodeError("Code some posts by hand first: the classifier learns from them.")
    coded_ids = sorted(labels)
    texts_by_id = dict(project.posts.filter(id__in=coded_ids).values_list("id", "text"))
    texts = [texts_by_id[i] for i in coded_ids]
    uncoded = list(project.posts.exclude(id__in=coded_ids).values_list("id", "text").order_by("id"))
    codes = Code.objects.filter(project=project, retired_at=None, is_codable=True)
    report = []
    suggestions = []
    for code in codes:
        targets = [int(code.id in labels[i]) for i in coded_ids]
        positives = sum(targets)
        negatives = len(targets) - positives
        if min(positives, negatives) < MIN_EXAMPLES:
            report.append(
                {
                    "code": code.name,
                    "code_id": code.id,
                    "skipped": f"needs at least {MIN_EXAMPLES} posts with and {MIN_EXAMPLES} without it "
                    f"(has {positives} and {negatives})",
                }
            )
            continue
        folds = min(5, positives, negatives)
        model, predicted = _fit_and_score(texts, targets, folds, seed)
        true_pos = sum(1 for t, p in zip(targets, predicted, strict=True) if t and p)
        predicted_pos = int(sum(predicted))
        rows = [(int(t), int(p)) for t, p in zip(targets, predicted, strict=True)]
        entry = {
            "code": code.name,
            "code_id": code.id,
            "examples": len(targets),
            "positives": positives,
            "folds": folds,
            "precision": true_pos / predicted_pos if predicted_pos else None,
            "recall": true_pos / positives,
            "percent_agreement": reliability.percent_agreement(rows),
            "cohen_kappa": _defined(reliability.cohen_kappa, rows),
            "alpha": _defined(reliability.krippendorff_alpha, rows, "nominal"),
        }
        report.append(entry)
        if uncoded:
            probabilities = model.predict_proba([t for _, t in uncoded])[:, 1]
            suggestions += [
                (pid, code, float(p))
                for (pid, _), p in zip(uncoded, probabilities, strict=True)
                if p >= threshold
            ]
    with transaction.atomic():
        Coding.objects.filter(
            project=project, origin=Coding.Origin.MODEL, status=Coding.Status.SUGGESTED
        ).delete()
        Coding.objects.bulk_create(
            Coding(
                project=project,
                post_id=pid,
                code=code,
                coder_name=MODEL_CODER,
                origin=Coding.Origin.MODEL,
                status=Coding.Status.SUGGESTED,
                confidence=confidence,
            )
            for pid, code, confidence in suggestions
        )
        AuditEvent.record(
            by,
            project,
            "autocode.model",
            target="tf-idf + logistic regression",
            suggested=len(suggestions),
        )
    return {
        "codes": report,
        "suggested": len(suggestions),
        "trained_on": len(coded_ids),
        "at": timezone.now().isoformat(),
    }


def _defined(function, *args):
    try:
        value = function(*args)
    except ValueError:
        return None
    return None if math.isnan(value) else value
