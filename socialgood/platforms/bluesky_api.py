"""Collect from Bluesky: search by hashtag or keywords, author feeds, and whole threads.

**Search** (`app.bsky.feed.searchPosts`, sort=latest). One query yields at most about
10,000 posts (platforms.md §3.2), so a run plans **windows** of `window_hours` between
its start and end and pages each window to its end, newest first. When a window is cut
short by the cap (a full page without a cursor, or a 400 on a deep cursor) the window
is narrowed to end at the oldest post seen and paged again, and the cap is reported.
`since`/`until` compare `sortAt` (the earlier of createdAt and indexedAt); the same
limits are also applied here, so a server that ignores them (the local test network
does) still gives each window only its own posts. Hashtags search `q=#tag` plus
`tag=tag`, one tag per query: several tags are a union, not an intersection.

**Author feeds** (`getAuthorFeed`) are read back to the window's start or to the
newest item of the last run; **threads** (`getPostThread`, all depths) are read whole
on every run, since threads grow.

**Incremental runs.** Per source the state keeps the end of the last completed pass
(`covered_to`, search), the newest item seen (feeds), and while a pass is under way its
remaining windows and cursor, so a crash resumes from the last saved page. Each new
pass overlaps the last by INDEX_LAG, because posts are searchable only once indexed;
posts seen twice are stored once.

**Login.** Search on Bluesky's public AppView is usually closed to anonymous readers,
so collections use a handle + app password: `createSession` on the account's PDS, then
every read goes to that PDS, which proxies it to the AppView. Bluesky allows few logins
a day, so the tokens are kept in the collection's state (refreshed on ExpiredToken),
encrypted with a key derived from the app password: whoever cannot decrypt the
credential cannot use them. Without a credential, reads go to the public AppView (or
`service`), where profiles, feeds and threads need no login.

Thin HTTP on the shared layer rather than the `atproto` SDK: the SDK returns pydantic
models where the parser (socialgood.platforms.bluesky) reads the lexicon's raw JSON,
and it neither waits out a 429 nor tells the run that it waits; the shared HttpClient
does both, with the same retries and reports as every other platform.
"""

import base64
import hashlib
import math
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import orjson

from socialgood.platforms import bluesky
from socialgood.platforms import http as http_layer
from socialgood.platforms.collectors import Field, Page, QueryError, Refused, server_url
from socialgood.platforms.normalise import parse_iso, unique
from socialgood.privacy import crypto

NAME = "bluesky"
LABEL = "Bluesky"
FORMAT = bluesky
RATE_LIMIT = http_layer.BLUESKY
PAGE_SIZE = 100  # searchPosts and getAuthorFeed allow 1–100
PUBLIC_APPVIEW = "https://public.api.bsky.app"
DEFAULT_PDS = "https://bsky.social"
INDEX_LAG = timedelta(minutes=15)
THREAD_DEPTH = 1000  # the lexicon's maximum, both ways
CREDENTIAL_REQUIRED = False
COVERAGE_CAVEAT = (
    "Bluesky's search returns at most about 10,000 posts per query and only what its search "
    "service indexed, so socialgood searched in time windows (narrowed further where a window "
    "hit that limit); posts deleted before a run could not be collected."
)

QUERY_FIELDS = (
    Field(
        "tags",
        "Hashtags",
        kind="list",
        cli="tag",
        help="One per line, with or without #. Posts with any of them are collected.",
    ),
    Field(
        "keywords",
        "Keywords",
        kind="list",
        cli="keyword",
        help="Words or phrases to search for, one search per line, in Bluesky's search "
        'syntax (e.g. "social work" or from:ana.bsky.social).',
    ),
    Field(
        "authors",
        "Accounts",
        kind="list",
        cli="author",
        help="Accounts whose posts, replies and reposts to collect: handles "
        "(ana.bsky.social) or profile links, one per line.",
    ),
    Field(
        "threads",
        "Threads",
        kind="list",
        cli="thread",
        help="Links to posts (https://bsky.app/profile/…/post/…): each post's whole thread, "
        "with every reply, is collected again on every run.",
    ),
    Field(
        "lang",
        "Language",
        cli="lang",
        help="Only search results in this language (a code such as en or de). Bluesky "
        "guesses some languages itself.",
    ),
    Field(
        "window_hours",
        "Search window (hours)",
        kind="int",
        default=24,
        help="Searches are split into windows of this length, each read to its end. Make it "
        "shorter for very busy hashtags.",
        advanced=True,
    ),
    Field(
        "max_pages",
        "Pages per search or account in one run",
        kind="int",
        default=200,
        help="100 posts a page. What is left is collected by the next run.",
    ),
    Field(
        "service",
        "Server",
        cli="service",
        help="Leave empty for Bluesky itself. Another AppView or PDS address to read from "
        "(a self-hosted server, or a local test network).",
        advanced=True,
    ),
)

