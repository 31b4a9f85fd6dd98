from django.db import migrations


def rewrite_on_postgresql(apps, schema_editor):
    # PostgreSQL drops a column by hiding it: the old column names stay in the table's
    # rows on disk until the table is rewritten. (SQLite rebuilds the table anyway.)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM FULL collect_columnmapping")


class Migration(migrations.Migration):
    atomic = False  # VACUUM can't run in a transaction

    dependencies = [
        ("collect", "0011_withdrawn"),
    ]

    operations = [
        migrations.RemoveField(model_name="columnmapping", name="headers"),
        migrations.RunPython(rewrite_on_postgresql, migrations.RunPython.noop),
    ]
