"""Importing through the browser: upload files, map a table's columns, follow the job, read the report.

The flow: the upload page streams the files straight to disk, into their own directory
under settings.UPLOAD_DIR/<project id>/ (never into memory, never beyond the size limit);
tables (CSV/XLSX) first go through a column-mapping step; then an "import.upload" job runs
the import (socialgood.collect.imports) and deletes the uploaded files once it has
succeeded. When it fails, the files stay so the researcher can try again, or delete them.

The import report page follows the job while it runs and then tells, in plain words,
what was read, stored, skipped and why.
"""

import json
import re
import secrets
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from socialgood.collect.imports import (
    TABLE_FORMATS,
    is_table,
    project_pseudonymiser,
    remember_mapping,
    run_import_job,
    table_mapping,
)
from socialgood.collect.models import ImportRun
from socialgood.jobs.models import Job
from socialgood.platforms import FORMATS, tabular
from socialgood.platforms.files import FILE_ENDINGS, UnreadableFile, sniff_format
from socialgood.platforms.model import PLATFORM_LABELS, PLATFORMS, Link, Media, Person
from socialgood.platforms.report import Report, counted, places_in_words
from socialgood.projects.templatetags.times import with_zone
from socialgood.projects.views import get_project

UPLOAD_JOB = "import.upload"
TOKEN = re.compile(r"[0-9a-f]{16}")
# Room for the form's other fields and the multipart boundaries around the files.
FORM_OVERHEAD_BYTES = 64 * 1024
PREVIEW_POSTS = 5
PREVIEW_SCAN_ROWS = 50  # a wrong date column skips every row: don't read a whole file for it
SHOW_LINES = 10
START_ANYWAY = "I have checked the columns: start anyway, the first rows are not posts"
# A job waits for its turn behind others, or forever when no worker runs: after this
# long the report page says what may hold it up.
LONG_WAIT = timedelta(minutes=2)

TABLE_CHOICE = "table"
FORMAT_CHOICES = [
    ("", "Detect automatically"),
    *((name, module.LABEL) for name, module in FORMATS.items()),
    (TABLE_CHOICE, "Table: CSV or Excel (XLSX), with a column mapping"),
]
# Trying a failed import again reads the same files: a table needs the column step,
# which only an upload has.
RETRY_FORMAT_CHOICES = [choice for choice in FORMAT_CHOICES if choice[0] != TABLE_CHOICE]
FORMAT_LABELS = {name: module.LABEL for name, module in FORMATS.items()}
FORMAT_LABELS.update(dict.fromkeys(TABLE_FORMATS, "Table (CSV or Excel)"))

FIELD_LABELS = {
    "platform_id": "Post id (required)",
    "created_at": "Date and time (required)",
    "text": "Text",
    "author_id": "Author id",
    "author_handle": "Author name or handle",
    "url": "Link to the post",
    "lang": "Language",
    "kind": "Kind (post, reply, quote, repost, comment)",
    "reply_to": "Id of the post replied to",
    "hashtags": "Hashtags",
    "mentions": "Mentioned people",
    "links": "Links in the post",
    "likes": "Likes",
    "reposts": "Reposts, retweets or shares",
    "replies": "Replies",
    "quotes": "Quotes",
    "views": "Views",
}
DATE_CHOICES = [
    ("", "As the file shows"),
    (tabular.DAY_FIRST, "Day first: 03/04/2026 is 3 April"),
    (tabular.MONTH_FIRST, "Month first: 03/04/2026 is 4 March (as in the US)"),
]
# The preview's name for a part of a post where the form's label would mislead: the
# author's id and handle are stored as one pseudonym.
PREVIEW_LABELS = {"author": "Author", "kind": "Kind", "reply_to": "Replied to"}
# Found in the text when no column holds them, as the import does.
FROM_TEXT = ("hashtags", "mentions", "links")
MAPPING_SOURCES = {
    "remembered": "remembered for tables with these columns",
    "guessed": "guessed from the column names — please check it",
    "given": "as you chose it",
}
# Spreadsheets that are not tables socialgood reads: said at once, with what to do.
UNREADABLE_SPREADSHEETS = {
    ".xls": "an old Excel workbook (.xls)",
    ".ods": "a LibreOffice or OpenOffice spreadsheet (.ods)",
    ".numbers": "an Apple Numbers spreadsheet",
}
# What a skip reason means and what to do about it, by the start of the reason.
EXPLANATIONS = {
    "line is not valid JSON": "The line is damaged or is not JSON, often because the file "
    "was edited by hand or joined from pieces.",
    "last line is cut off": "The file ends in the middle of a record: the download or copy "
    "was probably not complete.",
    "line is not UTF-8 text": "The line holds bytes that are not text (binary data, or text "
    "in an old encoding), often because pieces of another file got mixed in.",
    "line longer than": "A single line is larger than socialgood reads at once; such a line "
    "is almost always damaged data.",
    "record longer than": "A single record is larger than socialgood reads at once; such "
    "a record is almost always damaged data.",
    "row without an id": "The post id column is empty on these rows.",
    "row without a readable date": "The date column on these rows is empty or not a date "
    "socialgood recognises.",
    "date that reads only the other way round": "Dates like 03/04/2026 were read one way "
    "(day or month first) and these rows can only be read the other way. When you upload "
    "the table again, choose how its dates read on the column step (on the command line: "
    "--dates month-first or day-first).",
    "id stored as a number": "A spreadsheet turned the ids into rounded numbers. Format the "
    "id column as text before saving, or export the data as CSV again.",
    "zip": "Part of the zip archive could not be read.",
    "Bluesky Jetstream: app.bsky.": "Jetstream records every Bluesky event (likes, follows, "
    "reposts, blocks…); only posts are imported.",
    "Bluesky Jetstream: identity event": "An account's new handle, not a post.",
    "Bluesky Jetstream: account event": "An account turned off, deleted or turned on again, "
    "not a post.",
    "X: page without data": "A request of the collection failed: the line holds the API's "
    "error and no posts. Collecting that time span again may fill the gap.",
    "X API partial error": "The X API could not return some posts or accounts these pages "
    "refer to, most often because they were deleted, made private or suspended. The posts it "
    "did return are imported.",
}


