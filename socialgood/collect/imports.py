"""Import runs: files in, pseudonymised posts stored, a report of what happened.

    run = import_files(project, ["tweets.jsonl.gz"], user=request.user)

For each file: detect its format (or take the one given), stream its records through
the platform parser, pseudonymise every post with the project's key and person
directory, and store them in batches (socialgood.collect.ingest). Identifiers never
reach the database, the search index or a temporary file in the clear: the directory
of who-is-who is loaded decrypted into memory and written back encrypted.

A file that can't be read at all (not JSON, an unknown format, a zip bomb, a table
mapping without an id column) ends that file with a plain-language message and the run
is marked failed; whatever was read before is kept. Damaged lines are skipped and
reported with their line numbers. Importing the same files again stores only what is
missing, so a re-run after a crash or Ctrl-C completes the import.
"""

import contextlib
import errno
import gc
import hashlib
import multiprocessing
import os
import pickle
import queue
import re
import signal
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgspec
import orjson
import psycopg
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from socialgood.collect import ingest, search, telegram_keys
from socialgood.collect.models import (
    ColumnMapping,
    ImportRun,
    PersonDirectory,
    PersonOriginals,
    Withdrawn,
)
from socialgood.platforms import FORMATS, files, mapper_of, tabular, telegram
from socialgood.platforms.model import Post
from socialgood.platforms.report import PLACE, Report, counted
from socialgood.privacy import crypto
from socialgood.privacy.pseudonyms import Pseudonymiser, kept_names, went_by
from socialgood.projects import governance
from socialgood.projects.models import AuditEvent

TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")
TABLE_FORMATS = ("csv", "xlsx", "table")
TABLE_MAPPER = f"table/{tabular.MAPPER_VERSION}"
# Skip reasons of socialgood.platforms.files that mean the file itself is damaged
# (as opposed to records that are fine but are not posts, e.g. Jetstream likes).
DAMAGE_REASONS = (
    "compressed file cut off",
    "zip file cut off",
    "tar archive cut off",
    "row that can't be read",
    "row whose quote",
    "archive member protected",
    "table (CSV or Excel) in an archive",
    "JSON document cut off",
    "line is not valid JSON",
    "line is not UTF-8 text",
    "last line is cut off",
    "line longer than",
    "record longer than",
    "archive member",
    "empty file in the archive",
    "zip inside the archive",
)
# Extra limits for socialgood.platforms.files (max_line_bytes=...); tests lower them.
READ_LIMITS = {}
# After this many new posts, merge the search index's segments (a few seconds per
# million posts; searches get faster and deleted posts' terms are purged).
OPTIMISE_INDEX_AFTER = 50_000
# Parse and pseudonymise in a forked child while this process stores: two cores at
# work. Fork only where it is dependable (macOS system libraries are not fork-safe).
READ_IN_CHILD_PROCESS = sys.platform == "linux"
HASH_CHUNK = 2**20
# The reader allocates millions of short-lived dicts and structs. At Python's default
# threshold (700) the cyclic collector runs so often, rescanning the pseudonymiser's
# caches and the batch in hand, that it took a quarter of the reader's CPU; reference
# counting frees almost everything anyway.
READER_GC_THRESHOLD = 50_000
# The reader sends posts in chunks of this many and the importer stores
# ingest.BATCH_SIZE per transaction: a reader holding 20,000 posts at a time reached
# 486 MB on 1M twarc2 posts (429 MB with 5,000).
READ_CHUNK = 5000
# Chunks the reader may have ready (encoded, ~3 MB each) while the importer is busy:
# a batch's worth keeps both at work (8 gave the same wall time on 100k posts).
READ_AHEAD = 4
# Asked to stop early (the import was interrupted), the reader sends what it learnt
# about people instead of reading on; the importer waits this long for it.
STOP_SIGNAL = signal.SIGUSR1
STOP_TIMEOUT = 60


class ImportProblem(Exception):
    """Input that can't be imported, explained for the person who gave it."""


class ReaderStopped(RuntimeError):
    """The reader process ended before its work was done (the system stopped it for want
    of memory, say). A RuntimeError: a job is tried again; the command says so plainly."""


