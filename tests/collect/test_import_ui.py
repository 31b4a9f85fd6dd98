"""Importing through the browser: upload, column mapping, the job, and the report in plain words."""

import csv
import hashlib
import http.client
import io
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from socialgood.collect.import_views import SHOW_LINES, LimitedUploadHandler, disk_name
from socialgood.collect.imports import TABLE_SUFFIXES, import_files, is_table
from socialgood.collect.models import Collection, CollectionRun, ColumnMapping, ImportRun, Post
from socialgood.jobs.models import Job
from socialgood.platforms import FORMATS
from socialgood.platforms.report import places_in_words
from socialgood.privacy.pseudonyms import pseudonym
from socialgood.projects.management.commands.serve import web_server
from tests.collect.conftest import QUILLA, mixed_zip, renamed_person_files
from tests.collect.test_privacy_on_disk import everything_stored_as_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BLUESKY = FIXTURES / "bluesky" / "search.jsonl"  # 2 API pages, 4 posts

# A researcher's own spreadsheet: handles, an @mention and an e-mail address in the text.
TABLE_HEADER = ["post id", "posted at", "user name", "message", "likes", "url"]
TABLE_ROWS = [
    ["101", "2026-03-01 10:00", "ana_example",
     "Respite tips from @ben_example, write to ana@example.org", "3",
     "https://x.com/ana_example/status/101"],
    ["102", "2026-03-01 11:00", "ben_example", "Thanks #carers", "1",
     "https://x.com/ben_example/status/102"],
]  # fmt: skip


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


def stored_files(upload_dir):
    return [path for path in Path(upload_dir).rglob("*") if path.is_file()]


def damaged_bluesky():
    """The fixture's two pages with a junk line between them and a last line cut off."""
    first, second = BLUESKY.read_text().splitlines()
    return f'{first}\nnot json at all\n{second}\n{{"posts": [{{"uri"'.encode()


def table(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client, world, *files, role="analyst", **extra):
    client.force_login(world.user(role))
    url = reverse("import_upload", args=[world.project.slug])
    return client.post(url, {"files": list(files), "format": ""}, **extra)


# --- who may import ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "coder"])
def test_viewers_and_coders_may_not_upload(client, world, upload_dir, role):
    client.force_login(world.user(role))
    url = reverse("import_upload", args=[world.project.slug])
    assert client.get(url).status_code == 403
    response = upload(client, world, SimpleUploadedFile("a.jsonl", BLUESKY.read_bytes()), role=role)
    assert response.status_code == 403
    assert stored_files(upload_dir) == []
    assert not ImportRun.objects.exists()


def test_outsiders_do_not_learn_the_project_exists(client, world):
    client.force_login(world.outsider)
    assert client.get(reverse("import_upload", args=[world.project.slug])).status_code == 404


@pytest.mark.parametrize("role", ["owner", "analyst"])
def test_owners_and_analysts_see_the_upload_page_and_its_nav_link(client, world, role):
    client.force_login(world.user(role))
    page = client.get(reverse("import_upload", args=[world.project.slug])).content.decode()
    assert 'name="files" multiple' in page
    assert 'for="upload-files">Files to import</label>' in page
    assert "Bluesky API responses" in page  # the format choice lists the platforms' labels
    assert "deleted as soon as the import has succeeded" in page
    assert f'href="/p/{world.project.slug}/import/"' in page
    assert 'src="/static/collect/upload.js"' in page


def test_the_upload_page_says_where_each_format_s_files_come_from(client, world):
    client.force_login(world.owner)
    page = client.get(reverse("import_upload", args=[world.project.slug])).content.decode()
    sources = page[page.index('<details class="sources">') : page.index("</details>")]
    told = " ".join(re.findall(r"<dt>(.*?)</dt>", sources))
    # Every format socialgood reads, by the platform or tool people know it by.
    for module in FORMATS.values():
        assert module.PLATFORM_NAME.split()[0] in told, module.NAME
    assert "Spreadsheets" in told
    assert "Export chat history" in sources and "Machine-readable JSON" in sources


def test_the_import_link_is_only_shown_to_those_who_may_import(client, world):
    client.force_login(world.viewer)
    page = client.get(reverse("project", args=[world.project.slug])).content.decode()
    assert f'href="/p/{world.project.slug}/import/"' not in page


# --- the size limit -----------------------------------------------------------------------


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, world, settings, upload_dir):
    settings.MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.jsonl", b"x" * 1_300_000)
    response = upload(client, world, big)
    assert response.status_code == 413
    page = response.content.decode()
    assert "too large for the browser" in page
    assert "the limit is 1 MB per upload" in page
    assert "socialgood import" in page
    assert stored_files(upload_dir) == []
    assert not ImportRun.objects.exists() and not Job.objects.exists()


def test_upload_js_gets_the_refusal_as_json(client, world, settings, upload_dir):
    settings.MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.jsonl", b"x" * 1_300_000)
    response = upload(client, world, big, HTTP_ACCEPT="application/json")
    assert response.status_code == 413
    assert "the limit is 1 MB per upload" in response.json()["error"]


def test_the_upload_handler_stops_a_body_that_understates_its_size(
    client, world, settings, upload_dir
):
    # Just over the limit: the Content-Length check lets it through (room for the
    # form's fields), the streaming handler stops it.
    settings.MAX_UPLOAD_MB = 1
    response = upload(client, world, SimpleUploadedFile("edge.jsonl", b"x" * (2**20 + 5000)))
    assert response.status_code == 413
    assert "too large for the browser" in response.content.decode()
    assert stored_files(upload_dir) == []
    assert not ImportRun.objects.exists()


def test_the_web_server_refuses_a_too_large_body_in_plain_words(settings):
    # Waitress refuses such a body before the view runs; without upload.js its own
    # "exceeds max_body of 1114112" was all a researcher saw.
    settings.MAX_UPLOAD_MB = 1
    server = web_server(lambda environ, start_response: [], "127.0.0.1", 0, 1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10)
        connection.putrequest("POST", "/p/study/import/")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(3 * 2**20))
        connection.endheaders()  # and no body: waitress answers on the headers alone
        response = connection.getresponse()
        page = response.read().decode()
    finally:
        server.close()
        thread.join(timeout=10)
    assert response.status == 413
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "too large for the browser (3.0\xa0MB); the limit is 1 MB per upload" in page
    assert "Nothing was imported." in page
    assert '<a href="/p/study/import/">Back to the page you came from</a>' in page
    assert "max_body" not in page


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_too_many_files_are_refused_in_plain_words(client, world, settings, upload_dir, accept):
    # A folder of daily files (365 of them) got a bare "Bad Request (400)", or from
    # upload.js "The server could not take the upload (error 400). Try again."
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    days = [SimpleUploadedFile(f"day-{n}.jsonl", BLUESKY.read_bytes()) for n in range(4)]
    response = upload(client, world, *days, HTTP_ACCEPT=accept)
    assert response.status_code == 400
    said = response.json()["error"] if accept == "application/json" else response.content.decode()
    assert "This upload has more than 3 files, the most socialgood takes at once." in said
    assert "Put the files in a zip archive and upload that" in said
    assert not ImportRun.objects.exists() and not stored_files(upload_dir)
    page = client.get(reverse("import_upload", args=[world.project.slug])).content.decode()
    assert "Up to 2,048 MB and 3 files per upload" in page
    assert 'data-max-files="3"' in page


