"""Reddit collections against a local oauth.reddit.com: listings, comment trees, limits."""

import time

import pytest

from socialgood.collect import collecting
from socialgood.collect.models import Collection, CollectionRun, Post
from socialgood.platforms.collectors import Refused
from tests.collect.collection_servers import HTTP_TIMEOUT, RedditServer, comment, submission


@pytest.fixture
def waits(settings):
    slept = []
    settings.COLLECT_SLEEP = slept.append
    settings.COLLECT_HTTP_TIMEOUT = HTTP_TIMEOUT
    settings.COLLECT_HTTP_RETRIES = 2
    return slept


@pytest.fixture
def reddit():
    server = RedditServer()
    yield server
    server.stop()


def subreddit_collection(world, server, secret="lab-secret-value-123", **query):
    credential = collecting.save_credential(
        platform="reddit",
        label="Lab app",
        fields={"client_id": "lab-client", "client_secret": secret, "username": "lab_example"},
        by=world.owner,
        project=world.project,
    )
    return Collection.objects.create(
        project=world.project,
        name="r/socialwork",
        platform="reddit",
        query={"subreddits": ["r/socialwork"], "listing": "new", "service": server.base, **query},
        credential=credential,
    )


def run_now(collection):
    run = CollectionRun.objects.create(collection=collection, trigger="manual")
    try:
        collecting.collect(run)
    finally:
        run.refresh_from_db()
        collection.refresh_from_db()
    return run


def discussion(server, n, minutes, comments=0, hidden=0, hours_ago=None):
    """A submission whose last `hidden` comments sit behind a "load more comments"."""
    link = submission(n, minutes=minutes)
    if hours_ago is not None:
        link["created_utc"] = time.time() - hours_ago * 3600
    server.submissions.append(link)
    tree = [comment(link, i) for i in range(comments)]
    if comments > 1:
        tree[-1]["parent_id"] = tree[0]["name"]  # one nested reply
        tree[-1]["depth"] = 1
    server.comments[link["name"]] = tree
    server.hidden[link["name"]] = [c["id"] for c in tree[comments - hidden :]] if hidden else []
    return link


@pytest.mark.django_db
def test_new_submissions_with_their_whole_comment_trees(world, reddit, waits):
    discussion(reddit, 1, minutes=10, comments=4)
    discussion(reddit, 2, minutes=20, comments=150, hidden=120)  # two "more" calls of 100 + 20
    discussion(reddit, 3, minutes=30)

    run = run_now(subreddit_collection(world, reddit))

    assert run.status == CollectionRun.Status.DONE
    stored = Post.objects.filter(project=world.project, platform="reddit")
    assert stored.filter(kind="post").count() == 3
    assert stored.filter(kind="comment").count() == 154
    more_calls = [q for path, q, _ in reddit.log if path == "/api/morechildren"]
    assert [len(q["children"].split(",")) for q in more_calls] == [100, 20]
    assert all(q["raw_json"] == "1" for _, q, _ in reddit.log)
    nested = stored.get(platform_id="t1_c00002149")
    assert nested.reply_to == "t1_c00002000" and nested.thread_root == "t3_s00002"
    assert nested.community == "socialwork" and nested.author.startswith("user-")
    assert "bo_example" not in nested.text


@pytest.mark.django_db
def test_a_later_run_reads_only_new_submissions_and_refreshes_young_threads(world, reddit, waits):
    discussion(reddit, 1, minutes=10, comments=2, hours_ago=30)
    discussion(reddit, 2, minutes=20, comments=2, hours_ago=24 * 5)  # older than 3 days
    collection = subreddit_collection(world, reddit)
    run_now(collection)
    discussion(reddit, 4, minutes=40, comments=1, hours_ago=1)
    reddit.comments["t3_s00001"].append(comment(reddit.submissions[0], 7))  # a late reply
    reddit.log.clear()

    second = run_now(collection)

    assert second.posts_new == 1 + 1 + 1  # the new submission, its comment, the late reply
    listing_calls = [q for path, q, _ in reddit.log if path.endswith("/new")]
    assert len(listing_calls) == 1  # stopped at the first submission it already had
    trees = {path for path, _, _ in reddit.log if path.startswith("/comments/")}
    assert trees == {"/comments/s00004", "/comments/s00001"}  # new, and young enough to grow
    assert "new submissions in r/socialwork, with their comments" in collecting.run_report(second)


@pytest.mark.django_db
def test_listings_stop_at_about_a_thousand_and_the_report_says_so(world, reddit, waits):
    for n in range(1100):
        reddit.submissions.append(submission(n, minutes=n))

    run = run_now(subreddit_collection(world, reddit, without_comments=True))

    assert run.posts_new == 1000 and run.pages == 10
    report = collecting.run_report(run)
    assert "Reddit lists only about 1,000 submissions" in report


@pytest.mark.django_db
def test_rate_limits_are_waited_out_using_the_seconds_until_reset(world, reddit, waits):
    discussion(reddit, 1, minutes=10)
    reddit.fail_next = ["429"]

    run = run_now(subreddit_collection(world, reddit, without_comments=True))

    assert run.status == CollectionRun.Status.DONE and run.posts_new == 1
    assert sum(waits) == 42  # x-ratelimit-reset: seconds until the window ends
    assert run.rate_limit_waits == 1


@pytest.mark.django_db
def test_wrong_app_secret_fails_the_run_with_a_plain_message(world, reddit, waits):
    collection = subreddit_collection(world, reddit, secret="not-the-secret")
    run = CollectionRun.objects.create(collection=collection)

    with pytest.raises(Refused):
        collecting.collect(run)

    run.refresh_from_db()
    assert run.status == CollectionRun.Status.FAILED
    assert "did not accept the client id and secret" in run.message
    assert "not-the-secret" not in str(run.errors) + run.message


@pytest.mark.django_db
def test_a_private_subreddit_is_reported_and_the_others_collected(world, reddit, waits):
    discussion(reddit, 1, minutes=10)
    reddit.refused.add("closedgroup")

    run = run_now(
        subreddit_collection(
            world, reddit, subreddits=["socialwork", "closedgroup"], without_comments=True
        )
    )

    assert run.status == CollectionRun.Status.PARTIAL and run.posts_new == 1
    assert "private, quarantined or banned" in run.coverage["sources"]["r/closedgroup"]["refused"]


@pytest.mark.django_db
def test_search_and_top(world, reddit, waits):
    reddit.submissions.append(submission(1, minutes=1, title="Burnout in child protection"))
    reddit.submissions.append(submission(2, minutes=2, title="Supervision models"))

    searched = run_now(
        subreddit_collection(
            world, reddit, listing="search", search="burnout", without_comments=True
        )
    )
    assert searched.posts_new == 1
    assert "submissions matching “burnout” in r/socialwork" in collecting.run_report(searched)
