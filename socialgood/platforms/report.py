"""What an import or collection saw: counts, skips by reason with line numbers, warnings.

Pure and JSON-serialisable, so the CLI's --report, the UI and the stored run record
all show the same figures.
"""

from collections import Counter

KEEP_LINE_NUMBERS = 20  # per reason; enough to find the bad lines, small enough to store


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
        self.unknown_fields = Counter()  # key path -> count
        # What the platform says was deleted: ("post", its id) or ("author", person id).
        # They name people, so never part of as_dict(); the importer removes what it stored.
        self.deleted = []
        self.dates = None  # a table's: how "03/04/2026" was read, when its dates needed it

    def skip(self, reason, line=None, count=1):
        self.skipped[reason] += count
        if line is not None:
            lines = self.skipped_lines.setdefault(reason, [])
            if len(lines) < KEEP_LINE_NUMBERS:
                lines.append(line)

    def warn(self, message, count=1):
        self.warnings[message] += count

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
            "unknown_fields": dict(self.unknown_fields),
            **({"dates": self.dates} if self.dates else {}),
        }
