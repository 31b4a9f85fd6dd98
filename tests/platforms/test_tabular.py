import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialgood.platforms import files, tabular
from socialgood.platforms.files import UnreadableFile
from socialgood.platforms.report import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tabular"
X_EXPORT = FIXTURES / "x_export_semicolon_bom.csv"
WINDOWS = FIXTURES / "windows1252.csv"
LOST = "id stored as a number with digits lost (format the id column as text)"

X_MAPPING = {
    "platform_id": "Tweet ID",
    "text": "Text",
    "created_at": "Created At",
    "author_handle": "Username",
    "author_id": "User ID",
    "likes": "Likes",
    "reposts": "Retweets",
    "hashtags": "Hashtags",
    "url": "URL",
}


def read(path, mapping, timezone="UTC", platform="x"):
    report = Report()
    posts = list(tabular.iter_posts(path, mapping, platform, report, timezone=timezone))
    return posts, report


def test_header_of_a_csv_with_bom_and_semicolons():
    assert tabular.read_header(X_EXPORT) == list(X_MAPPING.values())


def test_a_mastodon_or_bluesky_table_is_keyed_by_its_uri_as_the_json_imports_are():
    # (found by an audit: keyed by the server's own `id`, the same post was stored twice)
    mastodon = ["id", "uri", "created_at", "content", "account_acct"]
    assert tabular.guess_mapping(mastodon)["platform_id"] == "uri"
    bluesky = ["uri", "author_did", "author_handle", "created_at", "text"]
    assert tabular.guess_mapping(bluesky)["author_id"] == "author_did"


@pytest.mark.parametrize(
    ("headers", "platform"),
    [
        (["Tweet ID", "Text", "Created At"], "x"),
        (["id", "body", "created_utc", "subreddit"], "reddit"),
        (["uri", "content", "created_at", "reblogs_count"], "mastodon"),
        (["post id", "posted at", "message"], "other"),
        (["tweet_id", "subreddit"], "other"),  # two platforms' words: not a guess to make
    ],
)
def test_guess_platform_goes_by_words_only_one_platform_uses(headers, platform):
    assert tabular.guess_platform(headers) == platform


def test_guess_mapping_finds_the_common_names():
    assert tabular.guess_mapping(tabular.read_header(X_EXPORT)) == X_MAPPING
    assert tabular.guess_mapping(["id", "text", "date", "author"]) == {
        "platform_id": "id",
        "text": "text",
        "created_at": "date",
        "author_handle": "author",
    }
    # A researcher's own spreadsheet, in everyday words.
    assert tabular.guess_mapping(["Tweet Id", "Posted", "Who", "Tweet", "Likes"]) == {
        "platform_id": "Tweet Id",
        "created_at": "Posted",
        "author_handle": "Who",
        "text": "Tweet",
        "likes": "Likes",
    }
    twarc_csv = ["id", "author_id", "author.username", "created_at", "text",
                 "public_metrics.like_count", "public_metrics.retweet_count"]  # fmt: skip
    assert tabular.guess_mapping(twarc_csv) == {
        "platform_id": "id",
        "author_id": "author_id",
        "author_handle": "author.username",
        "created_at": "created_at",
        "text": "text",
        "likes": "public_metrics.like_count",
        "reposts": "public_metrics.retweet_count",
    }


def test_rows_become_posts_and_bad_rows_are_skipped_with_row_numbers():
    posts, report = read(X_EXPORT, X_MAPPING)

    assert [post.platform_id for post in posts] == [
        "1876543210987654321",
        "1876543210987654322",
        "1876543210987654325",
        "1876543210987654326",
        "1876543210987654327",
    ]
    assert report.records == 8
    assert report.skipped == {
        "row without an id": 1,
        LOST: 1,
        "row without a readable date and time": 1,
    }
    # Rows as a spreadsheet numbers them, though row 2 and 3 span several lines.
    assert report.skipped_lines == {
        "row without an id": [4],
        LOST: [5],
        "row without a readable date and time": [9],
    }


def test_quoted_newlines_stay_in_the_text():
    posts, _ = read(X_EXPORT, X_MAPPING)

    assert posts[0].text == "Coffee morning for carers on Friday;\nall welcome ☕"
    assert posts[1].text == "Second line\nthird line\nfourth"


