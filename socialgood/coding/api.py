"""API for coding: codebooks, codings, rounds and reliability (blind rounds enforced here too)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from socialgood.api.views import project_for
from socialgood.coding import codebook, codings, rounds
from socialgood.coding.models import Code, Coding, CodingRound
from socialgood.coding.offsets import span_from_browser
from socialgood.collect.models import Post

router = Router(tags=["coding"])


class CodeOut(Schema):
    id: int
    guid: str
    name: str
    parent: int | None
    definition: str
    inclusion: str
    exclusion: str
    examples: str
    colour: str
    is_codable: bool
    retired: bool


class CodeIn(Schema):
    name: str
    parent: int | None = None
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples: str = ""
    colour: str = "#3b73b9"


class CodingOut(Schema):
    id: int
    post: int
    code: int
    start: int | None
    end: int | None
    coder: str
    round: int | None
    origin: str
    status: str
    created_at: datetime


class CodingIn(Schema):
    post: int
    code: int
    round: int | None = None
    start: int | None = None
    end: int | None = None
    utf16: bool = False  # positions counted as a browser counts them


class RoundOut(Schema):
    id: int
    name: str
    status: str
    blind: bool
    seed: int
    codebook_version: int
    coders: list[str]
    units: int


def code_out(code):
    return CodeOut(
        id=code.pk,
        guid=code.guid,
        name=code.name,
        parent=code.parent_id,
        definition=code.definition,
        inclusion=code.inclusion,
        exclusion=code.exclusion,
        examples=code.examples,
        colour=code.colour,
        is_codable=code.is_codable,
        retired=code.retired_at is not None,
    )


def coding_out(c):
    return CodingOut(
        id=c.pk,
        post=c.post_id,
        code=c.code_id,
        start=c.start,
        end=c.end,
        coder=c.coder_name,
        round=c.round_id,
        origin=c.origin,
        status=c.status,
        created_at=c.created_at,
    )


def round_out(r):
    return RoundOut(
        id=r.pk,
        name=r.name,
        status=r.status,
        blind=r.blind,
        seed=r.seed,
        codebook_version=r.codebook_version.number,
        coders=[u.username for u in r.coders.order_by("username")],
        units=r.units.count(),
    )


@router.get("/projects/{slug}/codes", response=list[CodeOut])
def list_codes(request, slug: str, retired: bool = False):
    project = project_for(request, slug, "view_posts")
    return [code_out(c) for c, _ in codebook.tree(project, include_retired=retired)]


@router.post("/projects/{slug}/codes", response={201: CodeOut})
def add_code(request, slug: str, data: CodeIn):
    project = project_for(request, slug, "manage_codebook")
    parent = get_object_or_404(Code, project=project, pk=data.parent) if data.parent else None
    fields = data.dict(exclude={"parent", "name"})
    try:
        code = codebook.add_code(project, by=request.user, name=data.name, parent=parent, **fields)
    except codebook.CodebookError as error:
        raise HttpError(422, str(error)) from None
    return 201, code_out(code)


class VersionOut(Schema):
    number: int
    note: str
    created_at: datetime
    codes: list[dict]


@router.get("/projects/{slug}/codebook/versions", response=list[VersionOut])
def list_versions(request, slug: str):
    """Frozen codebook versions, newest first: what each round was coded with."""
    project = project_for(request, slug, "view_posts")
    return [
        VersionOut(number=v.number, note=v.note, created_at=v.created_at, codes=v.codes)
        for v in project.codebook_versions.all()
    ]


@router.get("/projects/{slug}/codebook.qdc")
def export_codebook(request, slug: str):
    """The codebook as a REFI-QDA .qdc file (for NVivo, ATLAS.ti, MAXQDA)."""
    project = project_for(request, slug, "export")
    try:
        data = codebook.export_qdc(project, by=request.user)
    except ValueError as error:
        raise HttpError(422, str(error)) from None
    response = HttpResponse(data, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{project.slug}-codebook.qdc"'
    return response


@router.get("/projects/{slug}/codings", response=list[CodingOut])
def list_codings(request, slug: str, post: int | None = None, round: int | None = None):
    project = project_for(request, slug, "view_posts")
    round_ = get_object_or_404(CodingRound, project=project, pk=round) if round else None
    found = Coding.objects.filter(project=project, round=round_).order_by("id")
    if codings.hidden_coders_round(round_, request.user):
        found = found.filter(coder=request.user)
    elif round_ is not None and not codings.can_see_round_codes(
        round_, request.user, project.permissions_for(request.user)
    ):
        raise PermissionDenied("This is a blind round: codes are shown when it closes.")
    if post:
        found = found.filter(post_id=post)
    return [coding_out(c) for c in found.select_related("post")[:5000]]


@router.post("/projects/{slug}/codings", response={201: CodingOut, 200: dict})
def toggle_coding(request, slug: str, data: CodingIn):
    """Apply a code (or take it off if this coder already applied it): the number key of the UI."""
    project = project_for(request, slug, "code_posts")
    post = get_object_or_404(Post, project=project, pk=data.post)
    code = get_object_or_404(Code, project=project, pk=data.code)
    round_ = get_object_or_404(CodingRound, project=project, pk=data.round) if data.round else None
    start, end = data.start, data.end
    try:
        if start is not None and data.utf16:
            start, end = span_from_browser(post.text, start, end)
        kind, result = codings.toggle(post, code, request.user, round_=round_, start=start, end=end)
    except (ValueError, codings.CodingError) as error:
        raise HttpError(422, str(error)) from None
    if kind == "added":
        return 201, coding_out(result)
    return 200, {"removed": True}


@router.get("/projects/{slug}/rounds", response=list[RoundOut])
def list_rounds(request, slug: str):
    project = project_for(request, slug, "view_posts")
    return [round_out(r) for r in project.coding_rounds.select_related("codebook_version")]


class RoundIn(Schema):
    name: str
    coders: list[str]
    size: int
    seed: int
    stratify: str = ""
    blind: bool = True
    filter: dict = {}


@router.post("/projects/{slug}/rounds", response={201: RoundOut})
def create_round(request, slug: str, data: RoundIn):
    project = project_for(request, slug, "manage_rounds")
    members = {m.user.username: m.user for m in project.memberships.select_related("user")}
    unknown = [name for name in data.coders if name not in members]
    if unknown:
        raise HttpError(422, f"Not members of this project: {', '.join(unknown)}.")
    try:
        round_ = rounds.create_round(
            project,
            by=request.user,
            name=data.name,
            coders=[members[n] for n in data.coders],
            size=data.size,
            seed=data.seed,
            stratify=data.stratify,
            params=data.filter,
            blind=data.blind,
        )
    except (ValueError, rounds.RoundError) as error:
        raise HttpError(422, str(error)) from None
    return 201, round_out(round_)


@router.post("/projects/{slug}/rounds/{round_id}/close", response=RoundOut)
def close_round(request, slug: str, round_id: int):
    project = project_for(request, slug, "manage_rounds")
    round_ = get_object_or_404(CodingRound, project=project, pk=round_id)
    rounds.close_round(round_, by=request.user)
    return round_out(round_)


@router.post("/projects/{slug}/rounds/{round_id}/posts/{post_id}/done")
def mark_done(request, slug: str, round_id: int, post_id: int):
    project = project_for(request, slug, "code_posts")
    round_ = get_object_or_404(CodingRound, project=project, pk=round_id)
    post = get_object_or_404(Post, project=project, pk=post_id)
    try:
        codings.check_round_member(round_, request.user, post)
    except codings.CodingError as error:
        raise HttpError(422, str(error)) from None
    rounds.mark_done(round_, post, request.user)
    return {"done": True}


@router.get("/projects/{slug}/rounds/{round_id}/reliability")
def round_reliability(request, slug: str, round_id: int):
    """Overall and per-code agreement. Refused while a blind round is open (except to managers who are not coding)."""
    project = project_for(request, slug, "view_posts")
    round_ = get_object_or_404(CodingRound, project=project, pk=round_id)
    if not codings.can_see_round_codes(round_, request.user, project.permissions_for(request.user)):
        raise PermissionDenied("This is a blind round: agreement is shown when it closes.")
    report = rounds.reliability_report(round_)
    for row in report["per_code"]:
        row["code"] = {"id": row["code"]["id"], "name": row["code"]["name"]}
    return report
