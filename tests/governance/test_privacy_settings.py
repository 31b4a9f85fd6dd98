"""The owners' privacy page: plain choices, audited changes, and "who may export" enforced."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from socialgood.collect.models import ImportRun
from socialgood.projects.models import AuditEvent

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "pseudonymise": "on",
    "scrub_contacts": "on",
    "strip_image_metadata": "on",
    "export_policy": "owners_and_analysts",
    "retention_until": "",
}


def test_the_page_explains_each_choice_and_its_consequence(client, world):
    client.force_login(world.owner)
    page = client.get(reverse("privacy", args=[world.project.slug])).content.decode()
    for words in [
        "Pseudonymise authors and mentions",
        "Cannot be turned off once the project holds posts",
        "Remove e-mail addresses and phone numbers",
        "Posts already stored are not changed",
        "Keep raw payloads, encrypted",
        "still holds real names and handles",
        "Strip image metadata",
        "GPS location",
        "Owners are warned 7 days and 1 day before",
        "Owners only",
        "whoever downloads a file can share it",
    ]:
        assert words in page, words


@pytest.mark.parametrize("role", ["analyst", "coder", "viewer"])
def test_only_owners_see_or_change_privacy_settings(client, world, role):
    client.force_login(world.user(role))
    url = reverse("privacy", args=[world.project.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {**DEFAULTS, "keep_raw": "on"}).status_code == 403
    world.project.refresh_from_db()
    assert world.project.keep_raw is False
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_changes_are_audited_with_old_and_new_values(client, world):
    client.force_login(world.owner)
    date = timezone.localdate() + timedelta(days=365)
    response = client.post(
        reverse("privacy", args=[world.project.slug]),
        {**DEFAULTS, "keep_raw": "on", "export_policy": "owners", "retention_until": date},
    )
    assert response.status_code == 302
    world.project.refresh_from_db()
    assert world.project.keep_raw and world.project.export_policy == "owners"
    event = AuditEvent.objects.get(project=world.project, action="privacy.change")
    assert event.actor_name == "olive"
    assert event.details["changes"] == {
        "keep_raw": [False, True],
        "export_policy": ["owners_and_analysts", "owners"],
        "retention_until": [None, date.isoformat()],
    }
    # Saving without a change writes nothing.
    client.post(
        reverse("privacy", args=[world.project.slug]),
        {**DEFAULTS, "keep_raw": "on", "export_policy": "owners", "retention_until": date},
    )
    assert AuditEvent.objects.filter(action="privacy.change").count() == 1


def test_pseudonymisation_cannot_be_turned_off_once_posts_exist(client, imported):
    client.force_login(imported.owner)
    form = {**DEFAULTS}
    del form["pseudonymise"]
    client.post(reverse("privacy", args=[imported.project.slug]), form)
    imported.project.refresh_from_db()
    assert imported.project.pseudonymise is True
    page = client.get(reverse("privacy", args=[imported.project.slug])).content.decode()
    assert "already holds posts stored under pseudonyms" in page


def test_a_retention_date_in_the_past_is_refused_in_plain_words(client, world):
    client.force_login(world.owner)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        reverse("privacy", args=[world.project.slug]), {**DEFAULTS, "retention_until": yesterday}
    )
    assert response.status_code == 200
    assert "Choose today or a later date" in response.content.decode()
    world.project.refresh_from_db()
    assert world.project.retention_until is None


@pytest.mark.parametrize(
    ("policy", "exporters"),
    [("owners_and_analysts", {"owner", "analyst"}), ("owners", {"owner"})],
)
def test_who_may_export_decides_the_export_permission(world, policy, exporters):
    world.project.export_policy = policy
    world.project.save()
    for role in ("owner", "analyst", "coder", "viewer"):
        perms = world.project.permissions_for(world.user(role))
        assert perms.can("export") is (role in exporters), role
    assert not world.project.permissions_for(world.outsider).can("export")


@pytest.mark.parametrize(
    ("policy", "analyst_status"), [("owners_and_analysts", 302), ("owners", 403)]
)
def test_the_export_page_follows_who_may_export(client, imported, policy, analyst_status):
    project = imported.project
    project.export_policy = policy
    project.save()
    url = reverse("exports", args=[project.slug])
    client.force_login(imported.analyst)
    assert client.post(url, {"formats": ["csv"]}).status_code == analyst_status
    client.force_login(imported.owner)
    assert client.post(url, {"formats": ["csv"]}).status_code == 302


# A fixed " UTC" would be wrong here: the page shows times in the zone of TIME_ZONE.
@pytest.mark.parametrize(
    ("zone", "shown"), [("UTC", "2026-11-27 14:05 UTC"), ("Europe/Berlin", "2026-11-27 15:05 CET")]
)
def test_the_times_of_reveals_and_imports_say_their_time_zone(client, world, settings, zone, shown):
    settings.TIME_ZONE = zone
    moment = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)
    ImportRun.objects.create(project=world.project, label="march.jsonl", started_at=moment)
    with time_machine.travel(moment, tick=False):
        AuditEvent.record(
            world.owner, world.project, "reidentify", target="user-1", reason="Consent follow-up"
        )
    client.force_login(world.owner)
    page = client.get(reverse("privacy", args=[world.project.slug])).content.decode()
    assert f"<td>march.jsonl</td><td>{shown}</td>" in page
    assert f"revealed <code>user-1</code> on {shown} — “Consent follow-up”" in page