# --- uploads on disk ------------------------------------------------------------------------


def uploads_dir(project):
    return Path(settings.UPLOAD_DIR) / str(project.pk)


def upload_dir(project, token):
    """The directory of one upload; 404 for a token that can't be one of ours."""
    if not TOKEN.fullmatch(token):
        raise Http404("No such upload")
    return uploads_dir(project) / token


def limit_bytes():
    return int(settings.MAX_UPLOAD_MB * 1024 * 1024)


def limit_label():
    return f"{settings.MAX_UPLOAD_MB:,} MB"


class _StreamedFile(TemporaryUploadedFile):
    """A TemporaryUploadedFile written into the upload's own directory.

    Django would put it in settings.FILE_UPLOAD_TEMP_DIR (the system's temporary
    directory, maybe another disk); here the finished file is renamed, never copied,
    and nothing of it lands outside the data directory.
    """

    def __init__(self, directory, name, content_type, charset, content_type_extra):
        file = tempfile.NamedTemporaryFile(dir=directory, prefix=".partial-")
        UploadedFile.__init__(self, file, name, content_type, 0, charset, content_type_extra)


class LimitedUploadHandler(FileUploadHandler):
    """Streams every file of a request to disk and stops the request at `limit` bytes.

    The view refuses a request whose Content-Length is too large before reading it;
    this catches bodies that don't say their length honestly. When it stops, Django
    closes (and so deletes) the file being written, and the view deletes the rest.
    """

    def __init__(self, directory, limit, request=None):
        super().__init__(request)
        self.directory = directory
        self.limit = limit
        self.received = 0
        self.too_large = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = _StreamedFile(
            self.directory, self.file_name, self.content_type, self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        self.file.write(raw_data)

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self):
        if hasattr(self, "file"):
            self.file.close()  # a NamedTemporaryFile: closing deletes it


def disk_name(name, number):
    """The name an uploaded file is stored under: its number and the endings that tell
    its format (.jsonl.gz, .csv). Not the researcher's name for it, which may hold a
    handle ("ana_example.jsonl"): that stays in the upload's manifest, on disk beside
    the file, and reaches the database only pseudonymised, when the import ends."""
    endings = []
    for suffix in reversed(Path(name).suffixes):
        if suffix.lower().lstrip(".") not in FILE_ENDINGS:
            break
        endings.insert(0, suffix.lower())
    return f"{number}{''.join(endings)}"


def read_manifest(directory):
    """What was uploaded (names, sizes, format), or None when the upload is gone."""
    try:
        return json.loads((directory / "upload.json").read_text())
    except FileNotFoundError:
        return None


def write_manifest(directory, manifest):
    (directory / "upload.json").write_text(json.dumps(manifest))


def delete_upload(project, token):
    shutil.rmtree(upload_dir(project, token), ignore_errors=True)


# --- the upload page --------------------------------------------------------------------------


def _wants_json(request):
    # upload.js sends the files with XMLHttpRequest (for its progress bar) and asks for JSON.
    return "application/json" in request.headers.get("Accept", "")


