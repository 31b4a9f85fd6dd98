"""A researcher's first minutes, in a real browser: log in, create a project, add a colleague, read the audit log."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_create_project_add_member_see_audit_log(live_server, page):
    User = get_user_model()
    User.objects.create_user("maria", password=PASSWORD)
    User.objects.create_user("tomas", password=PASSWORD)

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()

    page.get_by_role("link", name="New project").click()
    page.get_by_label("Name").fill("Kinship carers online")
    page.get_by_label("Ethics approval reference").fill("IRB-2026-077")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Kinship carers online")).to_be_visible()
    expect(page.get_by_text("IRB-2026-077")).to_be_visible()

    page.get_by_role("navigation", name="Project").get_by_role("link", name="Members").click()
    page.get_by_label("Username").fill("tomas")
    page.get_by_label("Role", exact=True).select_option("coder")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("Added tomas as coder.")).to_be_visible()
    expect(page.get_by_label("Role of tomas")).to_have_value("coder")

    page.get_by_role("link", name="Audit log").click()
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("added a member")
    expect(rows.first).to_contain_text("tomas")
    expect(rows.last).to_contain_text("created the project")

    # Nothing overflows sideways on a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1


def test_keyboard_users_can_log_in_and_skip_to_content(live_server, page):
    get_user_model().objects.create_user("kim", password=PASSWORD)
    page.goto(live_server.url + "/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("kim")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