def import_files(
    project,
    paths,
    *,
    user=None,
    format=None,
    mapping=None,
    platform=None,
    dates=None,
    dates_by_file=None,
    names=None,
    progress=None,
    run=None,
    job=None,
):
    """Import `paths` into `project` and return the finished ImportRun.

    `format` forces a format name (see socialgood.platforms.FORMATS, or "csv"/"xlsx");
    tables use `mapping` ({post field: column}) and `platform`, else the mapping
    remembered for the same columns, else a guess; `dates` (tabular.DAY_FIRST or
    MONTH_FIRST) says how their "01/02/2026" reads (`dates_by_file`: {path: order} for
    some), else the file tells, else as remembered for the same columns.
    `progress(done, total, message)` is
    called after every batch (total is None: a stream's length is unknown). `run` continues
    an existing ImportRun (a retried job). `names` are the files' names as the user
    knows them (an upload's files are stored under other names), else their own.

    File names reach the database only at the end, with the handles in them of people
    the project then knows pseudonymised: tools name a timeline after its account.
    """
    paths = [Path(path) for path in paths]
    if format and format not in FORMATS and format not in TABLE_FORMATS:
        known = ", ".join([*FORMATS, "csv", "xlsx"])
        raise ImportProblem(f"Unknown format “{format}”. Known formats: {known}.")
    if run is None:
        try:
            run = ImportRun.objects.create(
                project=project,
                job=job,
                created_by=user,
                label=counted(len(paths), "file"),  # named at the end
            )
        except DatabaseError as error:
            if is_disk_full(error):
                raise ImportProblem(DISK_FULL + " Nothing was imported.") from None
            raise
    importer = _Importer(project, run, progress)
    try:
        importer.import_files(
            paths, names or [path.name for path in paths], format, mapping, platform,
            dates, dates_by_file or {},
        )  # fmt: skip
    except BaseException as error:
        disk_full = is_disk_full(error)
        why = None
        if disk_full:
            why = f"{DISK_FULL} " + (
                f"The {counted(importer.imported, 'post')} stored before are kept; importing "
                "the same files again adds the rest."
                if importer.imported
                else "Nothing was imported."
            )
        try:
            with _ctrl_c_ignored():
                importer.finish(interrupted=True, why=why)
        except (DatabaseError, OSError):
            if not disk_full:
                raise
            # The disk is still full: the run can't record its end; the message says why.
        if disk_full:
            raise ImportProblem(why) from None
        raise
    importer.finish()
    if run.imported - importer.resumed_imported >= OPTIMISE_INDEX_AFTER:
        search.optimise_index()
        ingest.refresh_statistics()
    AuditEvent.record(
        user,
        project,
        "import.run",
        # By number: file names may name someone the project learns of later, and the
        # log can't be changed then (reprotect renames the import's own record).
        target=f"import {run.pk}",
        run=run.pk,
        status=run.status,
        format=run.format,
        records=run.records,
        imported=run.imported,
        duplicates=run.duplicates,
        skipped=run.skipped,
    )
    return run


# How messages quote a file's name ("“export/a.jsonl” in the zip would unpack to…").
QUOTED = re.compile(r"“([^”]+)”")
WITHDRAWN_AGAIN = "post deleted on its platform (or with its author's account) earlier: kept out"
WRONG_TYPES = "post with a value of the wrong type (a number written as text, say)"
DISK_FULL = "The disk is full, so the import stopped. Free some space first."


@contextlib.contextmanager
def _ctrl_c_ignored():
    """A second Ctrl-C must not cut short saving what an interrupted import learnt (its
    people, the run's report): the import is stopping anyway."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread, where no Ctrl-C arrives
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def is_disk_full(error):
    # SQLite says so in its message (SQLITE_FULL), PostgreSQL by its SQLSTATE 53100.
    if isinstance(error, OSError):
        return error.errno == errno.ENOSPC
    if isinstance(error, DatabaseError):
        cause = getattr(error, "__cause__", None)
        return "disk is full" in str(error) or getattr(cause, "sqlstate", None) == "53100"
    return False


def run_import_job(job, names=None):
    """The "import" job: params {paths, format?, mapping?, platform?, dates_by_file?,
    import_run?}; `names`, the files' own names (see import_files)."""
    from socialgood.jobs.models import PermanentJobError

    params = job.params
    run = None
    if params.get("import_run"):
        run = ImportRun.objects.filter(pk=params["import_run"], project=job.project).first()
    try:
        run = import_files(
            job.project,
            params["paths"],
            user=job.created_by,
            format=params.get("format"),
            mapping=params.get("mapping"),
            platform=params.get("platform"),
            dates_by_file=params.get("dates_by_file"),
            names=names,
            progress=job.progress,
            run=run,
            job=job,
        )
    except ImportProblem as problem:
        raise PermanentJobError(str(problem)) from None
    if run.status == ImportRun.Status.FAILED:
        raise PermanentJobError(run.message)
    job.message = summary(run)
    return {"import_run": run.pk, "imported": run.imported, "duplicates": run.duplicates}


def summary(run):
    """One plain sentence about a run's outcome."""
    parts = [counted(run.imported, "new post"), f"{run.duplicates:,} already stored"]
    if run.skipped:
        parts.append(f"{counted(run.skipped, 'record')} skipped")
    if run.report.get("deleted_on_platform"):
        removed = run.report["deleted_on_platform"]
        parts.append(
            f"{counted(removed, 'stored post')} removed because they were deleted on the platform"
        )
    return ", ".join(parts) + "."


def damaged_lines(run):
    """How many lines or members of the input were damaged (skipped as unreadable)."""
    skipped = run.report.get("skipped", {})
    return sum(count for reason, count in skipped.items() if reason.startswith(DAMAGE_REASONS))


# --- tables ------------------------------------------------------------------------------


def is_table(path, format=None):
    return format in TABLE_FORMATS or (
        format is None and Path(path).suffix.lower() in TABLE_SUFFIXES
    )


def table_mapping(project, path, mapping=None, platform=None, dates=None):
    """(mapping, platform, dates, how) for a CSV/XLSX file; `how` is given, remembered or
    guessed. `dates` (how "03/04/2026" reads) is the one given, else the one remembered
    for these columns, else None: the file tells."""
    try:
        headers = tabular.read_header(path)
    except files.UnreadableFile as error:
        raise ImportProblem(str(error)) from None
    if not headers:
        raise ImportProblem("The table is empty: it has no header row.")
    if headers[0].lstrip().startswith(("{", "[")):
        # JSON read as a table (--format csv, or a .csv name): its "first row" is a record.
        raise ImportProblem(
            "This file holds JSON, not a table: import it without --format csv or xlsx "
            "(on the upload page, let socialgood recognise the format), named .json or "
            ".jsonl rather than .csv."
        )
    if tabular.first_row_is_data(headers):
        raise ImportProblem(tabular.FIRST_ROW_IS_DATA)
    remembered = ColumnMapping.objects.filter(
        project=project, signature=tabular.header_signature(headers)
    ).first()
    if dates is None and remembered is not None:
        dates = remembered.dates or None
    if mapping:
        return mapping, platform or "other", dates, "given"
    if remembered is not None:
        return remembered.mapping, platform or remembered.platform, dates, "remembered"
    platform = platform or tabular.guess_platform(headers)
    return tabular.guess_mapping(headers), platform, dates, "guessed"


