"""Questions asked of the coding: frequencies, co-occurrence, codes by attribute, coding
queries, exemplar quotes, and the post x code matrix for SPSS and R.

All of them read the project's *agreed* coding (`exchange.exported_codings`): accepted
codings outside rounds plus adjudicated round codings; suggestions do not count.
"""

import csv
import io
from collections import Counter, defaultdict

from django.db.models import Count
from django.db.models.functions import TruncMonth

from socialgood.coding import codebook
from socialgood.coding.exchange import exported_codings
from socialgood.coding.models import DOCUMENT_PLATFORM
from socialgood.collect.models import Post, PostHashtag

ATTRIBUTES = {
    "platform": "Platform",
    "hashtag": "Hashtag",
    "month": "Month",
    "language": "Language",
}


class QueryError(ValueError):
    """A query that cannot run, in plain words."""


def posts_by_code(project):
    """{code id: set of post ids}."""
    result = defaultdict(set)
    for post_id, code_id in exported_codings(project).values_list("post_id", "code_id"):
        result[code_id].add(post_id)
    return result


def frequencies(project):
    codings = Counter(
        dict(
            exported_codings(project)
            .values("code")
            .annotate(n=Count("id"))
            .values_list("code", "n")
        )
    )
    by_code = posts_by_code(project)
    return [
        {
            "code": code,
            "depth": depth,
            "codings": codings.get(code.id, 0),
            "posts": len(by_code.get(code.id, ())),
        }
        for code, depth in codebook.tree(project)
    ]


def cooccurrence(project):
    """Codes and a square matrix: posts coded with both (the diagonal: posts with the code)."""
    codes = [c for c in codebook.codable_codes(project)]
    by_code = posts_by_code(project)
    matrix = [
        [len(by_code.get(a.id, set()) & by_code.get(b.id, set())) for b in codes] for a in codes
    ]
    return codes, matrix


def _attribute_values(project, attribute, post_ids):
    posts = Post.objects.filter(project=project, id__in=post_ids)
    if attribute == "platform":
        return list(posts.values_list("id", "platform"))
    if attribute == "language":
        return [(pid, lang or "unknown") for pid, lang in posts.values_list("id", "lang")]
    if attribute == "month":
        return [
            (pid, month.strftime("%Y-%m"))
            for pid, month in posts.annotate(m=TruncMonth("created_at")).values_list("id", "m")
        ]
    if attribute == "hashtag":
        return list(
            PostHashtag.objects.filter(project=project, post_id__in=post_ids).values_list(
                "post_id", "tag"
            )
        )
    raise QueryError(f"Choose one of: {', '.join(ATTRIBUTES)}.")


def matrix_by(project, attribute, limit=30):
    """Codes x attribute values: number of coded posts in each cell. Hashtags: the most common `limit`."""
    by_code = posts_by_code(project)
    coded = set().union(*by_code.values()) if by_code else set()
    values_of = defaultdict(set)
    for pid, value in _attribute_values(project, attribute, coded):
        values_of[pid].add(value)
    totals = Counter(v for values in values_of.values() for v in values)
    columns = sorted(v for v, _ in totals.most_common(limit))
    rows = []
    for code in codebook.codable_codes(project):
        counts = Counter(v for pid in by_code.get(code.id, ()) for v in values_of.get(pid, ()))
        rows.append((code, [counts.get(c, 0) for c in columns]))
    return columns, rows


def coding_query(project, all_of=(), any_of=(), none_of=()):
    """Posts coded with every code in `all_of`, at least one of `any_of`, none of `none_of`."""
    if not (all_of or any_of):
        raise QueryError("Choose at least one code the posts must have.")
    by_code = posts_by_code(project)
    selected = None
    for code_id in all_of:
        found = by_code.get(int(code_id), set())
        selected = found if selected is None else selected & found
    if any_of:
        either = set().union(*(by_code.get(int(c), set()) for c in any_of))
        selected = either if selected is None else selected & either
    for code_id in none_of:
        selected -= by_code.get(int(code_id), set())
    return Post.objects.filter(project=project, id__in=selected)


def exemplars(project, code, limit=5):
    """Quotes for a code: the coded span (or whole post) with where it came from.

    Posts from public platforms are findable by searching their exact words, which can
    identify the author; `public` marks quotes to paraphrase before publishing.
    """
    result = []
    codings = (
        exported_codings(project)
        .filter(code=code)
        .select_related("post")
        .order_by("-post__engagement", "id")
    )
    seen = set()
    for coding in codings:
        if coding.post_id in seen:
            continue
        seen.add(coding.post_id)
        post = coding.post
        text = post.text if coding.start is None else post.text[coding.start : coding.end]
        result.append({"text": text, "post": post, "public": post.platform != DOCUMENT_PLATFORM})
        if len(result) >= limit:
            break
    return result


def post_code_matrix(project):
    """Header and rows: one row per coded post, one 0/1 column per code (named for SPSS/R)."""
    codes = codebook.codable_codes(project)
    by_code = posts_by_code(project)
    post_ids = sorted(set().union(*by_code.values())) if by_code else []
    header = ["post_id", "platform", "created_at", "author"] + [
        _variable_name(c.name, i) for i, c in enumerate(codes)
    ]
    posts = Post.objects.filter(project=project, id__in=post_ids).order_by("id")
    rows = []
    for post in posts.iterator(chunk_size=2000):
        rows.append(
            [post.id, post.platform, post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), post.author]
            + [int(post.id in by_code.get(c.id, ())) for c in codes]
        )
    return header, rows


def _variable_name(name, index):
    # SPSS and R want names that start with a letter and hold letters, digits and underscores.
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"code_{cleaned}"
    return f"{cleaned[:50]}_{index + 1}" if cleaned else f"code_{index + 1}"


def matrix_csv(project):
    header, rows = post_code_matrix(project)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def matrix_xlsx(project):
    from openpyxl import Workbook

    header, rows = post_code_matrix(project)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("post x code")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
