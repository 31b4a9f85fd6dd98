"""Collect from YouTube (Data API v3): comment threads and their replies, per video.

Videos are listed, or taken from a channel's uploads playlist (channels.list +
playlistItems.list, 1 quota unit each, instead of search.list at 100 units). For each
video, commentThreads.list with `order=time` pages back from the newest thread; a later
run stops at the newest thread the last one saw. A thread carries only some of its
replies: when `totalReplyCount` is larger, comments.list?parentId= fetches them all
(platforms.md §6).

The API key goes in the `X-Goog-Api-Key` header, never in a URL. There are no rate-limit
headers, only a daily quota: every call is counted (coverage.quota_units); on 403
quotaExceeded the run stops cleanly and the next run continues from the saved cursor.

State: {"videos": {id: {"newest", "page_token", "pass_newest"}}, "channels": {..: [ids]}}.

Thin HTTP rather than google-api-python-client: it needs discovery documents and
hides the HTTP answers our rate-limit and error handling read.
"""

import re
from urllib.parse import parse_qs, urlsplit

from socialgood.platforms import http as http_layer
from socialgood.platforms import youtube
from socialgood.platforms.collectors import Field, Page, QueryError, Refused

NAME = "youtube"
LABEL = "YouTube"
FORMAT = youtube
RATE_LIMIT = None  # YouTube sends no rate-limit headers; it meters a daily quota
CREDENTIAL_REQUIRED = True
API = "https://www.googleapis.com/youtube/v3"
COVERAGE_CAVEAT = (
    "YouTube's API returns public comments only (held-for-review and removed ones are "
    "missing), and replies added later to a thread collected in an earlier run are not "
    "fetched again."
)

QUERY_FIELDS = (
    Field(
        "videos",
        "Videos",
        kind="list",
        cli="video",
        help="Video links or ids.",
    ),
    Field(
        "channels",
        "Channels",
        kind="list",
        cli="channel",
        help="Channel links, @handles or ids (UC…): their latest videos are collected.",
    ),
    Field(
        "recent_videos",
        "Latest videos per channel",
        kind="int",
        default=10,
        help="How many of each channel's latest uploads to collect comments from.",
    ),
    Field(
        "max_pages",
        "Pages per video in one run",
        kind="int",
        default=20,
        help="100 comment threads a page; each page costs 1 unit of the daily quota of 10,000.",
    ),
    Field("service", "API address", advanced=True, help="Only for a test server or a proxy."),
)

CREDENTIAL_FIELDS = (
    Field(
        "api_key",
        "API key",
        secret=True,
        required=True,
        help="A YouTube Data API v3 key from the Google Cloud console (APIs & Services → Credentials).",
    ),
)

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")


def video_id(value):
    value = value.strip()
    if _VIDEO_ID.match(value):
        return value
    parts = urlsplit(value if "://" in value else "https://" + value)
    candidate = parse_qs(parts.query).get("v", [""])[0]
    if not candidate and parts.netloc.endswith(("youtu.be", "youtube.com")):
        candidate = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if _VIDEO_ID.match(candidate):
        return candidate
    raise QueryError(f"“{value}” is not a YouTube video link or id.")


def channel_key(value):
    """A channel id (UC…) or an @handle, from a link, a handle or an id."""
    value = value.strip()
    if "://" in value or value.startswith(("youtube.com", "www.youtube.com")):
        path = urlsplit(value if "://" in value else "https://" + value).path.strip("/")
        value = path.removeprefix("channel/")
    if _CHANNEL_ID.match(value) or re.fullmatch(r"@[\w.-]{3,30}", value):
        return value
    raise QueryError(f"“{value}” is not a YouTube channel (give its link, @handle or UC… id).")


def check_query(query):
    videos = list(
        dict.fromkeys(video_id(str(v)) for v in query.get("videos") or [] if str(v).strip())
    )
    channels = list(
        dict.fromkeys(channel_key(str(c)) for c in query.get("channels") or [] if str(c).strip())
    )
    if not videos and not channels:
        raise QueryError("Give at least one video or channel.")
    numbers = {}
    for name, default, low, high in (("recent_videos", 10, 1, 50), ("max_pages", 20, 1, 500)):
        try:
            numbers[name] = int(query.get(name) if query.get(name) not in (None, "") else default)
        except (TypeError, ValueError):
            raise QueryError(f"{name.replace('_', ' ')} must be a whole number.") from None
        if not low <= numbers[name] <= high:
            raise QueryError(f"{name.replace('_', ' ')} must be between {low} and {high}.")
    return {
        "videos": videos,
        "channels": channels,
        **numbers,
        "service": str(query.get("service") or "").strip().rstrip("/"),
    }


def describe(query):
    parts = []
    if query["videos"]:
        parts.append(f"{len(query['videos'])} video{'s' if len(query['videos']) != 1 else ''}")
    if query["channels"]:
        parts.append(
            f"the {query['recent_videos']} latest videos of {', '.join(query['channels'])}"
        )
    return "the comments (with replies) on " + " and ".join(parts)


class _QuotaUsedUp(Exception):
    pass


def pages(ask, state, http, coverage):
    query = ask.query
    api = query["service"] or API
    headers = {"X-Goog-Api-Key": (ask.secret or {}).get("api_key", "")}
    state = {"videos": dict(state.get("videos", {})), "channels": dict(state.get("channels", {}))}
    client = _Client(api, headers, http, coverage)
    try:
        videos = list(query["videos"])
        for channel in query["channels"]:
            found = _channel_videos(channel, query["recent_videos"], client, coverage)
            if found is not None:
                state["channels"][channel] = found
            videos.extend(v for v in state["channels"].get(channel, []) if v not in videos)
        for video in videos:
            yield from _video(video, query, client, state, coverage)
    except _QuotaUsedUp:
        raise http_layer.RateLimited(
            "YouTube's daily quota for this API key is used up (it resets at midnight Pacific "
            "time); the next run continues where this one stopped.",
            0,
        ) from None


