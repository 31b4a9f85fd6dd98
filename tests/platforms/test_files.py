"""Opening files: compression, record splitting, bad input and format sniffing."""

import bz2
import gzip
import io
import json
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from socialgood.platforms import bluesky, jetstream, mastodon, telegram, twitter_v1, twitter_v2
from socialgood.platforms.files import (
    CUT_COMPRESSED,
    CUT_TAR,
    CUT_ZIP,
    DOCUMENT_CUT,
    MAX_TEXT_CHARACTERS,
    PASSWORD_PROTECTED,
    TABLE_IN_ARCHIVE,
    TEXT_CUT,
    X_ARCHIVE_UNREAD,
    UnreadableFile,
    ZipBomb,
    _Repaired,
    _without_lone_surrogates,
    iter_records,
    read_posts,
    sniff_format,
)
from socialgood.platforms.report import Report
from tests.collect.conftest import x_archive_zip

FIXTURES = Path(__file__).parents[1] / "fixtures"
TWARC2 = FIXTURES / "twarc2/search.jsonl"
GEN_POSTS = Path(__file__).parents[2].parent / "shared/bench/gen_posts.py"


def records(path, **limits):
    report = Report()
    return [record for _, record in iter_records(path, report, **limits)], report


def write_lines(path, *lines):
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


# --- compression --------------------------------------------------------------------


def test_gzip_zstd_bzip2_and_zip_give_the_same_records_whatever_the_name(tmp_path):
    plain, _ = records(TWARC2)
    data = TWARC2.read_bytes()
    gz = tmp_path / "tweets.jsonl"  # no telling extension: magic bytes decide
    gz.write_bytes(gzip.compress(data))
    zst = tmp_path / "tweets.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress(data))
    bz = tmp_path / "tweets.bz2"
    bz.write_bytes(bz2.compress(data))
    for path in (gz, zst, bz):
        assert records(path)[0] == plain
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("b/second.jsonl", data)
        zf.writestr("a/first.jsonl", data)
        zf.writestr("__MACOSX/a/._first.jsonl", b"\x00\x05\x16\x07junk")
        zf.writestr(".DS_Store", b"\x00\x00\x00\x01Bud1")
        zf.mkdir("empty/")
    report = Report()
    located = list(iter_records(archive, report))
    assert [record for _, record in located] == plain + plain
    assert [where for where, _ in located] == [
        "a/first.jsonl:1",
        "a/first.jsonl:2",
        "b/second.jsonl:1",
        "b/second.jsonl:2",
    ]
    assert report.skipped_total == 0


def tar_of(path, members, compress=""):
    """A tar archive (compress: "", "gz", "bz2" or "xz") of {name: bytes}, in that order."""
    with tarfile.open(path, f"w:{compress}") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("compress", ["", "gz", "bz2", "xz", "zst"])
def test_a_tar_archive_gives_its_members_records_in_order(tmp_path, compress):
    plain, _ = records(TWARC2)
    data = TWARC2.read_bytes()
    members = {
        "export/b.jsonl": data,
        "export/a.jsonl.gz": gzip.compress(data),  # a compressed file inside
        "export/._b.jsonl": b"\x00\x05\x16\x07 macOS metadata",
        "export/empty.jsonl": b"",
    }
    path = tar_of(tmp_path / "export.tar", members, "" if compress == "zst" else compress)
    if compress == "zst":
        path.write_bytes(zstandard.ZstdCompressor().compress(path.read_bytes()))
    report = Report()
    located = list(iter_records(path, report))
    assert [record for _, record in located] == plain + plain
    assert [where for where, _ in located][:3] == ["export/b.jsonl:1", "export/b.jsonl:2", "export/a.jsonl.gz:1"]  # fmt: skip
    assert report.skipped == {"empty file in the archive": 1}


def test_a_tar_member_larger_than_the_limit_is_refused_unread(tmp_path):
    path = tar_of(tmp_path / "big.tar", {"a.jsonl": b'{"a": 1}\n', "b.jsonl": b'{"b": 2}\n' * 100})
    seen = []
    with pytest.raises(ZipBomb, match="“b.jsonl” in the archive is .* more than the limit"):
        for _, record in iter_records(path, Report(), max_member_bytes=500):
            seen.append(record)
    assert seen == [{"a": 1}]


def test_a_zstd_file_cut_in_its_first_block_is_not_called_empty(tmp_path):
    data = b"".join(json.dumps({"n": n, "text": f"post {n}"}).encode() + b"\n" for n in range(500))
    compressed = zstandard.ZstdCompressor().compress(data)
    path = tmp_path / "dump.zst"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(UnreadableFile, match="cut off or damaged: nothing in it could be read"):
        records(path)
    # A compressed empty file is still just empty.
    path.write_bytes(zstandard.ZstdCompressor().compress(b""))
    with pytest.raises(UnreadableFile, match="The file is empty"):
        records(path)


def test_zstd_stream_of_several_frames_reads_to_the_end(tmp_path):
    compressor = zstandard.ZstdCompressor()
    path = tmp_path / "RS_2026-01.zst"
    path.write_bytes(compressor.compress(b'{"a": 1}\n') + compressor.compress(b'{"a": 2}\n'))
    assert records(path)[0] == [{"a": 1}, {"a": 2}]


