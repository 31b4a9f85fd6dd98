"""Mastodon collections against local servers that page, rate-limit and fail like real ones."""

import pytest
from django.utils import timezone

from socialgood.collect import collecting
from socialgood.collect.imports import load_original
from socialgood.collect.models import Collection, CollectionRun, Post
from tests.collect.collection_servers import BASE_TIME, HTTP_TIMEOUT, MastodonInstance, status


@pytest.fixture
def waits(settings):
    """Instant waits and short timeouts; records what the collector would have slept."""
    slept = []
    settings.COLLECT_SLEEP = slept.append
    settings.COLLECT_HTTP_TIMEOUT = HTTP_TIMEOUT
    settings.COLLECT_HTTP_RETRIES = 2
    return slept


@pytest.fixture
def instances():
    servers = [MastodonInstance(number) for number in (1, 2, 3)]
    yield servers
    for server in servers:
        server.stop()


def federate(instances, numbers, *, on=(0, 1, 2), **kwargs):
    """Post statuses `numbers` (minutes after BASE_TIME) and federate them to instances `on`."""
    for n in numbers:
        item = status(n, minutes=n, **kwargs)
        for index in on:
            instances[index].add(item)


def make_collection(world, servers, **query):
    query = {"tags": ["SocialWork"], "instances": [s.base for s in servers], **query}
    return Collection.objects.create(
        project=world.project,
        name="#SocialWork on Mastodon",
        platform="mastodon",
        query=query,
        every_minutes=60,
        created_by=world.analyst,
    )


def run_now(collection):
    run = CollectionRun.objects.create(collection=collection, trigger="manual")
    try:
        collecting.collect(run)
    finally:
        run.refresh_from_db()
        collection.refresh_from_db()
    return run


def posts(world):
    return Post.objects.filter(project=world.project, platform="mastodon")


@pytest.mark.django_db
def test_a_hashtag_on_three_instances_is_stored_once_per_post(world, instances, waits):
    federate(instances, range(30), on=(0, 1, 2))  # seen everywhere
    federate(instances, range(30, 40), on=(1,))  # only on the second
    federate(instances, range(40, 45), on=(2,), tags=("SocialWork", "care"))

    run = run_now(make_collection(world, instances))

    assert run.status == CollectionRun.Status.DONE
    assert posts(world).count() == 45
    assert run.posts_new == 45
    assert run.duplicates == 60  # the 30 shared posts, seen again on two more instances
    post = posts(world).get(platform_id__endswith="/statuses/1040")
    assert set(post.hashtags.values_list("tag", flat=True)) == {"socialwork", "care"}
    assert post.author.startswith("user-")
    assert "ana-example" not in post.platform_id and "ana-example" not in (post.url or "")
    # Every instance was read to its end and said so.
    sources = run.coverage["sources"]
    assert all(entry["complete"] for entry in sources.values())
    assert sources[f"{instances[1].host} #socialwork"]["posts"] == 40


@pytest.mark.django_db
def test_paging_follows_link_headers_and_a_later_run_collects_only_new_posts(
    world, instances, waits
):
    federate(instances, range(95), on=(0,))
    collection = make_collection(world, instances[:1])

    first = run_now(collection)
    assert first.posts_new == 95
    assert first.pages == 3 + 1  # 40 + 40 + 15, then the end of the timeline
    older_pages = [q for path, q, _ in instances[0].log if "max_id" in q]
    assert len(older_pages) == 3  # followed rel="next" each time

    federate(instances, range(100, 150), on=(0,))
    instances[0].log.clear()
    second = run_now(collection)

    assert second.posts_new == 50 and second.duplicates == 0
    assert posts(world).count() == 145
    # Forward from the newest post seen, never from the top again.
    assert all("min_id" in query for _, query, _ in instances[0].log)
    third = run_now(collection)
    assert third.posts_new == 0 and third.posts_seen == 0