def _upload_page(request, project, error=None, status=200, chosen_format=""):
    if error and _wants_json(request):
        return JsonResponse({"error": error}, status=status)
    context = {
        "project": project,
        "section": "import",
        "error": error,
        "format_choices": FORMAT_CHOICES,
        "chosen_format": chosen_format,
        "max_bytes": limit_bytes(),
        "max_label": limit_label(),
        "max_files": max_files(),
        "too_many_files": too_many_files_message() if max_files() else "",
        "recent": [
            (run, _new_posts(run, " so far" if run.state == "running" else ""))
            for run in _with_states(_uploads_and_file_imports(project)[:5])
        ],
    }
    return render(request, "collect/import_upload.html", context, status=status)


def too_large_message(size=None):
    """Also waitress's answer (the serve command) to a body over its limit; `size` unknown
    for a body that does not say its length."""
    size = size or f"more than {limit_label()}"
    return (
        f"This upload is too large for the browser ({size}); the limit is {limit_label()} per "
        "upload. Upload fewer files at a time, or import large files on the server with the "
        "command “socialgood import”. An administrator can raise the limit "
        "(SOCIALGOOD_MAX_UPLOAD_MB)."
    )


def max_files():
    return settings.DATA_UPLOAD_MAX_NUMBER_FILES


def too_many_files_message():
    # Django refuses more files than this in one request (each is an open file while
    # the request is read); a folder of daily files is often more.
    return (
        f"This upload has more than {max_files():,} files, the most socialgood takes at once. "
        "Put the files in a zip archive and upload that (socialgood reads every file in it), "
        "or upload them in batches. Nothing was imported."
    )


@csrf_exempt  # checked below, after the upload handlers are in place (see _receive)
@login_required
def upload(request, slug):
    project = get_project(request, slug, "import_posts")
    if request.method != "POST":
        return _upload_page(request, project)

    # Refuse before a single byte of the body is read.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit_bytes() + FORM_OVERHEAD_BYTES:
        return _upload_page(request, project, too_large_message(filesizeformat(length)), 413)
    root = uploads_dir(project)
    root.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(root).free < length * 2:  # the upload, and room for the import
        return _upload_page(
            request,
            project,
            "There is not enough free disk space on the server for this upload. "
            "Ask your administrator to make room, or upload fewer files.",
            status=507,
        )

    token = secrets.token_hex(8)
    directory = upload_dir(project, token)
    (directory / "files").mkdir(parents=True)
    handler = LimitedUploadHandler(directory / "files", limit_bytes(), request)
    request.upload_handlers = [handler]
    try:
        return _receive(request, project, token, handler)
    except TooManyFilesSent:  # raised by the first look at the form, the CSRF check's
        return _upload_page(request, project, too_many_files_message(), 400)
    finally:
        # Kept only once its manifest is written: a refused, broken or forged upload
        # leaves nothing behind.
        if not (directory / "upload.json").exists():
            delete_upload(project, token)


@csrf_protect  # reads the form, so it runs with the upload handler already in place
def _receive(request, project, token, handler):
    uploaded = request.FILES.getlist("files")  # reads the body, through the handler
    if handler.too_large:
        return _upload_page(request, project, too_large_message(), 413)
    chosen_format = request.POST.get("format", "")
    if chosen_format not in dict(FORMAT_CHOICES):
        return _upload_page(request, project, "Choose a format from the list.", 400)
    if not uploaded:
        return _upload_page(
            request, project, "Choose at least one file to import.", 400, chosen_format
        )
    for file in uploaded:
        kind = UNREADABLE_SPREADSHEETS.get(Path(file.name).suffix.lower())
        if kind:
            message = (
                f"“{file.name}” is {kind}, which socialgood can't read. Open it in your "
                "spreadsheet program, save it as Excel (.xlsx) or CSV, and upload that. "
                "Nothing was imported."
            )
            return _upload_page(request, project, message, 400, chosen_format)
    # Said now: started, its import would fail and offer to try the same empty file again.
    empty = [file.name for file in uploaded if not file.size]
    if empty:
        names = " and ".join(f"“{name}”" for name in empty)
        one = len(empty) == 1
        message = (
            f"{names} {'is' if one else 'are'} empty (0 bytes): there is nothing in "
            f"{'it' if one else 'them'} to import. The "
            f"{'download or copy' if one else 'downloads or copies'} may not have finished; "
            f"check the {'file' if one else 'files'} on your computer, then choose the files "
            "again. Nothing was imported."
        )
        return _upload_page(request, project, message, 400, chosen_format)
    directory = upload_dir(project, token)
    files = []
    for number, file in enumerate(uploaded, start=1):
        name = disk_name(file.name, number)
        Path(file.temporary_file_path()).rename(directory / "files" / name)
        files.append({"name": file.name, "stored": name, "size": file.size})
    manifest = {
        "format": chosen_format or None,
        "files": files,
        "created_by": request.user.pk,
        "created_at": timezone.now().isoformat(),
    }
    write_manifest(directory, manifest)
    paths = [directory / "files" / entry["stored"] for entry in files]
    if any(is_table(path, manifest["format"]) for path in paths):
        target = reverse("import_columns", args=[project.slug, token])
    else:
        run = start_import(project, request.user, token, manifest)
        target = reverse("import_report", args=[project.slug, run.pk])
    if _wants_json(request):
        return JsonResponse({"redirect": target})
    return redirect(target)


