"""What an import or collection saw: counts, skips by reason with their places, warnings.

Pure and JSON-serialisable, so the CLI's --report, the UI and the stored run record
all show the same figures.
"""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

KEEP_LINE_NUMBERS = 20  # per reason; enough to find the bad lines, small enough to store
# Posts dated outside these bounds are kept, with a note (Report.odd_date). Social media
# began around 2004 (Facebook; Reddit and YouTube 2005, Twitter 2006), and no format
# read here reaches back before 2000: an earlier date is a placeholder (0001-01-01), a
# number read as the wrong kind of time (1970 from a small one), or damage. 2000, not
# 2004, leaves room for forum and mailing-list archives mapped as tables.
EARLIEST_DATE = datetime(2000, 1, 1, tzinfo=UTC)
# Clocks of phones and servers run ahead a little, and time zones put "now" up to 14
# hours ahead of UTC: a day later than the import is still plausible, more is not.
CLOCK_SKEW = timedelta(days=1)
ODD_DATE = (
    "date before 2000 or in the future (after {latest:%Y-%m-%d}): kept as given; check the "
    "file's date column or the tool that saved it"
)


# A place a report names, without an archive member: a line (4, or "4" after an archive
# member's "a.jsonl:4"), or the item of a JSON document read item by item ("item 37", the
# 37th of a top-level array or of a large object's messages); then, for a record that
# holds several items, the item in it: "4 item 37", "item 3 item 37". Numbers only, so
# no place is taken for a member's name (which may hold a handle; imports.members_named).
PLACE = re.compile(r"(?:item )?[0-9]+(?: item [0-9]+)*")


def item_place(line, place):
    """Where the `place`th item of the record at `line` is, when the record holds several
    (a page of statuses, an API response, a listing): "4 item 37", in an archive
    "a.jsonl:4 item 37". Readers work it out only for what they skip or note, counting
    places as they go (`placed`); without a place (the record's only item), `line`.

    A JSON document read whole is at "" (in an archive "a.json:"): its items are the
    file's, "item 37", as when a large one is read item by item, and its only item is
    "item 1"."""
    if line is None:
        return None
    if line == "" or str(line).endswith(":"):
        return f"{line}item {place or 1}"
    return line if place is None else f"{line} item {place}"


def placed(items):
    """(place, item) for each of a record's `items`, for item_place: no place for its only one."""
    return enumerate(items, 1) if len(items) > 1 else ((None, item) for item in items)


def places_in_words(places, count, unit, show):
    """Where the first `show` of `places` of something that happened `count` times are,
    in words, for the report page and the CLI alike: "lines 2, 5", "line 12 of
    export/a.jsonl", "item 37 of line 4", "item 3 of export/result.json", a whole file of
    an archive by its name; "…" when there are more."""
    shown = places[:show]
    if all(isinstance(place, int) for place in shown):
        text = ", ".join(str(place) for place in shown)
        if text:
            text = f"{unit}s {text}" if len(places) > 1 else f"{unit} {text}"
    else:
        text = ", ".join(place_in_words(place, unit) for place in shown)
    return text + ", …" if text and count > len(shown) else text


def place_in_words(place, unit):
    """One place in words: "line 12 of a.jsonl", "item 37 of line 4", "item 37 of item 3",
    or a whole file of an archive by its name ("a.json:" when a document in it was read
    whole)."""
    member, _, at = str(place).rpartition(":")
    if not PLACE.fullmatch(at):
        return member if member and not at else str(place)
    first, *items = at.split(" item ")
    words = [f"item {item}" for item in reversed(items)]
    words.append(first if first.startswith("item ") else f"{unit} {first}")
    return " of ".join(words + [member] if member else words)


def counted(number, one, many=None):
    """A number and its noun as people write them: "1 record", "2 records", "1,000 records"."""
    return f"{number:,} {one if number == 1 else (many or one + 's')}"


class Report:
    def __init__(self):
        self.records = 0  # JSON records (lines, items) read from the input
        self.posts = 0  # posts the parsers produced
        self.skipped = Counter()  # reason -> count
        self.skipped_lines = {}  # reason -> first line numbers
        self.warnings = Counter()  # message -> count
        self.warning_lines = {}  # message -> first line numbers, for the warnings given one
        self.unknown_fields = Counter()  # key path -> count
        # What the platform says was deleted: ("post", its id) or ("author", person id).
        # They name people, so never part of as_dict(); the importer removes what it stored.
        self.deleted = []
        self.dates = None  # a table's: how "03/04/2026" was read, when its dates needed it
        # Posts dated after this get a note (with EARLIEST_DATE: see odd_date). Readers
        # compare each post's date with both themselves, inline: it is their hot path.
        self.latest_date = datetime.now(UTC) + CLOCK_SKEW

    def skip(self, reason, line=None, count=1):
        self.skipped[reason] += count
        _keep_place(self.skipped_lines, reason, line)

    def warn(self, message, count=1, line=None):
        self.warnings[message] += count
        _keep_place(self.warning_lines, message, line)

    def add(self, other, name):
        """Count a file's report `other` into this one (a run's), its places as
        "name:place"."""
        self.records += other.records
        self.posts += other.posts
        self.skipped.update(other.skipped)
        self.warnings.update(other.warnings)
        self.unknown_fields.update(other.unknown_fields)
        for mine, theirs in (
            (self.skipped_lines, other.skipped_lines),
            (self.warning_lines, other.warning_lines),
        ):
            for key, places in theirs.items():
                for place in places:
                    _keep_place(mine, key, f"{name}:{place}")

    def odd_date(self, line=None):
        """A post at `line` is dated before EARLIEST_DATE or after latest_date: kept, and
        told, as the date is likely wrong. Only called for those: the readers check

            if not EARLIEST_DATE <= post.created_at <= report.latest_date:
                report.odd_date(line)
        """
        self.warn(ODD_DATE.format(latest=self.latest_date), line=line)

    def unknown(self, path):
        self.unknown_fields[path] += 1

    @property
    def skipped_total(self):
        return sum(self.skipped.values())

    def as_dict(self):
        return {
            "records": self.records,
            "posts": self.posts,
            "skipped": dict(self.skipped),
            "skipped_lines": self.skipped_lines,
            "warnings": dict(self.warnings),
            **({"warning_lines": self.warning_lines} if self.warning_lines else {}),
            "unknown_fields": dict(self.unknown_fields),
            **({"dates": self.dates} if self.dates else {}),
        }


def _keep_place(places_by_key, key, place):
    """Note where something happened, among the first KEEP_LINE_NUMBERS places of its
    kind. No place, or "" (a JSON document read whole, which the file's name places):
    nothing to note."""
    if place:
        places = places_by_key.setdefault(key, [])
        if len(places) < KEEP_LINE_NUMBERS:
            places.append(place)
