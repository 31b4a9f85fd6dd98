"""CSV and XLSX files of posts, read through a column mapping the researcher confirms.

Not in the FORMATS registry: a table says nothing about its meaning until someone
maps its columns. The flow is read_header -> guess_mapping (a suggestion the user
corrects) -> iter_posts. header_signature lets the app remember a confirmed mapping
and offer it again for the next file with the same columns, in whatever order.

Rows are streamed, never loaded whole. Row numbers in the report are the ones a
spreadsheet shows (the header is row 1), also when a CSV cell spans several lines.
`report.records` counts the rows read; the caller counts posts, as for parse().

Dates as spreadsheets and people write them are read: ISO 8601, X's own form, epoch
seconds, Excel's date cells, "31.01.2026 10:00", "Jan 31, 2026 10:30 AM", "31 January
2026", and "01/02/2026", whose order (day or month first) the column itself tells: the
first date with a day above 12 decides it for the file. Until then such rows wait (at
most PENDING_DATES of them); a file that never tells is read day first, with a note.
"""

import codecs
import csv
import hashlib
import re
import unicodedata
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from itertools import chain, islice
from pathlib import Path
from zoneinfo import ZoneInfo

from socialgood.platforms.files import (
    BINARY_SAMPLE,
    MAX_MEMBER_BYTES,
    UnreadableFile,
    check_not_bomb,
    looks_binary,
    office_document,
)
from socialgood.platforms.model import KINDS, PLATFORMS, Metrics, Person, Post
from socialgood.platforms.normalise import (
    hashtag,
    link,
    parse_twitter_date,
    threads_account,
    unique,
)
from socialgood.platforms.report import EARLIEST_DATE, counted
from socialgood.platforms.textscan import at_mentions_in, hashtags_in, links_in
from socialgood.platforms.values import MAX_COUNT

FIELDS = (
    "platform_id", "text", "created_at", "author_id", "author_handle", "url", "lang",
    "kind", "reply_to", "hashtags", "mentions", "links",
    "likes", "reposts", "replies", "quotes", "views",
)  # fmt: skip
REQUIRED = {"platform_id": "the post's id", "created_at": "its date and time"}


NO_ROWS = "The table has no rows below its column names: there is nothing in it to import."


class MappingError(ValueError):
    """A column mapping that doesn't fit the table: the user's to correct, not the data's."""


METRICS = ("likes", "reposts", "replies", "quotes", "views")

# Suggested columns per field, best first, as normalised header names.
COMMON_NAMES = {
    # A uri first: Mastodon's and Bluesky's posts are known by it, and an `id` beside it
    # is one server's own number (the same post from JSON would be stored twice).
    "platform_id": ("uri", "id", "tweet_id", "post_id", "status_id", "comment_id",
                    "message_id", "id_str", "video_id"),
    "text": ("text", "full_text", "body", "content", "message", "caption", "post_text",
             "tweet", "tweet_text", "selftext", "description"),
    "created_at": ("created_at", "date", "timestamp", "created_utc", "created", "datetime",
                   "date_time", "time", "published_at", "posted_at", "create_time", "posted",
                   "published", "date_posted", "post_date", "date_created", "sent", "sent_at"),
    "author_id": ("author_id", "user_id", "userid", "author_fullname", "user_id_str",
                  "channel_id", "from_id", "author_user_id", "author_did", "did"),
    "author_handle": ("author_handle", "author_username", "username", "screen_name",
                      "user_screen_name", "user_username", "author", "user", "handle",
                      "user_name", "from", "author_name", "account", "account_name", "who",
                      "poster", "sender", "name"),
    "url": ("url", "link", "permalink", "tweet_url", "post_url", "web_url"),
    "lang": ("lang", "language"),
    "kind": ("kind", "post_type", "type"),
    "reply_to": ("reply_to", "in_reply_to_status_id", "in_reply_to_status_id_str",
                 "in_reply_to_id", "in_reply_to", "parent_id"),
    "hashtags": ("hashtags", "hashtag", "tags"),
    "mentions": ("mentions", "user_mentions", "mentioned_users", "mentioned"),
    "links": ("links", "urls", "expanded_urls", "link_urls"),
    "likes": ("likes", "like_count", "favorite_count", "favourites_count", "favorites",
              "public_metrics_like_count", "digg_count", "likes_count"),
    "reposts": ("reposts", "retweets", "retweet_count", "repost_count", "shares",
                "share_count", "reblogs_count", "public_metrics_retweet_count"),
    "replies": ("replies", "reply_count", "replies_count", "comments", "comment_count",
                "num_comments", "public_metrics_reply_count"),
    "quotes": ("quotes", "quote_count", "public_metrics_quote_count"),
    "views": ("views", "view_count", "impression_count", "impressions", "play_count",
              "plays", "public_metrics_impression_count"),
}  # fmt: skip

