"""`socialgood import` and `socialgood export` as a researcher runs them."""

import io
import json
import os
import signal
import zipfile

import msgspec
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from socialgood.collect import imports
from socialgood.collect.models import ColumnMapping, ImportRun, PersonDirectory, Post
from socialgood.projects.models import Project
from tests.collect.conftest import FIXTURES, bluesky_file, interrupt_storing


def run(*args):
    out = io.StringIO()
    call_command("import", *[str(arg) for arg in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_importing_into_a_new_project_creates_it_for_the_owner(world, tmp_path):
    report = tmp_path / "report.json"
    output = run(
        FIXTURES / "bluesky/search.jsonl",
        "--project",
        "carers-study",
        "--owner",
        "olive",
        "--report",
        report,
    )

    project = Project.objects.get(slug="carers-study")
    assert project.role_of(world.owner) == "owner"
    assert "4 new posts, 0 already stored, 0 records skipped" in output
    written = json.loads(report.read_text())
    assert written["imported"] == 4 and written["status"] == "done"
    assert written["files"][0]["format"] == "bluesky" and len(written["files"][0]["sha256"]) == 64

    again = run(FIXTURES / "bluesky/search.jsonl", "--project", "carers-study")
    assert "0 new posts, 4 already stored" in again


def test_a_new_project_goes_to_the_first_superuser_and_needs_someone(db, tmp_path):
    with pytest.raises(CommandError, match="createsuperuser"):
        run(FIXTURES / "bluesky/search.jsonl", "--project", "study")
    assert not Project.objects.exists()

    admin = get_user_model().objects.create_superuser("ada", password="x-long-password")
    run(FIXTURES / "bluesky/search.jsonl", "--project", "study")
    assert Project.objects.get(slug="study").role_of(admin) == "owner"


def test_an_unknown_owner_is_refused(db):
    with pytest.raises(CommandError, match="no user “nobody”"):
        run(FIXTURES / "bluesky/search.jsonl", "--project", "study", "--owner", "nobody")


def test_unreadable_input_exits_non_zero_and_keeps_the_good_files(world, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 10)

    with pytest.raises(CommandError, match="junk.bin: This file is not JSON") as failure:
        run(FIXTURES / "bluesky/search.jsonl", junk, "--project", world.project.slug)

    assert failure.value.returncode == 1
    assert Post.objects.filter(project=world.project).count() == 4
    assert ImportRun.objects.get().status == "failed"


def test_damaged_lines_exit_non_zero_after_importing_the_rest(world, tmp_path):
    path = bluesky_file(tmp_path / "posts.jsonl", range(5))
    path.write_bytes(path.read_bytes() + b'{"posts": [{"uri": "at://cut')

    out = io.StringIO()
    with pytest.raises(CommandError, match="could not be read: 1 line, row or file") as failure:
        call_command("import", str(path), "--project", world.project.slug, stdout=out)

    assert failure.value.returncode == 2
    assert "skipped 1: last line is cut off (incomplete file?) (line 2)" in out.getvalue()
    assert Post.objects.filter(project=world.project).count() == 5


def test_an_enormous_record_of_a_document_exits_non_zero_after_the_records_before_it(
    world, tmp_path, monkeypatch
):
    monkeypatch.setattr(imports, "READ_LIMITS", {"max_item_bytes": 200_000})
    pages = [json.loads(line) for line in bluesky_file(tmp_path / "p.jsonl", range(5)).open()]
    huge = {"posts": [{"text": "x" * 2**20}]}
    path = tmp_path / "responses.json"  # API responses saved as one pretty-printed array
    path.write_text(json.dumps([*pages, huge, *pages], indent=1))

    out = io.StringIO()
    with pytest.raises(CommandError, match="could not be read: 1 line") as failure:
        call_command("import", str(path), "--project", world.project.slug, stdout=out)

    assert failure.value.returncode == 2
    assert "skipped 1: record longer than 195.3 KB, longer than any real post" in out.getvalue()
    assert "(item 2)" in out.getvalue()
    assert Post.objects.filter(project=world.project).count() == 5


def test_a_file_that_starts_with_many_empty_pages_or_errors_is_still_read(world, tmp_path):
    # A collector that polled a quiet timeline, or was refused for a while at first,
    # before the posts came: the file was said to hold no posts at all.
    timeline = (FIXTURES / "mastodon/timeline.jsonl").read_text()
    refused = json.dumps({"error": "Too many requests"})
    for start, said in [("[]\n" * 10, "0 records skipped"), (f"{refused}\n" * 10, "(lines 1, 2")]:
        path = tmp_path / "timeline.jsonl"
        path.write_text(start + timeline)

        output = run(path, "--project", world.project.slug)

        assert said in output
        assert Post.objects.filter(project=world.project).count() == 5


@pytest.mark.parametrize(
    "fixture, count, posts",
    [
        ("twarc2/search.jsonl", '"like_count": 10', 5),
        ("bluesky/search.jsonl", '"likeCount": 5', 4),
        ("mastodon/timeline.jsonl", '"favourites_count": 4', 5),
    ],
)
def test_a_count_that_is_no_number_leaves_out_the_count_not_the_post(
    world, tmp_path, fixture, count, posts
):
    # A tool that wrote "1.2K" or "" for a count: the whole post was left out, and
    # said as "a number written as text" without its line.
    path = tmp_path / "posts.jsonl"
    text = (FIXTURES / fixture).read_text()
    assert count in text
    path.write_text(text.replace(count, count.partition(":")[0] + ': "1.2K"'))

    output = run(path, "--project", world.project.slug)

    assert "value of the wrong type" not in output
    assert Post.objects.filter(project=world.project).count() == posts


def test_a_count_too_large_to_be_one_leaves_out_the_count_not_the_post(world, tmp_path):
    # Far past what a count can be (2**70): the reader failed on it, ending the import.
    path = tmp_path / "posts.jsonl"
    text = (FIXTURES / "bluesky/search.jsonl").read_text()
    path.write_text(text.replace('"likeCount": 5', '"likeCount": 1180591620717411303424'))

    output = run(path, "--project", world.project.slug)

    assert "4 new posts, 0 already stored, 0 records skipped" in output


@pytest.mark.parametrize(
    "name, content",
    [
        ("posts.csv", "id,text,created_at,likes\n1,hi,2023-01-01,{}\n2,bye,2023-01-02,3\n"),
        # X archives write counts as text
        ("tweets.json", (FIXTURES / "twitter_v1/tweets.json").read_text()),
    ],
)
def test_a_count_too_large_written_as_text_leaves_out_the_count(world, tmp_path, name, content):
    path = tmp_path / name
    huge = "1180591620717411303424"
    if name == "tweets.json":
        tweets = json.loads(content)
        tweets[0]["favorite_count"] = huge
        content = json.dumps(tweets)
    path.write_text(content.replace("{}", huge))

    run(path, "--project", world.project.slug)

    assert Post.objects.filter(project=world.project).count() > 1
    assert huge not in str(list(Post.objects.values_list("metrics", flat=True)))


@pytest.mark.parametrize("ratio", ["1.5e300", "-3"])
def test_a_reddit_upvote_ratio_that_is_no_share_is_left_out_not_the_post(world, tmp_path, ratio):
    path = tmp_path / "RS.ndjson"
    text = (FIXTURES / "reddit/RS_2026-01.ndjson").read_text()
    assert '"upvote_ratio": 0.93' in text
    path.write_text(text.replace('"upvote_ratio": 0.93', f'"upvote_ratio": {ratio}'))

    output = run(path, "--project", world.project.slug)

    assert "2 new posts, 0 already stored, 0 records skipped" in output


@pytest.mark.skipif(not imports.READ_IN_CHILD_PROCESS, reason="the reader runs in-process")
def test_a_post_the_reader_cannot_send_is_left_out_and_the_rest_stored(
    world, tmp_path, monkeypatch
):
    # As a parser that let a number past 2**64 through did: the reader failed, and the
    # import ended as "a fault of socialgood's" with nothing stored.
    from socialgood.platforms.model import Metrics
    from socialgood.privacy.pseudonyms import Pseudonymiser

    apply = Pseudonymiser.apply

    def damaged(self, post):
        post = apply(self, post)
        if post.platform_id.endswith("3"):
            return msgspec.structs.replace(post, metrics=Metrics(likes=2**70))
        return post

    monkeypatch.setattr(Pseudonymiser, "apply", damaged)
    path = bluesky_file(tmp_path / "posts.jsonl", range(1, 6))

    output = run(path, "--project", world.project.slug)

    assert "4 new posts" in output
    assert "skipped 1: post with a value of the wrong type" in output


def test_counts_whose_sum_is_too_large_to_store_are_left_out(world, tmp_path):
    path = tmp_path / "posts.jsonl"
    text = (FIXTURES / "bluesky/search.jsonl").read_text()
    largest = str(2**63 - 1)
    for count in ('"likeCount": 5', '"repostCount": 2'):
        assert count in text
        text = text.replace(count, count.partition(":")[0] + ": " + largest, 1)
    path.write_text(text)

    output = run(path, "--project", world.project.slug)

    assert "4 new posts, 0 already stored, 0 records skipped" in output


def test_a_count_written_as_a_whole_decimal_is_kept(world, tmp_path):
    # pandas writes a column of counts with a gap in it as decimals: 10.0.
    path = tmp_path / "posts.jsonl"
    text = (FIXTURES / "twarc2/search.jsonl").read_text()
    path.write_text(text.replace('"like_count": 10', '"like_count": 10.0'))

    run(path, "--project", world.project.slug)

    assert 10 in [post.metrics.get("likes") for post in Post.objects.all()]


def test_a_skipped_status_of_a_page_is_said_with_its_line_and_place(world, tmp_path):
    page = json.loads((FIXTURES / "mastodon/timeline.jsonl").read_text().splitlines()[0])
    page[2]["created_at"] = "someday"
    path = tmp_path / "timeline.jsonl"
    path.write_text(json.dumps(page) + "\n")

    output = run(path, "--project", world.project.slug)

    assert "skipped 1: Mastodon: status without a usable date (item 3 of line 1)" in output


def test_a_skipped_tweet_of_a_document_is_said_by_its_item_not_a_line(world, tmp_path):
    tweets = json.loads((FIXTURES / "twitter_v1/tweets.json").read_text())
    tweets[2]["created_at"] = "someday"
    path = tmp_path / "tweets.json"
    path.write_text(json.dumps(tweets, indent=2))  # a tweet over dozens of lines

    output = run(path, "--project", world.project.slug)

    assert "skipped 1: X: tweet without a usable date (item 3)" in output


def test_a_damaged_archive_member_is_named_and_the_failure_said_once(world, tmp_path):
    archive = tmp_path / "folder.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(FIXTURES / "bluesky/search.jsonl", "folder/posts.jsonl")
        zf.writestr("folder/notes.dat", b"\x00\x01 not JSON")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import", str(archive), "--project", world.project.slug, stdout=out, stderr=err
        )
    assert "(folder/notes.dat)" in out.getvalue()
    assert err.getvalue() == ""  # the reason is said once, by the error that ends the command


def test_missing_files_and_unknown_formats_are_refused_plainly(world, tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        run(tmp_path / "nope.jsonl", "--project", world.project.slug)
    with pytest.raises(CommandError, match="Unknown format “instagram-dm”"):
        run(
            FIXTURES / "bluesky/search.jsonl",
            "--project",
            world.project.slug,
            "--format",
            "instagram-dm",
        )
    with pytest.raises(CommandError, match="FIELD=COLUMN"):
        run(FIXTURES / "bluesky/search.jsonl", "--project", world.project.slug, "--map", "text")


def test_a_table_uses_the_given_mapping_explains_it_and_remembers_it(world, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Tweet Id,Posted,Tweet,Who\n9001,2026-01-02T10:00:00Z,Caring is work #carers,rowan_sw\n"
    )

    output = run(
        path, "--project", world.project.slug, "--platform", "x",
        "--map", "platform_id=Tweet Id", "--map", "created_at=Posted", "--map", "text=Tweet", "--map", "author_handle=Who",
    )  # fmt: skip

    assert "as given with --map" in output and "text           ← Tweet" in output
    assert "1 new post," in output
    remembered = ColumnMapping.objects.get(project=world.project)
    assert remembered.mapping["text"] == "Tweet" and remembered.platform == "x"

    path.write_text("Tweet Id,Posted,Tweet,Who\n9002,2026-01-02T11:00:00Z,Second one,maple\n")
    output = run(path, "--project", world.project.slug)
    assert "remembered from an earlier table" in output
    assert Post.objects.get(platform_id="9002").platform == "x"


def test_the_order_of_day_and_month_can_be_given(world, tmp_path):
    table = tmp_path / "us.csv"
    table.write_text("id,text,date\n1,hello,03/04/2026 10:00\n2,hi,05/06/2026 11:00\n")
    output = run(table, "--project", world.project.slug, "--dates", "month-first")
    assert "Dates like 03/04/2026 are read month first" in output
    dates = Post.objects.order_by("platform_id").values_list("created_at", flat=True)
    assert [moment.date().isoformat() for moment in dates] == ["2026-03-04", "2026-05-06"]

    # The next table with these columns is read the same way without being told again.
    later = tmp_path / "us-later.csv"
    later.write_text("id,text,date\n3,hello,07/08/2026 10:00\n")
    assert "read month first" in run(later, "--project", world.project.slug)
    assert Post.objects.get(platform_id="3").created_at.date().isoformat() == "2026-07-08"


def test_a_guessed_mapping_is_printed(world, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("id,created_at,text\n1,2026-01-02 10:00,hello\n")

    output = run(path, "--project", world.project.slug)

    assert "guessed from the column names" in output and "platform_id    ← id" in output


def test_a_folder_or_a_missing_file_is_refused_plainly(world, tmp_path):
    with pytest.raises(CommandError, match="is a folder: name the files in it"):
        run(tmp_path, "--project", world.project.slug)
    with pytest.raises(CommandError, match="There is no file"):
        run(tmp_path / "posts.jsonl", "--project", world.project.slug)
    assert not ImportRun.objects.exists()


def test_a_pipe_or_a_device_is_refused_as_what_it_is_not_as_missing(world, tmp_path):
    # Reading one would wait for a writer that never comes, or never end (/dev/zero).
    fifo = tmp_path / "posts.jsonl"
    os.mkfifo(fifo)
    device = tmp_path / "zero.jsonl"
    device.symlink_to("/dev/zero")
    for path in (fifo, device):
        with pytest.raises(CommandError, match="is not a file but a pipe or a device"):
            run(path, "--project", world.project.slug)
    assert not ImportRun.objects.exists()


def test_a_report_that_could_not_be_written_is_refused_before_importing(world, tmp_path):
    with pytest.raises(CommandError, match="Can't write the report to .*no such folder"):
        run(
            FIXTURES / "mastodon/timeline.jsonl",
            "--project",
            world.project.slug,
            "--report",
            tmp_path / "missing" / "report.json",
        )
    assert not Post.objects.exists() and not ImportRun.objects.exists()


def test_export_command_writes_the_file_and_refuses_unknown_projects(world, tmp_path):
    run(FIXTURES / "mastodon/timeline.jsonl", "--project", world.project.slug)
    out = tmp_path / "posts.ndjson"
    stdout = io.StringIO()

    call_command(
        "export",
        "--project",
        world.project.slug,
        "--format",
        "ndjson",
        "--out",
        str(out),
        stdout=stdout,
    )

    assert "Wrote 5 posts" in stdout.getvalue()
    assert len(out.read_text().splitlines()) == 5
    with pytest.raises(CommandError, match="no project “missing”"):
        call_command("export", "--project", "missing", "--out", str(out))


def test_help_names_every_format_platform_and_table_field(capsys, monkeypatch):
    from socialgood.platforms import FORMATS, tabular
    from socialgood.platforms.model import PLATFORMS

    monkeypatch.setenv("COLUMNS", "2000")  # no line breaks, which argparse puts at hyphens
    with pytest.raises(SystemExit):
        call_command("import", "--help")
    help_text = capsys.readouterr().out
    for name in [*FORMATS, "csv", "xlsx", *PLATFORMS, *tabular.FIELDS]:
        assert name in help_text


def test_an_export_that_cannot_be_finished_leaves_the_old_file_alone(world, tmp_path, monkeypatch):
    from socialgood.collect import export

    run(FIXTURES / "mastodon/timeline.jsonl", "--project", world.project.slug)
    with pytest.raises(CommandError, match="Can't write .*: No such file or directory."):
        call_command("export", "--project", world.project.slug, "--out", tmp_path / "no/x.nd")
    with pytest.raises(CommandError, match="is a folder: give a file name"):
        call_command("export", "--project", world.project.slug, "--out", tmp_path)

    out = tmp_path / "posts.ndjson"
    out.write_text("yesterday's export\n")

    records = export._records

    def disk_full(rows):
        yield from records(rows)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_records", disk_full)
    with pytest.raises(CommandError, match="No space left on device"):
        call_command("export", "--project", world.project.slug, "--out", str(out))
    assert out.read_text() == "yesterday's export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["posts.ndjson"]


def test_a_table_cell_longer_than_csv_allows_is_imported_whole(world, tmp_path):
    long_text = "Our story, told at length. " * 8_000  # 216,000 characters
    path = tmp_path / "long.csv"
    path.write_text(
        "id,date,text\n1,2026-01-01T10:00:00Z,hello\n"
        f'2,2026-01-01T11:00:00Z,"{long_text}"\n3,2026-01-01T12:00:00Z,bye\n'
    )
    assert "3 new posts" in run(path, "--project", world.project.slug)
    assert Post.objects.get(platform_id="2").text == long_text.strip()


def test_an_unreadable_table_row_is_skipped_and_the_rows_around_it_kept(
    world, tmp_path, monkeypatch
):
    from socialgood.platforms import tabular

    monkeypatch.setattr(tabular, "MAX_CELL_CHARS", 1_000)
    path = tmp_path / "long.csv"
    path.write_text(
        "id,date,text\n1,2026-01-01T10:00:00Z,hello\n"
        f"2,2026-01-01T11:00:00Z,{'x' * 2_000}\n3,2026-01-01T12:00:00Z,bye\n"
    )
    with pytest.raises(CommandError, match="damaged") as stopped:
        run(path, "--project", world.project.slug)
    assert stopped.value.returncode == 2
    assert sorted(Post.objects.values_list("platform_id", flat=True)) == ["1", "3"]
    assert ImportRun.objects.get().report["skipped_lines"][tabular.UNREADABLE_ROW] == ["long.csv:3"]


def test_a_quote_never_closed_does_not_swallow_the_rest_of_the_table(world, tmp_path):
    from socialgood.platforms import tabular

    rows = [f"{n},2026-01-{n % 28 + 1:02d}T10:00:00Z,post {n}" for n in range(1, 101)]
    rows[9] = '10,2026-01-11T10:00:00Z,"unterminated quote starts here'
    path = tmp_path / "quote.csv"
    path.write_text("id,date,text\n" + "\n".join(rows) + "\n")
    with pytest.raises(CommandError, match="damaged"):
        run(path, "--project", world.project.slug)
    assert Post.objects.count() == 99  # all but row 11 (the one with the open quote)
    assert ImportRun.objects.get().report["skipped_lines"][tabular.UNCLOSED_QUOTE] == [
        "quote.csv:11"
    ]


@pytest.mark.parametrize("damage", ["not a workbook", "cut in half", "no workbook part"])
def test_a_damaged_workbook_is_explained(world, tmp_path, damage):
    import openpyxl

    path = tmp_path / "posts.xlsx"
    if damage == "not a workbook":
        path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    elif damage == "no workbook part":
        # Its list of parts names no workbook: openpyxl says so with an OSError.
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
    else:
        workbook = openpyxl.Workbook()
        workbook.active.append(["id", "date", "text"])
        for n in range(2_000):
            workbook.active.append([n, "2026-01-01T10:00:00Z", f"post {n}"])
        workbook.save(path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CommandError, match="can't be read as an Excel workbook"):
        run(path, "--project", world.project.slug)
    assert not Post.objects.exists()


@pytest.mark.parametrize("name, forced", [("posts.jsonl", "csv"), ("posts.csv", None)])
def test_json_read_as_a_table_is_said_to_be_json(world, tmp_path, name, forced):
    path = tmp_path / name
    path.write_bytes((FIXTURES / "bluesky/search.jsonl").read_bytes())
    with pytest.raises(CommandError, match="This file holds JSON, not a table"):
        run(path, "--project", world.project.slug, *(["--format", forced] if forced else []))
    assert not Post.objects.exists()


def test_a_table_without_a_header_row_is_refused_and_its_first_post_not_stored(world, tmp_path):
    path = tmp_path / "headerless.csv"
    path.write_text(
        "1001,2026-01-02 10:00,zq_marlow_77,Hello from Quilla\n1002,2026-01-02 11:00,b,Hi\n"
    )
    with pytest.raises(CommandError, match="first row looks like a post, not column names"):
        run(path, "--project", world.project.slug, "--map", "platform_id=1001",
            "--map", "created_at=2026-01-02 10:00", "--map", "author_handle=zq_marlow_77")  # fmt: skip
    assert not ColumnMapping.objects.exists()
    assert "zq_marlow_77" not in json.dumps(list(ImportRun.objects.values("report", "message")))


def test_ctrl_c_while_the_command_starts_says_so_without_a_traceback(monkeypatch, capsys):
    from socialgood import cli

    def loading(argv):
        raise KeyboardInterrupt  # as in Django's setup, before any command runs

    monkeypatch.setattr("django.core.management.execute_from_command_line", loading)
    with pytest.raises(SystemExit) as ended:
        try:
            cli.main(["socialgood", "import", "posts.jsonl", "--project", "study"])
        except KeyboardInterrupt:
            pytest.fail("Ctrl-C reached people as a traceback")
    assert ended.value.code == 130
    assert capsys.readouterr().err == "Interrupted.\n"


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_still_writes_its_report(world, tmp_path, monkeypatch, small_batches):
    path = bluesky_file(tmp_path / "posts.jsonl", range(45))
    interrupt_storing(monkeypatch, on_batch=2)
    report = tmp_path / "report.json"
    with pytest.raises(CommandError, match="Interrupted") as stopped:
        run(path, "--project", world.project.slug, "--report", report)
    assert stopped.value.returncode == 130
    written = json.loads(report.read_text())
    assert written["interrupted"] is True and written["imported"] == small_batches


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_an_import_told_to_stop_or_whose_terminal_closes_ends_as_by_ctrl_c(
    world, tmp_path, monkeypatch, small_batches, stop
):
    # `kill` and `timeout` send SIGTERM, closing the terminal window SIGHUP: the run was
    # left "running" for good, and the people of the posts stored so far unsaved.
    before = signal.signal(stop, lambda number, frame: None)  # not pytest's end, unfixed
    try:
        path = bluesky_file(tmp_path / "posts.jsonl", range(45))
        store = imports.ingest.store_posts
        calls = []

        def stopped_on_the_second_batch(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                os.kill(os.getpid(), stop)
            return store(*args, **kwargs)

        monkeypatch.setattr(imports.ingest, "store_posts", stopped_on_the_second_batch)
        with pytest.raises(CommandError, match="Interrupted") as stopped:
            run(path, "--project", world.project.slug)
    finally:
        signal.signal(stop, before)
    assert stopped.value.returncode == 130
    run_record = ImportRun.objects.get()
    assert run_record.status == "failed" and run_record.report["interrupted"] is True
    assert run_record.imported == Post.objects.count() == small_batches
    assert PersonDirectory.objects.filter(project=world.project).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not imports.READ_IN_CHILD_PROCESS, reason="the reader runs in-process")
def test_a_reader_that_dies_ends_the_command_with_a_plain_message(world, tmp_path, monkeypatch):
    # As when the system stops the reader for want of memory: it ends without a word.
    def killed(*args):
        os._exit(1)
        yield

    monkeypatch.setattr(imports, "read_files", killed)
    path = bluesky_file(tmp_path / "posts.jsonl", range(3))
    with pytest.raises(CommandError, match="stopped unexpectedly") as failure:
        run(path, "--project", world.project.slug)

    assert "run the same command again" in str(failure.value)
    assert failure.value.returncode == 1
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED
    monkeypatch.undo()
    run(path, "--project", world.project.slug)
    assert Post.objects.filter(project=world.project).count() == 3


def test_a_note_says_how_often_and_on_which_lines(world, tmp_path):
    path = bluesky_file(tmp_path / "posts.jsonl", range(3), per_page=1)
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"createdAt": "20', '"createdAt": "19', 1)
    path.write_text("\n".join(lines) + "\n")

    out = run(path, "--project", world.project.slug)

    assert "3 new posts" in out
    (note,) = [line for line in out.splitlines() if "note" in line]
    assert note.startswith("  posts.jsonl: note (1 time): date before 2000")
    assert note.endswith("(line 2)")
