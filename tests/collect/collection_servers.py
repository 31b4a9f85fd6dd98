"""Local stand-ins for platform APIs, speaking their wire formats (platforms.md §2, §4, §6).

Each fake keeps a list of invented items and answers with the real paging rules and
headers, so collectors are tested against behaviour, not canned pages. Faults are
switched on per test: `fail_next` (a list of faults to serve before the next good
answers: "429", "500", "slow", "garbage", "not-a-list"), `vanish_after` (serve N
answers, then the server goes away).
"""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Response

BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The collectors' HTTP timeout in tests (settings.COLLECT_HTTP_TIMEOUT): long enough for
# any answer of these servers on a busy machine. At 0.3 s, a first page of 40 statuses
# answered late under CI's load timed out, and a server set to vanish after it was gone.
HTTP_TIMEOUT = 2.0


def iso(moment):
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class QuickHTTPServer(HTTPServer):
    def thread_target(self):
        # Stops within 50 ms instead of half a second: the tests start many servers.
        self.server.serve_forever(poll_interval=0.05)


class FakeServer:
    """A pytest-httpserver with fault injection and a log of the queries it answered."""

    def __init__(self):
        self.server = QuickHTTPServer(host="127.0.0.1", port=0)
        self.server.start()
        self.base = self.server.url_for("").rstrip("/")
        self.host = self.base.split("://", 1)[1]
        self.fail_next = []
        self.vanish_after = None
        self.answered = 0
        self.log = []  # (path, {query params}, {selected headers})

    def stop(self):
        if self.server.is_running():
            self.server.stop()

    def route(self, path, handler, method="GET"):
        def wrapped(request):
            self.log.append(
                (
                    request.path,
                    dict(request.args),
                    {"authorization": request.headers.get("Authorization", "")},
                )
            )
            if self.fail_next:
                return self.fault(self.fail_next.pop(0))
            self.answered += 1
            response = handler(request)
            if self.vanish_after is not None and self.answered >= self.vanish_after:
                # Gone after this answer: stopped from another thread once it is sent.
                threading.Thread(target=self._vanish).start()
            return response

        self.server.expect_request(path, method=method).respond_with_handler(wrapped)

    def _vanish(self):
        # Waits for the answer in flight, then stops serving and closes the socket.
        self.stop()

    def fault(self, kind):
        if kind == "429":
            return self.rate_limited()
        if kind == "500":
            return Response("<h1>Internal Server Error</h1>", status=500)
        if kind == "502":
            return Response("Bad gateway", status=502)
        if kind == "slow":
            time.sleep(HTTP_TIMEOUT + 0.5)
            return Response("[]", content_type="application/json")
        if kind == "garbage":
            return Response('[{"id": "1", "uri": "htt', content_type="application/json")
        if kind == "not-a-list":
            return json_response({"error": "This method requires an authenticated user"})
        if kind == "401":
            return json_response({"error": "This method requires an authenticated user"}, 401)
        raise ValueError(kind)

    def rate_limited(self):
        return json_response({"error": "Too many requests"}, 429, {"Retry-After": "3"})


def json_response(data, status=200, headers=None):
    return Response(
        json.dumps(data), status=status, headers=headers or {}, content_type="application/json"
    )


# --- Mastodon ---------------------------------------------------------------------------


def status(
    n, *, author="ana-example", origin="origin.example.org", tags=("socialwork",), minutes=0
):
    """One invented public status, as its origin server would federate it."""
    created = BASE_TIME + timedelta(minutes=minutes)
    tag_html = " ".join(
        f'<a href="https://{origin}/tags/{tag}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'
        for tag in tags
    )
    return {
        "uri": f"https://{origin}/users/{author}/statuses/{1000 + n}",
        "url": f"https://{origin}/@{author}/{1000 + n}",
        "created_at": iso(created),
        "edited_at": None,
        "language": "en",
        "account": {
            "id": "1",
            "username": author,
            "acct": f"{author}@{origin}",
            "display_name": author.replace("-", " ").title(),
            "url": f"https://{origin}/@{author}",
            "uri": f"https://{origin}/users/{author}",
            "bot": False,
            "group": False,
        },
        "content": f"<p>Post {n} about supervision in practice {tag_html}</p>",
        "spoiler_text": "",
        "sensitive": False,
        "visibility": "public",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": None,
        "poll": None,
        "card": None,
        "media_attachments": [],
        "mentions": [],
        "tags": [
            {"name": tag.lower(), "url": f"https://{origin}/tags/{tag.lower()}"} for tag in tags
        ],
        "emojis": [],
        "replies_count": 0,
        "reblogs_count": n % 3,
        "favourites_count": n % 5,
    }