def start_import(project, user, token, manifest, tables=()):
    """Create the ImportRun (so its report page exists at once) and the job that fills it;
    `tables`, with how the researcher said their dates read: an order left as remembered
    gives way to a file's own dates, as in any import."""
    directory = upload_dir(project, token)
    label = counted(len(manifest["files"]), "uploaded file")  # named when the import ends
    with transaction.atomic():
        run = ImportRun.objects.create(project=project, created_by=user, label=label)
        run.job = Job.start(
            UPLOAD_JOB,
            title=f"Import of {label}",
            project=project,
            user=user,
            params={
                "paths": [
                    str(directory / "files" / entry["stored"]) for entry in manifest["files"]
                ],
                "format": manifest["format"],
                "dates_by_file": {
                    str(table.path): table.dates
                    for table in tables
                    if table.dates and table.dates != table.remembered_dates
                },
                "import_run": run.pk,
                "upload": token,
            },
        )
        run.save(update_fields=["job"])
        manifest["import_run"] = run.pk
        write_manifest(directory, manifest)
    return run


def run_uploaded_import(job):
    """The "import.upload" job: the import, then the uploaded files are deleted.

    When the import fails, run_import_job raises and the files stay for another try.
    """
    manifest = read_manifest(upload_dir(job.project, job.params["upload"]))
    names = [entry["name"] for entry in manifest["files"]] if manifest else None
    result = run_import_job(job, names)
    delete_upload(job.project, job.params["upload"])
    job.message = f"{job.message} The uploaded files were deleted."
    return {**result, "files_deleted": True}


# --- the column-mapping step ---------------------------------------------------------------


class _Table:
    """One kind of table in an upload: the files sharing a header, and their mapping."""

    def __init__(self, number, path, headers):
        self.number = number
        self.prefix = f"t{number}"
        self.path = path
        self.headers = headers
        self.names = []
        self.mapping = {}
        self.platform = "other"
        self.dates = ""  # how "03/04/2026" reads, as chosen; empty: the file tells
        self.remembered_dates = ""  # as chosen for tables with these columns before
        self.source = ""
        self.error = None  # the file can't be read as a table
        self.problem = None  # the mapping can't be used
        self.preview = []  # (row number, its post's (attribute, label, value) shown)
        self.parts = []  # (attribute, label) of the parts of a post the preview shows
        self.preview_skips = []
        self.numeric_dates = False  # the preview's dates are like 03/04/2026
        self.dates_told = None  # the order a date in the preview's rows tells
        self.rows_scanned = 0  # rows with something in them among the first ones
        self.start_anyway = False  # the researcher says the first rows are not posts
        self.sheets_note = None  # a workbook's sheets after the first are not read

    def check(self):
        missing = [field for field in tabular.REQUIRED if field not in self.mapping]
        if missing:
            labels = " and ".join(
                f"“{FIELD_LABELS[field].removesuffix(' (required)')}”" for field in missing
            )
            self.problem = f"This mapping can't be used yet: choose the column for {labels}."
            return
        try:
            tabular.check_mapping(self.mapping, self.platform)
        except ValueError as error:
            self.problem = f"This mapping can't be used yet: {error}."

    def fields(self):
        """(field, label, form name, chosen column) for the form."""
        return [
            (field, _label(field), f"{self.prefix}-{field}", self.mapping.get(field, ""))
            for field in tabular.FIELDS
        ]

    def preview_parts(self):
        """(attribute of the stored post, label) of each part the mapping fills, in the
        form's order: the mapped fields, the kind (always stored), and what the import
        finds in the text when no column holds it."""
        filled = {*self.mapping, "kind"}
        if "text" in self.mapping:
            filled.update(FROM_TEXT)
        parts = {}
        for field in tabular.FIELDS:
            if field in filled:
                attribute = "author" if field in ("author_id", "author_handle") else field
                label = PREVIEW_LABELS.get(attribute) or _label(field)
                parts.setdefault(attribute, label.removesuffix(" (required)"))
        return list(parts.items())

    @property
    def reads_no_first_rows(self):
        """The mapping is complete, yet none of the first rows makes a post: a wrong
        column, or a table that begins with rows that are not posts."""
        return not self.problem and bool(self.rows_scanned) and not self.preview

    @property
    def start_problem(self):
        """Why the import can't start with this table's mapping, or None."""
        if self.problem:
            return self.problem
        if not self.reads_no_first_rows or self.start_anyway:
            return None
        reasons = "; ".join(
            f"{rows}: {reason}" if rows else reason for reason, rows in self.preview_skips
        )
        return (
            f"none of the first rows can be imported with these columns ({reasons}). "
            "Check which column you chose for each part of a post. If they are right and "
            f"the first rows are not posts, tick “{START_ANYWAY}” below its preview."
        )

    @property
    def source_text(self):
        return MAPPING_SOURCES.get(self.source, "")

    @property
    def unmapped(self):
        used = set(self.mapping.values())
        return [header for header in self.headers if header not in used]


