"""The owners' privacy pages: settings, re-identification, deleting posts, data statement."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from socialgood.projects import governance
from socialgood.projects.datastatement import data_statement_markdown, data_statement_pdf
from socialgood.projects.models import AuditEvent, Project
from socialgood.projects.views import get_project

PRIVACY_FIELDS = [
    "pseudonymise",
    "scrub_contacts",
    "keep_raw",
    "strip_image_metadata",
    "retention_until",
    "export_policy",
]


class PrivacyForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = PRIVACY_FIELDS
        widgets = {
            "retention_until": forms.DateInput(attrs={"type": "date"}),
            "export_policy": forms.RadioSelect,
        }

    def __init__(self, *args, has_posts=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_posts = has_posts
        if has_posts and self.instance.pseudonymise:
            field = self.fields["pseudonymise"]
            field.disabled = True
            field.help_text = (
                "On, and fixed: this project already holds posts stored under pseudonyms."
            )

    def clean_retention_until(self):
        date = self.cleaned_data["retention_until"]
        if (
            date is not None
            and date < timezone.localdate()
            and "retention_until" in self.changed_data
        ):
            raise forms.ValidationError(
                "Choose today or a later date. (Choosing today deletes the posts within minutes.)"
            )
        return date


class EthicsForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["ethics_reference", "consent_basis", "platform_terms"]
        widgets = {
            "consent_basis": forms.Textarea(attrs={"rows": 3}),
            "platform_terms": forms.Textarea(attrs={"rows": 3}),
        }


class RevealForm(forms.Form):
    pseudonym = forms.CharField(
        max_length=40, help_text="As shown in posts, e.g. user-3f9a2c0d1e2b4a5c."
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why you need to know who this is, e.g. “contact participant under "
        "protocol IRB-2026-014 §5”. Every owner sees it in the audit log.",
    )


class DeleteAuthorForm(forms.Form):
    pseudonym = forms.CharField(
        max_length=40, help_text="The author's pseudonym, e.g. user-3f9a2c0d1e2b4a5c."
    )
    reason = forms.CharField(
        required=False,
        max_length=300,
        help_text="Optional, for the audit log, e.g. “the author asked to be removed”.",
    )
    confirm = forms.BooleanField(
        label="I understand this deletes this author's posts for good.",
    )


@login_required
def privacy_settings(request, slug):
    project = get_project(request, slug, "edit_project")
    has_posts = project.posts.exists()
    before = {name: getattr(project, name) for name in PRIVACY_FIELDS}
    form = PrivacyForm(request.POST or None, instance=project, has_posts=has_posts)
    if request.method == "POST" and form.is_valid():
        if form.changed_data:
            if "retention_until" in form.changed_data:
                project.retention_state = ""  # a new date gets its own warnings
            form.save()
            changes = {
                name: [_plain(before[name]), _plain(getattr(project, name))]
                for name in form.changed_data
            }
            AuditEvent.record(
                request.user, project, "privacy.change", target=project.slug, changes=changes
            )
            messages.success(request, "Saved the privacy settings.")
        return redirect("privacy", slug=slug)
    context = {
        "project": project,
        "section": "privacy",
        "form": form,
        "has_posts": has_posts,
        "reveals": governance.recent_reidentifications(project),
        "imports": project.imports.filter(collection_run__isnull=True)[:50],
        "collections": project.collections.all(),
        "notice": governance.retention_notice(project),
        "key_file": _key_location(),
    }
    return render(request, "projects/privacy.html", context)


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _key_location():
    from django.conf import settings

    inside = settings.MASTER_KEY_FILE.resolve().is_relative_to(settings.DATA_DIR.resolve())
    return {"path": str(settings.MASTER_KEY_FILE), "inside_data_dir": inside}


@never_cache
@login_required
def reidentify(request, slug):
    project = get_project(request, slug, "reidentify")
    form = RevealForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            revealed = governance.reveal_person(
                project,
                form.cleaned_data["pseudonym"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except governance.GovernanceProblem as problem:
            form.add_error(None, str(problem))
    context = {
        "project": project,
        "section": "privacy",
        "form": form,
        "revealed": revealed,
        "pseudonym": form.cleaned_data.get("pseudonym") if revealed else None,
        "reveals": governance.recent_reidentifications(project),
    }
    response = render(request, "projects/reidentify.html", context)
    # The revealed identity must not stay in a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete_author(request, slug):
    project = get_project(request, slug, "delete_posts")
    form = DeleteAuthorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pseudonym = form.cleaned_data["pseudonym"].strip()
        if not project.posts.filter(author=pseudonym).exists():
            form.add_error("pseudonym", f"No post in this project is by “{pseudonym}”.")
        else:
            count = governance.delete_author_posts(
                project, pseudonym, by=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request, f"Deleted {count:,} posts by that author and forgot who they were."
            )
            return redirect("privacy", slug=slug)
    return render(
        request,
        "projects/privacy_delete_author.html",
        {"project": project, "section": "privacy", "form": form},
    )


@login_required
@require_POST
def delete_import(request, slug, run_id):
    project = get_project(request, slug, "delete_posts")
    run = get_object_or_404(project.imports, pk=run_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm the deletion.")
        return redirect("privacy", slug=slug)
    count = governance.delete_import_posts(project, run, by=request.user)
    messages.success(request, f"Deleted the {count:,} posts of “{run.label}”.")
    return redirect("privacy", slug=slug)


@login_required
@require_POST
def delete_collection(request, slug, collection_id):
    project = get_project(request, slug, "delete_posts")
    collection = get_object_or_404(project.collections, pk=collection_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm the deletion.")
        return redirect("privacy", slug=slug)
    count = governance.delete_collection_posts(project, collection, by=request.user)
    messages.success(request, f"Deleted the {count:,} posts collected by “{collection.name}”.")
    return redirect("privacy", slug=slug)


@login_required
def data_statement(request, slug):
    project = get_project(request, slug, "view_project")
    subset = _subset(project, request.GET.get("subset"))
    can_edit = request.perms.can("edit_project")
    form = EthicsForm(request.POST or None, instance=project)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only owners can change the ethics checklist.")
        if form.is_valid():
            if form.changed_data:
                form.save()
                AuditEvent.record(
                    request.user, project, "ethics.change", target=project.slug,
                    fields=form.changed_data,
                )  # fmt: skip
            messages.success(request, "Saved the ethics checklist.")
            return redirect("datastatement", slug=slug)
    download = request.GET.get("format")
    if download in ("md", "pdf"):
        AuditEvent.record(
            request.user, project, "datastatement.download", target=project.slug,
            format=download, subset=subset.name if subset else None,
        )  # fmt: skip
        name = f"data-statement-{project.slug}{'-' + str(subset.pk) if subset else ''}"
        if download == "md":
            response = HttpResponse(
                data_statement_markdown(project, subset),
                content_type="text/markdown; charset=utf-8",
            )
        else:
            response = HttpResponse(
                data_statement_pdf(project, subset), content_type="application/pdf"
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{download}"'
        return response
    context = {
        "project": project,
        "section": "datastatement",
        "statement": data_statement_markdown(project, subset),
        "subset": subset,
        "subsets": project.subsets.all() if hasattr(project, "subsets") else [],
        "form": form if can_edit else None,
    }
    return render(request, "projects/datastatement.html", context)


def _subset(project, subset_id):
    if not subset_id:
        return None
    try:
        from socialgood.analyze.models import Subset
    except ImportError:
        return None
    return get_object_or_404(Subset, project=project, pk=subset_id)