class MastodonInstance(FakeServer):
    """A Mastodon server's tag timelines and account statuses, with its own local ids."""

    def __init__(self, number=1, *, needs_token=None):
        super().__init__()
        self.number = number
        self.needs_token = needs_token  # "Bearer x" to require it
        self.statuses = []  # as this server would serve them (local ids)
        self.remaining = 300
        self.route_prefix("/api/v1/timelines/tag/")
        self.route("/api/v1/accounts/lookup", self.lookup)
        self.route_prefix("/api/v1/accounts/")

    def route_prefix(self, prefix):
        import re

        self.server.expect_request(re.compile("^" + re.escape(prefix) + ".*")).respond_with_handler(
            self._dispatch
        )

    def _dispatch(self, request):
        self.log.append(
            (
                request.path,
                dict(request.args),
                {"authorization": request.headers.get("Authorization", "")},
            )
        )
        if self.fail_next:
            return self.fault(self.fail_next.pop(0))
        if self.needs_token and request.headers.get("Authorization") != self.needs_token:
            return self.fault("401")
        self.answered += 1
        if request.path.startswith("/api/v1/timelines/tag/"):
            tag = request.path.rsplit("/", 1)[1].lower()
            items = [s for s in self.statuses if tag in {t["name"] for t in s["tags"]}]
            response = self.timeline(request, items)
        else:  # /api/v1/accounts/<id>/statuses
            account_id = request.path.split("/")[4]
            items = [s for s in self.statuses if s["account"]["id"] == account_id]
            response = self.timeline(request, items)
        if self.vanish_after is not None and self.answered >= self.vanish_after:
            threading.Thread(target=self._vanish).start()
        return response

    def lookup(self, request):
        acct = request.args.get("acct", "")
        for item in self.statuses:
            if item["account"]["username"] == acct:
                return json_response(item["account"])
        return json_response({"error": "Record not found"}, 404)

    def add(self, item, local_account_id="7"):
        """Federate a status to this server: it gets a local, time-ordered id."""
        created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
        local_id = str(
            (int(created.timestamp() * 1000) << 16) + self.number * 100 + len(self.statuses)
        )
        local = json.loads(json.dumps(item))
        local["id"] = local_id
        local["account"]["id"] = local_account_id
        self.statuses.append(local)
        return local

    def timeline(self, request, items):
        items = sorted(items, key=lambda s: int(s["id"]), reverse=True)
        limit = min(int(request.args.get("limit", 20)), 40)
        if "max_id" in request.args:
            items = [s for s in items if int(s["id"]) < int(request.args["max_id"])]
        if "since_id" in request.args:
            items = [s for s in items if int(s["id"]) > int(request.args["since_id"])]
        if "min_id" in request.args:
            newer = [s for s in items if int(s["id"]) > int(request.args["min_id"])]
            page = sorted(newer, key=lambda s: int(s["id"]))[:limit][::-1]
        else:
            page = items[:limit]
        self.remaining -= 1
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": iso(datetime.now(UTC) + timedelta(minutes=4)),
        }
        if page:
            keep = {k: v for k, v in request.args.items() if k in ("local", "limit")}
            older = f"{self.base}{request.path}?{urlencode({**keep, 'max_id': page[-1]['id']})}"
            newer = f"{self.base}{request.path}?{urlencode({**keep, 'min_id': page[0]['id']})}"
            headers["Link"] = f'<{older}>; rel="next", <{newer}>; rel="prev"'
        return json_response(page, headers=headers)

    def rate_limited(self):
        return json_response(
            {"error": "Too many requests"},
            429,
            {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": iso(datetime.now(UTC) + timedelta(minutes=4)),
            },
        )


# --- Reddit -----------------------------------------------------------------------------

REDDIT_EPOCH = BASE_TIME.timestamp()