def _label(field):
    return FIELD_LABELS.get(field) or field.replace("_", " ").capitalize()


def _shown(value):
    """A part of a stored post in plain words: lists joined, people by their pseudonym."""
    if value is None or value == "" or value == ():
        return ""
    if isinstance(value, datetime):
        return with_zone(timezone.localtime(value))
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, tuple | list):
        return ", ".join(filter(None, map(_shown, value)))
    if isinstance(value, Person):
        return value.id or value.handle or ""
    if isinstance(value, Link):
        return value.url
    if isinstance(value, Media):
        return " ".join(filter(None, (value.type, value.url)))
    return str(value)


def _preview_cells(post, parts):
    """(attribute, label, value) of each part of a pseudonymised post the preview shows."""
    return [
        (
            attribute,
            label,
            _shown(
                getattr(post.metrics, attribute)
                if attribute in tabular.METRICS
                else getattr(post, attribute, None)
            ),
        )
        for attribute, label in parts
    ]


def _drop_empty_found(table, parts):
    """The preview's parts without the hashtags, mentions or links the import would look
    for in the text and finds in none of the previewed posts: an empty column that no
    choice made says nothing about the mapping, and crowds the others."""
    keep = [
        number
        for number, (attribute, _) in enumerate(parts)
        if attribute not in FROM_TEXT
        or attribute in table.mapping
        or any(cells[number][2] for _, cells in table.preview)
    ]
    table.parts = [parts[number] for number in keep]
    table.preview = [(row, [cells[number] for number in keep]) for row, cells in table.preview]


def _json_format(path):
    """The name of the JSON format a file taken for a table is in (the format "Table"
    chosen for a .jsonl), or None: its first row read as a post, and the column step
    said to add column names to it."""
    try:
        return sniff_format(path).LABEL
    except Exception:  # not JSON that a format reads: a table after all, or damaged
        return None


def _tables(project, manifest, directory):
    tables = {}
    for entry in manifest["files"]:
        path = directory / "files" / entry["stored"]
        if not is_table(path, manifest["format"]):
            continue
        unreadable = "This file can't be read as a table: it is empty or damaged."
        try:
            headers = tabular.read_header(path)
        except UnreadableFile as error:  # said in plain words: binary data, a Word file…
            headers, unreadable = None, str(error)
        except Exception:  # any damage in a file nobody has checked yet; the import says more
            headers = None
        signature = tabular.header_signature(headers) if headers else f"unreadable {path.name}"
        if signature not in tables:
            table = tables[signature] = _Table(len(tables) + 1, path, headers or [])
            if path.suffix.lower() in (".xlsx", ".xlsm"):
                table.sheets_note = tabular.workbook_note(path)
            # Read as a table, JSON has no column names: its first row looks like a post.
            maybe_json = not headers or tabular.first_row_is_data(headers)
            json_label = _json_format(path) if maybe_json else None
            if json_label:
                table.headers = []
                table.error = (
                    f"This file is not a table: it holds {json_label}. Cancel, then upload it "
                    "again with the format “Detect automatically”."
                )
            elif headers and tabular.first_row_is_data(headers):
                table.headers = []  # a post's words and handles: never shown
                table.error = tabular.FIRST_ROW_IS_DATA + " Cancel, then upload it again."
            elif headers and not tabular.has_rows(path):
                # Said now: started, its import would fail and offer to try it again.
                table.error = (
                    f"{tabular.NO_ROWS} The export may have stopped before its rows. Cancel, "
                    "then upload the other files without it."
                )
            elif headers:
                mapping, table.platform, dates, table.source = table_mapping(project, path)
                table.dates = table.remembered_dates = dates or ""
                # A remembered mapping may spell a column differently ("Tweet ID", "tweet id").
                table.mapping = {field: col for field, col in mapping.items() if col in headers}
                table.check()
            else:
                table.error = f"{unreadable} Cancel, then upload the other files without it."
        tables[signature].names.append(entry["name"])
    return list(tables.values())


