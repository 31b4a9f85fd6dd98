"""Open any input file and turn it into JSON records, streaming, never reading it whole.

    for line, record in iter_records(path, report): ...
    module = sniff_format(path)                 # the format plug-in for this file
    for post in read_posts(path, report): ...   # both together, in one pass
    module, posts = open_posts(path, report)    # the same, the format told at once

Compression is recognised by its magic bytes, whatever the file is called: gzip, zstd
(Pushshift/Arctic Shift dumps need a 2 GiB window), bzip2, xz, zip (every member in
name order, with a guard against zip bombs) and tar, compressed or not (every member as
it streams by). read_posts can tell each member's format apart. Of an X archive's zip
only the tweets are read, each with the account that wrote them as `owner`
(platforms.x_archive).

A file's records are
- one JSON value per line (JSON Lines); a line may be an object or an array,
  e.g. one Mastodon page. Bad lines are skipped and reported, never fatal;
- or one JSON document, also after an X archive's `window.YTD.<name>.partN =` (never
  run as JavaScript): a top-level array yields its items one by one; a top-level
  object is one record when small, and when large it is streamed if a format
  declares which key holds its items (`STREAM_KEYS`, e.g. Telegram's `messages`): each
  item then comes as a small document of the same shape, `{<header fields>, key: [item]}`.
  A smaller document that is not valid JSON is read as far as it goes: several
  documents one after another (`jq .` output) each, or a document cut off part-way
  item by item up to the damage.

A file cut off anywhere (a download that stopped) keeps what came before the cut, with
a skip reason saying where it was cut: a JSON Lines file or document, a compressed file
(for zstd, whose decompressor ends quietly, the frames are checked by their headers), a
tar archive, and a zip, whose list of contents is at its end (its files are then found
by the header before each). Tables and password-protected files in an archive are named
and passed over, saying how to import them.

Problems a person can fix (not JSON, nothing readable, zip bomb) raise `UnreadableFile`
with a message written for them. Iteration is lazy, so whatever was read before such an
error has already reached the caller and is kept.

`line` is the record's place in the file: in JSON Lines its line
number; in a document, which spans many lines, its item, "item 37" (a top-level
array's, a streamed object's, one of several documents one after another), and ""
for a document read whole as one record, whose items are then the file's too ("item
37", as when streamed: report.item_place). Inside an archive it is "member name:line"
("export/result.json:item 37", "export/result.json:"). What a format skips in a record
that holds several of its items (a page of statuses, an API response) is placed by
the item too: "4 item 37", "item 3 item 37" (report.item_place).
"""

import bz2
import codecs
import io
import lzma
import re
import struct
import tarfile
import zipfile
import zlib
from gzip import GzipFile
from itertools import accumulate, chain, islice

import ijson
import msgspec
import orjson
import zstandard

from socialgood.platforms.normalise import SHAPE_ERRORS
from socialgood.platforms.report import EARLIEST_DATE, item_place, placed

MAX_LINE_BYTES = 64 * 2**20  # far above any real API page; a longer line is skipped
WHOLE_DOCUMENT_BYTES = 64 * 2**20  # a JSON object up to this size is read in one go
MAX_ITEM_BYTES = MAX_LINE_BYTES  # an item of a document read item by item, as a line
MAX_MEMBER_BYTES = 64 * 2**30  # per zip member, uncompressed
ZIP_RATIO_LIMIT = 100  # JSON compresses 5-20:1; far more than that is a zip bomb
ZIP_RATIO_FREE_BYTES = 16 * 2**20  # small members may compress as well as they like
SNIFF_RECORDS = 5  # a file's first records may be empty pages or error lines
# ... and a collector's file may start with many of them (a quiet timeline polled, a
# rate limit waited out): those are passed over, up to this many.
SNIFF_EMPTY_RECORDS = 100_000
# A document's list of items starts after a few fields (Telegram's chat name and id,
# YouTube's page tokens): a line longer than a line may be is taken for one only when
# its list starts this early.
KEY_SEARCH_BYTES = 2**20
ENCODING_SAMPLE = 2**16
# JSON nested deeper than this is refused: the streaming parser takes time by the square
# of the depth (100,000 levels of "[" took minutes). Data goes a few dozen levels deep; a
# Bluesky thread two per reply (orjson stops at 1,024, then the streaming parser reads it).
MAX_DEPTH = 4096
TOO_DEEP = (
    f"JSON nested more than {MAX_DEPTH:,} levels deep, deeper than any real data: damaged, "
    "or not data"
)
WINDOWS_1252 = (
    "the file is not UTF-8 text: read as Windows-1252 (Western European), as Notepad and "
    "Excel save “ANSI”"
)
NOT_DATA_EXTENSIONS = frozenset(
    "jpg jpeg png gif webp heic bmp tif tiff svg ico mp4 mov webm mkv avi m4v mp3 m4a ogg oga "
    "opus wav flac css html htm pdf txt md rtf doc docx odt ttf otf woff woff2".split()
)
PASSED_OVER = "files in an archive that hold no posts (photos, videos, web pages…), passed over"
# The endings of the files socialgood reads (tables, data, archives, compression).
FILE_ENDINGS = frozenset(
    {"json", "jsonl", "ndjson", "js", "txt", "csv", "tsv", "xlsx", "xlsm"}
    | {"zip", "tar", "tgz", "gz", "zst", "bz2", "xz"}
)
READ_CHUNK = 2**20
DECOMPRESS_CHUNK = 2**16

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"
_BZIP2_MAGIC = b"BZh"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_TAR_MAGIC_AT = 257  # "ustar" in the first member's header, POSIX and GNU alike
# An X archive (known by any of data/account.js, manifest.js, tweets.js): the tweets in
# data/tweets.js (older: tweet.js), large ones going on in tweets-part1.js …, and who
# wrote them in account.js. Never deleted-tweets.js: the person deleted those.
_X_ARCHIVE_ACCOUNT = re.compile(r"(?:.*/)?data/account\.js")
_X_ARCHIVE_TWEETS = re.compile(r"(?:.*/)?data/tweets?(?:-part[0-9]+)?\.js")
_X_ARCHIVE_MARKS = re.compile(r"(?:.*/)?data/(?:account|manifest|tweets?)\.js")
_X_ARCHIVE_OWNER = ("accountId", "username", "accountDisplayName")
_X_ARCHIVE_DATA = re.compile(r"(?:.*/)?data/[^/]+\.js")
# A zip member's local header: signature, version, flags, method, time, date, crc,
# compressed and uncompressed size, name and extra field lengths.
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_MAGIC = b"PK\x03\x04"
_DESCRIPTOR_MAGIC = b"PK\x07\x08"
_NEXT_MAGICS = (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"")
X_ARCHIVE_NO_OWNER = "X archive: its account.js could not be read (the tweets' author is unknown)"
X_ARCHIVE_UNREAD = (
    "X archive: a file left unread (only the tweets are imported, never likes, direct "
    "messages, login records or media)"
)
# Far longer than any platform allows (X's long posts: 25,000; Reddit's: 40,000), not
# too long for a table cell holding a long story (tests: 216,000), short of a damaged
# line that became one post (an audit's 60 MB).
MAX_TEXT_CHARACTERS = 1_000_000
TEXT_CUT = f"post text longer than {MAX_TEXT_CHARACTERS:,} characters, cut there"
PASSWORD_PROTECTED = (
    "archive member protected by a password, not read: unzip the archive with its "
    "password, then import the files themselves"
)
TABLE_IN_ARCHIVE = (
    "table (CSV or Excel) in an archive, not read: unpack the archive and import the "
    "table on its own, to choose which column is which"
)
DOCUMENT_CUT = (
    "JSON document cut off or damaged here: the records after it could not be read (was "
    "the download or copy complete?)"
)
CUT_TAR = (
    "tar archive cut off or damaged: what came after could not be read (was the download "
    "or copy complete?)"
)
CUT_COMPRESSED = (
    "compressed file cut off or damaged: what came after could not be read (was the "
    "download or copy complete?)"
)
CUT_ZIP = (
    "zip file cut off (its list of contents, at its end, is missing): its files were read "
    "from its start up to the cut (was the download or copy complete?)"
)