# 2: title rows passed over; dates as the file tells over a remembered order
# 3: ids typed as ="…" or '… to keep Excel from changing them are the plain ids
MAPPER_VERSION = 3
DELIMITERS = (",", ";", "\t", "|")
# Rows above the column names that a table may start with: a title, notes, blank lines
# (rows of fewer than two cells; the column names are at least a post's id and time).
MAX_TITLE_ROWS = 10
# Python's csv refuses cells over 128 kB; a post's text can be longer (a Reddit
# self-post, a pasted document), so allow up to this many characters.
MAX_CELL_CHARS = 16 * 2**20
# What openpyxl raises for a file that is not a workbook, or is cut off or damaged
# (SyntaxError: the XML parser's ParseError).
BROKEN_WORKBOOK = (zipfile.BadZipFile, KeyError, EOFError, zlib.error, SyntaxError, ValueError)
NOT_A_WORKBOOK = (
    "This file can't be read as an Excel workbook (.xlsx): it is damaged, cut off, or "
    "not a workbook. Save it again from Excel, or as CSV."
)
CHUNK_BYTES = 1024 * 1024
# A CSV line longer than this is skipped unread (a 10 GB line must not be held in
# memory): room for a few cells of MAX_CELL_CHARS. The first lines, which tell the
# delimiter, are read up to SNIFF_LINE_CHARS each.
MAX_LINE_CHARS = 4 * MAX_CELL_CHARS
SNIFF_LINE_CHARS = 2**20
SEPARATOR = re.compile(r"[\s.\-/]+")
LIST_SEPARATOR = re.compile(r"[\s,;]+")
NUMBER_WITH_GROUPS = re.compile(r"\d{1,3}(?:[,\s_]\d{3})+")
SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
DIGITS_WITH_ZERO_DECIMALS = re.compile(r"(\d+)\.0+")
# Floats hold integers exactly only up to 2**53: longer ids (X, TikTok) lose digits.
EXACT_FLOAT_LIMIT = 2**53
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_SERIAL_LIMIT = 100_000  # day 100,000 is in 2173; epoch seconds are far larger
EPOCH_MS_LIMIT = 100_000_000_000  # larger "epoch seconds" would be after year 5000
# Epoch seconds have 9+ digits since 1973; shorter numbers ("2024", "20240501") are not times.
EPOCH_DIGITS = re.compile(r"\d{9,}(?:\.\d+)?")
_CLOCK = r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?\s*"
# 31/01/2026, 01-31-26 (order decided per file), 2026/01/31, 31.01.2026 (day first).
NUMERIC_DATE = re.compile(rf"(\d{{1,2}})([/\-.])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_CLOCK}")
YEAR_FIRST_DATE = re.compile(rf"(\d{{4}})/(\d{{1,2}})/(\d{{1,2}}){_CLOCK}")
# Jan 31, 2026 / January 31 2026 / 31 January 2026 / 31. Jan. 2026
MONTH_FIRST_NAMED = re.compile(rf"([A-Za-z]{{3,9}})\.?\s+(\d{{1,2}}),?\s+(\d{{4}}){_CLOCK}")
DAY_FIRST_NAMED = re.compile(rf"(\d{{1,2}})\.?\s+([A-Za-z]{{3,9}})\.?,?\s+(\d{{4}}){_CLOCK}")
MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
DAY_FIRST, MONTH_FIRST = "day first", "month first"
PENDING_DATES = 10_000
DAY_FIRST_ASSUMED = (
    "dates like 03/04/2026 could be day or month first, and none told which before "
    "they were read (the first 10,000 rows at most): read as day first (3 April). If "
    "they are month first, delete this import's posts and import the file again "
    "choosing “month first”"
)
OTHER_ORDER = (
    "date that reads only the other way round (like 04/13/2026 when dates are read day "
    "first): choose how the table's dates read, and import it again"
)
OTHER_ORDER_THAN_REMEMBERED = (
    "dates read {order}, as a date in the file shows, not {usual} as remembered for "
    "tables with these columns"
)
NO_DATE = "row without a readable date and time"
UNREADABLE_ROW = (
    f"row that can't be read as a table row (a cell over {MAX_CELL_CHARS // 2**20} MB?), "
    "skipped; the rows after it were read"
)
LONG_LINE = (
    f"row that can't be read as a table row (a line over {MAX_LINE_CHARS // 2**20} million "
    "characters), skipped unread; the rows after it were read"
)
UNCLOSED_QUOTE = (
    'row whose quote (") is never closed, so the lines after it were one cell: skipped, '
    "and the lines after it read as rows"
)
_DATA_IN_HEADER = re.compile(
    r"[0-9]{8,}|[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}|://|\S@\S+\.\w"
)
NOT_A_TEXT_TABLE = (
    "This file is not a text table (CSV): it holds binary data (bytes that are no letters, "
    "digits or punctuation), so it is another kind of file with a table's name, or "
    "damaged. Open it in the program that made it and save or export it as CSV or Excel "
    "(.xlsx); renaming a file does not change what it holds."
)
ZIP_NOT_A_TABLE = "This file is a zip archive, not a table: unpack it and import the files in it."
# A cell's formula with no result saved beside it (<f>…</f> then <v></v>, <v/> or
# nothing), as scripts write workbooks: only a spreadsheet program works the results out.
FORMULA_WITHOUT_RESULT = re.compile(rb"(?:</f>|<f\b[^>]*/>)(?:<v\s*/>|<v>\s*</v>)?</c>")
FORMULAS_UNSAVED = (
    "{count} hold a formula without a saved result (the workbook was never opened in a "
    "spreadsheet program): read as empty; open and save it in Excel or LibreOffice first"
)
FIRST_ROW_IS_DATA = (
    "The table's first row looks like a post, not column names (it holds an id, a date, "
    "a link or an address). Add a row of column names at the top, then import it again."
)