def test_zip_member_that_is_not_json_is_skipped_and_the_rest_read(tmp_path):
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("notes.dat", "Exported by a tool\n")
        zf.writestr("posts.jsonl", '{"a": 1}\n')
    got, report = records(archive)
    assert got == [{"a": 1}]
    assert list(report.skipped_lines.values()) == [["notes.dat"]]


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_photos_pages_and_readmes_beside_the_data_are_passed_over_not_damage(tmp_path, kind):
    # A Telegram Desktop export folder, packed as people share it.
    folder = {
        "ChatExport/result.json": (FIXTURES / "telegram/result.json").read_bytes(),
        "ChatExport/photos/photo_1.jpg": b"\xff\xd8\xff\xe0 not really a photo",
        "ChatExport/css/style.css": b"body { margin: 0 }",
        "ChatExport/js/script.js": b"function go() {}",
        "ChatExport/messages.html": b"<!DOCTYPE html><html></html>",
        "ChatExport/README.md": b"# Export",
        "ChatExport/z-notes.txt": b'{"a": 1}\n',  # JSON Lines saved as .txt: read
    }
    archive = tmp_path / f"export.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as zf:
            for name, data in folder.items():
                zf.writestr(name, data)
    else:
        with tarfile.open(archive, "w:gz") as tf:
            for name, data in folder.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    got, report = records(archive)
    assert got == [*records(FIXTURES / "telegram/result.json")[0], {"a": 1}]
    assert report.skipped_total == 0
    assert report.warnings == {
        "files in an archive that hold no posts (photos, videos, web pages…), passed over": 5
    }


