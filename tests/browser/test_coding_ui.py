"""A coder codes posts by keyboard; an owner runs a two-coder blind round, reads alpha, adjudicates."""

import re

import pytest
from playwright.sync_api import expect

from socialgood.coding import codebook, codings, rounds
from socialgood.coding.models import Coding, CodingRound
from tests.coding.conftest import TEXTS, make_post
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()


@pytest.fixture
def setup():
    world = World()
    posts = [make_post(world.project, n, text, platform="bluesky") for n, text in enumerate(TEXTS)]
    codes = [
        codebook.add_code(world.project, by=world.owner, name=name)
        for name in ("Burden", "Support", "Money")
    ]
    return world, posts, codes


def test_code_five_posts_by_keyboard(live_server, page, setup):
    world, posts, codes = setup
    log_in(page, live_server.url, "chen")
    page.goto(f"{live_server.url}/p/{world.project.slug}/coding/code/")
    for n in range(5):
        expect(page.locator("#post-text")).to_have_text(posts[n].text)
        page.wait_for_load_state()
        key = str(n % 3 + 1)
        page.keyboard.press(key)
        expect(page.locator(f'#code-form button[data-key="{key}"]')).to_have_attribute(
            "aria-pressed", "true"
        )
        page.keyboard.press("j")
    expect(page.locator("#post-text")).to_have_text(posts[5].text)
    applied = Coding.objects.filter(coder=world.coder).order_by("post__created_at")
    assert [(c.post_id, c.code.name) for c in applied] == [
        (posts[n].pk, codes[n % 3].name) for n in range(5)
    ]
    # k goes back; u undoes the last code applied there
    page.keyboard.press("k")
    expect(page.locator("#post-text")).to_have_text(posts[4].text)
    page.wait_for_load_state()  # the keys work once the page's script has run
    page.keyboard.press("3")
    expect(page.locator('#code-form button[data-key="3"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.press("u")
    expect(page.locator('#code-form button[data-key="3"]')).to_have_attribute(
        "aria-pressed", "false"
    )
    assert Coding.objects.filter(coder=world.coder).count() == 5
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1


SELECT_IN_POST = """([start, end]) => {
  // Select text by UTF-16 positions, across the marks already in the post's text.
  const root = document.getElementById("post-text");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let position = 0, started = false, node;
  while ((node = walker.nextNode())) {
    const length = node.data.length;
    if (!started && start <= position + length) { range.setStart(node, start - position); started = true; }
    if (end <= position + length) { range.setEnd(node, end - position); break; }
    position += length;
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


def test_selected_passages_are_coded_and_marked_in_the_text(live_server, page, setup):
    world, posts, codes = setup
    text = posts[1].text  # "The support group saved me tonight 👩🏽‍⚕️ thank you #carers"
    log_in(page, live_server.url, "chen")
    page.goto(f"{live_server.url}/p/{world.project.slug}/coding/code/?post={posts[1].pk}")
    expect(page.locator("#post-text")).to_have_text(text)
    group = text.index("support group")
    page.evaluate(SELECT_IN_POST, [group, group + len("support group")])
    page.keyboard.press("2")
    marks = page.locator("#post-text mark.coded")
    expect(marks).to_have_text(["support group"])
    expect(marks.first).to_have_attribute("title", "Coded: Support")
    colour = marks.first.evaluate("el => getComputedStyle(el).borderBottomColor")
    assert colour == "rgb(59, 115, 185)"  # the code's colour, #3b73b9, painted by the script
    # A second passage starting inside the first and ending after the emoji
    # (which counts 7 UTF-16 units in the browser, 5 code points in Python).
    start, end = text.index("group"), text.index(" thank")
    page.evaluate(SELECT_IN_POST, [start, end + 2])  # UTF-16: the emoji counts 2 more
    page.keyboard.press("1")
    expect(marks).to_have_text(["support ", "group", " saved me tonight 👩🏽‍⚕️"])
    expect(marks.nth(1)).to_have_attribute("title", "Coded: Support, Burden")
    expect(page.locator("#post-text")).to_have_text(text)  # the text itself is unchanged
    spans = {c.code.name: (c.start, c.end) for c in Coding.objects.filter(coder=world.coder)}
    assert spans == {"Support": (group, group + 13), "Burden": (start, end)}


def test_two_coder_round_alpha_and_adjudication(live_server, page, setup):
    world, posts, codes = setup
    log_in(page, live_server.url, "olive")
    page.goto(f"{live_server.url}/p/{world.project.slug}/coding/rounds/")
    page.get_by_label("Name").fill("Pilot round")
    page.get_by_label("chen").check()
    page.get_by_label("arun").check()
    page.get_by_label("Posts to sample").fill("3")
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name="Start round").click()
    expect(page.get_by_role("heading", name="Pilot round")).to_be_visible()
    round_ = CodingRound.objects.get()

    # arun codes by API-equivalent calls; chen in the browser, blind
    units = list(round_.units.select_related("post"))
    for unit, code in zip(units, [codes[0], codes[1], codes[2]], strict=True):
        codings.toggle(unit.post, code, world.analyst, round_=round_)
        rounds.mark_done(round_, unit.post, world.analyst)
    log_in(page, live_server.url, "chen")
    page.goto(f"{live_server.url}/p/{world.project.slug}/coding/rounds/{round_.pk}/")
    expect(page.get_by_text("This is a blind round")).to_be_visible()
    page.get_by_role("link", name="Code this round").click()
    for unit, key in zip(units, ["1", "2", "1"], strict=True):  # disagrees with arun on the third
        expect(page.locator("#post-text")).to_have_text(unit.post.text)
        page.wait_for_load_state()
        page.keyboard.press(key)
        expect(page.locator(f'#code-form button[data-key="{key}"]')).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(page.locator("#applied-codes")).not_to_contain_text("arun")
        page.keyboard.press("j")
    expect(page.get_by_text("That was the last post of the round")).to_be_visible()

    log_in(page, live_server.url, "olive")
    page.goto(f"{live_server.url}/p/{world.project.slug}/coding/rounds/{round_.pk}/")
    page.get_by_role("button", name="Close the round").click()
    alpha = page.locator("#overall-alpha")
    expect(alpha).to_have_text(re.compile(r"^-?[01]\.\d{3}$"))
    assert float(alpha.inner_text()) == pytest.approx(
        rounds.reliability_report(round_, bootstrap=0)["overall"]["alpha"], abs=5e-4
    )
    page.get_by_role("link", name="Disagreements and adjudication").click()
    contested = page.locator("article.disagreement")
    expect(contested).to_have_count(1)
    expect(contested).to_contain_text("chen")
    expect(contested).to_contain_text("arun")
    contested.get_by_label("Money").check()
    contested.get_by_role("button", name="Record agreed coding").click()
    expect(page.get_by_text("Agreed coding recorded.")).to_be_visible()
    agreed = Coding.objects.get(round=round_, origin="adjudicated")
    assert agreed.code == codes[2] and agreed.post == units[2].post
