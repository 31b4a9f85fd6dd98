"""The master key: rotation re-wraps project keys (and nothing else needs re-encrypting),
atomically, recoverably; everything reads back afterwards."""

import base64
import os

import orjson
import pytest
from django.core.management import CommandError, call_command

from socialgood.collect.imports import load_originals
from socialgood.collect.ingest import raw_payload_purpose
from socialgood.collect.models import Post
from socialgood.privacy import crypto
from socialgood.projects.management.commands.keys import pending_path
from socialgood.projects.models import AuditEvent, Project
from tests.governance.conftest import ANA, import_messages, standard_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(settings, tmp_path, world):
    """A private copy of the master key, so rotating it leaves the shared one alone."""
    private = tmp_path / "keys" / "master.key"
    private.parent.mkdir()
    private.write_bytes(settings.MASTER_KEY_FILE.read_bytes())
    private.chmod(0o600)
    settings.MASTER_KEY_FILE = private
    return private


@pytest.fixture
def raw_project(world, key_file, tmp_path):
    """A project that keeps raw payloads, created under the test's own master key."""
    project = Project.create(name="Raw kept", owner=world.owner)
    project.keep_raw = True
    project.save()
    import_messages(project, tmp_path, standard_messages(), user=world.owner)
    return project


def everything_readable(project):
    project = Project.objects.get(pk=project.pk)  # no cached key
    originals = load_originals(project)
    raws = [
        orjson.loads(
            crypto.decrypt(
                project.secret_key,
                bytes(post.raw_encrypted),
                raw_payload_purpose(project.pk, post),
            )
        )
        for post in Post.objects.filter(project=project).order_by("id")
    ]
    assert len(raws) == 5
    return project.secret_key, originals, raws


def key_in(path):
    return base64.urlsafe_b64decode(path.read_bytes().strip())


def test_rotate_then_read_everything_back(raw_project, key_file):
    before = everything_readable(raw_project)
    old = key_in(key_file)
    call_command("keys", "rotate")
    new = key_in(key_file)
    assert new != old
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert everything_readable(raw_project) == before
    assert ANA.handle in {o["handle"] for o in before[1].values()}
    # The old key opens nothing any more, and no copy of it was left behind.
    with pytest.raises(crypto.DecryptionError):
        crypto.unwrap_key(old, bytes(Project.objects.get(pk=raw_project.pk).wrapped_key))
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["master.key"]
    assert AuditEvent.objects.filter(project=raw_project, action="keys.rotate").count() == 1


def test_keep_old_and_bring_your_own_key(raw_project, key_file, tmp_path):
    before = everything_readable(raw_project)
    old = key_in(key_file)
    supplied = tmp_path / "from-vault.key"
    supplied.write_bytes(base64.urlsafe_b64encode(crypto.new_key()) + b"\n")
    call_command("keys", "rotate", "--new-key-file", str(supplied), "--keep-old")
    assert key_in(key_file) == key_in(supplied)
    backups = [p for p in key_file.parent.iterdir() if p.name.startswith("master.key.old-")]
    assert len(backups) == 1 and key_in(backups[0]) == old
    assert everything_readable(raw_project) == before


def test_a_rotation_interrupted_after_the_database_commit_is_finished_next_time(
    raw_project, key_file
):
    before = everything_readable(raw_project)
    # Simulate a crash between the commit and the file replacement.
    new = crypto.new_key()
    pending = pending_path(key_file)
    pending.write_bytes(base64.urlsafe_b64encode(new) + b"\n")
    old = key_in(key_file)
    for project in Project.objects.all():
        project_key = crypto.unwrap_key(old, bytes(project.wrapped_key))
        Project.objects.filter(pk=project.pk).update(wrapped_key=crypto.wrap_key(new, project_key))
    call_command("keys", "check")
    assert not pending.exists() and key_in(key_file) == new
    assert everything_readable(raw_project) == before


def test_a_pending_key_from_a_rotation_that_never_committed_is_discarded(raw_project, key_file):
    pending = pending_path(key_file)
    pending.write_bytes(base64.urlsafe_b64encode(crypto.new_key()) + b"\n")
    old = key_in(key_file)
    call_command("keys", "check")
    assert not pending.exists() and key_in(key_file) == old


def test_check_names_the_projects_a_wrong_key_cannot_open(raw_project, key_file):
    key_file.write_bytes(base64.urlsafe_b64encode(crypto.new_key()) + b"\n")
    with pytest.raises(CommandError, match="does not open"):
        call_command("keys", "check")
    with pytest.raises(CommandError, match="rotation stopped before changing anything"):
        call_command("keys", "rotate")


def test_the_key_file_is_not_in_the_database(raw_project, key_file):
    assert os.path.exists(key_file)
    master = base64.urlsafe_b64encode(key_in(key_file)).decode()
    from tests.governance.conftest import rows_containing

    assert rows_containing(master) == []


def test_personal_credentials_survive_rotation_or_it_is_refused(world, key_file):
    """Personal credentials are encrypted with a key derived from the master key itself."""
    from socialgood.collect import collecting
    from socialgood.collect.models import Credential

    credential = Credential(user=world.analyst, platform="reddit", label="My app")
    collecting.encrypt_credential(credential, {"client_id": "id-1", "client_secret": "s3cret-xyz"})
    credential.save()
    old = key_in(key_file)
    if hasattr(collecting, "rewrap_personal_credentials"):
        call_command("keys", "rotate")
        credential.refresh_from_db()
        assert collecting.credential_secret(credential)["client_secret"] == "s3cret-xyz"
    else:
        with pytest.raises(CommandError, match="cannot re-encrypt them"):
            call_command("keys", "rotate")
        assert key_in(key_file) == old
        assert not pending_path(key_file).exists()
        credential.refresh_from_db()
        assert collecting.credential_secret(credential)["client_secret"] == "s3cret-xyz"
