from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING

from socialgood.collect import collecting
from socialgood.collect.forms import CollectionForm, CredentialForm
from socialgood.collect.models import Collection, CollectionRun
from socialgood.platforms import collectors
from socialgood.projects.models import AuditEvent
from socialgood.projects.views import get_project

ACTIVE = (CollectionRun.Status.QUEUED, CollectionRun.Status.RUNNING)


def latest_runs(collections):
    """{collection id: its latest run} in one query."""
    runs = {}
    for run in CollectionRun.objects.filter(collection__in=collections).order_by(
        "collection", "-created_at", "-id"
    ):
        runs.setdefault(run.collection_id, run)
    return runs


@login_required
@vary_on_headers("HX-Request")
def collection_list(request, slug):
    project = get_project(request, slug, "view_posts")
    collections = list(project.collections.select_related("credential"))
    runs = latest_runs(collections)
    labels = dict(collectors.choices())
    rows = [(c, runs.get(c.pk), labels.get(c.platform, c.platform)) for c in collections]
    active = any(run and run.status in ACTIVE for _, run, _ in rows)
    context = {"project": project, "section": "collections", "rows": rows, "active": active}
    if request.htmx:
        return render(
            request,
            "collect/collections.html#rows",
            context,
            status=200 if active else HTMX_STOP_POLLING,
        )
    return render(request, "collect/collections.html", context)


def _platform(request, default="mastodon"):
    platform = request.POST.get("platform") or request.GET.get("platform") or default
    if platform not in collectors.COLLECTORS:
        raise Http404("No such platform")
    return platform


