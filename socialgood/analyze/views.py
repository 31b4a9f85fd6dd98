"""Explore and analyse: the post browser, threads, subsets, dashboard, analyses and exports.

Every page here works on a *selection* of posts given by the query string (the filter
parameters of socialgood.analyze.filters, or `subset=<id>`), so any view can be
bookmarked, shared, saved as a subset, and repeated through the API.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from socialgood.analyze import charts, figures, networks, text
from socialgood.analyze.exports import FORMATS
from socialgood.analyze.filters import (
    KINDS,
    FilterError,
    clean_params,
    page_of,
    posts_for,
)
from socialgood.analyze.models import PostTopic, Subset, TopicModel
from socialgood.collect import tallies
from socialgood.collect.models import Post
from socialgood.collect.search import search_posts
from socialgood.jobs.models import Job
from socialgood.platforms.model import PLATFORM_LABELS
from socialgood.projects.models import AuditEvent
from socialgood.projects.views import get_project

THREAD_LIMIT = 2000
# The posts page's platform filter: by name, "Other or unknown" last.
PLATFORM_CHOICES = sorted(PLATFORM_LABELS.items(), key=lambda item: (item[0] == "other", item[1]))
CONCORDANCE_POSTS = 500
ANALYSES = {
    # kind -> (page title, option names and defaults)
    "words": ("Words and phrases", {"n": "1", "keep_stopwords": ""}),
    "sentiment": ("Sentiment", {"granularity": "day"}),
    "topics": ("Topics", {"k": "8"}),
    "network": ("Networks", {"network": "hashtags"}),  # not "kind": that filters posts
}


class Selection:
    """The posts a page works on, from its query string."""

    def __init__(self, project, query):
        self.project = project
        self.params = clean_params(query)
        self.error = None
        try:
            self.posts = posts_for(project, self.params)
        except FilterError as error:
            self.error = str(error)
            self.posts = project.posts.none()
        self.subset = None
        if "subset" in self.params and not self.error:
            self.subset = Subset.objects.filter(project=project, pk=self.params["subset"]).first()

    @property
    def filtered(self):
        return bool(self.params)

    @property
    def label(self):
        parts = [
            f"{k}: {', '.join(v) if isinstance(v, list) else v}"
            for k, v in self.params.items()
            if k != "subset"
        ]
        if self.subset:
            return self.subset.name + (f" ({'; '.join(parts)})" if parts else "")
        return "; ".join(parts) if parts else "All posts"

    @property
    def pairs(self):
        """(name, value) pairs, for hidden form fields that carry the selection."""
        return [
            (k, v)
            for k, values in self.params.items()
            for v in (values if isinstance(values, list) else [values])
        ]

    @property
    def querystring(self):
        return urlencode(self.params, doseq=True)


def _context(project, section, selection=None, **extra):
    context = {"project": project, "section": section, "analyze_section": extra.pop("tab", section)}
    if selection is not None:
        context.update(
            selection=selection,
            subsets=project.subsets.all(),
            filter_error=selection.error,
        )
    context.update(extra)
    return context


# -- post browser and threads ------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def post_browser(request, slug):
    project = get_project(request, slug, "view_posts")
    selection = Selection(project, request.GET)
    sort = request.GET.get("sort", "time")
    posts, next_cursor, error = [], None, selection.error
    if not error:
        try:
            posts, next_cursor = page_of(
                selection.posts,
                sort=sort,
                cursor=request.GET.get("cursor"),
                prefetch=("hashtags", "media", "links", "mentions"),
            )
        except FilterError as problem:
            error = str(problem)
    query = selection.params.get("q", "")
    for post in posts:
        post.html = mark_safe(text.render_post_text(post.text, query))  # noqa: S308 - escaped in render_post_text
    page_params = {**selection.params, "sort": sort} if sort != "time" else dict(selection.params)
    context = _context(
        project,
        "posts",
        selection,
        tab="posts",
        posts=posts,
        error=error,
        sort=sort,
        first_page=not request.GET.get("cursor"),
        next_url=f"?{urlencode({**page_params, 'cursor': next_cursor}, doseq=True)}"
        if next_cursor
        else None,
        platforms=PLATFORM_CHOICES,
        kinds=KINDS,
        imports=project.imports.all()[:100],
        codes=_codes(project),
        can_save=request.perms.can_run_analysis,
    )
    if not request.htmx:
        return render(request, "analyze/posts.html", context)
    response = render(request, "analyze/posts.html#results", context)
    # The address bar shows the clean filter, so the view can be bookmarked and shared.
    address = reverse("posts", args=[slug])
    response["HX-Push-Url"] = (
        f"{address}?{urlencode(page_params, doseq=True)}" if page_params else address
    )
    return response


@login_required
def thread(request, slug, post_id):
    project = get_project(request, slug, "view_posts")
    post = get_object_or_404(Post, project=project, pk=post_id)
    root = thread_root_of(project, post)
    members = thread_posts(project, root)
    for member in members:
        member.html = mark_safe(text.render_post_text(member.text))  # noqa: S308 - escaped
    tree = _tree(members, root)
    return render(
        request,
        "analyze/thread.html",
        _context(project, "posts", tab="posts", root=root, tree=tree, focus=post,
                 count=len(members), truncated=len(members) >= THREAD_LIMIT),
    )  # fmt: skip


def thread_root_of(project, post):
    """The first post of `post`'s conversation that is in the project."""
    if post.thread_root:
        root = Post.objects.filter(
            project=project, platform=post.platform, platform_id=post.thread_root
        ).first()
        if root:
            return root
    seen = {post.pk}
    while post.reply_to:
        parent = Post.objects.filter(
            project=project, platform=post.platform, platform_id=post.reply_to
        ).first()
        if parent is None or parent.pk in seen:
            break
        seen.add(parent.pk)
        post = parent
    return post


