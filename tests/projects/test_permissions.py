"""Every role × every action: allowed, or refused with 403 (members) / 404 (outsiders)."""

import pytest
from django.urls import reverse

from socialgood.projects.permissions import ACTIONS, ROLES, RULES, Permissions

EXPECTED = {
    # action: roles that may do it — written out again here on purpose, so a change
    # to the rules table is a visible, reviewed change to this test as well.
    "view_project": {"owner", "analyst", "coder", "viewer"},
    "view_posts": {"owner", "analyst", "coder", "viewer"},
    "view_jobs": {"owner", "analyst", "coder", "viewer"},
    "code_posts": {"owner", "analyst", "coder"},
    "import_posts": {"owner", "analyst"},
    "run_analysis": {"owner", "analyst"},
    "export": {"owner", "analyst"},
    "edit_project": {"owner"},
    "manage_members": {"owner"},
    "view_audit_log": {"owner"},
    "cancel_job": {"owner"},
    "delete_project": {"owner"},
    "delete_posts": {"owner"},
    "reidentify": {"owner"},
    "manage_codebook": {"owner", "analyst"},
    "manage_rounds": {"owner", "analyst"},
}


def test_the_rules_table_is_the_reviewed_one():
    assert set(RULES) == set(EXPECTED)
    for action in ACTIONS:
        assert RULES[action] == EXPECTED[action], action


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_role_gets_exactly_its_rights(role, action):
    perms = Permissions(role)
    assert perms.can(action) is (role in EXPECTED[action])
    assert getattr(perms, f"can_{action}") is perms.can(action)


def test_an_unknown_action_is_a_programming_error_not_a_silent_no():
    with pytest.raises(KeyError):
        Permissions("owner").can("launch_rockets")


# Pages guarded by each action, requested the way a browser would.
PAGES = {
    "view_project": ("GET", "project", {}),
    "view_posts": ("GET", "posts", {}),
    "view_jobs": ("GET", "jobs", {}),
    "edit_project": ("GET", "project_settings", {}),
    "delete_project": ("GET", "project_delete", {}),
    "view_audit_log": ("GET", "audit_log", {}),
    "manage_members": ("POST", "members", {"username": "oscar", "role": "viewer"}),
    "reidentify": ("GET", "reidentify", {}),
    "delete_posts": ("GET", "delete_author", {}),
}


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
@pytest.mark.parametrize("action", sorted(PAGES))
def test_pages_enforce_the_rules(client, world, role, action):
    method, name, data = PAGES[action]
    client.force_login(world.user(role))
    url = reverse(name, args=[world.project.slug])
    response = client.get(url) if method == "GET" else client.post(url, data)
    if role == "outsider":
        assert response.status_code == 404
    elif role in EXPECTED[action]:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403
        assert b"does not allow" in response.content or b"can't do that" in response.content


@pytest.mark.parametrize("role", ROLES)
def test_only_owners_can_change_roles_and_remove_members(client, world, role):
    target = world.project.memberships.get(user=world.viewer)
    client.force_login(world.user(role))
    change = client.post(
        reverse("member_role", args=[world.project.slug, target.pk]), {"role": "coder"}
    )
    target.refresh_from_db()
    if role == "owner":
        assert change.status_code == 302 and target.role == "coder"
    else:
        assert change.status_code == 403 and target.role == "viewer"
    remove = client.post(reverse("member_remove", args=[world.project.slug, target.pk]))
    assert remove.status_code == (302 if role == "owner" else 403)
    assert world.project.memberships.filter(pk=target.pk).exists() is (role != "owner")


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(reverse("project", args=[world.project.slug]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_last_owner_cannot_leave_the_project_ownerless(client, world):
    client.force_login(world.owner)
    me = world.project.memberships.get(user=world.owner)
    response = client.post(
        reverse("member_role", args=[world.project.slug, me.pk]), {"role": "viewer"}
    )
    assert response.status_code == 403
    me.refresh_from_db()
    assert me.role == "owner"
