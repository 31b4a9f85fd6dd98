"""Platform plug-ins: pure parsers (and later collectors) of one shape.

Every format module in this package offers:

    NAME            short name used on the command line (`--format twarc2`)
    LABEL           what a researcher calls it ("X/Twitter twarc2 JSONL")
    PLATFORM_NAME   the platform (or tool) as people write it, in reports ("X", "Bluesky")
    PLATFORM        the `Post.platform` value it produces
    MAPPER_VERSION  bumped whenever the mapping changes; stored as provenance
    sniff(record)   True if this JSON record (the first one of a file) is in this format
    parse(record, report, line=None) -> iterator of Post
                    one record (a JSONL line, a document's item, a document read whole)
                    to zero or more posts; problems go to `report`, never raise
                    on bad data from the platform; in a record of several items
                    (a page, a response), at the item's place: report.item_place

Files are opened and split into records by `socialgood.platforms.files`; CSV/XLSX
(which need a column mapping) live in `tabular`.
"""

from socialgood.platforms import (
    bluesky,
    jetstream,
    mastodon,
    reddit,
    telegram,
    twitter_v1,
    twitter_v2,
    x_archive,
    youtube,
    zeeschuimer,
)
from socialgood.platforms.normalise import SHAPE_ERRORS

# Order matters for sniffing: the most specific formats first.
FORMATS = {
    module.NAME: module
    for module in (
        zeeschuimer,
        jetstream,
        twitter_v2,
        twitter_v1,
        x_archive,
        bluesky,
        mastodon,
        reddit,
        youtube,
        telegram,
    )
}


def sniff(record):
    """The format module whose sniff() accepts this record, or None.

    A list no format takes as it is (Mastodon's pages are lists) is known by its first
    item: several API responses saved as one JSON array.
    """
    candidates = (record, record[0]) if isinstance(record, list) and record else (record,)
    for candidate in candidates:
        for module in FORMATS.values():
            try:
                if module.sniff(candidate):
                    return module
            except SHAPE_ERRORS:  # a record of an odd shape is not in this format
                continue
    return None


def mapper_of(module):
    """The provenance stored with each post: "<format>/<mapper version>"."""
    return f"{module.NAME}/{module.MAPPER_VERSION}"
