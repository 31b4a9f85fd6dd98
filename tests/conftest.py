"""One small shared world for the Django tests: a project with one person per role."""

import pytest
from django.contrib.auth import get_user_model

from socialgood.projects.models import Project

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The test servers speak plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Argon2 is slow on purpose; tests create hundreds of accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username):
    return get_user_model().objects.create_user(username, password=PASSWORD)


class World:
    def __init__(self):
        self.owner = make_user("olive")
        self.analyst = make_user("arun")
        self.coder = make_user("chen")
        self.viewer = make_user("vera")
        self.outsider = make_user("oscar")
        self.project = Project.create(
            name="Caregiver voices", owner=self.owner, ethics_reference="IRB-2026-014"
        )
        for user, role in [
            (self.analyst, "analyst"),
            (self.coder, "coder"),
            (self.viewer, "viewer"),
        ]:
            self.project.add_member(user, role, by=self.owner)

    def user(self, role):
        return getattr(self, role)


@pytest.fixture
def world(db):
    return World()
