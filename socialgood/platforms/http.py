"""The HTTP layer every collector shares: patient, honest about waits, silent about secrets.

    with HttpClient("Mastodon", rate_limit=MASTODON, on_wait=report) as http:
        data, response = http.get_json("https://mastodon.social/api/v1/timelines/tag/care")

- **Timeouts** on connect and read, so a server that stops answering can't hang a run.
- **Retries** with exponential backoff and jitter on network errors, 5xx answers and
  damaged JSON; after `retries` tries the server counts as unavailable (`Unavailable`),
  which collectors report per source and move on from.
- **Rate limits.** Every response's headers are read: when the budget is spent the
  next request waits for the reset; a 429 waits for `Retry-After`, else the platform's
  reset header (Mastodon: ISO timestamp, Bluesky: epoch seconds, Reddit: seconds until
  reset), else backs off. Waits are sliced and reported through `on_wait(seconds_left,
  message)` ("waiting 4 min for Mastodon's rate limit"), which the engine turns into the
  run's message and heartbeat, so a long wait is neither silent nor mistaken for a dead run.
  A wait longer than `max_wait` raises `RateLimited` instead: the run stops cleanly and the
  next one continues from the saved cursor.
- **Nothing secret is logged or raised**: messages name the host only, never a URL
  (which may carry a key), a header or a response body.

Thin on purpose, on httpx: the platforms' own clients (Mastodon.py, praw, the Google API
client) sleep through rate limits without telling anyone, hand back converted objects
instead of the raw JSON our parsers read, and are awkward to point at a local test server.
"""

import email.utils
import logging
import random
import time
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import urlsplit

import httpx
import orjson

logger = logging.getLogger(__name__)
# httpx logs every request's full URL at INFO; URLs can carry queries and ids we don't log.
logging.getLogger("httpx").setLevel(logging.WARNING)

USER_AGENT = "socialgood/0.1 (research collection; +https://github.com/socialgood)"
WAIT_SLICE = 15  # seconds between reports (heartbeats) while waiting
MAX_RATE_LIMITED = 10  # 429 answers in a row before a run gives up for now


class RateLimitHeaders(NamedTuple):
    remaining: str
    reset: str
    reset_is: str  # "iso" timestamp, "epoch" seconds, or "seconds" until reset


MASTODON = RateLimitHeaders("X-RateLimit-Remaining", "X-RateLimit-Reset", "iso")
BLUESKY = RateLimitHeaders("RateLimit-Remaining", "RateLimit-Reset", "epoch")
REDDIT = RateLimitHeaders("x-ratelimit-remaining", "x-ratelimit-reset", "seconds")


class Unavailable(Exception):
    """The server could not be reached or kept failing; the message names the host only."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class RateLimited(Exception):
    """The platform asks for a longer wait than a run should sit through."""

    def __init__(self, message, seconds):
        super().__init__(message)
        self.seconds = seconds


class HttpError(Exception):
    """A 4xx answer other than 429: the collector decides what it means (404, 403...)."""

    def __init__(self, host, response):
        super().__init__(f"{host} answered {response.status_code}")
        self.status = response.status_code
        self.response = response

    def json(self):
        try:
            return orjson.loads(self.response.content)
        except orjson.JSONDecodeError:
            return None


def host_of(url):
    return urlsplit(str(url)).netloc or str(url)


def minutes(seconds):
    """'40 s', '4 min', '2 h 5 min': waits in words."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