def test_the_upload_handler_deletes_its_partial_file(tmp_path):
    handler = LimitedUploadHandler(tmp_path, limit=10)
    handler.new_file("files", "a.jsonl", "application/json", None)
    handler.receive_data_chunk(b"12345", 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"678901", 5)
    assert handler.too_large
    handler.upload_interrupted()
    assert list(tmp_path.iterdir()) == []


def test_uploaded_files_are_stored_by_number_with_the_endings_that_tell_their_format():
    names = ["ana_example.jsonl.GZ", "ana.bsky.social.json", "../../secrets.csv", ".env", "x"]
    assert [disk_name(name, number) for number, name in enumerate(names, start=1)] == [
        "1.jsonl.gz",
        "2.json",
        "3.csv",
        "4",
        "5",
    ]
    # A table is known by its ending: every one must survive.
    for suffix in TABLE_SUFFIXES:
        assert is_table(disk_name(f"ana_example{suffix.upper()}", 1))


def test_an_upload_without_files_says_so(client, world, upload_dir):
    response = upload(client, world)
    assert response.status_code == 400
    assert "Choose at least one file to import." in response.content.decode()
    assert stored_files(upload_dir) == []


# --- upload, job, report --------------------------------------------------------------------


def test_a_spreadsheet_socialgood_cannot_read_is_refused_with_what_to_do(client, world, upload_dir):
    old_excel = SimpleUploadedFile(
        "Carers survey.XLS", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)
    )
    response = upload(
        client, world, SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()), old_excel
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        escape(
            "“Carers survey.XLS” is an old Excel workbook (.xls), which socialgood can't read. "
            "Open it in your spreadsheet program, save it as Excel (.xlsx) or CSV, and upload that. "
            "Nothing was imported."
        )
        in page
    )
    assert not ImportRun.objects.exists() and not stored_files(upload_dir)


@pytest.mark.django_db(transaction=True)
def test_the_report_leads_to_the_posts_the_import_stored(client, world, upload_dir):
    # It ended at "Finished: 4 new posts" with links to more imports only.
    response = upload(client, world, SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()))
    call_command("worker", batch=True, interval=0)
    run = ImportRun.objects.get()
    page = client.get(response["Location"]).content.decode()
    posts = reverse("posts", args=[world.project.slug])
    assert f'href="{posts}?import={run.pk}">See the 4 new posts</a>' in page
    assert client.get(f"{posts}?import={run.pk}").status_code == 200

    # The same file again stores nothing new: nothing to lead to, and the report says
    # why (it said "0 new posts, 4 already stored" and left the researcher to wonder).
    response = upload(client, world, SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()))
    call_command("worker", batch=True, interval=0)
    page = client.get(response["Location"]).content.decode()
    assert "0 new posts, 4 already stored." in page
    assert "See the" not in page
    first = reverse("import_report", args=[world.project.slug, run.pk])
    assert (
        "This same file (the same SHA-256) was imported before: "
        f'<a href="{first}">import of search.jsonl</a>'
    ) in page


@pytest.mark.django_db(transaction=True)
def test_trying_again_says_the_format_chosen_is_for_every_file(client, world, upload_dir):
    # Chosen for the file that failed, a format made the one read well fail too.
    response = upload(
        client,
        world,
        SimpleUploadedFile("notes.txt", b"call the respite team\n"),
        SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()),
    )
    call_command("worker", batch=True, interval=0)
    page = client.get(response["Location"]).content.decode()
    assert "1 of 2 files could not be imported" in page
    assert "It is used for every file of this import, also those read well" in page


def test_a_cancelled_import_is_not_listed_as_running(client, world, upload_dir):
    # Its report said "The import did not finish"; the list said "Running" for good.
    response = upload(client, world, SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()))
    waiting = ImportRun.objects.get()
    slug = world.project.slug
    page = client.get(reverse("import_upload", args=[slug])).content.decode()
    assert "waiting to start, 0 new posts so far" in page
    waiting.job.cancel(by=world.analyst)
    page = client.get(response["Location"]).content.decode()
    assert "The import did not finish" in page
    listed = client.get(reverse("imports", args=[slug])).content.decode()
    assert '<span class="status status-failed">Failed</span>' in listed
    assert "Running" not in listed
    page = client.get(reverse("import_upload", args=[slug])).content.decode()
    assert "— failed, 0 new posts" in page


@pytest.mark.django_db(transaction=True)
def test_the_report_explains_jetstream_events_and_x_api_errors_in_plain_words(
    client, world, upload_dir
):
    # "5 skipped: Bluesky Jetstream: app.bsky.feed.like create (not a post)" and "2 times:
    # X API partial error: Not Found Error (tweet)" were all a researcher was told.
    response = upload(
        client,
        world,
        SimpleUploadedFile("events.jsonl", (FIXTURES / "jetstream" / "events.jsonl").read_bytes()),
        SimpleUploadedFile("search.jsonl", (FIXTURES / "twarc2" / "search.jsonl").read_bytes()),
    )
    call_command("worker", batch=True, interval=0)
    page = client.get(response["Location"]).content.decode()
    assert "app.bsky.feed.like create (not a post)" in page
    assert "Jetstream records every Bluesky event (likes, follows, reposts, blocks…)" in page
    assert "An account&#x27;s new handle, not a post." in page
    assert "X API partial error: Not Found Error (tweet)" in page
    assert "most often because they were deleted, made private or suspended" in page
    assert "A request of the collection failed" in page


def test_the_running_import_s_page_says_to_reload_it_without_javascript(client, world, upload_dir):
    # It follows the job with htmx; with scripts off it showed "Waiting to start" for good.
    response = upload(client, world, SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()))
    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page
    assert "<noscript><p><strong>With JavaScript off this page does not follow the import: " in page