# Office files are zips of XML, told apart by the part each must hold.
TABLE_HINT = (
    "on the upload page, choose the format “Table: CSV or Excel”; with socialgood import, "
    "add --format {format}"
)
OFFICE_DOCUMENTS = {
    "word/document.xml": (
        "This file is a Word document (.docx), not data: socialgood reads posts from the "
        "files a collection tool saved (JSON) or from tables (CSV or Excel). If the posts "
        "are in a table in the document, copy it into a spreadsheet, save it as .xlsx or "
        "CSV, and import that."
    ),
    "ppt/presentation.xml": (
        "This file is a PowerPoint presentation (.pptx), not data: socialgood reads posts "
        "from the files a collection tool saved (JSON) or from tables (CSV or Excel). "
        "Import the file the posts were collected in instead."
    ),
    "xl/workbook.xml": (
        "This file is an Excel workbook (.xlsx), not JSON: import it as a table, "
        + TABLE_HINT.format(format="xlsx")
        + "."
    ),
}
# Bytes that are no part of text: control characters but tab, line feed, form feed and
# carriage return. Text has next to none; random or compressed data has about one in nine.
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_NOT_CONTROL = bytes(sorted(set(range(256)) - set(_CONTROL_BYTES)))
BINARY_SAMPLE = 4096


def office_document(names):
    """What to tell people of a zip whose files are `names` when it is a Word, PowerPoint
    or Excel file, else None."""
    names = set(names)
    return next((message for part, message in OFFICE_DOCUMENTS.items() if part in names), None)


def looks_binary(head):
    """Whether the first bytes of a file are binary data rather than text: a NUL byte
    (text in UTF-16, which has them, is to be told apart by its BOM first), or more than
    one in twenty of them control characters."""
    if b"\x00" in head:
        return True
    return len(head.translate(None, _NOT_CONTROL)) * 20 > len(head)


class UnreadableFile(Exception):
    """The file can't be read as posts; the message says why in plain words."""


class ZipBomb(UnreadableFile):
    pass


def iter_records(
    path,
    report,
    *,
    max_line_bytes=MAX_LINE_BYTES,
    whole_document_bytes=WHOLE_DOCUMENT_BYTES,
    max_member_bytes=MAX_MEMBER_BYTES,
    max_item_bytes=MAX_ITEM_BYTES,
    on_member=None,
):
    """Yield (line, record) for every JSON record in the file; see the module docstring.

    `on_member(name)` is called as each member of a zip or tar archive starts.
    """
    limits = (max_line_bytes, whole_document_bytes, max_item_bytes)
    with open(path, "rb", buffering=0) as raw:
        head = raw.read(8)
        raw.seek(0)
        if head.startswith(_ZIP_MAGICS):
            yield from _zip_records(raw, report, limits, max_member_bytes, on_member)
            return
        stream = _decompressed(raw, head, report)
        if head.startswith(_ZSTD_MAGIC) and not stream.peek(1) and not _zstd_frames_complete(raw):
            # python-zstandard ends a stream cut in its first block quietly, as if empty.
            raise UnreadableFile(
                "The compressed file is cut off or damaged: nothing in it could be read. "
                "Was the download or copy complete?"
            )
        if stream.peek(_TAR_MAGIC_AT + 5)[_TAR_MAGIC_AT : _TAR_MAGIC_AT + 5] == b"ustar":
            yield from _tar_records(stream, report, limits, max_member_bytes, on_member)
            return
        yield from _stream_records(stream, report, limits, None)


def sniff_format(path, **limits):
    """The format module (from the registry) that reads this file, from its first records.

    Raises UnreadableFile when no format recognises them.
    """
    records = iter_records(path, _Discard(), **limits)
    try:
        return _sniffed(records)[0]
    finally:
        records.close()


def _sniffed(records):
    """(the format of the first of `records` that one knows, the records read to find
    it): empty pages and platform error lines are passed over, up to
    SNIFF_EMPTY_RECORDS of them, and SNIFF_RECORDS others looked at; UnreadableFile,
    saying what they are, when none is known."""
    from socialgood import platforms  # the registry imports this module's users

    seen, others = [], 0
    for line, record in islice(records, SNIFF_EMPTY_RECORDS + SNIFF_RECORDS):
        seen.append((line, record))
        module = _sniff_one(record)
        if module is not None:
            return module, seen
        if not (_empty(record) or _error(record)):
            others += 1
            if others == SNIFF_RECORDS:
                break
    first = seen[0][1] if seen else _NOTHING
    if _empty(first):
        raise UnreadableFile("The file holds no posts: it is an empty list or object.")
    if _error(first):
        raise UnreadableFile(
            "The file holds an error message from a platform, not posts: the request "
            "that saved it failed (a wrong token, a rate limit?). Collect it again."
        )
    raise UnreadableFile(
        "The file holds JSON, but not in a format socialgood knows. Supported formats: "
        + ", ".join(module.LABEL for module in platforms.FORMATS.values())
        + "."
    )


def _empty(record):
    return record in (None, [], {})


def _error(record):
    return isinstance(record, dict) and record and set(record) <= _ERROR_KEYS


def cut_text(post, report):
    """`post` with its text cut to MAX_TEXT_CHARACTERS: a longer one is damaged data or
    not a post (a whole document pasted into a cell), and would make every page that
    shows it as large."""
    if not post.text or len(post.text) <= MAX_TEXT_CHARACTERS:
        return post
    report.warn(TEXT_CUT)
    return msgspec.structs.replace(post, text=post.text[:MAX_TEXT_CHARACTERS])


def read_posts(path, report, module=None, *, on_format=None, protect=None, **limits):
    """Every Post in the file, parsed by `module` (sniffed when not given), and passed
    through `protect` (the pseudonymiser) when given.

    Counts records and posts in `report`. A record the parser (or a post `protect`)
    chokes on is skipped and reported, so one odd record never ends an import.

    With `on_format`, an archive member whose first records are in another format than
    the one before is read in that format (a packed folder of files from several
    tools), and `on_format(module)` is called before its first post.
    """
    _, posts = open_posts(path, report, module, on_format=on_format, protect=protect, **limits)
    yield from posts


