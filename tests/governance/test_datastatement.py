"""The data statement: generated from the records, as Markdown and PDF, naming no one."""

import pytest
from django.urls import reverse

from socialgood.projects.datastatement import data_statement_markdown, data_statement_pdf
from socialgood.projects.models import AuditEvent
from tests.governance.conftest import PEOPLE

pytestmark = pytest.mark.django_db


def test_the_statement_reports_what_was_recorded(imported):
    project = imported.project
    project.consent_basis = "Public posts; waiver of consent granted by the IRB"
    project.save()
    text = data_statement_markdown(project)
    run = imported.run
    file = run.files[0]
    for expected in [
        "# Data statement: Caregiver voices",
        "## Sources",
        f"| search.jsonl | {file['format']} |",
        file["sha256"][:16],
        "## What was stored",
        "5 posts by 3 distinct authors, written between 2026-03-01 and 2026-03-05",
        "| bluesky | post | 5 |",
        "Parser (mapper) versions",
        "## Privacy transforms and safeguards",
        "keyed pseudonyms",
        "E-mail addresses and phone numbers removed from text: yes (4 removed)",  # 2 + 2
        "Original platform records (raw payloads) kept: no.",
        "no retention date is set",
        "Exports may be made by: owners and analysts.",
        "## Who had access",
        "| olive | Owner |",
        "| arun | Analyst |",
        "| vera | Viewer |",
        "## Ethics checklist",
        "[x] Ethics approval reference: IRB-2026-014",
        "[x] Consent basis: Public posts; waiver of consent granted by the IRB",
        "[ ] Platform terms and agreements: not recorded",
    ]:
        assert expected in text, expected
    mapper = project.posts.values_list("mapper", flat=True).first()
    assert f"| {mapper} | 5 |" in text
    for person in PEOPLE:
        for identifier in person.identifiers():
            assert identifier not in text


def test_a_former_member_is_listed(world):
    world.project.remove_member(world.project.memberships.get(user=world.coder), by=world.owner)
    assert "| chen | former member |" in data_statement_markdown(world.project)


def test_the_pdf_is_a_pdf_with_the_statement(imported):
    pdf = data_statement_pdf(imported.project)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("md", "text/markdown"), ("pdf", "application/pdf")]
)
def test_members_download_it_and_the_download_is_audited(client, imported, fmt, content_type):
    client.force_login(imported.coder)
    response = client.get(reverse("datastatement", args=[imported.project.slug]), {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert f"data-statement-caregiver-voices.{fmt}" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="datastatement.download")
    assert event.actor_name == "chen" and event.details["format"] == fmt


def test_owners_fill_in_the_ethics_checklist_others_cannot(client, world):
    url = reverse("datastatement", args=[world.project.slug])
    data = {
        "ethics_reference": "IRB-2026-014",
        "consent_basis": "Public posts only",
        "platform_terms": "Bluesky terms of service; removed posts deleted monthly",
    }
    client.force_login(world.analyst)
    assert client.post(url, data).status_code == 403
    client.force_login(world.owner)
    assert client.post(url, data).status_code == 302
    world.project.refresh_from_db()
    assert world.project.platform_terms.startswith("Bluesky terms")
    assert AuditEvent.objects.filter(action="ethics.change").count() == 1
    page = client.get(url).content.decode()
    assert "[x] Platform terms and agreements: Bluesky terms of service" in page


def test_a_subset_gets_its_own_statement(imported):
    from socialgood.analyze.models import Subset

    subset = Subset.objects.create(
        project=imported.project, name="Burnout", params={"q": "burnout"}
    )
    text = data_statement_markdown(imported.project, subset)
    assert "subset “Burnout”" in text
    assert "1 posts by 1 distinct authors" in text


def test_the_page_offers_each_subset(client, imported):
    from socialgood.analyze.models import Subset

    subset = Subset.objects.create(
        project=imported.project, name="Burnout", params={"q": "burnout"}
    )
    client.force_login(imported.viewer)
    url = reverse("datastatement", args=[imported.project.slug])
    assert f'href="?subset={subset.pk}"' in client.get(url).content.decode()
    page = client.get(url, {"subset": subset.pk}).content.decode()
    assert "subset “Burnout”" in page
