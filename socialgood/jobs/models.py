"""Background jobs as domain data.

The work itself runs through the django.tasks API (the django-tasks-db backend);
this model adds what researchers and the tasks API both lack: progress, a
plain-language message, retries with backoff, cancellation, and recovery of runs
whose worker died (a stale heartbeat).
"""

import logging
import traceback
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# kind -> dotted path of a function(job) that does the work and returns a JSON-able
# result. One table, like the platform registry.
JOB_KINDS = {
    "import": "socialgood.collect.imports.run_import_job",
    "import.upload": "socialgood.collect.import_views.run_uploaded_import",
    "retention": "socialgood.projects.governance.run_retention_job",
    "collect": "socialgood.collect.collecting.run_collection_job",
    "analyze.words": "socialgood.analyze.analyses.run_words",
    "analyze.sentiment": "socialgood.analyze.analyses.run_sentiment",
    "analyze.topics": "socialgood.analyze.analyses.run_topics",
    "analyze.network": "socialgood.analyze.analyses.run_network",
    "analyze.export": "socialgood.analyze.exports.run_export",
}


class JobError(Exception):
    """A failure with a message meant for the researcher, e.g. "The file is not JSON"."""

    retry = True


class PermanentJobError(JobError):
    """A failure that trying again cannot fix (bad input, missing project)."""

    retry = False


class JobCancelled(Exception):
    pass


def backoff(attempt):
    """Seconds to wait before attempt `attempt + 1`: 1 min, 2 min, 4 min ... at most 1 hour."""
    return min(60 * 2 ** (attempt - 1), 3600)


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Waiting to try again"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.RETRYING)

    project = models.ForeignKey(
        "projects.Project", models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempt = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)  # for people: what is happening or what went wrong
    error_detail = models.TextField(blank=True)  # for administrators; never post content
    result = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # stale-run recovery scans running jobs by heartbeat
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self):
        return f"{self.title} ({self.status})"

    @classmethod
    def start(cls, kind, *, title, project=None, user=None, params=None):
        if kind not in JOB_KINDS:
            raise KeyError(f"Unknown job kind {kind!r}")
        job = cls.objects.create(
            kind=kind,
            title=title,
            project=project,
            created_by=user,
            params=params or {},
            max_attempts=settings.JOB_MAX_ATTEMPTS,
            message="Waiting for a worker to pick this up.",
        )
        job.enqueue()
        return job

    def enqueue(self, run_after=None):
        from socialgood.jobs.tasks import run_job

        task = run_job.using(run_after=run_after) if run_after else run_job
        # After commit: a worker must never see the task before it can see the job row.
        transaction.on_commit(partial(task.enqueue, job_id=self.pk))

    @property
    def is_active(self):
        return self.status in self.ACTIVE

    @property
    def percent(self):
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))

    # -- running -------------------------------------------------------------

    def run(self):
        now = timezone.now()
        claimed = Job.objects.filter(
            pk=self.pk, status__in=[self.Status.QUEUED, self.Status.RETRYING]
        ).update(
            status=self.Status.RUNNING,
            attempt=models.F("attempt") + 1,
            started_at=now,
            heartbeat_at=now,
            run_after=None,
        )
        if not claimed:
            return  # cancelled, finished, or taken by another worker
        self.refresh_from_db()
        handler = import_string(JOB_KINDS[self.kind])
        try:
            result = handler(self)
        except JobCancelled:
            self._finish(self.Status.CANCELLED, "Cancelled.")
        except Exception as error:
            logger.warning(
                "Job %s (%s) attempt %s failed: %s",
                self.pk,
                self.kind,
                self.attempt,
                type(error).__name__,
            )
            self.attempt_failed(error)
        else:
            self.result = result or {}
            self._finish(self.Status.SUCCEEDED, self.message if self.message else "Finished.")

    def progress(self, done, total=None, message=None):
        """Report progress; also the heartbeat, and the point where cancelling takes effect."""
        self.progress_done = done
        if total is not None:
            self.progress_total = total
        if message is not None:
            self.message = message
        self.heartbeat_at = timezone.now()
        Job.objects.filter(pk=self.pk).update(
            progress_done=self.progress_done,
            progress_total=self.progress_total,
            message=self.message,
            heartbeat_at=self.heartbeat_at,
        )
        if Job.objects.filter(pk=self.pk, cancel_requested=True).exists():
            raise JobCancelled()

    def attempt_failed(self, error, detail=None):
        plain = (
            str(error)
            if isinstance(error, JobError)
            else (
                "Something went wrong inside socialgood "
                f"({type(error).__name__}). The details are kept for the administrator."
            )
        )
        self.error_detail = detail or "".join(traceback.format_exception(error))[-5000:]
        retry = getattr(error, "retry", True)
        if retry and self.attempt < self.max_attempts:
            wait = backoff(self.attempt)
            self.status = self.Status.RETRYING
            self.run_after = timezone.now() + timedelta(seconds=wait)
            self.message = (
                f"Attempt {self.attempt} of {self.max_attempts} failed: {plain} "
                f"Trying again in {wait // 60} min."
            )
            self.save(update_fields=["status", "run_after", "message", "error_detail"])
            self.enqueue(run_after=self.run_after)
        else:
            if retry and self.max_attempts > 1:
                plain = f"{plain} (gave up after {self.attempt} attempts)"
            self.error_detail = self.error_detail
            self._finish(self.Status.FAILED, plain)

    def _finish(self, status, message):
        self.status = status
        self.message = message
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "message", "finished_at", "result", "error_detail"])

    def cancel(self, *, by):
        from socialgood.projects.models import AuditEvent

        if not self.is_active:
            return False
        # A queued or waiting job stops here; a running one at its next progress report.
        stopped = Job.objects.filter(
            pk=self.pk, status__in=[self.Status.QUEUED, self.Status.RETRYING]
        ).update(status=self.Status.CANCELLED, message="Cancelled.", finished_at=timezone.now())
        if not stopped:
            Job.objects.filter(pk=self.pk).update(
                cancel_requested=True, message="Cancelling at the next checkpoint."
            )
        # By kind and number: an import's title names its files, and a file name may turn
        # out to name someone later, when the log can't be changed.
        AuditEvent.record(by, self.project, "job.cancel", target=f"{self.kind} job {self.pk}")
        self.refresh_from_db()
        return True

    @classmethod
    def recover_stale(cls, now=None):
        """Retry or fail running jobs whose worker stopped sending heartbeats."""
        now = now or timezone.now()
        cutoff = now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
        recovered = []
        for job in cls.objects.filter(status=cls.Status.RUNNING, heartbeat_at__lt=cutoff):
            last_seen = job.heartbeat_at
            # Claim it: if two schedulers race, only one sees the update succeed.
            if cls.objects.filter(
                pk=job.pk, status=cls.Status.RUNNING, heartbeat_at=last_seen
            ).update(heartbeat_at=now):
                job.refresh_from_db()
                job.attempt_failed(
                    JobError(
                        "The worker running this job stopped responding (it may have been restarted)."
                    ),
                    detail=f"No heartbeat since {last_seen:%Y-%m-%d %H:%M:%S} UTC.",
                )
                recovered.append(job)
        return recovered
