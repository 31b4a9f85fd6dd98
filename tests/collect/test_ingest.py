"""Bulk storage and full-text search of pseudonymised posts."""

from datetime import UTC, datetime

import msgspec
import orjson
import pytest
from django.db import connection

from socialgood.collect import ingest
from socialgood.collect.models import Post, PostHashtag, PostLink, PostMedia, PostMention, Tally
from socialgood.collect.search import search_posts
from socialgood.platforms.model import Link, Media, Metrics, Person
from socialgood.platforms.model import Post as ParsedPost
from socialgood.privacy import crypto
from tests.collect.conftest import stored_counts

WHEN = datetime(2026, 2, 1, 12, 30, 15, 250000, tzinfo=UTC)
ANA = Person(id="user-00000000000000a1", handle="user-00000000000000a1")
BO = Person(id="user-00000000000000b2", handle="user-00000000000000b2")


def parsed(platform_id, text="Respite care gave us a weekend off.", **fields):
    return ParsedPost(
        platform="bluesky",
        platform_id=platform_id,
        created_at=WHEN,
        author=ANA,
        text=text,
        **fields,
    )


RICH = parsed(
    "at://user-00000000000000a1/app.bsky.feed.post/1",
    hashtags=("caregiving", "respite", "caregiving"),
    mentions=(BO, BO),
    links=(Link(url="https://example.org/guide", domain="example.org"),),
    media=(
        Media(
            type="image",
            url="https://cdn.example/1.jpg",
            alt_text="A park bench",
            width=800,
            height=600,
        ),
        Media(type="image", url="https://cdn.example/2.jpg"),
    ),
    metrics=Metrics(likes=5, reposts=2, replies=1, quotes=None, views=1000),
    raw={"original": "payload"},
)


def test_a_batch_is_stored_with_its_side_rows_and_derived_columns(world):
    counts = ingest.store_posts(world.project, [RICH], mapper="bluesky/1")

    assert counts == (1, 0, 0)
    post = Post.objects.get(project=world.project)
    assert post.created_at == WHEN
    assert post.author == ANA.id
    assert post.engagement == 8  # likes + reposts + replies; views are not engagement
    assert post.metrics == {"likes": 5, "reposts": 2, "replies": 1, "views": 1000}
    assert (post.has_media, post.has_alt_text, post.mapper) == (True, True, "bluesky/1")
    assert sorted(post.hashtags.values_list("tag", flat=True)) == ["caregiving", "respite"]
    assert list(post.mentions.values_list("person", flat=True)) == [BO.id]
    assert list(post.links.values_list("domain", flat=True)) == ["example.org"]
    assert list(post.media.values_list("position", "alt_text", "width")) == [
        (0, "A park bench", 800),
        (1, None, None),
    ]
    assert post.raw_encrypted is None  # the project did not opt in


def test_duplicates_in_a_batch_and_across_batches_add_nothing_twice(world):
    other = parsed("at://user-00000000000000a1/app.bsky.feed.post/2", hashtags=("burnout",))

    assert ingest.store_posts(world.project, [RICH, RICH, other], mapper="bluesky/1") == (2, 1, 0)
    assert ingest.store_posts(world.project, [other, RICH], mapper="bluesky/1") == (0, 2, 0)

    assert stored_counts(world.project) == {
        "posts": 2,
        "hashtags": 3,
        "mentions": 1,
        "replies": 0,
        "quotes": 0,
        "reposts": 0,
        "comments": 0,
        "media": 2,
        "alt_texts": 1,
        "links": 1,
    }


def test_the_same_post_in_another_project_is_stored_there_too(world):
    from socialgood.projects.models import Project

    second = Project.create(name="Second study", owner=world.owner)
    ingest.store_posts(world.project, [RICH], mapper="bluesky/1")

    assert ingest.store_posts(second, [RICH], mapper="bluesky/1") == (1, 0, 0)
    assert PostHashtag.objects.filter(project=second).count() == 2


