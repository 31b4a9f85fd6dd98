"""Exports of a set of posts: one zip with the chosen files and a README data statement.

Formats (any combination):
    ndjson   posts.ndjson, the common post model (socialgood.collect.export)
    csv      posts.csv, a flat table that survives Excel (see CSV below)
    xlsx     posts.xlsx, the same table; ids are text cells; past Excel's 1,048,576 rows
             the posts go on in sheets "posts (2)", "posts (3)", ...
    parquet  posts.parquet, the same table with types, for R (arrow) and pandas
    ids      ids-<platform>.txt, one platform id per line: the "dehydrated" list that
             platform terms allow sharing, for re-collection (hydration) by others
    network  networks/<kind>.gexf and .graphml for Gephi, every network kind

CSV: Excel turns digits into a number and keeps 15 significant digits, so a 19-digit
post id such as 1790000000000000123 comes back as 1790000000000000000. Quoting does
not stop it (Excel ignores quotes when guessing types), and the ="…" trick leaves
formulas in the file for R or SPSS to trip over. So every id column holds
"<platform>:<id>" (e.g. "twitter:1790000000000000123"): text to every program,
exact, and still the same key across posts (reply_to, quote_of …) and files. A leading
= + - @ in free text is prefixed with an apostrophe so no spreadsheet runs it as a
formula (OWASP's advice on CSV injection). The file starts with a UTF-8 byte-order
mark so Excel reads accents and emoji correctly.

Only pseudonyms leave: authors and mentions are stored as pseudonyms, raw payloads
are never exported, media files are not included (their URLs and alt texts are).
"""

import csv
import os
import tempfile
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
from django.core.files import File
from django.core.files.storage import default_storage

from socialgood.analyze import networks
from socialgood.analyze.analyses import build_network
from socialgood.analyze.filters import FilterError, posts_for
from socialgood.analyze.models import Subset
from socialgood.collect.export import export_ndjson
from socialgood.jobs.models import PermanentJobError
from socialgood.projects.datastatement import data_statement_markdown

FORMATS = {
    "csv": "CSV (opens in Excel, R, SPSS)",
    "xlsx": "Excel workbook (XLSX)",
    "parquet": "Parquet (typed, for R arrow and pandas)",
    "ndjson": "NDJSON, the common post model",
    "ids": "Dehydrated id lists, for sharing under platform terms",
    "network": "Network files (GEXF and GraphML for Gephi)",
}
COLUMNS = (
    "id", "platform", "created_at", "author", "text", "url", "lang", "kind",
    "reply_to", "quote_of", "repost_of", "thread_root", "hashtags", "mentions", "links",
    "media", "alt_texts", "likes", "reposts", "replies", "quotes", "views", "community", "import",
)  # fmt: skip
ID_COLUMNS = ("reply_to", "quote_of", "repost_of", "thread_root")
METRICS = ("likes", "reposts", "replies", "quotes", "views")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header row included


def run_export(job):
    """Job handler: writes the zip to storage and returns {"file", "size", "posts", "formats"}."""
    formats = [f for f in job.params.get("formats", []) if f in FORMATS]
    if not formats:
        raise PermanentJobError("Choose at least one format to export.")
    try:
        posts = posts_for(job.project, job.params.get("filters", {}))
    except FilterError as error:
        raise PermanentJobError(str(error)) from None
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "export.zip"
        count = write_zip(
            path, job.project, posts, formats, label=job.params.get("label", "All posts"),
            filters=job.params.get("filters", {}), user=job.created_by, progress=job.progress,
        )  # fmt: skip
        name = f"exports/{job.project.pk}/{job.project.slug}-export-{job.pk}.zip"
        with open(path, "rb") as handle:
            stored = default_storage.save(name, File(handle))
        size = os.path.getsize(path)
    return {"file": stored, "size": size, "posts": count, "formats": formats}


