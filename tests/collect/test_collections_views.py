"""Collection pages: create and edit per platform, list, run reports, credentials kept secret."""

import logging
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from socialgood.collect import collecting
from socialgood.collect.models import Collection, CollectionRun, Credential
from socialgood.projects.models import AuditEvent
from tests.collect.collection_servers import MastodonInstance, status
from tests.conftest import PASSWORD

SECRET = "s3cr3t-Reddit-Client-Secret-9x7f"


def login(client, user):
    client.login(username=user.username, password=PASSWORD)


def new_collection_data(**overrides):
    return {
        "name": "#SocialWork on Mastodon",
        "platform": "mastodon",
        "q_tags": "#SocialWork\nsocialworkers",
        "q_instances": "mastodon.social\ndet.social\nmas.to",
        "q_accounts": "",
        "q_max_pages": "50",
        "every_number": "1",
        "every_unit": "hours",
        "enabled": "on",
        "since": "2026-01-01",
        **overrides,
    }


@pytest.mark.django_db
def test_an_analyst_creates_an_hourly_mastodon_collection(client, world):
    login(client, world.analyst)
    page = client.get(reverse("collection_new", args=[world.project.slug]))
    assert page.status_code == 200 and "Instances" in page.content.decode()

    response = client.post(
        reverse("collection_new", args=[world.project.slug]), new_collection_data()
    )

    collection = Collection.objects.get()
    assert response.status_code == 302
    assert collection.query["tags"] == ["socialwork", "socialworkers"]
    assert collection.query["instances"] == [
        "https://mastodon.social",
        "https://det.social",
        "https://mas.to",
    ]
    assert collection.every_minutes == 60 and collection.enabled
    assert collection.next_run_at <= timezone.now()  # the scheduler's next tick runs it
    assert collection.since.isoformat() == "2026-01-01T00:00:00+00:00"
    assert AuditEvent.objects.filter(action="collection.create", target=collection.name).exists()
    detail = client.get(response.url).content.decode()
    assert (
        "posts tagged #socialwork or #socialworkers on mastodon.social, det.social and mas.to"
        in detail
    )
    assert "every hour" in detail


@pytest.mark.django_db
def test_a_query_that_cannot_work_is_explained(client, world):
    login(client, world.analyst)
    response = client.post(
        reverse("collection_new", args=[world.project.slug]), new_collection_data(q_instances="")
    )
    assert response.status_code == 200
    assert "Give at least one instance to read the hashtags from" in response.content.decode()
    assert not Collection.objects.exists()

    reddit = client.post(
        reverse("collection_new", args=[world.project.slug]) + "?platform=reddit",
        {
            "name": "r/socialwork",
            "platform": "reddit",
            "q_subreddits": "socialwork",
            "q_listing": "new",
            "q_time": "week",
            "q_comment_days": "3",
            "q_max_pages": "10",
            "every_unit": "hours",
        },
    )
    assert "Reddit needs a credential" in reddit.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, can_create", [("owner", True), ("analyst", True), ("coder", False), ("viewer", False)]
)
def test_who_may_see_and_manage_collections(client, world, role, can_create):
    login(client, world.user(role))
    listing = client.get(reverse("collections", args=[world.project.slug]))
    assert listing.status_code == 200
    assert ("New collection" in listing.content.decode()) == can_create
    create = client.get(reverse("collection_new", args=[world.project.slug]))
    assert create.status_code == (200 if can_create else 403)
    credentials = client.get(reverse("credentials", args=[world.project.slug]))
    assert credentials.status_code == (200 if can_create else 403)


@pytest.mark.django_db
def test_outsiders_see_nothing(client, world):
    login(client, world.outsider)
    assert client.get(reverse("collections", args=[world.project.slug])).status_code == 404