def test_field_values():
    posts, _ = read(X_EXPORT, X_MAPPING)
    first, second, twitter_date = posts[0], posts[1], posts[2]

    assert first.platform == "x"
    assert first.author.id == "1111111111"
    assert first.author.handle == "ana_example"
    assert first.url == "https://x.com/ana_example/status/1876543210987654321"
    assert first.hashtags == ("carers", "coffeemorning")
    assert first.metrics.likes == 12
    assert first.metrics.reposts == 3
    assert first.kind == "post"
    assert second.author.handle == "ben_example"  # "@" dropped
    assert second.metrics.likes == 1204  # "1,204"
    assert second.hashtags == ("carers", "respite")
    assert twitter_date.hashtags == ("café",)
    assert twitter_date.metrics.likes is None  # empty cell


def test_times_in_every_supported_form():
    posts, _ = read(X_EXPORT, X_MAPPING, timezone="Europe/Berlin")

    assert [post.created_at for post in posts] == [
        datetime(2026, 1, 2, 9, 30, tzinfo=UTC),  # ISO with Z
        datetime(2026, 1, 2, 9, 30, tzinfo=UTC),  # naive 10:30 in Berlin (UTC+1 in winter)
        datetime(2026, 1, 2, 12, 0, tzinfo=UTC),  # "Fri Jan 02 12:00:00 +0000 2026"
        datetime(2026, 1, 2, 13, 0, tzinfo=UTC),  # epoch seconds
        datetime(2026, 1, 2, 14, 0, tzinfo=UTC),  # epoch milliseconds
    ]


DATE_MAPPING = {"platform_id": "id", "created_at": "date"}


def dated(tmp_path, *dates):
    path = tmp_path / "dates.csv"
    path.write_text("id,date\n" + "".join(f'{n},"{date}"\n' for n, date in enumerate(dates, 1)))
    return path


@pytest.mark.parametrize(
    "written, meant",
    [
        ("31.01.2026 10:30", datetime(2026, 1, 31, 10, 30)),
        ("Jan 31, 2026 10:30 PM", datetime(2026, 1, 31, 22, 30)),
        ("January 31 2026", datetime(2026, 1, 31)),
        ("31 January 2026 08:05:09", datetime(2026, 1, 31, 8, 5, 9)),
        ("31. Jan. 2026", datetime(2026, 1, 31)),
        ("2026/01/31 10:30", datetime(2026, 1, 31, 10, 30)),
        ("31/01/26 12:15 AM", datetime(2026, 1, 31, 0, 15)),
    ],
)
def test_dates_as_spreadsheets_and_people_write_them(tmp_path, written, meant):
    (post,), report = read(dated(tmp_path, written), DATE_MAPPING, timezone="Europe/Berlin")
    assert post.created_at == meant.replace(tzinfo=tabular.ZoneInfo("Europe/Berlin")).astimezone(
        UTC
    )
    assert not report.skipped


def test_the_column_tells_whether_the_day_or_the_month_comes_first(tmp_path):
    # The first two could be either; the third can only be day first, so all are.
    posts, report = read(dated(tmp_path, "03/04/2026", "05/06/2026", "13/04/2026"), DATE_MAPPING)
    assert sorted(post.created_at.date().isoformat() for post in posts) == [
        "2026-04-03", "2026-04-13", "2026-06-05",
    ]  # fmt: skip
    posts, _ = read(dated(tmp_path, "03/04/2026", "04/13/2026"), DATE_MAPPING)
    assert sorted(post.created_at.date().isoformat() for post in posts) == [
        "2026-03-04", "2026-04-13",
    ]  # fmt: skip
    assert not report.warnings


def test_a_date_that_reads_the_same_either_way_tells_nothing(tmp_path):
    # 05/05 is 5 May whichever comes first: the American 04/13 decides (found by an audit).
    path = dated(tmp_path, "05/05/2026", "04/13/2026", "03/04/2026")
    posts, report = read(path, DATE_MAPPING)
    assert sorted(post.created_at.date().isoformat() for post in posts) == [
        "2026-03-04", "2026-04-13", "2026-05-05",
    ]  # fmt: skip
    assert not report.skipped and not report.warnings


