"""Drop the foreign-key indexes that another index already starts with.

Every index costs each stored post or side row one more B-tree insert; these added
nothing to any query. Dropped: collect_post.project_id (post_unique_per_project and
post_by_time start with it), the hashtag and mention tables' project_id and post_id
(hashtag_by_tag / mention_by_person and the once-per-post constraints), and
collect_postlink.project_id (link_by_domain). PostgreSQL also loses the `LIKE` copy
Django adds to an indexed CharField (`author`); no query matches authors by pattern.

Only the indexes change, by SQL: Django's SQLite AlterField would copy collect_post into
a new table, and that drops the full-text triggers with the old one.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index Django named for the foreign key)
FOREIGN_KEY_INDEXES = [
    ("collect_post", "project_id", "collect_post_project_id_1f132dab"),
    ("collect_posthashtag", "post_id", "collect_posthashtag_post_id_511749ec"),
    ("collect_posthashtag", "project_id", "collect_posthashtag_project_id_65c286a9"),
    ("collect_postmention", "post_id", "collect_postmention_post_id_ed839d25"),
    ("collect_postmention", "project_id", "collect_postmention_project_id_cbe5621e"),
    ("collect_postlink", "project_id", "collect_postlink_project_id_5c0de726"),
]
AUTHOR_INDEX = "collect_post_author_7810de88"


def drop(apps, schema_editor):
    for _, _, name in FOREIGN_KEY_INDEXES:
        schema_editor.execute(f"DROP INDEX {name}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {AUTHOR_INDEX}_like")
        schema_editor.execute(f"ALTER INDEX {AUTHOR_INDEX} RENAME TO post_by_author")
    else:  # SQLite can't rename an index
        schema_editor.execute(f"DROP INDEX {AUTHOR_INDEX}")
        schema_editor.execute("CREATE INDEX post_by_author ON collect_post (author)")
    # Fresh planner statistics for the new set of indexes (as ingest.refresh_statistics
    # leaves after a large import): SQLite had none before, and without them it walked
    # every post for an author filter.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE collect_post")
    else:
        schema_editor.execute("PRAGMA analysis_limit=1000")
        schema_editor.execute("ANALYZE")


def restore(apps, schema_editor):
    for table, column, name in FOREIGN_KEY_INDEXES:
        schema_editor.execute(f"CREATE INDEX {name} ON {table} ({column})")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX post_by_author RENAME TO {AUTHOR_INDEX}")
        schema_editor.execute(
            f"CREATE INDEX {AUTHOR_INDEX}_like ON collect_post (author varchar_pattern_ops)"
        )
    else:
        schema_editor.execute("DROP INDEX post_by_author")
        schema_editor.execute(f"CREATE INDEX {AUTHOR_INDEX} ON collect_post (author)")


def without_index(to, related_name):
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0005_tally"),
        ("projects", "0003_privacy_settings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, restore)],
            state_operations=[
                migrations.AlterField(
                    model_name="post",
                    name="author",
                    field=models.CharField(max_length=40),
                ),
                migrations.AddIndex(
                    model_name="post",
                    index=models.Index(fields=["author"], name="post_by_author"),
                ),
                migrations.AlterField(
                    model_name="post",
                    name="project",
                    field=without_index("projects.project", "posts"),
                ),
                migrations.AlterField(
                    model_name="posthashtag",
                    name="post",
                    field=without_index("collect.post", "hashtags"),
                ),
                migrations.AlterField(
                    model_name="posthashtag",
                    name="project",
                    field=without_index("projects.project", "+"),
                ),
                migrations.AlterField(
                    model_name="postmention",
                    name="post",
                    field=without_index("collect.post", "mentions"),
                ),
                migrations.AlterField(
                    model_name="postmention",
                    name="project",
                    field=without_index("projects.project", "+"),
                ),
                migrations.AlterField(
                    model_name="postlink",
                    name="project",
                    field=without_index("projects.project", "+"),
                ),
            ],
        ),
    ]