HASHTAGS_FROM_TEXT = "hashtags taken from the text (#words), as no column was chosen for them"
MENTIONS_FROM_TEXT = "mentions taken from the text (@names), as no column was chosen for them"
LINKS_FROM_TEXT = "links taken from the text, as no column was chosen for them"


# Header and mapping -------------------------------------------------------------


def read_header(path):
    """The column names (of the first sheet that holds a table, in an XLSX)."""
    header, rows = table_rows(Path(path))
    rows.close()
    return header


def table_rows(path, report=None):
    """(column names, (row number, cells) of each row below them), the row numbers
    those of the file. Title rows above the column names are passed over, never
    stored: a title may name someone ("Posts of @ana_example")."""
    rows = iter_rows(path, report)
    numbered = enumerate(rows, start=1)
    # Read ahead: the two rows after a title tell it from the column names.
    top = list(islice(numbered, MAX_TITLE_ROWS + 2))
    found = _header_position([cells for _, cells in top])
    if found is None:
        return [], _closing(iter(()), rows)
    header = [cell_text(name) for name in top[found][1]]
    return header, _closing(chain(top[found + 1 :], numbered), rows)


def has_rows(path):
    """Whether the table holds a row with something in it below its column names."""
    _, rows = table_rows(path)
    try:
        return any(any(cell_text(cell) for cell in cells) for _, cells in rows)
    finally:
        rows.close()


def _header_position(top):
    """Which of a table's first rows holds its column names: the first of two cells or
    more, unless the next two rows both fill more cells than it has and the next is no
    post (a title line that holds the delimiter, "Posts, March", above the column
    names; rows longer than their column names are posts); else, for a table of one
    column (no room for a post's id and time), its first row, named in the mapping's
    error. None for an empty table."""
    rows = [(position, cells) for position, cells in enumerate(top) if _filled(cells)]
    for index, (position, cells) in enumerate(rows):
        if position >= MAX_TITLE_ROWS:
            break
        if _filled(cells) < 2:
            continue
        after = [later for _, later in rows[index + 1 : index + 3]]
        if (
            len(after) == 2
            and min(map(_filled, after)) > len(cells)
            and not first_row_is_data([cell_text(name) for name in after[0]])
        ):
            continue
        return position
    return rows[0][0] if rows else None


def _closing(numbered_rows, rows):
    try:
        yield from numbered_rows
    finally:
        rows.close()  # an XLSX's workbook is closed with it


def _filled(cells):
    return sum(1 for cell in cells if cell_text(cell))


def first_row_is_data(headers):
    """Whether a table's first row is a post rather than column names: it holds an id,
    a date, a link, an e-mail address or a long text. Such a row is someone's words and
    handle, never to be stored as the table's column names."""
    return any(_DATA_IN_HEADER.search(name) or len(name) > 80 for name in headers)


def normalise_header(name):
    """How headers are compared: without case, in NFC, separators as one underscore."""
    # Unicode's canonical caseless match, NFD(casefold(NFD(name))): case-folding can
    # decompose a letter ("ῢ"), so folding a composed form alone can miss its upper case.
    name = unicodedata.normalize("NFD", str(name or "")).strip().casefold()
    name = unicodedata.normalize("NFC", name)
    return SEPARATOR.sub("_", name).strip("_")