def open_posts(path, report, module=None, *, on_format=None, protect=None, **limits):
    """(the format module, read_posts' posts). When `module` is None, the file's first
    records tell the format here, at once, or UnreadableFile says none knows them (with
    those records counted in `report`); they are then parsed, not read a second time: a
    JSON document is one record, and parsing it twice made reading it a fifth dearer."""
    # When an archive member starts, its first records (as a file's, they may be empty
    # pages or error lines) tell its format.
    unsniffed = [0]
    on_member = (lambda name: unsniffed.__setitem__(0, SNIFF_RECORDS)) if on_format else None
    records = iter_records(path, report, on_member=on_member, **limits)
    if module is None:
        try:
            module, seen = _sniffed(records)
        except BaseException:
            records.close()  # the file, at once
            raise
        records = chain(seen, records)
    return module, _posts(records, report, module, unsniffed, on_format, protect)


def _posts(records, report, module, unsniffed, on_format, protect):
    parse = module.parse
    earliest, latest = EARLIEST_DATE, report.latest_date
    for line, record in records:
        if unsniffed[0]:
            found = _sniff_one(record)
            unsniffed[0] = 0 if found is not None else unsniffed[0] - 1
            if found is not None and found is not module:
                module, parse = found, found.parse
                on_format(module)
        # A list the format does not take as one record holds several of its records
        # (API responses saved together as one JSON array), each placed as an item of it.
        items = ((line, record),)
        if isinstance(record, list) and record and not module.sniff(record):
            items = [(item_place(line, place), item) for place, item in placed(record)]
            report.records += len(items) - 1  # each response is a record, as in a document
        for line, item in items:
            try:
                for post in parse(item, report, line):
                    if not earliest <= post.created_at <= latest:
                        report.odd_date(line)  # kept: a wrong date is no reason to lose it
                    if post.text and len(post.text) > MAX_TEXT_CHARACTERS:
                        post = cut_text(post, report)
                    if protect is not None:
                        try:
                            post = protect(post)
                        except SHAPE_ERRORS as error:
                            report.skip(_odd_shape(module, "post", error), line)
                            continue
                    report.posts += 1
                    yield post
            except SHAPE_ERRORS as error:
                report.skip(_odd_shape(module, "record", error), line)


def _odd_shape(module, what, error):
    return f"{module.PLATFORM_NAME}: {what} of an unexpected shape ({type(error).__name__})"


def _sniff_one(record):
    from socialgood import platforms  # the registry imports this module's users

    return platforms.sniff(record)


_NOTHING = object()
# What APIs answer instead of data: X's problems, Bluesky's and Mastodon's errors, OAuth's.
_ERROR_KEYS = frozenset(
    "error errors message status title detail type code error_description reason".split()
)


class _Discard:
    """A report that forgets everything: sniffing must not count records twice."""

    records = 0

    def skip(self, reason, line=None, count=1):
        pass

    def warn(self, message, count=1):
        pass


# --- opening -----------------------------------------------------------------------


def _decompressed(raw, head, report):
    """A buffered binary stream of the file's content, decompressed by magic bytes."""
    if head.startswith(_GZIP_MAGIC):
        stream = GzipFile(fileobj=raw, mode="rb")
    elif head.startswith(_ZSTD_MAGIC):
        decompressor = zstandard.ZstdDecompressor(max_window_size=2**31)
        stream = decompressor.stream_reader(raw, read_across_frames=True)
        if raw.seekable():  # python-zstandard ends a cut-off file quietly: check its frames
            return _guarded(stream, report, lambda: _zstd_frames_complete(raw))
    elif head.startswith(_BZIP2_MAGIC):
        stream = bz2.BZ2File(raw)
    elif head.startswith(_XZ_MAGIC):
        stream = lzma.LZMAFile(raw)
    else:  # plain JSON: read the file directly, the fastest path
        return io.BufferedReader(raw, READ_CHUNK)
    return _guarded(stream, report)


def _zstd_frames_complete(raw):
    """Whether a zstd file's frames all end (by their headers and block headers, without
    decompressing), so a cut-off download is told from a whole one."""
    position = raw.tell()
    try:
        raw.seek(0)
        while magic := raw.read(4):
            if magic[1:] == b"\x2a\x4d\x18" and magic[0] & 0xF0 == 0x50:  # skippable frame
                size = raw.read(4)
                if len(size) < 4:
                    return False
                raw.seek(int.from_bytes(size, "little"), io.SEEK_CUR)
                continue
            if magic != _ZSTD_MAGIC or not _zstd_frame_ends(raw):
                return False
        return raw.tell() == raw.seek(0, io.SEEK_END)
    finally:
        raw.seek(position)


def _zstd_frame_ends(raw):
    descriptor = raw.read(1)
    if not descriptor:
        return False
    flags = descriptor[0]
    single_segment = flags & 0x20
    header = (0 if single_segment else 1) + (0, 1, 2, 4)[flags & 0x03]
    header += (1 if single_segment else 0, 2, 4, 8)[flags >> 6]
    raw.seek(header, io.SEEK_CUR)
    while True:
        block = raw.read(3)
        if len(block) < 3:
            return False
        value = int.from_bytes(block, "little")
        size = 1 if (value >> 1) & 0x03 == 1 else value >> 3  # an RLE block holds one byte
        raw.seek(size, io.SEEK_CUR)
        if value & 0x01:  # the last block
            break
    end = raw.seek(0, io.SEEK_CUR) + (4 if flags & 0x04 else 0)  # and its checksum
    return end <= raw.seek(0, io.SEEK_END) and raw.seek(end) == end


def _zip_records(raw, report, limits, max_member_bytes, on_member=None):
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, NotImplementedError, OSError):
        # A zip's table of contents is at its end: a cut-off download loses it first
        # (NotImplementedError: a damaged one names a zip "version" zipfile does not know).
        raw.seek(0)
        if raw.read(4) == _LOCAL_MAGIC:
            raw.seek(0)
            yield from _cut_zip_records(raw, report, limits, max_member_bytes, on_member)
            return
        raise UnreadableFile(
            "The zip file is cut off or damaged: its list of contents, at its end, can't be "
            "read. Was the download or copy complete? Nothing in it could be read."
        ) from None
    office = office_document(archive.namelist())
    if office:
        raise UnreadableFile(office)
    members = sorted(
        (info for info in archive.infolist() if not info.is_dir() and _is_data(info.filename)),
        key=lambda info: info.filename,
    )
    owner = None
    if any(_X_ARCHIVE_MARKS.fullmatch(info.filename) for info in members):
        members, owner = _x_archive_tweets(archive, members, report, limits)
    found_any = nested = False
    for info in members:
        check_not_bomb(info, max_member_bytes)
        if info.flag_bits & 0x01:
            report.skip(PASSWORD_PROTECTED, info.filename)
            continue
        try:
            with archive.open(info) as member:
                head = member.read(8)
            member = archive.open(info)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError):
            # Not the error's words: they name the file, and its packing in zip terms.
            report.skip(
                "archive member can't be opened (damaged, or packed in a way socialgood can't unpack)",
                info.filename,
            )
            continue
        nested = nested or (head.startswith(_ZIP_MAGICS) and not _is_table_name(info.filename))
        with member:
            stream = _Limited(member, max_member_bytes, info.filename)
            records = _member_records(info.filename, head, stream, report, limits, on_member)
            for line, record in records:
                found_any = True
                if owner is not None and isinstance(record, dict):
                    record = {**record, "owner": owner}
                yield line, record
    if not found_any:
        if nested:
            raise UnreadableFile("The zip file holds other zip files: unpack it first.")
        if members and all(info.flag_bits & 0x01 for info in members):
            raise UnreadableFile(
                "The zip file's files are password-protected: unzip it with its password, "
                "then import the files themselves."
            )
        _no_records_in_archive("zip file", [info.filename for info in members])


