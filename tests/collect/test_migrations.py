"""Data migrations: what an earlier version stored reads back the same afterwards."""

import importlib

import orjson
import pytest
from django.apps import apps

from socialgood.collect.imports import import_files, load_directory, load_original, load_originals
from socialgood.collect.models import PersonDirectory, PersonOriginals, Post
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


account_numbers = importlib.import_module(
    "socialgood.collect.migrations.0013_mastodon_account_numbers"
)


def test_mastodon_account_numbers_stored_in_uris_become_what_an_import_writes(world, tmp_path):
    thread = "https://Social.example/ap/users/114900000000000001/statuses/"
    page = [
        {"id": "305", "uri": thread + "305", "url": "https://social.example/@neo/305",
         "created_at": "2025-07-17T09:00:00Z", "content": "<p>more</p>",
         "in_reply_to_id": "301", "in_reply_to_account_id": "114900000000000001",
         "account": {"id": "114900000000000001", "username": "neo", "acct": "neo",
                     "url": "https://social.example/@neo"}},
    ]  # fmt: skip
    path = tmp_path / "page.json"
    path.write_text(orjson.dumps(page).decode())
    import_files(world.project, [path])
    stored = Post.objects.get()
    # As imports stored it before: the account's number in the clear.
    Post.objects.update(platform_id=thread + "305", reply_to=thread + "301")

    account_numbers.pseudonymise_account_numbers(apps, None)

    assert Post.objects.values_list("platform_id", "reply_to").get() == (
        stored.platform_id,
        stored.reply_to,
    )
    assert "114900000000000001" not in stored.platform_id + stored.reply_to
    again = import_files(world.project, [path])
    assert (again.imported, again.duplicates) == (0, 1)