def _take_posted(table, data):
    """The table's mapping as the form says it; `problem` tells what is wrong with it."""
    table.mapping = {
        field: data[name] for field, _, name, _ in table.fields() if data.get(name) in table.headers
    }
    platform = data.get(f"{table.prefix}-platform")
    table.platform = platform if platform in PLATFORMS else "other"
    dates = data.get(f"{table.prefix}-dates")
    table.dates = dates if dates in dict(DATE_CHOICES) else ""
    table.source = "given"
    table.start_anyway = data.get(f"{table.prefix}-start_anyway") == "yes"
    table.problem = None
    table.check()


def _preview(table, pseudonymiser):
    """The first posts of the table as they would be stored: pseudonyms, never handles,
    and every part of a post the mapping fills, so that a wrong column shows.

    Rows go through the same parser and the same pseudonymiser as the import (nothing is
    saved), so the researcher sees exactly what the mapping produces, without the page
    ever showing a name from the file.
    """
    report = Report()
    scanned = []
    header, rows = tabular.table_rows(table.path)
    try:
        positions = {field: header.index(column) for field, column in table.mapping.items()}
        for row_number, cells in islice(rows, PREVIEW_SCAN_ROWS):
            if any(tabular.cell_text(cell) for cell in cells):
                values = {
                    field: cells[position] if position < len(cells) else None
                    for field, position in positions.items()
                }
                scanned.append((row_number, values))
    finally:
        rows.close()
    dates = [values["created_at"] for _, values in scanned]
    dates = [date for date in dates if tabular.reads_by_order(date)]
    table.numeric_dates = bool(dates)
    table.dates_told = next(filter(None, map(tabular.date_order, dates)), None)
    if table.source == "remembered" and table.dates_told not in (None, table.dates):
        table.dates = ""  # the order remembered for these columns; this file's dates tell
    order = table.dates or table.dates_told or tabular.DAY_FIRST
    parts = table.preview_parts()
    for row_number, values in scanned:
        post = tabular.row_post(values, table.platform, UTC, report, row_number, {}, order)
        if post is not None:
            # Only the pseudonymised post is shown, never a cell of the row.
            cells = _preview_cells(pseudonymiser.apply(post), parts)
            table.preview.append((row_number, cells))
            if len(table.preview) == PREVIEW_POSTS:
                break
    _drop_empty_found(table, parts)
    table.rows_scanned = len(scanned)
    table.preview_skips = [
        (reason, places_in_words(report.skipped_lines.get(reason, []), count, "row", SHOW_LINES))
        for reason, count in report.skipped.items()
    ]


@login_required
@vary_on_headers("HX-Request")
def columns(request, slug, token):
    project = get_project(request, slug, "import_posts")
    directory = upload_dir(project, token)
    manifest = read_manifest(directory)
    # A preview update (htmx) that ends here moves the whole page: a redirect it followed
    # itself would leave the columns in place, without a preview and without a word.
    go = HttpResponseClientRedirect if request.htmx else redirect
    if manifest is None:
        messages.info(request, "Those uploaded files are gone: they were imported or cancelled.")
        return go(reverse("import_upload", args=[slug]))
    if manifest.get("import_run"):  # already started (a second click, the back button)
        return go(reverse("import_report", args=[slug, manifest["import_run"]]))
    tables = _tables(project, manifest, directory)
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "cancel":
        delete_upload(project, token)
        messages.info(request, "The uploaded files were deleted. Nothing was imported.")
        return redirect("import_upload", slug=slug)

    readable = [table for table in tables if not table.error]
    if request.method == "POST":
        for table in readable:
            _take_posted(table, request.POST)

    # What the project knows of people, as the import uses it (a handle it knows by
    # someone's id, the names kept for them), so the preview shows what will be stored.
    # Nothing of this pseudonymiser is saved.
    pseudonymiser = project_pseudonymiser(project, with_kept_names=True)
    for table in readable:
        if not table.problem:
            _preview(table, pseudonymiser)
    # A mapping that reads none of the first rows (a text column chosen as the date) would
    # skip the whole table, and be remembered for the next one: it does not start, unless
    # the researcher has checked the columns and says the first rows are not posts. Then
    # it is remembered all the same: the job takes each table's mapping from what is
    # remembered, and the import itself remembers the mapping it reads a table with.
    # A table that can't be read has no start button; a stale page may still send it.
    if (
        request.method == "POST"
        and action == "start"
        and not any(table.error for table in tables)
        and not any(table.start_problem for table in readable)
    ):
        for table in readable:
            remember_mapping(project, table.path, table.mapping, table.platform, table.dates)
        run = start_import(project, request.user, token, manifest, readable)
        return redirect("import_report", slug=slug, run_id=run.pk)
    others = [
        entry["name"]
        for entry in manifest["files"]
        if not is_table(directory / "files" / entry["stored"], manifest["format"])
    ]
    context = {
        "project": project,
        "section": "import",
        "token": token,
        "tables": tables,
        "others": others,
        "platforms": list(PLATFORM_LABELS.items()),
        "date_choices": DATE_CHOICES,
        "required": tabular.REQUIRED,
        "can_start": not any(table.error for table in tables),
        "start_anyway": START_ANYWAY,
    }
    template = "collect/import_columns.html"
    if request.htmx:
        return render(request, f"{template}#previews", context)
    if action == "start":  # it could not: say why at the top, where the eyes are
        context["problems"] = [table for table in readable if table.start_problem]
    has_problem = request.method == "POST" and any(
        table.problem or (action == "start" and table.start_problem) for table in readable
    )
    return render(request, template, context, status=400 if has_problem else 200)


