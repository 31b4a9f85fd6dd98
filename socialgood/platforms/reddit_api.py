"""Collect from Reddit: subreddit new/top/search listings and each submission's comment tree.

OAuth with the app's client id and secret (client credentials, platforms.md §4.1);
every request sends `raw_json=1` and a descriptive User-Agent. Listings page with
`after`; comment trees come from /comments/{id}, and collapsed branches ("load more
comments") are expanded with /api/morechildren, 100 ids at a time, and deep chains
("continue this thread") with /comments/{id}?comment=<parent>.

Incremental: "new" and search (sorted by new) stop at the newest submission the last
run saw; "top" is re-read each run (what is already stored counts as duplicates).
The comments of every submission a run finds are read, and those of submissions
younger than `comment_days` again on every run, because threads grow for a few days.

State: {"subs": {source: {"newest_utc", "after", "pass_newest"}}, "recent": {t3 name:
created_utc}, "fresh": [t3 names found in this run], "pending": [t3 names whose comments
are still to read in this run]}.

Thin HTTP rather than praw: praw turns listings into objects (our parser reads Reddit's
JSON), sleeps through rate limits silently and expands "more" branches on its own terms.
"""

import re
import time
from urllib.parse import quote

from socialgood.platforms import http as http_layer
from socialgood.platforms import reddit
from socialgood.platforms.collectors import Field, Page, QueryError, Refused

NAME = "reddit"
LABEL = "Reddit"
FORMAT = reddit
RATE_LIMIT = http_layer.REDDIT
CREDENTIAL_REQUIRED = True
API = "https://oauth.reddit.com"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
LISTING_CAP = 1000  # Reddit's listings stop at about this many items
MORE_BATCH = 100  # ids per /api/morechildren call
MORE_CALLS_PER_THREAD = 30
COVERAGE_CAVEAT = (
    "Reddit's listings stop at about 1,000 submissions and its search is not exhaustive; "
    "scores and comment counts are fuzzed by Reddit and change over time."
)

QUERY_FIELDS = (
    Field(
        "subreddits",
        "Subreddits",
        kind="list",
        cli="subreddit",
        help="e.g. socialwork or r/socialwork. Leave empty to search all of Reddit.",
    ),
    Field(
        "listing",
        "Which posts",
        kind="choice",
        choices=(("new", "Newest"), ("top", "Top"), ("search", "Search")),
        default="new",
        help="Newest is collected incrementally; Top is read again each run.",
    ),
    Field(
        "search",
        "Search words",
        help="For “Search”: Reddit search syntax, e.g. burnout OR “compassion fatigue”.",
    ),
    Field(
        "time",
        "Time range for Top and Search",
        kind="choice",
        choices=(
            ("day", "Day"),
            ("week", "Week"),
            ("month", "Month"),
            ("year", "Year"),
            ("all", "All time"),
        ),
        default="week",
    ),
    Field(
        "without_comments",
        "Leave out comments",
        kind="bool",
        default=False,
        help="Collect submissions only, not their comment trees.",
    ),
    Field(
        "comment_days",
        "Re-read comments for (days)",
        kind="int",
        default=3,
        help="Comments of submissions younger than this are read again each run, as threads grow.",
    ),
    Field(
        "max_pages",
        "Pages per subreddit in one run",
        kind="int",
        default=10,
        help="100 submissions a page.",
    ),
    Field("service", "API address", advanced=True, help="Only for a test server or a proxy."),
)

CREDENTIAL_FIELDS = (
    Field(
        "client_id",
        "Client id",
        required=True,
        help="From reddit.com/prefs/apps (a “script” or “web” app).",
    ),
    Field("client_secret", "Client secret", secret=True, required=True),
    Field("username", "Your Reddit username", help="Named in the User-Agent, as Reddit asks."),
)

_SUB = re.compile(r"^[A-Za-z0-9_]{2,21}$")


def check_query(query):
    subreddits = []
    for name in query.get("subreddits") or []:
        name = re.sub(r"^(https?://[^/]+)?/?r/", "", str(name).strip()).strip("/")
        if not name:
            continue
        if not _SUB.match(name):
            raise QueryError(f"“{name}” is not a subreddit name.")
        if name.lower() not in [s.lower() for s in subreddits]:
            subreddits.append(name)
    listing = query.get("listing") or "new"
    if listing not in ("new", "top", "search"):
        raise QueryError("Which posts must be new, top or search.")
    search = str(query.get("search") or "").strip()
    if listing == "search" and not search:
        raise QueryError("Give the words to search for.")
    if listing != "search" and not subreddits:
        raise QueryError("Give at least one subreddit (or choose Search to search all of Reddit).")
    time_range = query.get("time") or "week"
    if time_range not in ("hour", "day", "week", "month", "year", "all"):
        raise QueryError("The time range must be day, week, month, year or all.")
    numbers = {}
    for name, default, low, high in (("comment_days", 3, 0, 30), ("max_pages", 10, 1, 100)):
        try:
            numbers[name] = int(query.get(name) if query.get(name) not in (None, "") else default)
        except (TypeError, ValueError):
            raise QueryError(f"{name.replace('_', ' ')} must be a whole number.") from None
        if not low <= numbers[name] <= high:
            raise QueryError(f"{name.replace('_', ' ')} must be between {low} and {high}.")
    return {
        "subreddits": subreddits,
        "listing": listing,
        "search": search,
        "time": time_range,
        "without_comments": bool(query.get("without_comments")),
        **numbers,
        "service": str(query.get("service") or "").strip().rstrip("/"),
    }