def submission(n, *, sub="socialwork", author="ana_example", minutes=0, title=None):
    id36 = f"s{n:05d}"
    return {
        "id": id36,
        "name": f"t3_{id36}",
        "author": author,
        "author_fullname": f"t2_{author[:4]}{n}",
        "subreddit": sub,
        "subreddit_id": "t5_2qh1s",
        "subreddit_name_prefixed": f"r/{sub}",
        "created_utc": REDDIT_EPOCH + minutes * 60.0,
        "edited": False,
        "title": title or f"Supervision question {n}",
        "selftext": "How do you handle caseload stress & burnout?",
        "url": f"https://www.reddit.com/r/{sub}/comments/{id36}/supervision_question/",
        "permalink": f"/r/{sub}/comments/{id36}/supervision_question/",
        "domain": f"self.{sub}",
        "is_self": True,
        "num_comments": 0,
        "score": 100 - n,
        "ups": 100 - n,
        "upvote_ratio": 0.97,
        "over_18": False,
        "spoiler": False,
        "locked": False,
        "stickied": False,
    }


def comment(link, n, *, parent=None, author="bo_example", minutes=0):
    id36 = f"c{link['id'][1:]}{n:03d}"
    return {
        "id": id36,
        "name": f"t1_{id36}",
        "author": author,
        "author_fullname": f"t2_{author[:4]}",
        "body": f"Reply {n}: peer supervision helped me.",
        "created_utc": link["created_utc"] + 60.0 * (n + 1 + minutes),
        "edited": False,
        "parent_id": parent or link["name"],
        "link_id": link["name"],
        "subreddit": link["subreddit"],
        "score": 3,
        "controversiality": 0,
        "depth": 0 if parent is None else 1,
        "permalink": f"{link['permalink']}{id36}/",
        "replies": "",
    }


