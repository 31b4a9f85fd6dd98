import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from socialgood.projects.auditlog import AuditFilterForm
from socialgood.projects.forms import AddMemberForm, ProjectForm, RoleForm, TokenForm
from socialgood.projects.models import ApiToken, AuditEvent, Project
from socialgood.projects.permissions import ROLE_HELP


def get_project(request, slug, action="view_project"):
    """The project if the user may do `action` in it: 404 for non-members, 403 otherwise.

    Every project view goes through here, so the role rules are applied in one place.
    """
    project = get_object_or_404(Project, slug=slug)
    perms = project.permissions_for(request.user)
    if not perms.is_member:
        raise Http404("No such project")
    if not perms.can(action):
        raise PermissionDenied(f"Your role in this project does not allow this ({action}).")
    request.perms = perms
    return project


def index(request):
    return redirect("projects" if request.user.is_authenticated else "login")


@login_required
def project_list(request):
    projects = (
        Project.objects.filter(memberships__user=request.user)
        .prefetch_related("memberships")
        .order_by("name")
    )
    rows = [(p, p.memberships.get(user=request.user).role) for p in projects]
    return render(request, "projects/list.html", {"rows": rows})


@login_required
def project_new(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = Project.create(owner=request.user, **form.cleaned_data)
        messages.success(request, f"Created “{project.name}”. You are its owner.")
        return redirect("project", slug=project.slug)
    return render(request, "projects/new.html", {"form": form})


@login_required
def project_detail(request, slug):
    project = get_project(request, slug)
    context = {
        "project": project,
        "post_count": project.posts.count(),
        "platform_counts": project.posts.values("platform")
        .order_by("platform")
        .annotate(n=Count("id")),
        "imports": project.imports.all()[:5],
        "jobs": project.jobs.all()[:5],
        "members": project.memberships.select_related("user"),
    }
    return render(request, "projects/detail.html", context)


@login_required
def project_settings(request, slug):
    project = get_project(request, slug, "edit_project")
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        form.save()
        AuditEvent.record(
            request.user, project, "project.edit", target=project.slug, fields=form.changed_data
        )
        messages.success(request, "Saved.")
        return redirect("project", slug=project.slug)
    return render(request, "projects/settings.html", {"project": project, "form": form})


@login_required
def project_delete(request, slug):
    project = get_project(request, slug, "delete_project")
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() != project.name:
            messages.error(request, "Type the project's name exactly to delete it.")
            return redirect("project_delete", slug=slug)
        name = project.name
        project.delete_with_audit(by=request.user)
        messages.success(request, f"Deleted “{name}” and all its posts.")
        return redirect("projects")
    return render(
        request, "projects/delete.html", {"project": project, "post_count": project.posts.count()}
    )


@login_required
def members(request, slug):
    project = get_project(request, slug)
    can_manage = request.perms.can("manage_members")
    form = AddMemberForm(request.POST or None, project=project)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only owners can add members.")
        if form.is_valid():
            user = form.cleaned_data["username"]
            project.add_member(user, form.cleaned_data["role"], by=request.user)
            messages.success(request, f"Added {user.username} as {form.cleaned_data['role']}.")
            return redirect("members", slug=slug)
    context = {
        "project": project,
        "memberships": project.memberships.select_related("user"),
        "form": form,
        "can_manage": can_manage,
        "role_help": ROLE_HELP,
    }
    return render(request, "projects/members.html", context)


@login_required
@require_POST
def member_role(request, slug, membership_id):
    project = get_project(request, slug, "manage_members")
    membership = get_object_or_404(project.memberships, pk=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        project.change_role(membership, form.cleaned_data["role"], by=request.user)
        messages.success(
            request, f"{membership.user.username} is now {membership.get_role_display().lower()}."
        )
    return redirect("members", slug=slug)


@login_required
@require_POST
def member_remove(request, slug, membership_id):
    project = get_project(request, slug, "manage_members")
    membership = get_object_or_404(project.memberships, pk=membership_id)
    project.remove_member(membership, by=request.user)
    messages.success(request, f"Removed {membership.user.username} from the project.")
    if membership.user == request.user:
        return redirect("projects")
    return redirect("members", slug=slug)


AUDIT_PAGE_SIZE = 500


@login_required
def audit_log(request, slug):
    project = get_project(request, slug, "view_audit_log")
    events = AuditEvent.objects.filter(project=project)
    form = AuditFilterForm(request.GET or None, events=events)
    if form.is_valid():
        events = form.filter(events)
    if request.GET.get("format") == "csv" and form.is_valid():
        # Downloading the log is itself a sensitive act: it lists who did what.
        AuditEvent.record(
            request.user, project, "audit.export", target=project.slug, filters=form.used()
        )
        return audit_csv(project, events)
    context = {
        "project": project,
        "section": "audit",
        "form": form,
        "events": events[:AUDIT_PAGE_SIZE],
        "total": events.count(),
        "page_size": AUDIT_PAGE_SIZE,
        "query": request.GET.urlencode(),
    }
    return render(request, "projects/audit.html", context)


def audit_csv(project, events):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{project.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(["when_utc", "who", "action", "description", "about", "details"])
    for e in events.iterator():
        writer.writerow(
            [
                e.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                e.actor_name,
                e.action,
                e.description,
                e.target,
                json.dumps(e.details, ensure_ascii=False, sort_keys=True),
            ]
        )
    return response


@login_required
def account(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        new_token = ApiToken.create_for(request.user, form.cleaned_data["name"])
        form = TokenForm()
    tokens = request.user.api_tokens.all()
    return render(
        request, "account/settings.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


@login_required
@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(request.user.api_tokens, pk=token_id)
    token.delete()
    messages.success(request, f"Revoked “{token.name}”. Programs using it can no longer connect.")
    return redirect("account")