def remember_mapping(project, path, mapping, platform, dates=None):
    headers = tabular.read_header(path)
    ColumnMapping.objects.update_or_create(
        project=project,
        signature=tabular.header_signature(headers),
        defaults={
            "mapping": mapping,
            "platform": platform,
            "dates": dates or "",
            "updated_at": timezone.now(),
        },
    )


# --- the person directory --------------------------------------------------------------


# The re-identification table is kept in this many shards (PersonOriginals): 1/64 of the
# 293k people of a 1.35M-post project is ~0.7 MB of JSON.
ORIGINALS_SHARDS = 64


def _directory_purpose(project):
    return f"person directory {project.pk}".encode()


def _originals_purpose(project, shard):
    return f"person originals {project.pk} {shard}".encode()


def originals_shard(pseudonym):
    return zlib.crc32(pseudonym.encode()) % ORIGINALS_SHARDS


def load_directory(project):
    """What pseudonymising needs to go on in the project (Pseudonymiser.document() without
    `originals`): its handle directory, aliases and people, decrypted."""
    encrypted = _read_directory(project)
    if encrypted is None:
        return {"directory": {}, "aliases": {}, "people": {}}
    plain = crypto.decrypt(project.secret_key, encrypted, _directory_purpose(project))
    del encrypted  # tens of MB in a large project: not held while the JSON is parsed
    return orjson.loads(plain)


def load_original(project, pseudonym):
    """What is known of the person behind `pseudonym` (platform, id, handle, display
    name and, once they changed it, earlier display names), or None."""
    return _load_shard(project, originals_shard(pseudonym)).get(pseudonym)


def load_originals(project):
    """The whole re-identification table, decrypted (shard by shard into one dict)."""
    table = {}
    for shard in originals_by_shard(project):
        table.update(shard)
    return table


def originals_by_shard(project):
    """The re-identification table, a decrypted shard ({pseudonym: original}) at a time."""
    rows = PersonOriginals.objects.filter(project=project).only("shard", "encrypted")
    for row in rows.iterator():
        yield _decrypted_shard(project, row)


def project_pseudonymiser(project, with_kept_names=False):
    """A Pseudonymiser that goes on from everything the project has learnt about people;
    `with_kept_names`, also the display names kept to re-identify them, for texts (a post
    that mentions someone may show their name) and file names."""
    names = None
    if with_kept_names:
        names = {}
        for shard in originals_by_shard(project):  # a shard at a time: only names are held
            names.update(kept_names(shard))
    return Pseudonymiser.from_document(
        project.secret_key,
        load_directory(project),
        scrub_contacts=project.scrub_contacts,
        kept_names=names,
    )


def people_learnt(document):
    """A Pseudonymiser.document() as JSON bytes for save_people: (the directory without
    `originals`, the originals of each shard)."""
    shards = [{} for _ in range(ORIGINALS_SHARDS)]
    for pseudonym, seen in document["originals"].items():
        shards[originals_shard(pseudonym)][pseudonym] = seen
    directory = {key: value for key, value in document.items() if key != "originals"}
    return orjson.dumps(directory), [orjson.dumps(shard) for shard in shards]


def save_directory(project, document):
    """Store what pseudonymising learnt (a Pseudonymiser.document()), merged, encrypted."""
    save_people(project, *people_learnt(document))


def save_people(project, directory, originals, loaded_at=False):
    """Merge what a run learnt (people_learnt's JSON bytes) into what is stored.

    Merged under a row lock, so two imports into one project don't lose each other's
    people. When the stored directory is still the one loaded at `loaded_at` (its
    `updated_at`, None when there was none), `directory` already contains it and is
    stored as is: a large directory is never parsed twice in memory. `originals` (one
    JSON object per shard) hold only the people the run saw, merged a shard at a time.
    """
    with transaction.atomic():
        row = _locked_directory_row(project)
        if row is not None and row.updated_at != loaded_at:
            stored = load_directory(project)
            learnt = orjson.loads(directory)
            stored["directory"].update(learnt["directory"])
            stored["aliases"].update(learnt["aliases"])
            people = stored["people"]
            for pseudonym, has_id in learnt["people"].items():
                people[pseudonym] = people.get(pseudonym, False) or has_id
            directory = orjson.dumps(stored)
        _write_directory(project, directory)
        for shard, learnt in enumerate(originals):
            learnt = orjson.loads(learnt)
            if not learnt:
                continue
            table = _load_shard(project, shard)
            for pseudonym, seen in learnt.items():
                original = table.setdefault(pseudonym, seen)
                if original is not seen:  # the most complete and most recent details
                    _merge_original(original, seen)
            _write_shard(project, shard, table)


def _merge_original(original, seen):
    """Merge into a stored `original` what a later run `seen` of the person."""
    names = ("earlier_display_names", "display_name")
    original.update({key: value for key, value in seen.items() if value and key not in names})
    # The names the run saw them go by came after those stored, the latest last.
    for name in (*seen.get("earlier_display_names", ()), seen.get("display_name")):
        went_by(original, name)