def test_iso_dates_beside_ambiguous_ones_wait_for_nothing(tmp_path):
    path = dated(tmp_path, "2026-01-02 10:00", "03/04/2026", "2026-01-03 10:00", "04/13/2026")
    report = Report()
    posts = tabular.iter_posts(path, DATE_MAPPING, "x", report)
    first = next(posts)  # the ISO date is read at once, not after the file tells
    assert first.created_at.date().isoformat() == "2026-01-02"
    assert sorted(post.created_at.date().isoformat() for post in [first, *posts]) == [
        "2026-01-02", "2026-01-03", "2026-03-04", "2026-04-13",
    ]  # fmt: skip
    assert not report.warnings


def test_rows_waiting_for_the_order_are_each_read_once_when_too_many_wait(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "PENDING_DATES", 3)
    path = dated(tmp_path, *[f"0{day}/04/2026" for day in range(1, 6)], "04/13/2026")
    posts, report = read(path, DATE_MAPPING)
    # Day first, as no date told within 3 rows: 04/13 then can't be read.
    assert sorted(post.platform_id for post in posts) == ["1", "2", "3", "4", "5"]
    assert sorted(post.created_at.date().isoformat() for post in posts) == [
        f"2026-04-0{day}" for day in range(1, 6)
    ]
    assert report.warnings == {tabular.DAY_FIRST_ASSUMED: 1}
    assert report.skipped == {tabular.OTHER_ORDER: 1}  # says how to read it


def test_a_file_that_never_tells_the_order_is_read_day_first_with_a_note(tmp_path):
    (post, _), report = read(dated(tmp_path, "03/04/2026", "05/06/2026"), DATE_MAPPING)
    assert post.created_at.date().isoformat() == "2026-04-03"
    assert list(report.warnings) == [tabular.DAY_FIRST_ASSUMED]


def test_the_order_can_be_given(tmp_path):
    report = Report()
    path = dated(tmp_path, "03/04/2026", "05/06/2026")
    posts = list(tabular.iter_posts(path, DATE_MAPPING, "x", report, dates=tabular.MONTH_FIRST))
    assert [post.created_at.date().isoformat() for post in posts] == ["2026-03-04", "2026-05-06"]
    assert not report.warnings


def test_a_remembered_order_reads_what_the_file_leaves_open_and_gives_way_when_it_tells(
    tmp_path,
):
    def read_usual(path, usual):
        report = Report()
        posts = list(tabular.iter_posts(path, DATE_MAPPING, "x", report, usual=usual))
        return sorted(post.created_at.date().isoformat() for post in posts), report

    # Nothing tells: the order remembered for these columns, without the day-first note.
    dates, report = read_usual(dated(tmp_path, "03/04/2026", "05/06/2026"), tabular.MONTH_FIRST)
    assert dates == ["2026-03-04", "2026-05-06"]
    assert not report.warnings
    # 04/13 can only be month first: the file wins over the remembered day first, and
    # says so, rather than reading 03/04 as 3 April and skipping 04/13.
    dates, report = read_usual(dated(tmp_path, "03/04/2026", "04/13/2026"), tabular.DAY_FIRST)
    assert dates == ["2026-03-04", "2026-04-13"]
    assert not report.skipped
    message = tabular.OTHER_ORDER_THAN_REMEMBERED.format(
        order=tabular.MONTH_FIRST, usual=tabular.DAY_FIRST
    )
    assert list(report.warnings) == [message]