def _cut_zip_records(raw, report, limits, max_member_bytes, on_member):
    """The records of a zip whose list of contents is lost: each file is found by the
    header before it, from the start of the zip up to the cut."""
    report.skip(CUT_ZIP)
    found_any = False
    owner = None  # of an X archive's tweets, once one is seen
    for name, member in _members_from_start(raw):
        if name.endswith("/") or not _is_data(name):
            continue
        if _X_ARCHIVE_DATA.fullmatch(name):
            if not _X_ARCHIVE_TWEETS.fullmatch(name):
                # Never read, not even to look, as in _x_archive_tweets.
                if not _X_ARCHIVE_ACCOUNT.fullmatch(name):
                    report.warn(X_ARCHIVE_UNREAD)
                continue
            if owner is None:
                position = raw.tell()
                owner = _x_archive_owner_from_start(raw, limits)
                raw.seek(position)
                if not owner.get("accountId"):
                    report.warn(X_ARCHIVE_NO_OWNER)
        stream = io.BufferedReader(_Limited(member, max_member_bytes, name), READ_CHUNK)
        head = stream.peek(8)[:8]
        for line, record in _member_records(name, head, stream, report, limits, on_member):
            found_any = True
            if owner and isinstance(record, dict) and _X_ARCHIVE_TWEETS.fullmatch(name):
                record = {**record, "owner": owner}
            yield line, record
    if not found_any:
        raise UnreadableFile(
            "The zip file is cut off or damaged: its list of contents, at its end, is "
            "missing, and nothing could be read from its start. Was the download or copy "
            "complete?"
        )


def _members_from_start(raw, skim=False):
    """(name, raw stream) of each file of a zip, read from the local header before it;
    what the caller leaves unread is passed over. Ends at the first header that is not
    there (the cut) or a file whose end can't be found (stored with a data descriptor);
    when skimming, at any file whose end is found only by reading it through."""
    while True:
        header = raw.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or not header.startswith(_LOCAL_MAGIC):
            return
        fields = _LOCAL_HEADER.unpack(header)
        flags, method, compressed, name_length, extra_length = (
            fields[2], fields[3], fields[7], fields[9], fields[10]
        )  # fmt: skip
        name = raw.read(name_length).decode("utf-8" if flags & 0x800 else "cp437", "replace")
        extra = raw.read(extra_length)
        if compressed == 0xFFFFFFFF:
            compressed = _zip64_compressed_size(extra)
        described = bool(flags & 0x08)  # sizes in a descriptor after the data
        if compressed is None or len(extra) < extra_length:
            return  # the cut is in this header
        if flags & 0x01 or method not in (0, 8) or (described and (method == 0 or skim)):
            return  # encrypted or packed otherwise: where the next file starts is unknown
        start = raw.tell()
        member = _InflatedMember(raw) if method == 8 else _StoredMember(raw, compressed)
        yield name, member
        if described:
            member.read_to_end()
            _skip_descriptor(raw)
        else:
            raw.seek(start + compressed)


def _zip64_compressed_size(extra):
    """The compressed size in a zip64 extra field, or None (the field is cut off too)."""
    while len(extra) >= 4:
        tag, size = struct.unpack("<HH", extra[:4])
        if tag == 0x0001 and size >= 16 and len(extra) >= 20:
            return struct.unpack("<Q", extra[12:20])[0]
        extra = extra[4 + size :]
    return None


def _skip_descriptor(raw):
    """Past the data descriptor after a file's data: crc and sizes, with or without its
    signature, sizes of 4 or 8 bytes; the one followed by a header is the one."""
    at = raw.tell()
    signed = raw.read(4) == _DESCRIPTOR_MAGIC
    for length in (16, 24) if signed else (12, 20):
        raw.seek(at + length)
        if raw.read(4) in _NEXT_MAGICS:
            raw.seek(at + length)
            return
    raw.seek(at + (16 if signed else 12))


class _StoredMember(io.RawIOBase):
    """The bytes of a file stored in a zip without compression."""

    def __init__(self, raw, size):
        self._raw = raw
        self._left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._raw.read(min(len(buffer), self._left))
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


class _InflatedMember(io.RawIOBase):
    """A deflated file in a zip, inflated until its stream ends or the zip does."""

    def __init__(self, raw):
        self._raw = raw
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        self._pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending and not self._inflate.eof:
            chunk = self._raw.read(DECOMPRESS_CHUNK)
            if not chunk:
                break  # the zip is cut off here
            try:
                self._pending = self._inflate.decompress(chunk, DECOMPRESS_CHUNK)
            except zlib.error:
                raise UnreadableFile("A file in the zip is damaged.") from None
            inflate = self._inflate
            # At the end both name the bytes after the stream; before it, only the tail.
            self._unread(inflate.unused_data if inflate.eof else inflate.unconsumed_tail)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _unread(self, data):
        # The stream reads ahead of the end of its file: give that back to the zip.
        if data:
            self._raw.seek(-len(data), io.SEEK_CUR)

    def read_to_end(self):
        while self.read(DECOMPRESS_CHUNK):
            pass


def _x_archive_tweets(archive, members, report, limits):
    """(the members holding the tweets, their owner or None) of an X archive.

    The archive also holds likes, direct messages (other people's words), login
    records with IP addresses and media: none of it is read, not even to look.
    """
    tweets = [info for info in members if _X_ARCHIVE_TWEETS.fullmatch(info.filename)]
    if not tweets:
        raise UnreadableFile("This X archive holds no tweets (it has no data/tweets.js).")
    accounts = [info for info in members if _X_ARCHIVE_ACCOUNT.fullmatch(info.filename)]
    others = len(members) - len(tweets) - len(accounts)
    if others:
        report.warn(X_ARCHIVE_UNREAD, count=others)
    if not accounts:
        return tweets, None  # x_archive notes that the author is unknown
    try:
        with archive.open(accounts[0]) as member:
            owner = _x_archive_owner(member, limits, accounts[0].filename)
    except (zipfile.BadZipFile, OSError):
        owner = {}
    if not owner.get("accountId"):
        report.warn(X_ARCHIVE_NO_OWNER)
    return tweets, owner


