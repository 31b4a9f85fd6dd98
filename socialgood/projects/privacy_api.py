"""API for governance: re-identification (owners, with a reason), the audit log, the data statement."""

from datetime import date, datetime

from django.http import HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError

from socialgood.api.views import project_for
from socialgood.projects import governance
from socialgood.projects.auditlog import AuditFilterForm
from socialgood.projects.datastatement import data_statement_markdown
from socialgood.projects.models import AuditEvent

router = Router(tags=["privacy"])


class RevealIn(Schema):
    pseudonym: str
    reason: str


class RevealOut(Schema):
    pseudonym: str
    platform: str | None = None
    id: str | None = None
    handle: str | None = None
    display_name: str | None = None
    earlier_display_names: list[str] = []  # the last few before display_name, oldest first


class AuditEventOut(Schema):
    at: datetime
    who: str
    action: str
    description: str
    about: str
    details: dict


@router.post("/projects/{slug}/reidentify", response=RevealOut)
def reidentify(request, slug: str, data: RevealIn):
    """Reveal the original account behind a pseudonym. Owners only; the act is audited."""
    project = project_for(request, slug)
    try:  # refuses (403) and audits anyone but an owner
        original = governance.reveal_person(
            project, data.pseudonym, by=request.user, reason=data.reason
        )
    except governance.GovernanceProblem as problem:
        raise HttpError(422, str(problem)) from None
    return RevealOut(pseudonym=data.pseudonym.strip(), **original)


@router.get("/projects/{slug}/audit", response=list[AuditEventOut])
def audit_log(
    request,
    slug: str,
    person: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
):
    """The project's audit log, newest first (owners only), with the page's filters."""
    project = project_for(request, slug, "view_audit_log")
    events = AuditEvent.objects.filter(project=project)
    form = AuditFilterForm(
        {"person": person, "action": action, "since": since, "until": until}, events=events
    )
    if not form.is_valid():
        raise HttpError(422, "; ".join(e for errors in form.errors.values() for e in errors))
    return [
        AuditEventOut(
            at=e.at,
            who=e.actor_name,
            action=e.action,
            description=e.description,
            about=e.target,
            details=e.details,
        )
        for e in form.filter(events)[:1000]
    ]


@router.get("/projects/{slug}/data-statement")
def data_statement(request, slug: str):
    """The project's data statement as Markdown."""
    project = project_for(request, slug)
    AuditEvent.record(
        request.user, project, "datastatement.download", target=project.slug, format="md"
    )
    return HttpResponse(
        data_statement_markdown(project), content_type="text/markdown; charset=utf-8"
    )
