"""Mastodon account numbers in stored uris are replaced by pseudonyms.

Since Mastodon 4.4 new accounts' uris name the account by its id,
https://<server>/ap/users/<account id>/statuses/<id>; imports before this migration
stored that id in the clear. It becomes the pseudonym an import gives it now (the
project's keyed pseudonym of "<id>@<server>"), so stored posts and new imports agree.
"""

import re

from django.db import migrations
from django.db.models import Q

FIELDS = ("platform_id", "url", "reply_to", "quote_of", "repost_of", "thread_root")
ACCOUNT_NUMBER = re.compile(r"(https?://([^/:\s]+)(?::[0-9]+)?/ap/users/)([0-9]+)(?=/|$)")


def pseudonymise_account_numbers(apps, schema_editor):
    from socialgood.privacy import crypto
    from socialgood.privacy.pseudonyms import pseudonym
    from socialgood.projects.models import master_key

    Post = apps.get_model("collect", "Post")
    holding = Q()
    for field in FIELDS:
        holding |= Q(**{f"{field}__contains": "/ap/users/"})
    ids = list(Post.objects.filter(holding).values_list("pk", flat=True))
    posts = (
        post
        for start in range(0, len(ids), 2000)
        for post in Post.objects.filter(pk__in=ids[start : start + 2000]).select_related("project")
    )
    keys = {}
    for post in posts:
        if post.project_id not in keys:
            keys[post.project_id] = crypto.unwrap_key(master_key(), bytes(post.project.wrapped_key))
        key = keys[post.project_id]

        def replace(match, key=key):
            number_at_server = f"{match[3]}@{match[2]}".lower()
            return match[1] + pseudonym(key, "mastodon", number_at_server)

        changed = {}
        for field in FIELDS:
            value = getattr(post, field)
            if value and "/ap/users/" in value:
                changed[field] = ACCOUNT_NUMBER.sub(replace, value)
        Post.objects.filter(pk=post.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0012_column_mapping_without_headers"),
        ("projects", "0003_privacy_settings"),
    ]

    operations = [
        migrations.RunPython(pseudonymise_account_numbers, migrations.RunPython.noop),
    ]