def test_recent_imports_leave_out_collection_runs_as_all_imports_does(client, world):
    # A collection every 15 minutes pushed the researcher's own uploads out of the five.
    collection = Collection.objects.create(project=world.project, name="Carers", platform="bluesky")
    for _ in range(5):
        run = ImportRun.objects.create(project=world.project, label="Collection “Carers”")
        CollectionRun.objects.create(collection=collection, import_run=run)
    upload = ImportRun.objects.create(
        project=world.project, label="carers-march.jsonl", status=ImportRun.Status.DONE
    )
    client.force_login(world.analyst)
    page = client.get(reverse("import_upload", args=[world.project.slug])).content.decode()
    recent = page[page.index("<h2>Recent imports</h2>") :]
    assert f'href="/p/{world.project.slug}/imports/{upload.pk}/">carers-march.jsonl</a>' in recent
    assert "Collection" not in recent


def test_an_import_that_waits_long_to_start_says_what_may_hold_it_up(client, world, upload_dir):
    # "Waiting for a worker to pick this up." for an hour, with nothing to do about it.
    response = upload(client, world, SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()))
    run = ImportRun.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "It has waited" not in page
    Job.objects.filter(pk=run.job_id).update(created_at=run.job.created_at - timedelta(minutes=7))
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):  # the page, and its update every 2 s
        page = client.get(response["Location"], **headers).content.decode()
        assert "It has waited 7 minutes." in page
        assert f'<a href="/p/{world.project.slug}/jobs/">Jobs</a> page' in page
        assert "background worker is running" in page


@pytest.mark.django_db(transaction=True)
def test_a_report_of_a_file_not_read_at_all_leaves_out_the_zeros(client, world, upload_dir):
    # Five boxes of 0 and "0 people in these posts got a pseudonym" stood between the
    # reason and the way on (Try again), two screens down on a phone.
    response = upload(client, world, SimpleUploadedFile("notes.txt", b"call the respite team\n"))
    call_command("worker", batch=True, interval=0)
    page = client.get(response["Location"]).content.decode()
    assert "The file could not be imported" in page
    assert "it looks like text that is not JSON" in page
    assert "Records read" not in page and "got a pseudonym" not in page
    assert "The uploaded files are kept on the server so that you can try again." in page
    assert "Import these files again" in page


def test_an_empty_file_is_refused_at_once_and_the_format_kept(client, world, upload_dir):
    # Started, its import failed and offered to try the same empty file again.
    client.force_login(world.analyst)
    response = client.post(
        reverse("import_upload", args=[world.project.slug]),
        {
            "files": [
                SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()),
                SimpleUploadedFile("timeline.jsonl", b""),
            ],
            "format": "mastodon",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert escape("“timeline.jsonl” is empty (0 bytes): there is nothing in it to import.") in page
    assert "Nothing was imported." in page
    assert '<option value="mastodon" selected>' in page
    assert not ImportRun.objects.exists() and not stored_files(upload_dir)


def test_two_empty_files_are_named_as_two(client, world, upload_dir):
    # Said of two files as of one: "are empty (0 bytes): there is nothing in it".
    client.force_login(world.analyst)
    empty = [SimpleUploadedFile(name, b"") for name in ("day-1.jsonl", "day-2.jsonl")]
    response = client.post(
        reverse("import_upload", args=[world.project.slug]), {"files": empty, "format": ""}
    )
    assert response.status_code == 400
    said = escape(
        "“day-1.jsonl” and “day-2.jsonl” are empty (0 bytes): there is nothing in them to "
        "import. The downloads or copies may not have finished; check the files on your "
        "computer, then choose the files again."
    )
    assert said in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_upload_runs_a_job_and_the_report_tells_what_happened(client, world, upload_dir):
    slug = world.project.slug
    response = upload(
        client,
        world,
        SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()),
        SimpleUploadedFile("search-damaged.jsonl", damaged_bluesky()),
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_report", args=[slug, run.pk])
    assert run.job.status == Job.Status.QUEUED
    assert len(stored_files(upload_dir)) == 3  # two files and the upload's manifest

    # Before a worker picks it up, the page follows the job.
    url = reverse("import_report", args=[slug, run.pk])
    assert "Waiting to start" in client.get(url).content.decode()
    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and 'hx-trigger="every 2s"' in polled.content.decode()

    call_command("worker", batch=True, interval=0)

    assert client.get(url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert "4 new posts, 4 already stored, 2 records skipped." in page
    assert "search-damaged.jsonl" in page
    assert hashlib.sha256(BLUESKY.read_bytes()).hexdigest()[:12] in page
    assert "Bluesky API responses" in page
    assert "(line 2): line is not valid JSON." in page
    assert "(line 4): last line is cut off (incomplete file?)." in page
    assert "the download or copy was probably not complete" in page
    assert "marked outside the post" in page
    assert "The uploaded files have been deleted from the server." in page
    assert stored_files(upload_dir) == []
    assert world.project.posts.count() == 4

    report = client.get(reverse("import_report_json", args=[slug, run.pk]))
    assert report["Content-Disposition"] == f'attachment; filename="import-{run.pk}-report.json"'
    document = json.loads(report.content)
    assert (document["imported"], document["duplicates"], document["records"]) == (4, 4, 4)
    assert [f["name"] for f in document["files"]] == ["search.jsonl", "search-damaged.jsonl"]
    assert document["skipped"] == {
        "line is not valid JSON": 1,
        "last line is cut off (incomplete file?)": 1,
    }

    client.force_login(world.viewer)  # everyone in the project may read the reports
    listing = client.get(reverse("imports", args=[slug])).content.decode()
    assert f'href="{url}">search.jsonl, search-damaged.jsonl</a>' in listing
    assert "Import files" not in listing
    assert "4 new posts" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_file_named_after_an_account_is_reported_under_its_pseudonym(client, world, upload_dir):
    # A tool named the file after the account it collected (a fixture author's handle).
    upload(client, world, SimpleUploadedFile("ana.example.org-search.jsonl", BLUESKY.read_bytes()))
    assert all("ana.example.org" not in path.name for path in stored_files(upload_dir)[:-1])
    run = ImportRun.objects.get()
    assert run.label == "1 uploaded file"
    call_command("worker", batch=True, interval=0)

    run.refresh_from_db()
    ana = pseudonym(world.project.secret_key, "bluesky", "did:plc:anaexample0000000000000a")
    assert run.label == f"{ana}-search.jsonl"
    assert run.report["files"][0]["name"] == f"{ana}-search.jsonl"
    assert Job.objects.get().title == f"Import of {ana}-search.jsonl"
    page = client.get(reverse("import_report", args=[world.project.slug, run.pk]))
    assert f"{ana}-search.jsonl" in page.content.decode()
    assert "ana.example.org" not in page.content.decode()
    assert "ana.example.org" not in everything_stored_as_text()


@pytest.mark.django_db(transaction=True)
def test_a_failed_import_keeps_the_files_for_another_try(client, world, upload_dir):
    slug = world.project.slug
    upload(client, world, SimpleUploadedFile("notes.json", b"Dear diary, this is not JSON.\n"))
    run = ImportRun.objects.get()
    call_command("worker", batch=True, interval=0)

    url = reverse("import_report", args=[slug, run.pk])
    page = client.get(url).content.decode()
    assert "The file could not be imported" in page
    assert "notes.json" in page and "not JSON" in page
    assert "The uploaded files are kept on the server so that you can try again." in page
    assert "Import these files again" in page
    project_page = client.get(reverse("project", args=[slug])).content.decode()
    assert "had problems</strong>, 0 new posts" in project_page
    kept = [path.name for path in stored_files(upload_dir)]
    assert sorted(kept) == ["1.json", "upload.json"]  # the file, and its own name beside it

    # A table can't be chosen here: it needs the column step of a new upload.
    assert 'value="table"' not in page and "upload it again</a> with the format" in page
    client.post(reverse("import_retry", args=[slug, run.pk]), {"format": ""})
    run.refresh_from_db()
    assert Job.objects.count() == 2 and run.job.is_active
    call_command("worker", batch=True, interval=0)
    assert "The file could not be imported" in client.get(url).content.decode()

    response = client.post(reverse("import_delete_files", args=[slug, run.pk]))
    assert response.status_code == 302
    assert stored_files(upload_dir) == []
    page = client.get(url).content.decode()
    assert "The uploaded files have been deleted from the server." in page
    assert "Import these files again" not in page


@pytest.mark.django_db(transaction=True)
def test_one_unreadable_file_among_several_is_named_and_the_rest_is_stored(
    client, world, upload_dir
):
    upload(
        client,
        world,
        SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()),
        SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4),
    )
    run = ImportRun.objects.get()
    call_command("worker", batch=True, interval=0)

    page = client.get(reverse("import_report", args=[world.project.slug, run.pk])).content
    page = page.decode()
    assert "1 of 2 files could not be imported" in page
    assert "photo.jpg: This file is not JSON or JSON Lines; it looks like binary data." in page
    assert "The other files were read to the end: 4 new posts stored." in page
    assert "The import did not finish" not in page
    assert world.project.posts.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_zip_in_several_formats_names_them_all(client, world, upload_dir, tmp_path):
    archive = mixed_zip(tmp_path / "folder.zip")
    upload(client, world, SimpleUploadedFile("folder.zip", archive.read_bytes()))
    run = ImportRun.objects.get()
    call_command("worker", batch=True, interval=0)

    page = client.get(reverse("import_report", args=[world.project.slug, run.pk])).content
    labels = "; ".join(FORMATS[name].LABEL for name in ("bluesky", "mastodon", "twarc2"))
    assert escape(labels) in page.decode()
    assert "14 new posts" in page.decode()