CREDENTIAL_FIELDS = (
    Field(
        "handle",
        "Handle",
        required=True,
        help="Your Bluesky handle (ana.bsky.social) or the e-mail address of the account.",
    ),
    Field(
        "app_password",
        "App password",
        secret=True,
        required=True,
        help="Made in Bluesky under Settings → Privacy and security → App passwords. "
        "Never your main password.",
    ),
    Field(
        "service",
        "Server",
        help="Only if your account is not on bsky.social: the address of its server (PDS).",
    ),
)

_TAG = re.compile(r"^[^\s#]{1,64}$")
_HANDLE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*$")
_DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-z0-9.:%-]+)$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_POST_PATH = re.compile(r"^/profile/([^/]+)/post/([A-Za-z0-9._~:-]+)/?$")
_AT_POST = re.compile(r"^at://([^/]+)/app\.bsky\.feed\.post/([A-Za-z0-9._~:-]+)$")
_SESSION_PURPOSE = b"socialgood bluesky session"


# --- the query ----------------------------------------------------------------------------


def base_url(address):
    return server_url(address, "https://bsky.social")


def actor(value):
    """A handle or DID from 'ana.bsky.social', '@ana.bsky.social', a DID or a profile link."""
    value = value.strip()
    if "://" in value:
        parts = urlsplit(value)
        path = parts.path.strip("/").split("/")
        value = path[1] if len(path) >= 2 and path[0] == "profile" else ""
    value = value.lstrip("@").lower() if not value.startswith("did:") else value
    if _HANDLE.match(value) or _DID.match(value):
        return value
    raise QueryError(
        f"“{value}” is not a Bluesky account: write its handle (ana.bsky.social) "
        "or paste its profile link."
    )


def post_uri(value):
    """at://<handle or DID>/app.bsky.feed.post/<rkey> from a post link or an AT-URI."""
    value = value.strip()
    match = _AT_POST.match(value)
    if match is None and value.startswith(("http://", "https://")):
        match = _POST_PATH.match(urlsplit(value).path)
    if match is None:
        raise QueryError(
            f"“{value}” is not a link to a Bluesky post (https://bsky.app/profile/…/post/…)."
        )
    return f"at://{actor(match.group(1))}/app.bsky.feed.post/{match.group(2)}"


def check_query(query):
    tags = [
        t
        for t in unique(str(t).strip().lstrip("#＃").lower() for t in query.get("tags") or [])
        if t
    ]
    for tag in tags:
        if not _TAG.match(tag):
            raise QueryError(f"“#{tag}” is not a hashtag: no spaces, at most 64 characters.")
    keywords = [
        k for k in unique(" ".join(str(k).split()) for k in query.get("keywords") or []) if k
    ]
    authors = list(unique(actor(str(a)) for a in query.get("authors") or [] if str(a).strip()))
    threads = list(unique(post_uri(str(t)) for t in query.get("threads") or [] if str(t).strip()))
    if not (tags or keywords or authors or threads):
        raise QueryError("Give at least one hashtag, keyword, account or thread.")
    lang = str(query.get("lang") or "").strip()
    if lang and not _LANG.match(lang):
        raise QueryError(f"“{lang}” is not a language code (such as en, de or pt-BR).")
    window_hours = _whole_number(query.get("window_hours"), 24, "The search window", 1, 24 * 366)
    max_pages = _whole_number(query.get("max_pages"), 200, "Pages per run", 1, 10000)
    service = str(query.get("service") or "").strip()
    return {
        "tags": tags,
        "keywords": keywords,
        "authors": authors,
        "threads": threads,
        "lang": lang,
        "window_hours": window_hours,
        "max_pages": max_pages,
        "service": base_url(service) if service else "",
    }