@login_required
def collection_new(request, slug):
    project = get_project(request, slug, "import_posts")
    platform = _platform(request)
    form = CollectionForm(
        request.POST if request.method == "POST" else None,
        project=project,
        user=request.user,
        platform=platform,
        initial={"platform": platform, "enabled": True, "every_unit": "hours"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        collection = Collection.objects.create(
            project=project,
            platform=platform,
            created_by=request.user,
            **_collection_fields(data),
            next_run_at=timezone.now() if data["enabled"] else None,
        )
        AuditEvent.record(
            request.user,
            project,
            "collection.create",
            target=collection.name,
            query=collection.query,
        )
        messages.success(request, f"Saved “{collection.name}”. Its first run starts in a moment.")
        return redirect("collection", slug=slug, collection_id=collection.pk)
    return render(
        request,
        "collect/collection_form.html",
        {"project": project, "section": "collections", "form": form, "platform": platform},
    )


def _collection_fields(data):
    return {
        "name": data["name"],
        "query": data["query"],
        "since": data["since_at"],
        "until": data["until_at"],
        "every_minutes": data["every_minutes"],
        "enabled": data["enabled"],
        "credential": data["credential"],
    }


@login_required
def collection_edit(request, slug, collection_id):
    project = get_project(request, slug, "import_posts")
    collection = get_object_or_404(project.collections, pk=collection_id)
    form = CollectionForm(
        request.POST if request.method == "POST" else None,
        project=project,
        user=request.user,
        platform=collection.platform,
        collection=collection,
        initial={**CollectionForm.initial_for(collection), "platform": collection.platform},
    )
    if request.method == "POST" and form.is_valid():
        before = {"query": collection.query, "every_minutes": collection.every_minutes}
        for name, value in _collection_fields(form.cleaned_data).items():
            setattr(collection, name, value)
        if not collection.enabled:
            collection.next_run_at = None
        elif collection.next_run_at is None or before["every_minutes"] != collection.every_minutes:
            collection.next_run_at = timezone.now()
        collection.save()
        # Who changed the collecting criteria, when, from what: provenance for the methods.
        AuditEvent.record(
            request.user,
            project,
            "collection.edit",
            target=collection.name,
            before=before,
            after={"query": collection.query, "every_minutes": collection.every_minutes},
        )
        messages.success(request, f"Saved “{collection.name}”.")
        return redirect("collection", slug=slug, collection_id=collection.pk)
    return render(
        request,
        "collect/collection_form.html",
        {
            "project": project,
            "section": "collections",
            "form": form,
            "platform": collection.platform,
            "collection": collection,
        },
    )


@login_required
@vary_on_headers("HX-Request")
def collection_detail(request, slug, collection_id):
    project = get_project(request, slug, "view_posts")
    collection = get_object_or_404(
        project.collections.select_related("credential"), pk=collection_id
    )
    runs = list(collection.runs.all()[:50])
    active = any(run.status in ACTIVE for run in runs)
    context = {
        "project": project,
        "section": "collections",
        "collection": collection,
        "runs": runs,
        "active": active,
        "label": collectors.collector(collection.platform).LABEL,
        "asked": _describe(collection),
        "report": collecting.collection_report(collection),
        "every": collecting.every_words(collection.every_minutes)
        if collection.every_minutes
        else None,
    }
    if request.htmx:
        return render(
            request,
            "collect/collection.html#runs",
            context,
            status=200 if active else HTMX_STOP_POLLING,
        )
    return render(request, "collect/collection.html", context)


def _describe(collection):
    module = collectors.collector(collection.platform)
    try:
        return module.describe(module.check_query(collection.query))
    except collectors.QueryError as error:
        return f"(the query needs fixing: {error})"


@login_required
@require_POST
def collection_run_now(request, slug, collection_id):
    project = get_project(request, slug, "import_posts")
    collection = get_object_or_404(project.collections, pk=collection_id)
    run = collecting.start_run(collection, user=request.user, trigger="manual")
    if run is None:
        messages.info(request, "This collection is already running.")
        return redirect("collection", slug=slug, collection_id=collection.pk)
    messages.success(request, "Started. You can leave this page; the run keeps going.")
    return redirect("collection_run", slug=slug, collection_id=collection.pk, run_id=run.pk)


@login_required
@require_POST
def collection_toggle(request, slug, collection_id):
    project = get_project(request, slug, "import_posts")
    collection = get_object_or_404(project.collections, pk=collection_id)
    collection.enabled = not collection.enabled
    collection.next_run_at = (
        timezone.now() if collection.enabled and collection.every_minutes else None
    )
    collection.save(update_fields=["enabled", "next_run_at"])
    AuditEvent.record(
        request.user,
        project,
        "collection.switch",
        target=collection.name,
        enabled=collection.enabled,
    )
    messages.success(
        request, f"“{collection.name}” is switched {'on' if collection.enabled else 'off'}."
    )
    return redirect("collection", slug=slug, collection_id=collection.pk)


@login_required
def collection_delete(request, slug, collection_id):
    project = get_project(request, slug, "import_posts")
    collection = get_object_or_404(project.collections, pk=collection_id)
    if request.method == "POST":
        for run in collection.runs.filter(status__in=ACTIVE).select_related("job"):
            if run.job:
                run.job.cancel(by=request.user)
        AuditEvent.record(request.user, project, "collection.delete", target=collection.name)
        collection.delete()
        messages.success(request, f"Deleted “{collection.name}”. The posts it collected are kept.")
        return redirect("collections", slug=slug)
    return render(
        request,
        "collect/collection_delete.html",
        {"project": project, "section": "collections", "collection": collection},
    )


@login_required
@vary_on_headers("HX-Request")
def run_detail(request, slug, collection_id, run_id):
    project = get_project(request, slug, "view_posts")
    collection = get_object_or_404(project.collections, pk=collection_id)
    run = get_object_or_404(collection.runs.select_related("job"), pk=run_id)
    sources = [
        {"name": name, **entry} for name, entry in (run.coverage or {}).get("sources", {}).items()
    ]
    context = {
        "project": project,
        "section": "collections",
        "collection": collection,
        "run": run,
        "sources": sources,
        "report": collecting.run_report(run),
        "parsing": (run.coverage or {}).get("parsing", {}),
    }
    if request.htmx:
        status = 200 if run.status in ACTIVE else HTMX_STOP_POLLING
        return render(request, "collect/run.html#status", context, status=status)
    return render(request, "collect/run.html", context)


# --- credentials ------------------------------------------------------------------------------


def _credentials(project, user):
    return collecting.usable_credentials(project, user).order_by("platform", "label")


@login_required
def credential_list(request, slug):
    project = get_project(request, slug, "import_posts")
    platform = _platform(request, default="reddit")
    form = CredentialForm(request.POST if request.method == "POST" else None, platform=platform)
    if request.method == "POST" and form.is_valid():
        personal = form.cleaned_data["owner"] == "personal"
        try:
            credential = collecting.save_credential(
                platform=platform,
                label=form.cleaned_data["label"],
                fields=form.secret_fields(),
                by=request.user,
                project=None if personal else project,
                user=request.user if personal else None,
            )
        except collectors.QueryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Saved the credential “{credential.label}”. It is stored encrypted."
            )
            return redirect("credentials", slug=slug)
    return render(
        request,
        "collect/credentials.html",
        {
            "project": project,
            "section": "collections",
            "credentials": _credentials(project, request.user),
            "form": form,
            "platform": platform,
            "platforms": collectors.choices(),
            "labels": dict(collectors.choices()),
        },
    )


def _own_credential(request, project, credential_id):
    return get_object_or_404(_credentials(project, request.user), pk=credential_id)


@login_required
def credential_replace(request, slug, credential_id):
    project = get_project(request, slug, "import_posts")
    credential = _own_credential(request, project, credential_id)
    form = CredentialForm(
        request.POST if request.method == "POST" else None,
        platform=credential.platform,
        replacing=True,
        initial={"label": credential.label},
    )
    if request.method == "POST" and form.is_valid():
        try:
            collecting.save_credential(
                platform=credential.platform,
                label=form.cleaned_data["label"] or credential.label,
                fields=form.secret_fields(),
                by=request.user,
                credential=credential,
            )
        except collectors.QueryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Replaced the secret of “{credential.label}”.")
            return redirect("credentials", slug=slug)
    return render(
        request,
        "collect/credential_replace.html",
        {"project": project, "section": "collections", "credential": credential, "form": form},
    )


@login_required
@require_POST
def credential_delete(request, slug, credential_id):
    project = get_project(request, slug, "import_posts")
    credential = _own_credential(request, project, credential_id)
    used_by = list(credential.collections.values_list("name", flat=True))
    collecting.delete_credential(credential, by=request.user)
    text = f"Deleted the credential “{credential.label}”."
    if used_by:
        text += f" These collections need another one: {', '.join(used_by)}."
    messages.success(request, text)
    return redirect("credentials", slug=slug)