# --- tables: the column-mapping step ---------------------------------------------------------


def test_table_columns_are_guessed_previewed_without_names_and_remembered(
    client, world, upload_dir
):
    slug = world.project.slug
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    assert response.status_code == 302
    columns_url = response["Location"]
    assert not ImportRun.objects.exists()  # nothing starts before the columns are confirmed

    page = client.get(columns_url).content.decode()
    assert "guessed from the column names" in page
    assert '<option value="post id" selected>' in page
    assert '<option value="url" selected>' in page
    # The preview shows the posts as they will be stored: pseudonyms, never names.
    assert "1 Mar 2026 10:00" in page
    assert "user-" in page
    for identifier in ("ana_example", "ben_example", "ana@example.org"):
        assert identifier not in page

    # The researcher maps the platform and drops the url column, then starts the import.
    form = {f"t1-{field}": column for field, column in {
        "platform_id": "post id", "created_at": "posted at", "author_handle": "user name",
        "text": "message", "likes": "likes",
    }.items()}  # fmt: skip
    response = client.post(columns_url, {**form, "t1-platform": "x", "action": "start"})
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("import_report", args=[slug, run.pk])
    assert run.job.params["format"] is None

    # The next export has the same columns in another order: the mapping comes back.
    order = [5, 3, 0, 4, 2, 1]
    reordered = table(
        [TABLE_HEADER[i] for i in order], [[row[i] for i in order] for row in TABLE_ROWS]
    )
    response = upload(client, world, SimpleUploadedFile("carers-march.csv", reordered))
    page = client.get(response["Location"]).content.decode()
    assert "Mapping remembered for tables with these columns." in page
    assert '<option value="x" selected>' in page
    assert '<option value="url" selected>' not in page
    assert '<option value="post id" selected>' in page
    assert ColumnMapping.objects.filter(project=world.project).count() == 1


def test_an_excel_file_gets_the_mapping_step_too(client, world, upload_dir):
    workbook = openpyxl.Workbook()
    workbook.active.append(TABLE_HEADER)
    for row in TABLE_ROWS:
        workbook.active.append(row)
    content = io.BytesIO()
    workbook.save(content)
    response = upload(client, world, SimpleUploadedFile("carers.xlsx", content.getvalue()))
    page = client.get(response["Location"]).content.decode()
    assert '<option value="posted at" selected>' in page
    assert "Thanks #carers" in page and "ben_example" not in page
    assert "sheets" not in page


def test_the_first_sheet_that_holds_a_table_is_read_and_named(client, world, upload_dir):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes on the study"  # the posts are on the second sheet
    workbook.active.append(["About this file"])
    posts = workbook.create_sheet("Posts")
    posts.append(TABLE_HEADER)
    for row in TABLE_ROWS:
        posts.append(row)
    content = io.BytesIO()
    workbook.save(content)
    response = upload(client, world, SimpleUploadedFile("carers.xlsx", content.getvalue()))
    page = client.get(response["Location"]).content.decode()
    assert "workbook with 2 sheets: only one is read, “Posts”" in page
    assert '<option value="posted at" selected>' in page  # the Posts sheet's columns
    assert "Thanks #carers" in page


def test_the_column_step_says_which_columns_are_left_out(client, world, upload_dir):
    # "Not imported: coded." read as if the coded posts would not be imported.
    rows = [[*row, "yes"] for row in TABLE_ROWS]
    data = table([*TABLE_HEADER, "coded"], rows)
    response = upload(client, world, SimpleUploadedFile("carers.csv", data))
    page = client.get(response["Location"]).content.decode()
    assert "Columns left out of the posts: coded." in page
    assert "Not imported" not in page