def describe(query):
    where = ", ".join(f"r/{name}" for name in query["subreddits"]) or "all of Reddit"
    if query["listing"] == "search":
        what = f"submissions matching “{query['search']}” in {where}"
    elif query["listing"] == "top":
        what = f"the top submissions of the {query['time']} in {where}"
    else:
        what = f"new submissions in {where}"
    return what if query["without_comments"] else f"{what}, with their comments"


def pages(ask, state, http, coverage):
    query = ask.query
    api = query["service"] or API
    session = _Session(
        api,
        query["service"] + "/api/v1/access_token" if query["service"] else TOKEN_URL,
        ask.secret or {},
        http,
    )
    state = {
        "subs": dict(state.get("subs", {})),
        "recent": dict(state.get("recent", {})),
        "fresh": list(state.get("fresh", [])),
        "pending": list(state.get("pending", [])),
    }
    since = ask.since.timestamp() if ask.since else None
    # A run that stopped among the comments finishes them before reading listings again.
    if not state["pending"]:
        for sub in query["subreddits"] or [None]:
            yield from _listing(sub, query, since, session, state, coverage)
        if not query["without_comments"]:
            # Every submission found in this run, and the young ones from earlier runs.
            horizon = time.time() - query["comment_days"] * 86400
            state["recent"] = {name: t for name, t in state["recent"].items() if t >= horizon}
            young = sorted(state["recent"], key=state["recent"].get)
            state["pending"] = list(dict.fromkeys(state["fresh"] + young))
            state["fresh"] = []
    if not query["without_comments"]:
        yield from _comments(session, state, coverage)


def _snapshot(state):
    return {
        "subs": {name: dict(entry) for name, entry in state["subs"].items()},
        "recent": dict(state["recent"]),
        "fresh": list(state["fresh"]),
        "pending": list(state["pending"]),
    }


def _listing(sub, query, since, session, state, coverage):
    listing = query["listing"]
    source = f"r/{sub}" if sub else "Reddit search"
    path = f"/r/{quote(sub)}" if sub else ""
    coverage.asked(source, describe({**query, "subreddits": [sub] if sub else []}))
    incremental = listing in ("new", "search")
    params = {"limit": 100, "raw_json": 1}
    if listing == "search":
        url = f"{session.api}{path}/search"
        params.update(q=query["search"], sort="new", t=query["time"], type="link")
        if sub:
            params["restrict_sr"] = 1
    elif listing == "top":
        url = f"{session.api}{path}/top"
        params["t"] = query["time"]
    else:
        url = f"{session.api}{path}/new"
    entry = dict(state["subs"].get(source, {}))
    stop_at = entry.get("newest_utc") if incremental else None
    after = entry.get("after")
    pass_newest = entry.get("pass_newest") or stop_at or 0
    read = 0
    try:
        for _ in range(query["max_pages"]):
            data = session.get(url, {**params, **({"after": after} if after else {})})
            if not reddit.is_listing(data):
                coverage.failed(source, "Reddit sent something that is not a listing.")
                return
            children = data["data"].get("children") or []
            kept, reached = [], False
            for child in children:
                item = child.get("data") if isinstance(child, dict) else None
                created = _created(item)
                if created is None:
                    kept.append(child)  # the parser reports it
                    continue
                # Only time-ordered listings can stop early; "top" is filtered by the engine.
                if incremental and (
                    (stop_at and created <= stop_at) or (since and created < since)
                ):
                    reached = True
                    break
                kept.append(child)
                pass_newest = max(pass_newest, created)
                if child.get("kind") == "t3" and item.get("name"):
                    state["recent"][item["name"]] = created
                    state["fresh"].append(item["name"])
            read += len(children)
            after = data["data"].get("after")
            finished = reached or not after
            state["subs"][source] = (
                {"newest_utc": pass_newest or stop_at, "after": None}
                if finished
                else {"newest_utc": stop_at, "after": after, "pass_newest": pass_newest}
            )
            if not incremental and finished:
                state["subs"][source] = {}
            page = {"kind": "Listing", "data": {**data["data"], "children": kept}}
            yield Page(records=[page], state=_snapshot(state), source=source)
            if finished:
                if not reached and read >= LISTING_CAP * 0.9:
                    coverage.cap(
                        source,
                        "Reddit lists only about 1,000 submissions; older ones can't be reached "
                        "through its API (the Pushshift/Arctic Shift dumps have them).",
                    )
                coverage.complete(source)
                return
        coverage.gap(source, "more submissions than one run's page limit; the next run continues.")
    except http_layer.Unavailable as error:
        coverage.failed(source, str(error))
    except http_layer.HttpError as error:
        if error.status in (403, 451):
            coverage.refused(
                source,
                f"Reddit refused ({error.status}): the subreddit is private, quarantined or banned.",
            )
        elif error.status == 404:
            coverage.failed(source, "Reddit knows no such subreddit (404).")
        else:
            coverage.failed(source, f"Reddit answered {error.status}.")