def test_raw_payloads_are_kept_only_encrypted_and_only_on_opt_in(world):
    world.project.keep_raw = True
    world.project.save()

    ingest.store_posts(world.project, [RICH], mapper="bluesky/1")

    post = Post.objects.get(project=world.project)
    stored = bytes(post.raw_encrypted)
    assert b"payload" not in stored
    purpose = ingest.raw_payload_purpose(world.project.pk, RICH)
    assert orjson.loads(crypto.decrypt(world.project.secret_key, stored, purpose)) == RICH.raw


def test_text_with_nul_characters_is_stored_without_them(world):
    ingest.store_posts(world.project, [parsed("x1", text="care\x00giver")], mapper="bluesky/1")

    assert Post.objects.get(project=world.project).text == "caregiver"


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_leaves_nothing_behind(world, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest, "_insert_many", broken)
    with pytest.raises(RuntimeError):
        ingest.store_posts(world.project, [RICH], mapper="bluesky/1")

    assert not Post.objects.filter(project=world.project).exists()
    assert not search_posts(world.project, "respite").exists()
    # The search trigger is back: a post saved one by one is still found.
    Post.objects.create(
        project=world.project,
        platform="x",
        platform_id="1",
        author="a",
        created_at=WHEN,
        text="lantern",
    )
    assert search_posts(world.project, "lantern").count() == 1


def test_search_finds_imported_words_and_forgets_deleted_posts(world):
    ingest.store_posts(
        world.project,
        [
            parsed("p1", text="Respite care gave us a weekend off."),
            parsed("p2", text="Burnout is real in child protection."),
            parsed("p3", text="Respite again, and a long walk."),
        ],
        mapper="bluesky/1",
    )

    assert set(search_posts(world.project, "respite").values_list("platform_id", flat=True)) == {
        "p1",
        "p3",
    }
    assert list(
        search_posts(world.project, "RESPITE walk").values_list("platform_id", flat=True)
    ) == ["p3"]
    assert not search_posts(world.project, "hospital").exists()
    assert not search_posts(world.project, "").exists()
    assert search_posts(world.project, 'respite" OR "') is not None  # user input is never syntax

    Post.objects.filter(project=world.project, platform_id="p1").delete()
    assert list(search_posts(world.project, "respite").values_list("platform_id", flat=True)) == [
        "p3"
    ]


def test_search_stays_inside_the_project_and_composes_with_filters(world):
    from socialgood.projects.models import Project

    other = Project.create(name="Other study", owner=world.owner)
    ingest.store_posts(world.project, [parsed("p1", text="respite")], mapper="bluesky/1")
    ingest.store_posts(other, [parsed("p1", text="respite")], mapper="bluesky/1")

    assert search_posts(world.project, "respite").count() == 1
    assert search_posts(Post.objects.filter(platform="mastodon"), "respite").count() == 0


def test_edited_text_is_searched_by_its_new_words(world):
    ingest.store_posts(world.project, [parsed("p1", text="respite")], mapper="bluesky/1")
    Post.objects.filter(project=world.project).update(text="sunflower")

    assert not search_posts(world.project, "respite").exists()
    assert search_posts(world.project, "sunflower").count() == 1


def test_deleting_a_project_deletes_its_posts_side_rows_and_index_entries(world):
    ingest.store_posts(world.project, [RICH], mapper="bluesky/1")
    # Their `project` has no database constraint (models.project_copy): Django's
    # cascade must remove them.
    belonging = [Post, PostHashtag, PostMention, PostLink, PostMedia, Tally]
    assert all(model.objects.filter(project=world.project).exists() for model in belonging)
    world.project.delete()

    assert not any(model.objects.exists() for model in belonging)
    if connection.vendor == "sqlite":  # on PostgreSQL the index lives in the rows
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM collect_post_fts WHERE collect_post_fts MATCH 'respite'"
            )
            assert cursor.fetchone() == (0,)


