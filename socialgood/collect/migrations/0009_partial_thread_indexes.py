"""Index only the posts that have a parent or a thread.

Most posts reply to nothing (88% of a twarc2 sample, more in most collections), and
each one cost a B-tree insert in both thread indexes for an entry no query reads:
`reply_to = …` and `thread_root = …` can only match posts where they are set, and both
SQLite and PostgreSQL use a partial index for such a filter.
"""

from django.db import migrations, models


def analyze(apps, schema_editor):
    # Fresh planner statistics for the new indexes, as migration 0006 leaves them.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE collect_post")
    else:
        schema_editor.execute("PRAGMA analysis_limit=1000")
        schema_editor.execute("ANALYZE")


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0008_person_originals_apart"),
        ("projects", "0003_privacy_settings"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="post", name="post_by_parent"),
        migrations.RemoveIndex(model_name="post", name="post_by_thread"),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                condition=models.Q(reply_to__isnull=False),
                fields=["project", "reply_to"],
                name="post_by_parent",
            ),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                condition=models.Q(thread_root__isnull=False),
                fields=["project", "thread_root"],
                name="post_by_thread",
            ),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]