def _created(item):
    if not isinstance(item, dict):
        return None
    try:
        return float(item.get("created_utc"))
    except (TypeError, ValueError):
        return None


def _comments(session, state, coverage):
    source = "comments"
    if state["pending"]:
        coverage.asked(source, f"the comment trees of {len(state['pending'])} submissions")
    while state["pending"]:
        name = state["pending"][0]
        try:
            yield from _tree(name, session, state, coverage)
        except http_layer.Unavailable as error:
            coverage.failed(source, str(error))
            return
        except http_layer.HttpError as error:
            coverage.gap(
                source,
                f"some submissions' comments could not be read (Reddit answered {error.status}).",
            )
        state["pending"] = state["pending"][1:]
        yield Page(records=[], state=_snapshot(state), source=source)
    coverage.complete(source)


def _tree(name, session, state, coverage):
    link_id36 = name.removeprefix("t3_")
    params = {"limit": 500, "sort": "new", "raw_json": 1}
    queue = [("tree", None)]
    calls = 0
    while queue and calls < MORE_CALLS_PER_THREAD:
        kind, value = queue.pop(0)
        calls += 1
        if kind == "tree":
            extra = {"comment": value} if value else {}
            data = session.get(f"{session.api}/comments/{quote(link_id36)}", {**params, **extra})
            if not (isinstance(data, list) and len(data) == 2 and reddit.is_listing(data[1])):
                coverage.gap("comments", "some comment pages were damaged and skipped.")
                return
            things = data[1]["data"].get("children") or []
            record = data[1]  # the submission (data[0]) is stored from its listing
        else:
            data = session.get(
                f"{session.api}/api/morechildren",
                {"link_id": name, "children": ",".join(value), "api_type": "json", "raw_json": 1},
            )
            things = ((data or {}).get("json") or {}).get("data", {}).get("things") or []
            record = data
        queue.extend(_more(things))
        yield Page(records=[record], state=_snapshot(state), source="comments")
    if queue:
        coverage.cap(
            "comments", f"very large threads were read up to {MORE_CALLS_PER_THREAD} requests each."
        )


def _more(things):
    """("more", [ids]) batches and ("tree", parent id36) chains hidden in a tree, depth first."""
    found = []
    stack = list(things)
    while stack:
        thing = stack.pop()
        if not isinstance(thing, dict) or not isinstance(thing.get("data"), dict):
            continue
        data = thing["data"]
        if thing.get("kind") == "more":
            children = [c for c in data.get("children") or [] if isinstance(c, str)]
            for start in range(0, len(children), MORE_BATCH):
                found.append(("more", children[start : start + MORE_BATCH]))
            if not children and data.get("parent_id", "").startswith("t1_"):
                found.append(("tree", data["parent_id"][3:]))  # "continue this thread"
        replies = data.get("replies")
        if reddit.is_listing(replies):
            stack.extend(replies["data"].get("children") or [])
    return found


class _Session:
    """The app's bearer token, fetched on first use and again when it expires."""

    def __init__(self, api, token_url, secret, http):
        self.api = api
        self.token_url = token_url
        self.secret = secret
        self.http = http
        self.token = None
        username = secret.get("username")
        self.user_agent = f"python:socialgood:0.1{f' (by /u/{username})' if username else ''}"

    def get(self, url, params):
        if self.token is None:
            self._authorize()
        try:
            data, _ = self.http.get_json(url, params=params, headers=self._headers())
        except http_layer.HttpError as error:
            if error.status != 401:
                raise
            self._authorize()  # expired: once more with a fresh token
            data, _ = self.http.get_json(url, params=params, headers=self._headers())
        return data

    def _headers(self):
        return {"Authorization": f"bearer {self.token}", "User-Agent": self.user_agent}

    def _authorize(self):
        try:
            data, _ = self.http.request(
                "POST",
                self.token_url,
                expect_json=True,
                auth=(self.secret.get("client_id", ""), self.secret.get("client_secret", "")),
                data={"grant_type": "client_credentials"},
                headers={"User-Agent": self.user_agent},
            )
        except http_layer.HttpError as error:
            if error.status in (400, 401, 403):
                raise Refused(
                    "Reddit did not accept the client id and secret. Check them on the "
                    "credentials page (reddit.com/prefs/apps shows them)."
                ) from None
            raise
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise Refused("Reddit did not give an access token for this app.")
        self.token = token