def header_signature(headers):
    """A stable key for a set of columns, to find a remembered mapping again.

    Order-insensitive: a re-export with the columns in another order is still the same
    kind of file, and the mapping goes by column name, so it still applies.
    """
    names = sorted(normalise_header(name) for name in headers)
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()[:32]


def guess_mapping(headers):
    """Suggest {Post field: column name} from common column names; each column once."""
    by_name = {}
    for header in headers:
        by_name.setdefault(normalise_header(header), header)
    mapping, used = {}, set()
    for field, names in COMMON_NAMES.items():
        for name in names:
            column = by_name.get(name)
            if column is not None and column not in used:
                mapping[field] = column
                used.add(column)
                break
    return mapping


# Words in column names that only one platform's exports use (normalised, as parts of
# a name: "Tweet ID", "retweet_count", "subreddit").
PLATFORM_WORDS = {
    "x": {"tweet", "tweets", "retweet", "retweets"},
    "reddit": {"subreddit"},
    "mastodon": {"toot", "toots", "reblog", "reblogs"},
}


def guess_platform(headers):
    """The platform a table's column names tell, else "other".

    A table's people are pseudonymised per platform: left at "other", an X export's
    authors got other pseudonyms than the same people's handles in its x.com links, and
    than in the project's JSON imports, and its posts were stored a second time.
    """
    words = {part for header in headers for part in normalise_header(header).split("_")}
    told = [platform for platform, names in PLATFORM_WORDS.items() if words & names]
    return told[0] if len(told) == 1 else "other"


# Posts --------------------------------------------------------------------------


def iter_posts(path, mapping, platform, report, timezone="UTC", dates=None, usual=None):
    """Posts from the rows of a CSV or XLSX file, read through `mapping`.

    Times without a zone are taken to be in `timezone` (an IANA name such as
    "Europe/Berlin"). `dates` (DAY_FIRST or MONTH_FIRST) says how to read "01/02/2026";
    None lets the file tell, and `usual` (the order remembered for these columns) is
    what it reads by until a date tells, or when none does. Rows without an id or a
    readable time are skipped and reported.
    """
    check_mapping(mapping, platform)
    zone = ZoneInfo(timezone)
    header, rows = table_rows(Path(path), report)
    missing = [column for column in mapping.values() if column not in header]
    if missing:
        # Not the columns it has: without a header row, its first row is someone's post.
        raise MappingError(
            f"columns not in the file: {', '.join(missing)} (is its first row the column names?)"
        )
    positions = {field: header.index(column) for field, column in mapping.items()}
    for warning, field in (
        (HASHTAGS_FROM_TEXT, "hashtags"),
        (MENTIONS_FROM_TEXT, "mentions"),
        (LINKS_FROM_TEXT, "links"),
    ):
        if field not in mapping and "text" in mapping:
            report.warn(warning)

    order = dates  # of day and month in "01/02/2026", once a date in the file tells
    fallback = usual or DAY_FIRST
    waiting = []  # rows whose date could be read either way, while the order is unknown
    rows_read = 0
    for row_number, cells in rows:
        if not any(cell_text(cell) for cell in cells):
            continue  # blank rows are layout, not data
        report.records += 1
        rows_read += 1
        values = {
            field: cells[position] if position < len(cells) else None
            for field, position in positions.items()
        }
        row = (values, platform, zone, report, row_number, dict(zip(header, cells, strict=False)))
        if order is None and reads_by_order(values["created_at"]):
            order = date_order(values["created_at"])
            if order is None:  # "03/04/2026": wait for a date that tells
                waiting.append(row)
                if len(waiting) < PENDING_DATES:
                    continue
                if usual is None:
                    report.warn(DAY_FIRST_ASSUMED)
                yield from _rows_to_posts(waiting, fallback)
                waiting, order = [], fallback
                continue
            if usual and order != usual:
                report.warn(OTHER_ORDER_THAN_REMEMBERED.format(order=order, usual=usual))
            yield from _rows_to_posts(waiting, order)  # this date told how they read
            waiting = []
        post = row_post(*row, order or fallback)  # no order yet: this date needs none
        if post is not None:
            yield post
    if not rows_read:  # as an empty JSON file: nothing to import is no success
        raise UnreadableFile(NO_ROWS)
    if waiting:
        if usual is None:
            report.warn(DAY_FIRST_ASSUMED)
        order = fallback
        yield from _rows_to_posts(waiting, fallback)
    report.dates = order


def _rows_to_posts(rows, order):
    for row in rows:
        post = row_post(*row, order)
        if post is not None:
            yield post


