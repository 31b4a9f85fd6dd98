"""Importing in a real browser: choose a file, watch it upload, see the job finish and the report."""

import contextlib
import csv
import io
import re
from pathlib import Path

import openpyxl
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


def test_a_long_file_name_fits_the_report_on_a_phone(live_server, page, tmp_path):
    # One "word" of 45 characters: the report's heading ran 39 px off a 390 px screen.
    world = World()
    log_in(page, live_server, "arun")
    export = tmp_path / "bluesky_search_carers_respite_2026_export.jsonl"
    export.write_bytes(BLUESKY.read_bytes())
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    page.wait_for_load_state()
    page.get_by_label("Files to import").set_input_files(str(export))
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    call_command("worker", batch=True, interval=0)
    expect(page.get_by_role("heading", name=f"Import of {export.name}")).to_be_visible()
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits)
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")  # its Recent imports
    assert page.evaluate(fits)
    table = csv_file(tmp_path / "carers_survey_responses_2026_all_sites.csv", TABLE_ROWS)
    upload_files(page, live_server, world, table)
    expect(page.get_by_role("heading", name=f"Preview of {table.name}")).to_be_visible()
    assert page.evaluate(fits)


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


def test_leaving_the_page_during_an_upload_asks_first(live_server, page, tmp_path):
    # A click on another page's link dropped the upload, minutes in, without a word.
    world = World()
    log_in(page, live_server, "arun")
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    page.wait_for_load_state()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    slow = {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 50_000}
    cdp.send("Network.emulateNetworkConditions", slow)
    big = tmp_path / "big.jsonl"
    big.write_bytes(BLUESKY.read_bytes() * 60)  # ~500 KB: 10 s at this speed
    page.get_by_label("Files to import").set_input_files(str(big))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_text(re.compile(r"Uploading: .* of"))).to_be_visible()
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Posts").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith("/import/")
    page.get_by_role("button", name="Stop the upload").click()
    expect(page.get_by_role("alert")).to_contain_text("Upload stopped. Nothing was imported.")
    cdp.send("Network.emulateNetworkConditions", {**slow, "uploadThroughput": -1})


def test_too_many_files_are_named_as_soon_as_they_are_chosen(live_server, page, settings, tmp_path):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    world = World()
    log_in(page, live_server, "arun")
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    page.wait_for_load_state()
    days = []
    for day in range(1, 5):
        days.append(tmp_path / f"day-{day}.jsonl")
        days[-1].write_bytes(BLUESKY.read_bytes())
    page.get_by_label("Files to import").set_input_files([str(day) for day in days])
    expect(page.get_by_text("In all: 4 files, 32.6 KB")).to_be_visible()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This upload has more than 3 files")
    expect(alert).to_contain_text("Put the files in a zip archive and upload that")
    page.get_by_role("button", name="Upload and import").click()
    expect(alert).to_contain_text("This upload has more than 3 files")
    assert not ImportRun.objects.exists()


def test_many_files_chosen_are_counted_not_all_listed(live_server, page, tmp_path):
    # 105 daily files made a list 105 lines long, the page 5,000 px high, with the
    # form's message and button at its bottom.
    world = World()
    log_in(page, live_server, "arun")
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    page.wait_for_load_state()
    days = []
    for day in range(1, 13):
        days.append(tmp_path / f"day-{day:02d}.jsonl")
        days[-1].write_text('{"x": 1}\n')
    page.get_by_label("Files to import").set_input_files([str(day) for day in days])
    chosen = page.locator("[data-chosen] li")
    expect(chosen).to_have_count(12)  # 10 names, how many more, the total
    expect(chosen.nth(0)).to_have_text("day-01.jsonl (9 bytes)")
    expect(chosen.nth(10)).to_have_text("and 2 more files")
    expect(chosen.nth(11)).to_have_text("In all: 12 files, 108 bytes")


def test_one_file_more_than_listed_is_one_file(live_server, page, tmp_path):
    # 11 files chosen ended the list with "and 1 more files".
    world = World()
    log_in(page, live_server, "arun")
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    page.wait_for_load_state()
    days = []
    for day in range(1, 12):
        days.append(tmp_path / f"day-{day:02d}.jsonl")
        days[-1].write_text('{"x": 1}\n')
    page.get_by_label("Files to import").set_input_files([str(day) for day in days])
    chosen = page.locator("[data-chosen] li")
    expect(chosen).to_have_count(12)
    expect(chosen.nth(10)).to_have_text("and 1 more file")


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


