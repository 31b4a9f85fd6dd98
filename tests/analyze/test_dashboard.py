"""Dashboard figures with known answers: top lists, media share, volume per period in several time zones."""

from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from socialgood.analyze import figures
from socialgood.analyze.filters import FilterError, posts_for
from socialgood.collect import tallies
from socialgood.collect.imports import import_files
from socialgood.collect.models import Tally
from socialgood.projects import governance
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def rows(world, name, params=None, **options):
    posts = posts_for(world.project, params or {})
    return figures.figure_rows(name, world.project, posts, bool(params), **options)


def test_top_hashtags_mentions_domains_authors_languages_kinds(world, sample):
    assert rows(world, "hashtags") == [
        {"hashtag": "carers", "posts": 5},
        {"hashtag": "respite", "posts": 2},
        {"hashtag": "kinship", "posts": 1},
        {"hashtag": "pflege", "posts": 1},
    ]
    assert rows(world, "hashtags", {"platform": "mastodon"})[:2] == [
        {"hashtag": "carers", "posts": 2},
        {"hashtag": "kinship", "posts": 1},
    ]
    assert rows(world, "mentions") == [{"person": "user-ann", "posts": 1}]
    assert rows(world, "domains") == [{"domain": "example.org", "posts": 1}]
    assert rows(world, "authors")[:2] == [
        {"author": "user-ann", "posts": 2},
        {"author": "user-ben", "posts": 2},
    ]
    assert rows(world, "languages") == [
        {"language": "en", "posts": 5},
        {"language": "de", "posts": 1},
    ]
    assert rows(world, "kinds") == [
        {"kind": "post", "posts": 3},
        {"kind": "reply", "posts": 2},
        {"kind": "quote", "posts": 1},
    ]
    assert rows(world, "media") == [
        {"category": "With media and alt text", "posts": 1},
        {"category": "With media, no alt text", "posts": 1},
        {"category": "Text only", "posts": 4},
    ]


def per_period(result):
    return {(r["period"], r["platform"]): r["posts"] for r in result}


def test_volume_per_day_depends_on_the_time_zone(world, sample):
    assert per_period(rows(world, "volume")) == {
        ("2024-03-01", "bluesky"): 2,
        ("2024-03-02", "mastodon"): 2,
        ("2024-03-03", "bluesky"): 1,
        ("2024-03-03", "x"): 1,
    }
    # 23:30 UTC is already the next day in Berlin.
    assert per_period(rows(world, "volume", tz="Europe/Berlin")) == {
        ("2024-03-01", "bluesky"): 1,
        ("2024-03-02", "bluesky"): 1,
        ("2024-03-02", "mastodon"): 2,
        ("2024-03-03", "bluesky"): 1,
        ("2024-03-03", "x"): 1,
    }
    # India is UTC+05:30: 18:40 UTC is 00:10 the next day.
    assert per_period(rows(world, "volume", tz="Asia/Kolkata")) == {
        ("2024-03-01", "bluesky"): 1,
        ("2024-03-02", "bluesky"): 1,
        ("2024-03-02", "mastodon"): 2,
        ("2024-03-03", "bluesky"): 1,
        ("2024-03-04", "x"): 1,
    }
    # Los Angeles is UTC-8 in early March: 09:00 UTC on the 3rd is 01:00 there, 07:59 would be the 2nd.
    assert per_period(rows(world, "volume", tz="America/Los_Angeles")) == {
        ("2024-03-01", "bluesky"): 2,
        ("2024-03-02", "mastodon"): 2,
        ("2024-03-03", "bluesky"): 1,
        ("2024-03-03", "x"): 1,
    }


def test_volume_per_hour_week_and_month(world, sample):
    assert per_period(rows(world, "volume", granularity="month")) == {
        ("2024-03", "bluesky"): 3, ("2024-03", "mastodon"): 2, ("2024-03", "x"): 1,
    }  # fmt: skip
    # 2024-03-01 is a Friday: its week starts Monday 26 February; Sunday the 3rd is in it too.
    assert per_period(rows(world, "volume", granularity="week")) == {
        ("2024-02-26", "bluesky"): 3, ("2024-02-26", "mastodon"): 2, ("2024-02-26", "x"): 1,
    }  # fmt: skip
    hourly = per_period(rows(world, "volume", granularity="hour", tz="Asia/Kolkata"))
    assert hourly[("2024-03-04 00:00", "x")] == 1 and hourly[("2024-03-02 05:00", "bluesky")] == 1
    with pytest.raises(FilterError, match="time zone"):
        rows(world, "volume", tz="Mars/Olympus")


def client_for(world, role):
    client = Client()
    client.login(username=world.user(role).username, password=PASSWORD)
    return client


