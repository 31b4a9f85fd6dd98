"""Explore and analyse at scale: post browser pages, dashboard figures, analyses, exports.

Run by hand (not by CI), once per database:

    SOCIALGOOD_DATA_DIR=/tmp/bench-sqlite .venv/bin/python benchmarks/bench_analyze.py \
        --files /tmp/bench/twarc2.jsonl /tmp/bench/bluesky.jsonl ... --project bench-1m
    SOCIALGOOD_DATABASE_URL=postgres://... SOCIALGOOD_DATA_DIR=/tmp/bench-pg \
        .venv/bin/python benchmarks/bench_analyze.py --files ... --project bench-1m

Files come from ../shared/bench/gen_posts.py (e.g. 250,000 posts in each of four formats
for a million). They are imported with the real importer (socialgood.collect.imports)
unless the project already holds posts. Prints one line per measurement; --analyses
also times every analysis job and an export on the whole project.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgood.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.ALLOWED_HOSTS.append("testserver")  # the test client's host

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from socialgood.analyze import analyses, exports, figures, text  # noqa: E402
from socialgood.analyze.filters import page_of, posts_for  # noqa: E402
from socialgood.collect.imports import import_files  # noqa: E402
from socialgood.collect.models import Post  # noqa: E402
from socialgood.jobs.models import Job  # noqa: E402
from socialgood.projects.models import ApiToken, Project  # noqa: E402

REPEATS = 30


ID_COLUMNS = ("platform_id", "reply_to", "quote_of", "repost_of", "thread_root")
SIDE_TABLES = {
    "collect_posthashtag": "tag",
    "collect_postmention": "person",
    "collect_postlink": "url, domain",
    "collect_postmedia": "position, type, url, preview_url, alt_text, width, height",
}


def copy_posts(source, target, suffix):
    """Copy every post of `source` into `target` with `suffix` on its ids (a quick way to a million)."""
    columns = [f.column for f in Post._meta.concrete_fields if f.column not in ("id", "project_id")]
    chosen = [f"{c} || %s" if c in ID_COLUMNS else c for c in columns]
    params = [suffix] * len(ID_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO collect_post (project_id, {', '.join(columns)}) "  # noqa: S608 - names from the model
            f"SELECT %s, {', '.join(chosen)} FROM collect_post WHERE project_id = %s",
            [target.pk, *params, source.pk],
        )
        for table, fields in SIDE_TABLES.items():
            picked = ", ".join(f"s.{f.strip()}" for f in fields.split(","))
            cursor.execute(
                f"INSERT INTO {table} (project_id, post_id, {fields}) "  # noqa: S608 - constants above
                f"SELECT %s, n.id, {picked} FROM {table} s "
                "JOIN collect_post o ON o.id = s.post_id "
                "JOIN collect_post n ON n.project_id = %s AND n.platform = o.platform "
                "AND n.platform_id = o.platform_id || %s WHERE s.project_id = %s",
                [target.pk, target.pk, suffix, source.pk],
            )


def timed(function, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def report(label, median, p95=None):
    extra = f"  p95 {p95:8.1f} ms" if p95 is not None else ""
    print(f"{connection.vendor:10} {label:58} median {median:8.1f} ms{extra}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="*", default=[])
    parser.add_argument("--project", default="bench-analyze")
    parser.add_argument(
        "--analyses", action="store_true", help="also time each analysis and an export"
    )
    parser.add_argument(
        "--copies-of",
        metavar="SLUG",
        help="fill an empty --project with --copies copies of this project's posts, in SQL",
    )
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()

    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    user = User.objects.filter(username="bench").first() or User.objects.create_user(
        "bench", password="bench-password-1"
    )
    project = Project.objects.filter(slug=args.project).first()
    if project is None:
        project = Project.create(name=args.project, owner=user, slug=args.project)
    if not project.posts.exists() and args.copies_of:
        start = time.perf_counter()
        source = Project.objects.get(slug=args.copies_of)
        for copy in range(args.copies):
            copy_posts(source, project, f"~{copy}")
        seconds = time.perf_counter() - start
        print(f"{connection.vendor:10} copied {args.copies} x {source.slug}: {seconds:.0f} s")
    if not project.posts.exists():
        start = time.perf_counter()
        run = import_files(project, args.files, user=user)
        seconds = time.perf_counter() - start
        print(
            f"{connection.vendor:10} import {run.imported} posts: {seconds:.0f} s ({run.imported / seconds:,.0f}/s)"
        )
    # Fresh planner statistics, as autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would
    # leave them: without them PostgreSQL scans every post for a common word after a bulk load.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = project.posts.count()
    print(f"{connection.vendor:10} project {project.slug}: {total:,} posts")

    tags = figures.figure_rows("hashtags", project, project.posts.all(), False, limit=50)
    common_tag, rare_tag = tags[0]["hashtag"], tags[-1]["hashtag"]
    words = Counter()
    for body, lang in project.posts.order_by("id").values_list("text", "lang")[:3000]:
        words.update(
            w
            for w in set(text.tokens(body))
            if not w.startswith("#") and w not in text.stopwords(lang)
        )
    common_word, rare_word = words.most_common(1)[0][0], words.most_common(200)[-1][0]
    print(f"{connection.vendor:10} using #{common_tag} ({tags[0]['posts']:,}), #{rare_tag} ({tags[-1]['posts']:,}), "
          f"words '{common_word}' and '{rare_word}'")  # fmt: skip

    def first_page(params):
        posts, _ = page_of(
            posts_for(project, params).prefetch_related("hashtags", "media", "links", "mentions")
        )
        return len(posts)

    cases = {
        "no filter": {},
        f"hashtag #{common_tag}": {"hashtag": common_tag},
        f"hashtag #{rare_tag}": {"hashtag": rare_tag},
        f"full text '{common_word}'": {"q": common_word},
        f"full text '{rare_word}'": {"q": rare_word},
        f"hashtag #{common_tag} + text '{rare_word}'": {"hashtag": common_tag, "q": rare_word},
        f"hashtag #{rare_tag} + text '{common_word}'": {"hashtag": rare_tag, "q": common_word},
        "platform + language + since": {"platform": "bluesky", "lang": "en", "since": "2024-06-01"},
    }
    for label, params in cases.items():
        report(f"browser query: {label}", *timed(lambda p=params: first_page(p)))

    client = Client()
    client.force_login(user)
    for label, params in list(cases.items())[1:7]:
        report(
            f"browser page (HTML): {label}",
            *timed(lambda p=params: client.get(f"/p/{project.slug}/posts/", p), 15),
        )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.create_for(user, 'bench')}")
    api_params = {"hashtag": common_tag, "q": rare_word}
    report(
        "API page: hashtag + text",
        *timed(lambda: api.get(f"/api/projects/{project.slug}/posts", api_params), 15),
    )

    posts = project.posts.all()
    for name in figures.FIGURES:
        report(
            f"dashboard figure {name}",
            *timed(lambda n=name: figures.figure_rows(n, project, posts, False), 3),
        )
    report("dashboard figure volume per week, Europe/Berlin",
           *timed(lambda: figures.figure_rows("volume", project, posts, False, granularity="week", tz="Europe/Berlin"), 3))  # fmt: skip
    report("dashboard figure volume, Asia/Kolkata (quarter hours)",
           *timed(lambda: figures.figure_rows("volume", project, posts, False, tz="Asia/Kolkata"), 3))  # fmt: skip
    report(f"dashboard figure hashtags of #{common_tag} posts",
           *timed(lambda: figures.figure_rows("hashtags", project, posts_for(project, {"hashtag": common_tag}), True), 3))  # fmt: skip
    report(
        "dashboard page (all figures, charts)",
        *timed(lambda: client.get(f"/p/{project.slug}/dashboard/"), 3),
    )

    if args.analyses:
        for label, handler, params in [
            ("words", analyses.run_words, {"n": 1}),
            ("bigrams", analyses.run_words, {"n": 2}),
            ("sentiment", analyses.run_sentiment, {"granularity": "day"}),
            ("topics k=10", analyses.run_topics, {"k": 10}),
            ("network hashtags", analyses.run_network, {"network": "hashtags"}),
            ("network mentions", analyses.run_network, {"network": "mentions"}),
            ("network replies", analyses.run_network, {"network": "replies"}),
        ]:
            # A real Job row, run here rather than by a worker, so progress reports cost what they cost.
            job = Job.objects.create(kind="analyze.words", title=label, project=project,
                                     params={"filters": {}, "label": "bench", **params})  # fmt: skip
            start = time.perf_counter()
            handler(job)
            report(f"analysis {label} (all posts)", (time.perf_counter() - start) * 1000)
        with tempfile.TemporaryDirectory() as workdir:
            for formats in (["ndjson"], ["csv"], ["xlsx"], ["parquet"]):
                start = time.perf_counter()
                exports.write_zip(
                    Path(workdir) / "x.zip", project, posts, formats, label="bench", filters={}
                )
                report(f"export {formats[0]} (all posts)", (time.perf_counter() - start) * 1000)


if __name__ == "__main__":
    main()
