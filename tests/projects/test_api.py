import pytest
from django.core.management import call_command

from socialgood.projects.models import ApiToken, AuditEvent


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.create_for(user)}"}


def test_requests_without_a_valid_token_are_refused(client, world):
    assert client.get("/api/projects").status_code == 401
    assert (
        client.get("/api/projects", HTTP_AUTHORIZATION="Bearer sg_not-a-token").status_code == 401
    )


def test_list_projects_shows_your_role(client, world):
    data = client.get("/api/projects", **bearer(world.coder)).json()
    assert data == [
        {
            "slug": world.project.slug,
            "name": "Caregiver voices",
            "description": "",
            "ethics_reference": "IRB-2026-014",
            "created_at": data[0]["created_at"],
            "role": "coder",
            "post_count": None,
        }
    ]


def test_outsiders_get_404_and_members_without_the_right_get_403(client, world):
    slug = world.project.slug
    assert client.get(f"/api/projects/{slug}", **bearer(world.outsider)).status_code == 404
    response = client.post(
        f"/api/projects/{slug}/members",
        {"username": "oscar", "role": "viewer"},
        content_type="application/json",
        **bearer(world.analyst),
    )
    assert response.status_code == 403
    assert "does not allow" in response.json()["detail"]


def test_owner_manages_members_through_the_api(client, world):
    slug, auth = world.project.slug, bearer(world.owner)
    added = client.post(
        f"/api/projects/{slug}/members",
        {"username": "oscar", "role": "viewer"},
        content_type="application/json",
        **auth,
    )
    assert added.status_code == 201 and added.json()["role"] == "viewer"
    changed = client.patch(
        f"/api/projects/{slug}/members/oscar",
        {"role": "coder"},
        content_type="application/json",
        **auth,
    )
    assert changed.json()["role"] == "coder"
    bad = client.patch(
        f"/api/projects/{slug}/members/oscar",
        {"role": "boss"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    assert client.delete(f"/api/projects/{slug}/members/oscar", **auth).status_code == 204
    members = [m["username"] for m in client.get(f"/api/projects/{slug}/members", **auth).json()]
    assert "oscar" not in members
    assert [e.action for e in AuditEvent.objects.filter(target="oscar").order_by("id")] == [
        "member.add",
        "member.role",
        "member.remove",
    ]


def test_create_a_project_through_the_api(client, world):
    response = client.post(
        "/api/projects",
        {"name": "Harm reduction"},
        content_type="application/json",
        **bearer(world.viewer),
    )
    assert response.status_code == 201 and response.json()["role"] == "owner"


def test_openapi_docs_are_served(client, db):
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/projects/{slug}/members" in schema["paths"]


def test_token_create_command_prints_a_working_token(client, world, capsys):
    call_command("token", "create", "vera")
    token = capsys.readouterr().out.strip()
    assert client.get("/api/projects", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_token_create_for_an_unknown_user_fails_clearly(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no account called"):
        call_command("token", "create", "nobody")
