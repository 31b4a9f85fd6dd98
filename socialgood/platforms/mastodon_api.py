"""Collect from Mastodon: hashtag timelines on a list of instances, and account statuses.

A hashtag is read from every listed instance, because each holds only what reached it
through federation; the parser keys posts on the status `uri`, so a post seen on three
instances is stored once. Paging follows the `Link` header (platforms.md §2.2):

- the first run goes back from the newest post (`max_id`, rel="next") until the
  window's start, the end of the timeline, or `max_pages`;
- later runs first go forward from the newest post seen (`min_id`, rel="prev"), which
  walks towards the present without the gap `since_id` can leave, then go on back if
  the first run did not reach the end.

State, per source ("<instance> #<tag>", "<instance> @<account>"): newest_id, oldest_id,
backfill_done, and stopped_at_since when going back stopped at the window's start (so
moving the start earlier later sends the next run further back). Saved after every
page, so a crash loses at most one page of work.
Ids are compared by (length, text): numeric on Mastodon, fixed-length on other servers.

Thin HTTP rather than Mastodon.py: see socialgood.platforms.http.
"""

import re
from urllib.parse import quote, urlsplit

from socialgood.platforms import http as http_layer
from socialgood.platforms import mastodon
from socialgood.platforms.collectors import Field, Page, QueryError, server_url
from socialgood.platforms.normalise import parse_iso, unique

NAME = "mastodon"
LABEL = "Mastodon"
FORMAT = mastodon
RATE_LIMIT = http_layer.MASTODON
PAGE_SIZE = 40  # the API's maximum
CREDENTIAL_REQUIRED = False
COVERAGE_CAVEAT = (
    "A Mastodon instance holds only the posts that reached it through federation, so the "
    "collection covers what the listed instances saw, not the whole fediverse; a post seen "
    "on several instances is stored once (matched by its uri)."
)

QUERY_FIELDS = (
    Field(
        "tags",
        "Hashtags",
        kind="list",
        cli="tag",
        help="With or without #. Each hashtag is collected on every instance.",
    ),
    Field(
        "instances",
        "Instances",
        kind="list",
        cli="instance",
        help="Mastodon servers to read hashtags from (e.g. mastodon.social). "
        "Each holds only what reached it, so list several large ones.",
    ),
    Field(
        "accounts",
        "Accounts",
        kind="list",
        cli="account",
        help="Accounts whose posts to collect, as user@server or a profile link. "
        "They are read from their own server.",
    ),
    Field(
        "local_only",
        "Only posts written on each instance",
        kind="bool",
        cli="local",
        default=False,
        help="Leave out posts an instance received from other servers.",
    ),
    Field(
        "max_pages",
        "Pages per hashtag and instance in one run",
        kind="int",
        default=50,
        help="40 posts a page. What is left is collected by the next run.",
    ),
)

CREDENTIAL_FIELDS = (
    Field("instance", "Instance", required=True, help="The server the token belongs to."),
    Field(
        "access_token",
        "Access token",
        secret=True,
        required=True,
        help="From Preferences → Development → New application, with the read scope. "
        "Only needed where an instance closes its hashtag timelines to anonymous readers.",
    ),
)

_TAG = re.compile(r"^\w+$")
_ACCT = re.compile(r"^@?([\w.-]+)@([\w.-]+\.[\w.-]+|[\w.-]+:\d+)$")


def base_url(instance):
    return server_url(instance, "mastodon.social")


def account_address(value):
    """(server base URL, acct) from 'ana@example.org', '@ana@example.org' or a profile URL."""
    value = value.strip()
    if "://" in value:
        parts = urlsplit(value)
        name = parts.path.strip("/").lstrip("@")
        if parts.netloc and re.fullmatch(r"[\w.-]+", name):
            return f"{parts.scheme}://{parts.netloc}", name
    else:
        match = _ACCT.match(value)
        if match:
            return base_url(match.group(2)), match.group(1)
    raise QueryError(
        f"“{value}” is not an account (write it as user@server or paste its profile link)."
    )


