from django.core.management.base import BaseCommand, CommandError

from socialgood.projects.backups import BackupProblem, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made with `socialgood backup` into an empty installation that has "
        "the same master key. Stop socialgood's web server and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the database and files of an installation that is not empty.",
        )

    def handle(self, *args, file, force, **options):
        try:
            manifest = restore_backup(file, force=force)
        except BackupProblem as problem:
            raise CommandError(str(problem)) from None
        posts = sum(manifest["projects"].values())
        self.stdout.write(
            f"Restored {len(manifest['projects'])} project(s) with {posts:,} posts from the "
            f"backup of {manifest['created_at'][:19]} UTC."
        )