def test_dates_that_are_no_dates_are_skipped(tmp_path):
    posts, report = read(dated(tmp_path, "13/13/2026", "Foo 2, 2026", "31/02/2026"), DATE_MAPPING)
    assert posts == []
    assert report.skipped_lines == {tabular.NO_DATE: [2, 3, 4]}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_table_of_column_names_only_says_it_holds_no_rows(tmp_path, suffix):
    path = tmp_path / f"posts{suffix}"
    if suffix == ".csv":
        path.write_text("id,text,created_at\n,,\n")
    else:
        workbook = openpyxl.Workbook()
        workbook.active.append(["id", "text", "created_at"])
        workbook.save(path)
    mapping = {"platform_id": "id", "text": "text", "created_at": "created_at"}
    with pytest.raises(UnreadableFile, match="no rows below its column names"):
        read(path, mapping)


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_a_line_longer_than_any_row_is_skipped_without_reading_it_whole(
    tmp_path, monkeypatch, line_end
):
    # A 10 GB line of short cells (or of one cell) was read into memory whole: 400 MB
    # took 850 MB. Here lines may be 5,000 characters long.
    monkeypatch.setattr(tabular, "MAX_LINE_CHARS", 5_000)
    long_row = "2,2026-01-02T10:00:00Z," + ",".join(["a few words"] * 1_000)
    rows = ["id,created_at,text", "1,2026-01-01T10:00:00Z,before", long_row]
    rows += ["3,2026-01-03T10:00:00Z,after", long_row.replace("2,", "4,", 1)]
    rows += ["5,2026-01-05T10:00:00Z,last"]
    path = tmp_path / "posts.csv"
    path.write_bytes(line_end.join(rows).encode() + line_end.encode())
    mapping = {"platform_id": "id", "text": "text", "created_at": "created_at"}

    posts, report = read(path, mapping)

    assert [post.platform_id for post in posts] == ["1", "3", "5"]
    assert report.skipped_lines == {tabular.LONG_LINE: [3, 5]}


def test_windows_1252_file_and_entities_from_text():
    mapping = tabular.guess_mapping(tabular.read_header(WINDOWS))
    posts, report = read(WINDOWS, mapping, platform="other")

    assert posts[0].text.startswith("Café for #Carers – ask")
    assert posts[0].hashtags == ("carers",)
    assert [person.handle for person in posts[0].mentions] == ["ivo_example"]
    assert [link.url for link in posts[0].links] == ["https://carers.example.org/cafe"]
    assert posts[1].hashtags == ("respite",)
    # Said once per import, not once per row.
    assert report.warnings[tabular.HASHTAGS_FROM_TEXT] == 1
    assert report.warnings[tabular.MENTIONS_FROM_TEXT] == 1