class RedditServer(FakeServer):
    """oauth.reddit.com and its token endpoint, with listings, comment trees and "more"."""

    def __init__(self, client_id="lab-client", secret="lab-secret-value-123"):
        super().__init__()
        self.client = (client_id, secret)
        self.token = "reddit-bearer-token-abc"
        self.submissions = []
        self.comments = {}  # t3 name -> list of comments (flat; parent_id makes the tree)
        self.hidden = {}  # t3 name -> ids collapsed behind a "more"
        self.refused = set()  # subreddits answering 403
        self.remaining = 600.0
        self.server.expect_request("/api/v1/access_token", method="POST").respond_with_handler(
            self.access_token
        )
        self.route("/api/morechildren", self.more_children)
        import re

        self.server.expect_request(re.compile(r"^/r/[^/]+/(new|top|search)$")).respond_with_handler(
            self._wrap(self.listing)
        )
        self.server.expect_request(re.compile(r"^/comments/[^/]+$")).respond_with_handler(
            self._wrap(self.tree)
        )

    def _wrap(self, handler):
        def wrapped(request):
            self.log.append(
                (
                    request.path,
                    dict(request.args),
                    {"authorization": request.headers.get("Authorization", "")},
                )
            )
            if self.fail_next:
                return self.fault(self.fail_next.pop(0))
            if request.headers.get("Authorization") != f"bearer {self.token}":
                return json_response({"message": "Unauthorized", "error": 401}, 401)
            self.answered += 1
            return handler(request)

        return wrapped

    def access_token(self, request):
        import base64

        expected = "Basic " + base64.b64encode(":".join(self.client).encode()).decode()
        if request.headers.get("Authorization") != expected:
            return json_response({"message": "Unauthorized", "error": 401}, 401)
        return json_response(
            {"access_token": self.token, "token_type": "bearer", "expires_in": 3600, "scope": "*"}
        )

    def headers(self):
        self.remaining -= 1
        return {
            "x-ratelimit-used": str(600 - int(self.remaining)),
            "x-ratelimit-remaining": f"{self.remaining:.1f}",
            "x-ratelimit-reset": "120",
        }

    def listing(self, request):
        sub, kind = request.path.split("/")[2:4]
        if sub in self.refused:
            return json_response({"reason": "private", "message": "Forbidden", "error": 403}, 403)
        items = [s for s in self.submissions if s["subreddit"].lower() == sub.lower()]
        if kind == "top":
            items.sort(key=lambda s: -s["score"])
        else:
            items.sort(key=lambda s: -s["created_utc"])
        if kind == "search":
            words = request.args.get("q", "").lower()
            items = [s for s in items if words in s["title"].lower()]
        items = items[:1000]  # Reddit's listings stop at about 1,000
        if "after" in request.args:
            names = [s["name"] for s in items]
            items = items[names.index(request.args["after"]) + 1 :]
        limit = int(request.args.get("limit", 25))
        page, more = items[:limit], len(items) > limit
        return json_response(
            {
                "kind": "Listing",
                "data": {
                    "after": page[-1]["name"] if more and page else None,
                    "before": None,
                    "dist": len(page),
                    "modhash": "",
                    "geo_filter": "",
                    "children": [{"kind": "t3", "data": s} for s in page],
                },
            },
            headers=self.headers(),
        )

    def tree(self, request):
        name = "t3_" + request.path.rsplit("/", 1)[1]
        link = next(s for s in self.submissions if s["name"] == name)
        hidden = set(self.hidden.get(name, []))
        shown = [c for c in self.comments.get(name, []) if c["id"] not in hidden]

        def things(parent):
            out = []
            for c in shown:
                if c["parent_id"] == parent:
                    data = dict(c)
                    children = things(c["name"])
                    data["replies"] = (
                        {
                            "kind": "Listing",
                            "data": {"after": None, "before": None, "children": children},
                        }
                        if children
                        else ""
                    )
                    out.append({"kind": "t1", "data": data})
            return out

        top = things(name)
        if hidden:
            top.append(
                {
                    "kind": "more",
                    "data": {
                        "count": len(hidden),
                        "name": "t1__",
                        "id": "_",
                        "parent_id": name,
                        "depth": 0,
                        "children": sorted(hidden),
                    },
                }
            )
        return json_response(
            [
                {
                    "kind": "Listing",
                    "data": {"after": None, "children": [{"kind": "t3", "data": link}]},
                },
                {"kind": "Listing", "data": {"after": None, "children": top}},
            ],
            headers=self.headers(),
        )

    def more_children(self, request):
        wanted = set(request.args.get("children", "").split(","))
        link = request.args.get("link_id")
        things = [
            {"kind": "t1", "data": c} for c in self.comments.get(link, []) if c["id"] in wanted
        ]
        return json_response(
            {"json": {"errors": [], "data": {"things": things}}}, headers=self.headers()
        )

    def rate_limited(self):
        return json_response(
            {"message": "Too Many Requests", "error": 429},
            429,
            {"x-ratelimit-remaining": "0.0", "x-ratelimit-used": "600", "x-ratelimit-reset": "42"},
        )


# --- YouTube ----------------------------------------------------------------------------


def youtube_comment(video, thread_id, n, *, parent=None, minutes=0, author="Cara Example"):
    published = iso(BASE_TIME + timedelta(minutes=minutes)).replace(".000", "")
    snippet = {
        "channelId": "UCchannel0000000000000001",
        "videoId": video,
        "textDisplay": f"Comment {n} on supervision",
        "textOriginal": f"Comment {n} on supervision",
        "authorDisplayName": "@" + author.lower().replace(" ", "-"),
        "authorProfileImageUrl": "https://yt3.ggpht.example.org/a.jpg",
        "authorChannelUrl": "http://www.youtube.com/@" + author.lower().replace(" ", "-"),
        "authorChannelId": {"value": f"UCauthor{n:016d}"},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": n % 4,
        "publishedAt": published,
        "updatedAt": published,
    }
    if parent:
        snippet["parentId"] = parent
        del snippet["videoId"]  # comments.list leaves it out of replies
    return {
        "kind": "youtube#comment",
        "etag": "e",
        "id": f"{thread_id}.r{n:03d}" if parent else thread_id,
        "snippet": snippet,
    }


