"""Live collectors: one module per platform API, registered in COLLECTORS.

The contract every collector module follows is written out in
socialgood.collect.collecting (the engine that runs them). This module is pure: the
table, and the small types collectors and the engine exchange.
"""

from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

# Collection.platform -> module. Dotted paths, loaded on first use, like JOB_KINDS:
# a collector may import a heavy client library, and most processes never collect.
COLLECTORS = {
    "mastodon": "socialgood.platforms.mastodon_api",
    "reddit": "socialgood.platforms.reddit_api",
    "youtube": "socialgood.platforms.youtube_api",
    "bluesky": "socialgood.platforms.bluesky_api",
    "jetstream": "socialgood.platforms.jetstream_api",
}


def collector(name: str) -> ModuleType:
    if name not in COLLECTORS:
        known = ", ".join(COLLECTORS)
        raise QueryError(f"socialgood can't collect from “{name}”. It can collect from: {known}.")
    return import_module(COLLECTORS[name])


def choices() -> list[tuple[str, str]]:
    return [(name, collector(name).LABEL) for name in COLLECTORS]


class QueryError(ValueError):
    """A query (or credential) that can't work, explained for the researcher."""


def server_url(address, example):
    """'https://host[:port]' from 'host', a full URL or 'http://127.0.0.1:8000/'.

    `example` names a real server in the error message, e.g. "mastodon.social".
    """
    address = address.strip().rstrip("/")
    if "://" not in address:
        address = "https://" + address
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise QueryError(f"“{address}” is not a server address (e.g. {example}).")
    return f"{parts.scheme}://{parts.netloc}"


class Refused(Exception):
    """The platform refused the whole collection (bad credentials, banned app): no retry helps."""


@dataclass(frozen=True)
class Field:
    """One parameter of a query or a credential: drives the web form and the CLI option.

    kind: "text", "list" (several values: one per line in the form, a repeatable
    option on the command line), "choice", "int" or "bool".
    """

    name: str
    label: str
    kind: str = "text"
    help: str = ""
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    default: Any = None
    cli: str | None = None  # the option's name without "--"; default: name with dashes
    secret: bool = False  # credential fields that are never shown back
    advanced: bool = False  # folded away in the form (e.g. a test server's address)

    @property
    def option(self) -> str:
        return "--" + (self.cli or self.name.replace("_", "-"))


@dataclass(frozen=True)
class Ask:
    """What the engine asks a collector for in one run."""

    query: dict  # as returned by the collector's check_query()
    since: datetime | None = None  # aware UTC; posts older than this are not wanted
    until: datetime | None = None  # aware UTC; posts newer than this are not wanted
    secret: dict | None = None  # the decrypted credential fields, or None


@dataclass
class Page:
    """One unit of progress: raw records to store, and the state to save with them.

    `state` is the collector's whole state after this page (the engine saves it in the
    transaction that stores the page's posts, so a crash resumes after the last saved
    page). `source` names where the page came from (an instance, a subreddit, a video)
    for the coverage report. `format` parses the records; None means the collector's FORMAT.
    A page may carry no records: a state change on its own (a source finished, a cursor
    moved past posts outside the window) is progress too.
    """

    records: list
    state: dict
    source: str = ""
    format: ModuleType | None = None


def _source_entry():
    return {
        "asked": "",
        "pages": 0,
        "posts": 0,
        "oldest": None,
        "newest": None,
        "complete": False,
        "failed": None,
        "refused": None,
        "caps": [],
        "gaps": [],
    }


@dataclass
class Coverage:
    """Facts for the coverage report, per source, JSON-serialisable (CollectionRun.coverage).

    Collectors call asked/complete/failed/refused/cap/gap/note; the engine calls page and
    seen for every stored page and post, and adds rate-limit waits. Times are ISO strings.
    """

    sources: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    outside_window: int = 0
    requests: int = 0
    quota_units: int = 0

    @classmethod
    def from_dict(cls, data: dict | None) -> "Coverage":
        data = data or {}
        return cls(
            sources={
                name: {**_source_entry(), **entry}
                for name, entry in data.get("sources", {}).items()
            },
            notes=list(data.get("notes", [])),
            outside_window=data.get("outside_window", 0),
            requests=data.get("requests", 0),
            quota_units=data.get("quota_units", 0),
        )

    def as_dict(self) -> dict:
        return {
            "sources": self.sources,
            "notes": self.notes,
            "outside_window": self.outside_window,
            "requests": self.requests,
            "quota_units": self.quota_units,
        }

    def source(self, name: str) -> dict:
        return self.sources.setdefault(name, _source_entry())

    # -- collectors --

    def asked(self, name: str, description: str) -> None:
        self.source(name)["asked"] = description

    def complete(self, name: str) -> None:
        """Everything this source offers for the query (and window) was read."""
        self.source(name)["complete"] = True

    def failed(self, name: str, reason: str) -> None:
        """The source could not be read (down, timed out, damaged answers)."""
        self.source(name)["failed"] = reason

    def refused(self, name: str, reason: str) -> None:
        """The source answered but would not give the data (login needed, comments off)."""
        self.source(name)["refused"] = reason

    def cap(self, name: str, text: str) -> None:
        caps = self.source(name)["caps"]
        if text not in caps:
            caps.append(text)

    def gap(self, name: str, text: str) -> None:
        gaps = self.source(name)["gaps"]
        if text not in gaps:
            gaps.append(text)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- the engine --

    def page(self, name: str) -> None:
        self.source(name)["pages"] += 1

    def seen(self, name: str, created_at: datetime) -> None:
        entry = self.source(name)
        entry["posts"] += 1
        moment = created_at.isoformat()
        # ISO strings of aware UTC times sort like the times.
        if entry["oldest"] is None or moment < entry["oldest"]:
            entry["oldest"] = moment
        if entry["newest"] is None or moment > entry["newest"]:
            entry["newest"] = moment