def test_utf16_table_as_excel_saves_unicode_text(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_text(X_EXPORT.read_text(encoding="utf-8-sig"), encoding="utf-16")

    assert tabular.read_header(path) == list(X_MAPPING.values())
    assert [p.text for p in read(path, X_MAPPING)[0]] == [
        p.text for p in read(X_EXPORT, X_MAPPING)[0]
    ]


def test_a_workbook_with_several_sheets_says_which_one_was_read(tmp_path):
    workbook = openpyxl.Workbook()
    january = workbook.active
    january.title = "January"
    january.append(["id", "date", "text"])
    january.append(["1", "2026-01-05T10:00:00Z", "first month"])
    february = workbook.create_sheet("February")
    february.append(["id", "date", "text"])
    february.append(["2", "2026-02-05T10:00:00Z", "second month"])
    path = tmp_path / "posts.xlsx"
    workbook.save(path)

    mapping = {"platform_id": "id", "created_at": "date", "text": "text"}
    posts, report = read(path, mapping, platform="other")

    assert [post.text for post in posts] == ["first month"]
    [(warning, count)] = [(w, n) for w, n in report.warnings.items() if "sheets" in w]
    # Not named in the stored report: a sheet may be titled with someone's handle.
    assert warning.startswith("workbook with 2 sheets: only one is read, the first that holds")
    assert count == 1


def test_mapping_mistakes_raise():
    with pytest.raises(ValueError, match="created_at"):
        read(WINDOWS, {"platform_id": "id"})
    with pytest.raises(ValueError, match="not post fields"):
        read(WINDOWS, {"platform_id": "id", "created_at": "date", "colour": "text"})
    with pytest.raises(ValueError, match="not in the file"):
        read(WINDOWS, {"platform_id": "id", "created_at": "when"})


def test_columns_not_found_never_quote_a_first_row_that_is_a_post(tmp_path):
    path = tmp_path / "no_header.csv"
    path.write_text("1,Thanks @ana_example,2026-01-31 10:00\n")
    with pytest.raises(ValueError, match="is its first row the column names") as raised:
        read(path, {"platform_id": "id", "created_at": "date"})
    assert "ana_example" not in str(raised.value)


def test_title_lines_above_the_column_names_are_passed_over(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Posts of @ana_example, exported 1 February\n"
        "\n"
        "id;date;text\n"
        "1;2026-01-31 10:00;first, with a comma\n"
        ";2026-01-31 11:00;no id\n"
        "3;2026-01-31 12:00;third\n"
    )
    assert tabular.read_header(path) == ["id", "date", "text"]
    posts, report = read(path, {"platform_id": "id", "created_at": "date", "text": "text"})
    assert [post.platform_id for post in posts] == ["1", "3"]
    assert report.records == 3
    assert report.skipped_lines == {"row without an id": [5]}  # the row's number in the file
    assert not any("ana_example" in (post.text or "") for post in posts)


@pytest.mark.parametrize(
    "content",
    [
        # (found by an audit of a first version that counted over many lines)
        'id,created_at,text\n1,2026-04-01 10:00,"Well, yes",#care;#help\n2,2026-04-02 10:00,ok,#a;#b\n',
        'id,created_at,text\n1,2026-04-01 10:00,"Hours:\n| Mon | 9-17 |\n| Tue | 9-17 |"\n2,2026-04-02 10:00,ok\n',
        'id;created_at;text\n1;2026-04-01 10:00;"Treffpunkte:\nStraße 1, Berlin\nHaus 2, Hamburg"\n2;2026-04-02 10:00;gut\n',
        # and tables as tools write them: pandas' unnamed index, trailing delimiters,
        # Excel's "sep=" line, tabs
        ",id,created_at,text\n0,1,2026-04-01 10:00,a\n1,2,2026-04-02 10:00,b\n",
        "id,created_at,text\n1,2026-04-01 10:00,a,\n2,2026-04-02 10:00,b,\n",
        "sep=;\nid;created_at;text\n1;2026-04-01 10:00;a, b\n2;2026-04-02 10:00;c\n",
        "id\tcreated_at\ttext\n1\t2026-04-01 10:00\ta, b; c\n2\t2026-04-02 10:00\td\n",
        "Export, April\nid|created_at|text\n1|2026-04-01 10:00|a, b\n2|2026-04-02 10:00|c\n",
    ],
)
def test_a_delimiter_inside_cells_does_not_decide_the_tables_delimiter(tmp_path, content):
    path = tmp_path / "posts.csv"
    path.write_text(content)
    assert [name for name in tabular.read_header(path) if name][:3] == ["id", "created_at", "text"]
    posts, report = read(path, {"platform_id": "id", "created_at": "created_at", "text": "text"})
    assert [post.platform_id for post in posts] == ["1", "2"] and not report.skipped


@pytest.mark.parametrize(
    "content, posts",
    [
        # a title holding the table's own delimiter
        ("Posts of the group, April\nid,created_at,text\n1,2026-04-01 10:00,a\n"
         "2,2026-04-02 10:00,b\n", ["1", "2"]),
        # not a title: a first row broken by an unquoted comma is a post
        ("id,created_at,text\n1,Hello, world,2026-04-01 10:00\n2,2026-04-02 10:00,b\n"
         "3,2026-04-03 10:00,c\n", ["2", "3"]),
    ],
)  # fmt: skip
def test_a_title_with_the_tables_delimiter_is_told_from_column_names(tmp_path, content, posts):
    path = tmp_path / "posts.csv"
    path.write_text(content)
    assert tabular.read_header(path) == ["id", "created_at", "text"]
    found, _ = read(path, {"platform_id": "id", "created_at": "created_at", "text": "text"})
    assert [post.platform_id for post in found] == posts


def test_a_table_of_one_column_keeps_its_first_row_as_column_names(tmp_path):
    # So the mapping's error names the column it has, rather than "no header row".
    path = tmp_path / "one.csv"
    path.write_text("\nposts\nhello\nagain\n")
    assert tabular.read_header(path) == ["posts"]


def test_a_workbook_with_a_title_row_is_read_from_its_column_names(tmp_path):
    path = tmp_path / "study.xlsx"
    write_xlsx(
        path,
        [
            ["Carers study: posts by Quilla Marrow (@zq_marrow)"],
            [],
            ["tweet_id", "created_at", "text"],
            ["1", "2026-01-05T10:00:00Z", "the posts"],
        ],
    )
    assert tabular.read_header(path) == ["tweet_id", "created_at", "text"]
    posts, report = read(
        path, {"platform_id": "tweet_id", "created_at": "created_at", "text": "text"}
    )
    assert [(post.platform_id, post.text) for post in posts] == [("1", "the posts")]
    assert report.records == 1


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def test_ids_written_to_keep_a_spreadsheet_from_changing_them_are_the_plain_ids(tmp_path):
    # ="…" and '… are how people keep Excel from rounding long ids; as written, the
    # same tweet imported from JSON too was stored twice.
    path = tmp_path / "posts.csv"
    path.write_text(
        "id,author_id,created_at,text\n"
        '"=""1700000000000000001""",="42",2024-02-01T10:00:00Z,first\n'
        "'1700000000000000002,'42,2024-02-01T11:00:00Z,second\n"
        "'tis,42,2024-02-01T12:00:00Z,a word with an apostrophe stays\n"
    )
    mapping = {"platform_id": "id", "author_id": "author_id", "created_at": "created_at"}

    posts, report = read(path, mapping)

    assert [post.platform_id for post in posts] == [
        "1700000000000000001",
        "1700000000000000002",
        "'tis",
    ]
    assert [post.author.id for post in posts] == ["42", "42", "42"]
    assert not report.skipped


@pytest.mark.parametrize("dimension", ["A1", "A1:B2", "A1:XFD1048576"])
def test_a_workbook_that_states_its_size_wrongly_is_read_as_it_is(tmp_path, dimension):
    # Some tools write a wrong <dimension>; openpyxl's read-only mode went by it: "A1"
    # left one column of each row, "A1:XFD1048576" gave 16,384 columns to every row.
    written = tmp_path / "written.xlsx"
    write_xlsx(written, [["id", "text", "created_at"], ["7", "Group on Friday", "2026-01-02"]])
    path = tmp_path / "posts.xlsx"
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data
                )
            target.writestr(name, data)

    assert tabular.read_header(path) == ["id", "text", "created_at"]
    mapping = {"platform_id": "id", "text": "text", "created_at": "created_at"}
    [post], _ = read(path, mapping)
    assert post.text == "Group on Friday"