@pytest.mark.django_db
def test_a_name_an_earlier_run_saw_is_replaced_where_a_later_mention_gives_none(
    world, instances, waits
):
    federate(instances, [1], on=(0,), author="quilla-marrow")  # shown as "Quilla Marrow"
    collection = make_collection(world, instances[:1])
    run_now(collection)
    thanks = status(2, minutes=2, author="bo-ex")
    thanks["content"] = "<p>Thank you, Quilla Marrow, for the supervision notes</p>"
    thanks["mentions"] = [  # as Mastodon gives them: no display name
        {
            "id": "7",
            "username": "quilla-marrow",
            "acct": "quilla-marrow@origin.example.org",
            "url": "https://origin.example.org/@quilla-marrow",
        }
    ]
    instances[0].add(thanks)

    second = run_now(collection)

    assert second.posts_new == 1
    stored = posts(world).get(platform_id__endswith="/statuses/1002")
    quilla = stored.mentions.get().person
    assert stored.text == f"Thank you, {quilla}, for the supervision notes"


@pytest.mark.django_db
def test_a_name_seen_on_an_earlier_page_of_the_run_is_replaced_where_a_mention_gives_none(
    world, instances, waits
):
    federate(instances, [100], on=(0,), author="quilla-marrow")  # the first page's first
    federate(instances, range(10, 60), on=(0,))  # then 50 more: the reply is on page 2
    thanks = status(2, minutes=2, author="bo-ex")
    thanks["content"] = "<p>Thank you, Quilla Marrow, for the supervision notes</p>"
    thanks["mentions"] = [
        {
            "id": "7",
            "username": "quilla-marrow",
            "acct": "quilla-marrow@origin.example.org",
            "url": "https://origin.example.org/@quilla-marrow",
        }
    ]
    instances[0].add(thanks)

    run = run_now(make_collection(world, instances[:1]))

    assert run.pages >= 2
    stored = posts(world).get(platform_id__endswith="/statuses/1002")
    quilla = stored.mentions.get().person
    assert stored.text == f"Thank you, {quilla}, for the supervision notes"


@pytest.mark.django_db
def test_a_new_name_of_someone_known_is_kept_by_a_run_that_meets_no_one_new(
    world, instances, waits
):
    federate(instances, [1], on=(0,), author="quilla-marrow")  # "Quilla Marrow"
    collection = make_collection(world, instances[:1])
    run_now(collection)
    renamed = status(2, minutes=2, author="quilla-marrow")
    renamed["account"]["display_name"] = "Quilla Holloway"
    instances[0].add(renamed)

    second = run_now(collection)

    assert second.posts_new == 1
    quilla = posts(world).get(platform_id__endswith="/statuses/1002").author
    kept = load_original(world.project, quilla)
    assert kept["display_name"] == "Quilla Holloway"
    assert kept["earlier_display_names"] == ["Quilla Marrow"]


@pytest.mark.django_db
def test_the_window_start_stops_the_first_run(world, instances, waits):
    federate(instances, range(0, 200, 2), on=(0,))  # one post every 2 minutes
    collection = make_collection(world, instances[:1])
    collection.since = BASE_TIME + timezone.timedelta(minutes=150)
    collection.save()

    run = run_now(collection)

    assert posts(world).count() == 25  # minutes 150..198
    assert run.coverage["outside_window"] > 0
    # The first page already reached the window's start: nothing older was asked for.
    assert [q for _, q, _ in instances[0].log] == [{"limit": "40"}]
    assert "outside the requested window" in collecting.run_report(run)

    # Moving the window's start earlier sends the next run further back, not only forward.
    collection.since = BASE_TIME + timezone.timedelta(minutes=100)
    collection.save()
    wider = run_now(collection)
    assert wider.posts_new == 25 and posts(world).count() == 50
    assert wider.duplicates == 25  # read again from the top, stored once


