"""Ids a table gave as ="1700…" or '1700… (typed so to keep Excel from changing them)
become the plain ids imports now read, so the same post from JSON, or the same table
imported again, is a duplicate as it should be. A post whose plain id is already
stored (the same post, imported both ways) keeps its id, and stays a second post. A
kept raw payload is bound to its post's id: it is encrypted again for the new one."""

from django.db import migrations
from django.db.models import Q


def unwrap_table_ids(apps, schema_editor):
    from socialgood.collect.ingest import raw_payload_purpose
    from socialgood.platforms.tabular import unwrapped_id
    from socialgood.privacy import crypto
    from socialgood.projects.models import secret_keys

    Post = apps.get_model("collect", "Post")
    key_of = secret_keys(apps.get_model("projects", "Project"))

    wrapped = Q()
    for field in ("platform_id", "reply_to"):
        wrapped |= Q(**{f"{field}__startswith": '="'}) | Q(**{f"{field}__startswith": "'"})
    for post in Post.objects.filter(wrapped, mapper__startswith="table/").order_by("pk"):
        changed = {}
        if post.reply_to and unwrapped_id(post.reply_to) != post.reply_to:
            changed["reply_to"] = unwrapped_id(post.reply_to)
        plain = unwrapped_id(post.platform_id)
        taken = Post.objects.filter(
            project_id=post.project_id, platform=post.platform, platform_id=plain
        )
        if plain != post.platform_id and not taken.exists():
            changed["platform_id"] = plain
            if post.raw_encrypted is not None:
                key = key_of(post.project_id)
                purpose = raw_payload_purpose(post.project_id, post)
                try:
                    raw = crypto.decrypt(key, bytes(post.raw_encrypted), purpose)
                except crypto.DecryptionError:
                    # Bound to another id than the one stored (cut at 500 characters):
                    # the post keeps its id, and its payload stays readable as it was.
                    del changed["platform_id"]
                else:
                    post.platform_id = plain
                    purpose = raw_payload_purpose(post.project_id, post)
                    changed["raw_encrypted"] = crypto.encrypt(key, raw, purpose)
        if changed:
            Post.objects.filter(pk=post.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0014_side_rows_without_post_constraint"),
        ("projects", "0003_privacy_settings"),
    ]

    operations = [
        migrations.RunPython(unwrap_table_ids, migrations.RunPython.noop),
    ]
