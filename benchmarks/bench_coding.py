"""The coding workbench at scale, end to end through the database.

1. Reliability of a coding round of 10,000 posts x 4 coders x 50 codes, read from the
   database (codings, finished units, frozen codebook) and computed with a 1,000-resample
   bootstrap interval, exactly as the round page does.
2. The coding screen's response time (render a post with its codes, code it, move on)
   in a project of 1,000,000 posts (--posts to change; the posts are bulk-inserted first).

Runs in a temporary data directory on SQLite unless SOCIALGOOD_DATABASE_URL is set.

Run by hand:  .venv/bin/python benchmarks/bench_coding.py [--posts 1000000] [--skip-screen]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SOCIALGOOD_DATA_DIR", tempfile.mkdtemp(prefix="bench-coding-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgood.settings")
os.environ.setdefault("SOCIALGOOD_SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from socialgood.coding import codebook, rounds  # noqa: E402
from socialgood.coding.models import Code, Coding, RoundUnit, UnitDone  # noqa: E402
from socialgood.collect.models import Post  # noqa: E402
from socialgood.projects.models import Project  # noqa: E402

WORDS = (
    "support group tonight was really helpful thanks everyone for sharing your stories "
    "about caring for family members and finding time to rest 😩 👩🏽‍⚕️ we meet again"
).split()
BATCH = 5000


@transaction.atomic
def insert_posts(project, count, seed=1, start=0):
    rng = random.Random(seed)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    for offset in range(start, start + count, BATCH):
        Post.objects.bulk_create(
            Post(
                project=project,
                platform=rng.choice(("bluesky", "mastodon", "reddit")),
                platform_id=f"bench-{n}",
                author=f"person-{rng.randrange(20000)}",
                created_at=base + timedelta(seconds=n * 17),
                text=" ".join(rng.choices(WORDS, k=30)),
                lang="en",
            )
            for n in range(offset, min(offset + BATCH, start + count))
        )


def bench_reliability(owner, coders):
    project = Project.create(name="Reliability bench", owner=owner)
    for user in coders:
        project.add_member(user, "coder", by=owner)
    insert_posts(project, 10_000)
    for i in range(50):
        Code.objects.create(project=project, name=f"code {i:02d}", position=i)
    started = time.perf_counter()
    round_ = rounds.create_round(
        project, by=owner, name="Big round", coders=coders, size=10_000, seed=5
    )
    print(
        f"round of {round_.units.count():,} posts drawn and frozen in {time.perf_counter() - started:.1f} s"
    )

    rng = random.Random(9)
    code_ids = round_.codebook_version.code_ids()
    prevalence = {c: rng.uniform(0.02, 0.3) for c in code_ids}
    units = list(RoundUnit.objects.filter(round=round_).values_list("id", "post_id"))
    codings, done = [], []
    for unit_id, post_id in units:
        truth = {c for c in code_ids if rng.random() < prevalence[c]}
        for coder in coders:
            if rng.random() < 0.02:
                continue  # this coder has not reached the post yet
            done.append(UnitDone(unit_id=unit_id, coder=coder))
            for c in code_ids:
                if (c in truth) != (rng.random() < 0.05):
                    codings.append(
                        Coding(
                            project=project,
                            post_id=post_id,
                            code_id=c,
                            coder=coder,
                            coder_name=coder.username,
                            round=round_,
                        )
                    )
    with transaction.atomic():
        UnitDone.objects.bulk_create(done, batch_size=BATCH)
        Coding.objects.bulk_create(codings, batch_size=BATCH)
    print(f"{len(codings):,} codings and {len(done):,} finished units stored")

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        report = rounds.reliability_report(round_)
        timings.append(time.perf_counter() - started)
    overall = report["overall"]
    print(
        f"reliability report (50 codes, overall alpha {overall['alpha']:.3f} "
        f"[{overall['alpha_low']:.3f}, {overall['alpha_high']:.3f}], Fleiss {overall['fleiss_kappa']:.3f}): "
        f"median {statistics.median(timings):.2f} s of {len(timings)} runs"
    )


def bench_screen(owner, coder, posts):
    project = Project.create(name="Screen bench", owner=owner)
    project.add_member(coder, "coder", by=owner)
    started = time.perf_counter()
    insert_posts(project, posts, seed=3)
    print(f"{posts:,} posts inserted in {time.perf_counter() - started:.0f} s")
    for i in range(12):
        codebook.add_code(project, by=owner, name=f"theme {i}")
    code = Code.objects.filter(project=project).first()
    middle = Post.objects.filter(project=project, platform_id=f"bench-{posts // 2}").get()

    client = Client(HTTP_HOST="localhost")
    client.force_login(coder)
    url = reverse("coding_screen", args=[project.slug])
    toggle = reverse("coding_toggle", args=[project.slug, middle.pk])
    client.get(url + f"?post={middle.pk}")  # warm caches
    views, codes = [], []
    for _ in range(20):
        started = time.perf_counter()
        response = client.get(url + f"?post={middle.pk}")
        views.append(time.perf_counter() - started)
        assert response.status_code == 200
        started = time.perf_counter()
        response = client.post(toggle, {"code": code.pk}, HTTP_HX_REQUEST="true")
        codes.append(time.perf_counter() - started)
        assert response.status_code == 200
    first = time.perf_counter()
    assert client.get(url).status_code == 200
    first = time.perf_counter() - first
    print(
        f"coding screen at {posts:,} posts: show a post median {statistics.median(views) * 1000:.0f} ms "
        f"(max {max(views) * 1000:.0f} ms); apply a code median {statistics.median(codes) * 1000:.0f} ms; "
        f"open the screen at the first post {first * 1000:.0f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--skip-screen", action="store_true")
    parser.add_argument("--skip-reliability", action="store_true")
    args = parser.parse_args()
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    call_command("migrate", verbosity=0)
    User = get_user_model()
    owner = User.objects.create_user("bench-owner")
    coders = [User.objects.create_user(f"bench-coder-{i}") for i in range(4)]
    if not args.skip_reliability:
        bench_reliability(owner, coders)
    if not args.skip_screen:
        bench_screen(owner, coders[0], args.posts)


if __name__ == "__main__":
    main()