def thread_posts(project, root):
    """The root, every post of its conversation and every post that replies to one of
    them, directly or down the chain (breadth first).

    The conversation (posts whose thread_root is the root's, or the root itself) brings
    in replies whose parent was never collected; following reply_to brings in the
    replies on platforms that name no conversation.
    """
    found = {root.pk: root}
    stored = project.posts.filter(platform=root.platform).prefetch_related(
        "hashtags", "media", "links"
    )
    conversation = root.thread_root or root.platform_id
    for member in stored.filter(thread_root=conversation)[:THREAD_LIMIT]:
        found.setdefault(member.pk, member)
    frontier = [post.platform_id for post in found.values()]
    while frontier and len(found) < THREAD_LIMIT:
        children = list(stored.filter(reply_to__in=frontier)[:THREAD_LIMIT])
        frontier = [child.platform_id for child in children if child.pk not in found]
        for child in children:
            found.setdefault(child.pk, child)
    return sorted(found.values(), key=lambda p: (p.created_at, p.pk))


def _tree(members, root):
    """[(post, depth)] in reading order: each reply under its parent, oldest first."""
    by_id = {p.platform_id: p for p in members}
    children = {}
    for post in members:
        if post is root:
            continue
        parent = post.reply_to if post.reply_to in by_id else root.platform_id
        children.setdefault(parent, []).append(post)
    ordered, stack = [], [(root, 0)]
    while stack:
        post, depth = stack.pop()
        ordered.append((post, min(depth, 8)))
        for child in reversed(children.get(post.platform_id, [])):
            stack.append((child, depth + 1))
    return ordered


# -- subsets ------------------------------------------------------------------------------


@login_required
def subsets(request, slug):
    project = get_project(request, slug, "view_posts")
    if request.method == "POST":
        get_project(request, slug, "run_analysis")
        params = clean_params(request.POST)
        name = request.POST.get("name", "").strip()
        if not name:
            messages.error(request, "Give the subset a name.")
        else:
            try:
                posts_for(project, params)
                with transaction.atomic():
                    subset = Subset.objects.create(
                        project=project, name=name[:120], params=_flatten(project, params),
                        description=request.POST.get("description", "").strip(), created_by=request.user,
                    )  # fmt: skip
            except FilterError as error:
                messages.error(request, str(error))
            except IntegrityError:
                messages.error(
                    request, f"There is already a subset called “{name}”; choose another name."
                )
            else:
                AuditEvent.record(
                    request.user, project, "subset.create", target=subset.name, params=subset.params
                )
                messages.success(request, f"Saved the subset “{subset.name}”.")
                return redirect(reverse("posts", args=[slug]) + f"?subset={subset.pk}")
        return redirect(reverse("posts", args=[slug]) + "?" + urlencode(params, doseq=True))
    rows = [(s, posts_for(project, s).count()) for s in project.subsets.all()]
    return render(
        request, "analyze/subsets.html", _context(project, "analyze", tab="subsets", rows=rows)
    )