# --- tables, bad lines, unknown formats: the flows a researcher walks through ---------------

# Invented people; the handles must never show on the column step or in a report.
TABLE_HEADER = ["Tweet ID", "Posted", "Screen name", "Content", "Likes"]
TABLE_ROWS = [
    ["9001", "2026-03-01 10:00", "quilla_marrow", "Respite care tips #carers", "1200"],
    ["9002", "2026-03-02 11:30", "bram_ostrow", "Thanks all", "1"],
]


def csv_file(path, rows, header=TABLE_HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue())
    return path


def upload_files(page, live_server, world, *paths):
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    page.wait_for_load_state()  # upload.js listens before a file is chosen
    page.get_by_label("Files to import").set_input_files([str(path) for path in paths])
    page.get_by_role("button", name="Upload and import").click()


def run_the_worker(page):
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    call_command("worker", batch=True, interval=0)
    page.reload()


def test_a_wrong_date_column_is_refused_in_plain_words_and_the_mapping_comes_back(
    live_server, page, tmp_path
):
    world = World()
    log_in(page, live_server, "arun")
    upload_files(page, live_server, world, csv_file(tmp_path / "carers.csv", TABLE_ROWS))
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    expect(page.get_by_text("Mapping guessed from the column names")).to_be_visible()
    expect(page.get_by_label("Post id (required)")).to_have_value("Tweet ID")
    expect(page.get_by_label("Date and time (required)")).to_have_value("Posted")
    expect(page.get_by_role("cell", name="Respite care tips #carers")).to_be_visible()
    expect(page.get_by_text("quilla_marrow")).to_have_count(0)

    # The message column chosen as the date: the preview says so at once...
    page.get_by_label("Date and time (required)").select_option("Content")
    preview = page.locator("#previews")
    expect(preview).to_contain_text("None of the first rows can be imported with this mapping")
    expect(preview).to_contain_text("Would be skipped (rows 2, 3): row without a readable date")
    # ...and starting anyway is refused, at the top, with the researcher's choices kept.
    page.get_by_role("button", name="Import with these columns").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("The import can't start yet")
    expect(summary).to_contain_text("none of the first rows can be imported with these columns")
    expect(summary).to_contain_text("row without a readable date and time")
    expect(page.get_by_label("Date and time (required)")).to_have_value("Content")
    expect(page.get_by_label("Post id (required)")).to_have_value("Tweet ID")
    assert not ImportRun.objects.exists()

    page.get_by_label("Date and time (required)").select_option("Posted")
    page.get_by_label("The posts come from").select_option("x")
    expect(preview).not_to_contain_text("None of the first rows")
    page.get_by_role("button", name="Import with these columns").click()
    run_the_worker(page)
    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.get_by_text("2 new posts, 0 already stored.")).to_be_visible()
    expect(page.get_by_text("Table (CSV or Excel)")).to_be_visible()

    # The next export with the same columns: the mapping chosen above comes back.
    later = csv_file(
        tmp_path / "carers-april.csv", [["9003", "2026-04-01 09:00", "zed_vale", "More", "7"]]
    )
    upload_files(page, live_server, world, later)
    expect(page.get_by_text("Mapping remembered for tables with these columns")).to_be_visible()
    expect(page.get_by_label("Date and time (required)")).to_have_value("Posted")
    expect(page.get_by_label("The posts come from")).to_have_value("x")
    page.get_by_role("button", name="Import with these columns").click()
    run_the_worker(page)
    expect(page.get_by_text("1 new post, 0 already stored.")).to_be_visible()


# More rows than the preview reads (50) whose posts were deleted, no date left; then posts.
DELETED_FIRST = [*([str(9100 + n), "deleted", "", "", ""] for n in range(55)), *TABLE_ROWS]
START_ANYWAY = "I have checked the columns: start anyway, the first rows are not posts"