@pytest.mark.django_db
def test_the_list_and_the_run_page_show_progress_and_the_report(client, world, settings):
    settings.COLLECT_SLEEP = lambda seconds: None
    server = MastodonInstance()
    try:
        for n in range(12):
            server.add(status(n, minutes=n))
        collection = Collection.objects.create(
            project=world.project,
            name="care",
            platform="mastodon",
            query={"tags": ["socialwork"], "instances": [server.base]},
        )
        run = CollectionRun.objects.create(collection=collection, trigger="manual")
        collecting.collect(run)
    finally:
        server.stop()
    login(client, world.viewer)

    listing = client.get(reverse("collections", args=[world.project.slug])).content.decode()
    assert "12 stored" in listing and "Finished" in listing
    page = client.get(reverse("collection_run", args=[world.project.slug, collection.pk, run.pk]))
    text = page.content.decode()
    assert "It read 2 pages with 2 requests and received 12 posts: 12 new" in text
    assert f"{server.host} #socialwork" in text and "Read to the end" in text
    # A finished run's fragment tells htmx to stop polling.
    fragment = client.get(
        reverse("collection_run", args=[world.project.slug, collection.pk, run.pk]),
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 286


@pytest.mark.django_db
def test_run_now_starts_one_run_at_a_time(client, world):
    collection = Collection.objects.create(
        project=world.project,
        name="care",
        platform="mastodon",
        query={"tags": ["care"], "instances": ["mastodon.social"]},
    )
    login(client, world.analyst)
    url = reverse("collection_run_now", args=[world.project.slug, collection.pk])
    first = client.post(url)
    second = client.post(url, follow=True)
    assert first.status_code == 302 and collection.runs.count() == 1
    assert "already running" in second.content.decode()


@pytest.mark.django_db
def test_credentials_are_encrypted_masked_and_never_logged(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    login(client, world.analyst)
    url = reverse("credentials", args=[world.project.slug]) + "?platform=reddit"
    response = client.post(
        url,
        {
            "platform": "reddit",
            "label": "Lab app",
            "owner": "project",
            "c_client_id": "abcClientId123",
            "c_client_secret": SECRET,
            "c_username": "lab-example",
        },
    )
    assert response.status_code == 302
    credential = Credential.objects.get()
    assert (
        credential.hint
        == "client id abcClientId123, client secret …x7f, your reddit username lab-example"
    )
    assert collecting.credential_secret(credential)["client_secret"] == SECRET

    page = client.get(url).content.decode()
    assert "…x7f" in page and SECRET not in page
    replace_page = client.get(
        reverse("credential_replace", args=[world.project.slug, credential.pk])
    ).content.decode()
    assert SECRET not in replace_page
    assert SECRET not in caplog.text
    assert SECRET.encode() not in bytes(credential.secret)
    assert SECRET not in repr(credential)
    with connection.cursor() as cursor:  # nowhere in the database in the clear
        cursor.execute("SELECT * FROM collect_credential")
        assert SECRET not in str(cursor.fetchall())
        cursor.execute("SELECT * FROM projects_auditevent")
        assert SECRET not in str(cursor.fetchall())

    client.post(
        reverse("credential_replace", args=[world.project.slug, credential.pk]),
        {
            "label": "Lab app",
            "c_client_id": "abcClientId123",
            "c_client_secret": "another-secret-value-abc",
        },
    )
    credential.refresh_from_db()
    assert credential.hint == "client id abcClientId123, client secret …abc"
    assert collecting.credential_secret(credential)["client_secret"] == "another-secret-value-abc"

    client.post(reverse("credential_delete", args=[world.project.slug, credential.pk]))
    assert not Credential.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"credential.add", "credential.replace", "credential.delete"} <= actions


@pytest.mark.django_db
def test_personal_credentials_belong_to_one_person(client, world):
    personal = collecting.save_credential(
        platform="youtube",
        label="My key",
        fields={"api_key": "AIzaSy-personal-key-0000000"},
        by=world.analyst,
        user=world.analyst,
    )
    login(client, world.owner)
    page = client.get(reverse("credentials", args=[world.project.slug])).content.decode()
    assert "My key" not in page
    delete = client.post(reverse("credential_delete", args=[world.project.slug, personal.pk]))
    assert delete.status_code == 404
    assert collecting.credential_secret(personal)["api_key"] == "AIzaSy-personal-key-0000000"


@pytest.mark.django_db
def test_editing_switching_off_and_deleting_are_recorded(client, world):
    login(client, world.analyst)
    client.post(reverse("collection_new", args=[world.project.slug]), new_collection_data())
    collection = Collection.objects.get()
    edit_url = reverse("collection_edit", args=[world.project.slug, collection.pk])
    form = client.get(edit_url).content.decode()
    assert "https://mastodon.social\nhttps://det.social\nhttps://mas.to" in form  # one per line

    client.post(
        edit_url,
        new_collection_data(q_instances="mastodon.social", every_number="2", every_unit="days"),
    )
    collection.refresh_from_db()
    assert collection.query["instances"] == ["https://mastodon.social"]
    assert collection.every_minutes == 2 * 1440
    change = AuditEvent.objects.get(action="collection.edit")
    assert change.details["before"]["every_minutes"] == 60
    assert change.details["after"]["every_minutes"] == 2880

    client.post(reverse("collection_toggle", args=[world.project.slug, collection.pk]))
    collection.refresh_from_db()
    assert not collection.enabled and collection.next_run_at is None
    assert collecting.schedule_due() == []

    client.post(reverse("collection_delete", args=[world.project.slug, collection.pk]))
    assert not Collection.objects.exists()
    assert AuditEvent.objects.filter(action="collection.delete").exists()


@pytest.mark.django_db
def test_collection_times_say_their_time_zone(client, world):
    collection = Collection.objects.create(
        project=world.project,
        name="care",
        platform="mastodon",
        query={"tags": ["care"], "instances": ["mastodon.social"]},
        every_minutes=60,
        next_run_at=datetime(2026, 11, 27, 14, 5, tzinfo=UTC),
        last_run_at=datetime(2026, 11, 27, 13, 5, tzinfo=UTC),
    )
    login(client, world.viewer)
    listing = client.get(reverse("collections", args=[world.project.slug])).content.decode()
    assert "<td>27 Nov 2026 13:05 UTC</td>" in listing  # last run
    assert "<td>27 Nov 2026 14:05 UTC</td>" in listing  # next run
    url = reverse("collection", args=[world.project.slug, collection.pk])
    page = client.get(url).content.decode()
    assert "<dt>Next run</dt><dd>27 Nov 14:05 UTC</dd>" in page
    assert "The first starts at 14:05 UTC, as soon as a worker is running." in page

    CollectionRun.objects.create(
        collection=collection, started_at=datetime(2026, 11, 27, 14, 6, tzinfo=UTC)
    )
    assert "<td>27 Nov 2026 14:06 UTC</td>" in client.get(url).content.decode()


@pytest.mark.django_db
def test_when_a_credential_was_last_used_says_its_time_zone(client, world):
    credential = collecting.save_credential(
        platform="youtube",
        label="Lab key",
        fields={"api_key": "AIzaSy-lab-key-0000000"},
        by=world.analyst,
        project=world.project,
    )
    Credential.objects.filter(pk=credential.pk).update(
        last_used_at=datetime(2026, 11, 27, 14, 5, tzinfo=UTC)
    )
    login(client, world.analyst)
    page = client.get(reverse("credentials", args=[world.project.slug])).content.decode()
    assert "<td>27 Nov 2026 14:05 UTC</td>" in page
