"""Codebook edits, the coding screen, memos, suggestions, reports and exports."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from socialgood.coding import autocode, codebook, codings, queries
from socialgood.coding.models import AutoRule, Code, CodebookVersion, Coding, Memo
from socialgood.projects.models import ApiToken

from .conftest import make_post


def test_merge_moves_codings_and_children_then_retires(world, posts, codes):
    child = codebook.add_code(
        world.project, by=world.owner, name="Cost of care", parent=codes["money"]
    )
    codings.toggle(posts[2], codes["money"], world.coder)
    moved = codebook.merge(codes["money"], codes["burden"], by=world.owner)
    assert moved == 1
    codes["money"].refresh_from_db()
    child.refresh_from_db()
    assert codes["money"].retired_at is not None and codes["money"].merged_into == codes["burden"]
    assert child.parent == codes["burden"]
    assert Coding.objects.get(post=posts[2]).code == codes["burden"]
    assert [c.name for c, _ in codebook.tree(world.project)] == [
        "Burden",
        "Cost of care",
        "Support",
    ]
    with pytest.raises(codebook.CodebookError, match="own sub-codes"):
        codebook.merge(codes["burden"], child, by=world.owner)


def test_split_reorder_retire(world, codes):
    new = codebook.split(codes["burden"], ["Exhaustion", " ", "No breaks"], by=world.owner)
    assert [c.name for c in new] == ["Exhaustion", "No breaks"]
    assert all(c.parent == codes["burden"] for c in new)
    codebook.move(codes["money"], -1, by=world.owner)
    assert [c.name for c, d in codebook.tree(world.project) if d == 0] == [
        "Burden",
        "Money",
        "Support",
    ]
    codebook.retire(codes["support"], by=world.owner)
    assert "Support" not in [c.name for c in codebook.codable_codes(world.project)]
    with pytest.raises(codebook.CodebookError, match="colour"):
        codebook.add_code(world.project, by=world.owner, name="X", colour="reddish")


def test_codebook_editing_needs_manage_codebook(client, world):
    url = reverse("coding_codebook", args=[world.project.slug])
    for user, status in [(world.coder, 403), (world.viewer, 403), (world.analyst, 302)]:
        client.force_login(user)
        assert (
            client.post(url, {"name": f"By {user.username}", "colour": "#112233"}).status_code
            == status
        )
    assert list(Code.objects.values_list("name", flat=True)) == ["By arun"]


def test_coding_screen_shows_post_like_its_platform_and_codes_by_keys(client, world, posts, codes):
    reply = make_post(
        world.project,
        20,
        "Same here, hang in there",
        reply_to=posts[1].platform_id,
        platform="bluesky",
    )
    client.force_login(world.coder)
    url = reverse("coding_screen", args=[world.project.slug])
    page = client.get(url + f"?post={posts[1].pk}")
    html = page.content.decode()
    assert "A group of people in a circle" in html  # media alt text
    assert "hang in there" in html  # thread context
    assert 'data-key="1"' in html and "coding.js" in html
    toggle = reverse("coding_toggle", args=[world.project.slug, posts[1].pk])
    response = client.post(toggle, {"code": codes["support"].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    # A browser selection of the emoji, in UTF-16 units, cut in the middle
    text = posts[1].text
    nurse = text.index("👩🏽‍⚕️")
    start16 = len(text[:nurse].encode("utf-16-le")) // 2
    client.post(
        toggle,
        {"code": codes["burden"].pk, "start": start16 + 1, "end": start16 + 3},
        HTTP_HX_REQUEST="true",
    )
    span = Coding.objects.get(post=posts[1], code=codes["burden"])
    assert span.quote == "👩🏽‍⚕️"
    # u: undo the last action, then the one before
    client.post(reverse("coding_undo", args=[world.project.slug]), {"post": posts[1].pk})
    assert not Coding.objects.filter(post=posts[1], code=codes["burden"]).exists()
    client.post(toggle, {"code": codes["support"].pk})  # pressing the key again removes the code
    assert not Coding.objects.filter(post=posts[1]).exists()
    client.post(reverse("coding_undo", args=[world.project.slug]), {"post": posts[1].pk})
    assert Coding.objects.filter(post=posts[1], code=codes["support"]).exists()
    # j: the next post in time order (posts[1] is from February, like posts[3])
    assert f"?post={posts[3].pk}" in client.get(url + f"?post={posts[1].pk}").content.decode()
    assert reply.pk


def test_viewers_cannot_code(client, world, posts, codes):
    client.force_login(world.viewer)
    toggle = reverse("coding_toggle", args=[world.project.slug, posts[0].pk])
    assert client.post(toggle, {"code": codes["burden"].pk}).status_code == 403
    assert not Coding.objects.exists()


def test_memos_on_project_code_post_and_coding_keep_author_and_time(client, world, posts, codes):
    codings.toggle(posts[0], codes["burden"], world.coder)
    coding = Coding.objects.get()
    client.force_login(world.coder)
    url = reverse("coding_memos", args=[world.project.slug])
    for target, extra in [
        ("project", {}),
        ("code", {"code": codes["burden"].pk}),
        ("post", {"post": posts[0].pk}),
        ("coding", {"coding": coding.pk}),
    ]:
        assert (
            client.post(url, {"target": target, "text": f"About the {target}", **extra}).status_code
            == 302
        )
    memos = {m.target: m for m in Memo.objects.all()}
    assert set(memos) == {"project", "code", "post", "coding"}
    assert memos["coding"].post == posts[0] and memos["code"].code == codes["burden"]
    assert all(m.author == world.coder and m.created_at for m in memos.values())
    assert "About the post" in client.get(url).content.decode()


def test_rules_suggest_and_a_person_decides(world, posts, codes):
    rule = AutoRule.objects.create(
        project=world.project, code=codes["burden"], kind="hashtag", pattern="#Carers"
    )
    assert autocode.run_rule(rule, by=world.owner) == 3
    assert autocode.run_rule(rule, by=world.owner) == 0  # never suggests twice
    keyword = AutoRule.objects.create(
        project=world.project, code=codes["money"], kind="keyword", pattern="allowance"
    )
    assert autocode.run_rule(keyword, by=world.owner) == 2
    regex_rule = AutoRule.objects.create(
        project=world.project, code=codes["support"], kind="regex", pattern=r"nurse|support"
    )
    assert autocode.run_rule(regex_rule, by=world.owner) == 2
    dated = AutoRule.objects.create(
        project=world.project, code=codes["support"], kind="date", pattern="2026-02-01.."
    )
    assert (
        autocode.run_rule(dated, by=world.owner) == 1
    )  # three February posts, two already suggested
    with pytest.raises(autocode.AutoCodeError, match="regular expression"):
        autocode.check_rule("regex", "([")
    suggestion = Coding.objects.filter(rule=rule).first()
    assert suggestion.status == "suggested" and suggestion.origin == "rule"
    assert queries.frequencies(world.project)[0]["posts"] == 0  # suggestions do not count
    autocode.review(suggestion, True, by=world.coder)
    assert queries.frequencies(world.project)[0]["posts"] == 1


def test_classifier_reports_cross_validated_quality_and_suggests(world, codes):
    texts_yes = [f"so tired no break day {i} exhausted caring" for i in range(8)]
    texts_no = [f"lovely walk in the park number {i} sunny" for i in range(8)]
    made = [make_post(world.project, 100 + i, t) for i, t in enumerate(texts_yes + texts_no)]
    for post in made[:8]:
        codings.toggle(post, codes["burden"], world.coder)
    for post in made[8:]:
        codings.toggle(post, codes["support"], world.coder)
    fresh = make_post(world.project, 200, "exhausted and tired, no break at all")
    report = autocode.train_and_suggest(world.project, by=world.owner)
    burden = next(r for r in report["codes"] if r["code"] == "Burden")
    assert burden["precision"] == 1.0 and burden["recall"] == 1.0
    assert burden["alpha"] == pytest.approx(1.0)
    assert "skipped" in next(r for r in report["codes"] if r["code"] == "Money")
    suggestion = Coding.objects.get(post=fresh, code=codes["burden"])
    assert (
        suggestion.origin == "model"
        and suggestion.status == "suggested"
        and 0.5 <= suggestion.confidence <= 1
    )


def test_reports_cooccurrence_matrix_query_and_exemplars(client, world, posts, codes):
    b, s, m = codes["burden"], codes["support"], codes["money"]
    for post, applied in [
        (posts[0], [b]),
        (posts[1], [s, b]),
        (posts[2], [m]),
        (posts[4], [b]),
        (posts[5], [m, b]),
    ]:
        for code in applied:
            codings.toggle(post, code, world.coder)
    freq = {row["code"].name: row["posts"] for row in queries.frequencies(world.project)}
    assert freq == {"Burden": 4, "Support": 1, "Money": 2}
    names, matrix = queries.cooccurrence(world.project)
    assert matrix[0][0] == 4 and matrix[0][2] == 1  # Burden with Money once
    columns, rows = queries.matrix_by(world.project, "platform")
    assert columns == ["bluesky", "mastodon"] and rows[0][1] == [2, 2]
    columns, rows = queries.matrix_by(world.project, "month")
    assert columns == ["2026-01", "2026-02"]
    found = queries.coding_query(world.project, all_of=[b.pk], none_of=[m.pk])
    assert set(found) == {posts[0], posts[1], posts[4]}
    quote = queries.exemplars(world.project, b)[0]
    assert quote["public"] is True
    client.force_login(world.analyst)
    page = client.get(reverse("coding_code", args=[world.project.slug, b.pk])).content.decode()
    assert "paraphrase before publishing" in page
    data = client.get(reverse("coding_matrix", args=[world.project.slug, "csv"])).content.decode()
    table = list(csv.reader(io.StringIO(data)))
    assert table[0][:4] == ["post_id", "platform", "created_at", "author"]
    assert table[0][4:] == ["burden_1", "support_2", "money_3"] and len(table) == 6
    xlsx = client.get(reverse("coding_matrix", args=[world.project.slug, "xlsx"])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.max_row == 6
    page = client.get(
        reverse("coding_reports", args=[world.project.slug]) + f"?all={b.pk}&none={m.pk}"
    )
    assert "3 posts match" in page.content.decode()


def test_api_codebook_and_codings(client, world, posts, codes):
    api = f"/api/projects/{world.project.slug}"
    analyst = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.create_for(world.analyst)}"}
    coder = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.create_for(world.coder)}"}
    assert [c["name"] for c in client.get(f"{api}/codes", **coder).json()] == [
        "Burden",
        "Support",
        "Money",
    ]
    created = client.post(
        f"{api}/codes",
        {"name": "Hope", "colour": "#00aa00"},
        content_type="application/json",
        **analyst,
    )
    assert created.status_code == 201
    assert (
        client.post(
            f"{api}/codes", {"name": "No"}, content_type="application/json", **coder
        ).status_code
        == 403
    )
    text = posts[1].text
    nurse16 = len(text[: text.index("👩🏽‍⚕️")].encode("utf-16-le")) // 2
    body = {
        "post": posts[1].pk,
        "code": codes["support"].pk,
        "start": nurse16,
        "end": nurse16 + 7,
        "utf16": True,
    }
    made = client.post(f"{api}/codings", body, content_type="application/json", **coder)
    assert made.status_code == 201
    coding = Coding.objects.get(pk=made.json()["id"])
    assert coding.quote == "👩🏽‍⚕️"
    listed = client.get(f"{api}/codings?post={posts[1].pk}", **analyst).json()
    assert [(c["coder"], c["start"], c["end"]) for c in listed] == [
        ("chen", coding.start, coding.end)
    ]


@pytest.mark.parametrize("role", ["owner", "analyst", "coder", "viewer"])
def test_every_coding_page_opens_for_every_member(client, world, posts, codes, role):
    from socialgood.coding import rounds

    codings.toggle(posts[0], codes["burden"], world.coder)
    round_ = rounds.create_round(
        world.project, by=world.owner, name="R", coders=[world.coder, world.analyst], size=2, seed=1
    )
    rounds.close_round(round_, by=world.owner)
    client.force_login(world.user(role))
    slug = world.project.slug
    for name, args in [
        ("coding_codebook", []),
        ("coding_code", [codes["burden"].pk]),
        ("coding_screen", []),
        ("coding_memos", []),
        ("coding_rounds", []),
        ("coding_round", [round_.pk]),
        ("coding_disagreements", [round_.pk]),
        ("coding_exchange", []),
        ("coding_suggestions", []),
        ("coding_reports", []),
    ]:
        response = client.get(reverse(name, args=[slug, *args]))
        assert response.status_code == 200, name
    assert client.get(reverse("coding_screen", args=[slug]) + "?hashtag=carers").status_code == 200
    client.force_login(world.outsider)
    assert client.get(reverse("coding_codebook", args=[slug])).status_code == 404


def test_training_report_shows_on_the_suggestions_page(client, world, codes):
    for i in range(6):
        codings.toggle(
            make_post(world.project, 300 + i, f"tired exhausted {i}"), codes["burden"], world.coder
        )
        codings.toggle(
            make_post(world.project, 320 + i, f"sunny walk {i}"), codes["support"], world.coder
        )
    client.force_login(world.analyst)
    page = client.post(
        reverse("coding_suggestions", args=[world.project.slug]), {"action": "train"}
    )
    html = page.content.decode()
    assert 'id="classifier-report"' in html and "Skipped: needs at least 5" in html


def test_coding_pages_say_the_time_zone_of_their_times(client, world, posts, codes):
    moment = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)
    slug = world.project.slug
    CodebookVersion.objects.create(
        project=world.project, number=1, codes=[], note="Before round 1", created_at=moment
    )
    for target, about in [("code", {"code": codes["burden"]}), ("post", {"post": posts[0]})]:
        Memo.objects.create(
            project=world.project,
            target=target,
            text=f"About the {target}",
            author_name="chen",
            created_at=moment,
            **about,
        )
    client.force_login(world.coder)
    memo_time = "chen, 27 Nov 2026 14:05 UTC</p>"

    codebook_page = client.get(reverse("coding_codebook", args=[slug])).content.decode()
    assert "Version 1 — Before round 1 (27 Nov 2026 14:05 UTC, 0 codes)" in codebook_page
    code_page = client.get(reverse("coding_code", args=[slug, codes["burden"].pk]))
    assert memo_time in code_page.content.decode()
    memos_page = client.get(reverse("coding_memos", args=[slug])).content.decode()
    assert ">27 Nov 2026 14:05 UTC</time>" in memos_page
    screen = client.get(reverse("coding_screen", args=[slug]) + f"?post={posts[0].pk}")
    screen_page = screen.content.decode()
    assert ">1 Jan 2026 09:00 UTC</time>" in screen_page  # when it was posted
    assert memo_time in screen_page
