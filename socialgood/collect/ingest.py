"""Bulk storage of pseudonymised posts, one batch per transaction.

    counts = store_posts(project, posts, mapper="bluesky/1", import_run_id=run.pk)

The hot path of every import, so it bypasses the ORM (building model instances and
preparing values field by field costs more than the database work; see the stack notes
on bulk ingest) and talks SQL through Django's own connection:

- SQLite: `executemany(INSERT ... ON CONFLICT DO NOTHING)`.
- PostgreSQL: psycopg 3 `COPY` into a temporary table, then
  `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`.

Each call is one transaction: a crash or Ctrl-C loses the batch in flight and nothing
else, and the unique constraint `post_unique_per_project` makes a re-run skip what is
already stored. Hashtags, mentions, links and media are written only for posts this
call actually inserted, so a duplicate never adds its side rows twice.

The posts must already be pseudonymised (socialgood.privacy.pseudonyms); nothing here
looks at identifiers.
"""

import sqlite3
from datetime import UTC
from typing import NamedTuple

import msgspec
import orjson
from django.db import connection, transaction
from django.utils import timezone

from socialgood.collect import search, tallies
from socialgood.platforms.normalise import X_POST_URL
from socialgood.privacy import crypto

# Each commit writes every page the batch changed, and random inserts into the post
# indexes change a page per post and index: larger batches share pages. Measured on
# SQLite (100k twarc2 posts stored into a 1.15M-post project): 9.3 CPU s with 5,000
# per batch, 8.4 with 10,000, 6.9 with 20,000. On PostgreSQL it saved less (1M posts:
# server 96 → 91 CPU s) and costs memory (importer peak 456 → 483 MB).
BATCH_SIZE = 20_000

POST_COLUMNS = (
    "project_id", "platform", "platform_id", "url", "author", "created_at", "text", "lang",
    "kind", "reply_to", "quote_of", "repost_of", "thread_root", "community", "metrics",
    "engagement", "has_media", "has_alt_text", "import_run_id", "mapper", "raw_encrypted",
    "stored_at",
)  # fmt: skip
HASHTAG_COLUMNS = ("project_id", "post_id", "tag")
MENTION_COLUMNS = ("project_id", "post_id", "person")
LINK_COLUMNS = ("project_id", "post_id", "url", "domain")
MEDIA_COLUMNS = (
    "project_id", "post_id", "position", "type", "url", "preview_url", "alt_text", "width",
    "height",
)  # fmt: skip
SIDE_TABLES = (
    ("collect_posthashtag", HASHTAG_COLUMNS),
    ("collect_postmention", MENTION_COLUMNS),
    ("collect_postlink", LINK_COLUMNS),
    ("collect_postmedia", MEDIA_COLUMNS),
)
MAX_DIMENSION = 2**31 - 1
_encode_json = msgspec.json.encode

# sqlite3 binds str, int, float and bytearray as they are but looks every other value up
# as something to adapt, None included: a tuple, a registry lookup and two attribute
# lookups per NULL (~3,300 instructions; a tenth of storing a batch, at ~9 NULLs per
# post). Registered, None is found at the first lookup and bound as NULL.
sqlite3.register_adapter(type(None), lambda value: value)


LOOKUP_CHUNK = 2000


class Counts(NamedTuple):
    inserted: int
    duplicates: int
    withdrawn: int = 0  # deleted on the platform earlier: kept out


