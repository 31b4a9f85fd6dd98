from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING

from socialgood.projects.views import get_project


@login_required
def job_list(request, slug):
    project = get_project(request, slug, "view_jobs")
    jobs = project.jobs.select_related("created_by")[:200]
    return render(request, "jobs/list.html", {"project": project, "jobs": jobs})


@login_required
@vary_on_headers("HX-Request")
def job_detail(request, slug, job_id):
    project = get_project(request, slug, "view_jobs")
    job = get_object_or_404(project.jobs, pk=job_id)
    context = {"project": project, "job": job}
    if request.htmx:
        # Polling stops once the job has ended; the page then shows the final state.
        status = 200 if job.is_active else HTMX_STOP_POLLING
        return render(request, "jobs/detail.html#status", context, status=status)
    return render(request, "jobs/detail.html", context)


@login_required
@require_POST
def job_cancel(request, slug, job_id):
    project = get_project(request, slug, "cancel_job")
    job = get_object_or_404(project.jobs, pk=job_id)
    if job.cancel(by=request.user):
        messages.success(request, f"Cancelling “{job.title}”.")
    else:
        messages.info(request, "That job had already ended.")
    return redirect("job", slug=slug, job_id=job.pk)