# --- reports ------------------------------------------------------------------------------


@login_required
def import_list(request, slug):
    project = get_project(request, slug, "view_project")
    runs = _uploads_and_file_imports(project)
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    _with_states(page.object_list)
    return render(
        request, "collect/import_list.html", {"project": project, "section": "import", "page": page}
    )


def _uploads_and_file_imports(project):
    # Collections record their runs as imports too; they have their own pages, and a
    # collection every 15 minutes would push a researcher's uploads out of Recent imports.
    return project.imports.filter(collection_run__isnull=True).select_related("created_by", "job")


def _state(run):
    """running, done or failed, from the run and (while it has not finished) its job."""
    job = run.job
    if job is not None and job.is_active:
        return "running"
    if run.status == ImportRun.Status.RUNNING:
        # The job ended before the import could record its end (bad input, cancelled).
        return "failed" if job is not None else "running"
    return run.status


def _with_states(runs):
    """The runs, each with its `state` and `state_label` as its report page tells them:
    an import whose job was cancelled or died stays "running" in the database."""
    runs = list(runs)
    for run in runs:
        run.state = _state(run)
        active = run.state == "running" and run.job is not None and run.job.is_active
        label = run.job.get_status_display() if active else ImportRun.Status(run.state).label
        run.state_label = label
    return runs


def _kept_files(run):
    """The uploaded files of this run that are still on disk (kept after a failure)."""
    job = run.job
    if job is None or job.kind != UPLOAD_JOB:
        return []
    return [Path(path) for path in job.params.get("paths", []) if Path(path).is_file()]


def _explain(reason):
    for start, explanation in EXPLANATIONS.items():
        if reason.startswith(start):
            return explanation
    return ""


def _file_rows(run, uploaded=False):
    """What the report page says per file, from the stored report. An uploaded table's
    columns were confirmed on the column step (which remembers them for the import)."""
    rows = []
    for entry in run.report.get("files") or run.files:
        unit = "row" if entry.get("format") in TABLE_FORMATS else "line"
        skips = []
        for reason, count in entry.get("skipped", {}).items():
            where = places_in_words(
                entry.get("skipped_lines", {}).get(reason, []), count, unit, SHOW_LINES
            )
            skips.append(
                {"reason": reason, "count": count, "where": where, "explanation": _explain(reason)}
            )
        unknown = sorted(entry.get("unknown_fields", {}))
        rows.append(
            {
                **entry,
                "format_label": "; ".join(
                    FORMAT_LABELS.get(name, name) for name in entry["format"].split(", ")
                )
                if entry.get("format")
                else "not recognised",
                "sha_short": (entry.get("sha256") or "")[:12],
                "skips": skips,
                "warnings": [
                    {
                        "message": message,
                        "explanation": _explain(message),
                        "count": count,
                        "where": places_in_words(
                            entry.get("warning_lines", {}).get(message, []), count, unit, SHOW_LINES
                        ),
                    }
                    for message, count in entry.get("warnings", {}).items()
                ],
                "unknown": unknown[:20],
                "unknown_more": max(0, len(unknown) - 20),
                "mapping_source": "as confirmed on the column step"
                if uploaded and entry.get("mapping_source") == "remembered"
                else MAPPING_SOURCES.get(entry.get("mapping_source"), ""),
                "mapping_rows": [
                    (FIELD_LABELS.get(field, field).removesuffix(" (required)"), column)
                    for field, column in (entry.get("mapping") or {}).items()
                ],
                "earlier": _earlier_import(run, entry),
            }
        )
    return rows


