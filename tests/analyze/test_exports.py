"""Exports re-read field by field: NDJSON, CSV (as a spreadsheet would read it), XLSX, Parquet, ids, networks."""

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import networkx as nx
import orjson
import pyarrow.parquet as pq
import pytest
from django.test import Client
from openpyxl import load_workbook

from socialgood.analyze.exports import COLUMNS, flat_row, write_zip
from socialgood.analyze.filters import posts_for
from socialgood.jobs.models import Job
from socialgood.projects.models import ApiToken, AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def spreadsheet_cell(text):
    """What a spreadsheet makes of a CSV cell: numbers keep 15 significant digits, as in Excel."""
    if NUMBER.match(text.strip()):
        return float(f"{float(text):.15g}")
    return text


def export(world, tmp_path, formats, params=None):
    path = tmp_path / "export.zip"
    posts = posts_for(world.project, params or {})
    write_zip(
        path,
        world.project,
        posts,
        formats,
        label="Test set",
        filters=params or {},
        user=world.analyst,
    )
    return zipfile.ZipFile(path)


def test_the_reason_ids_need_protecting():
    assert (
        spreadsheet_cell("1790000000000000123") == 1790000000000000000
    )  # the last digits are lost


def test_csv_keeps_long_ids_exact_in_a_spreadsheet_and_defuses_formulas(world, sample, tmp_path):
    archive = export(world, tmp_path, ["csv"])
    raw = archive.read("posts.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, so Excel reads umlauts right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    cells = {row["id"]: {k: spreadsheet_cell(v) for k, v in row.items()} for row in rows}
    x_post = cells["x:1790000000000000123"]
    assert x_post["id"] == "x:1790000000000000123"
    assert x_post["quote_of"] == "x:1790000000000000001"
    assert x_post["text"] == "'=SUM(A1) great news for carers! #carers"  # not a formula
    assert x_post["likes"] == 40
    german = cells[f"mastodon:{sample.p4.platform_id}"]
    assert german["text"] == "Pflegende Angehörige brauchen Entlastung #pflege #carers"
    reply = cells[f"bluesky:{sample.p2.platform_id}"]
    assert (
        reply["reply_to"] == f"bluesky:{sample.p1.platform_id}" and reply["mentions"] == "user-ann"
    )
    assert list(rows[0]) == list(COLUMNS)


def test_every_format_agrees_with_the_common_model_field_by_field(world, sample, tmp_path):
    archive = export(world, tmp_path, ["ndjson", "csv", "xlsx", "parquet"])
    records = [orjson.loads(line) for line in archive.read("posts.ndjson").splitlines()]
    assert len(records) == 6
    by_id = {f"{r['platform']}:{r['platform_id']}": r for r in records}
    p3 = by_id[f"mastodon:{sample.p3.platform_id}"]
    assert p3["author"] == "user-cat" and p3["hashtags"] == ["carers", "kinship", "respite"]
    assert p3["media"][0]["alt_text"] == "A kitchen table with letters"
    expected = {key: flat_row(record) for key, record in by_id.items()}

    csv_rows = list(csv.DictReader(io.StringIO(archive.read("posts.csv").decode("utf-8-sig"))))
    for row in csv_rows:
        want = expected[row["id"]]
        for column in COLUMNS:
            value = "" if want[column] is None else str(want[column])
            value = "'" + value if value[:1] in ("=", "+", "-", "@") else value
            assert row[column] == value, column

    sheet = load_workbook(io.BytesIO(archive.read("posts.xlsx")))["posts"]
    header, *lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(header) == COLUMNS
    for line in lines:
        row = dict(zip(COLUMNS, line, strict=True))
        want = expected[row["id"]]
        for column in COLUMNS:
            value = want[column]
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                value = "'" + value
            assert row[column] == (value if value != "" else None), column
    id_cells = {cell.value: cell.data_type for cell in sheet["A"]}
    assert id_cells["x:1790000000000000123"] == "s"  # a text cell

    table = pq.read_table(io.BytesIO(archive.read("posts.parquet"))).to_pylist()
    assert len(table) == 6
    for row in table:
        want = expected[row["id"]]
        assert row["created_at"].isoformat().replace("+00:00", "Z") == want["created_at"]
        for column in COLUMNS:
            if column != "created_at":
                assert row[column] == want[column], column


def test_ids_lists_networks_and_the_data_statement(world, sample, tmp_path):
    archive = export(world, tmp_path, ["ids", "network"], {"hashtag": ["carers"]})
    assert archive.read("ids-x.txt") == b"1790000000000000123\n"
    assert archive.read("ids-bluesky.txt").decode().splitlines() == [
        sample.p1.platform_id,
        sample.p2.platform_id,
    ]
    graph = nx.read_gexf(io.BytesIO(archive.read("networks/hashtags.gexf")))
    assert graph["carers"]["respite"]["weight"] == 2
    assert nx.read_graphml(io.BytesIO(archive.read("networks/mentions.graphml"))).has_edge(
        "user-ben", "user-ann"
    )
    readme = archive.read("README.txt").decode()
    assert "Posts: 5 from the set “Test set”." in readme
    assert '{"hashtag":["carers"]}' in readme and "IRB-2026-014" in readme
    assert "pseudonyms" in readme and "Raw platform payloads are never exported" in readme
    assert "bluesky (2), mastodon (2), x (1)" in readme
    assert "2024-03-01T10:00:00Z and 2024-03-03T18:40:00Z" in readme
    assert "posts.ndjson" not in archive.namelist()
    statement = archive.read("DATA_STATEMENT.md").decode()
    assert "subset “Test set”" in statement and "IRB-2026-014" in statement


def test_export_page_runs_a_job_and_the_download_is_audited(world, sample):
    client = Client()
    client.login(username="arun", password=PASSWORD)
    url = f"/p/{world.project.slug}/exports/?hashtag=respite"
    client.post(url, {"formats": ["csv", "xlsx"]})
    job = Job.objects.get(kind="analyze.export")
    assert job.params["filters"] == {"hashtag": ["respite"]} and job.params["formats"] == [
        "csv",
        "xlsx",
    ]
    job.run()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["posts"] == 2
    page = client.get(url).content.decode()
    assert "Download (2 posts" in page
    response = client.get(f"/p/{world.project.slug}/exports/{job.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "DATA_STATEMENT.md",
        "README.txt",
        "posts.csv",
        "posts.xlsx",
    ]
    event = AuditEvent.objects.filter(action="export.download", actor=world.analyst).first()
    assert event.details["job"] == job.pk and event.details["posts"] == 2
    viewer = Client()
    viewer.login(username="vera", password=PASSWORD)
    assert viewer.get(f"/p/{world.project.slug}/exports/{job.pk}/download/").status_code == 403
    assert viewer.post(url, {"formats": ["csv"]}).status_code == 403


def test_export_api_starts_reports_and_serves_the_zip(world, sample):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.create_for(world.analyst)}")
    base = f"/api/projects/{world.project.slug}/exports"
    started = client.post(
        base, {"formats": ["ndjson"], "params": {"lang": "de"}}, content_type="application/json"
    )
    assert started.status_code == 202 and started.json()["status"] == "queued"
    Job.objects.get(pk=started.json()["id"]).run()
    status = client.get(f"{base}/{started.json()['id']}").json()
    assert status["status"] == "succeeded" and status["posts"] == 1
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(client.get(status["download"]).streaming_content))
    )
    assert orjson.loads(archive.read("posts.ndjson"))["lang"] == "de"
    assert (
        client.post(base, {"formats": ["pdf"]}, content_type="application/json").status_code == 422
    )


def test_xlsx_continues_in_more_sheets_past_excels_row_limit(world, sample, tmp_path, monkeypatch):
    from socialgood.analyze import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # a header and two posts per sheet
    archive = export(world, tmp_path, ["xlsx"])
    workbook = load_workbook(io.BytesIO(archive.read("posts.xlsx")))
    assert workbook.sheetnames == ["posts", "posts (2)", "posts (3)"]
    ids = []
    for sheet in workbook:
        header, *lines = list(sheet.iter_rows(values_only=True))
        assert header == COLUMNS and len(lines) == 2
        ids += [line[0] for line in lines]
    assert len(set(ids)) == 6  # every post once
    assert "continue in the sheets" in archive.read("README.txt").decode()


def test_the_list_of_exports_says_the_time_zone_of_its_times(world, sample):
    client = Client()
    client.login(username="arun", password=PASSWORD)
    url = f"/p/{world.project.slug}/exports/"
    client.post(url, {"formats": ["csv"]})
    Job.objects.filter(kind="analyze.export").update(
        created_at=datetime(2026, 11, 27, 14, 5, tzinfo=UTC)
    )
    assert "<td>27 Nov 2026 14:05 UTC</td>" in client.get(url).content.decode()
