"""Posts by codes: coded with all of some codes, any of others, none of a third set.

On the six sample posts, with codes A, B and C (agreed coding):

    p1 A    p2 A B    p3 A B C    p4 B    p5 C    p6 (only a suggestion of A)
"""

import pytest
from django.urls import reverse

from socialgood.analyze.filters import FilterError, clean_params, posts_for
from socialgood.analyze.models import Subset
from socialgood.coding import codebook, codings
from socialgood.coding.models import Coding
from socialgood.projects.models import Project
from tests.analyze.test_browse import api, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def coded(world, sample):
    project, by = world.project, world.owner
    codes = {name: codebook.add_code(project, by=by, name=name) for name in "ABC"}
    for post, names in [
        (sample.p1, "A"),
        (sample.p2, "AB"),
        (sample.p3, "ABC"),
        (sample.p4, "B"),
        (sample.p5, "C"),
    ]:
        for name in names:
            codings.toggle(post, codes[name], world.coder)
    # A suggestion nobody accepted is not coding yet.
    Coding.objects.create(
        project=project, post=sample.p6, code=codes["A"], coder_name="rule",
        origin=Coding.Origin.RULE, status=Coding.Status.SUGGESTED,
    )  # fmt: skip
    sample.codes = {name: str(code.pk) for name, code in codes.items()}
    return sample


def names(sample, posts):
    by_id = {post.pk: f"p{n}" for n, post in enumerate(sample.all, start=1)}
    return sorted(by_id[post.pk] for post in posts)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"code": "A"}, ["p1", "p2", "p3"]),  # one code, as before
        ({"code": ["A", "B"]}, ["p2", "p3"]),  # repeated: all of them
        ({"code": "A,B"}, ["p2", "p3"]),  # comma-separated: all of them
        ({"code": ["A", "B"], "not_code": "C"}, ["p2"]),  # A and B, not C
        ({"code_any": ["B", "C"]}, ["p2", "p3", "p4", "p5"]),
        ({"code": "A", "code_any": ["B", "C"]}, ["p2", "p3"]),
        ({"not_code": "A"}, ["p4", "p5", "p6"]),  # the suggestion on p6 does not count
        ({"not_code": ["A", "C"]}, ["p4", "p6"]),
        ({"code": "B", "hashtag": "kinship"}, ["p3"]),  # with the other filters
    ],
)
def test_codes_combine(world, coded, query, expected):
    params = {
        field: [coded.codes[n] for n in (v if isinstance(v, list) else v.split(","))]
        if field in ("code", "code_any", "not_code")
        else v
        for field, v in query.items()
    }
    assert names(coded, posts_for(world.project, params)) == expected


def test_bad_codes_are_explained(world, coded):
    other = Project.objects.create(slug="elsewhere", name="Elsewhere")
    foreign = codebook.add_code(other, by=world.owner, name="Foreign")
    a = coded.codes["A"]
    for params, message in [
        ({"code": "burden"}, "code must be a whole number"),
        ({"not_code": "C3"}, "not_code must be a whole number"),
        ({"code_any": "999999"}, "no code with number 999999"),
        ({"code": str(foreign.pk)}, f"no code with number {foreign.pk} in this project"),
        ({"code": a, "not_code": a}, "both required and excluded"),
    ]:
        with pytest.raises(FilterError, match=message):
            posts_for(world.project, params)


def test_subsets_keep_code_combinations_and_old_single_codes(world, coded):
    a, b, c = (coded.codes[n] for n in "ABC")
    params = clean_params({"code": [a, b], "not_code": c})
    assert params == {"code": [a, b], "not_code": [c]}
    subset = Subset.objects.create(project=world.project, name="A and B, not C", params=params)
    assert names(coded, posts_for(world.project, subset)) == ["p2"]
    # Subsets saved while `code` took one value stored it as a plain string.
    old = Subset.objects.create(project=world.project, name="Old", params={"code": a})
    assert names(coded, posts_for(world.project, old)) == ["p1", "p2", "p3"]


def test_browser_address_saves_and_narrows_a_subset(world, coded):
    a, b, c = (coded.codes[n] for n in "ABC")
    client = client_for(world)
    url = reverse("posts", args=[world.project.slug])
    page = client.get(url, {"code": [a, b], "not_code": c}).content.decode()
    assert coded.p2.text in page and coded.p3.text not in page and coded.p1.text not in page
    assert f'<option value="{c}" selected>C</option>' in page  # the form shows the query
    response = client.post(
        reverse("subsets", args=[world.project.slug]),
        {"name": "Coded A and B", "code": [a, b]},
    )
    assert response.status_code == 302
    saved = Subset.objects.get(project=world.project, name="Coded A and B")
    assert saved.params == {"code": [a, b]}
    # A subset of it with "not C" stores the combined filter.
    client.post(
        reverse("subsets", args=[world.project.slug]),
        {"name": "Narrower", "subset": saved.pk, "not_code": c},
    )
    narrower = Subset.objects.get(project=world.project, name="Narrower")
    assert narrower.params == {"code": [a, b], "not_code": [c]}
    assert names(coded, posts_for(world.project, narrower)) == ["p2"]
    bad = client.get(url, {"code": "999999"}).content.decode()
    assert "There is no code with number 999999 in this project." in bad


def test_api_posts_by_code_combination(world, coded):
    a, b, c = (coded.codes[n] for n in "ABC")
    client = api(world)
    url = f"/api/projects/{world.project.slug}/posts"
    body = client.get(url, {"code": [a, b], "not_code": c}).json()
    assert [item["platform_id"] for item in body["items"]] == [coded.p2.platform_id]
    body = client.get(url, {"code": f"{a},{b}"}).json()
    assert {item["platform_id"] for item in body["items"]} == {
        coded.p2.platform_id,
        coded.p3.platform_id,
    }
    response = client.get(url, {"code_any": "999999"})
    assert response.status_code == 422 and "no code with number" in response.json()["detail"]
