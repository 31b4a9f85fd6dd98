"""`socialgood keys check` and `socialgood keys rotate`: the master key that protects project keys.

Rotation re-wraps each project's key under a new master key in one database
transaction; the data those keys encrypt (re-identification tables, credentials, raw
payloads) is not touched, so it takes a moment whatever the size of the projects.

The order of steps makes a crash at any point recoverable: the new key is first written
next to the key file as `<name>.pending` (fsynced), then the database is updated, then
the pending file replaces the key file (os.replace is atomic). If the process dies after
the database commit, the next `keys rotate` or `keys check` finds the pending file,
sees that it opens the project keys, and finishes the replacement.
"""

import base64
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from socialgood.privacy import crypto
from socialgood.projects.models import AuditEvent, Project


def read_key_file(path):
    """The key in `path`, or CommandError in plain words."""
    path = Path(path)
    if not path.exists():
        raise CommandError(f"There is no key file at {path}.")
    try:
        key = base64.urlsafe_b64decode(path.read_bytes().strip())
    except ValueError:
        key = b""
    if len(key) != crypto.KEY_SIZE:
        raise CommandError(f"{path} does not hold a socialgood master key.")
    return key


def write_key_file(path, key):
    """Write `key` to `path` (mode 0600), fsynced, without replacing anything else."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(base64.urlsafe_b64encode(key) + b"\n")
        file.flush()
        os.fsync(file.fileno())
    _fsync_directory(Path(path).parent)


def _fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def opens_every_project(master):
    """(projects the key opens, projects it doesn't)."""
    good, bad = [], []
    for project in Project.objects.only("pk", "slug", "wrapped_key"):
        try:
            crypto.unwrap_key(master, bytes(project.wrapped_key))
            good.append(project.slug)
        except crypto.DecryptionError:
            bad.append(project.slug)
    return good, bad


def pending_path(key_file):
    return Path(f"{key_file}.pending")


def finish_pending_rotation(key_file, stdout=None):
    """Complete a rotation that stopped after its database commit. True if one was finished."""
    pending = pending_path(key_file)
    if not pending.exists():
        return False
    new = read_key_file(pending)
    good, bad = opens_every_project(new)
    if bad or not good:
        # The database was never updated: the pending key is useless, the old one stands.
        pending.unlink()
        return False
    os.replace(pending, key_file)
    _fsync_directory(Path(key_file).parent)
    if stdout:
        stdout.write("Finished an interrupted key rotation: the new master key is now in place.")
    return True


def _personal_credentials_rewrapper():
    """The collect app's function that re-encrypts personal credentials, if any exist.

    Personal credentials are encrypted with a key derived from the master key itself
    (not a project key), so they are the one thing rotation has to re-encrypt.
    """
    from django.apps import apps

    try:
        Credential = apps.get_model("collect", "Credential")
    except LookupError:
        return None
    if not Credential.objects.filter(project__isnull=True).exists():
        return None
    from socialgood.collect import collecting

    rewrap = getattr(collecting, "rewrap_personal_credentials", None)
    if rewrap is None:
        raise CommandError(
            "Some people have stored personal platform credentials, and this version of "
            "socialgood cannot re-encrypt them under a new master key. Nothing was changed."
        )
    return rewrap


class Command(BaseCommand):
    help = "Check or rotate the master key that protects every project's key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="Check that the master key opens every project's key.")
        rotate = sub.add_parser("rotate", help="Re-wrap every project key under a new master key.")
        rotate.add_argument(
            "--new-key-file",
            help="Take the new master key from this file (e.g. made by your secrets manager) "
            "instead of generating one. The key file in use is still replaced.",
        )
        rotate.add_argument(
            "--keep-old",
            action="store_true",
            help="Keep the old key as <key file>.old-<time> (needed to restore older backups).",
        )

    def handle(self, *args, action, **options):
        key_file = Path(settings.MASTER_KEY_FILE)
        finish_pending_rotation(key_file, self.stdout)
        if action == "check":
            return self.check_keys(key_file)
        return self.rotate(key_file, options["new_key_file"], options["keep_old"])

    def check_keys(self, key_file):
        master = read_key_file(key_file)
        good, bad = opens_every_project(master)
        if bad:
            raise CommandError(
                f"The master key at {key_file} does not open {len(bad)} project(s): "
                f"{', '.join(bad)}. Is this the key the database was made with?"
            )
        self.stdout.write(f"The master key at {key_file} opens all {len(good)} project key(s).")

    def rotate(self, key_file, new_key_file, keep_old):
        old = read_key_file(key_file)
        good, bad = opens_every_project(old)
        if bad:
            raise CommandError(
                f"The current master key does not open {', '.join(bad)}; rotation stopped "
                "before changing anything."
            )
        new = read_key_file(new_key_file) if new_key_file else crypto.new_key()
        if new == old:
            raise CommandError("The new key is the same as the current one.")
        rewrap_personal = _personal_credentials_rewrapper()
        pending = pending_path(key_file)
        write_key_file(pending, new)
        try:
            with transaction.atomic():
                projects = list(
                    Project.objects.select_for_update().only("pk", "slug", "wrapped_key")
                )
                for project in projects:
                    project_key = crypto.unwrap_key(old, bytes(project.wrapped_key))
                    Project.objects.filter(pk=project.pk).update(
                        wrapped_key=crypto.wrap_key(new, project_key)
                    )
                    AuditEvent.record(None, project, "keys.rotate", target=project.slug)
                if rewrap_personal is not None:
                    rewrap_personal(old, new)
        except BaseException:
            pending.unlink(missing_ok=True)
            raise
        if keep_old:
            backup = Path(f"{key_file}.old-{timezone.now():%Y%m%dT%H%M%S}")
            write_key_file(backup, old)
            self.stdout.write(f"Kept the old key as {backup}; keep it as safe as the new one.")
        os.replace(pending, key_file)
        _fsync_directory(key_file.parent)
        self.stdout.write(
            f"Re-wrapped {len(projects)} project key(s) under a new master key in {key_file}. "
            "Back the new key up now; backups made before this need the old key."
        )