def test_an_x_export_s_platform_is_guessed_so_its_people_have_one_pseudonym(
    client, world, upload_dir
):
    # Left at "Other or unknown", the author's column and the x.com link in the same row
    # showed two pseudonyms for one person (and JSON imports of X a third).
    export = FIXTURES / "tabular" / "x_export_semicolon_bom.csv"
    response = upload(client, world, SimpleUploadedFile(export.name, export.read_bytes()))
    page = client.get(response["Location"]).content.decode()
    assert '<option value="x" selected>X (Twitter)</option>' in page
    first_row = page[page.index("1876543210987654321") :]
    author = re.search(r"user-[0-9a-f]{16}", first_row).group()
    assert f"https://x.com/{author}/status/1876543210987654321" in first_row


@pytest.mark.django_db(transaction=True)
def test_the_report_names_the_columns_as_confirmed_on_the_column_step(client, world, upload_dir):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    response = client.post(response["Location"], {**MAPPED, "action": "start"})
    call_command("worker", batch=True, interval=0)
    page = client.get(response["Location"]).content.decode()
    # Not "remembered": the researcher has just chosen them.
    assert "Columns used (as confirmed on the column step)" in page
    assert "<li>Post id: post id</li>" in page and "(required)" not in page


def test_a_mapping_without_a_date_column_is_explained(client, world, upload_dir):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    response = client.post(
        response["Location"], {"t1-platform_id": "post id", "t1-platform": "x", "action": "start"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "be used yet: choose the column for “Date and time”." in page
    assert not ImportRun.objects.exists()


def test_a_mapping_that_reads_none_of_the_first_rows_does_not_start_nor_is_remembered(
    client, world, upload_dir
):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    form = {**MAPPED, "t1-created_at": "message", "action": "start"}  # text as the date
    response = client.post(response["Location"], form)
    assert response.status_code == 400
    assert not ImportRun.objects.exists() and not ColumnMapping.objects.exists()
    page = response.content.decode()
    assert "The import can't start yet" in page
    assert (
        escape(
            "none of the first rows can be imported with these columns (rows 2, 3: row without "
            "a readable date and time). Check which column you chose for each part of a post."
        )
        in page
    )
    assert '<option value="message" selected>' in page  # the choice is kept to be corrected


# A table that begins with more rows than the preview reads (50) that are not posts:
# no readable date. Its posts come after them.
NOT_POSTS_FIRST = [
    *([f"{n}", "deleted", "", "", "", ""] for n in range(1, 56)),
    ["301", "2026-05-01 09:00", "cato_example", "Carers' café on Friday", "2", ""],
    ["302", "2026-05-02 10:00", "dora_example", "Thanks #carers", "0", ""],
]  # fmt: skip
START_ANYWAY = "I have checked the columns: start anyway, the first rows are not posts"


@pytest.mark.django_db(transaction=True)
def test_a_table_whose_first_rows_are_not_posts_starts_once_the_researcher_says_so(
    client, world, upload_dir
):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, NOT_POSTS_FIRST))
    )
    columns_url = response["Location"]
    page = client.get(columns_url).content.decode()
    assert "None of the first rows can be imported with this mapping." in page
    assert escape(START_ANYWAY) in page

    # Without the tick it is refused as before, and the refusal says how to go on.
    response = client.post(columns_url, {**MAPPED, "action": "start"})
    assert response.status_code == 400 and not ImportRun.objects.exists()
    assert escape(f"tick “{START_ANYWAY}” below its preview") in response.content.decode()

    # The tick survives the preview following the form through htmx.
    form = {**MAPPED, "t1-start_anyway": "yes"}
    fragment = client.post(columns_url, form, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="t1-start_anyway" value="yes"' in fragment and " checked>" in fragment

    response = client.post(columns_url, {**form, "action": "start"})
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("import_report", args=[world.project.slug, run.pk])
    # Remembered as any confirmed mapping: the job reads it from there, and the import
    # remembers the mapping it reads a table with anyway.
    remembered = ColumnMapping.objects.get(project=world.project)
    assert remembered.mapping == {"platform_id": "post id", "created_at": "posted at"}

    call_command("worker", batch=True, interval=0)
    run.refresh_from_db()
    assert (run.imported, run.skipped) == (2, 55)
    assert sorted(world.project.posts.values_list("platform_id", flat=True)) == ["301", "302"]
    report = client.get(response["Location"]).content.decode()
    assert "2 new posts, 0 already stored, 55 records skipped." in report
    where = "(rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …): row without a readable date and time."
    assert f"<strong>55</strong> skipped {where}" in report


def test_only_a_complete_mapping_can_be_started_anyway(client, world, upload_dir):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, NOT_POSTS_FIRST))
    )
    columns_url = response["Location"]
    incomplete = {"t1-platform_id": "post id", "t1-platform": "x", "t1-start_anyway": "yes"}
    response = client.post(columns_url, {**incomplete, "action": "start"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "be used yet: choose the column for “Date and time”." in page
    assert escape(START_ANYWAY) not in page  # nothing to tick while a column is missing
    assert not ImportRun.objects.exists() and not ColumnMapping.objects.exists()

    complete = {**incomplete, "t1-created_at": "posted at", "action": "start"}
    assert client.post(columns_url, complete).status_code == 302
    assert ImportRun.objects.exists()


def test_starting_anyway_waits_until_every_table_of_the_upload_is_mapped(client, world, upload_dir):
    response = upload(
        client,
        world,
        SimpleUploadedFile("carers.csv", table(TABLE_HEADER, NOT_POSTS_FIRST)),
        SimpleUploadedFile("other.csv", table(["code", "when"], [["1", "2026-05-03 08:00"]])),
    )
    columns_url = response["Location"]
    form = {**MAPPED, "t1-start_anyway": "yes", "t2-platform_id": "code", "action": "start"}
    response = client.post(columns_url, form)
    assert response.status_code == 400
    assert "other.csv</a>: " + escape("This mapping can't be used yet") in response.content.decode()
    assert not ImportRun.objects.exists() and not ColumnMapping.objects.exists()

    assert client.post(columns_url, {**form, "t2-created_at": "when"}).status_code == 302
    assert ImportRun.objects.exists()


def test_starting_with_a_column_missing_says_why_at_the_top(client, world, upload_dir):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    form = {"t1-platform_id": "post id", "t1-platform": "x", "action": "start"}
    response = client.post(response["Location"], form)
    assert response.status_code == 400 and not ImportRun.objects.exists()
    page = response.content.decode()
    summary = page.index('class="error-summary" role="alert"')
    assert summary < page.index('class="columns-form"')
    assert "The import can't start yet" in page
    assert "carers.csv</a>: " + escape("This mapping can't be used yet: choose the column") in page


def test_a_table_without_a_header_row_is_not_shown_on_the_column_step(client, world, upload_dir):
    rows = [["101", "2026-03-01 10:00", "zq_marlow_77", "Hello from Quilla"]]
    response = upload(client, world, SimpleUploadedFile("headerless.csv", table(rows[0], rows)))
    page = client.get(response["Location"]).content.decode()
    assert "first row looks like a post, not column names" in page
    assert "zq_marlow_77" not in page and "Import with these columns" not in page


def test_the_preview_follows_the_form_through_htmx(client, world, upload_dir):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    form = {"t1-platform_id": "post id", "t1-created_at": "message", "t1-platform": "x"}
    fragment = client.post(response["Location"], form, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200 and html.lstrip().startswith('<div id="previews">')
    assert "None of the first rows can be imported with this mapping." in html
    assert "row without a readable date and time" in html


# Dates as a European or an American spreadsheet writes them: "03/04/2026" is either.
AMBIGUOUS_ROWS = [["201", "03/04/2026 10:00", "ana_example", "Hello", "1", ""],
                  ["202", "05/06/2026 11:00", "ben_example", "Again", "2", ""]]  # fmt: skip
MAPPED = {"t1-platform_id": "post id", "t1-created_at": "posted at", "t1-platform": "x"}


@pytest.mark.django_db(transaction=True)
def test_the_researcher_says_how_dates_like_03_04_read_and_it_is_remembered(
    client, world, upload_dir
):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, AMBIGUOUS_ROWS))
    )
    columns_url = response["Location"]
    page = client.get(columns_url).content.decode()
    assert "Dates like 03/04/2026" in page
    assert "could be read either way" in page
    assert "3 Apr 2026 10:00" in page  # day first until told otherwise

    fragment = client.post(
        columns_url, {**MAPPED, "t1-dates": "month first"}, HTTP_HX_REQUEST="true"
    )
    html = fragment.content.decode()
    assert "4 Mar 2026 10:00" in html and "6 May 2026 11:00" in html
    assert '<option value="month first" selected>' in html

    client.post(columns_url, {**MAPPED, "t1-dates": "month first", "action": "start"})
    assert ColumnMapping.objects.get(project=world.project).dates == "month first"
    call_command("worker", batch=True, interval=0)
    stored = world.project.posts.order_by("platform_id")
    assert [(post.created_at.month, post.created_at.day) for post in stored] == [(3, 4), (5, 6)]
    run = ImportRun.objects.get()
    report = client.get(reverse("import_report", args=[world.project.slug, run.pk]))
    assert "Dates like 03/04/2026 read month first." in report.content.decode()

    # The next file with these columns comes with the same reading already chosen.
    response = upload(
        client, world, SimpleUploadedFile("carers-2.csv", table(TABLE_HEADER, AMBIGUOUS_ROWS))
    )
    page = client.get(response["Location"]).content.decode()
    assert '<option value="month first" selected>' in page
    assert "4 Mar 2026 10:00" in page