def _x_archive_owner(member, limits, name):
    """Who wrote an X archive's tweets, from its account.js: only that, never the e-mail
    address beside it ({} when it can't be read)."""
    stream = io.BufferedReader(_Limited(member, WHOLE_DOCUMENT_BYTES, name))
    try:
        for _, record in _stream_records(stream, _Discard(), limits, name):
            details = record.get("account") if isinstance(record, dict) else None
            if isinstance(details, dict):
                return {key: details.get(key) for key in _X_ARCHIVE_OWNER}
    except (OSError, UnreadableFile):
        pass
    return {}


def _x_archive_owner_from_start(raw, limits):
    """The owner of a cut-off X archive's tweets, from its account.js wherever it lies
    before the cut (found by skimming the headers; {} when it is not there)."""
    owner = {}
    raw.seek(0)
    for name, member in _members_from_start(raw, skim=True):
        if _X_ARCHIVE_ACCOUNT.fullmatch(name):
            owner = _x_archive_owner(member, limits, name)
            break
    return owner


def _tar_records(stream, report, limits, max_member_bytes, on_member=None):
    """The records of every file in a tar archive, in the order they stream by."""
    found_any = False
    names = []
    try:
        archive = tarfile.open(fileobj=stream, mode="r|")
        for info in archive:
            if not info.isfile() or not _is_data(info.name):
                continue
            names.append(info.name)
            if info.size > max_member_bytes:  # tar reads exactly the size its header gives
                raise ZipBomb(
                    f"“{info.name}” in the archive is {_size(info.size)}, more than the limit "
                    f"of {_size(max_member_bytes)}. It was not read."
                )
            # Read a step at a time, so the lines before a cut are not lost with it.
            member = _guarded(archive.extractfile(info), report, cut=CUT_TAR)
            try:
                head = member.peek(8)[:8]
            except UnreadableFile:  # the cut is at this file's start
                raise tarfile.ReadError from None
            for line, record in _member_records(info.name, head, member, report, limits, on_member):
                found_any = True
                yield line, record
            if member.raw.cut_off:
                return
    except tarfile.TarError:
        if not found_any:
            raise UnreadableFile(
                "The tar archive is cut off or damaged, and nothing could be read from its "
                "start. Was the download or copy complete?"
            ) from None
        report.skip(CUT_TAR)
        return
    if not found_any:
        _no_records_in_archive("archive", names)


def _member_records(name, head, stream, report, limits, on_member):
    """The records of one file in a zip or tar archive (`stream`, which starts with
    `head`), or a note or a skip saying what it is instead."""
    if _holds_no_posts(name, head):
        report.warn(PASSED_OVER)
        return
    if on_member is not None:
        on_member(name)
    if not head:
        report.skip("empty file in the archive", name)
        return
    if _is_table_name(name):
        report.skip(TABLE_IN_ARCHIVE, name)
        return
    if head.startswith(_ZIP_MAGICS):
        report.skip("zip inside the archive (unpack it first)", name)
        return
    try:
        yield from _stream_records(_decompressed(stream, head, report), report, limits, name)
    except ZipBomb:
        raise
    except UnreadableFile as error:
        report.skip(f"archive member not read: {error}", name)


def _is_table_name(name):
    return name.lower().endswith((".csv", ".tsv", ".xlsx", ".xlsm"))


def _no_records_in_archive(what, names):
    if names and all(map(_is_table_name, names)):
        raise UnreadableFile(
            f"The {what} holds tables (CSV or Excel) only: unpack it and import the tables "
            "themselves, so that you can choose which column is which."
        )
    raise UnreadableFile(f"The {what} holds no JSON records.")


def _is_data(name):
    """Not a folder's metadata: macOS's __MACOSX/ copies and hidden files (.DS_Store)."""
    base = name.rstrip("/").rpartition("/")[2]
    return not (name.startswith("__MACOSX/") or base.startswith("."))