def check_mapping(mapping, platform):
    """Mistakes in the mapping are the caller's, not the data's: raise for them."""
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise MappingError(f"not post fields: {', '.join(sorted(unknown))}")
    absent = [field for field in REQUIRED if field not in mapping]
    if absent:
        needed = ", ".join(f"{REQUIRED[field]} ({field})" for field in absent)
        raise MappingError(f"the mapping needs a column for: {needed}")
    if platform not in PLATFORMS:
        raise MappingError(f"unknown platform {platform!r}")


def row_post(values, platform, zone, report, row_number, raw, order=DAY_FIRST):
    platform_id = exact_id(values["platform_id"], report, row_number)
    if platform_id is None:
        return None
    created_at = parse_time(values["created_at"], zone, order)
    if created_at is None:
        other = MONTH_FIRST if order == DAY_FIRST else DAY_FIRST
        readable = reads_by_order(values["created_at"]) and parse_time(
            values["created_at"], zone, other
        )
        report.skip(OTHER_ORDER if readable else NO_DATE, row_number)
        return None
    if not EARLIEST_DATE <= created_at <= report.latest_date:
        report.odd_date(row_number)  # kept: a wrong date is no reason to lose the post
    text = cell_text(values.get("text"))
    author = cell_text(values.get("author_handle")).lstrip("@")
    reply_to = unwrapped_id(cell_text(values.get("reply_to"))) or None
    kind = cell_text(values.get("kind")).lower()
    if kind not in KINDS:
        if kind:
            report.warn("kind values that are not post/reply/quote/repost/comment, ignored")
        kind = "reply" if reply_to else "post"

    if "hashtags" in values:
        hashtags = unique(hashtag(tag.lstrip("#＃")) for tag in split_list(values["hashtags"]))
    else:
        hashtags = hashtags_in(text)
    if "mentions" in values:
        mentions = unique(name.lstrip("@") for name in split_list(values["mentions"]))
    else:
        mentions = at_mentions_in(text)
    if "links" in values:
        links = unique(link(url) for url in cell_text(values["links"]).split())
    else:
        links = links_in(text)
    handle = author
    if platform == "threads":  # its people as platforms.zeeschuimer writes them
        handle = threads_account(author) if author and " " not in author else author
        mentions = tuple(threads_account(name) for name in mentions if name)

    return Post(
        platform=platform,
        platform_id=platform_id,
        created_at=created_at,
        author=Person(
            id=exact_id(values.get("author_id"), report, row_number, required=False),
            handle=handle or None,
            # "Quilla Marrow" is a name, not a handle: the text may show it too.
            display_name=author if " " in author else None,
        ),
        text=text,
        url=cell_text(values.get("url")) or None,
        lang=cell_text(values.get("lang")) or None,
        kind=kind,
        reply_to=reply_to,
        hashtags=hashtags,
        mentions=tuple(Person(handle=name) for name in mentions if name),
        links=tuple(links),
        metrics=Metrics(
            **{field: whole_number(values[field]) for field in METRICS if field in values}
        ),
        raw={column: cell_text(value) for column, value in raw.items()},
    )


def exact_id(value, report, row_number, required=True):
    """An id as an exact string; None (and a skip or warning) when digits were lost.

    Spreadsheets store numbers as floats: a 19-digit X id typed into Excel comes back
    as 1.23456789012346e+18, and no parser can bring the last digits back.
    """
    lost = "id stored as a number with digits lost (format the id column as text)"
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Numbers only come from XLSX, which stores every number as a double.
        if float(value).is_integer() and abs(value) < EXACT_FLOAT_LIMIT:
            return str(int(value))
        value = None
        reason = lost
    else:
        value = unwrapped_id(cell_text(value))
        reason = "row without an id" if not value else None
        if SCIENTIFIC.fullmatch(value):
            value, reason = None, lost
        elif match := DIGITS_WITH_ZERO_DECIMALS.fullmatch(value):
            # "123.0" from tools that wrote ids as floats: exact only below 2**53.
            if int(match[1]) < EXACT_FLOAT_LIMIT:
                value = match[1]
            else:
                value, reason = None, lost
    if value:
        return value
    if required:
        report.skip(reason, row_number)
    elif reason == lost:
        report.warn("author ids with digits lost, left empty")
    return None


def unwrapped_id(value):
    """An id as it was typed to keep a spreadsheet from changing it: ="1700…" (a
    formula giving the text) and '1700… (text marked as such) are 1700…."""
    if value.startswith('="') and value.endswith('"') and len(value) > 3:
        return value[2:-1]
    if value.startswith("'") and value[1:].isdigit():
        return value[1:]
    return value


def _order_dependent(value):
    """The match of a date like 03/04/2026, which reads by the order of day and month
    (31.01.2026, with dots, is always day first)."""
    match = NUMERIC_DATE.fullmatch(cell_text(value)) if isinstance(value, str) else None
    return match if match and match[2] != "." else None


