"""The shared HTTP layer: each platform's rate-limit headers, retries, and silence about secrets."""

import email.utils
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from socialgood.platforms import http


def client(handler, **options):
    slept, said = [], []
    options.setdefault("rate_limit", http.BLUESKY)
    options.setdefault("max_wait", 900)
    api = http.HttpClient(
        "Bluesky",
        on_wait=lambda seconds, message: said.append(message),
        sleep=slept.append,
        transport=httpx.MockTransport(handler),
        **options,
    )
    return api, slept, said


def answers(*responses):
    queue = list(responses)
    return lambda request: queue.pop(0) if len(queue) > 1 else queue[0]


def test_bluesky_reset_is_epoch_seconds_and_the_wait_is_reported():
    reset = str(int(time.time()) + 120)
    api, slept, said = client(
        answers(
            httpx.Response(429, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": reset}),
            httpx.Response(200, json={"posts": []}),
        )
    )
    data, _ = api.get_json("https://bsky.example.org/xrpc/app.bsky.feed.searchPosts")
    assert data == {"posts": []}
    assert 100 < sum(slept) <= 120
    assert said[0] == "Waiting 2 min for Bluesky's rate limit."
    assert api.waits == 1


def test_retry_after_as_an_http_date_wins_over_the_reset_header():
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    api, slept, _ = client(
        answers(
            httpx.Response(429, headers={"Retry-After": later, "RateLimit-Reset": "9999999999"}),
            httpx.Response(200, json={}),
        )
    )
    api.get_json("https://bsky.example.org/x")
    assert 20 < sum(slept) <= 30


def test_a_spent_budget_waits_before_the_next_request_instead_of_hitting_429():
    calls = []

    def handler(request):
        calls.append(request.url.path)
        return httpx.Response(
            200,
            json={},
            headers={"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "37"},
        )

    api, slept, _ = client(handler, rate_limit=http.REDDIT)
    api.get_json("https://oauth.reddit.example/r/a/new")
    assert slept == []
    api.get_json("https://oauth.reddit.example/r/a/new")
    assert sum(slept) == pytest.approx(37, abs=1)


def test_a_wait_too_long_for_one_run_stops_it_cleanly():
    reset = (datetime.now(UTC) + timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    api, slept, _ = client(
        answers(httpx.Response(429, headers={"X-RateLimit-Reset": reset})),
        rate_limit=http.MASTODON,
    )
    with pytest.raises(http.RateLimited, match="asks for a pause of 3 h"):
        api.get_json("https://mastodon.example/api/v1/timelines/tag/care")
    assert slept == []


def test_endless_429s_give_up_after_a_bounded_number_of_waits():
    api, slept, _ = client(answers(httpx.Response(429)))
    with pytest.raises(http.RateLimited, match="kept answering"):
        api.get_json("https://bsky.example.org/x")
    assert api.waits == http.MAX_RATE_LIMITED


def test_server_errors_back_off_with_jitter_then_name_only_the_host():
    api, slept, _ = client(answers(httpx.Response(503)), retries=3, backoff_base=2.0)
    with pytest.raises(http.Unavailable) as failure:
        api.get_json("https://api.example.org/v3/comments", params={"key": "AIza-secret"})
    message = str(failure.value)
    assert message == "api.example.org answered with a server error (503), 4 times in a row."
    assert "AIza" not in message and "/v3" not in message
    assert len(slept) == 3
    for try_number, seconds in enumerate(slept, start=1):
        ceiling = 2.0 * 2 ** (try_number - 1)
        assert ceiling / 2 <= seconds <= ceiling


def test_network_errors_and_damaged_json_are_retried():
    outcomes = [httpx.ConnectError("refused"), httpx.Response(200, content=b"{oops"), None]

    def handler(request):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome or httpx.Response(200, json={"ok": True})

    api, slept, _ = client(handler)
    data, _ = api.get_json("https://bsky.example.org/x")
    assert data == {"ok": True} and len(slept) == 2


def test_client_errors_are_handed_to_the_collector():
    api, _, _ = client(answers(httpx.Response(404, json={"error": "Record not found"})))
    with pytest.raises(http.HttpError) as failure:
        api.get_json("https://mastodon.example/api/v1/accounts/lookup")
    assert failure.value.status == 404 and failure.value.json() == {"error": "Record not found"}


def test_waits_in_words():
    assert [http.minutes(s) for s in (12, 240, 3600, 7500)] == ["12 s", "4 min", "1 h", "2 h 5 min"]