def _holds_no_posts(name, head):
    """A photo, video, web page or document beside the data in an exported folder
    (a Telegram export's photos/, css/ and messages.html, a README), by its name, unless
    it starts like JSON (some tools save JSON Lines as .txt)."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return False
    base = name.rpartition("/")[2].lower()
    extension = base.rpartition(".")[2] if "." in base else ""
    if extension == "js":  # JavaScript, but for an X archive's tweets
        return _X_ARCHIVE_TWEETS.fullmatch("data/" + base) is None
    return extension in NOT_DATA_EXTENSIONS


def check_not_bomb(info, max_member_bytes):
    if info.file_size > max_member_bytes:
        raise ZipBomb(
            f"“{info.filename}” in the zip would unpack to {_size(info.file_size)}, more than "
            f"the limit of {_size(max_member_bytes)}. It was not read."
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > ZIP_RATIO_FREE_BYTES and ratio > ZIP_RATIO_LIMIT:
        raise ZipBomb(
            f"“{info.filename}” in the zip would unpack to {_size(info.file_size)} from "
            f"{_size(info.compress_size)} ({ratio:.0f} times larger). Real data never shrinks "
            "that much, so this looks like a zip bomb and was not read."
        )


def _size(count):
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024


class _Limited(io.RawIOBase):
    """A zip member that stops with ZipBomb once it yields more than its allowance.

    Declared sizes can lie; this holds whatever the archive claims.
    """

    def __init__(self, member, limit, name):
        self._member = member
        self._left = limit
        self._limit = limit
        self._name = name

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            # A step at a time, so what came before damage is given (zipfile's read()
            # loses what it inflated for the call: a member's first MB at worst).
            count = self._member.readinto(memoryview(buffer)[:DECOMPRESS_CHUNK])
        except (zipfile.BadZipFile, zlib.error):  # a checksum that doesn't match, bad data
            # Not the error's words: "Bad CRC-32", "invalid distance too far back"
            raise UnreadableFile(
                f"“{self._name}” in the zip is damaged: what came after could not be read."
            ) from None
        self._left -= count
        if self._left < 0:
            raise ZipBomb(
                f"“{self._name}” in the zip unpacks to more than {_size(self._limit)}. "
                "It was not read further."
            )
        return count


def _guarded(stream, report, complete=None, cut=None):
    """A buffered stream that ends where decompression fails (a cut-off .gz, a corrupt
    .zst, a tar archive's file cut short), telling `report` (`cut`: the reason);
    UnreadableFile when nothing came out before. `complete()` says at the end whether the
    file was whole, when its decompressor can't tell."""
    return io.BufferedReader(_Raw(stream, report, complete, cut or CUT_COMPRESSED), READ_CHUNK)


class _Raw(io.RawIOBase):
    def __init__(self, stream, report, complete, cut):
        self._stream = stream
        self._report = report
        self._complete = complete
        self._cut = cut
        self._given = 0
        self._ended = False
        self.cut_off = False

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._ended:
            return 0
        try:
            # read1: one step of decompression, so what came out before an error has
            # been given (read() loses it when a later step fails: a cut-off .gz lost
            # its last 64 KiB, a small one everything)
            data = self._stream.read1(min(len(buffer), DECOMPRESS_CHUNK))
        except (
            EOFError,
            OSError,
            zlib.error,
            lzma.LZMAError,
            zstandard.ZstdError,
            tarfile.TarError,
        ):
            if not self._given:
                raise UnreadableFile(
                    "The compressed file is cut off or damaged: nothing in it could be "
                    "read. Was the download or copy complete?"
                ) from None
            # What came before is kept, as for a cut-off file that is not compressed.
            self._report.skip(self._cut)
            self._ended = self.cut_off = True
            return 0
        if not data:
            self._ended = True
            if self._given and self._complete is not None and not self._complete():
                self._report.skip(self._cut)
                self.cut_off = True
        self._given += len(data)
        buffer[: len(data)] = data
        return len(data)


def _utf8(stream, report):
    """`stream` as UTF-8. Windows tools write UTF-16: PowerShell 5's `>` and `Out-File`,
    Notepad's "Unicode"; JSON can only start with `{` or `[` then, so without a byte
    order mark a zero byte beside one tells the byte order. JSON whose start is not
    UTF-8 was re-saved as Notepad's or Excel's "ANSI": Windows-1252."""
    head = stream.peek(2)[:2]
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    elif head in (b"{\x00", b"[\x00"):
        encoding = "utf-16-le"
    elif head in (b"\x00{", b"\x00["):
        encoding = "utf-16-be"
    else:
        sample = stream.peek(ENCODING_SAMPLE)[:ENCODING_SAMPLE]
        if sample.lstrip()[:1] not in (b"{", b"[") or b"\x00" in sample or _is_text(sample):
            return stream
        report.warn(WINDOWS_1252)
        encoding = "cp1252"
    return io.BufferedReader(_Transcoded(stream, encoding), READ_CHUNK)


class _Transcoded(io.RawIOBase):
    """Reads a stream in another encoding as UTF-8 (undecodable bytes become U+FFFD)."""

    def __init__(self, stream, encoding):
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending:
            chunk = self._stream.read(READ_CHUNK)
            self._pending = self._decoder.decode(chunk, final=not chunk).encode()
            if not chunk:
                break
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


# --- splitting into records ---------------------------------------------------------


def _stream_records(stream, report, limits, member):
    max_line_bytes = limits[0]
    stream = _utf8(stream, report)
    first, line_no = _first_content_line(stream, max_line_bytes)
    if first is None:
        raise UnreadableFile("The file is empty.")
    if first.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte order mark (Excel, Notepad)
        first = first[3:]
    if first.startswith(b"window."):
        # An X archive's data/*.js is JavaScript, `window.YTD.tweets.part0 = [ … ]`:
        # never run it; what follows the first "=" is a JSON document.
        first = first.partition(b"=")[2]
        if not first.strip():
            first = _first_content_line(stream, max_line_bytes)[0] or b""
        yield from _document(first, stream, report, limits, member)
        return
    overlong = len(first) > max_line_bytes and not first.endswith(b"\n")
    if overlong and first.lstrip()[:1] == b"{":
        yield from _long_first_line(first, stream, report, limits, member)
        return
    if not overlong:
        record = _loads(first)
        if record is not _INVALID:
            yield from _lines(stream, first, record, line_no, report, max_line_bytes, member)
            return
    second, second_no = (None, 0) if overlong else _first_content_line(stream, max_line_bytes)
    record = _INVALID if second is None else _loads(second)
    if first.lstrip()[:1] in (b"[", b"{") and not (
        isinstance(record, dict | list) and _cut_off(first)
    ):
        yield from _document(first + (second or b""), stream, report, limits, member)
        return
    if record is _INVALID:
        # The start of the file, for what it is instead: a page's title may come later.
        raise UnreadableFile(_not_json_message(first + (second or b"") + stream.read(4096)))
    report.skip("line is not valid JSON", _where(member, line_no))
    yield from _lines(stream, second, record, line_no + second_no, report, max_line_bytes, member)


def _long_first_line(first, stream, report, limits, member):
    """A first line longer than a line may be: one large document written on one line
    (a minified API response), read by its format's STREAM_KEYS, if its first
    KEY_SEARCH_BYTES show one; else a JSON Lines record far too long, skipped like any
    other (a 10 GB line must not be read whole, nor kept in memory)."""
    max_line_bytes, _, max_item_bytes = limits
    budget = _Budget(_Prepended(first, stream), KEY_SEARCH_BYTES)
    try:
        yield from _streamed_object(budget, report, member, max_item_bytes, budget.lift)
        return
    except _FirstItemTooLong as error:
        # A record of JSON Lines after all, too long. Once the budget is lifted, the
        # next line starts after a newline in what was read last, or further on.
        if budget.lifted:
            _, newline, after = error.unread.partition(b"\n")
            budget.after_newline = after if newline else None
    except (_OverBudget, UnreadableFile):
        if budget.lifted:  # a document after all, damaged on the way
            raise
    report.skip(f"line longer than {_size(max_line_bytes)}", _where(member, 1))
    if budget.after_newline is None:
        _skip_rest_of_line(stream)
    rest = _Prepended(budget.after_newline or b"", stream)
    line_no = 1
    while True:
        line, skipped = _first_content_line(rest, max_line_bytes)
        if line is None:
            return
        line_no += skipped
        record = _loads(line)
        if record is not _INVALID:
            yield from _lines(rest, line, record, line_no, report, max_line_bytes, member)
            return
        report.skip("line is not valid JSON", _where(member, line_no))


class _OverBudget(Exception):
    pass


class _Budget:
    """A read()-able stream that raises _OverBudget past `limit` bytes, until lifted,
    and keeps what it passed on after the first newline (where the next line starts)."""

    def __init__(self, stream, limit):
        self._stream = stream
        self._left = limit
        self.lifted = False
        self.after_newline = None

    def lift(self):
        self.lifted = True
        self.after_newline = None

    def read(self, size=-1):
        data = self._stream.read(size)
        if self.lifted:
            return data
        self._left -= len(data)
        if self.after_newline is not None:
            self.after_newline += data
        elif (at := data.find(b"\n")) >= 0:
            self.after_newline = data[at + 1 :]
        if self._left < 0:
            raise _OverBudget
        return data


def _cut_off(first):
    """Whether a first line that isn't JSON looks like a JSON Lines record cut short (a
    file split by size, say) rather than the opening line of a longer document."""
    return not first.rstrip().endswith((b"[", b"{", b",", b":"))


def _document(first, stream, report, limits, member):
    """One JSON document that starts with `first` and goes on in `stream`."""
    start = first.lstrip()[:1]
    whole = _Prepended(first, stream)
    if start == b"[":
        yield from _array_items(whole, report, member, limits[2])
    elif start == b"{":
        yield from _object_document(whole, report, limits, member)
    else:
        raise UnreadableFile(_not_json_message(first))


_INVALID = object()
# "\udc00" alone is valid JSON but no character (Python's json.dumps writes one for
# text cut inside an emoji), and orjson refuses the whole record for it. The escapes of
# the UTF-16 halves are read in one pass: a pair stays, a half alone is read as U+FFFD,
# as browsers show it. The pattern begins with what every escape begins with, so the
# search skips the rest at C speed (one that tried every byte for a run of backslashes
# took half the time of reading a large JSON document); whether an odd run of
# backslashes before it makes the escape text is seen for each escape found.
_SURROGATE_ESCAPES = re.compile(
    rb"\\u[dD](?:[89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|[89a-fA-F][0-9a-fA-F]{2})"
)


def _loads(data):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _loads_repaired(data)


def _loads_repaired(data):
    """What orjson refused, once more without a byte order mark before it (files joined
    together, each with its own) or with lone surrogates read as U+FFFD; _INVALID when
    that was not why."""
    if data.startswith(codecs.BOM_UTF8):
        return _loads(data[len(codecs.BOM_UTF8) :])
    if b"\\u" in data:
        try:
            return orjson.loads(_without_lone_surrogates(data))
        except orjson.JSONDecodeError:
            pass
    return _INVALID


def _without_lone_surrogates(data):
    return _SURROGATE_ESCAPES.sub(_lone_to_replacement, data)


def _lone_to_replacement(match):
    data, escape = match.string, match.group()
    backslashes = match.start() - 1
    while backslashes >= 0 and data[backslashes] == 0x5C:
        backslashes -= 1
    if (match.start() - 1 - backslashes) % 2:  # "\\ud83d": a backslash, then text
        return escape[:1] + _without_lone_surrogates(escape[1:])
    return escape if len(escape) == 12 else rb"\ufffd"


# The bytes an escape such as "\\ud83d" is made of.
_ESCAPE_BYTES = frozenset(b"\\uU0123456789abcdefABCDEF")


class _TooDeep(ijson.JSONError):
    pass


class _TooLong(ijson.JSONError):
    pass


class _FirstItemTooLong(UnreadableFile):
    pass


# What is left of JSON to tell its depth by: brackets and the quotes around strings.
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'"[]{}')
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class _Repaired:
    """A read()-able stream with lone _SURROGATE_ESCAPES read as U+FFFD, for ijson,
    which ends a document at one. Each chunk ends after a byte that is no part of an
    escape, so no escape, run of backslashes or pair is split between two.

    Raises _TooDeep once the JSON is nested more than MAX_DEPTH levels deep, and _TooLong
    once it reads more than `max_item_bytes` since its reader last set `item_bytes` to 0
    (at each item): ijson holds an item whole, a 300 MB one took 700 MB and 12 minutes."""

    def __init__(self, stream, max_item_bytes=None):
        self._stream = stream
        self._max_item_bytes = max_item_bytes
        self.item_bytes = 0
        self._held = b""
        self._depth = 0
        self._in_string = False
        self._too_deep = False

    def read(self, size=-1):
        while True:
            read = self._stream.read(size)
            self.item_bytes += len(read)
            if self._max_item_bytes is not None and self.item_bytes > self._max_item_bytes:
                raise _TooLong(self._max_item_bytes, read)
            data = self._held + read
            if size < 0 or len(data) <= len(self._held):  # the end of the stream
                self._held = b""
                return self._checked(_without_lone_surrogates(data))
            cut = len(data)
            while cut and data[cut - 1] in _ESCAPE_BYTES:
                cut -= 1
            data, self._held = data[:cut], data[cut:]
            if data:  # else nothing but what escapes are made of yet: read on
                return self._checked(_without_lone_surrogates(data))

    def _checked(self, data):
        """`data`, once the depth of its brackets outside strings is known: escapes
        and everything but brackets and quotes are dropped at C speed, and strings
        are what lies between two quotes. Data that goes too deep is given up to
        that point: the records before it are read, then _TooDeep is raised."""
        if self._too_deep:
            raise _TooDeep
        # An escaped backslash first, so that in \\" the quote ends a string.
        structure = data.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in data else data
        parts = structure.translate(None, _NOT_STRUCTURE).split(b'"')
        outside = b"".join(parts[1 if self._in_string else 0 :: 2])
        if outside:
            depths = list(accumulate(map(_DEPTH_STEP.__getitem__, outside), initial=self._depth))
            if max(depths) > MAX_DEPTH:
                self._too_deep = True
                if not (at := self._too_deep_at(data)):
                    raise _TooDeep  # an empty read would mean the end of the stream
                return data[:at]
            self._depth = depths[-1]
        if len(parts) % 2 == 0:  # an odd number of quotes: into or out of a string
            self._in_string = not self._in_string
        return data

    def _too_deep_at(self, data):
        """Where in `data` the JSON goes deeper than MAX_DEPTH (byte by byte: once)."""
        depth, in_string, escaped = self._depth, self._in_string, False
        for at, byte in enumerate(data):
            if in_string:
                if escaped:
                    escaped = False
                elif byte == 0x5C:  # backslash
                    escaped = True
                elif byte == 0x22:  # quote
                    in_string = False
            elif byte == 0x22:
                in_string = True
            elif byte in _DEPTH_STEP:
                depth += _DEPTH_STEP[byte]
                if depth > MAX_DEPTH:
                    return at
        return len(data)