def reads_by_order(value):
    return _order_dependent(value) is not None


def date_order(value):
    """DAY_FIRST or MONTH_FIRST when this cell's date tells ("13/01/2026", "01/13/2026"),
    None when it does not ("03/04/2026", "05/05/2026"); DAY_FIRST for anything else,
    where the order does not matter."""
    match = _order_dependent(value)
    if match is None:
        return DAY_FIRST
    first, second = int(match[1]), int(match[3])
    if first > 12:
        return DAY_FIRST
    if second > 12:
        return MONTH_FIRST
    return None  # 03/04/2026, and 05/05/2026, which reads the same either way


def parse_time(value, zone, order=DAY_FIRST):
    """A time from whatever a table holds, as aware UTC; naive times are in `zone`.
    `order` says how to read "01/02/2026"."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # A number in a date column of a spreadsheet: a date serial or epoch time.
        if 0 < value < EXCEL_SERIAL_LIMIT:
            moment = EXCEL_EPOCH + timedelta(days=value)
        else:
            return epoch_time(value)
    else:
        text = cell_text(value)
        if not text:
            return None
        if EPOCH_DIGITS.fullmatch(text):
            return epoch_time(float(text))
        moment = parse_twitter_date(text)
        if moment is None:
            try:
                moment = datetime.fromisoformat(text.removesuffix(" UTC").replace(" UTC+", "+"))
                if text.endswith(" UTC") and moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)  # said so: not the table's zone
            except ValueError:
                moment = written_date(text, order)
                if moment is None:
                    return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def written_date(text, order):
    """A date as people and spreadsheets write it (see the module docstring), or None."""
    if match := NUMERIC_DATE.fullmatch(text):
        first, second, year = int(match[1]), int(match[3]), match[4]
        day, month = (first, second) if order == DAY_FIRST or match[2] == "." else (second, first)
        clock = match.groups()[4:]
    elif match := YEAR_FIRST_DATE.fullmatch(text):
        year, month, day = match[1], int(match[2]), int(match[3])
        clock = match.groups()[3:]
    elif match := MONTH_FIRST_NAMED.fullmatch(text):
        month, day, year = MONTHS.get(match[1][:3].lower()), int(match[2]), match[3]
        clock = match.groups()[3:]
    elif match := DAY_FIRST_NAMED.fullmatch(text):
        day, month, year = int(match[1]), MONTHS.get(match[2][:3].lower()), match[3]
        clock = match.groups()[3:]
    else:
        return None
    if len(year) == 2:  # 26 is 2026, 99 is 1999
        year = ("20" if int(year) < 70 else "19") + year
    year = int(year)
    hour, minute, second, half = clock
    hour, minute, second = int(hour or 0), int(minute or 0), int(second or 0)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except (TypeError, ValueError):  # no such month name, day or time
        return None


def epoch_time(number):
    seconds = number / 1000 if abs(number) >= EPOCH_MS_LIMIT else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def whole_number(value):
    """A count from a cell: 12, "12", "1,234", 12.0; None when it is not one (or
    larger than a count can be)."""
    number = _whole_number(value)
    return number if number is None or abs(number) <= MAX_COUNT else None


def _whole_number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = cell_text(value)
    if text.isdigit():
        return int(text)
    if NUMBER_WITH_GROUPS.fullmatch(text):
        return int(re.sub(r"\D", "", text))
    return None


def split_list(value):
    return [item for item in LIST_SEPARATOR.split(cell_text(value)) if item]


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).strip()


# Reading rows -------------------------------------------------------------------


def iter_rows(path, report=None):
    """Rows as lists of cell values, header first: strings from CSV, typed from XLSX."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return xlsx_rows(path, report)
    with path.open("rb") as binary:
        head = binary.read(BINARY_SAMPLE)
    if head.startswith(b"PK\x03\x04"):  # a zip: a workbook by another name, or no table
        return xlsx_rows(path, report)
    if head[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) and looks_binary(head):
        raise UnreadableFile(NOT_A_TEXT_TABLE)
    return csv_rows(path, report)


