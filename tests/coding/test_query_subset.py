"""A coding query (A and B, not C) saved from the reports page becomes an analyze Subset."""

import pytest
from django.test import Client
from django.urls import reverse

from socialgood.analyze.filters import posts_for
from socialgood.analyze.models import Subset
from socialgood.coding import codings, queries
from socialgood.projects.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def coded(world, posts, codes):
    b, s, m = codes["burden"], codes["support"], codes["money"]
    for post, applied in [
        (posts[0], [b]),
        (posts[1], [b, s]),
        (posts[2], [b, s, m]),
        (posts[3], [s]),
        (posts[5], [m]),
    ]:
        for code in applied:
            codings.toggle(post, code, world.coder)
    return posts


def save(client, world, codes, name, **ids):
    data = {"name": name, **{k: [codes[n].pk for n in v] for k, v in ids.items()}}
    return client.post(reverse("coding_save_query", args=[world.project.slug]), data)


def test_saved_query_is_a_subset_with_the_same_posts(client, world, coded, codes):
    b, s, m = codes["burden"], codes["support"], codes["money"]
    expected = set(queries.coding_query(world.project, [b.pk, s.pk], [], [m.pk]))
    assert expected == {coded[1]}
    client.force_login(world.analyst)
    response = save(client, world, codes, "Burden and support, not money",
                    all=["burden", "support"], none=["money"])  # fmt: skip
    assert response.status_code == 302
    subset = Subset.objects.get(project=world.project, name="Burden and support, not money")
    assert subset.params == {"code": [str(b.pk), str(s.pk)], "not_code": [str(m.pk)]}
    assert set(posts_for(world.project, subset)) == expected

    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.create_for(world.analyst)}")
    body = api.get(f"/api/projects/{world.project.slug}/posts", {"subset": subset.pk}).json()
    assert [item["platform_id"] for item in body["items"]] == [coded[1].platform_id]

    page = client.get(response["Location"]).content.decode()
    assert "every analysis and export can now use it" in page
    browse = reverse("posts", args=[world.project.slug]) + f"?subset={subset.pk}"
    assert f'href="{browse}"' in page
    assert coded[1].text in client.get(browse).content.decode()


def test_any_of_query_matches_the_coding_report(client, world, coded, codes):
    s, m = codes["support"], codes["money"]
    client.force_login(world.analyst)
    save(client, world, codes, "Support or money", any=["support", "money"])
    subset = Subset.objects.get(project=world.project, name="Support or money")
    expected = set(queries.coding_query(world.project, [], [s.pk, m.pk], []))
    assert len(expected) == 4 and set(posts_for(world.project, subset)) == expected


def test_saving_needs_a_wanted_code_a_free_name_and_the_right_role(client, world, coded, codes):
    client.force_login(world.analyst)
    page = client.get(
        save(client, world, codes, "Only exclusions", none=["money"])["Location"]
    ).content.decode()
    assert "Choose at least one code the posts must have." in page
    save(client, world, codes, "Burden", all=["burden"])
    page = client.get(
        save(client, world, codes, "Burden", all=["support"])["Location"]
    ).content.decode()
    assert "There is already a subset called “Burden”" in page
    assert Subset.objects.get(project=world.project, name="Burden").params == {
        "code": [str(codes["burden"].pk)]
    }
    client.force_login(world.viewer)
    assert save(client, world, codes, "Viewer's", all=["burden"]).status_code == 403
    assert not Subset.objects.filter(name="Viewer's").exists()
