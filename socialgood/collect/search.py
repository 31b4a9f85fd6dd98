"""Full-text search over post text, on whichever database is in use.

    posts = search_posts(project, "respite care")           # a Post queryset
    posts = search_posts(project.posts.filter(kind="reply"), "burnout")

- SQLite: an FTS5 external-content table `collect_post_fts` over `collect_post.text`
  (the index holds terms and row ids, not a second copy of the text), kept in step by
  triggers, so a post deleted by any means leaves the index too.
- PostgreSQL: a stored generated `tsvector` column `collect_post.search` with a GIN
  index; the database keeps it in step by itself.

Both are created by migration 0002 and are not in the model, so the ORM never selects
them. Neither stems words ('simple' config, FTS5 `unicode61`): corpora are
multilingual, and a stemmer for one language garbles the others. One difference:
FTS5 ignores accents ("cafe" finds "Café"), PostgreSQL's 'simple' config does not.
"""

import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import OperationalError, connection
from django.db.models import BooleanField
from django.db.models.expressions import Expression, RawSQL

SQLITE_INSERT_TRIGGER = (
    "CREATE TRIGGER collect_post_fts_insert AFTER INSERT ON collect_post BEGIN"
    " INSERT INTO collect_post_fts(rowid, text) VALUES (new.id, new.text); END"
)
SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE collect_post_fts USING fts5("
    " text, content='collect_post', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2')",
    SQLITE_INSERT_TRIGGER,
    "CREATE TRIGGER collect_post_fts_delete AFTER DELETE ON collect_post BEGIN"
    " INSERT INTO collect_post_fts(collect_post_fts, rowid, text)"
    " VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER collect_post_fts_update AFTER UPDATE OF text ON collect_post BEGIN"
    " INSERT INTO collect_post_fts(collect_post_fts, rowid, text)"
    " VALUES ('delete', old.id, old.text);"
    " INSERT INTO collect_post_fts(rowid, text) VALUES (new.id, new.text); END",
    # Posts stored before this migration.
    "INSERT INTO collect_post_fts(collect_post_fts) VALUES ('rebuild')",
]
SQLITE_SCHEMA_UNDO = [
    "DROP TRIGGER collect_post_fts_update",
    "DROP TRIGGER collect_post_fts_delete",
    "DROP TRIGGER collect_post_fts_insert",
    "DROP TABLE collect_post_fts",
]

# A word in at least this many posts is common enough to look for post by post (see
# _TextMatch); measured at 1.15M posts: 260,000 matches took 0.3 s as a list, 2 ms probed.
COMMON_MATCHES = 20_000
PROBE_SECONDS = 0.05
PROBE_CHECK_EVERY = 1000  # SQLite virtual machine steps between looks at the clock
_newest_first_plan = ContextVar("newest_first_plan", default=None)

POSTGRESQL_SCHEMA = [
    "ALTER TABLE collect_post ADD COLUMN search tsvector GENERATED ALWAYS AS"
    " (to_tsvector('simple'::regconfig, coalesce(text, ''))) STORED",
    "CREATE INDEX collect_post_search ON collect_post USING gin (search)",
]
POSTGRESQL_SCHEMA_UNDO = [
    "DROP INDEX collect_post_search",
    "ALTER TABLE collect_post DROP COLUMN search",
]


def search_posts(posts, query):
    """The posts (a Project or a Post queryset) whose text matches every word of `query`.

    `query` is what a person types; on PostgreSQL it may use web-search syntax
    ("quoted phrases", -exclusions, or). An empty query matches nothing.
    """
    if not hasattr(posts, "filter"):
        posts = posts.posts.all()
    if connection.vendor == "postgresql":
        matches = RawSQL(
            "collect_post.search @@ websearch_to_tsquery('simple', %s)",
            [query],
            output_field=BooleanField(),
        )
        return posts.alias(matches_query=matches).filter(matches_query=True)
    fts_query = fts5_query(query)
    if not fts_query:
        return posts.none()
    return posts.filter(_TextMatch(fts_query))


