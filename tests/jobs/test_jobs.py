"""Jobs: retries with backoff, plain-language failure, cancellation, stale-run recovery."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from socialgood.jobs import models as job_models
from socialgood.jobs.models import Job, JobError, PermanentJobError, backoff

CALLS = []


def flaky(job):
    CALLS.append(job.attempt)
    raise JobError("The platform did not answer.")


def broken_input(job):
    raise PermanentJobError("This file is not JSON.")


def crashes(job):
    raise ZeroDivisionError("secret post text must not show")


def works(job):
    job.progress(5, 10, "Halfway there.")
    job.progress(10, 10)
    return {"posts": 10}


def cancels_midway(job):
    job.progress(1, 10)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    job.progress(2, 10)
    return {"never": "reached"}


@pytest.fixture
def kinds(monkeypatch):
    for name in ("flaky", "broken_input", "crashes", "works", "cancels_midway"):
        monkeypatch.setitem(job_models.JOB_KINDS, name, f"tests.jobs.test_jobs.{name}")
    CALLS.clear()


def run_worker():
    call_command("worker", batch=True, interval=0)


def test_backoff_doubles_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3, 4, 7, 20)] == [60, 120, 240, 480, 3600, 3600]


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_through_the_real_worker_and_reports_progress(world, kinds):
    job = Job.start("works", title="Tiny job", project=world.project, user=world.owner)
    run_worker()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result == {"posts": 10}
    assert (job.progress_done, job.progress_total, job.percent) == (10, 10, 100)
    assert job.heartbeat_at is not None and job.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_retried_with_backoff_then_marked_failed(world, kinds):
    job = Job.start("flaky", title="Flaky", project=world.project)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        run_worker()
        job.refresh_from_db()
        assert job.status == "retrying" and job.attempt == 1
        assert job.run_after == start + timedelta(seconds=60)
        assert (
            "Attempt 1 of 3 failed: The platform did not answer. Trying again in 1 min."
            == job.message
        )
        run_worker()  # not due yet: nothing happens
        job.refresh_from_db()
        assert job.attempt == 1
        clock.shift(61)
        run_worker()
        job.refresh_from_db()
        assert job.status == "retrying" and job.attempt == 2
        assert job.run_after == timezone.now() + timedelta(seconds=120)
        clock.shift(121)
        run_worker()
    job.refresh_from_db()
    assert CALLS == [1, 2, 3]
    assert job.status == "failed"
    assert job.message == "The platform did not answer. (gave up after 3 attempts)"


@pytest.mark.django_db(transaction=True)
def test_bad_input_fails_at_once_without_retrying(world, kinds):
    job = Job.start("broken_input", title="Import", project=world.project)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempt, job.message) == ("failed", 1, "This file is not JSON.")


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_crash_gets_a_plain_message_and_keeps_details_for_admins(world, kinds):
    job = Job.start("crashes", title="Crash", project=world.project)
    job.max_attempts = 1
    job.save()
    run_worker()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message.startswith("Something went wrong inside socialgood (ZeroDivisionError)")
    assert "secret post text" not in job.message
    assert "ZeroDivisionError" in job.error_detail


@pytest.mark.django_db(transaction=True)
def test_a_running_job_stops_at_its_next_progress_report_when_cancelled(world, kinds):
    job = Job.start("cancels_midway", title="Long", project=world.project)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.result) == ("cancelled", 2, {})


def test_a_queued_job_is_cancelled_at_once_and_audited(world, kinds):
    job = Job.start("works", title="Queued", project=world.project)
    assert job.cancel(by=world.owner) is True
    job.refresh_from_db()
    assert job.status == "cancelled"
    job.run()  # a worker that picks it up later does nothing
    job.refresh_from_db()
    assert job.status == "cancelled" and job.attempt == 0
    (event,) = world.project.audit_events.filter(action="job.cancel")
    assert event.target == f"{job.kind} job {job.pk}"  # not its title: it may name files


def test_a_job_whose_worker_stopped_heartbeating_is_recovered(world, kinds, settings):
    settings.JOB_STALE_AFTER_SECONDS = 300
    now = timezone.now()
    dead = Job.objects.create(
        kind="works",
        title="Dead worker",
        project=world.project,
        status="running",
        attempt=1,
        max_attempts=3,
        heartbeat_at=now - timedelta(minutes=10),
    )
    alive = Job.objects.create(
        kind="works",
        title="Alive",
        project=world.project,
        status="running",
        attempt=1,
        max_attempts=3,
        heartbeat_at=now - timedelta(seconds=30),
    )
    recovered = Job.recover_stale(now)
    assert [j.pk for j in recovered] == [dead.pk]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "retrying" and "stopped responding" in dead.message
    assert alive.status == "running"
    assert Job.recover_stale(now) == []  # a second scheduler finds nothing left to do


def test_a_stale_job_on_its_last_attempt_is_failed(world, kinds):
    now = timezone.now()
    job = Job.objects.create(
        kind="works",
        title="Last try",
        project=world.project,
        status="running",
        attempt=3,
        max_attempts=3,
        heartbeat_at=now - timedelta(hours=1),
    )
    Job.recover_stale(now)
    job.refresh_from_db()
    assert job.status == "failed" and "stopped responding" in job.message


def test_job_page_polls_while_running_and_stops_when_done(client, world, kinds):
    job = Job.start("works", title="Polling", project=world.project)
    client.force_login(world.viewer)
    url = reverse("job", args=[world.project.slug, job.pk])
    page = client.get(url).content.decode()
    assert (
        'hx-trigger="every 2s"' in page and "Cancel this job" not in page
    )  # viewers cannot cancel
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    Job.objects.filter(pk=job.pk).update(status="succeeded")
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 286


@pytest.mark.parametrize(
    "role,allowed", [("owner", True), ("analyst", False), ("coder", False), ("viewer", False)]
)
def test_only_owners_can_cancel(client, world, kinds, role, allowed):
    job = Job.start("works", title="Cancel me", project=world.project)
    client.force_login(world.user(role))
    response = client.post(reverse("job_cancel", args=[world.project.slug, job.pk]))
    job.refresh_from_db()
    assert response.status_code == (302 if allowed else 403)
    assert (job.status == "cancelled") is allowed


def test_job_times_say_their_time_zone(client, world):
    job = Job.objects.create(
        kind="works",
        title="Tiny job",
        project=world.project,
        status="succeeded",
        created_at=datetime(2026, 11, 27, 14, 5, tzinfo=UTC),
        finished_at=datetime(2026, 11, 27, 14, 9, tzinfo=UTC),
    )
    client.force_login(world.viewer)
    listing = client.get(reverse("jobs", args=[world.project.slug])).content.decode()
    assert "<td>27 Nov 2026 14:05 UTC</td>" in listing
    page = client.get(reverse("job", args=[world.project.slug, job.pk])).content.decode()
    assert "<dt>Created</dt><dd>27 Nov 2026 14:05 UTC</dd>" in page
    assert "<dt>Ended</dt><dd>27 Nov 2026 14:09 UTC</dd>" in page
