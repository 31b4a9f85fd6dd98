"""Bluesky collections against a real local network (PDS + AppView from @atproto/dev-env).

Invented people post on the local PDS with hashtag facets, replies, quotes and images
with alt text; socialgood's collector then reads them back from the AppView through a
Collection run, end to end into the database. The local AppView's search is a plain
case-sensitive substring match that ignores `tag`, `since` and `until` (platforms.md
§10), so each test uses its own hashtag, written in lower case.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import serializers
from django.core.management import call_command

from socialgood.collect import collecting
from socialgood.collect.models import (
    Collection,
    CollectionRun,
    ImportRun,
    Post,
    PostHashtag,
    PostLink,
    PostMedia,
    PostMention,
)
from socialgood.platforms import bluesky_api
from tests.collect.bsky_network import Account, bsky_network_fixture, wait_until_indexed  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(bluesky_api, "PAGE_SIZE", 4)
    return 4


def an_hour_ago(minutes=0):
    moment = datetime.now(UTC) - timedelta(hours=1) + timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_now(collection):
    run = CollectionRun.objects.create(collection=collection, trigger="manual")
    collecting.collect(run)
    run.refresh_from_db()
    collection.refresh_from_db()
    return run


def stored(project):
    return {post.platform_id: post for post in Post.objects.filter(project=project)}


def pseudonymised_id(project, uri):
    """The stored platform_id of an AT-URI (its DID replaced by the project's pseudonym)."""
    rkey = uri.rsplit("/", 1)[1]
    (post,) = [p for p in Post.objects.filter(project=project) if p.platform_id.endswith(rkey)]
    return post.platform_id


def database_text(project):
    """Everything socialgood stored about the collection, as one string to search."""
    rows = [
        *Post.objects.filter(project=project),
        *PostHashtag.objects.filter(project=project),
        *PostMention.objects.filter(project=project),
        *PostLink.objects.filter(project=project),
        *PostMedia.objects.filter(project=project),
        *Collection.objects.filter(project=project),
        *CollectionRun.objects.filter(collection__project=project),
        *ImportRun.objects.filter(project=project),
    ]
    return serializers.serialize("json", rows)


def test_a_hashtag_collection_brings_every_post_with_its_fields(world, bsky_network, small_pages):
    tag = "carersnetworka"
    ana = Account(bsky_network, "ana-example")
    ben = Account(bsky_network, "ben-example")
    cleo = Account(bsky_network, "cleo-example")
    text = f"Respite care changed our week #{tag}"
    opening = ana.post(text, tags=[tag], extra_tags=["respite"], created_at=an_hour_ago())
    plain = [
        ana.post(f"Supervision notes {n} #{tag}", tags=[tag], created_at=an_hour_ago(n))
        for n in range(1, 7)
    ]
    mention = f"Thanks @{ben.handle} for the referral list #{tag} https://example.org/list"
    with_mention = ana.post(
        mention,
        tags=[tag],
        mentions=[(ben.handle, ben.did)],
        links=["https://example.org/list"],
        created_at=an_hour_ago(7),
    )
    reply = ben.post(f"Same here #{tag}", tags=[tag], reply_to=opening, created_at=an_hour_ago(8))
    quote = cleo.post(f"Worth reading #{tag}", tags=[tag], quote=opening, created_at=an_hour_ago(9))
    pictures = ana.post(
        f"Our new drop-in room #{tag}",
        tags=[tag],
        images=["A bright room with four armchairs", "A notice board with leaflets"],
        created_at=an_hour_ago(10),
    )
    quote_with_media = cleo.post(
        f"Look at this #{tag}",
        tags=[tag],
        quote=pictures,
        images=["A hand-drawn map of the centre"],
        created_at=an_hour_ago(11),
    )
    unrelated = ana.post("Nothing to see here", created_at=an_hour_ago(12))
    expected = [opening, *plain, with_mention, reply, quote, pictures, quote_with_media]
    wait_until_indexed(bsky_network, [p["uri"] for p in [*expected, unrelated]])

    collection = Collection.objects.create(
        project=world.project,
        name=f"#{tag} on the local network",
        platform="bluesky",
        query={"tags": [f"#{tag}"], "service": bsky_network.appview},
        every_minutes=60,
        created_by=world.analyst,
    )
    run = run_now(collection)

    assert run.status == CollectionRun.Status.DONE, run.message
    posts = stored(world.project)
    assert len(posts) == len(expected) == 12
    assert run.posts_new == 12 and run.duplicates == 0
    assert run.pages >= 3  # 4 posts a page: the cursor was followed
    project = world.project
    first = posts[pseudonymised_id(project, opening["uri"])]
    assert set(first.hashtags.values_list("tag", flat=True)) == {tag, "respite"}
    assert first.text == text and first.lang == "en" and first.kind == "post"
    replied = posts[pseudonymised_id(project, reply["uri"])]
    assert replied.kind == "reply" and replied.reply_to == first.platform_id
    assert replied.thread_root == first.platform_id
    quoting = posts[pseudonymised_id(project, quote["uri"])]
    assert quoting.kind == "quote" and quoting.quote_of == first.platform_id
    room = posts[pseudonymised_id(project, pictures["uri"])]
    assert list(room.media.order_by("position").values_list("alt_text", flat=True)) == [
        "A bright room with four armchairs",
        "A notice board with leaflets",
    ]
    assert room.has_alt_text and all(m.url for m in room.media.all())
    mixed = posts[pseudonymised_id(project, quote_with_media["uri"])]
    assert mixed.quote_of == room.platform_id
    assert list(mixed.media.values_list("alt_text", flat=True)) == [
        "A hand-drawn map of the centre"
    ]
    thanked = posts[pseudonymised_id(project, with_mention["uri"])]
    assert thanked.mentions.count() == 1
    assert list(thanked.links.values_list("domain", flat=True)) == ["example.org"]
    # Authors are pseudonyms: no DID or handle of anyone reached the database.
    assert {post.author for post in posts.values()} == {
        posts[pseudonymised_id(project, p["uri"])].author for p in (opening, reply, quote)
    }
    assert len({post.author for post in posts.values()}) == 3
    everything = database_text(project)
    for person in (ana, ben, cleo):
        assert person.did not in everything
        assert person.handle not in everything
    assert "did:plc:" not in everything
    source = run.coverage["sources"][f"search #{tag}"]
    assert source["complete"] and source["posts"] == 12
    assert source["caps"] == []  # the end of the results is not mistaken for Bluesky's cap


def test_a_second_run_collects_only_the_new_posts(world, bsky_network, small_pages):
    tag = "carersnetworkb"
    dana = Account(bsky_network, "dana-example")
    old = [
        dana.post(f"Week {n} of the carers' group #{tag}", tags=[tag], created_at=an_hour_ago(n))
        for n in range(9)
    ]
    wait_until_indexed(bsky_network, [p["uri"] for p in old])
    collection = Collection.objects.create(
        project=world.project,
        name="incremental",
        platform="bluesky",
        query={"tags": [tag], "service": bsky_network.appview},
        created_by=world.analyst,
    )
    first = run_now(collection)
    assert first.posts_new == 9

    new = [dana.post(f"New this week {n} #{tag}", tags=[tag]) for n in range(5)]
    wait_until_indexed(bsky_network, [p["uri"] for p in new])
    second = run_now(collection)

    assert second.status == CollectionRun.Status.DONE
    assert second.posts_new == 5
    assert second.duplicates == 0  # the old posts were not fetched again
    assert Post.objects.filter(project=world.project).count() == 14
    third = run_now(collection)
    assert third.posts_new == 0


def test_an_account_feed_and_a_thread_with_a_login(world, bsky_network, small_pages):
    eve = Account(bsky_network, "eve-example")
    finn = Account(bsky_network, "finn-example")
    root = eve.post("Starting a thread about home visits")
    replies = [root]
    for n in range(5):  # a chain: each reply answers the one before
        author = finn if n % 2 == 0 else eve
        replies.append(author.post(f"Reply {n}", reply_to=replies[-1]))
    own = [eve.post(f"Eve's note {n}") for n in range(4)]
    wait_until_indexed(bsky_network, [p["uri"] for p in [*replies, *own]])
    credential = collecting.save_credential(
        platform="bluesky",
        label="Eve's research account",
        fields={
            "handle": eve.handle,
            "app_password": eve.app_password(),
            "service": bsky_network.pds,
        },
        by=world.analyst,
        project=world.project,
    )
    thread_link = f"https://bsky.app/profile/{eve.handle}/post/{root['uri'].rsplit('/', 1)[1]}"
    collection = Collection.objects.create(
        project=world.project,
        name="Eve and her thread",
        platform="bluesky",
        query={"authors": [eve.handle], "threads": [thread_link]},
        credential=credential,
        created_by=world.analyst,
    )

    run = run_now(collection)

    assert run.status == CollectionRun.Status.DONE, run.message
    posts = Post.objects.filter(project=world.project)
    # eve's 1 + 2 thread posts + 4 notes; finn's 3 replies come with the thread (and as
    # the parents in eve's feed)
    assert posts.count() == 1 + 5 + 4
    chain = [pseudonymised_id(world.project, p["uri"]) for p in replies]
    for parent, child in zip(chain, chain[1:], strict=False):
        assert posts.get(platform_id=child).reply_to == parent
    # The login is kept for the next run, encrypted: no token or DID in the state.
    state = json.dumps(collection.state)
    assert collection.state["session"] and "eyJ" not in state and eve.did not in state
    again = run_now(collection)
    assert again.status == CollectionRun.Status.DONE and again.posts_new == 0


def test_the_command_line_runs_a_one_off_search(world, bsky_network, capsys):
    tag = "carersnetworkc"
    gia = Account(bsky_network, "gia-example")
    made = [gia.post(f"Peer support {n} #{tag}", tags=[tag]) for n in range(3)]
    wait_until_indexed(bsky_network, [p["uri"] for p in made])

    call_command(
        "collect", "bluesky", "--tag", tag, "--project", world.project.slug,
        "--service", bsky_network.appview,
    )  # fmt: skip

    out = capsys.readouterr().out
    assert "3 new posts" in out
    assert Post.objects.filter(project=world.project, platform="bluesky").count() == 3
