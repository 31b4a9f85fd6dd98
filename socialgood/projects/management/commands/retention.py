from django.core.management.base import BaseCommand

from socialgood.projects.governance import retention_tick


class Command(BaseCommand):
    help = (
        "Warn owners of coming retention dates and start deleting projects whose date has "
        "come. Workers do this on their own; run it from cron if no worker runs."
    )

    def handle(self, *args, **options):
        done = retention_tick()
        self.stdout.write(
            f"{done['retention_warnings']} warning(s) sent, "
            f"{done['retention_deletions']} deletion(s) started."
        )
