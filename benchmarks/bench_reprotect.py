"""How long `socialgood reprotect` takes on a project: a scan that finds nothing to change,
and a run where every post changes.

    head -1000 /tmp/sgbench/bluesky_100k.jsonl > /tmp/bluesky_100k.jsonl   # or any file
    .venv/bin/python benchmarks/bench_reprotect.py /tmp/sgbench/bluesky_100k.jsonl
    SOCIALGOOD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reprotect \
        .venv/bin/python benchmarks/bench_reprotect.py /tmp/sgbench/bluesky_100k.jsonl

The file is imported into a new project (in a temporary data folder; on PostgreSQL the
database named in the URL is dropped and created). Then every post's text gets a
profile link an earlier version would have left in the clear
(https://<someone>-<n>.bsky.social, a person of its own per post), as posts stored
before a rule existed hold them, and reprotect runs again. Wall and CPU seconds and the
process's peak memory are printed; run by hand, never by CI.
"""

import os
import resource
import sys
import tempfile
import time


def main(path):
    os.environ.setdefault("SOCIALGOOD_DATA_DIR", tempfile.mkdtemp(prefix="sgreprotect-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "socialgood.settings"
    url = os.environ.get("SOCIALGOOD_DATABASE_URL")
    if url:
        import psycopg

        server, _, name = url.rpartition("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from socialgood.collect.imports import import_files
    from socialgood.collect.reprotect import reprotect
    from socialgood.projects.models import Project

    call_command("migrate", verbosity=0)
    owner = User.objects.create(username="bench", is_superuser=True)
    project = Project.create(name="bench", owner=owner)
    run = import_files(project, [path])
    print(f"{run.imported:,} posts imported ({connection.vendor})")

    def timed(what):
        wall, cpu = time.perf_counter(), time.process_time()
        changes = reprotect(project)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{what}: {wall:.1f} s wall, {cpu:.1f} s CPU; {dict(changes._asdict())}")

    timed("nothing to change")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE collect_post SET text = text || ' https://quilla-marrow-' || "
            "CAST(id AS TEXT) || '.bsky.social'"
        )
    timed("every post changed")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB (this process: the import before, not its reader)")


if __name__ == "__main__":
    main(sys.argv[1])
