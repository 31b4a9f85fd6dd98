"""The `socialgood` command: Django's management commands with socialgood's settings."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgood.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "socialgood"
    if argv[1:2] == ["demo"]:
        # The demo serves plain HTTP on this computer only; secure cookies would
        # keep some browsers from logging in there.
        os.environ.setdefault("SOCIALGOOD_SECURE_COOKIES", "0")
    try:
        execute_from_command_line(argv)
    except KeyboardInterrupt:
        # Ctrl-C before a command could handle it (Django still loading): a traceback
        # of Python's imports told people nothing; nothing was done yet.
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