def test_dashboard_page_has_accessible_charts_tables_and_downloads(world, sample):
    client = client_for(world, "viewer")
    response = client.get(
        f"/p/{world.project.slug}/dashboard/", {"hashtag": "carers", "tz": "Europe/Berlin"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<svg role="img"') == len(figures.FIGURES)
    assert "<desc" in page and "Top hashtags" in page and "<td>respite</td>" in page
    assert "<script" not in page.split("</head>")[1]  # the CSP allows no inline script
    csv = client.get(f"/p/{world.project.slug}/dashboard/hashtags.csv", {"hashtag": "carers"})
    assert csv.content.decode().splitlines()[:3] == ["hashtag,posts", "carers,5", "respite,2"]
    assert 'filename="caregiver-voices-hashtags.csv"' in csv["Content-Disposition"]
    png = client.get(f"/p/{world.project.slug}/dashboard/volume.png", {"granularity": "week"})
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(f"/p/{world.project.slug}/dashboard/kinds.svg").content.decode()
    assert svg.startswith("<?xml") and "<title" in svg and "Kinds of post" in svg
    assert client.get(f"/p/{world.project.slug}/dashboard/nothing.csv").status_code == 404


def test_dashboard_explains_bad_options(world, sample):
    page = (
        client_for(world, "viewer")
        .get(f"/p/{world.project.slug}/dashboard/", {"tz": "Nowhere"})
        .content.decode()
    )
    assert "is not a time zone" in page


def test_volume_follows_daylight_saving_changes(world, sample):
    from tests.analyze.conftest import make_post

    # Berlin moves from +01:00 to +02:00 at 01:00 UTC on 31 March 2024.
    make_post(world.project, "x", "2001", "2024-03-31 00:30", "user-eve", "before the change")
    make_post(world.project, "x", "2002", "2024-03-31 22:30", "user-eve", "after: 00:30 on 1 April")
    days = per_period(
        rows(world, "volume", {"platform": "x", "since": "2024-03-30"}, tz="Europe/Berlin")
    )
    assert days == {("2024-03-31", "x"): 1, ("2024-04-01", "x"): 1}
    hours = per_period(
        rows(
            world,
            "volume",
            {"platform": "x", "since": "2024-03-30"},
            granularity="hour",
            tz="Europe/Berlin",
        )
    )
    assert hours == {("2024-03-31 01:00", "x"): 1, ("2024-04-01 00:00", "x"): 1}


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ALL_FILES = [
    FIXTURES / "twarc2" / "search.jsonl",
    FIXTURES / "bluesky" / "search.jsonl",
    FIXTURES / "mastodon" / "timeline.jsonl",
    FIXTURES / "reddit" / "subreddit_listing.json",
    FIXTURES / "telegram" / "result.json",
]
VIEWS = [
    {},
    {"granularity": "hour", "tz": "Asia/Kolkata"},
    {"granularity": "week", "tz": "Europe/Berlin"},
    {"granularity": "month", "tz": "America/St_Johns"},
]


def whole_project(world, name, **options):
    return figures.figure_rows(name, world.project, world.project.posts.all(), False, **options)


def counted_by_query(world, name, **options):
    return figures.compute(name, world.project, world.project.posts.all(), **options)


def assert_tallies_match_the_posts(world):
    for name in figures.FIGURES:
        for options in VIEWS if name == "volume" else [{"limit": 1000}]:
            assert whole_project(world, name, **options) == counted_by_query(world, name, **options)


def test_tallies_kept_at_import_match_counting_the_posts(world):
    run = import_files(world.project, ALL_FILES, user=world.owner)
    assert run.status == "done", run.message
    assert run.imported > 20
    with CaptureQueriesContext(connection) as queries:
        assert_tallies_match_the_posts(world)
    assert not [q for q in queries if "DELETE FROM collect_tally" in q["sql"]]  # no recount
    # Importing the same files again stores nothing new and counts nothing twice.
    again = import_files(world.project, ALL_FILES, user=world.owner)
    assert again.imported == 0
    assert_tallies_match_the_posts(world)


def test_deleting_posts_takes_them_out_of_the_tallies_without_a_recount(world, monkeypatch):
    import_files(world.project, ALL_FILES[:2], user=world.owner)
    newest = world.project.posts.order_by("-id").first()
    top_author = whole_project(world, "authors")[0]["author"]

    def recount(project):
        raise AssertionError("the whole project was counted again")

    monkeypatch.setattr(tallies, "rebuild", recount)
    removed = governance.remove_deleted_on_platform(
        world.project, newest.platform, [("post", newest.platform_id)]
    )
    assert removed == 1
    governance.delete_author_posts(world.project, top_author, by=world.owner)

    # The dashboard's check finds the tallies current (or would recount, and fail here),
    # and they match counting the posts that are left.
    assert_tallies_match_the_posts(world)
    assert not Tally.objects.filter(project=world.project, figure="authors", value=top_author)


def test_deleting_an_authors_posts_keeps_the_tallies_right(world):
    import_files(world.project, ALL_FILES[:2], user=world.owner)
    top_author = whole_project(world, "authors")[0]
    posts_before = sum(row["posts"] for row in whole_project(world, "kinds"))
    governance.delete_author_posts(world.project, top_author["author"], by=world.owner)
    authors = [row["author"] for row in whole_project(world, "authors", limit=1000)]
    assert top_author["author"] not in authors
    after = sum(row["posts"] for row in whole_project(world, "kinds"))
    assert after == posts_before - top_author["posts"] == world.project.posts.count()
    assert_tallies_match_the_posts(world)


def test_posts_added_or_removed_outside_the_importer_are_noticed(world, sample):
    from tests.analyze.conftest import make_post

    assert rows(world, "hashtags")[0] == {"hashtag": "carers", "posts": 5}
    make_post(
        world.project, "x", "3001", "2024-05-01 10:00", "user-eve", "#carers again", tags=["carers"]
    )
    assert rows(world, "hashtags")[0] == {"hashtag": "carers", "posts": 6}  # a new post: recounted
    sample.p1.delete()
    assert rows(world, "hashtags")[0] == {"hashtag": "carers", "posts": 5}  # a deleted one too
    assert (
        Tally.objects.filter(project=world.project, figure="authors", value="user-ann").get().posts
        == 1
    )