def side_rows_without_their_post():
    """Hashtag, mention, link and media rows whose post is gone: the database does not
    refuse them (models.post_of_side_row), and dashboards and filters would count them."""
    tables = ("collect_posthashtag", "collect_postmention", "collect_postlink", "collect_postmedia")
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE post_id NOT IN (SELECT id FROM collect_post)"  # noqa: S608 - constant names
            )
            counts[table] = cursor.fetchone()[0]
    return counts


def test_deleting_posts_deletes_their_hashtags_mentions_links_and_media(world):
    from socialgood.projects import governance

    other = msgspec.structs.replace(
        parsed("p-kept", hashtags=("respite",), links=RICH.links), author=BO
    )
    ingest.store_posts(world.project, [RICH, other, parsed("p-gone")], mapper="bluesky/1")
    kept = Post.objects.get(platform_id="p-kept")
    assert PostMedia.objects.filter(project=world.project).count() == 2

    removed = governance.remove_deleted_on_platform(
        world.project, "bluesky", [("post", "p-gone"), ("post", RICH.platform_id)]
    )
    assert removed == 2
    assert side_rows_without_their_post() == dict.fromkeys(
        ("collect_posthashtag", "collect_postmention", "collect_postlink", "collect_postmedia"), 0
    )
    assert list(PostHashtag.objects.values_list("post_id", "tag")) == [(kept.pk, "respite")]
    assert list(PostLink.objects.values_list("post_id", flat=True)) == [kept.pk]
    assert not PostMention.objects.exists() and not PostMedia.objects.exists()

    governance.delete_author_posts(world.project, BO.id, by=world.owner)
    assert not Post.objects.exists()
    assert not PostHashtag.objects.exists() and not PostLink.objects.exists()


def test_merging_the_index_keeps_search_working(world):
    from socialgood.collect.search import optimise_index

    ingest.store_posts(
        world.project, [parsed("p1", text="respite"), parsed("p2", text="walk")], mapper="bluesky/1"
    )
    Post.objects.filter(platform_id="p2").delete()

    optimise_index()

    assert search_posts(world.project, "respite").count() == 1
    assert not search_posts(world.project, "walk").exists()


@pytest.mark.parametrize("first", ["old feed", "record", "same batch, old feed", "same batch"])
def test_one_bluesky_repost_from_an_old_feed_and_from_its_record_is_one_post(world, first):
    # Feeds saved before late 2024 don't give the repost record's uri (platforms.bluesky).
    subject = "at://user-00000000000000a1/app.bsky.feed.post/3kaaa"
    repost = ParsedPost(
        platform="bluesky",
        platform_id="at://user-00000000000000b2/app.bsky.feed.repost/3krep",
        created_at=WHEN,
        author=BO,
        kind="repost",
        repost_of=subject,
    )
    from_old_feed = msgspec.structs.replace(repost, platform_id=f"{subject}#repost-by-{BO.id}")
    other = msgspec.structs.replace(
        repost, platform_id="at://user-00000000000000b2/app.bsky.feed.repost/3kzzz",
        repost_of=subject.replace("3kaaa", "3kbbb"),
    )  # fmt: skip
    batches = {
        "old feed": [[from_old_feed], [repost, other]],
        "record": [[repost], [from_old_feed, other]],
        "same batch, old feed": [[other], [from_old_feed, repost]],
        "same batch": [[other], [repost, from_old_feed]],
    }[first]

    counts = [ingest.store_posts(world.project, batch, mapper="bluesky/1") for batch in batches]

    assert [tuple(c[:2]) for c in counts] == [(1, 0), (1, 1)]
    assert Post.objects.filter(project=world.project, kind="repost").count() == 2
    if first.startswith("same batch"):  # the form that says more is kept
        assert Post.objects.filter(platform_id=repost.platform_id).exists()
