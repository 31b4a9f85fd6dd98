"""Posts stored before get today's pseudonymisation rules again, as in 0016.

What changed since: YouTube Music handles in other scripts (music.youtube.com/@<name>)
and what earlier rules left of them; Twitch player links written without "/", with an
encoded "@" (also twice), on www.player and clips, and clips linked before 2017; Tumblr
blog hosts in capitals and after a plain "%"; a VK person's number after a second "?",
after "#", in a query encoded once or twice, in VK's old "#/" links and on vk.me. Display names an earlier version left in texts are replaced
by the names kept for their people, and import records' file names that name someone
known since. A post stored twice (under an id with a name in it and under today's) is
merged into the copy under today's id, and analyses and exports made from changed
posts are removed. 0016 says how it runs.
"""

import importlib

from django.db import migrations

reprotect_stored_posts = importlib.import_module(
    "socialgood.collect.migrations.0016_reprotect_stored_posts"
).reprotect_stored_posts


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("collect", "0016_reprotect_stored_posts"),
        ("analyze", "0002_drop_figure_cache"),  # results made from changed posts are removed
    ]

    operations = [
        migrations.RunPython(reprotect_stored_posts, migrations.RunPython.noop),
    ]
