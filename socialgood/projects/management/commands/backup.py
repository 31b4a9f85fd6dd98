from django.core.management.base import BaseCommand, CommandError

from socialgood.projects.backups import BackupProblem, write_backup


class Command(BaseCommand):
    help = (
        "Back up the database and the file store into one encrypted file. The master key is "
        "never included: keep it apart from the backups, both are needed to restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="The backup file to write.")

    def handle(self, *args, out, **options):
        try:
            manifest = write_backup(out)
        except BackupProblem as problem:
            raise CommandError(str(problem)) from None
        projects = len(manifest["projects"])
        posts = sum(manifest["projects"].values())
        self.stdout.write(
            f"Backed up {projects} project(s) with {posts:,} posts to {out} "
            f"(master key check {manifest['key_check']})."
        )
