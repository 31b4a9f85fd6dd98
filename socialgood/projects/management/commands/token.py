from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from socialgood.projects.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token: socialgood token create USERNAME [--name NAME]"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="API token", help="What the token is for.")

    def handle(self, *args, action, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no account called {username!r}.")
        # Only the token goes to stdout, so scripts can capture it.
        self.stdout.write(ApiToken.create_for(user, name))
