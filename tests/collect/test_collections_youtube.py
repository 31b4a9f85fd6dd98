"""YouTube comment collections against a local Data API v3: paging, replies, quota, errors."""

import pytest

from socialgood.collect import collecting
from socialgood.collect.models import Collection, CollectionRun, Post
from tests.collect.collection_servers import YouTubeServer

KEY = "AIzaSy-test-key-0000000000"
VIDEO = "dQw4w9WgXcQ"
OTHER = "aaaaaaaaaaa"


@pytest.fixture
def youtube(settings):
    settings.COLLECT_SLEEP = lambda seconds: None
    settings.COLLECT_HTTP_RETRIES = 1
    server = YouTubeServer(key=KEY)
    yield server
    server.stop()


def video_collection(world, server, key=KEY, **query):
    credential = collecting.save_credential(
        platform="youtube",
        label="Lab key",
        fields={"api_key": key},
        by=world.owner,
        project=world.project,
    )
    return Collection.objects.create(
        project=world.project,
        name="Comments",
        platform="youtube",
        query={
            "videos": [f"https://www.youtube.com/watch?v={VIDEO}"],
            "service": server.base,
            **query,
        },
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


def comments(world):
    return Post.objects.filter(project=world.project, platform="youtube")


@pytest.mark.django_db
def test_threads_and_all_their_replies(world, youtube):
    for n in range(150):
        youtube.add_thread(VIDEO, n, minutes=n)
    youtube.add_thread(VIDEO, 500, minutes=500, replies=7, shown_replies=5)

    run = run_now(video_collection(world, youtube))

    assert run.status == CollectionRun.Status.DONE
    assert comments(world).count() == 151 + 7
    assert run.coverage["quota_units"] == 2 + 1  # two pages of threads, one of replies
    reply = comments(world).get(platform_id__endswith=".r006")
    assert reply.community == VIDEO and reply.reply_to == reply.thread_root
    # The key travels in a header, never in a URL.
    assert all("key" not in query for _, query, _ in youtube.log)


@pytest.mark.django_db
def test_a_later_run_reads_only_new_threads(world, youtube):
    for n in range(30):
        youtube.add_thread(VIDEO, n, minutes=n)
    collection = video_collection(world, youtube)
    run_now(collection)
    for n in range(30, 35):
        youtube.add_thread(VIDEO, n, minutes=n)

    second = run_now(collection)

    assert second.posts_new == 5 and second.duplicates == 0


@pytest.mark.django_db
def test_a_channels_latest_videos(world, youtube):
    youtube.channel_videos["@care-channel"] = [VIDEO, OTHER, "bbbbbbbbbbb"]
    youtube.add_thread(VIDEO, 1)
    youtube.add_thread(OTHER, 2)

    run = run_now(
        video_collection(
            world,
            youtube,
            videos=[],
            channels=["https://www.youtube.com/@care-channel"],
            recent_videos=2,
        )
    )

    assert comments(world).count() == 2
    assert "the 2 latest videos of @care-channel" in collecting.run_report(run)


@pytest.mark.django_db
def test_disabled_and_missing_videos_are_reported(world, youtube):
    youtube.add_thread(VIDEO, 1)
    youtube.disabled.add(OTHER)

    run = run_now(video_collection(world, youtube, videos=[VIDEO, OTHER, "zzzzzzzzzzz"]))

    assert run.status == CollectionRun.Status.PARTIAL
    sources = run.coverage["sources"]
    assert "comments are turned off" in sources[f"video {OTHER}"]["refused"]
    assert "not found" in sources["video zzzzzzzzzzz"]["failed"]
    assert comments(world).count() == 1


@pytest.mark.django_db
def test_a_used_up_quota_stops_the_run_and_the_next_continues(world, youtube):
    for n in range(250):
        youtube.add_thread(VIDEO, n, minutes=n)
    youtube.quota_left = 1
    collection = video_collection(world, youtube)

    first = run_now(collection)

    assert first.status == CollectionRun.Status.PARTIAL
    assert "daily quota" in collecting.run_report(first)
    assert comments(world).count() == 100
    youtube.quota_left = None
    second = run_now(collection)
    assert second.posts_new == 150 and comments(world).count() == 250


@pytest.mark.django_db
def test_a_rejected_key_fails_the_run(world, youtube):
    youtube.add_thread(VIDEO, 1)
    run = CollectionRun.objects.create(
        collection=video_collection(world, youtube, key="AIzaSy-wrong")
    )

    with pytest.raises(Exception, match="did not accept the API key"):
        collecting.collect(run)
    run.refresh_from_db()
    assert run.status == CollectionRun.Status.FAILED
