"""The re-identification table moves out of the directory document into shards.

Imports and collections load the directory (handles, aliases, and `people`: every
pseudonym and whether an id is known for it) but never the originals, which live in
PersonOriginals rows by shard, so their memory no longer grows with everything the
project has learnt about people.
"""

import zlib

import django.db.models.deletion
import orjson
from django.db import migrations, models

SHARDS = 64  # collect.imports.ORIGINALS_SHARDS when this was written


def _directory_purpose(project_id):
    return f"person directory {project_id}".encode()


def _originals_purpose(project_id, shard):
    return f"person originals {project_id} {shard}".encode()


def _directories(apps):
    """(row, project key, crypto, directory document) of each stored directory; each
    document changed in place is saved after its turn."""
    from socialgood.privacy import crypto
    from socialgood.projects.models import master_key

    rows = apps.get_model("collect", "PersonDirectory").objects.select_related("project")
    if not rows.exists():
        return
    master = master_key()
    for row in rows.iterator(chunk_size=1):
        key = crypto.unwrap_key(master, bytes(row.project.wrapped_key))
        purpose = _directory_purpose(row.project_id)
        document = orjson.loads(crypto.decrypt(key, bytes(row.encrypted), purpose))
        yield row, key, crypto, document
        row.encrypted = crypto.encrypt(key, orjson.dumps(document), purpose)
        row.save(update_fields=["encrypted"])


def split(apps, schema_editor):
    PersonOriginals = apps.get_model("collect", "PersonOriginals")
    for row, key, crypto, document in _directories(apps):
        originals = document.pop("originals", {})
        document.setdefault("aliases", {})
        document["people"] = {pseudonym: bool(o.get("id")) for pseudonym, o in originals.items()}
        shards = {}
        for pseudonym, original in originals.items():
            shard = zlib.crc32(pseudonym.encode()) % SHARDS
            shards.setdefault(shard, {})[pseudonym] = original
        for shard, table in shards.items():
            purpose = _originals_purpose(row.project_id, shard)
            PersonOriginals.objects.create(
                project_id=row.project_id,
                shard=shard,
                encrypted=crypto.encrypt(key, orjson.dumps(table), purpose),
            )


def join(apps, schema_editor):
    PersonOriginals = apps.get_model("collect", "PersonOriginals")
    for row, key, crypto, document in _directories(apps):
        document.pop("people", None)
        originals = {}
        for shard in PersonOriginals.objects.filter(project_id=row.project_id):
            purpose = _originals_purpose(row.project_id, shard.shard)
            originals.update(orjson.loads(crypto.decrypt(key, bytes(shard.encrypted), purpose)))
        document["originals"] = originals


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0007_project_copies_without_constraint"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonOriginals",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("shard", models.PositiveSmallIntegerField()),
                ("encrypted", models.BinaryField()),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "shard"), name="one_originals_shard"
                    )
                ],
            },
        ),
        migrations.RunPython(split, join),
    ]
