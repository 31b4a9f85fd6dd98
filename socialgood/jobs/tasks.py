from django_tasks import task

from socialgood.jobs.models import Job


@task()
def run_job(job_id):
    job = Job.objects.filter(pk=job_id).first()
    if job is not None:
        job.run()


def scheduler_tick():
    """Periodic housekeeping, run by every worker: safe when several run at once."""
    from socialgood.collect.collecting import schedule_due
    from socialgood.projects.governance import retention_tick

    recovered = len(Job.recover_stale())
    return {"recovered": recovered, **retention_tick(), "collections": len(schedule_due())}