def xlsx_rows(path, report=None):
    """The rows of the workbook's first sheet that holds a table; `report` is told of
    the other sheets, which are not read."""
    import openpyxl  # only XLSX imports need it
    from openpyxl.utils.exceptions import InvalidFileException

    # Opened here, not by name: openpyxl refuses a workbook named otherwise (posts.csv).
    with path.open("rb") as handle:
        try:
            with zipfile.ZipFile(handle) as archive:  # an XLSX is a zip: maybe a zip bomb
                for info in archive.infolist():
                    check_not_bomb(info, MAX_MEMBER_BYTES)
                names = archive.namelist()
            if "xl/workbook.xml" not in names:
                raise UnreadableFile(office_document(names) or ZIP_NOT_A_TABLE)
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        # OSError: openpyxl's word for a zip whose list of parts names no workbook.
        except (*BROKEN_WORKBOOK, InvalidFileException, OSError) as error:
            raise UnreadableFile(NOT_A_WORKBOOK) from error
        try:
            sheets = workbook.worksheets
            sheet = _table_sheet(sheets)
            note = other_sheets(len(sheets))
            if report is not None and note:
                report.warn(note)
            if report is not None:
                unsaved = formulas_without_result(path, getattr(sheet, "_worksheet_path", None))
                if unsaved:
                    report.warn(FORMULAS_UNSAVED.format(count=counted(unsaved, "cell")))
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        except BROKEN_WORKBOOK as error:
            raise UnreadableFile(
                NOT_A_WORKBOOK + " The rows before the damage were read."
            ) from error
        finally:
            workbook.close()


def formulas_without_result(path, member):
    """How many cells of the sheet stored as `member` (a path in the workbook's zip) hold
    a formula without a saved result, which openpyxl reads as empty: a scan of the
    sheet's XML apart from openpyxl, as it tells none of this (a few per cent of the
    time reading the rows takes). 0 when the sheet can't be found."""
    if not member:
        return 0
    count, rest = 0, b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as xml:
            while chunk := xml.read(CHUNK_BYTES):
                data = rest + chunk
                end = data.rfind(b"</c>")  # read up to a cell's end: none is cut in two
                end = end + 4 if end >= 0 else max(0, len(data) - 1024)  # a long text
                count += len(FORMULA_WITHOUT_RESULT.findall(data, 0, end))
                rest = data[end:]
    except (*BROKEN_WORKBOOK, OSError):
        pass  # reading the rows says what is wrong
    return count


def _table_sheet(sheets):
    """The sheet with the posts: the first whose column names include a post's id and
    date, else the first with two columns or more (a workbook often starts with a sheet
    of notes about the data, or a codebook of two columns).

    Each sheet is read as far as its cells go, not by the size the file states: some
    tools state it wrongly, and read-only openpyxl cut rows to it ("A1": one column)
    or filled them up to it ("A1:XFD1048576": 16,384 columns a row)."""
    tables = []
    for sheet in sheets:
        sheet.reset_dimensions()
        top = list(sheet.iter_rows(values_only=True, max_row=MAX_TITLE_ROWS + 2))
        position = _header_position(top)
        first = top[position] if position is not None else ()
        headers = [cell_text(cell) for cell in first if cell_text(cell)]
        if REQUIRED.keys() <= guess_mapping(headers).keys():
            return sheet
        if len(headers) >= 2:
            tables.append(sheet)
    return (tables or sheets)[0]