def write_zip(path, project, posts, formats, *, label, filters, user=None, progress=None):
    """Write the export zip for a Post queryset to `path`; returns the number of posts."""
    progress = progress or (lambda *args, **kwargs: None)
    total = posts.count()
    with (
        tempfile.TemporaryDirectory() as workdir,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf,
    ):
        ndjson = Path(workdir) / "posts.ndjson"
        progress(0, total, "Reading posts")
        # Everything tabular is derived from the common model, so the files agree field by field.
        export_ndjson(project, ndjson, user=user, posts=posts)
        stats = _stats(ndjson)
        files = []
        if "ndjson" in formats:
            zf.write(ndjson, "posts.ndjson")
            files.append(("posts.ndjson", "One JSON object per post in the common post model."))
        tables = [f for f in ("csv", "xlsx", "parquet") if f in formats]
        for number, fmt in enumerate(tables, start=1):
            progress(number * total // (len(tables) + 1), total, f"Writing {fmt.upper()}")
            target = Path(workdir) / f"posts.{fmt}"
            {"csv": write_csv, "xlsx": write_xlsx, "parquet": write_parquet}[fmt](ndjson, target)
            zf.write(target, target.name)
            files.append((target.name, FORMATS[fmt] + "; columns below."))
        if "ids" in formats:
            for platform, ids in _ids_by_platform(ndjson).items():
                zf.writestr(f"ids-{platform}.txt", "".join(i + "\n" for i in ids))
                files.append(
                    (f"ids-{platform}.txt", f"{len(ids)} {platform} post ids, one per line.")
                )
        if "network" in formats:
            progress(total, total, "Building networks")
            for kind, title in networks.KINDS.items():
                graph = build_network(project, posts, kind)
                networks.add_communities(graph)
                zf.writestr(f"networks/{kind}.gexf", networks.gexf_bytes(graph))
                zf.writestr(f"networks/{kind}.graphml", networks.graphml_bytes(graph))
                files.append(
                    (
                        f"networks/{kind}.gexf, .graphml",
                        f"{title}; node attribute 'community' (Louvain).",
                    )
                )
        zf.writestr("README.txt", data_statement(project, label, filters, stats, files, user))
        # The project's full data statement (sources, coverage, privacy, access, ethics),
        # the same text owners download for their ethics board.
        selection = Subset(project=project, name=label, params=filters) if filters else None
        zf.writestr("DATA_STATEMENT.md", data_statement_markdown(project, selection))
    progress(total, total, "Done")
    return stats["posts"]


def flat_row(post):
    """A common-model post as a flat row (values typed; ids as "<platform>:<id>")."""
    platform = post["platform"]
    metrics = post.get("metrics") or {}
    row = {
        "id": f"{platform}:{post['platform_id']}",
        "platform": platform,
        "created_at": post["created_at"],
        "author": post["author"],
        "text": post["text"],
        "url": post["url"],
        "lang": post["lang"],
        "kind": post["kind"],
        "hashtags": " ".join(post["hashtags"]),
        "mentions": " ".join(post["mentions"]),
        "links": " ".join(link["url"] for link in post["links"]),
        "media": len(post["media"]),
        "alt_texts": " | ".join(m["alt_text"] for m in post["media"] if m.get("alt_text")),
        "community": post["community"],
        "import": (post.get("provenance") or {}).get("import"),
    }
    for column in ID_COLUMNS:
        row[column] = f"{platform}:{post[column]}" if post[column] else None
    for metric in METRICS:
        row[metric] = metrics.get(metric)
    return row


def spreadsheet_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(ndjson, target):
    with open(target, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for post in _read(ndjson):
            row = flat_row(post)
            writer.writerow(["" if row[c] is None else spreadsheet_safe(row[c]) for c in COLUMNS])


def write_xlsx(ndjson, target):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheets = 0
    room = 0
    for post in _read(ndjson):
        if not room:  # Excel opens at most XLSX_MAX_ROWS rows per sheet: go on in the next
            sheets += 1
            sheet = workbook.create_sheet("posts" if sheets == 1 else f"posts ({sheets})")
            sheet.append(COLUMNS)
            room = XLSX_MAX_ROWS - 1
        row = flat_row(post)
        # openpyxl writes str as text cells (ids stay exact); a leading "=" would be a formula.
        sheet.append([spreadsheet_safe(row[c]) for c in COLUMNS])
        room -= 1
    if not sheets:
        workbook.create_sheet("posts").append(COLUMNS)
    workbook.save(target)


def write_parquet(ndjson, target):
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {c: pa.string() for c in COLUMNS}
    types["created_at"] = pa.timestamp("us", tz="UTC")
    for column in ("media", "import", *METRICS):
        types[column] = pa.int64()
    schema = pa.schema([(c, types[c]) for c in COLUMNS])
    with pq.ParquetWriter(target, schema) as writer:
        batch = []
        for post in _read(ndjson):
            row = flat_row(post)
            row["created_at"] = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
            batch.append(row)
            if len(batch) == 5000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))