def test_a_workbook_that_is_a_zip_bomb_is_refused_unread(tmp_path, monkeypatch):
    # 227 KB of workbook, a sheet of 120 MB of empty rows, kept an import busy a minute.
    monkeypatch.setattr(files, "ZIP_RATIO_FREE_BYTES", 2**16)
    written = tmp_path / "written.xlsx"
    write_xlsx(written, [["id", "text", "created_at"], ["7", "Group on Friday", "2026-01-02"]])
    path = tmp_path / "posts.xlsx"
    with zipfile.ZipFile(written) as source:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            for name in source.namelist():
                data = source.read(name)
                if name == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"</sheetData>", b"<row/>" * 100_000 + b"</sheetData>")
                target.writestr(name, data)

    with pytest.raises(UnreadableFile, match="zip bomb"):
        tabular.read_header(path)


def test_xlsx_long_ids_as_text_and_as_numbers(tmp_path):
    path = tmp_path / "posts.xlsx"
    write_xlsx(
        path,
        [
            ["id", "text", "created", "likes"],
            ["1876543210987654321", "id typed as text", datetime(2026, 1, 2, 9, 30), 4],
            # XLSX stores every number as a double: a long id written as a number
            # comes back rounded, as it does from Excel.
            [1876543210987654322, "long id written as a number", datetime(2026, 1, 2, 11), 0],
            [1.8765432109876543e18, "long id as a float", datetime(2026, 1, 2, 11, 0), 0],
            [123456789.0, "short id as a float is still exact", 46024.5, None],
            [None, None, None, None],
            [float(2**53 + 2), "float id just past exactness", 46024.5, None],
            [4242, "short whole-number id", "2026-01-02T10:00:00Z", 5.0],
        ],
    )
    mapping = {"platform_id": "id", "text": "text", "created_at": "created", "likes": "likes"}

    posts, report = read(path, mapping, timezone="America/New_York", platform="x")

    assert [post.platform_id for post in posts] == ["1876543210987654321", "123456789", "4242"]
    assert report.skipped == {LOST: 3}
    assert report.skipped_lines == {LOST: [3, 4, 7]}
    assert report.records == 6  # the blank row is not a record
    assert posts[0].created_at == datetime(2026, 1, 2, 14, 30, tzinfo=UTC)  # New York, UTC-5
    # Excel serial 46024.5 is noon on 2026-01-02, in New York.
    assert posts[1].created_at == datetime(2026, 1, 2, 17, 0, tzinfo=UTC)
    assert posts[2].created_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert [post.metrics.likes for post in posts] == [4, None, 5]
    assert tabular.read_header(path) == ["id", "text", "created", "likes"]


