import contextlib
import json
import signal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from socialgood.collect.imports import (
    DISK_FULL,
    ImportProblem,
    ReaderStopped,
    damaged_lines,
    import_files,
    is_disk_full,
    is_table,
    table_mapping,
)
from socialgood.collect.models import ImportRun
from socialgood.platforms import FORMATS, tabular
from socialgood.platforms.model import PLATFORMS
from socialgood.platforms.report import counted, places_in_words
from socialgood.projects.models import Project

SHOW_LINES = 5  # line numbers shown per skip reason; the --report file has more
DATE_ORDERS = {"day-first": tabular.DAY_FIRST, "month-first": tabular.MONTH_FIRST}


class Command(BaseCommand):
    help = (
        "Import posts from files (X/Twitter, X archives, Bluesky, Mastodon, Reddit, YouTube, "
        "Telegram, Zeeschuimer; .gz, .zst, .zip and .tar read directly; CSV/XLSX through a "
        "column mapping). Identifiers are pseudonymised before anything is stored."
    )
    # Django's system checks load every URL and view (about a second): an import
    # needs only the database, and `socialgood check` or starting the server still runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="The files to import.")
        parser.add_argument(
            "--project", required=True, metavar="SLUG", help="Created when missing."
        )
        parser.add_argument(
            "--format",
            help=f"Skip format detection: one of {', '.join([*FORMATS, 'csv', 'xlsx'])}.",
        )
        parser.add_argument("--report", metavar="FILE.json", help="Write the import report here.")
        parser.add_argument(
            "--owner",
            metavar="USERNAME",
            help="Owner of a new project (default: the first superuser).",
        )
        parser.add_argument(
            "--platform",
            help=f"Tables only: the platform the rows come from: one of {', '.join(PLATFORMS)}.",
        )
        parser.add_argument(
            "--dates",
            choices=sorted(DATE_ORDERS),
            help="Tables only: how to read a date like 03/04/2026 (default: as the file "
            "shows by a date like 13/04/2026 or 04/13/2026; day first if none does).",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="Tables only: which column holds a post field, e.g. --map text=Tweet. Repeat. "
            f"Fields: {', '.join(tabular.FIELDS)}.",
        )

    def handle(self, *args, paths, project, format, report, owner, platform, dates, map, **options):
        paths = [Path(path) for path in paths]
        for path in paths:
            if path.is_dir():
                raise CommandError(f"{path} is a folder: name the files in it (e.g. {path}/*).")
            if path.exists() and not path.is_file():
                raise CommandError(
                    f"{path} is not a file but a pipe or a device: save what it gives to a "
                    "file first, then import that."
                )
            if not path.is_file():
                raise CommandError(f"There is no file {path}.")
        if report and not Path(report).resolve().parent.is_dir():
            # Found out now, not after an hour's import that then can't say what it did.
            raise CommandError(f"Can't write the report to {report}: there is no such folder.")
        mapping = parse_map(map)
        project = self.get_or_create_project(project, owner)
        for path in paths:
            if is_table(path, format):
                self.explain_mapping(project, path, mapping, platform, DATE_ORDERS.get(dates))

        bar = tqdm(unit=" posts", desc="Importing", disable=None, dynamic_ncols=True)

        def progress(done, total, message):
            bar.update(done - bar.n)

        # Made here, so that an interrupted import's report can still be written.
        try:
            run = ImportRun.objects.create(project=project, label=counted(len(paths), "file"))
        except DatabaseError as error:
            if is_disk_full(error):
                raise CommandError(DISK_FULL + " Nothing was imported.") from None
            raise
        try:
            with _stopped_as_by_ctrl_c():
                run = import_files(
                    project,
                    paths,
                    format=format,
                    mapping=mapping or None,
                    platform=platform,
                    dates=DATE_ORDERS.get(dates),
                    progress=progress,
                    run=run,
                )
        except ImportProblem as problem:
            raise CommandError(str(problem)) from None
        except ReaderStopped as stopped:
            raise CommandError(
                f"{stopped} The posts stored so far are kept; run the same command again to "
                "import the rest."
            ) from None
        except KeyboardInterrupt:
            bar.close()
            if report:
                run.refresh_from_db()
                write_report(run, report)
            raise CommandError(
                "Interrupted. The posts stored so far are kept; run the same command again "
                "to import the rest.",
                returncode=130,
            ) from None
        bar.close()

        self.print_summary(run)
        if report:
            write_report(run, report)
            self.stdout.write(f"Report written to {report}.")
        if run.status == run.Status.FAILED:
            raise CommandError(run.message)
        damaged = damaged_lines(run)
        if damaged:
            raise CommandError(
                f"Parts of the input are damaged or could not be read: "
                f"{counted(damaged, 'line, row or file', 'lines, rows or files')} (see above). "
                "Everything else was imported.",
                returncode=2,
            )

    def get_or_create_project(self, slug, owner_name):
        project = Project.objects.filter(slug=slug).first()
        if project is not None:
            return project
        User = get_user_model()
        if owner_name:
            owner = User.objects.filter(username=owner_name).first()
            if owner is None:
                raise CommandError(f"There is no user “{owner_name}”.")
        else:
            owner = User.objects.filter(is_superuser=True).order_by("pk").first()
            if owner is None:
                raise CommandError(
                    f"There is no project “{slug}”, and no one to own a new one. Pass "
                    "--owner USERNAME, or create an administrator first with "
                    "`socialgood createsuperuser`."
                )
        project = Project.create(name=slug, slug=slug, owner=owner)
        self.stdout.write(f"Created the project “{slug}”, owned by {owner.username}.")
        return project

    def explain_mapping(self, project, path, mapping, platform, dates):
        given = dates
        try:
            mapping, platform, dates, how = table_mapping(project, path, mapping, platform, dates)
        except ImportProblem:
            return  # the import reports it
        source = {
            "given": "as given with --map",
            "remembered": "remembered from an earlier table with the same columns",
            "guessed": "guessed from the column names; change it with --map FIELD=COLUMN",
        }[how]
        self.stdout.write(f"Columns used for {path.name} ({source}), platform “{platform}”:")
        for field, column in mapping.items():
            self.stdout.write(f"  {field:<14} ← {column}")
        if given:
            self.stdout.write(f"Dates like 03/04/2026 are read {dates}, as given.")
        elif dates:
            self.stdout.write(
                f"Dates like 03/04/2026 are read {dates}, as remembered for these columns, "
                "unless a date in the file shows otherwise (change with --dates)."
            )

    def print_summary(self, run):
        self.stdout.write(
            f"{counted(run.imported, 'new post')}, {run.duplicates:,} already stored, "
            f"{counted(run.skipped, 'record')} skipped ({counted(run.records, 'record')} read "
            f"in {run.report.get('duration_seconds', 0):,.1f} s)."
        )
        for entry in run.report.get("files", []):
            for reason, count in entry.get("skipped", {}).items():
                where = _where(entry.get("skipped_lines", {}).get(reason, []), count)
                self.stdout.write(f"  {entry['name']}: skipped {count:,}: {reason}{where}")
            for message, count in entry.get("warnings", {}).items():
                where = _where(entry.get("warning_lines", {}).get(message, []), count)
                self.stdout.write(
                    f"  {entry['name']}: note ({counted(count, 'time')}): {message}{where}"
                )
            unknown = entry.get("unknown_fields", {})
            if unknown:
                self.stdout.write(
                    f"  {entry['name']}: {counted(len(unknown), 'unknown field')} kept only in "
                    f"the raw payload: {', '.join(sorted(unknown)[:10])}"
                )
        scrubbed = run.report.get("contacts_scrubbed", 0)
        if scrubbed:
            what = counted(
                scrubbed, "e-mail address or phone number", "e-mail addresses and phone numbers"
            )
            self.stdout.write(f"  {what} removed from texts.")


# `kill` and `timeout` send SIGTERM, closing the terminal window SIGHUP.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _stopped_as_by_ctrl_c():
    """Told to stop, or its terminal closed, the import ends as on Ctrl-C: else it ended
    on the spot, its run left "running" for good and the people of the posts stored so
    far unsaved."""
    before = {number: signal.signal(number, _interrupt) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def _interrupt(number, frame):
    raise KeyboardInterrupt


def _where(lines, count):
    """ " (line 3, item 37 of line 4, …)" for the first places of something that happened
    `count` times, or ""."""
    where = places_in_words(lines, count, "line", SHOW_LINES)
    return f" ({where})" if where else ""


def parse_map(pairs):
    mapping = {}
    for pair in pairs:
        field, equals, column = pair.partition("=")
        if not equals or not field.strip() or not column.strip():
            raise CommandError(f"--map takes FIELD=COLUMN, e.g. --map text=Tweet (got “{pair}”).")
        mapping[field.strip()] = column.strip()
    return mapping


def write_report(run, path):
    document = run.report_document()
    Path(path).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