@pytest.mark.django_db(transaction=True)
def test_a_remembered_date_order_is_not_chosen_for_a_file_whose_dates_tell_otherwise(
    client, world, upload_dir
):
    first = upload(client, world, SimpleUploadedFile("a.csv", table(TABLE_HEADER, AMBIGUOUS_ROWS)))
    client.post(first["Location"], {**MAPPED, "t1-dates": "month first", "action": "start"})
    assert ColumnMapping.objects.get(project=world.project).dates == "month first"

    rows = [*AMBIGUOUS_ROWS, ["203", "13/04/2026 09:00", "ana_example", "Third", "0", ""]]
    later = upload(client, world, SimpleUploadedFile("b.csv", table(TABLE_HEADER, rows)))
    page = client.get(later["Location"]).content.decode()
    assert '<option value="month first" selected>' not in page
    assert "can only be read day first" in page
    assert "3 Apr 2026 10:00" in page and "13 Apr 2026 09:00" in page


@pytest.mark.django_db(transaction=True)
def test_a_remembered_date_order_left_as_it_is_gives_way_to_a_date_beyond_the_preview(
    client, world, upload_dir
):
    # (found by an audit: the preview reads the first rows only, and the remembered
    # order, shown chosen, was sent as given)
    first = upload(client, world, SimpleUploadedFile("a.csv", table(TABLE_HEADER, AMBIGUOUS_ROWS)))
    client.post(first["Location"], {**MAPPED, "t1-dates": "month first", "action": "start"})
    call_command("worker", batch=True, interval=0)

    rows = [[str(300 + n), f"0{n % 9 + 1}/04/2026 10:00", "ana_example", "Hi", "0", ""]
            for n in range(60)] + [["399", "13/04/2026 09:00", "ana_example", "Last", "0", ""]]  # fmt: skip
    later = upload(client, world, SimpleUploadedFile("b.csv", table(TABLE_HEADER, rows)))
    page = client.get(later["Location"]).content.decode()
    assert '<option value="month first" selected>' in page  # nothing in the preview tells
    client.post(later["Location"], {**MAPPED, "t1-dates": "month first", "action": "start"})
    call_command("worker", batch=True, interval=0)
    assert world.project.posts.get(platform_id="300").created_at.date().isoformat() == "2026-04-01"
    assert world.project.posts.filter(platform_id="399").exists()  # 13/04 read, not skipped


def test_a_date_that_can_only_be_read_one_way_decides_the_preview(client, world, upload_dir):
    rows = [*AMBIGUOUS_ROWS, ["203", "04/13/2026 09:00", "ana_example", "Third", "0", ""]]
    response = upload(client, world, SimpleUploadedFile("us.csv", table(TABLE_HEADER, rows)))
    page = client.get(response["Location"]).content.decode()
    assert "can only be read month first" in page
    assert "4 Mar 2026 10:00" in page and "13 Apr 2026 09:00" in page


def test_iso_dates_need_no_choice(client, world, upload_dir):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    page = client.get(response["Location"]).content.decode()
    assert "Dates like 03/04/2026" not in page
    assert 'type="hidden" name="t1-dates" value=""' in page


def test_cancelling_the_mapping_step_deletes_the_upload(client, world, upload_dir):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    columns_url = response["Location"]
    response = client.post(columns_url, {"action": "cancel"})
    assert response["Location"] == reverse("import_upload", args=[world.project.slug])
    assert stored_files(upload_dir) == []
    assert not ImportRun.objects.exists()
    page = client.get(columns_url, follow=True).content.decode()
    assert "Those uploaded files are gone: they were imported or cancelled." in page


def _where(places, count, unit):
    return places_in_words(places, count, unit, SHOW_LINES)


def test_the_report_says_where_skipped_records_are_in_plain_words():
    assert _where([2, 5], 2, "line") == "lines 2, 5"
    assert _where([7], 3, "row") == "row 7, …"
    assert _where(["export/a.jsonl:12"], 1, "line") == "line 12 of export/a.jsonl"
    assert _where(["study/sheet.xlsx"], 1, "line") == "study/sheet.xlsx"  # a file, not a line
    assert _where([], 4, "line") == ""


