"""Ids a table gave as ="1700…" or '1700… (typed so to keep Excel from changing them)
become the plain ids imports now read, so the same post from JSON, or the same table
imported again, is a duplicate as it should be. A post whose plain id is already
stored (the same post, imported both ways) keeps its id, and stays a second post."""

from django.db import migrations
from django.db.models import Q

CHUNK = 2000


def unwrap_table_ids(apps, schema_editor):
    from socialgood.platforms.tabular import unwrapped_id

    Post = apps.get_model("collect", "Post")
    wrapped = Q()
    for field in ("platform_id", "reply_to"):
        wrapped |= Q(**{f"{field}__startswith": '="'}) | Q(**{f"{field}__startswith": "'"})
    posts = Post.objects.filter(wrapped, mapper__startswith="table/").order_by("pk")
    rows = list(posts.values_list("pk", "project_id", "platform", "platform_id", "reply_to"))
    for pk, project_id, platform, platform_id, reply_to in rows:
        changed = {}
        plain = unwrapped_id(platform_id)
        taken = Post.objects.filter(project_id=project_id, platform=platform, platform_id=plain)
        if plain != platform_id and not taken.exists():
            changed["platform_id"] = plain
        if reply_to and unwrapped_id(reply_to) != reply_to:
            changed["reply_to"] = unwrapped_id(reply_to)
        if changed:
            Post.objects.filter(pk=pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0014_side_rows_without_post_constraint"),
    ]

    operations = [
        migrations.RunPython(unwrap_table_ids, migrations.RunPython.noop),
    ]
