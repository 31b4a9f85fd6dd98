from django.core.management.base import BaseCommand, CommandError

from socialgood.collect.export import export_ndjson
from socialgood.projects.models import Project


class Command(BaseCommand):
    help = "Export a project's stored (pseudonymised) posts, one JSON object per line."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--format", default="ndjson", choices=["ndjson"])
        parser.add_argument("--out", required=True, metavar="FILE")

    def handle(self, *args, project, format, out, **options):
        found = Project.objects.filter(slug=project).first()
        if found is None:
            raise CommandError(f"There is no project “{project}”.")
        count = export_ndjson(found, out)
        self.stdout.write(f"Wrote {count:,} posts to {out}.")
