"""A copy of the database alone reveals no handle, e-mail, credential or raw payload."""

import shutil
import subprocess

import pytest
from django.db import connection

from socialgood.collect.imports import load_originals
from socialgood.collect.models import Credential
from socialgood.projects.models import Project
from tests.governance.conftest import PEOPLE, database_files, import_messages, standard_messages

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_SECRET = "zq-client-secret-4711-never-on-disk"


def database_dump():
    """The whole database as bytes: the SQLite file and its log, or a pg_dump."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return database_files()
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed to check what a PostgreSQL dump reveals")
    db = connection.settings_dict
    command = ["pg_dump", f"--dbname={db['NAME']}", "--data-only"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command.append(f"{option}={db[key]}")
    env = {"PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run(command, capture_output=True, check=True, env=env).stdout


@pytest.fixture
def stored(world, tmp_path):
    project = Project.create(name="Everything kept", owner=world.owner)
    project.keep_raw = True  # the raw payloads hold every handle and name in the clear
    project.save()
    import_messages(project, tmp_path, standard_messages(), user=world.owner)
    from socialgood.collect import collecting

    credential = Credential(
        project=project, platform="reddit", label="Lab app", created_by=world.owner
    )
    collecting.encrypt_credential(
        credential, {"client_id": "lab-app-id", "client_secret": CLIENT_SECRET}
    )
    credential.save()
    return project


def test_a_database_dump_reveals_no_handle_email_or_credential(stored):
    dump = database_dump().lower()
    # The checks would pass vacuously if the dump were empty or unreadable.
    assert b"zqana1word" in dump and b"lab app" in dump
    originals = load_originals(stored)
    assert len(originals) == 3  # the re-identification table does hold them, encrypted
    for person in PEOPLE:
        for identifier in person.identifiers():
            assert identifier.lower().encode() not in dump, identifier
    for original in originals.values():
        for value in (original["handle"], original["id"], original["display_name"]):
            assert value.lower().encode() not in dump, value
    assert CLIENT_SECRET.encode() not in dump
    # The raw payloads are there, but only as ciphertext.
    assert stored.posts.exclude(raw_encrypted=None).count() == 5
    for raw_only in (b'"displayname"', b'"indexedat"', b"bafkav"):
        assert raw_only not in dump
