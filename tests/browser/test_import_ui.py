"""Importing in a real browser: choose a file, watch it upload, see the job finish and the report."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from socialgood.collect.models import ImportRun
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLUESKY = Path(__file__).resolve().parent.parent / "fixtures" / "bluesky" / "search.jsonl"


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


def log_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()


def test_upload_a_bluesky_file_and_read_the_report(live_server, page, upload_dir):
    world = World()
    log_in(page, live_server, "arun")
    page.goto(f"{live_server.url}/p/{world.project.slug}/")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import files")).to_be_visible()
    page.wait_for_load_state()  # upload.js is deferred: it must listen before a file is chosen

    page.get_by_label("Files to import").set_input_files(str(BLUESKY))
    expect(page.get_by_text("search.jsonl (8.1 KB)")).to_be_visible()
    page.get_by_role("button", name="Upload and import").click()

    # The report page follows the job; no worker runs beside the test server, so run one.
    # File names are stored at the end, once the handles in them can be pseudonymised.
    expect(page.get_by_role("heading", name="Import of 1 uploaded file")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.get_by_text("Waiting to start")).to_be_visible()
    call_command("worker", batch=True, interval=0)

    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.get_by_role("heading", name="Import of search.jsonl")).to_be_visible()
    expect(page.get_by_text("4 new posts, 0 already stored.")).to_be_visible()
    expect(page.get_by_text("Bluesky API responses")).to_be_visible()
    expect(
        page.get_by_text("The uploaded files have been deleted from the server.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Download this report (JSON)")).to_be_visible()
    assert not [path for path in upload_dir.rglob("*") if path.is_file()]

    # Nothing overflows sideways, on a phone too.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1


def test_the_form_works_by_keyboard_and_stops_a_too_large_drop_at_once(live_server, page, settings):
    settings.MAX_UPLOAD_MB = 1
    world = World()
    log_in(page, live_server, "olive")
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    file_input = page.get_by_label("Files to import")
    file_input.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Format")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Upload and import")).to_be_focused()

    page.evaluate(
        """() => {
            const files = new DataTransfer();
            files.items.add(new File(["x".repeat(2 * 1024 * 1024)], "everything.jsonl"));
            const zone = document.querySelector("[data-dropzone]");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: files, bubbles: true, cancelable: true}));
        }"""
    )
    expect(page.get_by_text("everything.jsonl (2.0 MB)")).to_be_visible()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("too large for the browser")
    expect(alert).to_contain_text("the limit is 1 MB per upload")
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/import/$"))
    expect(alert).to_contain_text("too large for the browser")


def test_an_upload_after_the_login_expired_says_so(live_server, page, upload_dir):
    world = World()
    log_in(page, live_server, "arun")
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    page.wait_for_load_state()
    page.context.clear_cookies()  # the session ended while the page was open
    page.get_by_label("Files to import").set_input_files(str(BLUESKY))
    page.get_by_role("button", name="Upload and import").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("you may have been logged out")
    expect(alert).to_contain_text("Nothing was imported")
    expect(page.get_by_role("button", name="Upload and import")).to_be_enabled()
    assert not ImportRun.objects.exists()
