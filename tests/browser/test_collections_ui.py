"""A researcher sets up "#SocialWork on three Mastodon instances every hour" and reads its report."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from socialgood.collect.models import Collection
from tests.collect.collection_servers import MastodonInstance, status
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def instances(settings):
    settings.COLLECT_SLEEP = lambda seconds: None
    settings.COLLECT_HTTP_RETRIES = 1
    servers = [MastodonInstance(number) for number in (1, 2, 3)]
    for n in range(25):
        item = status(n, minutes=n)
        for server in servers[: 1 + n % 3]:  # some posts reached one instance, some all three
            server.add(item)
    yield servers
    for server in servers:
        server.stop()


def log_in(page, live_server, user):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_create_an_hourly_collection_on_three_instances_and_read_the_report(
    live_server, page, world, instances
):
    instances[2].fail_next = ["500"] * 5  # one instance is down today
    log_in(page, live_server, world.analyst)
    page.goto(f"{live_server.url}/p/{world.project.slug}/")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Collections").click()
    page.get_by_role("link", name="New collection").click()

    page.get_by_label("Name").fill("#SocialWork on three Mastodon instances")
    expect(page.get_by_label("Platform")).to_have_value("mastodon")
    page.get_by_label("Hashtags").fill("#SocialWork")
    page.get_by_label("Instances").fill("\n".join(server.base for server in instances))
    page.get_by_label("Repeat every").fill("1")
    page.get_by_label("Unit").select_option("hours")
    page.get_by_role("button", name="Save collection").click()

    expect(
        page.get_by_role("heading", name="#SocialWork on three Mastodon instances")
    ).to_be_visible()
    expect(page.get_by_text("every hour", exact=True)).to_be_visible()
    collection = Collection.objects.get()
    assert collection.every_minutes == 60 and collection.enabled

    call_command("worker", batch=True, interval=0)  # the scheduler finds it due and runs it

    page.reload()
    runs = page.locator("#collection-runs")
    expect(runs).to_contain_text("Finished with gaps")
    expect(runs).to_contain_text("25")
    expect(page.locator("#collection-report")).to_contain_text("It stored 25 posts")
    runs.get_by_role("link", name=re.compile(r"Run \d+")).click()

    report = page.locator("#run-report")
    expect(report).to_contain_text("posts tagged #socialwork on")
    expect(report).to_contain_text(f"{instances[2].host} #socialwork could not be read")
    expect(report).to_contain_text("stored once (matched by its uri)")
    expect(page.get_by_text("Read to the end").first).to_be_visible()

    page.get_by_role("navigation", name="Project").get_by_role("link", name="Collections").click()
    expect(page.locator("#collection-rows")).to_contain_text("25 stored")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1


def test_the_form_switches_to_reddit_fields_and_asks_for_a_credential(live_server, page, world):
    log_in(page, live_server, world.analyst)
    page.goto(f"{live_server.url}/p/{world.project.slug}/collections/new/")
    page.get_by_label("Platform").select_option("reddit")
    expect(page.get_by_label("Subreddits")).to_be_visible()
    page.get_by_label("Name").fill("r/socialwork")
    page.get_by_label("Subreddits").fill("socialwork")
    page.get_by_role("button", name="Save collection").click()
    expect(page.get_by_text("Reddit needs a credential.")).to_be_visible()
