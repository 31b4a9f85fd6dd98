"""The whole project's dashboard counts, kept up to date as posts are stored.

    tallies.add(cursor, project_id, post_ids)     # in the transaction that stored the posts
    tallies.remove(cursor, project_id, post_ids)  # in the one deleting them, before
    tallies.counts(project, "hashtags", 20)       # [(value, posts)], most first

Counting a whole project by query took 0.3–2.1 s per figure for 1.15 million posts on
SQLite (a dashboard shows eight), so each stored batch adds its own counts to
Tally rows in the same transaction, and each deleted chunk of posts takes its own out:
the dashboard reads a few rows instead, and its counts always match the posts that
are stored. rebuild() counts a whole project again.

A post stored or deleted some other way (with the ORM) is noticed: Tally keeps the
highest post id it has counted ("through"), the media figure sums to the number of
posts, and ensure_current() recounts when a newer post or a different number of posts
is stored.
"""

import json

from django.db import connection, transaction
from django.db.models import Count, Max

FIGURES = ("volume", "hashtags", "mentions", "domains", "authors", "languages", "kinds", "media")
THROUGH = "through"  # the figure whose one row holds the highest post id counted
# PostgreSQL: adding and recounting for one project take turns (a transaction-level
# advisory lock), so a recount never misses or doubles a batch stored meanwhile.
LOCK_CLASS = 0x74616C6C

# (figure, table, value expression, what is counted). "batch" is the posts being counted,
# read once: on PostgreSQL five lookups of 20,000 posts by id cost 0.25 s of the 0.35.
_SQLITE_QUARTER = (
    "substr(created_at, 1, 14) || CASE WHEN substr(created_at, 15, 2) < '15' THEN '00'"
    " WHEN substr(created_at, 15, 2) < '30' THEN '15'"
    " WHEN substr(created_at, 15, 2) < '45' THEN '30' ELSE '45' END"
)
_POSTGRESQL_QUARTER = (
    "to_char(date_bin('15 minutes', created_at, TIMESTAMPTZ '2000-01-01 00:00+00')"
    " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
)
_COUNTS = (
    ("volume", "batch", "{quarter} || ' ' || platform", "count(*)"),
    ("hashtags", "collect_posthashtag", "tag", "count(*)"),
    ("mentions", "collect_postmention", "person", "count(*)"),
    # A post linking one site twice counts once; batches never share a post.
    ("domains", "collect_postlink", "domain", "count(DISTINCT post_id)"),
    ("authors", "batch", "author", "count(*)"),
    ("languages", "batch", "coalesce(lang, '')", "count(*)"),
    ("kinds", "batch", "kind", "count(*)"),
    (
        "media",
        "batch",
        "CASE WHEN has_media AND has_alt_text THEN 'alt' WHEN has_media THEN 'media'"
        " ELSE 'text' END",
        "count(*)",
    ),
)


def add(cursor, project_id, post_ids):
    """Count the posts `post_ids` (just stored in this transaction) into the tallies."""
    if not post_ids:
        return
    batch, params = _posts(cursor, project_id, post_ids, one_range=True)
    _count_into(cursor, project_id, batch, params)
    _mark_through(cursor, project_id, max(post_ids))


def remove(cursor, project_id, post_ids):
    """Take the posts `post_ids` out of the tallies, in the transaction that deletes them
    and before it does. Recounting the whole project instead took ~10 s at a million
    posts, for every deletion (a live collection may delete a few posts a minute)."""
    if not post_ids:
        return
    batch, params = _posts(cursor, project_id, post_ids)
    _count_into(cursor, project_id, batch, params, sign="-")
    cursor.execute(
        "DELETE FROM collect_tally WHERE project_id = %s AND posts <= 0 AND figure <> %s",
        [project_id, THROUGH],
    )


