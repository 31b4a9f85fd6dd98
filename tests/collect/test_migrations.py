"""Data migrations: what an earlier version stored reads back the same afterwards."""

import importlib

import orjson
import pytest
from django.apps import apps

from socialgood.collect.imports import load_directory, load_original, load_originals
from socialgood.collect.models import PersonDirectory, PersonOriginals
from socialgood.privacy import crypto

pytestmark = pytest.mark.django_db

originals_apart = importlib.import_module(
    "socialgood.collect.migrations.0008_person_originals_apart"
)


def test_a_directory_with_its_originals_inside_is_split_into_shards_and_back(world):
    project = world.project
    purpose = f"person directory {project.pk}".encode()
    originals = {
        f"user-{n:016x}": {"platform": "x", "id": str(n) if n % 3 else None,
                           "handle": f"carer_{n}", "display_name": None}
        for n in range(200)
    }  # fmt: skip
    earlier = {"directory": {"x:carer_1": "user-0000000000000001"}, "originals": originals}
    encrypted = crypto.encrypt(project.secret_key, orjson.dumps(earlier), purpose)
    PersonDirectory.objects.create(project=project, encrypted=encrypted)

    originals_apart.split(apps, None)

    assert load_directory(project) == {
        "directory": earlier["directory"],
        "aliases": {},
        "people": {pseudonym: o["id"] is not None for pseudonym, o in originals.items()},
    }
    assert load_originals(project) == originals
    assert load_original(project, "user-0000000000000001")["handle"] == "carer_1"
    assert PersonOriginals.objects.filter(project=project).count() > 1, "kept in shards"
    stored = [bytes(row.encrypted) for row in PersonOriginals.objects.all()]
    assert not any(b"carer_" in row for row in stored), "encrypted"

    originals_apart.join(apps, None)

    row = PersonDirectory.objects.get(project=project)
    joined = orjson.loads(crypto.decrypt(project.secret_key, bytes(row.encrypted), purpose))
    assert joined == {**earlier, "aliases": {}}