def _whole_number(value, default, what, low, high):
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{what} must be a whole number.") from None
    if not low <= number <= high:
        raise QueryError(f"{what} must be between {low:,} and {high:,}.")
    return number


def describe(query):
    parts = []
    searches = [f"#{tag}" for tag in query["tags"]] + [f"“{kw}”" for kw in query["keywords"]]
    if searches:
        lang = f" in language {query['lang']}" if query["lang"] else ""
        parts.append(f"posts matching {_join(searches, 'or')}{lang}")
    if query["authors"]:
        parts.append(f"the posts of {_join(['@' + a for a in query['authors']], 'and')}")
    if query["threads"]:
        count = len(query["threads"])
        parts.append(f"{count} whole thread{'s' if count > 1 else ''}")
    where = f" (read from {urlsplit(query['service']).netloc})" if query["service"] else ""
    return " and ".join(parts) + where


def _join(items, word):
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


# --- collecting ---------------------------------------------------------------------------


def pages(ask, state, http, coverage):
    query = ask.query
    state = {"sources": dict(state.get("sources", {})), "session": state.get("session")}
    xrpc = _Xrpc(ask, query, state, http)
    now = datetime.now(UTC)
    for tag in query["tags"]:
        params = {"q": f"#{tag}", "tag": tag}
        yield from _search(f"search #{tag}", params, ask, now, state, xrpc, coverage)
    for keyword in query["keywords"]:
        yield from _search(f"search “{keyword}”", {"q": keyword}, ask, now, state, xrpc, coverage)
    for author in query["authors"]:
        yield from _author_feed(f"account @{author}", author, ask, state, xrpc, coverage)
    for uri in query["threads"]:
        yield from _thread(uri, state, xrpc, coverage)


class _Xrpc:
    """GET /xrpc/<nsid> on the read host, logged in when there is a credential."""

    def __init__(self, ask, query, state, http):
        self.http = http
        self.state = state
        self.secret = ask.secret
        self.session = None
        self.key = None
        if ask.secret:
            self.key = _session_key(ask.secret)
            self.host = base_url(ask.secret.get("service") or query["service"] or DEFAULT_PDS)
            self.session = _load_session(self.key, state.get("session"), self.host)
        else:
            self.host = query["service"] or PUBLIC_APPVIEW

    @property
    def anonymous(self):
        return self.secret is None

    def get(self, nsid, params):
        if self.secret and self.session is None:
            self._login()
        try:
            return self._get(nsid, params)
        except http_layer.HttpError as error:
            if not (self.session and _expired(error)):
                raise
        self._refresh()
        return self._get(nsid, params)

    def _get(self, nsid, params):
        headers = {"Authorization": f"Bearer {self.session['access']}"} if self.session else None
        data, _ = self.http.get_json(f"{self.host}/xrpc/{nsid}", params=params, headers=headers)
        if not isinstance(data, dict):
            raise _Damaged(f"{urlsplit(self.host).netloc} sent an answer that is not an object.")
        return data

    def _login(self):
        try:
            data, _ = self.http.request(
                "POST",
                f"{self.host}/xrpc/com.atproto.server.createSession",
                json={"identifier": self.secret["handle"], "password": self.secret["app_password"]},
                expect_json=True,
            )
        except http_layer.HttpError as error:
            if error.status in (400, 401):
                raise Refused(
                    f"{urlsplit(self.host).netloc} did not accept the Bluesky handle and app "
                    "password of this collection's credential. Check them on the credentials page "
                    "(an app password can be revoked in Bluesky's settings)."
                ) from None
            raise
        self._keep(data)

    def _refresh(self):
        try:
            data, _ = self.http.request(
                "POST",
                f"{self.host}/xrpc/com.atproto.server.refreshSession",
                headers={"Authorization": f"Bearer {self.session['refresh']}"},
                expect_json=True,
            )
        except http_layer.HttpError:
            self.session = None  # the refresh token expired or was revoked: log in again
            self._login()
            return
        self._keep(data)

    def _keep(self, data):
        if not isinstance(data, dict) or not data.get("accessJwt"):
            raise _Damaged(f"{urlsplit(self.host).netloc} sent a damaged login answer.")
        self.session = {
            "host": self.host,
            "access": data["accessJwt"],
            "refresh": data.get("refreshJwt") or self.session and self.session["refresh"],
        }
        self.state["session"] = _seal_session(self.key, self.session)