def data_statement(project, label, filters, stats, files, user):
    """README.txt: what, when, from where, and which privacy transforms, for an ethics board."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Data statement: {project.name}",
        "=" * (16 + len(project.name)),
        "",
        f"Exported: {now} by {user.username if user else 'socialgood'} with socialgood.",
        f"Ethics approval reference: {project.ethics_reference or 'not recorded'}",
        f"Posts: {stats['posts']} from the set “{label}”.",
        f"Filter: {orjson.dumps(filters).decode() if filters else 'none (the whole project)'}",
        f"Posts written between: {stats['first'] or '-'} and {stats['last'] or '-'} (UTC).",
        "Platforms: "
        + (", ".join(f"{p} ({n})" for p, n in sorted(stats["platforms"].items())) or "-"),
        "Imports (provenance): " + (", ".join(str(i) for i in sorted(stats["imports"])) or "-"),
        "",
        "Privacy transforms",
        "------------------",
        "- Authors and mentioned people appear only as pseudonyms (user-...), keyed HMACs made with",
        "  this project's secret key at import; the same person has the same pseudonym in every file.",
        "  Handles, display names and profile data are not in this export.",
        "- Platform URLs that contained a handle were rewritten or dropped at import.",
        "- "
        + (
            "E-mail addresses and phone numbers were removed from post text at import."
            if project.scrub_contacts
            else "Post text is as published (contact scrubbing was off)."
        ),
        "- Raw platform payloads are never exported. Media files are not included; their URLs and",
        "  alt texts are.",
        "- Post text can still identify people (quotes are searchable). Share only as your ethics",
        "  approval and the platforms' terms allow; the id lists exist for that purpose.",
        "",
        "Files",
        "-----",
        *[f"- {name}: {what}" for name, what in files],
        "",
        "Table columns (CSV, XLSX, Parquet)",
        "----------------------------------",
        "id, reply_to, quote_of, repost_of, thread_root: '<platform>:<platform id>', written with the",
        "  platform name so spreadsheets keep every digit (Excel rounds long numbers). Remove the",
        "  prefix up to the first ':' to get the platform's own id.",
        "created_at: ISO 8601 in UTC. author, mentions: pseudonyms. hashtags, mentions, links:",
        "  separated by spaces. media: number of attachments; alt_texts: separated by ' | '.",
        "likes, reposts, replies, quotes, views: as counted by the platform when collected.",
        "import: the number of the import run the post came from (see the project's Imports page).",
        "In CSV and XLSX a text cell beginning with = + - or @ starts with an apostrophe, so no",
        "spreadsheet runs it as a formula.",
        "Excel holds at most 1,048,575 posts per sheet: larger exports continue in the sheets",
        "'posts (2)', 'posts (3)' and so on; CSV and Parquet keep every post in one file.",
        "",
    ]
    return "\n".join(lines)


def _read(ndjson):
    with open(ndjson, "rb") as lines:
        for line in lines:
            yield orjson.loads(line)


def _stats(ndjson):
    platforms, imports, first, last, count = Counter(), set(), None, None, 0
    for post in _read(ndjson):
        count += 1
        platforms[post["platform"]] += 1
        imports.add((post.get("provenance") or {}).get("import"))
        first = min(first or post["created_at"], post["created_at"])
        last = max(last or post["created_at"], post["created_at"])
    imports.discard(None)
    return {
        "posts": count,
        "platforms": platforms,
        "imports": imports,
        "first": first,
        "last": last,
    }


def _ids_by_platform(ndjson):
    ids = {}
    for post in _read(ndjson):
        ids.setdefault(post["platform"], []).append(post["platform_id"])
    return ids