class _Client:
    def __init__(self, api, headers, http, coverage):
        self.api, self.headers, self.http, self.coverage = api, headers, http, coverage

    def get(self, method, params):
        self.coverage.quota_units += 1
        try:
            data, _ = self.http.get_json(
                f"{self.api}/{method}", params=params, headers=self.headers
            )
        except http_layer.HttpError as error:
            reason = _reason(error)
            if reason in ("quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded"):
                raise _QuotaUsedUp() from None
            if reason in ("keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked"):
                raise Refused(
                    "YouTube did not accept the API key (or the YouTube Data API is not "
                    "enabled for it). Check it on the credentials page."
                ) from None
            raise
        if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
            raise http_layer.Unavailable("YouTube sent a damaged answer.")
        return data


def _reason(error):
    body = error.json()
    try:
        return body["error"]["errors"][0]["reason"]
    except (KeyError, IndexError, TypeError):
        return None


def _channel_videos(channel, count, client, coverage):
    source = f"channel {channel}"
    coverage.asked(source, f"the {count} latest videos of {channel}")
    params = {"part": "contentDetails"}
    params["forHandle" if channel.startswith("@") else "id"] = channel
    try:
        data = client.get("channels", params)
        items = data.get("items") or []
        if not items:
            coverage.failed(source, "YouTube knows no such channel.")
            return None
        uploads = items[0]["contentDetails"]["relatedPlaylists"]["uploads"]
        listing = client.get(
            "playlistItems", {"part": "contentDetails", "playlistId": uploads, "maxResults": count}
        )
    except (http_layer.Unavailable, http_layer.HttpError, KeyError, TypeError) as error:
        coverage.failed(source, _why(error))
        return None
    coverage.complete(source)
    return [
        item["contentDetails"]["videoId"]
        for item in listing.get("items") or []
        if isinstance(item, dict) and item.get("contentDetails", {}).get("videoId")
    ]


def _why(error):
    if isinstance(error, http_layer.HttpError):
        return f"YouTube answered {error.status}."
    if isinstance(error, http_layer.Unavailable):
        return str(error)
    return "YouTube's answer was damaged."


def _video(video, query, client, state, coverage):
    source = f"video {video}"
    coverage.asked(source, f"comments on video {video}")
    entry = dict(state["videos"].get(video, {}))
    stop_at = entry.get("newest")
    token = entry.get("page_token")
    pass_newest = entry.get("pass_newest") or stop_at or ""
    params = {
        "part": "snippet,replies",
        "videoId": video,
        "maxResults": 100,
        "order": "time",
        "textFormat": "plainText",
    }
    try:
        for _ in range(query["max_pages"]):
            data = client.get(
                "commentThreads", {**params, **({"pageToken": token} if token else {})}
            )
            kept, reached, replies_to_fetch = [], False, []
            for thread in data.get("items") or []:
                published = _published(thread)
                # ISO times in the same format compare like the times they are.
                if stop_at and published and published <= stop_at:
                    reached = True
                    break
                kept.append(thread)
                if published:
                    pass_newest = max(pass_newest, published)
                snippet = thread.get("snippet") or {}
                shown = len((thread.get("replies") or {}).get("comments") or [])
                if (snippet.get("totalReplyCount") or 0) > shown:
                    replies_to_fetch.append(thread.get("id"))
            token = data.get("nextPageToken")
            finished = reached or not token
            state["videos"][video] = (
                {"newest": pass_newest or stop_at}
                if finished
                else {"newest": stop_at, "page_token": token, "pass_newest": pass_newest}
            )
            response = {**data, "items": kept}
            yield Page(records=[response], state=_snapshot(state), source=source)
            for thread_id in replies_to_fetch:
                yield from _replies(thread_id, video, client, state, source)
            if finished:
                coverage.complete(source)
                return
        coverage.gap(source, "more comments than one run's page limit; the next run continues.")
    except http_layer.Unavailable as error:
        coverage.failed(source, str(error))
    except http_layer.HttpError as error:
        reason = _reason(error)
        if reason == "commentsDisabled":
            coverage.refused(source, "comments are turned off for this video.")
        elif error.status == 404:
            coverage.failed(source, "the video was not found (deleted or private).")
        else:
            coverage.failed(source, f"YouTube answered {error.status}.")


def _replies(thread_id, video, client, state, source):
    token = None
    while True:
        params = {
            "part": "snippet",
            "parentId": thread_id,
            "maxResults": 100,
            "textFormat": "plainText",
        }
        data = client.get("comments", {**params, **({"pageToken": token} if token else {})})
        for comment in data.get("items") or []:
            # comments.list leaves out the video; the parser needs it for links and community.
            if isinstance(comment, dict) and isinstance(comment.get("snippet"), dict):
                comment["snippet"].setdefault("videoId", video)
        yield Page(records=[data], state=_snapshot(state), source=source)
        token = data.get("nextPageToken")
        if not token:
            return


def _published(thread):
    try:
        return thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"]
    except (KeyError, TypeError):
        return None


def _snapshot(state):
    return {
        "videos": {name: dict(entry) for name, entry in state["videos"].items()},
        "channels": {name: list(ids) for name, ids in state["channels"].items()},
    }