def forget_person(project, pseudonym):
    """Drop a person from the encrypted directory and re-identification table."""
    forget_people(project, {pseudonym})


def forget_people(project, pseudonyms):
    with transaction.atomic():
        if _locked_directory_row(project) is None:
            return
        stored = load_directory(project)
        for pseudonym in pseudonyms:
            stored["people"].pop(pseudonym, None)
        for part in ("directory", "aliases"):
            stored[part] = {
                key: value for key, value in stored[part].items() if value not in pseudonyms
            }
        _write_directory(project, orjson.dumps(stored))
        for shard in {originals_shard(pseudonym) for pseudonym in pseudonyms}:
            table = _load_shard(project, shard)
            if any([table.pop(pseudonym, None) for pseudonym in pseudonyms]):
                _write_shard(project, shard, table)


def withdrawn_authors(project):
    return set(
        Withdrawn.objects.filter(project=project, kind=Withdrawn.Kind.AUTHOR).values_list(
            "value", flat=True
        )
    )


def _locked_directory_row(project):
    return (
        PersonDirectory.objects.select_for_update()
        .filter(project=project)
        .only("updated_at")
        .first()
    )


def _load_shard(project, shard):
    row = PersonOriginals.objects.filter(project=project, shard=shard).first()
    return {} if row is None else _decrypted_shard(project, row)


def _decrypted_shard(project, row):
    purpose = _originals_purpose(project, row.shard)
    return orjson.loads(crypto.decrypt(project.secret_key, bytes(row.encrypted), purpose))


def _write_shard(project, shard, table):
    purpose = _originals_purpose(project, shard)
    encrypted = crypto.encrypt(project.secret_key, orjson.dumps(table), purpose)
    PersonOriginals.objects.update_or_create(
        project=project, shard=shard, defaults={"encrypted": encrypted}
    )


# A large project's directory is tens of MB (the 226k people of 1M twarc2 posts: 34 MB).
# Django binds parameters on the client, writing bytea as hex text inside the SQL, and
# reads it back as hex text: on PostgreSQL writing it that way took 272 MB of memory, as
# a binary parameter bound by the server 68 MB. So on PostgreSQL the bytes go binary.


def _psycopg_connection():
    # Django connects on its first query: in a new thread or after a closed connection,
    # this may be the first.
    connection.ensure_connection()
    return connection.connection