class Unseekable(io.RawIOBase):
    """Where a zip is written as a stream (a download being zipped, macOS's Finder):
    the sizes of each file follow its data, in a data descriptor."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.data += data
        return len(data)


def lines_of(count, start=0):
    return b"".join(
        json.dumps({"n": n, "text": f"post number {n} " * 20}).encode() + b"\n"
        for n in range(start, start + count)
    )


@pytest.mark.parametrize(
    "written, compression",
    [("seekable", zipfile.ZIP_DEFLATED), ("seekable", zipfile.ZIP_STORED),
     ("stream", zipfile.ZIP_DEFLATED)],
)  # fmt: skip
def test_a_cut_off_zip_is_read_from_its_start_up_to_the_cut(tmp_path, written, compression):
    out = Unseekable() if written == "stream" else io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        zf.writestr("export/first.jsonl", lines_of(300))
        zf.writestr("export/photo.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)
        zf.writestr("export/second.jsonl", lines_of(300, start=300))
    data = bytes(out.data) if written == "stream" else out.getvalue()
    second = data.index(b"export/second.jsonl")
    archive = tmp_path / "export.zip"
    archive.write_bytes(data[: second + (len(data) - second) // 2])  # a download cut off

    got, report = records(archive)

    numbers = [record["n"] for record in got]
    assert numbers[:300] == list(range(300))  # the first file whole
    assert 300 < len(numbers) < 600 and numbers[300:] == list(range(300, len(numbers)))
    assert report.skipped == {CUT_ZIP: 1, "last line is cut off (incomplete file?)": 1}


def test_a_zip_cut_before_its_first_file_ends_says_nothing_could_be_read(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("posts.jsonl", TWARC2.read_bytes())
    archive.write_bytes(archive.read_bytes()[:40])
    with pytest.raises(UnreadableFile, match="cut off.*nothing could be read.*download or copy"):
        records(archive)
    archive.write_bytes(b"PK\x05\x06" + bytes(5))  # only the cut end of a list of contents
    with pytest.raises(UnreadableFile, match="cut off or damaged.*Nothing in it could be read"):
        records(archive)


def test_a_cut_off_x_archive_still_reads_only_the_tweets(tmp_path):
    whole = x_archive_zip(tmp_path / "archive.zip")
    data = whole.read_bytes()
    whole.write_bytes(data[: data.index(b"PK\x01\x02")])  # everything but the list of contents

    got, report = records(whole)

    text = json.dumps(got)
    assert "a private message from a friend" not in text  # direct-messages.js
    assert "somebody else's words" not in text  # like.js
    assert "203.0.113.77" not in text  # ip-audit.js
    assert len(got) == len(records(x_archive_zip(tmp_path / "whole.zip"))[0])
    assert report.warnings[X_ARCHIVE_UNREAD] == 5  # manifest, deletions, DMs, logins, likes
    # The owner's account.js is read for who wrote the tweets, as from a whole archive.
    assert all(record["owner"]["username"] == "maple_carer_77" for record in got)
    assert set(got[0]["owner"]) == {"accountId", "username", "accountDisplayName"}  # no e-mail


def test_a_zip_of_zips_asks_to_be_unpacked(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("posts.jsonl", TWARC2.read_bytes())
    archive = tmp_path / "outer.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
    with pytest.raises(UnreadableFile, match="holds other zip files: unpack it first"):
        sniff_format(archive)


def test_zip_bomb_by_ratio_is_refused_with_a_plain_message(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("posts.jsonl", b"\n" * (17 * 2**20))  # 17 MB of newlines, ~17 KB packed
    with pytest.raises(ZipBomb, match="zip bomb"):
        records(archive)


def test_zip_member_larger_than_the_limit_is_refused(tmp_path):
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.jsonl", b'{"a": 1}\n')
        zf.writestr("b.jsonl", b'{"b": 2}\n' * 100)
    report = Report()
    seen = []
    with pytest.raises(ZipBomb, match="more than the limit"):
        for _, record in iter_records(archive, report, max_member_bytes=500):
            seen.append(record)
    assert seen == [{"a": 1}]  # what came before the refusal was read


@pytest.mark.parametrize("lines", [20, 100_000])
def test_a_cut_off_gzip_keeps_every_line_before_the_cut(tmp_path, lines):
    path = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(b"".join(b'{"n": %d}\n' % n for n in range(lines)))
    path.write_bytes(data[: len(data) - 8])  # only the checksum and size are missing
    got, report = records(path)
    assert got == [{"n": n} for n in range(lines)]  # a small file was lost whole before
    assert report.skipped == {CUT_COMPRESSED: 1}
    if lines > 20:  # (cut in the middle of a tiny file, not even a line is left)
        path.write_bytes(data[: len(data) // 2])
        got, report = records(path)
        assert got == [{"n": n} for n in range(len(got))] and 0 < len(got) < lines
        assert report.skipped[CUT_COMPRESSED] == 1
    path.write_bytes(data[:12])  # cut in its header: nothing to keep
    with pytest.raises(UnreadableFile, match="cut off or damaged: nothing in it could be read"):
        records(path)


# --- JSON Lines -----------------------------------------------------------------------


def test_bad_lines_are_skipped_with_their_line_numbers(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": \n\xff\xfe\x00junk\n[{"b": 2}]\r\n{"a": 3, "cut')
    got, report = records(path)
    assert got == [{"a": 1}, [{"b": 2}]]
    assert report.records == 2
    assert report.skipped == {
        "line is not valid JSON": 1,
        "line is not UTF-8 text": 1,
        "last line is cut off (incomplete file?)": 1,
    }
    assert report.skipped_lines["line is not valid JSON"] == [3]
    assert report.skipped_lines["line is not UTF-8 text"] == [4]
    assert report.skipped_lines["last line is cut off (incomplete file?)"] == [6]


def test_an_enormous_line_is_skipped_without_reading_it_whole(tmp_path):
    path = tmp_path / "huge.jsonl"
    huge = b'{"text": "' + b"x" * 100_000 + b'"}'
    write_lines(path, b'{"a": 1}', huge, b'{"a": 2}', huge + b"tail", b'{"a": 3}')
    got, report = records(path, max_line_bytes=1000)
    assert got == [{"a": 1}, {"a": 2}, {"a": 3}]
    assert report.skipped_lines == {"line longer than 1000 bytes": [2, 4]}


@pytest.mark.parametrize("length", [1_500, 100_000])
def test_an_enormous_first_line_is_skipped_without_reading_it_whole(tmp_path, length):
    # Longer than a line may be (1,000 here), and than a document's start is searched
    # for its items (5,000 here), or not.
    path = tmp_path / "huge.jsonl"
    huge = b'{"data": [{"text": "' + b"x" * length + b'"}]}'
    write_lines(path, huge, b"", b'{"a": 1}', b"junk", b'{"a": 2}')
    got, report = records(path, max_line_bytes=1000, whole_document_bytes=5000)
    assert got == [{"a": 1}, {"a": 2}]
    assert report.skipped_lines == {
        "line longer than 1000 bytes": [1],
        "line is not valid JSON": [4],
    }


def test_a_large_document_on_one_line_is_still_read_item_by_item(tmp_path):
    export = json.loads((FIXTURES / "telegram/result.json").read_text())
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export))  # minified: one line
    got, report = records(path, max_line_bytes=100, whole_document_bytes=1000)
    header = {key: value for key, value in export.items() if key != "messages"}
    assert got == [{**header, "messages": [item]} for item in export["messages"]]
    assert report.skipped_total == 0


def test_first_line_that_is_junk_is_skipped_when_json_lines_follow(tmp_path):
    path = write_lines(tmp_path / "x.jsonl", b"garbage before the data", b'{"a": 1}', b'{"a": 2}')
    got, report = records(path)
    assert got == [{"a": 1}, {"a": 2}]
    assert report.skipped_lines == {"line is not valid JSON": [1]}


def test_a_piece_of_a_file_split_by_size_keeps_every_whole_line(tmp_path):
    # `split -b` cuts lines at both ends; here the first piece starts at a nested object.
    lines = [{"n": n, "author": {"name": "ana"}} for n in range(6)]
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    path = tmp_path / "part-ab"
    path.write_bytes(data[data.index(b'{"name"') : -15])
    got, report = records(path)
    assert got == lines[1:5]
    assert report.skipped_lines == {
        "line is not valid JSON": [1],
        "last line is cut off (incomplete file?)": [6],
    }


@pytest.mark.parametrize("indent", [None, 1])
def test_a_document_whose_items_stand_on_their_own_lines_is_still_a_document(tmp_path, indent):
    path = tmp_path / "page.json"
    items = ",\n".join(json.dumps({"n": n}, indent=indent) for n in range(2))
    path.write_text('{"meta": {"count": 2},\n"data": [\n' + items + "\n]}")
    assert records(path)[0] == [{"meta": {"count": 2}, "data": [{"n": 0}, {"n": 1}]}]


@pytest.mark.parametrize("indent", [None, 2])
def test_json_saved_as_windows_1252_is_read_with_a_note(tmp_path, indent):
    records_ = [{"text": "Café für Pflegende – “Respite”", "n": n} for n in range(3)]
    path = tmp_path / "ansi.json"
    if indent:  # one document, as Notepad re-saves a pretty-printed response
        path.write_bytes(json.dumps(records_, indent=indent, ensure_ascii=False).encode("cp1252"))
    else:
        lines = [json.dumps(record, ensure_ascii=False).encode("cp1252") for record in records_]
        write_lines(path, *lines)
    got, report = records(path)
    assert got == records_
    assert list(report.warnings) == [
        "the file is not UTF-8 text: read as Windows-1252 (Western European), as Notepad "
        "and Excel save “ANSI”"
    ]


def test_byte_order_mark_is_ignored(tmp_path):
    path = write_lines(tmp_path / "bom.jsonl", b'\xef\xbb\xbf{"a": 1}', b'{"a": 2}')
    assert records(path)[0] == [{"a": 1}, {"a": 2}]


def test_files_joined_each_with_its_byte_order_mark_keep_every_line(tmp_path):
    # `type a.jsonl b.jsonl > all.jsonl` on Windows: the second file's first line
    # starts with a mark of its own, and was skipped as not JSON.
    path = tmp_path / "all.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"n": 1}\n{"n": 2}\n\xef\xbb\xbf{"n": 3}\n')
    got, report = records(path)
    assert got == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert report.skipped_total == 0
    # An empty file among them leaves its mark alone on a line: no damage either.
    path.write_bytes(b'{"n": 1}\n\xef\xbb\xbf\r\n{"n": 2}\n\xef\xbb\xbf')
    got, report = records(path)
    assert got == [{"n": 1}, {"n": 2}]
    assert report.skipped_total == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("compress", [None, gzip.compress])
def test_utf16_as_windows_tools_write_it_reads_as_utf8(tmp_path, encoding, compress):
    # PowerShell 5's `>` writes UTF-16 with a byte order mark; other tools leave it out.
    original = FIXTURES / "bluesky/search.jsonl"
    text = original.read_text(encoding="utf-8")
    data = text.encode(encoding)
    path = tmp_path / "search.jsonl"
    path.write_bytes(compress(data) if compress else data)
    assert records(path)[0] == records(original)[0]
    # Not only ASCII: the fixture's emoji and accents survive (surrogate pairs in UTF-16).
    assert any(ord(char) > 0xFFFF for char in text)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"\n  \n\t\n", "empty"),
        (b"\xef\xbb\xbf\r\n", "empty"),  # Notepad's empty file, its byte order mark
        (bytes(range(256)) * 40, "binary data"),
        (gzip.compress(gzip.compress(b'{"a": 1}\n'), mtime=0), "compressed twice"),
        (gzip.compress(b"PK\x03\x04" + bytes(40), mtime=0), "zip file or compressed file in"),
        # Excel's "CSV" and Notepad's "ANSI" are Windows-1252: not UTF-8, yet text.
        (b"id;text;author\n1;caf\xe9 cr\xe8me;ana\n", "a table"),
        (b"caf\xe9 cr\xe8me\n", "text that is not JSON"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"<!DOCTYPE html>\n<html><body>My Activity</body></html>\n", "Google 'My Activity'"),
        (
            b"<!DOCTYPE html>\n<html>\n<head><title>Exported Data</title></head></html>\n",
            "Telegram chat export in HTML: export it again",
        ),
        (b"<html>\n<head><title>429 Too Many Requests</title></head>\n", "an error message"),
        (b"<?xml version='1.0'?>\n<rss></rss>\n", "HTML or XML page, not data"),
        (b"id,text,author\n1,hello,ana\n", "CSV"),
        (b"[]", "holds no posts: it is an empty list"),
        (b"{}\n", "holds no posts: it is an empty list"),
        (b'{"title": "Unauthorized", "type": "about:blank", "status": 401}', "an error message"),
        (b'{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}', "an error message"),
        # Reddit's check of a "more children" answer met a number where it looks for keys.
        (b'{"json": {"data": 1.5}}', "not in a format socialgood knows"),
    ],
)
def test_files_that_are_not_json_or_no_posts_raise_a_message_for_people(tmp_path, content, words):
    path = tmp_path / "input.jsonl"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=words):
        sniff_format(path)


# --- JSON documents ---------------------------------------------------------------


def test_top_level_array_is_streamed_item_by_item(tmp_path):
    path = tmp_path / "array.json"
    path.write_text(json.dumps([{"n": n} for n in range(3)], indent=2))
    got, report = records(path)
    assert got == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert report.records == 3


def test_one_line_array_longer_than_a_line_may_be_is_streamed(tmp_path):
    path = tmp_path / "minified.json"
    items = [{"n": n, "text": "x" * 50} for n in range(100)]
    path.write_text(json.dumps(items) + "\n" + json.dumps(items[:2]))
    got, report = records(path, max_line_bytes=1000)
    assert got == items + items[:2]  # each array's items, the long line included
    assert report.skipped_total == 0


def test_truncated_array_document_keeps_what_was_read(tmp_path):
    path = tmp_path / "array.json"
    path.write_text(json.dumps([{"n": n} for n in range(3)], indent=2)[:-20])
    seen, report = records(path)
    assert seen == [{"n": 0}, {"n": 1}]
    assert report.skipped == {DOCUMENT_CUT: 1}  # as for a cut-off file of lines
    assert report.skipped_lines[DOCUMENT_CUT] == ["item 3"]  # not line 3: that is "[" or "n"


@pytest.mark.parametrize("stream_key", [None, "messages"])
def test_a_damaged_document_is_reported_without_quoting_it(tmp_path, stream_key):
    # The JSON parser's own message shows the text around the damage: a post, a handle.
    items = [{"text": "hi"}, {"text": "thanks @ana_example \\q"}]
    damaged = json.dumps(items if stream_key is None else {"name": "g", stream_key: items})
    path = tmp_path / "damaged.json"
    path.write_text(damaged.replace("\\\\q", "\\q"))
    seen, report = records(path, whole_document_bytes=10)
    assert len(seen) == 1 and report.skipped == {DOCUMENT_CUT: 1}
    assert "ana_example" not in json.dumps(report.as_dict())


# "\udc00" alone is valid JSON (Python's json.dumps writes it for text cut inside an
# emoji) but no character: it once cost the whole line, document or file.
BROKEN = [{"text": "cut inside an emoji \ud83d"}, {"text": "\udc00 stray"}, {"text": "ok 😀"}]
READ_BROKEN = [{"text": "cut inside an emoji \ufffd"}, {"text": "\ufffd stray"}, {"text": "ok 😀"}]


@pytest.mark.parametrize(
    "written",
    [
        lambda items: "\n".join(json.dumps(item) for item in items),  # JSON Lines
        lambda items: json.dumps(items, indent=1),  # one array
        lambda items: "window.YTD.tweets.part0 = " + json.dumps(items),  # an X archive's .js
    ],
)
def test_a_lone_half_of_an_emoji_is_read_as_a_replacement_character(tmp_path, written):
    path = tmp_path / "broken.json"
    path.write_text(written(BROKEN))
    assert "\\udc00" in path.read_text()  # as json.dumps escapes it

    got, report = records(path)

    assert got == READ_BROKEN
    assert report.records == 3 and not report.skipped


def test_a_lone_half_of_an_emoji_in_a_small_export_keeps_every_message(tmp_path):
    export = {"name": "g", "type": "public_supergroup", "id": 1, "messages": BROKEN}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export))
    assert records(path)[0] == [{**export, "messages": READ_BROKEN}]


def test_a_lone_half_of_an_emoji_in_a_streamed_export_keeps_every_message(tmp_path):
    export = {"name": "g", "type": "public_supergroup", "id": 1, "messages": BROKEN}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, indent=1))

    got, report = records(path, whole_document_bytes=50)

    assert [record["messages"] for record in got] == [[item] for item in READ_BROKEN]
    assert not report.skipped


@pytest.mark.parametrize(
    "text, read",
    [
        ("C:\\udc00 \ud83d", "C:\\udc00 \ufffd"),
        # Text that looks like the first half of a pair does not make one.
        ("C:\\ud83d\udc00", "C:\\ud83d\ufffd"),
        ("한\udc00", "한\ufffd"),  # \ud55c is a letter, not half of a pair
    ],
)
def test_an_escaped_backslash_before_u_is_text_not_a_broken_character(tmp_path, text, read):
    path = write_lines(tmp_path / "lines.jsonl", json.dumps({"text": text}).encode())
    assert records(path)[0] == [{"text": read}]


@given(
    texts=st.lists(
        st.text(alphabet=st.sampled_from("a\\u\ud83d\ude00\udc00😀d83ec한"), max_size=12)
    ),
    chunk=st.integers(min_value=1, max_value=40),
)
def test_broken_characters_are_read_alike_in_chunks_of_any_size(texts, chunk):
    data = json.dumps(texts).encode()  # ASCII: every non-ASCII character as an escape
    stream = _Repaired(io.BytesIO(data))
    pieces = iter(lambda: stream.read(chunk), b"")
    assert b"".join(pieces) == _without_lone_surrogates(data)
    assert json.loads(_without_lone_surrogates(data)) == [
        text.encode("utf-16", "surrogatepass").decode("utf-16", "replace") for text in texts
    ]


def test_small_object_document_is_one_record(tmp_path):
    path = tmp_path / "context.json"
    path.write_text(json.dumps({"ancestors": [], "descendants": []}, indent=2))
    assert records(path)[0] == [{"ancestors": [], "descendants": []}]


def test_large_object_document_is_streamed_by_its_formats_item_key():
    small, _ = records(FIXTURES / "telegram/result.json")
    streamed, report = records(FIXTURES / "telegram/result.json", whole_document_bytes=200)
    header = {key: value for key, value in small[0].items() if key != "messages"}
    assert streamed == [{**header, "messages": [item]} for item in small[0]["messages"]]
    assert report.records == 6


def test_large_object_document_without_a_stream_key_is_refused(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"results": [{"n": n} for n in range(50)]}, indent=2))
    with pytest.raises(UnreadableFile, match="JSON Lines"):
        records(path, whole_document_bytes=100)


def test_a_large_bluesky_feed_saved_as_one_document_is_streamed_post_by_post(tmp_path):
    feed = {"feed": [{"post": {"n": n}} for n in range(3)], "cursor": "abc"}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed, indent=2))
    got, _ = records(path, whole_document_bytes=50)
    assert got == [{"feed": [item]} for item in feed["feed"]]


def test_a_cut_off_export_keeps_the_messages_before_the_cut(tmp_path):
    whole = (FIXTURES / "telegram/result.json").read_text()
    path = tmp_path / "result.json"
    path.write_text(whole[: whole.index('"id": 4,')])  # cut inside the fourth message
    seen, report = records(path)
    assert [record["messages"][0]["id"] for record in seen] == [1, 2, 3]
    assert report.skipped == {DOCUMENT_CUT: 1}


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b"[" * 200_000,
        b'{"a":' * 200_000 + b"1" + b"}" * 200_000 + b"\n",
        b"[" + b"[ " * 200_000,
    ],
)
def test_json_nested_deeper_than_any_data_is_refused_at_once(tmp_path, content):
    # JSON parsers take time by the square of the depth: 100,000 levels took minutes.
    path = tmp_path / "deep.json"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match="nested more than"):
        records(path)


def test_json_nested_too_deep_after_good_items_keeps_them(tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(b'[{"n": 1}, {"n": 2}, ' + b"[" * 200_000 + b"]" * 200_000 + b"]")
    seen, report = records(path)
    assert seen == [{"n": 1}, {"n": 2}]
    [reason] = report.skipped
    assert "nested more than" in reason and report.skipped_lines[reason] == ["item 3"]


def test_json_nested_deeper_than_orjson_reads_but_as_deep_as_data_goes_is_read(tmp_path):
    # A Bluesky thread of a long back-and-forth: two levels per reply.
    thread = '{"post": {"n": 0}}'
    for n in range(1, 1500):
        thread = f'{{"post": {{"n": {n}}}, "replies": [{thread}]}}'
    path = tmp_path / "thread.json"
    path.write_text(f'{{"thread": {thread}}}')
    seen, report = records(path)
    assert len(seen) == 1 and report.skipped_total == 0


def test_documents_one_after_another_are_read_each(tmp_path):
    # What `jq . page1.json page2.json > pages.json` writes.
    pages = [{"ancestors": [], "descendants": [{"n": n}]} for n in range(3)]
    path = tmp_path / "pages.json"
    path.write_text("".join(json.dumps(page, indent=2) + "\n" for page in pages))
    got, report = records(path)
    assert got == pages
    assert report.records == 3


# --- sniffing and reading posts -----------------------------------------------------


@pytest.mark.parametrize(
    "fixture, module",
    [
        ("twarc2/search.jsonl", twitter_v2),
        ("twarc2/flattened.jsonl", twitter_v2),
        ("twitter_v1/tweets.json", twitter_v1),
        ("bluesky/search.jsonl", bluesky),
        ("bluesky/author_feed.json", bluesky),
        ("bluesky/thread.json", bluesky),
        ("jetstream/events.jsonl", jetstream),
        ("mastodon/timeline.jsonl", mastodon),
        ("mastodon/context.json", mastodon),
        ("telegram/result.json", telegram),
    ],
)
def test_sniffing_picks_the_format_of_each_fixture(fixture, module):
    assert sniff_format(FIXTURES / fixture) is module


def test_unknown_json_format_is_named_as_such(tmp_path):
    path = write_lines(tmp_path / "other.jsonl", b'{"temperature": 21.5}')
    with pytest.raises(UnreadableFile, match="not in a format socialgood knows"):
        sniff_format(path)


def test_a_twarc2_file_that_starts_with_pages_of_errors_is_known(tmp_path):
    # Hydrating old tweet ids: the first pages may hold nothing but "not found" errors.
    problem = {
        "value": "1", "detail": "Could not find tweet with ids: [1].", "title": "Not Found Error",
        "resource_type": "tweet", "parameter": "ids", "resource_id": "1",
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }  # fmt: skip
    errors = [json.dumps({"errors": [problem]}).encode()] * 8
    path = write_lines(tmp_path / "hydrated.jsonl", *errors, *TWARC2.read_bytes().splitlines())
    assert sniff_format(path) is twitter_v2
    report = Report()
    posts = list(read_posts(path, report))
    assert len(posts) == len(list(read_posts(TWARC2, Report())))
    assert report.skipped["X: page without data (failed request)"] >= 8


def test_read_posts_counts_records_and_posts_in_the_report():
    report = Report()
    posts = list(read_posts(TWARC2, report))
    assert report.records == 2
    assert report.posts == len(posts) == 5


def test_a_record_of_an_unexpected_shape_is_skipped_not_fatal(tmp_path):
    path = tmp_path / "odd.jsonl"
    page = TWARC2.read_text().splitlines()[0]
    write_lines(
        path,
        page.encode(),
        b'{"data": [{"author_id": "1", "text": "no id"}], "__twarc": {}}',
        page.encode(),
    )
    report = Report()
    posts = list(read_posts(path, report))
    assert len(posts) == 10
    assert report.skipped_lines == {"X: malformed tweet (KeyError)": [2]}


@pytest.mark.skipif(not GEN_POSTS.exists(), reason=f"the shared generator {GEN_POSTS} is absent")
@pytest.mark.parametrize(
    "name, module", [("twarc2", twitter_v2), ("bluesky", bluesky), ("mastodon", mastodon)]
)
def test_sniffing_and_reading_gen_posts_output(tmp_path, name, module):
    out = tmp_path / f"{name}.jsonl"
    subprocess.run(
        [sys.executable, GEN_POSTS, "--format", name, "--posts", "60", "--seed", "3", "--out", out],
        check=True,
        capture_output=True,
    )
    assert sniff_format(out) is module
    report = Report()
    posts = list(read_posts(out, report))
    assert len({post.platform_id for post in posts}) >= 60  # and the originals of reposts
    assert report.skipped_total == 0
    assert not report.unknown_fields
    assert all(post.created_at.utcoffset().total_seconds() == 0 for post in posts)


def test_tables_in_an_archive_are_named_and_the_way_to_import_them_said(tmp_path):
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("study/posts.jsonl", TWARC2.read_bytes())
        zf.writestr("study/more.csv", b"id,text,date\n1,hello,2026-01-02\n")
        zf.writestr("study/sheet.xlsx", b"PK\x03\x04 an Excel workbook is a zip")
    got, report = records(archive)
    assert got == records(TWARC2)[0]
    assert report.skipped == {TABLE_IN_ARCHIVE: 2}
    assert report.skipped_lines[TABLE_IN_ARCHIVE] == ["study/more.csv", "study/sheet.xlsx"]

    only_tables = tmp_path / "tables.zip"
    with zipfile.ZipFile(only_tables, "w") as zf:
        zf.writestr("a.csv", b"id,text\n1,hello\n")
        zf.writestr("b.xlsx", b"PK\x03\x04 an Excel workbook is a zip")
    with pytest.raises(UnreadableFile, match="holds tables .* only: unpack it and import"):
        records(only_tables)


def test_a_post_text_longer_than_any_platform_allows_is_cut_with_a_note(tmp_path):
    page = json.loads(TWARC2.read_text().splitlines()[0])
    page["data"][0]["text"] = "words " * 200_000  # 1,200,000 characters
    path = write_lines(tmp_path / "long.jsonl", json.dumps(page).encode())
    report = Report()
    posts = list(read_posts(path, report))
    assert len(posts[0].text) == MAX_TEXT_CHARACTERS
    assert report.warnings[TEXT_CUT] == 1


def test_a_zip64_cut_inside_a_header_keeps_the_files_before_it(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, start in (("a.jsonl", 0), ("b.jsonl", 300)):
            with zf.open(name, "w", force_zip64=True) as member:
                member.write(lines_of(300, start=start))
    data = out.getvalue()
    second = data.index(b"PK\x03\x04", 4)
    for cut in range(second + 30, second + 30 + len("b.jsonl") + 20):  # name, zip64 field
        archive = tmp_path / "export.zip"
        archive.write_bytes(data[:cut])
        got, report = records(archive)
        assert [record["n"] for record in got] == list(range(300))
        assert report.skipped == {CUT_ZIP: 1}


def test_a_zstd_file_cut_off_after_its_first_frame_says_so(tmp_path):
    # Pushshift-style dumps are several frames; python-zstandard ends a cut one quietly.
    first = zstandard.ZstdCompressor().compress(lines_of(200))
    second = zstandard.ZstdCompressor(write_checksum=True).compress(lines_of(200, start=200))
    path = tmp_path / "RC_2026-01.zst"
    for cut in (len(second) // 2, len(second) - 1):  # in its data, in its checksum
        path.write_bytes(first + second[:cut])
        got, report = records(path)
        assert [record["n"] for record in got] == list(range(len(got))) and len(got) >= 200
        assert report.skipped[CUT_COMPRESSED] == 1
    path.write_bytes(first + second)
    got, report = records(path)
    assert len(got) == 400 and not report.skipped


@pytest.mark.parametrize("compress", ["", "gz"])
def test_a_cut_off_tar_keeps_every_line_before_the_cut(tmp_path, compress):
    members = {"a.jsonl": lines_of(2000), "b.jsonl": lines_of(2000, start=2000)}
    whole = tar_of(tmp_path / "whole.tar", members, compress).read_bytes()
    path = tmp_path / "cut.tar"
    for cut in (len(whole) // 4, len(whole) * 3 // 4):
        path.write_bytes(whole[:cut])
        got, report = records(path)
        numbers = [record["n"] for record in got]
        assert numbers == list(range(len(numbers))) and len(numbers) > 0
        if cut > len(whole) // 2:
            assert len(numbers) > 2000  # the first file whole, and some of the second
        if not compress:  # no more lost than a step of reading (64 KiB) and a line
            assert len(lines_of(len(numbers) + 1)) + 1536 > cut - 2**16
        assert report.skipped.keys() & {CUT_TAR, CUT_COMPRESSED}


def test_password_protected_files_in_a_zip_say_how_to_read_them(tmp_path):
    # A zip's files are protected one by one; Python can't write them: set the flag.
    archive = tmp_path / "protected.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("posts.jsonl", TWARC2.read_bytes())
        zf.writestr("secret.jsonl", b"{}")
    data = bytearray(archive.read_bytes())
    for magic in (b"PK\x03\x04", b"PK\x01\x02"):  # the flag in both headers of secret.jsonl
        at = data.rindex(magic)
        flags_at = at + (6 if magic == b"PK\x03\x04" else 8)
        data[flags_at] |= 0x01
    archive.write_bytes(bytes(data))
    got, report = records(archive)
    assert got == records(TWARC2)[0]
    assert report.skipped_lines[PASSWORD_PROTECTED] == ["secret.jsonl"]


def test_a_post_dated_before_2000_or_in_the_future_is_kept_with_a_note_and_its_lines(tmp_path):
    page = json.loads((FIXTURES / "bluesky/search.jsonl").read_bytes().splitlines()[0])
    view = page["posts"][0]

    def dated(uri, moment):
        return {"posts": [{**view, "uri": uri, "indexedAt": moment,
                           "record": {**view["record"], "createdAt": moment}}]}  # fmt: skip

    path = write_lines(
        tmp_path / "odd.jsonl",
        json.dumps(dated(view["uri"], "2025-07-03T08:15:03Z")).encode(),
        json.dumps(dated(view["uri"] + "b", "0001-01-01T00:00:00Z")).encode(),
        json.dumps(dated(view["uri"] + "c", "9999-12-31T23:59:59Z")).encode(),
    )
    report = Report()

    posts = list(read_posts(path, report, bluesky))

    assert len(posts) == 3  # never lost
    (message,) = [text for text in report.warnings if text.startswith("date before 2000")]
    assert message.startswith("date before 2000 or in the future (after ")
    assert "kept as given" in message
    assert report.warnings[message] == 2
    assert report.warning_lines[message] == [2, 3]
    assert report.as_dict()["warning_lines"] == {message: [2, 3]}


def test_dates_within_the_bounds_make_no_note_and_no_warning_lines():
    report = Report()
    assert len(list(read_posts(TWARC2, report))) > 0
    assert not any(message.startswith("date before 2000") for message in report.warnings)
    assert "warning_lines" not in report.as_dict()


@pytest.mark.parametrize(
    "part, kind",
    [
        ("word/document.xml", "a Word document"),
        ("ppt/presentation.xml", "a PowerPoint presentation"),
        ("xl/workbook.xml", "an Excel workbook"),
    ],
)
def test_an_office_document_read_as_json_says_what_it_is(tmp_path, part, kind):
    path = tmp_path / "posts.json"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    with pytest.raises(UnreadableFile, match=f"This file is {kind}") as error:
        list(read_posts(path, Report(), twitter_v2))
    if "Excel" in kind:
        assert "Table: CSV or Excel" in str(error.value)


def test_every_format_names_its_platform_as_people_write_it():
    from socialgood import platforms

    for module in platforms.FORMATS.values():
        name = module.PLATFORM_NAME
        assert isinstance(name, str) and name.strip() == name != "", module.NAME
        assert name != module.NAME, module.NAME  # "twarc2" is for code, "X" for people


def test_report_messages_name_platforms_as_people_write_them():
    from socialgood import platforms

    names = {module.PLATFORM_NAME for module in platforms.FORMATS.values()}
    assert {"Bluesky", "X", "Mastodon", "Reddit", "YouTube", "Telegram"} <= names
    for module in platforms.FORMATS.values():
        source = Path(module.__file__).read_text()
        assert f'"{module.NAME}: ' not in source, module.NAME  # "Bluesky: …" is a code name


def test_a_million_blank_lines_are_passed_over_in_moments(tmp_path):
    # A kilobyte as .gz: each blank line taken for JSON that failed took 5 µs, and
    # 64 MB of them (67 KB compressed) held an import for five minutes.
    path = tmp_path / "blank.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' + b"\n" * 2**20 + b' \r\n{"a": 2}\n'))
    started = time.monotonic()
    got, report = records(path)
    assert time.monotonic() - started < 2
    assert got == [{"a": 1}, {"a": 2}] and not report.skipped


def test_an_enormous_item_of_a_document_is_not_read_whole(tmp_path):
    # ijson holds an item whole: one of 300 MB took 700 MB and 12 minutes.
    path = tmp_path / "export.json"
    # Items are read 64 KB at a time: the limit is far above that, as is 64 MB.
    huge = b'{"text": "' + b"x" * 2**20 + b'"}'
    path.write_bytes(b'[\n{"a": 1},\n{"a": 2},\n' + huge + b',\n{"a": 3}\n]\n')
    got, report = records(path, max_item_bytes=200_000)
    assert got == [{"a": 1}, {"a": 2}]
    reason = (
        "record longer than 195.3 KB, longer than any real post: the records after it "
        "could not be read"
    )
    assert report.skipped_lines == {reason: ["item 3"]}

    path.write_bytes(b'{\n"name": "chat",\n"messages": [\n' + huge + b"\n]}\n")
    with pytest.raises(UnreadableFile, match="its first record longer than 195.3 KB"):
        records(path, whole_document_bytes=100, max_item_bytes=200_000)


# A line just over the limit ends in the last 64 KB read; a longer one after them.
@pytest.mark.parametrize("length", [200_100, 2**20])
def test_an_enormous_first_line_holding_items_is_skipped_and_the_lines_after_it_read(
    tmp_path, length
):
    path = tmp_path / "huge.jsonl"
    huge = b'{"posts": [{"text": "' + b"x" * length + b'"}]}'
    write_lines(path, huge, b'{"a": 1}', b'{"a": 2}')
    got, report = records(path, max_line_bytes=200_000, max_item_bytes=200_000)
    assert got == [{"a": 1}, {"a": 2}]
    assert report.skipped_lines == {"line longer than 195.3 KB": [1]}


@pytest.mark.parametrize("at", [0.01, 0.75])
def test_a_zip_member_with_damaged_data_is_skipped_and_the_others_read(tmp_path, at):
    # zlib's own error escaped: "could not read on (error), a fault of socialgood's".
    path = tmp_path / "posts.zip"
    lines = b"".join(b'{"n": %d, "text": "%s"}\n' % (n, b"word " * (n % 50)) for n in range(5000))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.jsonl", lines)
        archive.writestr("b.jsonl", b'{"n": "b"}\n')
        info = archive.getinfo("a.jsonl")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len("a.jsonl")
    damage = start + int(info.compress_size * at)
    data[damage : damage + 64] = bytes(64)
    path.write_bytes(bytes(data))

    got, report = records(path)

    assert got[-1] == {"n": "b"}
    if at > 0.5:  # the lines before the damage are kept, but for 64 KB at most
        assert got[0]["n"] == 0 and 3000 < len(got) < 5001
    # What the damage made of the lines just before zlib saw it may be skipped as well.
    assert {"archive member not read: “a.jsonl” in the zip is damaged: what came after could "
            "not be read.", "archive member can't be opened (damaged, or packed in a way "
            "socialgood can't unpack)"} & set(report.skipped)  # fmt: skip


def test_a_zip_whose_list_of_contents_is_damaged_is_read_from_its_start(tmp_path):
    # zipfile refuses a list naming a zip "version" it does not know with
    # NotImplementedError, which ended the file as a fault of socialgood's.
    path = tmp_path / "posts.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.jsonl", b'{"n": 1}\n{"n": 2}\n')
    data = bytearray(path.read_bytes())
    data[data.index(b"PK\x01\x02") + 6] = 0xFF  # the version needed to unpack it
    path.write_bytes(bytes(data))

    got, report = records(path)

    assert got == [{"n": 1}, {"n": 2}]
    assert list(report.skipped) == [CUT_ZIP]