def _earlier_import(run, entry):
    """The last import before `run` of the very same file, when all its posts were
    already stored: that is why it added nothing."""
    sha256 = entry.get("sha256")
    if not sha256 or entry.get("imported") or not entry.get("duplicates"):
        return None
    return (
        run.project.imports.filter(files__icontains=sha256, started_at__lt=run.started_at)
        .exclude(pk=run.pk)
        .order_by("-started_at")
        .first()
    )


def _new_posts(run, verb=""):
    """A run's new posts, then `verb`, and how many were already stored when some were:
    "0 new posts stored (4 already stored)", not a bare 0 that reads as nothing found."""
    words = counted(run.imported, "new post") + verb
    if run.duplicates:
        words += f" ({run.duplicates:,} already stored)"
    return words


def _duration(seconds):
    if seconds is None:
        return ""
    if seconds < 1:
        return "less than a second"
    if seconds < 60:
        return f"{seconds:.1f} seconds"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s"


@login_required
@vary_on_headers("HX-Request")
def import_report(request, slug, run_id):
    project = get_project(request, slug, "view_project")
    run = get_object_or_404(project.imports.select_related("job", "created_by"), pk=run_id)
    state = _state(run)
    waited = _minutes_waiting(run)
    if request.htmx:
        if state != "running":
            return HttpResponseClientRefresh()  # the whole page turns into the report
        return render(
            request,
            "collect/import_report.html#progress",
            {"project": project, "run": run, "waited": waited},
        )
    report = run.report
    uploaded = run.job is not None and run.job.kind == UPLOAD_JOB
    context = {
        "project": project,
        "section": "import",
        "run": run,
        "state": state,
        "files": _file_rows(run, uploaded),
        "kept_files": _kept_files(run) if state == "failed" else [],
        "uploaded": uploaded,
        "duration": _duration(report.get("duration_seconds")),
        "new_posts": _new_posts(run, " stored"),
        "pseudonyms": report.get("pseudonyms", {}),
        "format_choices": RETRY_FORMAT_CHOICES,
        "waited": waited,
        "read_nothing": not (run.records or run.imported or run.duplicates or state == "running"),
    }
    return render(request, "collect/import_report.html", context)


def _minutes_waiting(run):
    """How many minutes the run's job has waited to start, once that is long."""
    job = run.job
    if job is None or job.status != Job.Status.QUEUED:
        return None
    waited = timezone.now() - job.created_at
    return int(waited.total_seconds() // 60) if waited >= LONG_WAIT else None


@login_required
def import_report_json(request, slug, run_id):
    project = get_project(request, slug, "view_project")
    run = get_object_or_404(project.imports, pk=run_id)
    response = JsonResponse(run.report_document(), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-report.json"'
    return response


@login_required
@require_POST
def import_retry(request, slug, run_id):
    """Run a failed upload's import again, on the kept files, into the same ImportRun.

    Posts stored by the first try come back as duplicates and are not counted twice.
    """
    project = get_project(request, slug, "import_posts")
    run = get_object_or_404(project.imports.select_related("job"), pk=run_id)
    paths = _kept_files(run)
    if _state(run) != "failed" or not paths:
        messages.info(request, "This import can't be run again: its files are gone.")
        return redirect("import_report", slug=slug, run_id=run.pk)
    chosen_format = request.POST.get("format", "")
    if chosen_format not in dict(RETRY_FORMAT_CHOICES):
        chosen_format = ""
    params = {**run.job.params, "format": chosen_format or None}
    with transaction.atomic():
        run.job = Job.start(
            UPLOAD_JOB, title=run.job.title, project=project, user=request.user, params=params
        )
        run.status = ImportRun.Status.RUNNING
        run.message = ""
        run.save(update_fields=["job", "status", "message"])
    messages.success(request, "Trying the import again.")
    return redirect("import_report", slug=slug, run_id=run.pk)


@login_required
@require_POST
def import_delete_files(request, slug, run_id):
    project = get_project(request, slug, "import_posts")
    run = get_object_or_404(project.imports.select_related("job"), pk=run_id)
    if _state(run) == "running" or run.job is None or run.job.kind != UPLOAD_JOB:
        messages.info(request, "There are no uploaded files to delete for this import.")
    else:
        delete_upload(project, run.job.params["upload"])
        messages.success(request, "The uploaded files were deleted.")
    return redirect("import_report", slug=slug, run_id=run.pk)
