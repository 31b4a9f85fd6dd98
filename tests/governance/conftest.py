"""Invented people posting on Bluesky (searchPosts pages, true to the lexicon), and
helpers that look for them anywhere socialgood could have left a trace.

Every person has a distinctive handle, DID, display name, e-mail address and phone
number; their posts carry a unique marker word, so a search for the marker finds the
text in any table, the full-text index or the database file.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from socialgood.collect.imports import import_files

B32 = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass
class Person:
    name: str  # lower-case letters and digits, at least 6 characters

    @property
    def handle(self):
        return f"{self.name}.example.org"

    @property
    def did(self):
        body = "".join(B32[ord(c) % 32] for c in self.name)
        return "did:plc:" + (body + "q" * 24)[:24]

    @property
    def display_name(self):
        return f"{self.name.capitalize()} Testperson"

    @property
    def email(self):
        return f"{self.name}.mail@example.org"

    @property
    def phone(self):
        digits = "".join(str(ord(c) % 10) for c in self.name)
        return f"+44 7700 9{(digits + '00000')[:5]}"

    def identifiers(self):
        return [self.handle, self.did, self.display_name, self.email, self.phone]


@dataclass
class Message:
    author: Person
    text: str
    marker: str
    mentions: list = field(default_factory=list)


def post_view(message, n):
    """One app.bsky.feed.defs#postView, as app.bsky.feed.searchPosts returns it."""
    author = message.author
    text = message.text
    facets = []
    for person in message.mentions:
        mention = "@" + person.handle
        text = f"{text} {mention}"
        end = len(text.encode())
        facets.append(
            {
                "index": {"byteStart": end - len(mention.encode()), "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": person.did}],
            }
        )
    record = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": f"2026-03-{1 + n % 28:02d}T10:{n % 60:02d}:00.000Z",
        "langs": ["en"],
    }
    if facets:
        record["facets"] = facets
    return {
        "uri": f"at://{author.did}/app.bsky.feed.post/3k{n:08d}",
        "cid": f"bafyrei{n:010d}",
        "author": {
            "did": author.did,
            "handle": author.handle,
            "displayName": author.display_name,
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{author.did}/bafkav{n}@jpeg",
            "labels": [],
            "createdAt": "2023-05-01T00:00:00.000Z",
        },
        "indexedAt": f"2026-03-{1 + n % 28:02d}T10:{n % 60:02d}:01.000Z",
        "replyCount": 0,
        "repostCount": n % 3,
        "likeCount": n % 5,
        "quoteCount": 0,
        "record": record,
        "labels": [],
    }


def write_page(path, messages, start=0):
    posts = [post_view(m, start + i) for i, m in enumerate(messages)]
    path.write_text(json.dumps({"posts": posts, "cursor": None}) + "\n")
    return path


def import_messages(project, tmp_path, messages, name="search.jsonl", user=None, start=0):
    path = write_page(tmp_path / name, messages, start)
    run = import_files(project, [path], user=user)
    assert run.status == "done", run.message
    return run


ANA = Person("anaquill7")
BO = Person("bostrand42")
CY = Person("cymarsh99")


def standard_messages():
    """Five posts by three people, with contacts in the text and mentions of each other."""
    return [
        Message(
            ANA, f"Caring alone is hard, write me at {ANA.email} zqana1word", "zqana1word", [BO]
        ),
        Message(ANA, f"Call {ANA.phone} if you need respite tips zqana2word", "zqana2word"),
        Message(BO, f"Thanks! I am {BO.email} zqbo1word", "zqbo1word", [ANA]),
        Message(
            CY, f"Our carers group meets Tuesdays zqcy1word ring {CY.phone}", "zqcy1word", [ANA, BO]
        ),
        Message(CY, "Burnout is real zqcy2word", "zqcy2word"),
    ]


PEOPLE = [ANA, BO, CY]


@pytest.fixture(autouse=True)
def own_file_store(settings, tmp_path):
    """A fresh file store per test: files, unlike rows, outlive a test's rollback."""
    settings.STORAGE_DIR = tmp_path / "store"
    settings.MEDIA_ROOT = settings.STORAGE_DIR
    settings.STORAGE_DIR.mkdir()
    return settings.STORAGE_DIR


@pytest.fixture
def imported(world, tmp_path):
    """The world's project with the standard posts imported through the real importer."""
    run = import_messages(world.project, tmp_path, standard_messages(), user=world.analyst)
    world.run, world.run_path = run, tmp_path / "search.jsonl"
    return world