# Letters whose upper case folds back to them: "ı".upper() is "I", which folds to "i".
header_names = st.lists(
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=12).filter(
        lambda name: name.upper().casefold() == name.casefold()
    ),
    min_size=1,
    max_size=8,
)


@given(header_names, st.randoms())
def test_header_signature_ignores_case_whitespace_and_order(names, random):
    shuffled = [f"  {name.upper()} " for name in names]
    random.shuffle(shuffled)

    assert tabular.header_signature(shuffled) == tabular.header_signature(names)


def test_header_signature_of_a_letter_that_case_folding_decomposes():
    # Found by the property test above: "ῢ" folds to three code points, its upper case
    # to another three; compared as composed forms the two were different columns.
    assert tabular.header_signature(["ῢ"]) == tabular.header_signature(["ῢ".upper()])


@given(header_names, st.text(alphabet="xyz", min_size=1, max_size=5))
def test_header_signature_changes_when_a_column_is_added(names, extra):
    assert tabular.header_signature(names + [f"{extra}_extra_"]) != tabular.header_signature(names)


def test_a_time_that_says_utc_is_utc_whatever_the_tables_zone():
    # Reddit's data download writes "2023-01-15 12:34:56 UTC".
    berlin = ZoneInfo("Europe/Berlin")
    assert tabular.parse_time("2023-01-15 12:34:56 UTC", berlin) == datetime(
        2023, 1, 15, 12, 34, 56, tzinfo=UTC
    )
    assert tabular.parse_time("2023-01-15 12:34:56", berlin) == datetime(
        2023, 1, 15, 11, 34, 56, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "first_sheet",
    [
        [["Posts collected for the carers study, January 2026"]],  # notes
        [["Column", "Meaning"], ["tweet_id", "the post's number"]],  # a codebook
    ],
)
def test_a_workbook_that_starts_with_notes_is_read_from_its_posts(tmp_path, first_sheet):
    workbook = openpyxl.Workbook()
    workbook.active.title = "README"
    for row in first_sheet:
        workbook.active.append(row)
    data = workbook.create_sheet("Posts")
    data.append(["tweet_id", "created_at", "text"])
    data.append(["1", "2026-01-05T10:00:00Z", "the posts"])
    path = tmp_path / "study.xlsx"
    workbook.save(path)
    assert tabular.read_header(path) == ["tweet_id", "created_at", "text"]
    posts, _ = read(path, {"platform_id": "tweet_id", "created_at": "created_at", "text": "text"})
    assert [post.text for post in posts] == ["the posts"]


def test_absurd_dates_that_still_read_are_kept_with_a_note_naming_their_rows(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "date"])
    sheet.append(["1", "2026-01-05T10:00:00Z"])
    sheet.append(["2", -5])  # read as epoch seconds: 1969-12-31
    sheet.append(["3", 9_999_999_999])  # epoch seconds: 2286
    sheet.append(["4", "99999999999"])  # epoch seconds: 5138
    sheet.append(["5", "0001-01-01T00:00:00Z"])
    path = tmp_path / "odd.xlsx"
    workbook.save(path)

    posts, report = read(path, DATE_MAPPING)

    assert [post.platform_id for post in posts] == ["1", "2", "3", "4", "5"]
    assert posts[1].created_at.year == 1969 and posts[3].created_at.year == 5138
    (message,) = report.warnings
    assert message.startswith("date before 2000 or in the future")
    assert report.warnings[message] == 4
    assert report.warning_lines[message] == [3, 4, 5, 6]  # the rows a spreadsheet shows