# --- faults ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_429_waits_for_the_reset_time_and_goes_on(world, instances, waits):
    federate(instances, range(50), on=(0,))
    instances[0].fail_next = ["429"]
    collection = make_collection(world, instances[:1])
    run = CollectionRun.objects.create(collection=collection, trigger="manual")
    messages = []

    collecting.collect(run, progress=lambda done, total, message: messages.append(message))

    run.refresh_from_db()
    # What the run page showed while it waited, instead of a silent pause or a failure.
    assert "Waiting 4 min for Mastodon's rate limit." in messages
    assert run.status == CollectionRun.Status.DONE
    assert posts(world).count() == 50
    assert run.rate_limit_waits == 1
    assert 200 < sum(waits) <= 240  # X-RateLimit-Reset was 4 minutes ahead (an ISO time)
    assert "wait 1 time, 4 min in total" in collecting.run_report(run)


@pytest.mark.django_db
def test_server_errors_are_retried_and_a_dead_instance_does_not_stop_the_others(
    world, instances, waits
):
    federate(instances, range(20), on=(0, 1, 2))
    instances[0].fail_next = ["500", "502"]  # recovers on the third try
    instances[1].fail_next = ["500"] * 10  # down for good

    collection = make_collection(world, instances)
    run = run_now(collection)

    assert run.status == CollectionRun.Status.PARTIAL
    assert posts(world).count() == 20
    failed = run.coverage["sources"][f"{instances[1].host} #socialwork"]["failed"]
    assert "server error (500)" in failed and "3 times in a row" in failed
    report = collecting.run_report(run)
    assert f"{instances[1].host} #socialwork could not be read" in report
    assert f"{instances[0].host} #socialwork" in report.split("Read to the end")[1]
    # The collection's own report names the run with the gap, for the methods section.
    overall = collecting.collection_report(collection)
    assert f"Run {run.pk} (" in overall and f"{instances[1].host} #socialwork failed" in overall
    assert "It stored 20 posts; 20 more were received again" in overall


@pytest.mark.django_db
def test_a_timeout_marks_the_instance_failed(world, instances, waits):
    federate(instances, range(5), on=(0, 1))
    instances[0].fail_next = ["slow"] * 3

    run = run_now(make_collection(world, instances[:2]))

    assert posts(world).count() == 5
    assert "timed out" in run.coverage["sources"][f"{instances[0].host} #socialwork"]["failed"]


@pytest.mark.django_db
def test_a_server_that_disappears_mid_run_keeps_what_was_read(world, instances, waits):
    federate(instances, range(95), on=(0,))
    federate(instances, range(10), on=(1,))
    instances[0].vanish_after = 1  # answers the first page, then it is gone
    collection = make_collection(world, instances[:2])

    run = run_now(collection)

    assert run.status == CollectionRun.Status.PARTIAL
    # Page 1 of the first instance (minutes 55-94) and all of the second (minutes 0-9).
    assert posts(world).count() == 50
    source = collection.state["sources"][f"{instances[0].host} #socialwork"]
    assert source["oldest_id"] and not source["backfill_done"]  # the next run goes on from here
    entry = run.coverage["sources"][f"{instances[0].host} #socialwork"]
    assert "could not be reached" in entry["failed"] or "broke off" in entry["failed"]


@pytest.mark.django_db
def test_malformed_pages_and_statuses_are_reported_not_fatal(world, instances, waits):
    federate(instances, range(10), on=(0, 1, 2))
    broken = instances[2].add(status(99, minutes=99))
    del broken["created_at"]
    instances[0].fail_next = ["garbage"] * 3
    instances[1].fail_next = ["not-a-list"]

    run = run_now(make_collection(world, instances))

    sources = run.coverage["sources"]
    assert "damaged answer" in sources[f"{instances[0].host} #socialwork"]["failed"]
    assert "not a list of posts" in sources[f"{instances[1].host} #socialwork"]["failed"]
    assert posts(world).count() == 10
    assert sum(run.coverage["parsing"]["skipped"].values()) == 1
    assert "1 record could not be read and were skipped" in collecting.run_report(run)


