"""`socialgood collect`: one-off queries and saved collections from the command line."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from socialgood.collect.models import Collection, Post
from tests.collect.collection_servers import MastodonInstance, status


@pytest.fixture
def instances(settings):
    settings.COLLECT_SLEEP = lambda seconds: None
    servers = [MastodonInstance(number) for number in (1, 2)]
    for n in range(10):
        for server in servers:
            server.add(status(n, minutes=n))
    servers[1].add(status(99, minutes=99))
    yield servers
    for server in servers:
        server.stop()


def collect(*args):
    out = StringIO()
    call_command("collect", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_a_one_off_hashtag_query_on_two_instances(world, instances):
    output = collect(
        "mastodon", "--tag", "#SocialWork", "--instance", instances[0].base,
        "--instance", instances[1].base, "--project", world.project.slug, "--since", "2026-01-01",
    )  # fmt: skip

    assert Post.objects.filter(project=world.project).count() == 11
    assert "Finished: 11 new posts, 10 already stored" in output
    assert "socialgood collected posts tagged #socialwork on" in output  # the coverage report
    collection = Collection.objects.get()
    assert collection.every_minutes is None and not collection.enabled
    assert collection.since.isoformat() == "2026-01-01T00:00:00+00:00"
    assert collection.runs.get().trigger == "cli"


@pytest.mark.django_db
def test_a_saved_collection_by_name_and_a_schedule(world, instances):
    collect(
        "mastodon", "--tag", "socialwork", "--instance", instances[0].base, "--every", "1h",
        "--name", "hourly", "--project", world.project.slug,
    )  # fmt: skip
    collection = Collection.objects.get(name="hourly")
    assert collection.every_minutes == 60 and collection.enabled and collection.next_run_at

    instances[0].add(status(50, minutes=50))
    output = collect("hourly", "--project", world.project.slug)

    assert "Finished: 1 new post, 0 already stored" in output
    assert collection.runs.count() == 2


@pytest.mark.django_db
def test_mistakes_are_explained(world):
    with pytest.raises(CommandError, match="Give at least one instance"):
        collect("mastodon", "--tag", "care", "--project", world.project.slug)
    with pytest.raises(CommandError, match="no collection “missing”"):
        collect("missing", "--project", world.project.slug)
    with pytest.raises(CommandError, match="no project “nope”"):
        collect("mastodon", "--tag", "care", "--project", "nope")