def _session_key(secret):
    # scrypt: the app password is the only secret behind the key, so make guessing slow.
    salt = _SESSION_PURPOSE + b" " + str(secret.get("handle", "")).encode()
    return hashlib.scrypt(
        str(secret["app_password"]).encode(), salt=salt, n=2**14, r=8, p=1, dklen=32
    )


def _seal_session(key, session):
    sealed = crypto.encrypt(key, orjson.dumps(session), _SESSION_PURPOSE)
    return base64.b64encode(sealed).decode()


def _load_session(key, sealed, host):
    """The saved tokens if they belong to this credential and host, else None."""
    if not sealed:
        return None
    try:
        session = orjson.loads(crypto.decrypt(key, base64.b64decode(sealed), _SESSION_PURPOSE))
    except (crypto.DecryptionError, ValueError):
        return None  # another password (the credential was replaced): log in again
    return session if session.get("host") == host else None


def _expired(error):
    body = error.json() or {}
    return error.status in (400, 401) and body.get("error") in ("ExpiredToken", "InvalidToken")


class _Damaged(Exception):
    pass


def _iso(moment):
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sort_at(view):
    """The search index's time of a postView: the earlier of createdAt and indexedAt."""
    record = view.get("record") if isinstance(view, dict) else None
    times = [
        parse_iso((record or {}).get("createdAt")),
        parse_iso(view.get("indexedAt") if isinstance(view, dict) else None),
    ]
    times = [moment for moment in times if moment is not None]
    return min(times) if times else None


def plan_windows(start, end, hours):
    """[since, until] ISO pairs covering start..end in slices of `hours`, oldest first.

    `start` None (no window start, first run) is one open window: searched to its end.
    """
    if start is None:
        return [[None, _iso(end)]]
    # Equal slices, so a run started a moment after a whole number of days has no
    # sliver window at the end.
    count = max(1, math.ceil((end - start) / timedelta(hours=hours) - 0.01))
    step = (end - start) / count
    bounds = [start + step * i for i in range(count)] + [end]
    return [[_iso(a), _iso(b)] for a, b in zip(bounds, bounds[1:], strict=False)]


def _search(source, base_params, ask, now, state, xrpc, coverage):
    query = ask.query
    entry = dict(state["sources"].get(source) or {})
    if not entry.get("windows"):
        end = min(ask.until, now) if ask.until else now
        start = ask.since
        covered = parse_iso(entry.get("covered_to"))
        if covered is not None:
            start = max(covered - INDEX_LAG, ask.since) if ask.since else covered - INDEX_LAG
        if start is not None and start >= end:
            coverage.complete(source)
            return
        entry.update(
            windows=plan_windows(start, end, query["window_hours"]),
            pass_end=_iso(end),
            cursor=None,
            oldest=None,
            got=0,
        )
    windows = entry["windows"]
    first, last = windows[0][0], entry["pass_end"]
    coverage.asked(
        source,
        f"{base_params['q']} from {first or 'the oldest post'} to {last}, "
        f"in {len(windows)} window{'s' if len(windows) > 1 else ''} of about "
        f"{query['window_hours']} h",
    )
    budget = query["max_pages"]
    params = {**base_params, "sort": "latest", "limit": PAGE_SIZE}
    if query["lang"]:
        params["lang"] = query["lang"]
    try:
        while entry["windows"]:
            if budget <= 0:
                coverage.gap(
                    source, "more posts than one run's page limit; the next run continues here."
                )
                return
            since, until = entry["windows"][0]
            asked = {**params, "until": until}
            if since:
                asked["since"] = since
            if entry.get("cursor"):
                asked["cursor"] = entry["cursor"]
            try:
                data = xrpc.get("app.bsky.feed.searchPosts", asked)
            except http_layer.HttpError as error:
                if error.status == 400 and entry.get("cursor"):
                    data = None  # palomar refuses cursors past its result limit
                else:
                    raise
            budget -= 1
            views = (data or {}).get("posts") or []
            if not isinstance(views, list):
                raise _Damaged(f"{source}: the answer has no list of posts.")
            cursor = (data or {}).get("cursor")
            kept, older = _in_window(views, since, until)
            boundary = set(entry.get("boundary") or ())
            kept = [view for view in kept if view.get("cid") not in boundary]
            times = [t for t in (_sort_at(view) for view in kept) if t is not None]
            if times:
                oldest = parse_iso(entry.get("oldest"))
                entry["oldest"] = _iso(min(times) if oldest is None else min(oldest, *times))
                cut = entry.get("cut")
                if cut and min(times) < parse_iso(cut["at"]):
                    _report_cap(source, cut, coverage)  # the cut really hid older posts
                    entry["cut"] = None
            entry["got"] += len(views)
            if cursor and not older and data is not None:
                entry["cursor"] = cursor
            elif not older and (data is None or len(views) >= PAGE_SIZE):
                # Palomar ends a query at its result cap with a full page and no cursor,
                # or a 400 for a deeper cursor. A full last page without a cursor can also
                # be the plain end (the local AppView does that), so that cap is reported
                # only once the narrowed search finds older posts.
                _narrow(source, entry, kept, coverage, certain=data is None)
            else:
                entry["windows"] = entry["windows"][1:]
                entry.update(cursor=None, oldest=None, got=0, boundary=None, cut=None)
            if not entry["windows"]:
                entry["covered_to"] = entry.pop("pass_end")  # the next run starts here
            yield _page([{"posts": kept}] if kept else [], entry, source, state)
        coverage.complete(source)
    except http_layer.HttpError as error:
        _http_problem(source, error, xrpc, coverage, "search")
    except (http_layer.Unavailable, _Damaged) as error:
        coverage.failed(source, str(error))