# --- looking for traces ----------------------------------------------------------------------


def text_columns():
    """(table, [columns]) of every table the models define, with their text-like columns."""
    kinds = ("CharField", "TextField", "JSONField", "BinaryField", "SlugField", "URLField")
    found = []
    for model in apps.get_models(include_auto_created=True):
        columns = [
            f.column
            for f in model._meta.local_fields
            if f.get_internal_type() in kinds and f.column
        ]
        if columns:
            found.append((model._meta.db_table, columns))
    return found


def rows_containing(needle):
    """Every (table, column) whose values contain `needle`, in any table, case-insensitively."""
    hits = []
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table, columns in text_columns():
            if table not in existing:
                continue
            for column in columns:
                cast = (
                    f'CAST("{column}" AS TEXT)'
                    if connection.vendor == "sqlite"
                    else f'"{column}"::text'
                )
                # Table and column names come from the models, never from input.
                query = f'SELECT COUNT(*) FROM "{table}" WHERE LOWER({cast}) LIKE %s'  # noqa: S608
                cursor.execute(query, [f"%{needle.lower()}%"])
                if cursor.fetchone()[0]:
                    hits.append((table, column))
    return hits


def fts_matches(word):
    """Posts the search index still returns for `word` (SQLite FTS5 or PostgreSQL tsvector)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COUNT(*) FROM collect_post_fts WHERE collect_post_fts MATCH %s",
                [f'"{word}"'],
            )
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM collect_post WHERE search @@ to_tsquery('simple', %s)",
                [word],
            )
        return cursor.fetchone()[0]


def fts_index_holds(word):
    """Does the SQLite FTS5 index still hold `word` as a term (deleted or not)?"""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, 'collect_post_fts', 'row')"
        )
        cursor.execute("SELECT COUNT(*) FROM temp.fts_vocab WHERE term = %s", [word.lower()])
        return cursor.fetchone()[0] > 0


def database_files():
    """The database's files as bytes: SQLite's file and its write-ahead log, or on
    PostgreSQL the files of the test database's tables, indexes and TOAST tables, read
    from the server's data folder after a checkpoint (the tests run beside it)."""
    if connection.vendor == "postgresql":
        return _postgresql_files()
    name = connection.settings_dict["NAME"]
    data = b""
    for suffix in ("", "-wal"):
        try:
            with open(f"{name}{suffix}", "rb") as f:
                data += f.read()
        except FileNotFoundError:
            pass
    return data


def _postgresql_files():
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # what is in shared buffers reaches the files
        cursor.execute("SHOW data_directory")
        (folder,) = cursor.fetchone()
        # The application's tables and indexes, and their TOAST tables and indexes. Not the
        # server's catalogs: the planner's statistics (pg_statistic) sample column values
        # whenever autovacuum analyses a table, and only the server's owner can rewrite them.
        cursor.execute(
            "WITH app AS (SELECT oid, reltoastrelid FROM pg_class"
            "  WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')),"
            " toast AS (SELECT reltoastrelid AS oid FROM app WHERE reltoastrelid <> 0),"
            " toast_index AS (SELECT indexrelid AS oid FROM pg_index"
            "  WHERE indrelid IN (SELECT oid FROM toast))"
            " SELECT pg_relation_filepath(oid) FROM"
            " (SELECT oid FROM app UNION SELECT oid FROM toast UNION SELECT oid FROM toast_index) r"
            " WHERE pg_relation_filepath(oid) IS NOT NULL"
        )
        paths = [Path(folder) / path for (path,) in cursor.fetchall()]
    data = bytearray()
    read = 0
    for path in paths:
        # A relation over 1 GB continues in <file>.1, <file>.2, …
        for segment in [path, *sorted(path.parent.glob(path.name + ".[0-9]*"))]:
            try:
                data += segment.read_bytes()
                read += 1
            except FileNotFoundError:
                pass  # a relation dropped since the query
            except PermissionError:
                pytest.skip(f"the PostgreSQL server's files can't be read by this user ({path})")
    if not read:  # every "not in the files" check would pass, vacuously
        pytest.skip(f"the PostgreSQL server's files are not on this machine ({folder})")
    return bytes(data)


def store_files_containing(needle):
    hits = []
    for path in settings.STORAGE_DIR.rglob("*"):
        if path.is_file() and needle.encode().lower() in path.read_bytes().lower():
            hits.append(path)
    return hits


def is_pseudonym(value):
    return re.fullmatch(r"user-[0-9a-f]{16}", value) is not None