class YouTubeServer(FakeServer):
    """The Data API v3 endpoints a comment collection uses, with its error bodies."""

    def __init__(self, key="AIzaSy-test-key-0000000000"):
        super().__init__()
        self.key = key
        self.threads = {}  # video -> list of (thread, replies) newest first
        self.disabled = set()
        self.channel_videos = {}  # handle or id -> list of video ids
        self.quota_left = None
        for method in ("commentThreads", "comments", "channels", "playlistItems"):
            self.route(f"/{method}", self._checked(getattr(self, method.lower())))

    def _checked(self, handler):
        def checked(request):
            if request.headers.get("X-Goog-Api-Key") != self.key:
                return self.error(
                    400, "keyInvalid", "API key not valid. Please pass a valid API key."
                )
            if self.quota_left is not None:
                if self.quota_left <= 0:
                    return self.error(
                        403,
                        "quotaExceeded",
                        "The request cannot be completed because you have exceeded your quota.",
                    )
                self.quota_left -= 1
            return handler(request)

        return checked

    def error(self, status, reason, message):
        return json_response(
            {
                "error": {
                    "code": status,
                    "message": message,
                    "errors": [
                        {"message": message, "domain": "youtube.commentThread", "reason": reason}
                    ],
                }
            },
            status,
        )

    def add_thread(self, video, n, *, minutes=0, replies=0, shown_replies=None):
        thread_id = f"Ugx{video[:4]}{n:06d}"
        top = youtube_comment(video, thread_id, n, minutes=minutes)
        reply_items = [
            youtube_comment(video, thread_id, r, parent=thread_id, minutes=minutes + r + 1)
            for r in range(replies)
        ]
        self.threads.setdefault(video, []).insert(0, (thread_id, top, reply_items, shown_replies))

    def page(self, items, request, kind):
        start = int(request.args.get("pageToken", "0") or 0)
        size = int(request.args.get("maxResults", 20))
        chunk = items[start : start + size]
        body = {
            "kind": kind,
            "etag": "e",
            "pageInfo": {"totalResults": len(chunk), "resultsPerPage": size},
            "items": chunk,
        }
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return json_response(body)

    def commentthreads(self, request):
        video = request.args.get("videoId")
        if video in self.disabled:
            return self.error(
                403,
                "commentsDisabled",
                "The video identified by the videoId parameter has disabled comments.",
            )
        if video not in self.threads:
            return self.error(
                404,
                "videoNotFound",
                "The video identified by the videoId parameter could not be found.",
            )
        items = []
        for thread_id, top, replies, shown in sorted(
            self.threads[video], key=lambda t: t[1]["snippet"]["publishedAt"], reverse=True
        ):
            shown_items = replies[: shown if shown is not None else len(replies)]
            thread = {
                "kind": "youtube#commentThread",
                "etag": "e",
                "id": thread_id,
                "snippet": {
                    "channelId": "UCchannel0000000000000001",
                    "videoId": video,
                    "topLevelComment": top,
                    "canReply": True,
                    "totalReplyCount": len(replies),
                    "isPublic": True,
                },
            }
            if shown_items:
                thread["replies"] = {"comments": shown_items}
            items.append(thread)
        return self.page(items, request, "youtube#commentThreadListResponse")

    def comments(self, request):
        parent = request.args.get("parentId")
        for video_threads in self.threads.values():
            for thread_id, _, replies, _ in video_threads:
                if thread_id == parent:
                    return self.page(replies, request, "youtube#commentListResponse")
        return self.error(404, "commentNotFound", "Not found")

    def channels(self, request):
        key = request.args.get("forHandle") or request.args.get("id")
        if key not in self.channel_videos:
            return json_response(
                {
                    "kind": "youtube#channelListResponse",
                    "pageInfo": {"totalResults": 0, "resultsPerPage": 5},
                }
            )
        return json_response(
            {
                "kind": "youtube#channelListResponse",
                "items": [
                    {
                        "kind": "youtube#channel",
                        "id": "UCchannel0000000000000001",
                        "contentDetails": {
                            "relatedPlaylists": {"likes": "", "uploads": f"UU-{key}"}
                        },
                    }
                ],
            }
        )

    def playlistitems(self, request):
        key = request.args.get("playlistId", "")[3:]
        count = int(request.args.get("maxResults", 5))
        items = [
            {
                "kind": "youtube#playlistItem",
                "id": f"PLI{v}",
                "contentDetails": {"videoId": v, "videoPublishedAt": "2026-03-01T10:00:00Z"},
            }
            for v in self.channel_videos.get(key, [])[:count]
        ]
        return json_response({"kind": "youtube#playlistItemListResponse", "items": items})