class HttpClient:
    def __init__(
        self,
        label,
        *,
        rate_limit=None,
        on_wait=None,
        headers=None,
        timeout=30.0,
        retries=4,
        backoff_base=1.0,
        backoff_cap=60.0,
        max_wait=900.0,
        sleep=time.sleep,
        transport=None,
    ):
        self.label = label  # "Mastodon": the platform, as people call it
        self.rate_limit = rate_limit
        self.on_wait = on_wait
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0
        self.waits = 0  # rate-limit waits
        self.waited_seconds = 0.0
        self._resume_at = {}  # host -> monotonic time its budget is back
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.client.close()

    def get_json(self, url, *, params=None, headers=None):
        """(decoded JSON, response) of a GET; see request()."""
        return self.request("GET", url, params=params, headers=headers, expect_json=True)

    def request(self, method, url, *, expect_json=False, **kwargs):
        """Send with retries and rate-limit waits; returns (json or None, response).

        Raises Unavailable (network, 5xx, damaged JSON, after retries), RateLimited (a
        wait beyond max_wait) or HttpError (other 4xx).
        """
        host = host_of(url)
        failures = limited = 0
        while True:
            self._wait_for_budget(host)
            problem = None
            try:
                self.requests += 1
                response = self.client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as error:
                problem = f"could not be reached ({_network_reason(error)})"
            else:
                status = response.status_code
                if status == 429:
                    limited += 1
                    if limited > MAX_RATE_LIMITED:
                        raise RateLimited(
                            f"{host} kept answering “too many requests” after {MAX_RATE_LIMITED} "
                            "waits; the next run continues where this one stopped.",
                            0,
                        )
                    self._wait_rate_limit(response, limited)
                    continue
                self._read_budget(host, response)
                if status >= 500:
                    problem = f"answered with a server error ({status})"
                elif status >= 400:
                    raise HttpError(host, response)
                elif not expect_json:
                    return None, response
                else:
                    try:
                        return orjson.loads(response.content), response
                    except orjson.JSONDecodeError:
                        problem = "sent a damaged answer (not valid JSON)"
            failures += 1
            logger.info("%s: %s %s (try %s)", self.label, host, problem, failures)
            if failures > self.retries:
                status = response.status_code if problem.startswith("answered") else None
                raise Unavailable(f"{host} {problem}, {failures} times in a row.", status)
            self.sleep(self._backoff(failures))

    def _backoff(self, failures):
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
        return random.uniform(ceiling / 2, ceiling)  # jitter: retries of many runs spread out

    # -- rate limits --

    def _read_budget(self, host, response):
        if self.rate_limit is None:
            return
        remaining = response.headers.get(self.rate_limit.remaining)
        try:
            spent = remaining is not None and float(remaining) < 1
        except ValueError:
            spent = False
        if spent:
            seconds = self._reset_seconds(response)
            if seconds:
                self._resume_at[host] = time.monotonic() + seconds

    def _wait_for_budget(self, host):
        resume_at = self._resume_at.pop(host, None)
        if resume_at is not None:
            self._wait(resume_at - time.monotonic())

    def _wait_rate_limit(self, response, failures):
        seconds = _retry_after(response.headers.get("Retry-After"))
        if seconds is None:
            seconds = self._reset_seconds(response)
        if seconds is None:
            seconds = self._backoff(failures + 1)
        self._wait(seconds)

    def _reset_seconds(self, response):
        if self.rate_limit is None:
            return None
        value = response.headers.get(self.rate_limit.reset)
        if not value:
            return None
        try:
            if self.rate_limit.reset_is == "seconds":
                return max(0.0, float(value))
            if self.rate_limit.reset_is == "epoch":
                return max(0.0, float(value) - time.time())
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return max(0.0, (moment - datetime.now(UTC)).total_seconds())
        except ValueError:
            return None

    def _wait(self, seconds):
        if seconds <= 0:
            return
        if seconds > self.max_wait:
            raise RateLimited(
                f"{self.label}'s rate limit asks for a pause of {minutes(seconds)}; "
                "the collection stopped here and its next run continues where it left off.",
                seconds,
            )
        self.waits += 1
        self.waited_seconds += seconds
        left = seconds
        while left > 0:
            if self.on_wait is not None:
                self.on_wait(left, f"Waiting {minutes(left)} for {self.label}'s rate limit.")
            step = min(left, WAIT_SLICE)
            self.sleep(step)
            left -= step


def _retry_after(value):
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _network_reason(error):
    if isinstance(error, httpx.ConnectError):
        return "connection refused or host unknown"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the connection broke off"
    return type(error).__name__