def test_the_report_says_which_item_of_a_line_a_skipped_record_is():
    # A page or API response holds many records on one line (report.item_place).
    assert _where(["4 item 37"], 1, "line") == "item 37 of line 4"
    assert _where([2, "4 item 37"], 2, "line") == "line 2, item 37 of line 4"
    assert _where(["export/a.jsonl:4 item 2 item 37"], 1, "line") == (
        "item 37 of item 2 of line 4 of export/a.jsonl"
    )


def test_the_report_says_which_item_of_a_document_a_skipped_record_is():
    # A JSON document (a top-level array, a Telegram export) spans many lines: its items
    # are no line's.
    assert _where(["item 37"], 1, "line") == "item 37"
    assert _where(["item 3", "item 3 item 37"], 2, "line") == "item 3, item 37 of item 3"
    assert _where(["export/result.json:item 37"], 1, "line") == "item 37 of export/result.json"
    # A document in an archive read whole: the member.
    assert _where(["export/result.json:"], 1, "line") == "export/result.json"


# --- the preview shows every field the mapping fills -----------------------------------------

# One column for each part of a post; the people in it are invented.
FULL_COLUMNS = {
    "platform_id": "post id", "created_at": "posted at", "author_handle": "user name",
    "author_id": "user number", "text": "message", "url": "link", "lang": "language",
    "kind": "type", "reply_to": "in reply to", "hashtags": "tags", "mentions": "mentioned",
    "links": "links", "likes": "likes", "reposts": "retweets", "replies": "replies",
    "quotes": "quotes", "views": "views",
}  # fmt: skip
FULL_ROW = {
    "post id": "301", "posted at": "2026-03-01 10:00", "user name": "ana_example",
    "user number": "8675309001", "message": "Thanks @ben_example", "language": "pt",
    "link": "https://x.com/ana_example/status/301", "type": "reply", "in reply to": "299",
    "tags": "carers;respite", "mentioned": "ben_example", "links": "https://example.org/guide",
    "likes": "3", "retweets": "11", "replies": "7", "quotes": "5", "views": "4567",
}  # fmt: skip


def test_the_preview_shows_every_mapped_field_as_stored_and_no_handle(client, world, upload_dir):
    header = list(FULL_ROW)
    response = upload(
        client, world, SimpleUploadedFile("full.csv", table(header, [list(FULL_ROW.values())]))
    )
    form = {f"t1-{field}": column for field, column in FULL_COLUMNS.items()}
    response = client.post(response["Location"], {**form, "t1-platform": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (
        "Post id: </span>301<",
        "Language: </span>pt<",
        "Kind: </span>reply<",
        "Replied to: </span>299<",
        "Hashtags: </span>carers, respite<",
        "Links in the post: </span>https://example.org/guide<",
        "Likes: </span>3<",
        "Reposts, retweets or shares: </span>11<",
        "Replies: </span>7<",
        "Quotes: </span>5<",
        "Views: </span>4,567<",
        "Link to the post: </span>https://x.com/user-",
        "Mentioned people: </span>user-",
        "Author: </span>user-",
    ):
        assert shown in page, shown
    # The people in the row are shown only as pseudonyms, and their ids not at all.
    for identifier in ("ana_example", "ben_example", "8675309001"):
        assert identifier not in page, identifier

    # A field left out of the mapping is left out of the preview.
    del form["t1-views"], form["t1-lang"]
    page = client.post(response.request["PATH_INFO"], {**form, "t1-platform": "x"})
    page = page.content.decode()
    assert "Views: </span>" not in page and "Language: </span>" not in page
    assert "Replies: </span>7<" in page


def test_what_the_import_would_find_in_the_text_shows_when_it_finds_some(client, world, upload_dir):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    page = client.get(response["Location"]).content.decode()
    assert "Hashtags: </span>carers<" in page  # from "Thanks #carers"
    assert "Mentioned people: </span>user-" in page  # from "@ben_example"
    assert "Links in the post: </span>" not in page  # no link in any text: no column


def test_the_required_columns_are_marked_required_without_blocking_the_explanation(
    client, world, upload_dir
):
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    page = client.get(response["Location"]).content.decode()
    assert (
        '<select id="t1-platform_id" name="t1-platform_id" required aria-required="true">' in page
    )
    assert '<select id="t1-created_at" name="t1-created_at" required aria-required="true">' in page
    assert '<select id="t1-text" name="t1-text">' in page
    # The browser leaves checking to the server, which says what is missing in words.
    assert 'class="columns-form" novalidate' in page


# --- new posts and those already stored ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failed_upload_of_posts_already_stored_says_so(client, world, upload_dir):
    upload(client, world, SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()))
    call_command("worker", batch=True, interval=0)
    upload(
        client,
        world,
        SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes()),
        SimpleUploadedFile("notes.txt", b"Notes on the study, not posts.\n"),
    )
    call_command("worker", batch=True, interval=0)
    run = ImportRun.objects.order_by("pk").last()
    assert (run.status, run.imported, run.duplicates) == ("failed", 0, 4)

    page = client.get(reverse("import_report", args=[world.project.slug, run.pk])).content
    assert (
        "The other files were read to the end: 0 new posts stored (4 already stored)."
        in page.decode()
    )
    listing = client.get(reverse("import_upload", args=[world.project.slug])).content.decode()
    assert "failed, 0 new posts (4 already stored)" in listing
    assert "finished, 4 new posts <span" in listing  # none already stored: nothing added


def test_an_import_that_did_not_finish_says_what_it_stored_before(client, world):
    run = ImportRun.objects.create(
        project=world.project,
        created_by=world.analyst,
        label="big.jsonl",
        status=ImportRun.Status.FAILED,
        imported=3,
        duplicates=2,
        message="The server stopped during the import.",
    )
    client.force_login(world.analyst)
    page = client.get(reverse("import_report", args=[world.project.slug, run.pk])).content
    assert "The import did not finish" in page.decode()
    assert "Before the problem: 3 new posts stored (2 already stored). They are kept" in (
        page.decode()
    )


