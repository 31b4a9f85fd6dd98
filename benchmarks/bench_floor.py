"""How fast an import could be at best: the database's own work for socialgood's schema.

    .venv/bin/python benchmarks/bench_floor.py --data /tmp/sgbench [--only twarc2_100k,bluesky_100k]
        [--databases sqlite,postgresql] [--pg-dsn "host=127.0.0.1 user=postgres"]

The file is read and pseudonymised first, off the clock. Then its posts are stored
exactly as an import stores them (`ingest.store_posts`, batch by batch), and what is
counted is only the CPU the database spends on them: on SQLite the time inside the
cursor calls and commits (SQLite runs in the importer's thread, one statement at a
time), on PostgreSQL the server backend's CPU (one backend per connection). No import
can take less wall time than that, however fast parsing, pseudonymising and building
rows became. Beside it, the raw limit of /work/shared/bench/baselines on the same file,
and the best ratio to it that this floor leaves.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_import import BASELINES, DATASETS, fresh_env, parser_of, timed  # noqa: E402


def database_seconds(path):
    """Runs in a fresh data directory (set up by fresh_env): the database's CPU seconds
    to store the file's posts, and how many were stored."""
    import django

    django.setup()
    import msgspec
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from socialgood.collect import imports, ingest
    from socialgood.platforms.model import Post
    from socialgood.projects.models import Project

    project = Project.create(name="bench", owner=User.objects.get(username="bench"))
    pseudonymiser = imports.project_pseudonymiser(project)
    plan = [(0, Path(path), ("json", None))]
    # As they cross the pipe from the reader: decoded posts, not the parser's objects.
    encode, decode = msgspec.msgpack.encode, msgspec.msgpack.Decoder(list[Post]).decode
    posts = []
    for message in imports.read_files(plan, pseudonymiser, False, imports.READ_LIMITS):
        if message[0] == "batch":
            posts.extend(decode(encode(message[2])))
    spent = [0.0]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (backend,) = cursor.fetchone()
        before = _process_cpu(backend)
    else:
        _count_time(spent)
    stored = 0
    for batch in ingest.batches(posts):
        with transaction.atomic():
            stored += ingest.store_posts(project, batch, mapper="bench/1").inserted
    if connection.vendor == "postgresql":
        spent[0] = _process_cpu(backend) - before
    print(f"{spent[0]:.3f} {stored}")


def _count_time(spent):
    """Adds the CPU time of every SQLite call the importer makes to spent[0]."""
    from django.db.backends.sqlite3.base import DatabaseWrapper, SQLiteCursorWrapper

    def timing(call):
        def timed_call(*args, **kwargs):
            started = time.process_time()
            try:
                return call(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - started

        return timed_call

    SQLiteCursorWrapper.execute = timing(SQLiteCursorWrapper.execute)
    SQLiteCursorWrapper.executemany = timing(SQLiteCursorWrapper.executemany)
    DatabaseWrapper._commit = timing(DatabaseWrapper._commit)


def _process_cpu(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = parser_of(__doc__.splitlines()[0])
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return database_seconds(args.inside)
    python = sys.executable
    print(
        f"{'dataset':<13} {'database':<11} {'limit s':>8} {'database CPU s':>15} {'best ratio':>11}"
    )
    for name in args.only.split(","):
        fmt, _ = DATASETS[name]
        path = args.data / f"{name}.jsonl"
        for database in args.databases.split(","):
            if database == "sqlite":
                scratch = Path(tempfile.mkdtemp(prefix="sgfloor-")) / "base.sqlite"
                limit = timed([python, BASELINES / "sqlite_load.py", fmt, path, scratch])[0]
            else:
                env = dict(os.environ, PG_DSN=args.pg_dsn)
                limit = timed([python, BASELINES / "pg_copy.py", fmt, path, "sgfloor"], env)[0]
            env = fresh_env(database, args.pg_dsn)
            env["DJANGO_SETTINGS_MODULE"] = "socialgood.settings"
            result = subprocess.run(
                [python, __file__, "--inside", str(path)], env=env, cwd=ROOT, check=True,
                capture_output=True, text=True,
            )  # fmt: skip
            seconds, stored = result.stdout.split()
            seconds = float(seconds)
            print(
                f"{name:<13} {database:<11} {limit:8.2f} {seconds:15.2f} {limit / seconds:11.0%}"
                f"  ({int(stored):,} posts stored)"
            )


if __name__ == "__main__":
    main()