def check_query(query):
    tags = [
        t for t in unique(str(t).strip().lstrip("#").lower() for t in query.get("tags") or []) if t
    ]
    for tag in tags:
        if not _TAG.match(tag):
            raise QueryError(f"“#{tag}” is not a hashtag: use letters, digits and _ only.")
    instances = []
    for instance in query.get("instances") or []:
        if str(instance).strip():
            url = base_url(str(instance))
            if url not in instances:
                instances.append(url)
    accounts = []
    for account in query.get("accounts") or []:
        if str(account).strip():
            server, acct = account_address(str(account))
            if [server, acct] not in accounts:
                accounts.append([server, acct])
    if not tags and not accounts:
        raise QueryError("Give at least one hashtag or one account.")
    if tags and not instances:
        raise QueryError(
            "Give at least one instance to read the hashtags from (e.g. mastodon.social)."
        )
    try:
        max_pages = int(query.get("max_pages") or 50)
    except (TypeError, ValueError):
        raise QueryError("Pages per run must be a whole number.") from None
    if not 1 <= max_pages <= 10000:
        raise QueryError("Pages per run must be between 1 and 10,000.")
    return {
        "tags": tags,
        "instances": instances,
        "accounts": accounts,
        "local_only": bool(query.get("local_only")),
        "max_pages": max_pages,
    }


def describe(query):
    parts = []
    if query["tags"]:
        tags = _join([f"#{tag}" for tag in query["tags"]], "or")
        hosts = _join([urlsplit(url).netloc for url in query["instances"]], "and")
        local = " (written there)" if query["local_only"] else ""
        parts.append(f"posts tagged {tags} on {hosts}{local}")
    if query["accounts"]:
        accounts = _join(
            [f"{acct}@{urlsplit(server).netloc}" for server, acct in query["accounts"]], "and"
        )
        parts.append(f"the posts of {accounts}")
    return " and ".join(parts)


def _join(items, word):
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def pages(ask, state, http, coverage):
    query = ask.query
    state = {"sources": dict(state.get("sources", {}))}
    token_host, token = None, None
    if ask.secret:
        token_host = urlsplit(base_url(ask.secret.get("instance", ""))).netloc
        token = ask.secret.get("access_token")
    for instance in query["instances"]:
        host = urlsplit(instance).netloc
        headers = {"Authorization": f"Bearer {token}"} if token and host == token_host else None
        for tag in query["tags"]:
            source = f"{host} #{tag}"
            coverage.asked(source, f"#{tag} on {host}")
            params = {"local": "true"} if query["local_only"] else {}
            url = f"{instance}/api/v1/timelines/tag/{quote(tag)}"
            yield from _read(source, url, params, headers, ask, state, http, coverage)
    for server, acct in query["accounts"]:
        host = urlsplit(server).netloc
        source = f"{host} @{acct}"
        coverage.asked(source, f"posts of @{acct} on {host}")
        headers = {"Authorization": f"Bearer {token}"} if token and host == token_host else None
        account_id = _account_id(server, acct, source, headers, http, coverage)
        if account_id is not None:
            url = f"{server}/api/v1/accounts/{quote(account_id)}/statuses"
            yield from _read(source, url, {}, headers, ask, state, http, coverage)


def _account_id(server, acct, source, headers, http, coverage):
    try:
        data, _ = http.get_json(
            f"{server}/api/v1/accounts/lookup", params={"acct": acct}, headers=headers
        )
    except http_layer.Unavailable as error:
        coverage.failed(source, str(error))
        return None
    except http_layer.HttpError as error:
        if error.status == 404:
            coverage.failed(source, "the account does not exist on its server (404).")
        else:
            _refused_or_failed(source, error, coverage)
        return None
    if not isinstance(data, dict) or not data.get("id"):
        coverage.failed(source, "the server's answer about the account is damaged.")
        return None
    return str(data["id"])