def test_a_table_whose_first_rows_are_not_posts_starts_once_the_columns_are_checked(
    live_server, page, tmp_path
):
    world = World()
    log_in(page, live_server, "arun")
    upload_files(page, live_server, world, csv_file(tmp_path / "carers.csv", DELETED_FIRST))
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    expect(page.locator("#previews")).to_contain_text("None of the first rows can be imported")
    page.get_by_role("button", name="Import with these columns").click()
    expect(page.locator(".error-summary")).to_contain_text(f"tick “{START_ANYWAY}”")
    assert not ImportRun.objects.exists()

    page.get_by_label(START_ANYWAY).check()
    page.get_by_role("button", name="Import with these columns").click()
    run_the_worker(page)
    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.get_by_text("2 new posts, 0 already stored, 55 records skipped.")).to_be_visible()
    expect(page.locator(".skips")).to_contain_text(
        "55 skipped (rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …): row without a readable date"
    )


def test_a_table_whose_first_rows_are_not_posts_starts_without_javascript(
    live_server, browser, tmp_path
):
    with column_step_without_javascript(live_server, browser, tmp_path, DELETED_FIRST) as page:
        page.get_by_label(START_ANYWAY).check()
        page.get_by_role("button", name="Import with these columns").click()
        run_the_worker(page)
        expect(
            page.get_by_text("2 new posts, 0 already stored, 55 records skipped.")
        ).to_be_visible()


@contextlib.contextmanager
def column_step_without_javascript(live_server, browser, tmp_path, rows):
    """A page at the column step of a table of `rows`, uploaded with JavaScript off."""
    world = World()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, "arun")
        page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
        page.get_by_label("Files to import").set_input_files(
            str(csv_file(tmp_path / "carers.csv", rows))
        )
        page.get_by_role("button", name="Upload and import").click()
        yield page
    finally:
        context.close()


JARGON = re.compile(r"\bNone\b|Error\b|Traceback|\{'|\['|\bnan\b|\bnull\b")


def assert_plain_words(page):
    text = page.locator("main").inner_text()
    assert not JARGON.search(text), JARGON.search(text)


def test_an_excel_file_is_mapped_and_its_unreadable_row_reported(live_server, page, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "date", "author", "text"])
    workbook.active.append(["7001", "2026-04-01 08:00", "pim_larkspur", "Hello from a sheet"])
    workbook.active.append(["7002", "next Tuesday", "pim_larkspur", "A row without a date"])
    workbook.save(tmp_path / "sheet.xlsx")
    world = World()
    log_in(page, live_server, "arun")
    upload_files(page, live_server, world, tmp_path / "sheet.xlsx")
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    expect(page.get_by_label("Date and time (required)")).to_have_value("date")
    expect(page.get_by_role("cell", name="Hello from a sheet")).to_be_visible()
    expect(
        page.get_by_text("Would be skipped (row 3): row without a readable date")
    ).to_be_visible()
    expect(page.get_by_text("pim_larkspur")).to_have_count(0)
    page.get_by_role("button", name="Import with these columns").click()
    run_the_worker(page)
    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.get_by_text("1 new post, 0 already stored, 1 record skipped.")).to_be_visible()
    expect(
        page.get_by_text("1 skipped (row 3): row without a readable date and time.")
    ).to_be_visible()
    assert_plain_words(page)


def test_bad_lines_are_counted_explained_and_located(live_server, page, tmp_path):
    first, second = BLUESKY.read_text().splitlines()
    damaged = tmp_path / "search-damaged.jsonl"
    damaged.write_bytes(
        f"{first}\nnot json at all\n".encode()
        + b"\x00\xff\xfe\x89PNG junk\n"
        + f'{second}\n{{"posts": [{{"uri"'.encode()
    )
    world = World()
    log_in(page, live_server, "arun")
    upload_files(page, live_server, world, damaged)
    run_the_worker(page)
    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.get_by_text("4 new posts, 0 already stored, 3 records skipped.")).to_be_visible()
    skips = page.locator(".skips")
    expect(skips).to_contain_text("1 skipped (line 2): line is not valid JSON.")
    expect(skips).to_contain_text("1 skipped (line 3): line is not UTF-8 text.")
    expect(skips).to_contain_text("bytes that are not text")  # what it means, in plain words
    expect(skips).to_contain_text("(line 5): last line is cut off")
    expect(skips).to_contain_text("the download or copy was probably not complete")
    assert_plain_words(page)