def _read_directory(project):
    """The stored directory's encrypted bytes, or None."""
    if connection.vendor != "postgresql":
        row = PersonDirectory.objects.filter(project=project).only("encrypted").first()
        return None if row is None else bytes(row.encrypted)
    with psycopg.Cursor(_psycopg_connection()) as cursor:
        cursor.execute(
            "SELECT encrypted FROM collect_persondirectory WHERE project_id = %s",
            [project.pk],
            binary=True,
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _write_directory(project, document):
    encrypted = crypto.encrypt(project.secret_key, document, _directory_purpose(project))
    if connection.vendor != "postgresql":
        PersonDirectory.objects.update_or_create(
            project=project, defaults={"encrypted": encrypted, "updated_at": timezone.now()}
        )
        return
    with psycopg.Cursor(_psycopg_connection()) as cursor:
        cursor.execute(
            "INSERT INTO collect_persondirectory (project_id, encrypted, updated_at)"
            " VALUES (%s, %b, %s) ON CONFLICT (project_id) DO UPDATE"
            " SET encrypted = EXCLUDED.encrypted, updated_at = EXCLUDED.updated_at",
            [project.pk, encrypted, timezone.now()],
        )


# --- the run -----------------------------------------------------------------------------


class _Importer:
    """Stores what the reader (read_files, in a child process where possible) sends."""

    def __init__(self, project, run, progress):
        self.project = project
        self.run = run
        self.progress = progress
        self.started = time.monotonic()
        # A retried job reads its files again: the posts its earlier attempt stored
        # come back as duplicates and are subtracted at the end.
        self.resumed_imported = run.imported
        # ... file by file, as far as the earlier attempt reported them
        self.withdrawn = {}  # file index -> posts kept out: deleted on the platform earlier
        self.resumed_files = [file.get("imported", 0) for file in run.report.get("files", [])]
        self.imported = self.duplicates = self.deleted_on_platform = 0
        self.scrub_pending = False  # posts deleted on the platform, not yet scrubbed
        self.entries = []
        self.reports = {}
        self.mappers = {}
        self.errors = []
        self.people = None
        self.pending = []  # posts received from the reader, stored BATCH_SIZE at a time
        self.pending_index = None
        self.dropped = {}  # file index -> posts left out for values of the wrong type
        self.format_chosen = None
        row = PersonDirectory.objects.filter(project=project).only("updated_at").first()
        self.directory_loaded_at = row.updated_at if row else None
        self.pseudonymiser = project_pseudonymiser(project, with_kept_names=True)
        self.people_before = len(self.pseudonymiser.people)

    def import_files(self, paths, names, format, mapping, platform, dates, dates_by_file):
        self.format_chosen = format
        plan = []
        for path, name in zip(paths, names, strict=True):
            entry = {"name": name, "size": None, "sha256": None, "format": None}
            self.entries.append(entry)
            try:
                entry["size"] = path.stat().st_size
                with path.open("rb"):  # readable: stat() works without read permission
                    pass
                given = dates_by_file.get(str(path), dates)
                source = self._source(path, format, mapping, platform, given, entry)
            except OSError as error:
                self._fail(entry, f"The file can't be opened ({error.strerror}).")
            except ImportProblem as error:
                self._fail(entry, str(error))
            except tabular.MappingError as error:
                self._fail(entry, f"The column mapping doesn't fit this table: {error}.")
            else:
                plan.append((len(self.entries) - 1, path, source))
        messages = self._messages(plan)  # forks the reader before any thread starts
        if READ_IN_CHILD_PROCESS:
            self.pseudonymiser = None  # the reader has its own copy, and it may be large
        with ThreadPoolExecutor(max_workers=1) as hasher:
            # Hashing runs alongside the import (hashlib releases the GIL).
            hashes = [hasher.submit(file_sha256, path) for _, path, _ in plan]
            try:
                for message in messages:
                    self._handle(*message)
            except BaseException:
                # Interrupted (Ctrl-C, a full disk): the people of the posts stored so far
                # must still reach the directory and the re-identification table.
                if self.people is None:
                    with _ctrl_c_ignored():
                        self.people = self._people_so_far(messages)
                raise
            finally:
                messages.close()  # on a failure too: the reader stops now, not at exit
            for (index, _, _), digest in zip(plan, hashes, strict=True):
                self.entries[index]["sha256"] = digest.result()

    def _source(self, path, format, mapping, platform, dates, entry):
        """What the reader needs to know about a file; tables are mapped here (it takes the DB)."""
        if not is_table(path, format):
            return ("json", format)
        given = dates
        mapping, platform, dates, how = table_mapping(self.project, path, mapping, platform, dates)
        entry.update(mapping=mapping, mapping_source=how, platform=platform)
        tabular.check_mapping(mapping, platform)
        remember_mapping(self.project, path, mapping, platform, dates)
        # A remembered order gives way to the file's own dates (given, it does not).
        return ("table", mapping, platform, given, dates)

    def _people_so_far(self, messages):
        if READ_IN_CHILD_PROCESS:
            return messages.people_when_stopped()
        names = [entry["name"] for entry in self.entries]
        return _people_message(self.pseudonymiser, names)[1:]

    def _messages(self, plan):
        keep_raw = self.project.keep_raw
        names = [entry["name"] for entry in self.entries]
        if not READ_IN_CHILD_PROCESS:
            return read_files(plan, self.pseudonymiser, keep_raw, READ_LIMITS, names)
        return _ReaderProcess(plan, self.pseudonymiser, keep_raw, READ_LIMITS, names)

    def _handle(self, kind, *details):
        if kind == "dropped":
            index, count = details
            self.dropped[index] = self.dropped.get(index, 0) + count
            return
        if kind == "batch":
            index, posts = details
            self.pending.extend(posts)
            self.pending_index = index
            if len(self.pending) >= ingest.BATCH_SIZE:
                self._store_pending()
            return
        # Any other message stores what came first: a file's deletions and its report
        # see all of its posts stored, and while the reader has nothing ready
        # ("waiting") the importer stores what it has rather than wait idle.
        self._store_pending()
        if kind == "file":
            index, format, mapper = details
            # An archive of files from several tools is in several formats.
            known = self.entries[index]["format"]
            formats = {*known.split(", "), format} if known else {format}
            self.entries[index]["format"] = ", ".join(sorted(formats))
            self.mappers[index] = mapper
        elif kind == "failed":
            index, message = details
            self._fail(self.entries[index], message)
        elif kind == "report":
            index, report = details
            self.reports[index] = report
        elif kind == "deleted":
            index, platform, notices = details
            self._remove_deleted(self.entries[index], platform, notices)
        elif kind == "people":
            self.people = details

    def _store_pending(self):
        if self.pending:
            posts, self.pending = self.pending, []
            self._store(self.entries[self.pending_index], posts)

    def _store(self, entry, posts):
        index = self.entries.index(entry)
        with transaction.atomic():
            if self.mappers[index].startswith(f"{telegram.NAME}/"):
                posts = telegram_keys.settle(self.project, posts)
            counts = ingest.store_posts(
                self.project, posts, mapper=self.mappers[index], import_run_id=self.run.pk
            )
            # In the batch's transaction: the run's counts always match what is stored.
            ImportRun.objects.filter(pk=self.run.pk).update(
                imported=F("imported") + counts.inserted,
                duplicates=F("duplicates") + counts.duplicates,
            )
        self.imported += counts.inserted
        self.duplicates += counts.duplicates
        entry["imported"] = entry.get("imported", 0) + counts.inserted
        entry["duplicates"] = entry.get("duplicates", 0) + counts.duplicates
        if counts.withdrawn:
            self.withdrawn[index] = self.withdrawn.get(index, 0) + counts.withdrawn
        if self.progress is not None:
            done = self.imported + self.duplicates
            self.progress(done, None, f"{done:,} posts read, {self.imported:,} new.")

    def _remove_deleted(self, entry, platform, notices):
        # Scrubbed once, when the import ends: on PostgreSQL a scrub rewrites every table.
        removed = governance.remove_deleted_on_platform(
            self.project, platform, notices, by=self.run.created_by, scrub=False
        )
        self.scrub_pending = self.scrub_pending or bool(removed)
        entry["deleted_on_platform"] = entry.get("deleted_on_platform", 0) + removed
        self.deleted_on_platform += removed

    def _fail(self, entry, message):
        entry["error"] = message
        self.errors.append(f"{entry['name']}: {message}")

    def finish(self, interrupted=False, why=None):
        if self.people is not None:
            (directory, originals), *_ = self.people
            save_people(self.project, directory, originals, self.directory_loaded_at)
            if self.withdrawn:
                # The reader met again people whose posts are kept out (deleted on the
                # platform, or at their request): who they were is not kept either.
                forget_people(self.project, withdrawn_authors(self.project))
        run = self.run
        report = self._report()
        report["interrupted"] = interrupted
        # File names (tools name a timeline after its account, "ana_example.jsonl") as
        # the reader pseudonymised them; when it never said whom it saw, "file 1"…: they
        # can't be checked.
        if self.people is not None:
            renamed = self.people[3]
        else:
            renamed = {entry["name"]: f"file {n}" for n, entry in enumerate(self.entries, 1)}
        run.report = renamed_in(report, renamed)
        run.files = renamed_in(
            [
                {key: entry[key] for key in ("name", "size", "sha256", "format")}
                for entry in self.entries
            ],
            renamed,
        )
        run.label = ", ".join(entry["name"] for entry in run.files)[:300]
        formats = sorted({entry["format"] for entry in self.entries if entry["format"]})
        run.format = ", ".join(formats)[:40]
        run.records = report["records"]
        run.imported = report["imported"]
        run.duplicates = report["duplicates"]
        run.skipped = sum(report["skipped"].values())
        run.finished_at = timezone.now()
        if interrupted:
            run.status = ImportRun.Status.FAILED
            run.message = why or (
                f"The import stopped before the end. The {run.imported:,} posts stored so far "
                "are kept; importing the same files again adds the rest."
            )
        elif self.errors:
            run.status = ImportRun.Status.FAILED
            run.message = renamed_in(" ".join(self.errors), renamed)
        else:
            run.status = ImportRun.Status.DONE
            run.message = summary(run)
        run.save()
        if run.job_id is not None:
            from socialgood.jobs.models import Job

            Job.objects.filter(pk=run.job_id).update(title=f"Import of {run.label}"[:200])
        if self.scrub_pending:
            governance.scrub_database()
            self.scrub_pending = False

    def _report(self):
        totals = Report()
        files_report = []
        for index, count in self.dropped.items():
            report = self.reports.setdefault(index, Report())
            report.skip(WRONG_TYPES, count=count)
            report.posts -= count
        for index, count in self.withdrawn.items():
            self.reports.setdefault(index, Report()).skip(WITHDRAWN_AGAIN, count=count)
        for index, entry in enumerate(self.entries):
            report = self.reports.get(index, Report())
            if (
                report.records
                and not report.posts
                and report.skipped
                and not ("error" in entry or entry.get("deleted_on_platform"))
            ):
                self._fail(entry, _nothing_read(report, self.format_chosen))
            totals.add(report, entry["name"])
            counts = {
                "imported": entry.get("imported", 0),
                "duplicates": entry.get("duplicates", 0),
            }
            if index < len(self.resumed_files):  # stored by the earlier attempt: new still
                earlier = min(self.resumed_files[index], counts["duplicates"])
                counts = {"imported": counts["imported"] + earlier,
                          "duplicates": counts["duplicates"] - earlier}  # fmt: skip
            files_report.append({**entry, **counts, **report.as_dict()})
        seconds = time.monotonic() - self.started
        stats = {}
        if self.people:
            _, stats, people, _ = self.people
            stats = {**stats, "new_people": people - self.people_before}
        return {
            **totals.as_dict(),
            "imported": self.resumed_imported + self.imported,
            "duplicates": max(0, self.duplicates - self.resumed_imported),
            # Stored posts removed because the data says they were deleted on the platform.
            "deleted_on_platform": self.deleted_on_platform,
            "files": files_report,
            "errors": self.errors,
            "pseudonyms": stats,
            "contacts_scrubbed": stats.get("contacts_scrubbed", 0),
            "duration_seconds": round(seconds, 2),
            "posts_per_second": round((self.imported + self.duplicates) / seconds)
            if seconds
            else 0,
        }


def renamed_in(value, renamed):
    """`value` (the report, a file name, a message) with each name in `renamed` replaced
    ({name: name with people replaced}, Pseudonymiser.file_names): whole names only, so
    renaming "ana_ex.json" leaves "banana_ex.json" as it is."""
    if not renamed:
        return value
    names = sorted(renamed, key=len, reverse=True)  # "a/ana_ex.json" before "ana_ex.json"
    pattern = re.compile(rf"(?<![\w.\-])(?:{'|'.join(map(re.escape, names))})(?![\w\-])")
    return _renamed_in(value, pattern, renamed)


def _renamed_in(value, pattern, renamed):
    if isinstance(value, str):
        return pattern.sub(lambda match: renamed[match.group()], value)
    if isinstance(value, dict):
        return {
            _renamed_in(key, pattern, renamed): _renamed_in(item, pattern, renamed)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_renamed_in(item, pattern, renamed) for item in value]
    return value


def _nothing_read(report, format_chosen):
    skipped = sum(report.skipped.values())
    reason = report.skipped.most_common(1)[0][0]
    message = (
        f"Nothing in it could be read as posts ({counted(skipped, 'record')} skipped: {reason})."
    )
    if format_chosen:
        message += " It may be in another format: let socialgood recognise it instead."
    return message


# --- reading: parse and pseudonymise, no database ----------------------------------------


def read_files(plan, pseudonymiser, keep_raw, limits, names=()):
    """Messages for the importer, file by file, batch by batch.

    ("file", index, format, mapper) when a file's format is known; ("batch", index,
    posts) of pseudonymised posts; ("failed", index, message) when the file can't be
    read on (after the posts read before the problem); ("report", index, Report) at the
    end of each file; and finally ("people", people_learnt(…) (JSON bytes), stats, people
    count, {file name: pseudonymised}) for the `names` of the files (and the archive
    members the reports name) that hold a known handle.
    """
    apply = pseudonymiser.apply
    if keep_raw:

        def protect(post):
            return msgspec.structs.replace(apply(post), raw=post.raw)

    else:
        protect = apply
    names = set(names)
    for index, path, source in plan:
        report = Report()
        failure = []
        switches = []  # formats of the archive members read since the last batch
        module = None
        try:
            if source[0] == "table":
                _, mapping, platform, dates, usual = source
                rows = tabular.iter_posts(path, mapping, platform, report, dates=dates, usual=usual)
                posts = _counted(rows, report)
                # A table's cells are text: nothing odd to meet but their length.
                posts = (protect(files.cut_text(post, report)) for post in posts)
                yield ("file", index, "table", TABLE_MAPPER)
            else:
                # A format named by the user is used for everything; else the file's
                # first records tell it, and each archive member is read in its own.
                named = FORMATS[source[1]] if source[1] else None
                on_format = None if named else switches.append
                module, posts = files.open_posts(
                    path, report, named, on_format=on_format, protect=protect, **limits
                )
                yield ("file", index, module.NAME, mapper_of(module))
        except Exception as error:  # noqa: BLE001 - see _fault
            unreadable = isinstance(error, files.UnreadableFile)
            failure.append(str(error) if unreadable else _fault(error))
            # Only telling the format fails here: a file read no further counts nothing.
            report, posts = Report(), ()
        # Each post is pseudonymised as it is parsed, so the parsed JSON it came from
        # (`raw`) is freed at once rather than held for a whole batch: 20,000 twarc2
        # posts held 318 MB that way.
        batch, size = [], min(READ_CHUNK, ingest.BATCH_SIZE)
        for post in _until_failure(posts, failure):
            if switches:  # `post` is the first of an archive member in another format
                if batch:
                    yield ("batch", index, batch)
                    batch = []
                yield from _deletions(index, module, report, pseudonymiser)
                module = switches[-1]
                switches.clear()
                yield ("file", index, module.NAME, mapper_of(module))
            batch.append(post)
            if len(batch) >= size:
                yield ("batch", index, batch)
                batch = []
        if batch:
            yield ("batch", index, batch)
        yield from _deletions(index, module, report, pseudonymiser)
        if failure:
            yield ("failed", index, failure[0])
            names.update(QUOTED.findall(failure[0]))  # an archive member's name (a zip bomb)
        names.update(members_named(report.skipped_lines, report.warning_lines))
        yield ("report", index, report)
    yield _people_message(pseudonymiser, names)


def members_named(*line_tables):
    """The archive members named where a report places what it skipped or noted, in
    tables of {reason: [line, …]}: such a place is "member:line" ("member:item 37",
    "member:4 item 37"; "member:" for a document in it read whole) or a member's whole
    name, and the member's name may hold a handle. A place in a file of its own (4, "4
    item 37", "item 3 item 37": report.PLACE) names no member."""
    return {
        line.rpartition(":")[0] or line
        for lines_by_reason in line_tables
        for lines in lines_by_reason.values()
        for line in lines
        if isinstance(line, str) and line and not PLACE.fullmatch(line)
    }


def _people_message(pseudonymiser, names):
    """What the reader learnt about people, and the file and member `names` that hold
    the handle or display name of someone the project knows, pseudonymised (for the
    report)."""
    # As JSON bytes: far smaller than the objects, for the pipe and the importer's memory.
    parts = people_learnt(pseudonymiser.document())
    stats = pseudonymiser.stats.as_dict()
    return ("people", parts, stats, len(pseudonymiser.people), pseudonymiser.file_names(names))


def _deletions(index, module, report, pseudonymiser):
    """The deletion notices the file's records held (in `module`'s platform), if any."""
    if report.deleted:
        # In the form the posts were stored, so the importer can find them.
        notices = pseudonymiser.deletions(module.PLATFORM, report.deleted)
        report.deleted = []
        yield ("deleted", index, module.PLATFORM, notices)


def _until_failure(posts, failure):
    """The posts, until a fatal error: that goes into `failure`, the posts before it are kept."""
    try:
        yield from posts
    except files.UnreadableFile as error:
        failure.append(str(error))
    except tabular.MappingError as error:
        failure.append(f"The column mapping doesn't fit this table: {error}.")
    except Exception as error:  # noqa: BLE001 - see _fault
        failure.append(_fault(error))


def _fault(error):
    """A fault of socialgood's while reading a file: this file's posts read so far are
    stored and the other files read, not lost with the reader. The error's name only:
    its message might quote the file."""
    return (
        f"socialgood could not read on in this file ({type(error).__name__}), a fault of "
        "socialgood's. The posts before it were kept; please report this."
    )


class _ReaderProcess:
    """read_files run in a forked process, so parsing and storing use two cores.

    Iterate for read_files' messages; besides them, ("waiting",) says the reader has
    nothing ready yet. Posts cross over a pipe (msgpack), never a file. The child needs
    no database; it inherits the project's key and person directory by fork and sends
    back what it learnt at the end, or when asked to stop early (people_when_stopped).
    It ignores Ctrl-C: the importer decides, and ends it.
    """

    def __init__(self, plan, pseudonymiser, keep_raw, limits, names):
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        self.child = context.Process(
            target=_child_reader,
            args=(sender, plan, pseudonymiser, keep_raw, limits, names),
            daemon=True,
        )
        self.child.start()
        sender.close()
        self.finished = False

    def __iter__(self):
        decode = msgspec.msgpack.Decoder(list[Post]).decode
        while not self.finished:
            if not self.receiver.poll():
                yield ("waiting",)
            try:
                message = self._receive()
            except EOFError:
                raise ReaderStopped(
                    "The file reader stopped unexpectedly: the computer may have run short "
                    "of memory."
                ) from None
            if message[0] == "batch":
                posts, dropped = _decoded(decode, message[2])
                if dropped:
                    yield ("dropped", message[1], dropped)
                message = ("batch", message[1], posts)
            elif message[0] == "crashed":
                raise ReaderStopped(
                    f"The file reader failed ({message[1]}), a fault of socialgood's; please "
                    "report this."
                )
            self.finished = message[0] == "people"
            yield message

    def _receive(self):
        message = self.receiver.recv()
        if message[0] == "people":  # the directory and originals follow as bytes
            directory = self.receiver.recv_bytes()
            originals = [self.receiver.recv_bytes() for _ in range(ORIGINALS_SHARDS)]
            message = ("people", (directory, originals), *message[2:])
        return message

    def people_when_stopped(self, timeout=STOP_TIMEOUT):
        """The people the reader learnt, once it stops reading at the next batch (what
        it read ahead is dropped), or None when it does not answer in time."""
        if self.finished:
            return None
        if self.child.is_alive():  # else what it sent last is still in the pipe
            os.kill(self.child.pid, STOP_SIGNAL)
        deadline = time.monotonic() + timeout
        try:
            while self.receiver.poll(max(0, deadline - time.monotonic())):
                message = self._receive()
                if message[0] == "people":
                    self.finished = True
                    return message[1:]
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            pass  # the pipe was cut mid-message by the interruption
        return None

    def close(self):
        if self.child.is_alive() and not self.finished:
            self.child.kill()
        self.child.join()
        self.receiver.close()


def _decoded(decode, chunk):
    """(the posts of a chunk, how many were left out). A post holding a value of the
    wrong type (a count written as text by the tool that saved the file) is converted
    where it can be ("3" → 3) and left out where it can't: it could not be stored."""
    try:
        return decode(chunk), 0
    except msgspec.ValidationError:
        posts = []
        items = msgspec.msgpack.decode(chunk)
        for item in items:
            try:
                posts.append(msgspec.convert(item, Post, strict=False))
            except msgspec.ValidationError:
                continue
        return posts, len(items) - len(posts)


def _child_reader(sender, plan, pseudonymiser, keep_raw, limits, names):
    # Ctrl-C, and the terminal closing, reach the whole process group: the importer
    # decides (management/commands/import.py).
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    stop = threading.Event()
    signal.signal(STOP_SIGNAL, lambda number, frame: stop.set())
    # What the fork inherited (Django, the person directory) lives as long as the
    # child: the collector need never scan it.
    gc.freeze()
    gc.set_threshold(READER_GC_THRESHOLD)
    encode = msgspec.msgpack.Encoder().encode
    # A thread writes to the pipe, so reading goes on while the importer stores a batch
    # (a pipe holds 64 kB: writing in this thread would wait for every batch's commit).
    outbox = queue.Queue(maxsize=READ_AHEAD)
    writer = threading.Thread(target=_write_messages, args=(sender, outbox), daemon=True)
    writer.start()
    try:
        for message in read_files(plan, pseudonymiser, keep_raw, limits, names):
            if stop.is_set():
                message = _people_message(pseudonymiser, names)
            if message[0] == "batch":
                chunk, left_out = _encoded(encode, message[2])
                if left_out:
                    outbox.put(("dropped", message[1], left_out))
                message = ("batch", message[1], chunk)
            elif message[0] == "people":
                # The directory and originals go as raw bytes after the message:
                # pickling them would hold a second copy at the reader's peak of memory.
                outbox.put(("people", None, *message[2:]))
                directory, originals = message[1]
                for part in (directory, *originals):
                    outbox.put(part)
                if stop.is_set():
                    break
                continue
            outbox.put(message)
    except Exception as error:
        # The error's name only: its message might quote a post.
        outbox.put(("crashed", type(error).__name__))
    outbox.put(None)
    writer.join()


# What msgpack can't encode: a number past 2**64, a lone half of a UTF-16 pair, a value
# of a kind JSON has not.
UNSENDABLE = (OverflowError, UnicodeEncodeError, TypeError)


def _encoded(encode, posts):
    """(the posts as msgpack, how many were left out): a post holding a value that can't
    be sent (damage a parser let through) is left out, as the importer leaves out one of
    the wrong type (_decoded); it ended the reader, and the import."""
    try:
        return encode(posts), 0
    except UNSENDABLE:
        sendable = []
        for post in posts:
            try:
                encode(post)
            except UNSENDABLE:
                continue
            sendable.append(post)
        return encode(sendable), len(posts) - len(sendable)


def _write_messages(sender, outbox):
    # The pipe is closed however this ends: should writing fail, the importer's wait
    # ends (EOFError) and it stops the reader.
    try:
        while (message := outbox.get()) is not None:
            if isinstance(message, bytes):
                sender.send_bytes(message)
            else:
                sender.send(message)
    finally:
        sender.close()


def _counted(posts, report):
    # tabular leaves counting posts to its caller (files.read_posts counts its own).
    for post in posts:
        report.posts += 1
        yield post


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