def _read(source, url, params, headers, ask, state, http, coverage):
    """Pages of one timeline: forward from the newest seen, then back to where it ends."""
    entry = dict(state["sources"].get(source, {}))
    if not entry.get("newest_id"):
        entry.update(oldest_id=None, backfill_done=False)  # nothing seen yet: start at the top
    stopped_at = entry.get("stopped_at_since")
    if stopped_at and (ask.since is None or ask.since.isoformat() < stopped_at):
        # The window now starts earlier: go back again from the top, because posts just
        # outside the old window were read but not kept.
        entry.update(backfill_done=False, oldest_id=None, stopped_at_since=None)
    budget = [ask.query["max_pages"]]
    try:
        if entry.get("newest_id"):
            forward = {**params, "min_id": entry["newest_id"], "limit": PAGE_SIZE}
            for statuses in _walk(url, forward, headers, "prev", budget, http, source):
                newest = max((s["id"] for s in statuses), key=_id_key)
                entry["newest_id"] = max(entry["newest_id"], newest, key=_id_key)
                yield _page(statuses, entry, source, state)
            if budget[0] <= 0:
                coverage.gap(
                    source,
                    "more new posts than one run's page limit; the next run continues from here.",
                )
                return
        if not entry.get("backfill_done"):
            backward = {**params, "limit": PAGE_SIZE}
            if entry.get("oldest_id"):
                backward["max_id"] = entry["oldest_id"]
            for statuses in _walk(url, backward, headers, "next", budget, http, source):
                ids = [s["id"] for s in statuses]
                entry["newest_id"] = max([entry.get("newest_id") or ids[0], *ids], key=_id_key)
                entry["oldest_id"] = min(ids, key=_id_key)
                oldest = _oldest_time(statuses)
                if ask.since and oldest and oldest < ask.since:
                    entry["backfill_done"] = True  # back at the window's start
                    entry["stopped_at_since"] = ask.since.isoformat()
                yield _page(statuses, entry, source, state)
                if entry.get("backfill_done"):
                    break
            else:
                if budget[0] <= 0:
                    coverage.gap(
                        source,
                        "older posts remain beyond one run's page limit; the next run goes on back.",
                    )
                    return
                entry["backfill_done"] = True  # the timeline's end
                yield _page([], entry, source, state)
        coverage.complete(source)
    except http_layer.Unavailable as error:
        coverage.failed(source, str(error))
    except http_layer.HttpError as error:
        if error.status == 404:
            coverage.complete(source)  # an unknown hashtag: nothing to collect there
            coverage.note(f"{source}: the instance knows no posts with this hashtag.")
        else:
            _refused_or_failed(source, error, coverage)
    except _Damaged as error:
        coverage.failed(source, str(error))


class _Damaged(Exception):
    pass


def _walk(url, params, headers, rel, budget, http, source):
    """Non-empty pages of statuses, following the Link header's `rel` while budget lasts."""
    while url and budget[0] > 0:
        data, response = http.get_json(url, params=params, headers=headers)
        if not isinstance(data, list) or not all(_has_id(item) for item in data):
            raise _Damaged(f"{source} sent a page that is not a list of posts.")
        if not data:
            return
        budget[0] -= 1
        yield data
        # Link URLs carry all their parameters: use them as given.
        url, params = response.links.get(rel, {}).get("url"), None


def _has_id(item):
    return isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]


def _page(statuses, entry, source, state):
    sources = {**state["sources"], source: dict(entry)}
    state["sources"] = sources
    return Page(records=[statuses] if statuses else [], state={"sources": sources}, source=source)


def _oldest_time(statuses):
    times = [parse_iso(s.get("created_at")) for s in statuses]
    times = [t for t in times if t is not None]
    return min(times) if times else None


def _id_key(status_id):
    return (len(status_id), status_id)


def _refused_or_failed(source, error, coverage):
    if error.status in (401, 403):
        coverage.refused(
            source,
            f"the instance asks for a login to read this ({error.status}); "
            "add a Mastodon access token for it on the credentials page.",
        )
    else:
        coverage.failed(source, f"the instance answered {error.status}.")
