"""Full-text search structures, which differ per database (see socialgood.collect.search).

They are not part of the model state: Django lists columns explicitly, so the extra
PostgreSQL column and the SQLite virtual table stay invisible to the ORM.
"""

from django.db import migrations

from socialgood.collect import search


def create(apps, schema_editor):
    run(schema_editor, search.POSTGRESQL_SCHEMA, search.SQLITE_SCHEMA)


def drop(apps, schema_editor):
    run(schema_editor, search.POSTGRESQL_SCHEMA_UNDO, search.SQLITE_SCHEMA_UNDO)


def run(schema_editor, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": postgresql, "sqlite": sqlite}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"socialgood runs on SQLite or PostgreSQL, not {vendor}.")
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("collect", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
