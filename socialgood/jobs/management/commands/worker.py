import logging
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from socialgood.jobs.tasks import scheduler_tick

logger = logging.getLogger(__name__)


def scheduler_loop(stop, every):
    while not stop.wait(every):
        try:
            scheduler_tick()
        except Exception:
            logger.exception("Scheduler tick failed; trying again in %s s", every)
        finally:
            close_old_connections()
            connection.close()


class Command(BaseCommand):
    help = "Run background jobs (imports, collections, analyses, exports). Run one or more per machine."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", default="default", help="Queue names, comma-separated, or *."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument(
            "--schedule-every", type=float, default=30.0, help="Seconds between scheduler ticks."
        )

    def handle(self, *args, queue, interval, batch, schedule_every, **options):
        worker_id = get_random_string(12)
        stop = threading.Event()
        scheduler_tick()
        if not batch:
            # Every worker also ticks the scheduler: the tick is safe to run twice,
            # so any number of worker machines needs no separate scheduler process.
            threading.Thread(
                target=scheduler_loop, args=(stop, schedule_every), daemon=True
            ).start()
            self.stdout.write(
                f"socialgood worker {worker_id} is waiting for jobs. Press Ctrl+C to stop."
            )
        worker = Worker(
            queue_names=queue.split(","),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        try:
            if not batch:
                worker.configure_signals()
            worker.run()
        finally:
            stop.set()
