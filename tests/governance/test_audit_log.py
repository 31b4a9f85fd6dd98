"""The audit log page: filters by person, action and time; CSV download, itself audited;
every sensitive act of the project shows up."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from socialgood.collect.export import export_ndjson
from socialgood.projects.models import AuditEvent
from tests.governance.conftest import ANA
from tests.governance.test_deletion import pseudonym_of

pytestmark = pytest.mark.django_db


def audit(client, world, **params):
    return client.get(reverse("audit_log", args=[world.project.slug]), params)


def rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_every_sensitive_act_is_in_the_log(client, imported, tmp_path):
    project = imported.project
    client.force_login(imported.owner)
    ana = pseudonym_of(project, ANA)
    client.post(
        reverse("reidentify", args=[project.slug]),
        {"pseudonym": ana, "reason": "Consent follow-up under the protocol"},
    )
    export_ndjson(project, tmp_path / "posts.ndjson", user=imported.analyst)
    client.get(reverse("datastatement", args=[project.slug]), {"format": "md"})
    project.change_role(project.memberships.get(user=imported.viewer), "coder", by=imported.owner)
    client.post(
        reverse("privacy", args=[project.slug]),
        {
            "pseudonymise": "on",
            "scrub_contacts": "on",
            "strip_image_metadata": "on",
            "export_policy": "owners",
        },
    )
    client.post(
        reverse("delete_author", args=[project.slug]),
        {"pseudonym": ana, "reason": "asked to be removed", "confirm": "on"},
    )
    client.get(reverse("audit_log", args=[project.slug]), {"format": "csv"})
    logged = set(AuditEvent.objects.filter(project=project).values_list("action", flat=True))
    assert {
        "reidentify",
        "export.download",
        "datastatement.download",
        "member.role",
        "privacy.change",
        "posts.delete",
        "audit.export",
        "import.run",
    } <= logged
    page = audit(client, imported).content.decode()
    for description in [
        "revealed who is behind a pseudonym",
        "exported data",
        "downloaded the data statement",
        "changed a member&#x27;s role",
        "changed the privacy settings",
        "deleted posts",
        "downloaded the audit log",
    ]:
        assert description in page, description


def test_filter_by_person_and_action(client, world):
    client.force_login(world.owner)
    by_person = rows(audit(client, world, person="olive", format="csv"))
    assert by_person and {r["who"] for r in by_person} == {"olive"}
    added = rows(audit(client, world, action="member.add", format="csv"))
    assert sorted(r["about"] for r in added) == ["arun", "chen", "vera"]
    page = audit(client, world, action="project.create").content.decode()
    assert "<td>created the project</td>" in page and "<td>added a member</td>" not in page


def test_filter_by_time(client, world):
    later = timezone.now() + timedelta(days=10)
    with time_machine.travel(later):
        AuditEvent.record(world.owner, world.project, "export.download", target="later.csv")
    client.force_login(world.owner)
    day = later.date()
    only_later = rows(audit(client, world, since=day, until=day, format="csv"))
    assert [r["about"] for r in only_later] == ["later.csv"]
    before = rows(audit(client, world, until=day - timedelta(days=1), format="csv"))
    actions = sorted(r["action"] for r in before if r["action"] != "audit.export")
    assert actions == ["member.add"] * 3 + ["project.create"]


def test_the_log_says_the_time_zone_of_its_times(client, world):
    with time_machine.travel(datetime(2026, 11, 27, 14, 5, 9, tzinfo=UTC), tick=False):
        AuditEvent.record(world.owner, world.project, "export.download", target="care.csv")
    client.force_login(world.owner)
    page = audit(client, world, action="export.download").content.decode()
    assert "<td>2026-11-27 14:05:09 UTC</td>" in page


def test_a_reversed_time_range_is_explained(client, world):
    client.force_login(world.owner)
    today = timezone.localdate()
    response = audit(client, world, since=today, until=today - timedelta(days=2))
    assert "“From” must be on or before “To”" in response.content.decode()


def test_the_csv_download_is_itself_audited(client, world):
    client.force_login(world.owner)
    response = audit(client, world, action="member.add", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="audit.export")
    assert event.actor_name == "olive" and event.details["filters"] == {"action": "member.add"}


@pytest.mark.parametrize("role", ["analyst", "coder", "viewer"])
def test_only_owners_read_or_download_the_log(client, world, role):
    client.force_login(world.user(role))
    assert audit(client, world, format="csv").status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()