@pytest.mark.django_db
def test_a_crash_mid_run_resumes_from_the_last_saved_page(world, instances, waits, monkeypatch):
    federate(instances, range(95), on=(0,))
    collection = make_collection(world, instances[:1])
    run = CollectionRun.objects.create(collection=collection, trigger="manual")
    store = collecting._Run.store
    pages_stored = []

    def crash_after_two_pages(self, page, module):
        if len(pages_stored) == 2:
            raise RuntimeError("the worker's machine lost power")
        store(self, page, module)
        pages_stored.append(page)

    monkeypatch.setattr(collecting._Run, "store", crash_after_two_pages)
    with pytest.raises(RuntimeError):
        collecting.collect(run, final_attempt=False)
    run.refresh_from_db()
    assert run.status == CollectionRun.Status.QUEUED and "Trying again" in run.message
    assert posts(world).count() == 80

    monkeypatch.setattr(collecting._Run, "store", store)
    instances[0].log.clear()
    run.collection.refresh_from_db()
    collecting.collect(run)
    run.refresh_from_db()

    assert posts(world).count() == 95
    assert run.status == CollectionRun.Status.DONE and run.attempt == 2
    assert run.posts_new == 95 and run.duplicates == 0
    # The retry never went back to the top of the timeline.
    assert all("min_id" in q or "max_id" in q for _, q, _ in instances[0].log)


@pytest.mark.django_db
def test_account_statuses_from_a_profile_link(world, instances, waits):
    federate(instances, range(12), on=(0,), author="bo-example")
    collection = make_collection(
        world, instances[:1], tags=[], instances=[], accounts=[f"{instances[0].base}/@bo-example"]
    )

    run = run_now(collection)

    assert run.posts_new == 12
    assert "the posts of bo-example@" in collecting.run_report(run)


def test_queries_are_checked_in_plain_words():
    from socialgood.platforms import mastodon_api
    from socialgood.platforms.collectors import QueryError

    query = mastodon_api.check_query(
        {
            "tags": ["#SocialWork", "socialwork", " care "],
            "instances": ["mastodon.social", "https://det.social/"],
        }
    )
    assert query["tags"] == ["socialwork", "care"]
    assert query["instances"] == ["https://mastodon.social", "https://det.social"]
    assert mastodon_api.describe(query) == (
        "posts tagged #socialwork or #care on mastodon.social and det.social"
    )
    with pytest.raises(QueryError, match="at least one instance"):
        mastodon_api.check_query({"tags": ["care"]})
    with pytest.raises(QueryError, match="not a hashtag"):
        mastodon_api.check_query({"tags": ["social work"], "instances": ["a.example"]})
    with pytest.raises(QueryError, match="not an account"):
        mastodon_api.check_query({"accounts": ["ana"]})


@pytest.mark.django_db
def test_a_token_opens_a_closed_instance_and_is_sent_to_no_other(world, instances, waits):
    token = "mastodon-token-for-one-instance-xyz"
    instances[0].needs_token = f"Bearer {token}"
    federate(instances, range(10), on=(0, 1))
    collection = make_collection(world, instances[:2])

    closed = run_now(collection)
    assert (
        "asks for a login"
        in closed.coverage["sources"][f"{instances[0].host} #socialwork"]["refused"]
    )
    assert closed.status == CollectionRun.Status.PARTIAL

    collection.credential = collecting.save_credential(
        platform="mastodon",
        label="Lab account",
        fields={"instance": instances[0].base, "access_token": token},
        by=world.analyst,
        project=world.project,
    )
    collection.save()
    instances[1].log.clear()
    opened = run_now(collection)

    assert opened.status == CollectionRun.Status.DONE
    assert opened.coverage["sources"][f"{instances[0].host} #socialwork"]["complete"]
    assert all(headers["authorization"] == "" for _, _, headers in instances[1].log)
    assert token not in str(opened.coverage) + opened.message
