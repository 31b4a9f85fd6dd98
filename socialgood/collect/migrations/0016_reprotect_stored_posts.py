"""Posts stored under earlier pseudonymisation rules get today's (collect.reprotect).

Handles and profile links the rules of their day did not know (https://<handle>.bsky.social,
LinkedIn and VK profiles, links inside links, YouTube handles with "·") become the
pseudonyms an import gives them now; coded passages move with their texts.

It runs today's code and models on purpose: today's rules are the point, and the person
directory they need is read and written by collect.imports. It names every column it
reads or writes (a project's too), and writes its audit event with the historical
model, so columns added later do not trouble it. When the rules change again, a new
migration runs it again.

A project whose key can't be read with this master key is left as it is, and said so
in the log: the upgrade goes on, and `socialgood reprotect --project <slug>` does it once
the right key is in place. Not atomic: each chunk of posts is a transaction of its own,
so that the database can be scrubbed of what was replaced afterwards (PostgreSQL's
VACUUM can't run inside one); stopped halfway, it goes on where it stopped when run again.
"""

import logging

from django.db import migrations

logger = logging.getLogger(__name__)


def reprotect_stored_posts(apps, schema_editor):
    from socialgood.collect.reprotect import reprotect_projects
    from socialgood.projects.models import Project

    audit_events = apps.get_model("projects", "AuditEvent")
    projects = Project.objects.only("pk", "slug", "name", "wrapped_key", "scrub_contacts")
    for project, changes in reprotect_projects(projects.order_by("pk"), audit_events):
        if changes is None:
            logger.warning(
                "The key of project %s can't be read with this master key: its posts were "
                "left as they are. Run `socialgood reprotect --project %s` once it can.",
                project.slug,
                project.slug,
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("collect", "0015_table_ids_unwrapped"),
        ("coding", "0001_initial"),
        ("analyze", "0001_initial"),  # results made from changed posts are removed
        ("projects", "0003_privacy_settings"),
    ]

    operations = [
        migrations.RunPython(reprotect_stored_posts, migrations.RunPython.noop),
    ]