def rebuild(project):
    """Count the project's posts again from scratch (after posts were deleted)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, project.pk])
        cursor.execute("DELETE FROM collect_tally WHERE project_id = %s", [project.pk])
        _count_into(cursor, project.pk, None, [])
        last = project.posts.aggregate(last=Max("id"))["last"] or 0
        _mark_through(cursor, project.pk, last)


def counts(project, figure, limit=None):
    """[(value, posts)] of a figure for the whole project, most posts first.

    Call ensure_current(project) first (once for several figures).
    """
    from socialgood.collect.models import Tally

    if figure not in FIGURES:
        raise ValueError(f"no tally for {figure!r}")
    rows = Tally.objects.filter(project=project, figure=figure).order_by("-posts", "value")
    return list(rows.values_list("value", "posts")[:limit])


def ensure_current(project):
    """Recount if the tallies don't cover exactly the stored posts (their number and newest id).

    Every path of this code that stores or deletes posts keeps them current; this
    catches any other (a post created with the ORM, or deleted one by one).
    """
    from socialgood.collect.models import Tally

    stored = project.posts.aggregate(last=Max("id"), total=Count("id"))
    tallied = {THROUGH: 0, "media": 0}
    rows = Tally.objects.filter(project=project, figure__in=list(tallied))
    for figure, posts in rows.values_list("figure", "posts"):
        tallied[figure] += posts
    # Deleting the newest posts leaves "through" above the newest id, which is fine: new
    # posts always get higher ids.
    if (stored["last"] or 0) > tallied[THROUGH] or tallied["media"] != stored["total"]:
        rebuild(project)


def _posts(cursor, project_id, post_ids, one_range=False):
    """(condition on "{column}", params) that picks `post_ids` (`one_range`: all ids
    between the smallest and the largest, as a batch just stored on SQLite, whose
    transaction holds the database's only write lock).

    On PostgreSQL it also takes the project's tally lock and turns JIT off for the
    transaction: the planner guesses a few rows for an id list, the cost still crosses
    the JIT threshold, and compiling cost more than the query (~0.2 s per 100k posts).
    """
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, project_id])
        cursor.execute("SET LOCAL jit = off")
        # psycopg sends the list as one array parameter.
        return "{column} = ANY(%s)", [list(post_ids)]
    if one_range:
        return "{column} BETWEEN %s AND %s", [min(post_ids), max(post_ids)]
    return "{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(post_ids))]


def _count_into(cursor, project_id, batch, params, sign=""):
    """Add the counts of the project's posts (those matching `batch`, or all) to Tally."""
    quarter = _POSTGRESQL_QUARTER if connection.vendor == "postgresql" else _SQLITE_QUARTER
    # "+": the batch's ids pick the rows, not the project's index (SQLite without
    # statistics would otherwise read every post of the project).
    where = "+project_id = %s AND " + batch if batch else "project_id = %s"
    selects, values = [], []
    for figure, table, value, counted in _COUNTS:
        value = value.format(quarter=quarter)
        select = (
            f"SELECT '{figure}' AS figure, {value} AS value, {sign}{counted} AS posts FROM {table}"  # noqa: S608
        )
        if table != "batch":
            select += " WHERE " + where.format(column="post_id")
            values += [project_id, *params]
        selects.append(select + " GROUP BY 2")
    # "WHERE true": SQLite would otherwise read ON CONFLICT as part of the SELECT.
    cursor.execute(
        "WITH batch AS MATERIALIZED (SELECT created_at, platform, author, lang, kind, has_media,"  # noqa: S608 - constants
        f" has_alt_text FROM collect_post WHERE {where.format(column='id')})"
        " INSERT INTO collect_tally (project_id, figure, value, posts)"
        f" SELECT %s, figure, value, posts FROM ({' UNION ALL '.join(selects)}) AS counted"
        " WHERE true ON CONFLICT (project_id, figure, value)"
        " DO UPDATE SET posts = collect_tally.posts + excluded.posts",
        [project_id, *params, project_id, *values],
    )


def _mark_through(cursor, project_id, last_id):
    greatest = "GREATEST" if connection.vendor == "postgresql" else "max"
    cursor.execute(
        "INSERT INTO collect_tally (project_id, figure, value, posts) VALUES (%s, %s, '', %s)"  # noqa: S608
        " ON CONFLICT (project_id, figure, value) DO UPDATE"
        f" SET posts = {greatest}(collect_tally.posts, excluded.posts)",
        [project_id, THROUGH, last_id],
    )