def _flatten(project, params):
    """A subset built on another subset stores the combined filter, so it never changes under it."""
    if "subset" not in params:
        return params
    base = Subset.objects.get(project=project, pk=params["subset"])
    combined = clean_params(base.params)  # older subsets hold "code" as one string
    for key, value in params.items():
        if key == "subset":
            continue
        if isinstance(value, list) and key in ("hashtag", "mention", "code", "not_code"):
            combined[key] = list(dict.fromkeys([*combined.get(key, []), *value]))
        else:
            combined[key] = value  # narrower or equal: both filters are ANDed in the browser too
    return combined


@login_required
@require_POST
def subset_delete(request, slug, subset_id):
    project = get_project(request, slug, "run_analysis")
    subset = get_object_or_404(Subset, project=project, pk=subset_id)
    AuditEvent.record(request.user, project, "subset.delete", target=subset.name)
    subset.delete()
    messages.success(request, f"Deleted the subset “{subset.name}”. No posts were deleted.")
    return redirect("subsets", slug=slug)


# -- dashboard -------------------------------------------------------------------------------


@login_required
def dashboard(request, slug):
    project = get_project(request, slug, "view_posts")
    selection = Selection(project, request.GET)
    granularity = request.GET.get("granularity", "day")
    tz = request.GET.get("tz", "UTC")
    panels, error = [], selection.error
    if not error:
        try:
            if not selection.filtered:
                tallies.ensure_current(project)
            for name in figures.FIGURES:
                rows = figures.figure_rows(
                    name,
                    project,
                    selection.posts,
                    selection.filtered,
                    granularity=granularity,
                    tz=tz,
                    current=True,
                )
                panels.append(_panel(name, rows, selection, granularity, tz))
        except FilterError as problem:
            error, panels = str(problem), []
    extra = urlencode({"granularity": granularity, "tz": tz})
    return render(
        request,
        "analyze/dashboard.html",
        _context(project, "analyze", selection, tab="dashboard", panels=panels, error=error,
                 granularity=granularity, tz=tz, granularities=figures.GRANULARITIES, extra=extra),
    )  # fmt: skip


def _figure(name, rows, selection, granularity, tz):
    """(spec, title, description, columns) for one figure's rows."""
    if name == "volume":
        title = f"Posts per {granularity} ({tz})"
        spec = charts.time_chart(rows, title=title, unit=granularity)
        total = sum(r["posts"] for r in rows)
        description = (
            f"{total} posts in {len({r['period'] for r in rows})} {granularity}s, by platform."
        )
        return spec, title, description, ("period", "platform", "posts")
    title, what, column = figures.TOP_FIGURES[name]
    spec = charts.bar_chart(rows, category=column, title=title, category_title=what)
    listed = ", ".join(f"{r[column]} ({r['posts']})" for r in rows[:5])
    description = f"{title} for {selection.label}. Largest: {listed or 'none'}."
    return spec, title, description, (column, "posts")


def _panel(name, rows, selection, granularity, tz):
    spec, title, description, columns = _figure(name, rows, selection, granularity, tz)
    svg = charts.to_svg(spec, title=title, description=description) if rows else ""
    table = [[row[column] for column in columns] for row in rows]
    return {
        "name": name,
        "title": title,
        "rows": rows,
        "columns": columns,
        "table": table,
        "svg": mark_safe(svg),
    }  # noqa: S308


