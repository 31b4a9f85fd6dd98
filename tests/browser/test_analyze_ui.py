"""A researcher explores posts in a real browser: search, filter, open a thread, save a subset,
download a chart and an export."""

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.analyze.conftest import Sample
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()


def test_search_filter_thread_subset_chart_and_export(live_server, page, world):
    Sample(world.project)
    slug = world.project.slug
    log_in(page, live_server, "arun")
    page.goto(f"{live_server.url}/p/{slug}/posts/")
    results = page.locator("#results")
    expect(results.locator("article")).to_have_count(6)

    page.get_by_label("Search the text").fill("respite")
    page.get_by_label("Search the text").press("Enter")
    expect(results.locator("article")).to_have_count(3)
    expect(results.locator("mark").first).to_have_text(re.compile("respite", re.I))

    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Platform").select_option("bluesky")
    expect(results.locator("article")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"platform=bluesky"))

    page.get_by_label("Save these filters as a subset named").fill("Respite on Bluesky")
    page.get_by_role("button", name="Save subset").click()
    expect(page.get_by_text("Saved the subset “Respite on Bluesky”.")).to_be_visible()
    expect(page.locator("#results article")).to_have_count(2)

    page.get_by_role("link", name="In reply to a post · view thread").first.click()
    expect(page.get_by_role("heading", name="Conversation")).to_be_visible()
    expect(page.locator(".thread article")).to_have_count(3)
    expect(page.locator(".thread li[aria-current]")).to_contain_text("respite care is so hard")

    page.goto(f"{live_server.url}/p/{slug}/dashboard/")
    expect(page.get_by_role("img", name=re.compile("Top hashtags"))).to_be_visible()
    hashtags = page.locator("section.panel", has=page.get_by_role("heading", name="Top hashtags"))
    with page.expect_download() as chart:
        hashtags.get_by_role("link", name="CSV data").click()
    assert open(chart.value.path(), encoding="utf-8").read().splitlines()[1] == "carers,5"
    with page.expect_download() as picture:
        hashtags.get_by_role("link", name="PNG").click()
    assert open(picture.value.path(), "rb").read(4) == b"\x89PNG"

    page.goto(f"{live_server.url}/p/{slug}/exports/")
    page.get_by_label("Subset").select_option(label="Respite on Bluesky")
    page.get_by_role("button", name="Use").click()
    page.get_by_label("Excel workbook (XLSX)").check()
    page.get_by_role("button", name=re.compile("^Export")).click()
    expect(page.get_by_text("Export started.")).to_be_visible()
    call_command("worker", batch=True, interval=0)
    download_link = page.get_by_role("link", name=re.compile(r"Download \(2 posts"))
    expect(download_link).to_be_visible(timeout=10000)  # the list polls until the job is done
    with page.expect_download() as export:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(open(export.value.path(), "rb").read()))
    assert set(archive.namelist()) == {
        "DATA_STATEMENT.md",
        "README.txt",
        "posts.csv",
        "posts.ndjson",
        "posts.xlsx",
    }

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1
