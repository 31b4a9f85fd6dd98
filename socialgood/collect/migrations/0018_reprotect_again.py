"""Posts stored before get today's pseudonymisation rules again, as in 0016.

What changed since 0017: Twitch player links naming several channels (also after a
second "?"); a VK person's number after a VK link nested in a query
(feed?a=vk.com/x&w=wall<n>_1); profile links inside a link with only their scheme
encoded (?to=https%3A%2F%2Fx.com/<name>); the display names a person went by before
the latest, and longer names before shorter ones they hold. Projects kept only the
latest name until now, so earlier ones are replaced where imports since have seen
them. 0016 says how it runs.
"""

import importlib

from django.db import migrations

reprotect_stored_posts = importlib.import_module(
    "socialgood.collect.migrations.0016_reprotect_stored_posts"
).reprotect_stored_posts


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("collect", "0017_reprotect_again")]

    operations = [
        migrations.RunPython(reprotect_stored_posts, migrations.RunPython.noop),
    ]