def workbook_note(path):
    """For the page that maps the columns: which sheet of a workbook of several is read,
    by its title, or None."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - a damaged file: reading it says what is wrong
        return None
    try:
        return other_sheets(len(workbook.worksheets), _table_sheet(workbook.worksheets).title)
    except BROKEN_WORKBOOK:
        return None
    finally:
        workbook.close()


def other_sheets(count, title=None):
    """What to tell people when a workbook has more than one sheet, of which only one is
    read (the report's row numbers are that sheet's), or None. With the sheet's `title`
    for the page that shows it; not in the stored report (a title may be anything,
    someone's handle too)."""
    if count < 2:
        return None
    which = f"“{title}”" if title else "the first that holds a table"
    return (
        f"workbook with {count} sheets: only one is read, {which}. Save each other sheet "
        "as its own file (or as CSV) to import it"
    )


def csv_rows(path, report=None):
    """A CSV file's rows. A row the csv module can't read (a cell over MAX_CELL_CHARS),
    or a quote opened and never closed (which would take the rest of the file as one
    cell), is skipped and told to `report`, and reading goes on from the line after
    it; an empty row stands in its place, so later rows keep their numbers."""
    encoding, errors = csv_encoding(path)
    if errors == WINDOWS_1252_WITHIN and report is not None:
        report.warn(NOT_ALL_UTF8)
    csv.field_size_limit(MAX_CELL_CHARS)
    with path.open(encoding=encoding, errors=errors, newline="") as text:
        first = _Lines(text, SNIFF_LINE_CHARS)
        delimiter = _delimiter(list(islice(first, 2 * MAX_TITLE_ROWS)))
    start, row_number = 0, 0  # lines passed over, rows given (the header is row 1)
    while start is not None:
        with path.open(encoding=encoding, errors=errors, newline="") as text:
            lines = _Lines(text, MAX_LINE_CHARS)
            reader = csv.reader(islice(lines, start, None), delimiter=delimiter)
            begun, pending, resume = start, None, None  # the row being read starts at `begun`
            try:
                for row in reader:
                    if pending is not None:
                        row_number += 1
                        yield pending
                    pending, pending_start, begun = row, begun, start + reader.line_num
            except csv.Error:
                resume, reason = begun, LONG_LINE if lines.cut else UNREADABLE_ROW
            else:
                if pending is not None and begun - pending_start > 1:
                    # A last row over several lines: a quote left open takes them all.
                    if _quote_left_open(path, encoding, errors, delimiter, pending_start):
                        pending, resume, reason = None, pending_start, UNCLOSED_QUOTE
            if pending is not None:
                row_number += 1
                yield pending
            start = None
            if resume is not None:
                row_number += 1
                if report is not None:
                    report.skip(reason, row_number)
                yield []
                start = resume + 1


class _Lines:
    """The lines of a CSV file's `text`, each up to `limit` characters. A longer line is
    passed over unread; a cell longer than the csv module takes comes in its place, so
    its row can't be read and is skipped, and `cut` is set."""

    def __init__(self, text, limit):
        self._text = text
        self._limit = limit
        self.cut = False

    def __iter__(self):
        readline, limit = self._text.readline, self._limit
        while line := readline(limit):
            if len(line) == limit and not line.endswith(("\n", "\r")):
                while (rest := readline(CHUNK_BYTES)) and not rest.endswith(("\n", "\r")):
                    pass
                self.cut = True
                line = "x" * (csv.field_size_limit() + 1)
            yield line


def _delimiter(lines):
    """The table's delimiter, from its first lines: the one whose row of column names
    (_header_position) comes earliest and is matched by the next row (as many cells or
    more). A title line holding another delimiter ("Posts, March" above semicolon
    columns) is then no row of column names: the row after it has fewer cells. Read as
    CSV, a delimiter inside quoted cells ("#care;#help", a markdown table) counts for
    nothing. When none fits, the most frequent in the first line that holds one."""
    found = []
    for delimiter in DELIMITERS:
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            rows = [(reader.line_num, row) for row in reader if _filled(row)]
        except csv.Error:  # a cell longer than the csv module takes: not this one
            continue
        position = _header_position([row for _, row in rows])
        if position is None or _filled(rows[position][1]) < 2:
            continue
        line, header = rows[position]
        after = rows[position + 1][1] if position + 1 < len(rows) else header
        if len(after) >= len(header):
            found.append((line, -len(header), delimiter))
    if found:
        return min(found)[2]
    for line in lines:
        if any(delimiter in line for delimiter in DELIMITERS):
            return max(DELIMITERS, key=line.count)
    return DELIMITERS[0]


def _quote_left_open(path, encoding, errors, delimiter, start):
    with path.open(encoding=encoding, errors=errors, newline="") as text:
        try:
            lines = islice(_Lines(text, MAX_LINE_CHARS), start, None)
            for _ in csv.reader(lines, delimiter=delimiter, strict=True):
                pass
        except csv.Error as error:
            return "unexpected end of data" in str(error)
    return False


def csv_encoding(path):
    """(encoding, errors) to read a CSV file with: UTF-8 (with or without BOM), UTF-16
    with a BOM (Excel's "Unicode text"), else Windows-1252, which Excel writes in the West.

    The whole file is checked, in chunks: one stray byte deep in a large export
    would otherwise stop the import halfway. A file marked UTF-8 whose bytes aren't all
    UTF-8 (rows pasted from another file, a tool that marks what it doesn't write) is
    read as UTF-8 with the bytes that aren't read as Windows-1252; bytes that decode as
    nothing at all are shown as U+FFFD, never fatal.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as binary:
        head = binary.read(3)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16", "replace"
        marked = head == codecs.BOM_UTF8
        if not marked:
            binary.seek(0)
        try:
            while chunk := binary.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return ("utf-8-sig", WINDOWS_1252_WITHIN) if marked else ("cp1252", "replace")
    return ("utf-8-sig" if marked else "utf-8"), "strict"


def _as_windows_1252(error):
    """A codecs error handler: the bytes that aren't UTF-8, read as Windows-1252."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    undecoded = error.object[error.start : error.end]
    return undecoded.decode("cp1252", errors="replace"), error.end


WINDOWS_1252_WITHIN = "socialgood-windows-1252-within"
codecs.register_error(WINDOWS_1252_WITHIN, _as_windows_1252)
NOT_ALL_UTF8 = (
    "the file says it is UTF-8 but not all of it is: the characters that aren't were "
    "read as Windows-1252 (Western European); check accented letters in what was imported"
)