def _in_window(views, since, until):
    """(views within [since, until) by sortAt, whether any was older than `since`)."""
    since, until = parse_iso(since), parse_iso(until)
    kept, older = [], False
    for view in views:
        moment = _sort_at(view)
        if moment is not None and since is not None and moment < since:
            older = True
        elif moment is None or until is None or moment < until:
            kept.append(view)
    return kept, older


def _narrow(source, entry, kept, coverage, *, certain):
    """A window cut short by the result cap: search it again, ending where the cut was.

    The new window ends 1 ms after the oldest post seen, so posts of that same
    millisecond are not lost; those already seen (`boundary`, by CID: content hashes,
    not people) are left out when they come again.
    """
    since, until = entry["windows"][0]
    oldest = parse_iso(entry.get("oldest"))
    cut = {"at": entry.get("oldest"), "got": entry.get("got", 0), "window": [since, until]}
    narrower = oldest + timedelta(milliseconds=1) if oldest else None
    if narrower is None or narrower >= parse_iso(until):
        # Nothing new since the last cut: a real cap when the server refused the cursor;
        # otherwise the plain end of a server that ignores `until` (the local AppView).
        if certain:
            _report_cap(source, cut, coverage, narrowed=False)
        entry["windows"] = entry["windows"][1:]
        entry.update(cursor=None, oldest=None, got=0, boundary=None, cut=None)
        return
    if certain:
        _report_cap(source, cut, coverage)
    entry["windows"] = [[since, _iso(narrower)], *entry["windows"][1:]]
    entry.update(
        cursor=None,
        oldest=None,
        got=0,
        boundary=[view.get("cid") for view in kept if _sort_at(view) == oldest],
        cut=None if certain else cut,
    )


def _report_cap(source, cut, coverage, narrowed=True):
    since, until = cut["window"]
    text = (
        f"the search stopped after {cut['got']:,} posts (Bluesky's result limit) in the window "
        f"{since or 'start'} to {until}"
    )
    if narrowed:
        text += f"; socialgood searched again from {cut['at']} back to fill it."
    else:
        text += "; it could not be narrowed further, so older posts of that window are missing."
    coverage.cap(source, text)


