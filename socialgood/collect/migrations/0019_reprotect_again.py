"""Posts stored before get today's pseudonymisation rules again, as in 0016.

What changed since 0018: profile links with their "@" percent-encoded
(mastodon.example/%40<name>, youtube.com/%40<name>); Instagram's and Telegram's other
domains (instagr.am/<name>, telegram.dog/<name>); import records named after the
user id of someone the project knows (1188000001.jsonl, a YouTube channel's UC… id);
display names with an emoji between their words ("Quilla 🌿 Marrow"), whose texts kept
"Quilla Marrow"; e-mail addresses written with "(at)" or "[at]" in scrubbed projects;
LinkedIn member ids in profile links copied from its feed (?miniProfileUrn=…); Telegram
files' own names kept as their paths (video_files/<its name>, files/<its name>).
0016 says how it runs.
"""

import importlib

from django.db import migrations

reprotect_stored_posts = importlib.import_module(
    "socialgood.collect.migrations.0016_reprotect_stored_posts"
).reprotect_stored_posts


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("collect", "0018_reprotect_again")]

    operations = [
        migrations.RunPython(reprotect_stored_posts, migrations.RunPython.noop),
    ]
