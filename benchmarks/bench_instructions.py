"""Instructions the importer's reader or store spends on a small file (valgrind callgrind).

    head -100 /tmp/sgbench/bluesky_100k.jsonl > /tmp/bluesky_10k.jsonl
    .venv/bin/python benchmarks/bench_instructions.py /tmp/bluesky_10k.jsonl --part store

On a shared machine CPU seconds vary by a quarter or more from one minute to the next;
instruction counts repeat within 0.2%, so a code change's effect shows even when it is
a few percent. Each part is counted as the difference between a run that does it and
one that stops just before, both on a copy of one migrated database. 10k posts take
about a minute under valgrind.
"""

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("none", "reader", "store")


def work(path, part):
    """Runs inside valgrind: read (and store) the file as the importer does."""
    import django

    django.setup()
    import msgspec
    from django.contrib.auth.models import User
    from django.db import transaction

    from socialgood.collect import imports, ingest
    from socialgood.platforms.model import Post
    from socialgood.projects.models import Project

    owner = User.objects.create(username="bench", is_superuser=True)
    project = Project.create(name="bench", owner=owner)
    pseudonymiser = imports.project_pseudonymiser(project)
    if part == "none":
        return
    # As the reader process runs (imports._child_reader).
    gc.freeze()
    gc.set_threshold(imports.READER_GC_THRESHOLD)
    encode = msgspec.msgpack.Encoder().encode
    plan = [(0, Path(path), ("json", None))]
    chunks = [
        encode(message[2])
        for message in imports.read_files(plan, pseudonymiser, False, imports.READ_LIMITS)
        if message[0] == "batch"
    ]
    if part == "store":
        decode = msgspec.msgpack.Decoder(list[Post]).decode
        for chunk in chunks:
            with transaction.atomic():
                ingest.store_posts(project, decode(chunk), mapper="bench/1")


def instructions(path, part, template):
    data = Path(tempfile.mkdtemp(prefix="sginstr-"))
    for file in template.iterdir():
        if file.is_file():
            shutil.copy(file, data)
    env = dict(os.environ, SOCIALGOOD_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    env["DJANGO_SETTINGS_MODULE"] = "socialgood.settings"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={data}/callgrind.out"]
    command += [sys.executable, __file__, str(path), "--part", part, "--inside"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"The {part} run failed:\n{result.stderr[-3000:]}")
    count = re.search(r"Collected : (\d+)", result.stderr)
    shutil.rmtree(data)
    return int(count.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--part", choices=PARTS, default="reader")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        work(args.file, args.part)
        return
    if args.part == "none":
        parser.error("--part: count the reader or the store")
    template = Path(tempfile.mkdtemp(prefix="sginstr-template-"))
    env = dict(os.environ, SOCIALGOOD_DATA_DIR=str(template), PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "socialgood.cli", "migrate", "-v0", "--skip-checks"],
        env=env,
        check=True,
    )
    before = PARTS[PARTS.index(args.part) - 1]
    counts = {part: instructions(args.file, part, template) for part in (before, args.part)}
    shutil.rmtree(template)
    spent = counts[args.part] - counts[before]
    print(f"{args.part} of {args.file.name}: {spent / 1e9:.3f} G instructions")


if __name__ == "__main__":
    main()
