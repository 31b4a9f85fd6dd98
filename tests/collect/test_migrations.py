"""Data migrations: what an earlier version stored reads back the same afterwards."""

import importlib

import orjson
import pytest
from django.apps import apps

from socialgood.coding.models import Code, Coding
from socialgood.collect.imports import import_files, load_directory, load_original, load_originals
from socialgood.collect.ingest import raw_payload_purpose
from socialgood.collect.models import PersonDirectory, PersonOriginals, Post, PostLink
from socialgood.privacy import crypto
from socialgood.privacy.pseudonyms import pseudonym

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
    number = "114900000000000001"
    thread = f"https://Social.example/ap/users/{number}/statuses/"
    content = f'<p>as I said <a href="{thread}300">{thread}300</a> we need respite</p>'
    page = [
        {"id": "305", "uri": thread + "305", "url": "https://social.example/@neo/305",
         "created_at": "2025-07-17T09:00:00Z", "content": content,
         "in_reply_to_id": "301", "in_reply_to_account_id": number,
         "account": {"id": number, "username": "neo", "acct": "neo",
                     "url": "https://social.example/@neo"}},
    ]  # fmt: skip
    path = tmp_path / "page.json"
    path.write_text(orjson.dumps(page).decode())
    import_files(world.project, [path])
    imported = Post.objects.get()
    link = PostLink.objects.get()
    # As imports stored it before: the account's number in the clear.
    replaced = pseudonym(world.project.secret_key, "mastodon", f"{number}@social.example")
    clear = {field: getattr(imported, field).replace(replaced, number) for field in
             ("platform_id", "reply_to", "text")}  # fmt: skip
    assert all(number in value for value in clear.values())
    Post.objects.update(**clear)
    PostLink.objects.update(url=link.url.replace(replaced, number))
    assert number in PostLink.objects.get().url
    passage = clear["text"].index("we need")
    code = Code.objects.create(project=world.project, name="respite")
    coding = Coding.objects.create(project=world.project, post=imported, code=code,
                                   coder_name="ana", start=passage, end=passage + 7)  # fmt: skip

    account_numbers.pseudonymise_account_numbers(apps, None)

    stored = Post.objects.get()
    assert (stored.platform_id, stored.reply_to, stored.text) == (
        imported.platform_id, imported.reply_to, imported.text
    )  # fmt: skip
    assert PostLink.objects.get().url == link.url
    assert number not in stored.text + stored.platform_id + PostLink.objects.get().url
    coding.refresh_from_db()
    assert stored.text[coding.start : coding.end] == "we need"
    again = import_files(world.project, [path])
    assert (again.imported, again.duplicates) == (0, 1)


table_ids = importlib.import_module("socialgood.collect.migrations.0015_table_ids_unwrapped")


def test_table_ids_stored_as_typed_for_excel_become_the_plain_ids(world, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        "id,created_at,text,reply_to\n"
        "1700000000000000001,2024-02-01T10:00:00Z,first,\n"
        "1700000000000000002,2024-02-01T11:00:00Z,second,1700000000000000001\n"
        "1700000000000000003,2024-02-01T12:00:00Z,third,\n"
    )
    mapping = {
        "platform_id": "id",
        "created_at": "created_at",
        "text": "text",
        "reply_to": "reply_to",
    }
    world.project.keep_raw = True  # a kept raw payload is bound to its post's id
    world.project.save()
    import_files(world.project, [path], mapping=mapping, platform="x")
    # As the mapper before version 3 stored them: as typed. The third is also stored
    # plain (from JSON, say): it stays, and so does its typed copy.
    key, project_id = world.project.secret_key, world.project.pk
    for post in Post.objects.all():
        raw = crypto.decrypt(key, post.raw_encrypted, raw_payload_purpose(project_id, post))
        post.platform_id = f'="{post.platform_id}"'
        post.raw_encrypted = crypto.encrypt(key, raw, raw_payload_purpose(project_id, post))
        post.save()
    Post.objects.filter(text="second").update(reply_to="'1700000000000000001")
    copy = Post.objects.get(text="third")
    copy.pk, copy.platform_id, copy.raw_encrypted = None, "1700000000000000003", None
    copy.save()

    table_ids.unwrap_table_ids(apps, None)

    assert sorted(Post.objects.values_list("platform_id", "reply_to")) == [
        ("1700000000000000001", None),
        ("1700000000000000002", "1700000000000000001"),
        ("1700000000000000003", None),
        ('="1700000000000000003"', None),
    ]
    for post in Post.objects.exclude(platform_id__startswith="=").exclude(raw_encrypted=None):
        raw = crypto.decrypt(key, post.raw_encrypted, raw_payload_purpose(project_id, post))
        assert orjson.loads(raw)["text"] == post.text
    again = import_files(world.project, [path], mapping=mapping, platform="x")
    assert (again.imported, again.duplicates) == (0, 3)


def test_a_table_id_whose_payload_is_bound_to_another_id_keeps_its_id(world, tmp_path):
    # A 600-character id was cut to 500 when stored, its payload bound to the whole.
    path = tmp_path / "posts.csv"
    path.write_text("id,created_at,text\n1700000000000000001,2024-02-01T10:00:00Z,first\n")
    world.project.keep_raw = True
    world.project.save()
    import_files(world.project, [path], mapping={"platform_id": "id", "created_at": "created_at"},
                 platform="x")  # fmt: skip
    post = Post.objects.get()
    post.platform_id = "'" + "1" * 499
    post.raw_encrypted = crypto.encrypt(world.project.secret_key, b"{}", b"another id")
    post.save()

    table_ids.unwrap_table_ids(apps, None)  # no DecryptionError: the upgrade goes on

    assert Post.objects.get().platform_id == "'" + "1" * 499