@login_required
def figure_download(request, slug, name, fmt):
    project = get_project(request, slug, "view_posts")
    selection = Selection(project, request.GET)
    granularity, tz = request.GET.get("granularity", "day"), request.GET.get("tz", "UTC")
    if name not in figures.FIGURES or fmt not in ("svg", "png", "csv") or selection.error:
        raise Http404
    try:
        rows = figures.figure_rows(
            name, project, selection.posts, selection.filtered, granularity=granularity, tz=tz
        )
    except FilterError:
        raise Http404 from None
    spec, title, description, columns = _figure(name, rows, selection, granularity, tz)
    filename = f"{project.slug}-{name}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            charts.to_csv(rows, columns), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "svg":
        svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + charts.to_svg(
            spec, title=title, description=description
        )
        response = HttpResponse(svg, content_type="image/svg+xml")
    else:
        response = HttpResponse(charts.to_png(spec), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- text analysis, sentiment, topics, networks (jobs) ------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def analysis(request, slug, kind):
    if kind not in ANALYSES:
        raise Http404
    project = get_project(request, slug, "view_posts")
    selection = Selection(project, request.GET)
    title, defaults = ANALYSES[kind]
    options = {name: request.GET.get(name, default) for name, default in defaults.items()}
    params = {"filters": selection.params, "label": selection.label, **options}
    if request.method == "POST":
        get_project(request, slug, "run_analysis")
        if selection.error:
            messages.error(request, selection.error)
        else:
            Job.start(f"analyze.{kind}", title=f"{title}: {selection.label}", project=project,
                      user=request.user, params=params)  # fmt: skip
        return redirect(request.get_full_path())
    job = (
        Job.objects.filter(project=project, kind=f"analyze.{kind}", params=params).first()
        if not selection.error
        else None
    )
    context = _context(
        project, "analyze", selection, tab=kind, title=title, job=job, options=options,
        result=job.result if job and job.status == Job.Status.SUCCEEDED else None,
        can_run=request.perms.can_run_analysis,
    )  # fmt: skip
    context.update(_analysis_extras(kind, project, job, context["result"], selection, options))
    template = f"analyze/{kind}.html#result" if request.htmx else f"analyze/{kind}.html"
    response = render(request, template, context)
    if request.htmx and not (job and job.is_active):
        response.status_code = 286  # htmx: stop polling
    return response


def _analysis_extras(kind, project, job, result, selection, options):
    if not result:
        return {}
    if kind == "words":
        rows = [{"ngram": gram, "posts": count} for gram, count in result["top"][:30]]
        spec = charts.bar_chart(
            rows,
            category="ngram",
            value="posts",
            title="Most frequent",
            category_title="Words",
            value_title="Occurrences",
        )
        return {
            "chart": mark_safe(
                charts.to_svg(
                    spec,
                    title="Most frequent words",
                    description=", ".join(r["ngram"] for r in rows[:10]),
                )
            )
        }  # noqa: S308
    if kind == "sentiment":
        english = result["english"] / result["posts"] if result["posts"] else 0
        rows = [
            {"period": r["period"], "platform": "mean compound", "posts": r["mean"]}
            for r in result["over_time"]
        ]
        spec = charts.time_chart(
            rows, value="posts", title="Mean sentiment (−1 to +1)", unit=result["granularity"]
        )
        spec["encoding"]["y"]["title"] = "Mean compound score"
        svg = (
            charts.to_svg(
                spec,
                title="Mean sentiment over time",
                description="Mean VADER compound score per period.",
            )
            if rows
            else ""
        )
        return {"english_share": round(100 * english), "chart": mark_safe(svg)}  # noqa: S308
    if kind == "topics":
        model = TopicModel.objects.filter(pk=result["topic_model"]).first()
        if model is None:
            return {}
        examples = Post.objects.in_bulk([i for t in model.topics for i in t["examples"]])
        topics = [
            {**t, "example_posts": [examples[i] for i in t["examples"] if i in examples]}
            for t in model.topics
        ]
        return {"topic_model": model, "topics": topics}
    if kind == "network":
        svg = ""
        if result.get("files", {}).get("svg") and default_storage.exists(result["files"]["svg"]):
            with default_storage.open(result["files"]["svg"]) as handle:
                svg = handle.read().decode()
        return {"network_svg": mark_safe(svg), "network_kinds": networks.KINDS}  # noqa: S308 - built with escaping
    return {}


@login_required
def network_file(request, slug, job_id, fmt):
    project = get_project(request, slug, "view_posts")
    job = get_object_or_404(
        Job, project=project, pk=job_id, kind="analyze.network", status=Job.Status.SUCCEEDED
    )
    name = job.result.get("files", {}).get(fmt)
    if fmt not in ("gexf", "graphml", "svg") or not name or not default_storage.exists(name):
        raise Http404
    get_project(request, slug, "export")
    AuditEvent.record(
        request.user,
        project,
        "export.download",
        target=f"network.{fmt}",
        job=job.pk,
        kind=job.result["kind"],
    )
    filename = f"{project.slug}-{job.result['kind']}-network.{fmt}"
    return FileResponse(default_storage.open(name), as_attachment=True, filename=filename)


@login_required
def topic_posts(request, slug, model_id, topic):
    project = get_project(request, slug, "view_posts")
    model = get_object_or_404(TopicModel, project=project, pk=model_id)
    rows = (
        PostTopic.objects.filter(topic_model=model, topic=topic)
        .order_by("-weight")
        .select_related("post")[:200]
    )
    for row in rows:
        row.post.html = mark_safe(text.render_post_text(row.post.text))  # noqa: S308 - escaped
    info = next((t for t in model.topics if t["number"] == topic), None)
    if info is None:
        raise Http404
    return render(
        request, "analyze/topic_posts.html",
        _context(project, "analyze", tab="topics", model=model, topic=info, rows=rows),
    )  # fmt: skip


@login_required
def concordance(request, slug):
    project = get_project(request, slug, "view_posts")
    selection = Selection(project, request.GET)
    keyword = request.GET.get("keyword", "").strip()
    width = 60
    lines, matched = [], 0
    if keyword and not selection.error:
        found = search_posts(selection.posts, keyword).order_by("-created_at", "-id")
        for post in found[:CONCORDANCE_POSTS]:
            matched += 1
            for left, match, right in text.concordance(post.text, keyword, width):
                lines.append({"post": post, "left": left, "match": match, "right": right})
    if request.GET.get("format") == "csv":
        # Lines of post text leave socialgood: an export like any other.
        get_project(request, slug, "export")
        AuditEvent.record(request.user, project, "export.download", target="concordance.csv",
                          keyword=keyword, lines=len(lines), filters=selection.params)  # fmt: skip
        rows = [
            {
                "post": line["post"].pk,
                "left": line["left"],
                "keyword": line["match"],
                "right": line["right"],
            }
            for line in lines
        ]
        response = HttpResponse(
            charts.to_csv(rows, ("post", "left", "keyword", "right")),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{project.slug}-concordance.csv"'
        return response
    return render(
        request, "analyze/concordance.html",
        _context(project, "analyze", selection, tab="concordance", keyword=keyword, lines=lines,
                 matched=matched, limit=CONCORDANCE_POSTS),
    )  # fmt: skip


# -- exports -----------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def exports(request, slug):
    project = get_project(request, slug, "view_posts")
    selection = Selection(project, request.GET)
    if request.method == "POST":
        get_project(request, slug, "export")
        formats = [f for f in request.POST.getlist("formats") if f in FORMATS]
        if not formats:
            messages.error(request, "Choose at least one format.")
        elif selection.error:
            messages.error(request, selection.error)
        else:
            Job.start("analyze.export", title=f"Export: {selection.label}", project=project, user=request.user,
                      params={"filters": selection.params, "label": selection.label, "formats": formats})  # fmt: skip
            messages.success(request, "Export started. It appears below when it is ready.")
        return redirect(request.get_full_path())
    jobs = Job.objects.filter(project=project, kind="analyze.export")[:20]
    context = _context(
        project, "analyze", selection, tab="exports", jobs=jobs, formats=FORMATS,
        active=any(job.is_active for job in jobs), can_export=request.perms.can_export,
    )  # fmt: skip
    if request.htmx:
        response = render(request, "analyze/exports.html#export-list", context)
        if not context["active"]:
            response.status_code = 286
        return response
    return render(request, "analyze/exports.html", context)


@login_required
def export_download(request, slug, job_id):
    project = get_project(request, slug, "export")
    job = get_object_or_404(
        Job, project=project, pk=job_id, kind="analyze.export", status=Job.Status.SUCCEEDED
    )
    name = job.result.get("file")
    if not name or not default_storage.exists(name):
        raise Http404("This export file is no longer there; start the export again.")
    AuditEvent.record(
        request.user, project, "export.download", target=job.params.get("label", ""), job=job.pk,
        formats=job.result.get("formats"), posts=job.result.get("posts"),
    )  # fmt: skip
    return FileResponse(
        default_storage.open(name), as_attachment=True, filename=name.rsplit("/", 1)[-1]
    )


def _codes(project):
    try:
        from socialgood.coding.models import Code
    except ImportError:
        return []
    return list(Code.objects.filter(project=project).values_list("pk", "name"))
