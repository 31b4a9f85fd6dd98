from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

# SQLite rebuilds the altered tables, and their planner statistics go with the old ones.
refresh_statistics = import_module(
    "socialgood.collect.migrations.0007_project_copies_without_constraint"
).refresh_statistics


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0013_mastodon_account_numbers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="posthashtag",
            name="post",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hashtags",
                to="collect.post",
            ),
        ),
        migrations.AlterField(
            model_name="postlink",
            name="post",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="links",
                to="collect.post",
            ),
        ),
        migrations.AlterField(
            model_name="postmedia",
            name="post",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="media",
                to="collect.post",
            ),
        ),
        migrations.AlterField(
            model_name="postmention",
            name="post",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="mentions",
                to="collect.post",
            ),
        ),
        migrations.RunPython(refresh_statistics, migrations.RunPython.noop),
    ]
