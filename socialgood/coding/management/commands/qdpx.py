"""`socialgood qdpx import FILE --project SLUG` and `socialgood qdpx export --project SLUG --out FILE`."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from socialgood.coding import exchange, refi
from socialgood.projects.models import Project


class Command(BaseCommand):
    help = "Exchange a project with NVivo, ATLAS.ti or MAXQDA as a REFI-QDA .qdpx file."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("file", nargs="?", help="the .qdpx file to import")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--out", help="where to write the export")
        parser.add_argument(
            "--user", help="whose name goes in the audit log (default: the project's first owner)"
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project']!r}.")
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no account {options['user']!r}.")
        else:
            user = project.memberships.filter(role="owner").order_by("added_at").first().user
        if options["action"] == "export":
            if not options["out"]:
                raise CommandError("Say where to write the file with --out FILE.qdpx.")
            data = exchange.export_qdpx(project, by=user)
            Path(options["out"]).write_bytes(data)
            self.stdout.write(f"Wrote {options['out']} ({len(data):,} bytes).")
            return
        if not options["file"]:
            raise CommandError("Name the .qdpx file to import.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist.")
        try:
            result = exchange.import_qdpx(project, path.read_bytes(), by=user, file_name=path.name)
        except refi.RefiError as error:
            raise CommandError(str(error)) from None
        counts = result["counts"]
        self.stdout.write(
            f"Imported {counts['documents']} documents, {counts['codes']} codes, "
            f"{counts['codings']} codings, {counts['memos']} memos."
        )
        for line in result["report"]:
            self.stdout.write(f"  - {line}")