def office_zip(path, *parts):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for part in parts:
            archive.writestr(part, "<x/>")
    return path


def test_binary_data_named_csv_is_said_to_be_no_text_table(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(UnreadableFile, match=r"not a text table \(CSV\): it holds binary data"):
        tabular.read_header(path)
    # Control characters without a NUL byte (bytes from another file) too.
    path.write_bytes(b"id,date\n" + bytes(range(1, 32)) * 40)
    with pytest.raises(UnreadableFile, match="binary data"):
        tabular.read_header(path)


def test_text_tables_with_a_few_control_characters_or_in_utf16_are_still_read(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"id,date,text\n1,2026-01-05,a form feed \x0c and a bell \x07\n")
    assert tabular.read_header(path) == ["id", "date", "text"]
    path.write_bytes("id,date\n1,2026-01-05\n".encode("utf-16"))  # NUL bytes, with a BOM
    assert tabular.read_header(path) == ["id", "date"]


@pytest.mark.parametrize(
    "part, kind",
    [("word/document.xml", "Word document"), ("ppt/presentation.xml", "PowerPoint")],
)
def test_a_word_or_powerpoint_file_named_as_a_table_says_what_it_is(tmp_path, part, kind):
    for name in ("posts.csv", "posts.xlsx"):
        path = office_zip(tmp_path / name, part)
        with pytest.raises(UnreadableFile, match=kind):
            tabular.read_header(path)


def test_a_workbook_named_otherwise_is_read_as_a_workbook(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "date"])
    workbook.active.append(["1", "2026-01-05T10:00:00Z"])
    path = tmp_path / "posts.csv"  # renamed by hand, or by a download
    workbook.save(path)
    assert tabular.read_header(path) == ["id", "date"]


def test_formulas_without_a_saved_result_are_read_as_empty_with_one_note(tmp_path):
    # As a script writes a workbook (openpyxl here): the formulas, never their results.
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "date", "text", "likes"])
    workbook.active.append(["1", "2026-01-05T10:00:00Z", "a post", "=2+3"])
    workbook.active.append(["2", "2026-01-05T11:00:00Z", '=CONCAT("a ", "reply")', "=4+5"])
    path = tmp_path / "scripted.xlsx"
    workbook.save(path)

    posts, report = read(path, {**DATE_MAPPING, "text": "text", "likes": "likes"})

    assert [(post.text, post.metrics.likes) for post in posts] == [("a post", None), ("", None)]
    (message,) = [text for text in report.warnings if "formula" in text]
    assert message.startswith("3 cells hold a formula without a saved result")
    assert "open and save it in Excel or LibreOffice first" in message
    assert report.warnings[message] == 1  # once per file


def test_a_workbook_without_formulas_has_no_note_of_them(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "date"])
    workbook.active.append(["1", "2026-01-05T10:00:00Z"])
    path = tmp_path / "plain.xlsx"
    workbook.save(path)
    _, report = read(path, DATE_MAPPING)
    assert not report.warnings


def test_a_threads_tables_people_are_the_fediverse_accounts_a_capture_names(tmp_path):
    path = tmp_path / "threads.csv"
    path.write_text(
        "id,date,author,text\n"
        "3500000000000000001,2026-01-03 08:46,@wren.ashby,Thanks @ana.example for hosting\n"
        "3500000000000000002,2026-01-03 09:46,Bo Lindqvist,See you Monday\n"
    )
    mapping = {"platform_id": "id", "created_at": "date", "author_handle": "author", "text": "text"}

    posts, _ = read(path, mapping, platform="threads")

    # As platforms.zeeschuimer writes them, so one person is one pseudonym in both.
    assert posts[0].author.handle == "wren.ashby@threads.net"
    assert [m.handle for m in posts[0].mentions] == ["ana.example@threads.net"]
    # A name, not a handle, stays a name.
    assert (posts[1].author.handle, posts[1].author.display_name) == (
        "Bo Lindqvist",
        "Bo Lindqvist",
    )