def _author_feed(source, author, ask, state, xrpc, coverage):
    entry = dict(state["sources"].get(source) or {})
    if not entry.get("cursor"):
        # A new pass: back to the newest item of the last one (minus the lag), or the window.
        newest = parse_iso(entry.get("newest"))
        stop = newest - INDEX_LAG if newest else None
        if ask.since and (stop is None or stop < ask.since):
            stop = ask.since
        entry.update(stop_at=_iso(stop) if stop else None, pass_newest=entry.get("newest"))
    coverage.asked(source, f"posts, replies and reposts of @{author}")
    stop = parse_iso(entry.get("stop_at"))
    budget = ask.query["max_pages"]
    params = {"actor": author, "limit": PAGE_SIZE, "filter": "posts_with_replies"}
    try:
        while True:
            if budget <= 0:
                coverage.gap(
                    source, "more posts than one run's page limit; the next run continues here."
                )
                return
            asked = {**params, "cursor": entry["cursor"]} if entry.get("cursor") else params
            data = xrpc.get("app.bsky.feed.getAuthorFeed", asked)
            budget -= 1
            items = data.get("feed")
            if not isinstance(items, list):
                raise _Damaged(f"{source}: the answer has no list of feed items.")
            kept = []
            reached = False
            for item in items:
                moment = _feed_time(item)
                if stop is not None and moment is not None and moment < stop:
                    reached = True
                    continue
                kept.append(item)
                pass_newest = parse_iso(entry.get("pass_newest"))
                if moment is not None and (pass_newest is None or moment > pass_newest):
                    entry["pass_newest"] = _iso(moment)
            cursor = data.get("cursor")
            done = reached or not cursor or not items
            entry["cursor"] = None if done else cursor
            if done:
                entry["newest"] = entry.get("pass_newest")
            yield _page([{"feed": kept}] if kept else [], entry, source, state)
            if done:
                coverage.complete(source)
                return
    except http_layer.HttpError as error:
        _http_problem(source, error, xrpc, coverage, "account")
    except (http_layer.Unavailable, _Damaged) as error:
        coverage.failed(source, str(error))


def _feed_time(item):
    """When a feed item entered the feed: the repost's time, or the post's sortAt."""
    if not isinstance(item, dict):
        return None
    reason = item.get("reason")
    if isinstance(reason, dict) and reason.get("indexedAt"):
        return parse_iso(reason["indexedAt"])
    return _sort_at(item.get("post"))


def _thread(uri, state, xrpc, coverage):
    source = f"thread {uri}"
    coverage.asked(source, "the whole thread of one post, with every reply")
    try:
        holder = uri[5:].split("/", 1)[0]
        if not holder.startswith("did:"):
            data = xrpc.get("com.atproto.identity.resolveHandle", {"handle": holder})
            uri = uri.replace(holder, str(data.get("did")), 1)
        data = xrpc.get(
            "app.bsky.feed.getPostThread",
            {"uri": uri, "depth": THREAD_DEPTH, "parentHeight": THREAD_DEPTH},
        )
        if not isinstance(data.get("thread"), dict):
            raise _Damaged(f"{source}: the answer has no thread.")
        yield Page(records=[data], state=_copy(state), source=source)
        coverage.complete(source)
    except http_layer.HttpError as error:
        if error.status in (400, 404) and (error.json() or {}).get("error") == "NotFound":
            coverage.failed(source, "the post was deleted or never existed.")
        else:
            _http_problem(source, error, xrpc, coverage, "thread")
    except (http_layer.Unavailable, _Damaged) as error:
        coverage.failed(source, str(error))


def _copy(state):
    return {"sources": dict(state["sources"]), "session": state.get("session")}


def _page(records, entry, source, state):
    state["sources"] = {**state["sources"], source: dict(entry)}
    return Page(records=records, state=_copy(state), source=source)


def _http_problem(source, error, xrpc, coverage, what):
    body = error.json() or {}
    if error.status in (401, 403):
        if xrpc.anonymous:
            coverage.refused(
                source,
                f"{urlsplit(xrpc.host).netloc} does not let anonymous readers {_verb(what)} "
                f"({error.status}); add a Bluesky credential (handle and app password).",
            )
        else:
            coverage.refused(source, f"the server refused ({error.status}).")
    elif what == "account" and body.get("error") in ("AccountTakedown", "BlockedActor"):
        coverage.refused(source, "the account is suspended or blocks readers.")
    else:
        detail = f": {body['error']}" if isinstance(body.get("error"), str) else ""
        coverage.failed(source, f"the server answered {error.status}{detail}.")


def _verb(what):
    return {"search": "search", "account": "read this account", "thread": "read threads"}[what]