def _first_content_line(stream, max_line_bytes):
    """The first line that isn't blank, and its number; (None, n) at the end."""
    line_no = 0
    while True:
        line = stream.readline(max_line_bytes + 1)
        if not line:
            return None, line_no
        line_no += 1
        if line.removeprefix(codecs.BOM_UTF8).strip():  # an empty file may have a mark
            return line, line_no


def _lines(stream, first, first_record, line_no, report, max_line_bytes, member):
    """JSON Lines: yield the first record, then each further line's value."""
    report.records += 1
    yield _where(member, line_no), first_record
    readline = stream.readline
    loads = orjson.loads
    limit = max_line_bytes + 1
    while True:
        line = readline(limit)
        if not line:
            return
        line_no += 1
        if len(line) == limit and not line.endswith(b"\n"):
            _skip_rest_of_line(stream)
            report.skip(f"line longer than {_size(max_line_bytes)}", _where(member, line_no))
            continue
        if line.isspace():
            # Told apart before parsing: orjson's error for each took 5 µs, so a
            # megabyte of blank lines (a kilobyte as .gz) took 5 seconds.
            continue
        try:
            record = loads(line)
        except orjson.JSONDecodeError:
            record = _loads_repaired(line)
        if record is _INVALID:
            if not line.removeprefix(codecs.BOM_UTF8).strip():  # an empty file joined on
                continue
            if not _is_text(line):
                report.skip("line is not UTF-8 text", _where(member, line_no))
            elif line.endswith(b"\n"):
                report.skip("line is not valid JSON", _where(member, line_no))
            else:
                report.skip("last line is cut off (incomplete file?)", _where(member, line_no))
            continue
        report.records += 1
        yield _where(member, line_no), record


