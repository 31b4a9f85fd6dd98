"""API for exploring: posts (with the browser's filters), subsets, dashboard figures, exports.

The post filters are the post browser's query string (socialgood.analyze.filters), so a
page's URL and an API call with the same parameters return the same posts.
"""

from typing import Annotated

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from socialgood.analyze import figures
from socialgood.analyze.exports import FORMATS
from socialgood.analyze.filters import FilterError, clean_params, page_of, posts_for
from socialgood.analyze.models import Subset
from socialgood.api.views import project_for
from socialgood.collect.export import POST_FIELDS, _records
from socialgood.jobs.models import Job
from socialgood.projects.models import AuditEvent

router = Router(tags=["explore"])
# A query parameter that may be given several times: ?hashtag=a&hashtag=b
Repeatable = Annotated[list[str] | None, Query()]


class PostPage(Schema):
    items: list[dict]
    next_cursor: str | None


class SubsetIn(Schema):
    name: str
    description: str = ""
    params: dict = {}


class SubsetOut(Schema):
    id: int
    name: str
    description: str
    params: dict
    posts: int


class FigureOut(Schema):
    figure: str
    rows: list[dict]


class ExportIn(Schema):
    formats: list[str]
    subset: int | None = None
    params: dict = {}


class ExportOut(Schema):
    id: int
    status: str
    message: str
    progress: int | None
    posts: int | None = None
    download: str | None = None


def _bad_filter(error):
    return HttpError(422, str(error))


@router.get("/projects/{slug}/posts", response=PostPage)
def list_posts(
    request,
    slug: str,
    q: str | None = None,
    hashtag: Repeatable = None,
    mention: Repeatable = None,
    author: Repeatable = None,
    platform: Repeatable = None,
    lang: Repeatable = None,
    kind: Repeatable = None,
    since: str | None = None,
    until: str | None = None,
    code: Repeatable = None,
    code_any: Repeatable = None,
    not_code: Repeatable = None,
    subset: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
    sort: str = "time",
):
    """Posts in the common post model, newest first. Repeat hashtag/mention to require all;
    repeat author/platform/lang/kind to allow any. Codes (ids): `code` = coded with all of these,
    `code_any` = with at least one, `not_code` = with none. Pass `next_cursor` back as `cursor`
    for the next page. Also accepted: has_media, has_alt_text (yes/no), import."""
    project = project_for(request, slug, "view_posts")
    try:
        posts, next_cursor = page_of(
            posts_for(project, request.GET), sort=sort, cursor=cursor, limit=limit
        )
    except FilterError as error:
        raise _bad_filter(error) from None
    by_id = {post.id: post for post in posts}
    rows = project.posts.filter(id__in=by_id).values_list(*POST_FIELDS)
    records = dict(zip([row[0] for row in rows], _records(list(rows)), strict=True))
    return {"items": [records[post.id] for post in posts], "next_cursor": next_cursor}


@router.get("/projects/{slug}/subsets", response=list[SubsetOut])
def list_subsets(request, slug: str):
    project = project_for(request, slug, "view_posts")
    return [_subset_out(project, s) for s in project.subsets.all()]


@router.post("/projects/{slug}/subsets", response={201: SubsetOut})
def create_subset(request, slug: str, data: SubsetIn):
    project = project_for(request, slug, "run_analysis")
    name = data.name.strip()
    if not name:
        raise HttpError(422, "A subset needs a name.")
    if project.subsets.filter(name=name).exists():
        raise HttpError(409, f"There is already a subset called “{name}”.")
    params = clean_params(data.params)
    params.pop("subset", None)
    try:
        posts_for(project, params)
    except FilterError as error:
        raise _bad_filter(error) from None
    subset = Subset.objects.create(
        project=project,
        name=name[:120],
        description=data.description,
        params=params,
        created_by=request.user,
    )
    AuditEvent.record(request.user, project, "subset.create", target=subset.name, params=params)
    return Status(201, _subset_out(project, subset))


@router.delete("/projects/{slug}/subsets/{subset_id}", response={204: None})
def delete_subset(request, slug: str, subset_id: int):
    project = project_for(request, slug, "run_analysis")
    subset = project.subsets.filter(pk=subset_id).first()
    if subset is None:
        raise Http404
    AuditEvent.record(request.user, project, "subset.delete", target=subset.name)
    subset.delete()
    return Status(204, None)


@router.get("/projects/{slug}/figures/{name}", response=FigureOut)
def figure(
    request,
    slug: str,
    name: str,
    granularity: str = "day",
    tz: str = "UTC",
    subset: int | None = None,
):
    """A dashboard figure's rows: volume, hashtags, mentions, domains, authors, languages, kinds, media.
    Accepts the post filters of /posts too."""
    project = project_for(request, slug, "view_posts")
    params = clean_params(request.GET)
    try:
        posts = posts_for(project, params)
        rows = figures.figure_rows(
            name, project, posts, bool(params), granularity=granularity, tz=tz
        )
    except FilterError as error:
        raise _bad_filter(error) from None
    return {"figure": name, "rows": rows}


@router.post("/projects/{slug}/exports", response={202: ExportOut})
def start_export(request, slug: str, data: ExportIn):
    """Start an export job. `formats`: any of csv, xlsx, parquet, ndjson, ids, network."""
    project = project_for(request, slug, "export")
    unknown = [f for f in data.formats if f not in FORMATS]
    if unknown or not data.formats:
        raise HttpError(422, f"Choose formats from: {', '.join(FORMATS)}.")
    params = clean_params(data.params)
    if data.subset is not None:
        params["subset"] = str(data.subset)
    try:
        posts_for(project, params)
        label = project.subsets.get(pk=data.subset).name if data.subset else "API export"
    except (FilterError, Subset.DoesNotExist):
        raise HttpError(422, "Unknown subset or filter.") from None
    job = Job.start(
        "analyze.export", title=f"Export: {label}", project=project, user=request.user,
        params={"filters": params, "label": label, "formats": data.formats},
    )  # fmt: skip
    return Status(202, _export_out(slug, job))


@router.get("/projects/{slug}/exports/{job_id}", response=ExportOut)
def export_status(request, slug: str, job_id: int):
    project = project_for(request, slug, "export")
    job = Job.objects.filter(project=project, pk=job_id, kind="analyze.export").first()
    if job is None:
        raise Http404
    return _export_out(slug, job)


@router.get("/projects/{slug}/exports/{job_id}/download")
def download_export(request, slug: str, job_id: int):
    project = project_for(request, slug, "export")
    job = Job.objects.filter(
        project=project, pk=job_id, kind="analyze.export", status=Job.Status.SUCCEEDED
    ).first()
    if job is None or not default_storage.exists(job.result.get("file", "")):
        raise Http404
    AuditEvent.record(
        request.user, project, "export.download", target=job.params.get("label", ""), job=job.pk,
        formats=job.result.get("formats"), posts=job.result.get("posts"), via="api",
    )  # fmt: skip
    name = job.result["file"]
    return FileResponse(
        default_storage.open(name), as_attachment=True, filename=name.rsplit("/", 1)[-1]
    )


def _subset_out(project, subset):
    return SubsetOut(
        id=subset.pk, name=subset.name, description=subset.description, params=subset.params,
        posts=posts_for(project, subset).count(),
    )  # fmt: skip


def _export_out(slug, job):
    done = job.status == Job.Status.SUCCEEDED
    return ExportOut(
        id=job.pk, status=job.status, message=job.message, progress=job.percent,
        posts=job.result.get("posts") if done else None,
        download=f"/api/projects/{slug}/exports/{job.pk}/download" if done else None,
    )  # fmt: skip
