"""Coding rounds: reproducible samples, blind coding in pages and API, reliability, adjudication."""

import pytest
from django.urls import reverse

from socialgood.coding import codebook, codings, rounds, sampling
from socialgood.coding.models import Code, Coding
from socialgood.projects.models import ApiToken


def test_samples_are_reproducible_and_stratified_proportionally():
    units = [(i, "bluesky" if i < 60 else "reddit") for i in range(100)]
    first = sampling.stratified_sample(units, 10, seed=7)
    assert first == sampling.stratified_sample(list(reversed(units)), 10, seed=7)
    assert sampling.allocation(first, units) == {"bluesky": 6, "reddit": 4}
    assert sampling.stratified_sample(units, 10, seed=8) != first
    assert sampling.random_sample(range(50), 5, seed=1) == sampling.random_sample(
        range(49, -1, -1), 5, seed=1
    )


@pytest.fixture
def round_(world, posts, codes):
    return rounds.create_round(
        world.project,
        by=world.owner,
        name="Pilot",
        coders=[world.coder, world.analyst],
        size=4,
        seed=42,
        stratify="platform",
    )


def code_round(round_, coder, plan):
    """plan: {unit position: [code, ...]}; marks each unit done."""
    units = list(round_.units.select_related("post"))
    for position, code_list in plan.items():
        post = units[position].post
        for code in code_list:
            codings.toggle(post, code, coder, round_=round_)
        rounds.mark_done(round_, post, coder)


def test_starting_a_round_freezes_the_codebook(world, round_, codes):
    assert round_.units.count() == 4
    assert round_.sample["allocation"] == {"bluesky": 2, "mastodon": 2}
    assert round_.codebook_version.number == 1
    with pytest.raises(codebook.CodebookError, match="open coding round"):
        codebook.merge(codes["money"], codes["burden"], by=world.owner)
    # a code added later is not part of the round's version
    late = codebook.add_code(world.project, by=world.owner, name="Late idea")
    post = round_.units.first().post
    with pytest.raises(codings.CodingError, match="not in this round"):
        codings.toggle(post, late, world.coder, round_=round_)


def test_only_assigned_coders_code_a_round_and_only_its_posts(world, round_, codes, posts):
    post = round_.units.first().post
    with pytest.raises(codings.CodingError, match="not a coder"):
        codings.toggle(post, codes["burden"], world.owner, round_=round_)
    outside = next(p for p in posts if not round_.units.filter(post=p).exists())
    with pytest.raises(codings.CodingError, match="not part of the round"):
        codings.toggle(outside, codes["burden"], world.coder, round_=round_)


def test_blind_round_hides_other_coders_in_pages_and_api(client, world, round_, codes):
    code_round(round_, world.coder, {0: [codes["burden"]], 1: [codes["support"]]})
    code_round(round_, world.analyst, {0: [codes["money"]], 1: [codes["support"]]})
    post = round_.units.first().post

    client.force_login(world.coder)
    page = client.get(
        reverse("coding_screen", args=[world.project.slug]) + f"?round={round_.pk}&post={post.pk}"
    )
    assert page.status_code == 200
    assert b"Burden" in page.content.split(b'id="applied-codes"')[1]
    assert b"Money" not in page.content.split(b'id="applied-codes"')[1]
    assert (
        client.get(
            reverse("coding_disagreements", args=[world.project.slug, round_.pk])
        ).status_code
        == 403
    )
    assert (
        b"overall-alpha"
        not in client.get(reverse("coding_round", args=[world.project.slug, round_.pk])).content
    )

    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.create_for(world.coder)}"}
    api = f"/api/projects/{world.project.slug}"
    listed = client.get(f"{api}/codings?round={round_.pk}", **headers).json()
    assert {c["coder"] for c in listed} == {"chen"} and len(listed) == 2
    assert client.get(f"{api}/rounds/{round_.pk}/reliability", **headers).status_code == 403
    viewer = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.create_for(world.viewer)}"}
    assert client.get(f"{api}/codings?round={round_.pk}", **viewer).status_code == 403

    # A viewer who is not in the round sees nobody's codes while it is blind.
    client.force_login(world.viewer)
    page = client.get(
        reverse("coding_screen", args=[world.project.slug]) + f"?round={round_.pk}&post={post.pk}"
    )
    applied = page.content.split(b'id="applied-codes"')[1]
    assert b"Burden" not in applied and b"Money" not in applied

    # The owner manages the round without coding in it: sees everything.
    client.force_login(world.owner)
    assert (
        client.get(
            reverse("coding_disagreements", args=[world.project.slug, round_.pk])
        ).status_code
        == 200
    )
    # After closing, the coders see each other's codes too.
    rounds.close_round(round_, by=world.owner)
    client.force_login(world.coder)
    page = client.get(
        reverse("coding_screen", args=[world.project.slug]) + f"?round={round_.pk}&post={post.pk}"
    )
    assert b"Money" in page.content.split(b'id="applied-codes"')[1]
    assert (
        client.get(
            reverse("coding_disagreements", args=[world.project.slug, round_.pk])
        ).status_code
        == 200
    )


