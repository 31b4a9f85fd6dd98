import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge


class _TooLargeTask(ErrorTask):
    """Waitress's answer to a body over its limit, in socialgood's words.

    Waitress refuses such a body itself, before socialgood sees the request, with a
    plain-text "exceeds max_body of 2147549184": without upload.js (scripts off, or a
    browser that can't run it) that was all a researcher saw, and no way back.
    """

    def execute(self):
        if not isinstance(self.request.error, RequestEntityTooLarge):
            return super().execute()
        from socialgood.collect.import_views import too_large_message

        length = self.request.content_length  # 0 for a chunked body
        size = filesizeformat(length) if length else None
        body = render_to_string(
            "413.html", {"message": too_large_message(size), "back": self.request.path}
        ).encode()
        self.status = "413 Request Entity Too Large"
        self.response_headers.append(("Content-Type", "text/html; charset=utf-8"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    error_task_class = _TooLargeTask


def web_server(application, host, port, threads):
    server = create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="socialgood",
        # Waitress reads a whole body before socialgood sees the request: it must refuse
        # one over socialgood's limit itself (_TooLargeTask says so in plain words).
        max_request_body_size=settings.MAX_UPLOAD_MB * 2**20 + 2**16,
    )
    # A host name with several addresses ("localhost": IPv4 and IPv6) gets a server each.
    for listener in {server, *getattr(server, "map", {}).values()}:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = _Channel
    return server


class Command(BaseCommand):
    help = "Serve socialgood's web app (waitress) and run a background worker beside it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1)."
        )
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument(
            "--threads", type=int, default=8, help="Web server threads (default 8)."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve only; run `socialgood worker` elsewhere.",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply pending migrations first."
        )

    def handle(self, *args, host, port, threads, no_worker, no_migrate, **options):
        from socialgood.wsgi import application

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        try:
            server = web_server(application, host, port, threads)
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {host}:{port} ({error.strerror}). "
                "Is socialgood already running? Try another port with --port."
            ) from error
        worker = None
        if not no_worker:
            # A separate process: a long import must not slow down the pages.
            worker = subprocess.Popen([sys.executable, "-m", "socialgood.cli", "worker"])

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        # Printed only once the socket listens, so the URL works when people see it.
        self.stdout.write(
            f"socialgood is serving http://{shown_host}:{port}/  (data in {settings.DATA_DIR})"
        )
        self.stdout.write(
            "Press Ctrl+C to stop." + ("" if worker else " No worker runs in this process.")
        )
        self.stdout.flush()
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
            self.stdout.write("socialgood stopped.")