def test_an_unknown_file_among_good_ones_is_named_and_kept_for_another_try(
    live_server, page, tmp_path
):
    notes = tmp_path / "notes.txt"
    notes.write_text("Notes on the study, not posts.\nNothing else.\n")
    world = World()
    log_in(page, live_server, "arun")
    upload_files(page, live_server, world, BLUESKY, notes)
    run_the_worker(page)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("1 of 2 files could not be imported")
    expect(alert).to_contain_text("notes.txt: This file is not JSON or JSON Lines")
    expect(alert).to_contain_text("The other files were read to the end: 4 new posts stored.")
    notes_section = page.get_by_role("region", name="notes.txt")
    expect(notes_section).to_contain_text("not recognised")
    expect(page.get_by_text("The uploaded files are kept on the server")).to_be_visible()
    expect(page.get_by_role("button", name="Import these files again")).to_be_visible()
    assert_plain_words(page)

    # The lists say what happened in plain words, numbers and dates readable.
    page.goto(f"{live_server.url}/p/{world.project.slug}/imports/")
    row = page.get_by_role("row").filter(has_text="notes.txt")
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text(re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC"))
    assert_plain_words(page)
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    expect(page.get_by_role("listitem").filter(has_text="search.jsonl, notes.txt")).to_contain_text(
        "failed, 4 new posts"
    )


def test_one_new_post_is_not_called_posts_in_the_lists(live_server, page, tmp_path):
    world = World()
    log_in(page, live_server, "arun")
    single = csv_file(tmp_path / "one.csv", TABLE_ROWS[:1])
    upload_files(page, live_server, world, single)
    page.get_by_role("button", name="Import with these columns").click()
    run_the_worker(page)
    expect(page.get_by_text("1 new post, 0 already stored.")).to_be_visible()
    page.goto(f"{live_server.url}/p/{world.project.slug}/import/")
    expect(page.get_by_role("listitem").filter(has_text="one.csv")).to_contain_text(
        "finished, 1 new post ("
    )
    page.goto(f"{live_server.url}/p/{world.project.slug}/")
    expect(page.get_by_role("listitem").filter(has_text="one.csv")).to_contain_text("1 new post,")


def test_the_column_step_works_by_keyboard_and_every_control_is_labelled(
    live_server, page, tmp_path
):
    world = World()
    log_in(page, live_server, "olive")
    ambiguous = [["9001", "03/04/2026 10:00", "quilla_marrow", "Hello", "1"]]
    upload_files(page, live_server, world, csv_file(tmp_path / "carers.csv", ambiguous))
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("main select, main input:not([type=hidden])")]
            .filter((control) => !control.labels.length).map((control) => control.name)"""
    )
    assert unlabelled == []

    # Focus moves down the form in reading order, then to the buttons.
    page.get_by_label("The posts come from").focus()
    order = []
    for _ in range(20):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate("document.activeElement.id || document.activeElement.textContent")
        )
    fields = order[: order.index("t1-dates")]
    assert fields[:3] == ["t1-platform_id", "t1-text", "t1-created_at"] and len(fields) == 17
    assert order[order.index("t1-dates") + 1] == "Import with these columns"

    # Choosing with the arrow keys updates the preview and keeps the focus where it was.
    page.get_by_label("Dates like 03/04/2026").focus()
    page.keyboard.press("ArrowDown")  # day first
    expect(page.get_by_text("Every date in these files is read day first.")).to_be_visible()
    expect(page.get_by_label("Dates like 03/04/2026")).to_be_focused()
    expect(page.get_by_role("cell", name="3 Apr 2026 10:00")).to_be_visible()
    page.get_by_role("button", name="Import with these columns").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))


def test_an_old_excel_file_is_refused_before_anything_is_stored(live_server, page, tmp_path):
    old_excel = tmp_path / "Carers survey.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64))
    world = World()
    log_in(page, live_server, "arun")
    upload_files(page, live_server, world, BLUESKY, old_excel)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("“Carers survey.xls” is an old Excel workbook (.xls)")
    expect(alert).to_contain_text("save it as Excel (.xlsx) or CSV")
    expect(page.get_by_role("button", name="Upload and import")).to_be_enabled()
    assert not ImportRun.objects.exists()


def test_the_preview_shows_every_mapped_field_so_a_wrong_column_shows(live_server, page, tmp_path):
    header = [*TABLE_HEADER, "Language", "Replies", "Reply to"]
    rows = [[*TABLE_ROWS[0], "pt", "7", ""], [*TABLE_ROWS[1], "en", "0", "9001"]]
    world = World()
    log_in(page, live_server, "arun")
    upload_files(page, live_server, world, csv_file(tmp_path / "carers.csv", rows, header))
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    page.get_by_label("Id of the post replied to").select_option("Reply to")
    first, second = page.locator("#previews tbody tr").all()
    expect(first).to_contain_text("Language: pt")
    expect(first).to_contain_text("Replies: 7")
    expect(second).to_contain_text("Replied to: 9001")
    expect(second).to_contain_text("Kind: reply")

    # The likes chosen as the replies by mistake: the preview shows it before importing.
    page.get_by_label("Replies", exact=True).select_option("Likes")
    expect(first).to_contain_text("Replies: 1,200")
    page.get_by_label("Language").select_option("")
    expect(page.locator("#previews")).not_to_contain_text("Language:")

    # Only pseudonyms, on a phone too, and nothing overflows sideways.
    assert "quilla_marrow" not in page.content() and "bram_ostrow" not in page.content()
    expect(first).to_contain_text("Author: user-")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1


def test_a_preview_of_many_columns_stays_readable(live_server, page, tmp_path):
    # Every part of a post mapped: on a phone, one "part: value" line each; on a
    # desktop, columns wide enough to read, the table scrolling sideways if need be.
    full = {
        "Tweet ID": "9001", "Posted": "2026-03-01 10:00", "Screen name": "quilla_marrow",
        "Content": "Respite care tips for carers who look after a parent at home #carers",
        "Link": "https://x.com/quilla_marrow/status/9001", "Language": "en", "Type": "post",
        "Mentions": "bram_ostrow", "Links": "https://example.org/a-long-guide-to-respite-care",
        "Likes": "1200", "Retweets": "3", "Replies": "4", "Quotes": "5", "Views": "99000",
    }  # fmt: skip
    world = World()
    log_in(page, live_server, "arun")
    path = csv_file(tmp_path / "full.csv", [list(full.values())], list(full))
    upload_files(page, live_server, world, path)
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    post = page.locator("#previews tbody tr").first
    expect(post).to_contain_text("Views: 99,000")
    narrowest = post.evaluate(
        "row => Math.min(...[...row.cells].slice(1).map((cell) => cell.clientWidth))"
    )
    assert narrowest >= 75, narrowest  # no column squeezed to a letter or two a line
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1
    assert "quilla_marrow" not in page.content() and "bram_ostrow" not in page.content()

    # What scrolls sideways is named for screen readers, and shows the keyboard's focus.
    scroller = page.get_by_role("region", name="Posts in the preview of full.csv")
    expect(scroller).to_be_visible()
    if page.viewport_name == "desktop":  # on a phone each post is a list: nothing scrolls
        assert scroller.evaluate("area => area.scrollWidth > area.clientWidth")
        page.get_by_label("Views").focus()
        page.keyboard.press("Tab")
        expect(scroller).to_be_focused()
        outline = scroller.evaluate("area => getComputedStyle(area).outline")
        assert outline == "rgb(240, 163, 10) solid 3px", outline


def test_required_columns_are_required_yet_the_server_explains_what_is_missing(
    live_server, page, tmp_path
):
    world = World()
    log_in(page, live_server, "arun")
    upload_files(page, live_server, world, csv_file(tmp_path / "carers.csv", TABLE_ROWS))
    date = page.get_by_label("Date and time (required)")
    expect(date).to_have_attribute("aria-required", "true")
    assert page.evaluate("document.getElementById('t1-platform_id').required")
    assert not page.evaluate("document.getElementById('t1-text').required")

    # Left empty, the browser does not stop the form: the page says what is missing.
    date.select_option("")
    preview = page.locator("#previews")
    expect(preview).to_contain_text("choose the column for “Date and time”")
    page.get_by_role("button", name="Import with these columns").click()
    expect(page.locator(".error-summary")).to_contain_text("choose the column for “Date and time”")
    assert not ImportRun.objects.exists()


def test_the_column_step_explains_a_missing_column_without_javascript(
    live_server, browser, tmp_path
):
    with column_step_without_javascript(live_server, browser, tmp_path, TABLE_ROWS) as page:
        page.get_by_label("Post id (required)").select_option("")
        page.get_by_role("button", name="Import with these columns").click()
        expect(page.locator(".error-summary")).to_contain_text("choose the column for “Post id”")
        page.get_by_label("Post id (required)").select_option("Tweet ID")
        page.get_by_role("button", name="Import with these columns").click()
        expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
