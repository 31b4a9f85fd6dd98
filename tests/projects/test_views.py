from datetime import UTC, datetime

from django.urls import reverse

from socialgood.projects.models import ApiToken, AuditEvent, Project
from tests.conftest import PASSWORD


def test_log_in_and_see_your_projects(client, world):
    response = client.post(reverse("login"), {"username": "arun", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("projects")).content.decode()
    assert "Caregiver voices" in page and "Analyst" in page


def test_a_wrong_password_says_so_plainly(client, world):
    page = client.post(reverse("login"), {"username": "arun", "password": "nope"}).content.decode()
    assert "didn't match" in page


def test_outsiders_do_not_see_other_peoples_projects(client, world):
    client.force_login(world.outsider)
    page = client.get(reverse("projects")).content.decode()
    assert "Caregiver voices" not in page and "not in any project yet" in page


def test_create_a_project_makes_you_its_owner(client, world):
    client.force_login(world.outsider)
    response = client.post(
        reverse("project_new"),
        {"name": "Peer support on Reddit", "description": "", "ethics_reference": "REC 22/0031"},
    )
    project = Project.objects.get(name="Peer support on Reddit")
    assert response.url == reverse("project", args=[project.slug])
    assert project.role_of(world.outsider) == "owner"
    assert project.slug == "peer-support-on-reddit"
    assert len(project.secret_key) == 32


def test_projects_with_the_same_name_get_distinct_slugs_and_keys(world):
    again = Project.create(name="Caregiver voices", owner=world.outsider)
    assert again.slug == "caregiver-voices-2"
    assert again.secret_key != world.project.secret_key


def test_adding_an_unknown_user_explains_why_not(client, world):
    client.force_login(world.owner)
    page = client.post(
        reverse("members", args=[world.project.slug]), {"username": "nobody", "role": "coder"}
    ).content.decode()
    assert "There is no account called" in page
    assert not AuditEvent.objects.filter(action="member.add", target="nobody").exists()


def test_password_change_stores_an_argon2_hash(client, world, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",  # the fixture accounts
    ]
    client.force_login(world.viewer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-secret-9",
            "new_password2": "a-new-long-secret-9",
        },
    )
    assert response.status_code == 302
    world.viewer.refresh_from_db()
    assert world.viewer.check_password("a-new-long-secret-9")
    assert world.viewer.password.startswith("argon2")


def test_an_api_token_is_shown_once_and_stored_only_as_a_hash(client, world):
    client.force_login(world.viewer)
    page = client.post(reverse("account"), {"name": "R notebook"}).content.decode()
    token = world.viewer.api_tokens.get()
    assert "R notebook" in page and "will not be shown again" in page
    assert token.token_hash not in page
    shown = page.split('<code class="token">')[1].split("</code>")[0]
    assert token.hash(shown) == token.token_hash
    assert client.get(reverse("account")).content.decode().count(shown) == 0


def test_when_a_token_was_last_used_says_its_time_zone(client, world):
    ApiToken.create_for(world.viewer, name="R notebook")
    world.viewer.api_tokens.update(last_used_at=datetime(2026, 11, 27, 14, 5, tzinfo=UTC))
    client.force_login(world.viewer)
    page = client.get(reverse("account")).content.decode()
    assert "<td>27 Nov 2026 14:05 UTC</td>" in page


def test_security_headers(client, world):
    client.force_login(world.viewer)
    response = client.get(reverse("projects"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
