"""Backups: backup → wipe → restore gives back every project exactly; the file is
encrypted, holds the wrapped keys but never the master key, and a restore with the
wrong master key is refused before anything is touched."""

import base64
import hashlib
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from socialgood.collect.imports import load_originals
from socialgood.collect.search import search_posts
from socialgood.privacy import crypto
from socialgood.projects import governance
from socialgood.projects.models import AuditEvent, Project
from tests.governance.conftest import ANA

# Refusals need no committed data; only the round trip runs outside a test transaction.
pytestmark = pytest.mark.django_db


def snapshot():
    """Every row of every table (by model) and every file of the store."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        records = []
        for record in model.objects.order_by("pk").values():
            if model is AuditEvent and record["action"] == "backup.restore":
                continue
            records.append(
                {k: bytes(v) if isinstance(v, memoryview) else v for k, v in record.items()}
            )
        rows[model._meta.label] = records
    store = Path(settings.STORAGE_DIR)
    files = {
        p.relative_to(store).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in store.rglob("*")
        if p.is_file()
    }
    return rows, files


def wipe():
    """Empty the installation: no rows (SQLite: no database file at all), no files."""
    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.STORAGE_DIR, ignore_errors=True)


@pytest.fixture
def backed_up(imported, tmp_path):
    project = imported.project
    export = governance.project_storage_dir(project) / "exports" / "posts.csv"
    export.parent.mkdir(parents=True)
    export.write_text("author,text\nuser-x,zqexportword\n")
    path = tmp_path / "socialgood.backup"
    call_command("backup", out=str(path))
    return imported, path


def assert_encrypted_without_master_key(path):
    data = path.read_bytes()
    master = crypto.load_or_create_master_key(settings.MASTER_KEY_FILE)
    for secret in (master, base64.urlsafe_b64encode(master)):
        assert secret not in data
    for plain in (b"zqana1word", b"zqexportword", b"SQLite format 3", b"olive"):
        assert plain not in data


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_gives_identical_data(backed_up):
    world, path = backed_up
    assert_encrypted_without_master_key(path)
    before = snapshot()
    assert len(before[0]["collect.Post"]) == 5 and before[1]
    wipe()
    call_command("restore", str(path))
    assert snapshot() == before
    project = Project.objects.get(slug=world.project.slug)
    # The keys still open everything, and the search index came back with the posts.
    originals = load_originals(project)
    assert ANA.handle in {o["handle"] for o in originals.values()}
    assert search_posts(project, "zqcy2word").count() == 1
    assert AuditEvent.objects.filter(project=project, action="backup.restore").count() == 1


def test_restore_with_another_master_key_is_refused_and_changes_nothing(
    backed_up, settings, tmp_path
):
    _, path = backed_up
    before = snapshot()
    other = tmp_path / "other.key"
    other.write_bytes(base64.urlsafe_b64encode(crypto.new_key()) + b"\n")
    settings.MASTER_KEY_FILE = other
    with pytest.raises(CommandError, match="made with a different master key"):
        call_command("restore", str(path), force=True)
    assert snapshot() == before


def test_restore_without_the_master_key_file_says_what_to_do(backed_up, settings, tmp_path):
    _, path = backed_up
    settings.MASTER_KEY_FILE = tmp_path / "missing.key"
    with pytest.raises(CommandError, match="needs the master key the backup was made with"):
        call_command("restore", str(path))
    assert not settings.MASTER_KEY_FILE.exists()


def test_restore_into_an_installation_with_projects_needs_force(backed_up):
    _, path = backed_up
    with pytest.raises(CommandError, match="already has projects"):
        call_command("restore", str(path))


def test_a_damaged_backup_is_refused(backed_up, tmp_path):
    _, path = backed_up
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), force=True)
    cut = tmp_path / "cut.backup"
    cut.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CommandError, match="cut off|damaged"):
        call_command("restore", str(cut), force=True)
