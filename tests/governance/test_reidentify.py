"""Re-identification: owners only, with a typed reason, audited and shown to every owner."""

import pytest
from django.urls import reverse

from socialgood.collect.imports import save_directory
from socialgood.projects.models import ApiToken, AuditEvent
from tests.governance.conftest import ANA, BO
from tests.governance.test_deletion import pseudonym_of

pytestmark = pytest.mark.django_db

REASON = "Contact participant under protocol IRB-2026-014 section 5"


def test_an_owner_reveals_a_handle_with_a_reason_and_it_is_audited(client, imported):
    project = imported.project
    ana = pseudonym_of(project, ANA)
    client.force_login(imported.owner)
    response = client.post(
        reverse("reidentify", args=[project.slug]), {"pseudonym": ana, "reason": REASON}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert ANA.handle in page and ANA.did in page and ANA.display_name in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(project=project, action="reidentify")
    assert (event.actor_name, event.target, event.details) == ("olive", ana, {"reason": REASON})
    # The log names the pseudonym, never the revealed handle.
    assert ANA.handle not in str(event.details) + event.target


def test_a_reveal_shows_the_display_names_they_went_by_before(client, imported):
    project = imported.project
    ana = pseudonym_of(project, ANA)
    # A later import saw Ana under a new name.
    learnt = {"display_name": "Ana Quillfeather"}
    save_directory(
        project, {"directory": {}, "aliases": {}, "people": {}, "originals": {ana: learnt}}
    )
    client.force_login(imported.owner)

    page = client.post(
        reverse("reidentify", args=[project.slug]), {"pseudonym": ana, "reason": REASON}
    ).content.decode()
    api = client.post(
        f"/api/projects/{project.slug}/reidentify",
        {"pseudonym": ana, "reason": REASON},
        content_type="application/json",
        headers={"authorization": f"Bearer {ApiToken.create_for(imported.owner)}"},
    ).json()

    assert "Ana Quillfeather" in page and ANA.display_name in page
    assert api["display_name"] == "Ana Quillfeather"
    assert api["earlier_display_names"] == [ANA.display_name]


def test_every_owner_sees_the_reveal_on_the_privacy_page(client, imported, django_user_model):
    project = imported.project
    second_owner = django_user_model.objects.create_user("omar", password="x")
    project.add_member(second_owner, "owner", by=imported.owner)
    client.force_login(imported.owner)
    client.post(
        reverse("reidentify", args=[project.slug]),
        {"pseudonym": pseudonym_of(project, BO), "reason": REASON},
    )
    client.force_login(second_owner)
    page = client.get(reverse("privacy", args=[project.slug])).content.decode()
    assert "olive" in page and pseudonym_of(project, BO) in page and REASON in page
    assert BO.handle not in page


@pytest.mark.parametrize("role", ["analyst", "coder", "viewer"])
def test_non_owners_are_refused(client, imported, role):
    project = imported.project
    client.force_login(imported.user(role))
    url = reverse("reidentify", args=[project.slug])
    response = client.post(url, {"pseudonym": pseudonym_of(project, ANA), "reason": REASON})
    assert response.status_code == 403
    assert ANA.handle not in response.content.decode()
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="reidentify").exists()


def test_outsiders_do_not_learn_the_project_exists(client, imported):
    client.force_login(imported.outsider)
    response = client.post(
        reverse("reidentify", args=[imported.project.slug]),
        {"pseudonym": pseudonym_of(imported.project, ANA), "reason": REASON},
    )
    assert response.status_code == 404


def test_the_governance_function_refuses_and_audits_a_non_owner(imported):
    from django.core.exceptions import PermissionDenied

    from socialgood.projects.governance import reveal_person

    project = imported.project
    with pytest.raises(PermissionDenied):
        reveal_person(project, pseudonym_of(project, ANA), by=imported.analyst, reason=REASON)
    refused = AuditEvent.objects.get(action="reidentify.refused")
    assert refused.actor_name == "arun"


@pytest.mark.parametrize(
    ("pseudonym", "reason", "message"),
    [
        ("ANA", "too short", "Say why you need to know"),
        ("user-0000000000000000", REASON, "No one in this project has the pseudonym"),
    ],
)
def test_a_missing_reason_or_unknown_pseudonym_is_explained(
    client, imported, pseudonym, reason, message
):
    if pseudonym == "ANA":
        pseudonym = pseudonym_of(imported.project, ANA)
    client.force_login(imported.owner)
    response = client.post(
        reverse("reidentify", args=[imported.project.slug]),
        {"pseudonym": pseudonym, "reason": reason},
    )
    page = response.content.decode()
    assert message in page
    assert ANA.handle not in page
    assert not AuditEvent.objects.filter(action="reidentify").exists()


@pytest.mark.parametrize("role", ["owner", "analyst", "coder", "viewer"])
def test_the_api_reveals_to_owners_only(client, imported, role):
    project = imported.project
    token = ApiToken.create_for(imported.user(role))
    response = client.post(
        f"/api/projects/{project.slug}/reidentify",
        {"pseudonym": pseudonym_of(project, ANA), "reason": REASON},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    if role == "owner":
        assert response.status_code == 200
        assert response.json()["handle"] == ANA.handle
        assert AuditEvent.objects.filter(action="reidentify").count() == 1
    else:
        assert response.status_code == 403
        assert ANA.handle not in response.content.decode()
        assert AuditEvent.objects.filter(action="reidentify.refused").count() == 1
