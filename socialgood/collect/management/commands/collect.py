import argparse
import sys
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from socialgood.collect import collecting
from socialgood.collect.models import Collection, CollectionRun, Credential
from socialgood.platforms import collectors
from socialgood.platforms.collectors import QueryError, Refused
from socialgood.platforms.http import Unavailable
from socialgood.projects.models import Project

RUN = "run"
EVERY_UNITS = {"m": 1, "h": 60, "d": 1440}


class Command(BaseCommand):
    help = (
        "Collect posts now: run a saved collection (socialgood collect NAME --project SLUG) "
        "or a one-off query (socialgood collect mastodon --tag socialwork --instance "
        "mastodon.social --project SLUG). Posts are pseudonymised before anything is stored."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parse_args = parser.parse_args

        # `socialgood collect NAME` means `socialgood collect run NAME`: argparse can't
        # have a free positional beside sub-commands, so it is given its name here.
        def parse_args_with_default(args=None, namespace=None):
            args = list(sys.argv[2:] if args is None else args)
            if (
                args
                and not args[0].startswith("-")
                and args[0] not in (RUN, *collectors.COLLECTORS)
            ):
                args.insert(0, RUN)
            return parse_args(args, namespace)

        parser.parse_args = parse_args_with_default
        return parser

    def add_arguments(self, parser):
        commands = parser.add_subparsers(
            dest="command", required=True, metavar="COLLECTION|PLATFORM"
        )
        run = commands.add_parser(RUN, help="Run a saved collection now (its id or name).")
        run.add_argument("collection", metavar="COLLECTION_ID_OR_NAME")
        run.add_argument("--project", required=True, metavar="SLUG")
        for name in collectors.COLLECTORS:
            module = collectors.collector(name)
            sub = commands.add_parser(name, help=f"A one-off {module.LABEL} query.")
            sub.add_argument("--project", required=True, metavar="SLUG")
            sub.add_argument(
                "--name", help="Save the query under this name (default: its description)."
            )
            sub.add_argument(
                "--since", type=moment, help="Only posts from this date or time (UTC) on."
            )
            sub.add_argument(
                "--until", type=moment, help="Only posts up to this date or time (UTC)."
            )
            sub.add_argument(
                "--every",
                type=every,
                help="Keep collecting on a schedule, e.g. 30m, 1h, 1d (the worker runs it).",
            )
            sub.add_argument(
                "--credential", metavar="ID_OR_LABEL", help="A credential saved in the project."
            )
            for field in module.QUERY_FIELDS:
                add_field_option(sub, field)

    def handle(self, *args, command, project, **options):
        slug, project = project, Project.objects.filter(slug=project).first()
        if project is None:
            raise CommandError(f"There is no project “{slug}”.")
        if command == RUN:
            collection = find_collection(project, options["collection"])
        else:
            collection = self.one_off(project, command, options)
        run = CollectionRun.objects.create(collection=collection, trigger="cli")
        if (
            collection.runs.filter(
                status__in=[CollectionRun.Status.QUEUED, CollectionRun.Status.RUNNING]
            )
            .exclude(pk=run.pk)
            .exists()
        ):
            run.delete()
            raise CommandError(f"“{collection.name}” is already running; wait for it to finish.")
        bar = tqdm(unit=" posts", desc=collection.name[:30], disable=None, dynamic_ncols=True)

        def progress(done, total, message):
            bar.update(done - bar.n)
            bar.set_postfix_str(message[:60], refresh=False)

        try:
            collecting.collect(run, progress=progress)
        except (QueryError, Refused, Unavailable) as error:
            bar.close()
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            bar.close()
            raise CommandError(
                "Interrupted. The posts stored so far are kept, and the collection's next run "
                "continues from the last page it saved.",
                returncode=130,
            ) from None
        bar.close()
        run.refresh_from_db()
        self.stdout.write(f"{run.get_status_display()}: {run.message}")
        self.stdout.write("")
        self.stdout.write(collecting.run_report(run))

    def one_off(self, project, platform, options):
        module = collectors.collector(platform)
        query = {}
        for field in module.QUERY_FIELDS:
            value = options.get(field.name)
            if value is not None:
                query[field.name] = value
        try:
            query = module.check_query(query)
        except QueryError as error:
            raise CommandError(str(error)) from None
        credential = None
        if options["credential"]:
            credential = find_credential(project, platform, options["credential"])
        name = options["name"] or f"{module.describe(query)} ({timezone.now():%Y-%m-%d %H:%M})"
        collection, created = Collection.objects.get_or_create(
            project=project,
            name=name[:200],
            defaults={"platform": platform, "query": query},
        )
        if not created and collection.platform != platform:
            raise CommandError(f"“{name}” is already a {collection.platform} collection.")
        now = timezone.now()
        collection.query = query
        collection.since = options["since"]
        collection.until = options["until"]
        collection.credential = credential
        collection.every_minutes = options["every"]
        collection.enabled = bool(options["every"])
        collection.next_run_at = (
            now + timedelta(minutes=options["every"]) if options["every"] else None
        )
        collection.save()
        return collection


def add_field_option(parser, field):
    kwargs = {"dest": field.name, "help": field.help or None}
    if field.kind == "list":
        kwargs.update(action="append", metavar=field.label.rstrip("s").upper().replace(" ", "_"))
        kwargs["help"] = f"{field.help} Repeat for several.".strip()
    elif field.kind == "bool":
        kwargs.update(action="store_true", default=None)
    elif field.kind == "int":
        kwargs.update(type=int)
    elif field.kind == "choice":
        kwargs.update(choices=[value for value, _ in field.choices])
    parser.add_argument(field.option, **kwargs)


def moment(text):
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text} (write e.g. 2026-01-01)") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def every(text):
    text = text.strip().lower()
    try:
        number, unit = int(text[:-1]), text[-1]
        return number * EVERY_UNITS[unit]
    except (ValueError, KeyError):
        raise argparse.ArgumentTypeError(
            f"not a schedule: {text} (write e.g. 30m, 1h or 1d)"
        ) from None


def find_collection(project, key):
    collections = project.collections.all()
    found = collections.filter(pk=int(key)).first() if key.isdigit() else None
    found = found or collections.filter(name=key).first()
    if found is None:
        raise CommandError(f"The project has no collection “{key}”.")
    return found


def find_credential(project, platform, key):
    credentials = Credential.objects.filter(project=project, platform=platform)
    found = credentials.filter(pk=int(key)).first() if key.isdigit() else None
    found = found or credentials.filter(label=key).first()
    if found is None:
        raise CommandError(f"The project has no {platform} credential “{key}”.")
    return found
