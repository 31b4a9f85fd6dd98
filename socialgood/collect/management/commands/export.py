from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from socialgood.collect.export import export_ndjson
from socialgood.platforms.report import counted
from socialgood.projects.models import Project


class Command(BaseCommand):
    help = "Export a project's stored (pseudonymised) posts, one JSON object per line."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--format", default="ndjson", choices=["ndjson"])
        parser.add_argument(
            "--out", required=True, metavar="FILE", help="Replaced only once it is complete."
        )

    def handle(self, *args, project, format, out, **options):
        found = Project.objects.filter(slug=project).first()
        if found is None:
            raise CommandError(f"There is no project “{project}”.")
        if Path(out).is_dir():
            raise CommandError(f"{out} is a folder: give a file name, e.g. {out}/posts.ndjson.")
        try:
            count = export_ndjson(found, out)
        except OSError as error:
            raise CommandError(f"Can't write {out}: {error.strerror}.") from None
        self.stdout.write(f"Wrote {counted(count, 'post')} to {out}.")