def store_posts(project, posts, *, mapper, import_run_id=None):
    """Store one batch of posts in one transaction; returns Counts(inserted, duplicates).

    `mapper` is the provenance "<format>/<mapper version>". A post already stored in the
    project (same platform and platform_id), or seen earlier in the batch, counts as a
    duplicate. A post the platform said was deleted (or whose author was) is kept out.
    Raw payloads are kept, encrypted with the project key, only when the project opted
    in.
    """
    unique = {}
    for post in posts:
        # As stored: an id cut or cleaned on the way in is known by what was stored.
        unique.setdefault((post.platform, _clip(post.platform_id, 500)), post)
    duplicates_in_batch = len(posts) - len(unique)
    withdrawn = _withdrawn(project, unique)
    for key in withdrawn:
        del unique[key]
    for key in _stored_under_another_key(project, unique):
        del unique[key]
        duplicates_in_batch += 1
    if not unique:
        return Counts(0, duplicates_in_batch, len(withdrawn))

    on_postgresql = connection.vendor == "postgresql"
    stored_at = timezone.now()
    if not on_postgresql:
        stored_at = _sqlite_time(stored_at)
    raw_key = project.secret_key if project.keep_raw else None
    mapper = mapper[:40]
    rows = [
        _post_row(project.pk, post, mapper, import_run_id, stored_at, raw_key, on_postgresql)
        for post in unique.values()
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if on_postgresql:
            ids = _insert_posts_postgresql(cursor, rows)
        else:
            ids = _insert_posts_sqlite(cursor, rows)
        side_rows = _side_rows(project.pk, unique, ids)
        for (table, columns), values in zip(SIDE_TABLES, side_rows, strict=True):
            if values:
                _insert_many(cursor, table, columns, values)
        tallies.add(cursor, project.pk, list(ids.values()))
    return Counts(len(ids), duplicates_in_batch + len(unique) - len(ids), len(withdrawn))


def _withdrawn(project, unique):
    """The keys of the batch's posts that were deleted on their platform, by themselves or
    with their author's account (collect.models.Withdrawn)."""
    from socialgood.collect.models import Withdrawn

    notices = Withdrawn.objects.filter(project=project)
    if not notices.exists():  # the usual case: one cheap query per batch
        return []
    ids = {post.platform_id for post in unique.values()}
    authors = {post.author.id for post in unique.values() if post.author.id}
    gone = set()
    for kind, values in ((Withdrawn.Kind.POST, ids), (Withdrawn.Kind.AUTHOR, authors)):
        values = list(values)
        for start in range(0, len(values), LOOKUP_CHUNK):
            chunk = values[start : start + LOOKUP_CHUNK]
            found = notices.filter(kind=kind, value__in=chunk).values_list("platform", "value")
            gone.update((kind, platform, value) for platform, value in found)
    return [
        (platform, platform_id)
        for (platform, platform_id), post in unique.items()
        if ("post", platform, platform_id) in gone or ("author", platform, post.author.id) in gone
    ]


def _stored_under_another_key(project, unique):
    """The keys of the batch's posts that are stored (or in the batch) under another key
    they are known by.

    - An edited X post, under a later version's id: before mapper version 3 every
      version was keyed by its own (its link holds the id of the version at hand).
    - A Bluesky repost, under its other form: its record's uri, or
      "<post>#repost-by-<reposter>", which platforms.bluesky writes for feeds saved
      before late 2024 that don't give the uri (found by reposter and post).
    Here, not in the importer: live collections store through this function too.
    """
    other = {}  # (platform, the other platform_id) -> key
    reposts = {}  # (reposter, post) -> key of a repost known by the feed form
    for key, post in unique.items():
        platform = key[0]
        if platform == "x" and post.url and post.url.startswith(X_POST_URL):
            version = post.url[len(X_POST_URL) :]
            if version != post.platform_id:
                other["x", version] = key
        elif platform == "bluesky" and post.kind == "repost" and post.repost_of:
            feed_form = f"{post.repost_of}#repost-by-{post.author.id}"
            if key[1] == feed_form:
                reposts[post.author.id, post.repost_of] = key
            else:
                other["bluesky", feed_form] = key
    # Both forms in this batch: the one at hand stays, the other (the form that says
    # less) goes.
    gone = {found for found in other if found in unique}
    for platform in {platform for platform, _ in other}:
        ids = [platform_id for each, platform_id in other if each == platform]
        stored = project.posts.filter(platform=platform, platform_id__in=ids).order_by()
        gone.update(
            other[platform, found] for found in stored.values_list("platform_id", flat=True)
        )
    if reposts:  # old feeds only
        authors = {author for author, _ in reposts}
        stored = project.posts.filter(platform="bluesky", kind="repost", author__in=authors)
        pairs = stored.order_by().values_list("author", "repost_of")
        gone.update(reposts[pair] for pair in pairs if pair in reposts)
    return gone


def refresh_statistics():
    """Give the query planner fresh statistics on the post tables (after many new posts).

    Without them SQLite answered the browser's author filter and the thread view at
    1.15M posts by walking the whole time index (1-2 s) instead of using their own
    indexes. `analysis_limit` samples each index, so this takes ~30 ms at that size.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ANALYZE collect_post, collect_posthashtag, collect_postmention,"
                " collect_postlink, collect_tally"
            )
        else:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")


def batches(iterable, size=None):
    """Lists of up to `size` (default BATCH_SIZE) items, lazily."""
    size = size or BATCH_SIZE
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- rows ----------------------------------------------------------------------------


def _post_row(project_id, post, mapper, import_run_id, stored_at, raw_key, on_postgresql):
    # Runs once per post: attributes are read directly and the metrics encoded in one
    # call (msgspec writes the same compact JSON as orjson.dumps(to_builtins(...))).
    metrics = post.metrics
    engagement = (
        (metrics.likes or 0)
        + (metrics.reposts or 0)
        + (metrics.replies or 0)
        + (metrics.quotes or 0)
    )
    media = post.media
    raw = None
    if raw_key is not None and post.raw is not None:
        raw = crypto.encrypt(raw_key, orjson.dumps(post.raw), raw_payload_purpose(project_id, post))
    author = post.author
    return (
        project_id,
        post.platform,
        _clip(post.platform_id, 500),
        _text(post.url),
        author.id or author.handle or "",
        post.created_at if on_postgresql else _sqlite_time(post.created_at),
        _text(post.text) or "",
        _clip(post.lang, 16),
        post.kind,
        _clip(post.reply_to, 500),
        _clip(post.quote_of, 500),
        _clip(post.repost_of, 500),
        _clip(post.thread_root, 500),
        _clip(post.community, 300),
        _encode_json(metrics).decode(),
        engagement,
        # Integers, not bools: sqlite3 binds those without looking for an adapter.
        1 if media else 0,
        1 if media and any(item.alt_text for item in media) else 0,
        import_run_id,
        mapper,
        raw,
        stored_at,
    )


def raw_payload_purpose(project_id, post):
    """Associated data binding an encrypted payload to its project and post."""
    return f"raw post {project_id} {post.platform} {post.platform_id}".encode()


def _side_rows(project_id, posts_by_key, ids):
    hashtags, mentions, links, media = [], [], [], []
    for key, post_id in ids.items():
        post = posts_by_key[key]
        for tag in dict.fromkeys(post.hashtags):
            hashtags.append((project_id, post_id, tag[:200]))
        for person in dict.fromkeys(person.id or person.handle for person in post.mentions):
            if person:
                mentions.append((project_id, post_id, person))
        for link in post.links:
            links.append((project_id, post_id, _text(link.url), link.domain[:255]))
        for position, item in enumerate(post.media):
            media.append(
                (
                    project_id,
                    post_id,
                    position,
                    item.type[:10],
                    _text(item.url),
                    _text(item.preview_url),
                    _text(item.alt_text),
                    _dimension(item.width),
                    _dimension(item.height),
                )
            )
    return hashtags, mentions, links, media


def _sqlite_time(moment):
    # What Django's SQLite backend stores for an aware datetime: naive UTC, as str(),
    # which is isoformat(" ") without the "+00:00" (cheaper than replace(tzinfo=None)).
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(" ")[:-6]


def _text(value):
    # PostgreSQL text can't hold NUL; JSON can ("\u0000"), so junk input might.
    if value and "\x00" in value:
        return value.replace("\x00", "")
    return value


def _clip(value, length):
    if value is None:
        return None
    if "\x00" in value:  # as _text, inlined: this runs six times per post
        value = value.replace("\x00", "")
    return value[:length]


def _dimension(value):
    return value if isinstance(value, int) and 0 <= value <= MAX_DIMENSION else None


# --- SQL -----------------------------------------------------------------------------


def _insert_posts_sqlite(cursor, rows):
    """Insert, and return {(platform, platform_id): id} of the rows actually inserted.

    sqlite3's executemany can't return rows, but the batch's transaction holds the
    database's only write lock (IMMEDIATE, see settings), so the ids above the largest
    id before the batch are exactly the rows it inserted.
    """
    # A larger page cache than the 2 MB default: the post table's indexes take inserts
    # all over their B-trees (authors, parents), and rereading pages costs more.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("SELECT coalesce(max(id), 0) FROM collect_post")
    (before,) = cursor.fetchone()
    with search.indexing_in_bulk(cursor, before):
        cursor.executemany(
            _insert_sql("collect_post", POST_COLUMNS) + " ON CONFLICT DO NOTHING", rows
        )
    cursor.execute("SELECT id, platform, platform_id FROM collect_post WHERE id > %s", [before])
    return {(platform, platform_id): post_id for post_id, platform, platform_id in cursor}


def _insert_posts_postgresql(cursor, rows):
    """COPY into a temporary table, then insert what is new; returns the new rows' ids."""
    columns = ", ".join(POST_COLUMNS)
    cursor.execute(
        f"CREATE TEMPORARY TABLE incoming_post AS SELECT {columns} FROM collect_post WITH NO DATA"  # noqa: S608 - constant names
    )
    _copy(cursor, "incoming_post", POST_COLUMNS, rows)
    cursor.execute(
        f"INSERT INTO collect_post ({columns}) SELECT {columns} FROM incoming_post "  # noqa: S608 - constant names
        "ON CONFLICT DO NOTHING RETURNING id, platform, platform_id"
    )
    ids = {(platform, platform_id): post_id for post_id, platform, platform_id in cursor}
    # Dropped now, not at commit: the batch may be a savepoint in a longer transaction.
    cursor.execute("DROP TABLE incoming_post")
    return ids


def _insert_many(cursor, table, columns, rows):
    # Side rows belong to posts inserted a moment ago: nothing can conflict.
    if connection.vendor == "postgresql":
        _copy(cursor, table, columns, rows)
    else:
        cursor.executemany(_insert_sql(table, columns), rows)


def _insert_sql(table, columns):
    # Table and column names are this module's constants, never input.
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608


def _copy(cursor, table, columns, rows):
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row)
