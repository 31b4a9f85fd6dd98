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

from contextlib import contextmanager

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

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
    return posts.filter(
        id__in=RawSQL(
            "SELECT rowid FROM collect_post_fts WHERE collect_post_fts MATCH %s", [fts_query]
        )
    )


def fts5_query(query):
    """User input as an FTS5 query: every word quoted (so nothing is syntax), all required."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


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
