"""An owner's governance tasks in a real browser: privacy settings, revealing a
pseudonym with a reason, finding it in the audit log, the data statement."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from socialgood.collect.imports import load_originals
from socialgood.projects.models import Project
from tests.conftest import PASSWORD
from tests.governance.conftest import ANA, import_messages, standard_messages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()


def fits_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1


def test_owner_changes_privacy_reveals_a_pseudonym_and_finds_it_in_the_log(
    live_server, page, tmp_path
):
    owner = get_user_model().objects.create_user("maria", password=PASSWORD)
    project = Project.create(name="Kinship carers online", owner=owner)
    import_messages(project, tmp_path, standard_messages(), user=owner)
    ana = next(p for p, o in load_originals(project).items() if o["handle"] == ANA.handle)

    log_in(page, live_server, "maria")
    page.goto(f"{live_server.url}/p/{project.slug}/")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", name="Privacy and data protection")).to_be_visible()
    expect(page.get_by_label("Pseudonymise authors and mentions")).to_be_disabled()
    page.get_by_label("Owners only").check()
    page.get_by_label("Keep raw payloads, encrypted").check()
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_text("Saved the privacy settings.")).to_be_visible()
    expect(page.get_by_label("Owners only")).to_be_checked()
    fits_the_screen(page)

    page.get_by_role("link", name="Reveal a pseudonym…").click()
    page.get_by_label("Pseudonym").fill(ana)
    page.get_by_label("Reason").fill("Contact the participant under protocol section 5")
    page.get_by_role("button", name="Reveal and log it").click()
    expect(page.get_by_role("status").filter(has_text=ANA.handle)).to_be_visible()
    fits_the_screen(page)

    page.get_by_role("navigation", name="Project").get_by_role("link", name="Audit log").click()
    page.get_by_label("What").select_option("reidentify")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("revealed who is behind a pseudonym")
    expect(rows.first).to_contain_text(ana)
    expect(page.get_by_text(ANA.handle)).to_have_count(0)
    fits_the_screen(page)

    page.get_by_role("navigation", name="Project").get_by_role(
        "link", name="Data statement"
    ).click()
    expect(page.get_by_role("heading", name="Data statement")).to_be_visible()
    expect(page.get_by_text("5 posts by 3 distinct authors", exact=False)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"data-statement-{project.slug}.pdf"
    fits_the_screen(page)