def test_reliability_disagreements_and_adjudication(world, round_, codes):
    b, s, m = codes["burden"], codes["support"], codes["money"]
    code_round(round_, world.coder, {0: [b], 1: [s], 2: [m], 3: []})
    code_round(round_, world.analyst, {0: [b], 1: [s, b], 2: [m], 3: []})
    report = rounds.reliability_report(round_, bootstrap=200)
    assert report["coders"] == ["arun", "chen"] and report["units"] == 4
    per_code = {row["code"]["name"]: row for row in report["per_code"]}
    assert per_code["Support"]["alpha"] == pytest.approx(1.0)
    assert per_code["Money"]["percent_agreement"] == 1.0
    assert per_code["Burden"]["percent_agreement"] == 0.75
    # pooled over 4 posts x 3 codes: 11 of 12 decisions agree
    assert report["overall"]["percent_agreement"] == pytest.approx(11 / 12)
    assert (
        report["overall"]["alpha_low"]
        <= report["overall"]["alpha"]
        <= report["overall"]["alpha_high"]
    )
    assert report["overall"]["cohen_kappa"] is not None

    contested = rounds.disagreements(round_)
    assert len(contested) == 1
    unit, by_coder = contested[0]
    assert [c["name"] for c in by_coder["arun"]] == ["Burden", "Support"]
    rounds.adjudicate(round_, unit, [s.id], by=world.owner)
    agreed = Coding.objects.filter(round=round_, origin="adjudicated")
    assert [(c.post_id, c.code_id) for c in agreed] == [(unit.post_id, s.id)]
    unit.refresh_from_db()
    assert unit.adjudicated_by == world.owner


def test_unfinished_units_count_as_missing_not_as_agreement(world, round_, codes):
    code_round(round_, world.coder, {0: [codes["burden"]], 1: []})
    code_round(round_, world.analyst, {0: [codes["burden"]]})
    applied = rounds.applied_codes(round_)
    second = round_.units.all()[1].post_id
    assert applied[second] == {"chen": set()}


def test_a_round_can_be_drawn_from_a_saved_subset(client, world, posts, codes):
    from socialgood.analyze.models import Subset

    subset = Subset.objects.create(
        project=world.project, name="Carers", params={"hashtag": ["carers"]}
    )
    client.force_login(world.owner)
    data = {
        "name": "Carers only",
        "coders": [world.coder.pk],
        "size": 10,
        "seed": 1,
        "subset": subset.pk,
    }
    assert client.post(reverse("coding_rounds", args=[world.project.slug]), data).status_code == 302
    round_ = world.project.coding_rounds.get()
    assert round_.units.count() == 3 and round_.sample["filter"] == {"subset": str(subset.pk)}


def test_round_pages_need_the_right_role(client, world, posts, codes):
    url = reverse("coding_rounds", args=[world.project.slug])
    data = {
        "name": "R",
        "coders": [world.coder.pk],
        "size": 3,
        "seed": 1,
        "stratify": "",
        "blind": "on",
    }
    client.force_login(world.coder)
    assert client.post(url, data).status_code == 403
    client.force_login(world.analyst)
    assert client.post(url, data).status_code == 302
    assert world.project.coding_rounds.get().units.count() == 3
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    assert Code.objects.filter(project=world.project).count() == 3


def test_api_runs_a_round_from_start_to_reliability(client, world, posts, codes):
    api = f"/api/projects/{world.project.slug}"
    owner = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.create_for(world.owner)}"}
    coder = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.create_for(world.coder)}"}
    analyst = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.create_for(world.analyst)}"}
    body = {"name": "API round", "coders": ["chen", "arun"], "size": 2, "seed": 3}
    assert (
        client.post(f"{api}/rounds", body, content_type="application/json", **coder).status_code
        == 403
    )
    made = client.post(f"{api}/rounds", body, content_type="application/json", **owner)
    assert made.status_code == 201 and made.json()["units"] == 2
    round_id = made.json()["id"]
    versions = client.get(f"{api}/codebook/versions", **coder).json()
    assert versions[0]["number"] == 1 and len(versions[0]["codes"]) == 3
    post_ids = list(
        rounds.CodingRound.objects.get(pk=round_id).units.values_list("post_id", flat=True)
    )
    for headers in (coder, analyst):
        for post_id in post_ids:
            coded = {"post": post_id, "code": codes["burden"].pk, "round": round_id}
            assert (
                client.post(
                    f"{api}/codings", coded, content_type="application/json", **headers
                ).status_code
                == 201
            )
            done = client.post(f"{api}/rounds/{round_id}/posts/{post_id}/done", **headers)
            assert done.status_code == 200
    assert client.get(f"{api}/rounds/{round_id}/reliability", **coder).status_code == 403
    assert client.post(f"{api}/rounds/{round_id}/close", **owner).json()["status"] == "closed"
    report = client.get(f"{api}/rounds/{round_id}/reliability", **coder).json()
    assert report["units"] == 2 and report["overall"]["percent_agreement"] == 1.0
    burden = next(r for r in report["per_code"] if r["code"]["name"] == "Burden")
    assert burden["applied"] == 4 and burden["alpha"] is None  # no variation: undefined, not 1
    qdc = client.get(f"{api}/codebook.qdc", **owner)
    assert qdc.status_code == 200 and b"urn:QDA-XML:codebook:1.0" in qdc.content