def test_the_report_page_says_places_of_this_and_earlier_versions_in_words(client, world):
    # Stored reports keep what each version wrote: line numbers, "member:line" and
    # "4 item 37" before items of a document were "item 37".
    files = [
        {"name": "old.jsonl", "format": "bluesky", "skipped": {"line is not valid JSON": 2},
         "skipped_lines": {"line is not valid JSON": [2, 5]}},
        {"name": "page.jsonl", "format": "mastodon", "skipped": {"odd status": 1},
         "skipped_lines": {"odd status": ["4 item 37"]}},
        {"name": "tweets.json", "format": "twitter_v1", "skipped": {"odd tweet": 1},
         "skipped_lines": {"odd tweet": ["item 3"]}},
        {"name": "export.zip", "format": "telegram", "skipped": {"odd message": 2},
         "skipped_lines": {"odd message": ["ChatExport/result.json:item 37", "a.json:3"]}},
    ]  # fmt: skip
    run = ImportRun.objects.create(
        project=world.project,
        created_by=world.analyst,
        label="four files",
        status=ImportRun.Status.DONE,
        report={"files": files},
    )
    client.force_login(world.analyst)
    page = client.get(reverse("import_report", args=[world.project.slug, run.pk])).content
    page = page.decode()
    assert "(lines 2, 5): line is not valid JSON" in page
    assert "(item 37 of line 4): odd status" in page
    assert "(item 3): odd tweet" in page
    assert "(item 37 of ChatExport/result.json, line 3 of a.json): odd message" in page


# --- times say their time zone ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("UTC", "28 Nov 2026 07:22 UTC"), ("Europe/Berlin", "28 Nov 2026 08:22 CET")],
)
def test_report_and_list_times_say_their_time_zone(
    client, world, settings, upload_dir, zone, shown
):
    settings.TIME_ZONE = zone
    run = ImportRun.objects.create(
        project=world.project,
        created_by=world.analyst,
        label="march.jsonl",
        status=ImportRun.Status.DONE,
        started_at=datetime(2026, 11, 28, 7, 22, tzinfo=UTC),
    )
    client.force_login(world.analyst)
    report = client.get(reverse("import_report", args=[world.project.slug, run.pk])).content
    assert f"Started {shown} by arun" in report.decode()
    listing = client.get(reverse("imports", args=[world.project.slug])).content.decode()
    assert f"Started </span>{shown}</td>" in listing


@pytest.mark.django_db(transaction=True)
def test_the_preview_shows_people_the_project_knows_as_the_import_stores_them(
    client, world, tmp_path, upload_dir
):
    # Known from an earlier import: her handle (by her id) and her display name.
    import_files(world.project, [renamed_person_files(tmp_path)[0]])
    text = f"Thank you @{QUILLA[1]} — Quilla Marrow, for the respite tips"
    rows = [["501", "2026-03-02 09:00", "bo-ex.bsky.social", text, "2", ""]]
    response = upload(client, world, SimpleUploadedFile("thanks.csv", table(TABLE_HEADER, rows)))
    form = {
        "t1-platform_id": "post id",
        "t1-created_at": "posted at",
        "t1-author_handle": "user name",
        "t1-text": "message",
        "t1-platform": "bluesky",
    }

    page = client.post(response["Location"], form).content.decode()

    quilla = pseudonym(world.project.secret_key, "bluesky", QUILLA[0])
    shown = f"Thank you @{quilla} — {quilla}, for the respite tips"
    assert escape(shown) in page
    assert "Quilla Marrow" not in page and QUILLA[1] not in page
    client.post(response["Location"], {**form, "action": "start"})
    call_command("worker", batch=True, interval=0)
    assert Post.objects.get(platform_id="501").text == shown


def test_the_preview_dates_say_their_time_zone(client, world, settings, upload_dir):
    settings.TIME_ZONE = "Europe/Berlin"
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    page = client.get(response["Location"]).content.decode()
    assert "1 Mar 2026 11:00 CET" in page  # 10:00 in the file, without a zone: UTC


def test_the_report_says_how_often_a_note_applies_and_on_which_lines(client, world):
    note = "date before 2000 or in the future (after 2026-11-29): kept as given"
    run = ImportRun.objects.create(
        project=world.project, label="carers.jsonl", status=ImportRun.Status.DONE,
        report={"files": [
            {"name": "carers.jsonl", "format": "bluesky", "warnings": {note: 2, "odd": 1},
             "warning_lines": {note: [4, 9]}},
        ]},
    )  # fmt: skip
    client.force_login(world.viewer)
    page = client.get(reverse("import_report", args=[world.project.slug, run.pk])).content.decode()
    assert f"<li><strong>2</strong> times (lines 4, 9): {note}.</li>" in page
    assert "<li><strong>1</strong> time: odd.</li>" in page
    assert "×" not in page


def test_the_column_step_says_at_once_that_a_table_has_no_rows(client, world, upload_dir):
    # It said "None of the first rows can be imported with this mapping" and let the
    # import start, which failed and offered to try the same table again.
    data = table(TABLE_HEADER, [["", "", "", "", "", ""]])
    response = upload(client, world, SimpleUploadedFile("carers.csv", data))
    page = client.get(response["Location"]).content.decode()
    assert "The table has no rows below its column names: there is nothing in it to import." in page
    assert "None of the first rows" not in page
    assert "Import with these columns" not in page
    response = client.post(response["Location"], {"action": "start"})
    assert not ImportRun.objects.exists()


def test_a_json_file_taken_for_a_table_says_so_on_the_column_step(client, world, upload_dir):
    # With "Table" chosen for a Bluesky file, the column step said its first row looked
    # like a post and to add a row of column names at the top.
    client.force_login(world.analyst)
    response = client.post(
        reverse("import_upload", args=[world.project.slug]),
        {"files": [SimpleUploadedFile("search.jsonl", BLUESKY.read_bytes())], "format": "table"},
    )
    page = client.get(response["Location"]).content.decode()
    assert (
        "This file is not a table: it holds Bluesky API responses (searchPosts, getAuthorFeed, "
        "getPostThread). Cancel, then upload it again with the format “Detect automatically”."
    ) in page
    assert "Add a row of column names" not in page
    assert "Import with these columns" not in page


def test_a_preview_update_for_files_gone_moves_the_page_and_says_why(client, world, upload_dir):
    # Cancelled in another tab: the next change of a column emptied the preview, silently.
    response = upload(
        client, world, SimpleUploadedFile("carers.csv", table(TABLE_HEADER, TABLE_ROWS))
    )
    columns_url = response["Location"]
    client.post(columns_url, {"action": "cancel"})
    response = client.post(columns_url, {"t1-text": ""}, HTTP_HX_REQUEST="true")
    upload_page = reverse("import_upload", args=[world.project.slug])
    assert response.status_code == 200 and response["HX-Redirect"] == upload_page
    page = client.get(upload_page).content.decode()
    assert "Those uploaded files are gone: they were imported or cancelled." in page


def test_the_column_step_says_why_a_table_cannot_be_read(client, world, upload_dir):
    junk = SimpleUploadedFile("carers.csv", bytes(range(256)) * 8)
    response = upload(client, world, junk)
    page = client.get(response["Location"]).content.decode()
    assert "not a text table" in page and "binary data" in page
    assert "Cancel, then upload the other files without it." in page