def _skip_rest_of_line(stream):
    while True:
        chunk = stream.readline(READ_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


def _array_items(stream, report, member, max_item_bytes):
    """A top-level JSON array, item by item (ijson's C backend: no full load).

    Several arrays one after the other (a JSON Lines file of pages whose first line is
    too long to read as a line) give the items of each in turn.
    """
    number = 0
    repaired = _Repaired(stream, max_item_bytes)
    items = ijson.items(repaired, "item", use_float=True, multiple_values=True)
    try:
        for number, item in enumerate(items, 1):
            repaired.item_bytes = 0
            report.records += 1
            yield _item(member, number), item
    except (ijson.JSONError, UnicodeDecodeError) as error:
        _broken_document(number, report, member, error)


def _object_document(stream, report, limits, member):
    _, whole_document_bytes, max_item_bytes = limits
    head = _read_up_to(stream, whole_document_bytes + 1)
    if len(head) <= whole_document_bytes:
        record = _loads(head)
        if record is _INVALID:
            yield from _salvaged(head, report, member, max_item_bytes)
            return
        report.records += 1
        yield _where(member, ""), record  # the whole document: its items are the file's
        return
    yield from _streamed_object(_Prepended(head, stream), report, member, max_item_bytes)


def _streamed_object(stream, report, member, max_item_bytes, on_key=None):
    """A large (or damaged) object document, item by item of its format's STREAM_KEYS.
    `on_key()` is called when the key is found."""
    repaired = _Repaired(stream, max_item_bytes)
    events = ijson.parse(repaired, use_float=True)
    header = {}
    keys = _stream_keys()
    number = 0
    try:
        key = None
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                key = value
            elif prefix == key and event in ("string", "number", "boolean", "null"):
                header[key] = value
            elif prefix == key and event == "start_array" and key in keys:
                if on_key is not None:
                    on_key()
                break
        else:
            raise UnreadableFile(
                "The file is one very large JSON document in a format that can't be read "
                "piece by piece. Export it as JSON Lines (one record per line) instead."
            )
        for number, item in enumerate(ijson.items(events, f"{key}.item"), 1):
            repaired.item_bytes = 0
            report.records += 1
            yield _item(member, number), {**header, key: [item]}
    except (ijson.JSONError, UnicodeDecodeError) as error:
        _broken_document(number, report, member, error)


def _salvaged(data, report, member, max_item_bytes):
    """What can be read of a document that isn't valid JSON as a whole."""
    number = 0
    documents = ijson.items(_Repaired(io.BytesIO(data)), "", multiple_values=True, use_float=True)
    try:
        for number, document in enumerate(documents, 1):
            report.records += 1
            yield _item(member, number), document
        return  # several documents, one after another
    except (ijson.JSONError, UnicodeDecodeError) as error:
        if number or isinstance(error, _TooDeep):
            _broken_document(number, report, member, error)
            return
    yield from _streamed_object(io.BytesIO(data), report, member, max_item_bytes)


def _stream_keys():
    from socialgood import platforms

    return {
        key for module in platforms.FORMATS.values() for key in getattr(module, "STREAM_KEYS", ())
    }


def _read_up_to(stream, size):
    chunks = []
    while size > 0:
        chunk = stream.read(min(size, READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class _Prepended:
    """A read()-able stream: bytes already read, then the rest of the stream."""

    def __init__(self, head, stream):
        self._head = memoryview(head)  # slices of a memoryview don't copy
        self._stream = stream

    def readline(self, limit=-1):
        if not self._head:
            return self._stream.readline(limit)
        head = bytes(self._head if limit < 0 else self._head[:limit])
        end = head.find(b"\n") + 1 or len(head)
        self._head = self._head[end:]
        line = head[:end]
        if line.endswith(b"\n") or (0 <= limit <= len(line)):
            return line
        return line + self._stream.readline(-1 if limit < 0 else limit - len(line))

    def read(self, size=-1):
        if not self._head:
            return self._stream.read(size)
        if size < 0:
            data = bytes(self._head) + self._stream.read()
            self._head = memoryview(b"")
            return data
        data, self._head = bytes(self._head[:size]), self._head[size:]
        return data


def _where(member, line_no):
    return line_no if member is None else f"{member}:{line_no}"


def _item(member, number):
    """Where a JSON document's `number`th item is: a document spans many lines (a
    pretty-printed one a line per field), so by its item, "item 37" ("a.json:item 37")."""
    return f"item {number}" if member is None else f"{member}:item {number}"


def _broken_document(items_read, report, member, error=None):
    """A JSON document that breaks off: what came before is kept, as for a cut-off file
    of lines; when nothing did, the file can't be read. Never the parser's own message:
    it quotes the file around the damage, and that may be someone's words or handle."""
    too_deep = isinstance(error, _TooDeep)
    if isinstance(error, _TooLong):
        too_long = f"record longer than {_size(error.args[0])}, longer than any real post"
        if not items_read:
            first_too_long = _FirstItemTooLong(
                f"The file can't be read: its first {too_long}: damaged, or not data."
            )
            first_too_long.unread = error.args[1]  # passed to ijson, not read by it
            raise first_too_long
        reason = f"{too_long}: the records after it could not be read"
        report.skip(reason, _item(member, items_read + 1))
        return
    if not items_read:
        if too_deep:
            raise UnreadableFile(f"The file can't be read: it holds {TOO_DEEP}.")
        raise UnreadableFile(
            "The file starts like a JSON document but isn't valid JSON; it may be cut off "
            "or damaged."
        )
    reason = f"{TOO_DEEP}: the records after it could not be read" if too_deep else DOCUMENT_CUT
    report.skip(reason, _item(member, items_read + 1))


def _not_json_message(first):
    start = first.lstrip()[:16]
    if start.startswith(b"%PDF"):
        kind = "a PDF document"
    elif start.startswith(b"<"):
        kind = _page_kind(first.lower())
    elif first.startswith((_GZIP_MAGIC, _ZSTD_MAGIC, _BZIP2_MAGIC, _XZ_MAGIC, *_ZIP_MAGICS)):
        # What is left once the file was decompressed: a .json.gz.gz, a .zip.gz
        kind = (
            "a zip file or compressed file inside a compressed file (compressed twice?): "
            "unpack it once, then import what comes out"
        )
    elif looks_binary(first[:BINARY_SAMPLE]):  # not by UTF-8: Excel's CSV is Windows-1252
        kind = "binary data"
    elif any(separator in first for separator in (b",", b";", b"\t")):
        kind = (
            "a table (columns separated by commas, semicolons or tabs). Import it as a "
            "table (decompressed first, if it is compressed): " + TABLE_HINT.format(format="csv")
        )
    else:
        kind = "text that is not JSON"
    return f"This file is not JSON or JSON Lines; it looks like {kind}."


def _page_kind(page):
    """What an HTML page saved in place of data is, by the first few KiB of it."""
    if b"exported data" in page or b"telegram" in page:
        return (
            "a Telegram chat export in HTML: export it again in Telegram Desktop and choose "
            "“Machine-readable JSON”"
        )
    if b"my activity" in page or b"takeout" in page:
        return "a Google 'My Activity' page: ask Google Takeout for JSON instead"
    title = page.partition(b"<title")[2].partition(b"</title>")[0]
    if any(
        word in title for word in (b"error", b"too many", b"denied", b"forbidden", b"40", b"50")
    ):
        return "a web page with an error message, saved instead of the data"
    return "an HTML or XML page, not data: save or export the data as JSON instead"


def _is_text(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(data) - 4  # a character cut at the end of the sample
    return True