def fts5_query(query):
    """User input as an FTS5 query: every word quoted (so nothing is syntax), all required."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


class _TextMatch(Expression):
    """The SQLite condition "this post's text matches", in the form that finds posts fastest.

    Usually `id IN (<the matches>)`: SQLite reads the matches from the index and looks
    each post up, which is fast for all but common words (about 0.3 s for a word in
    260,000 of a million posts, each looked up and sorted). For the newest posts first
    (newest_first) and a common word, it asks the index post by post while walking
    the posts in time order instead: a page is found after a few hundred posts.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, fts_query):
        super().__init__()
        self.fts_query = fts_query

    def as_sql(self, compiler, connection):
        plan = _newest_first_plan.get()
        if plan is not None and _matches_at_least(self.fts_query, COMMON_MATCHES):
            plan["probing"] = True
            return (
                "EXISTS (SELECT 1 FROM collect_post_fts WHERE collect_post_fts MATCH %s"
                " AND collect_post_fts.rowid = collect_post.id)",
                [self.fts_query],
            )
        return (
            "collect_post.id IN (SELECT rowid FROM collect_post_fts"
            " WHERE collect_post_fts MATCH %s)",
            [self.fts_query],
        )


def _matches_at_least(fts_query, count):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM collect_post_fts"
            " WHERE collect_post_fts MATCH %s LIMIT %s)",
            [fts_query, count],
        )
        return cursor.fetchone()[0] >= count


def newest_first(posts):
    """The rows of `posts` (a queryset ordered newest first, sliced to a page), fetched fast.

    A text search for a common word walks the posts in time order (see _TextMatch). That
    walk is slow when few posts match the other filters as well (a common English word
    among German posts), so it gets PROBE_SECONDS of CPU time; then the usual plan runs.
    """
    if connection.vendor != "sqlite":
        return list(posts)
    plan = {"probing": False}
    deadline = time.thread_time() + PROBE_SECONDS
    token = _newest_first_plan.set(plan)

    def out_of_time():
        return plan["probing"] and time.thread_time() > deadline

    connection.ensure_connection()
    connection.connection.set_progress_handler(out_of_time, PROBE_CHECK_EVERY)
    try:
        rows = list(posts)
    # sqlite3's own error too: with query logging on, Django's logger is what gets interrupted.
    except (OperationalError, sqlite3.OperationalError) as error:
        if not plan["probing"] or "interrupted" not in str(error):
            raise
        rows = None
    finally:
        connection.connection.set_progress_handler(None, 0)
        _newest_first_plan.reset(token)
    if rows is None:
        rows = list(posts)
    return rows


@contextmanager
def indexing_in_bulk(cursor, after_id):
    """Index the posts inserted in this block (ids above `after_id`) in one statement.

    Use inside the batch's transaction, on SQLite. The per-row insert trigger is the
    slowest part of a bulk insert (measured: 7.5 s of CPU for 118k posts, against 0.7 s
    for one INSERT ... SELECT), so it is dropped for the block. SQLite's DDL is
    transactional and the transaction holds the write lock: no other connection ever
    sees the table without its trigger, and a rollback restores it.
    """
    cursor.execute("DROP TRIGGER collect_post_fts_insert")
    yield
    cursor.execute(
        "INSERT INTO collect_post_fts(rowid, text) SELECT id, text FROM collect_post WHERE id > %s",
        [after_id],
    )
    cursor.execute(SQLITE_INSERT_TRIGGER)


def optimise_index():
    """Merge the SQLite index into one segment.

    Run after a large import (fewer segments, faster queries) and after deleting posts:
    FTS5 records a deletion as a marker until segments merge, and merging is what
    really drops the deleted posts' terms from the file.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO collect_post_fts(collect_post_fts) VALUES ('optimize')")
