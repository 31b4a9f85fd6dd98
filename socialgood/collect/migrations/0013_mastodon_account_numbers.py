"""Mastodon account numbers in stored uris are replaced by pseudonyms.

Since Mastodon 4.4 new accounts' uris name the account by its id,
https://<server>/ap/users/<account id>/statuses/<id>; imports before this migration
stored that id in the clear, in the post's own uri and the uris that point to posts, and
in texts and links that quote such a uri. It becomes the pseudonym an import gives it now,
so stored posts and new imports agree. Coded passages of a changed text move with it.
"""

from django.db import migrations
from django.db.models import Q

FIELDS = ("platform_id", "url", "reply_to", "quote_of", "repost_of", "thread_root", "text")
CHUNK = 2000


def pseudonymise_account_numbers(apps, schema_editor):
    from socialgood.collect.search import optimise_index
    from socialgood.privacy.pseudonyms import replace_account_numbers
    from socialgood.projects.models import secret_keys

    Post = apps.get_model("collect", "Post")
    PostLink = apps.get_model("collect", "PostLink")
    Coding = apps.get_model("coding", "Coding")
    key_of = secret_keys(apps.get_model("projects", "Project"))

    holding = Q()
    for field in FIELDS:
        holding |= Q(**{f"{field}__contains": "/ap/users/"})
    ids = list(Post.objects.filter(holding).values_list("pk", flat=True))
    texts_changed = False
    for start in range(0, len(ids), CHUNK):
        for post in Post.objects.filter(pk__in=ids[start : start + CHUNK]):
            changed = {}
            for field in FIELDS:
                value = getattr(post, field)
                if value and "/ap/users/" in value:
                    new, edits = replace_account_numbers(key_of(post.project_id), value)
                    if edits:
                        changed[field] = new
                        if field == "text":
                            _move_codings(Coding, post.pk, edits)
                            texts_changed = True
            if changed:
                Post.objects.filter(pk=post.pk).update(**changed)
    for link in PostLink.objects.filter(url__contains="/ap/users/").iterator(chunk_size=CHUNK):
        new, edits = replace_account_numbers(key_of(link.project_id), link.url)
        if edits:
            PostLink.objects.filter(pk=link.pk).update(url=new)
    if texts_changed:
        optimise_index()  # the old words leave the search index only when it merges


def _move_codings(Coding, post_id, edits):
    from socialgood.coding.offsets import moved

    for coding in Coding.objects.filter(post_id=post_id, start__isnull=False):
        start, end = moved(coding.start, edits, False), moved(coding.end, edits, True)
        if (start, end) != (coding.start, coding.end):
            Coding.objects.filter(pk=coding.pk).update(start=start, end=end)


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0012_column_mapping_without_headers"),
        ("coding", "0001_initial"),
        ("projects", "0003_privacy_settings"),
    ]

    operations = [
        migrations.RunPython(pseudonymise_account_numbers, migrations.RunPython.noop),
    ]
