import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from socialgood.projects.models import Project

DEMO_USER = "demo"
DEMO_SLUG = "demo"


class Command(BaseCommand):
    help = (
        "Set up a demo (user, project, invented posts) and serve it. Re-running reuses what exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up only, do not serve.")

    def handle(self, *args, host, port, no_serve, **options):
        from socialgood.collect.demo import load_demo_posts

        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        user, password = self.demo_user()
        project = Project.objects.filter(slug=DEMO_SLUG).first()
        if project is None:
            project = Project.create(
                name="Demo: caregiving and mental health",
                slug=DEMO_SLUG,
                owner=user,
                description=(
                    "Invented posts about caregiving, burnout and mental health on Bluesky, "
                    "Mastodon and Reddit. Nobody in them is real."
                ),
                ethics_reference="DEMO-0001 (not a real approval)",
            )
        if not project.posts.exists():
            run = load_demo_posts(project, user)
            self.stdout.write(f"Imported {run.imported} invented posts into the demo project.")
        else:
            self.stdout.write(f"Reusing the demo project ({project.posts.count()} posts).")
        self.stdout.write(
            self.style.SUCCESS(f"Log in as “{DEMO_USER}” with password “{password}”.")
        )
        if not no_serve:
            call_command("serve", host=host, port=port, no_migrate=True)

    def demo_user(self):
        User = get_user_model()
        login_file = settings.DATA_DIR / "demo-login.txt"
        user = User.objects.filter(username=DEMO_USER).first()
        if user is not None and login_file.exists():
            return user, login_file.read_text().strip()
        password = "-".join(secrets.token_hex(2) for _ in range(3))
        if user is None:
            user = User.objects.create_user(DEMO_USER, password=password)
        else:
            user.set_password(password)
            user.save()
        fd = os.open(login_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password)
        return user, password
