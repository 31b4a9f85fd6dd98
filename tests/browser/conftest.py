"""Playwright on Debian's Chromium. Never `playwright install`: no browser downloads here.

In CI a missing Chromium is a failure; on a researcher's machine the browser tests
skip with a message saying how to enable them.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("SOCIALGOOD_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the Django ORM calls made
# by the tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package to run browser tests."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(params=["desktop", "phone"])
def page(request, browser):
    viewport = (
        {"width": 1280, "height": 900}
        if request.param == "desktop"
        else {"width": 390, "height": 844}
    )
    context = browser.new_context(
        viewport=viewport, is_mobile=request.param == "phone", has_touch=request.param == "phone"
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()
