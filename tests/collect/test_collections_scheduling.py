"""Collections as background jobs: the scheduler, the worker, retries and dead workers."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from socialgood.collect import collecting
from socialgood.collect.models import Collection, CollectionRun, Post
from socialgood.jobs.models import Job
from socialgood.projects import governance
from tests.collect.collection_servers import HTTP_TIMEOUT, MastodonInstance, status


@pytest.fixture
def instance(settings):
    settings.COLLECT_SLEEP = lambda seconds: None
    settings.COLLECT_HTTP_TIMEOUT = HTTP_TIMEOUT
    settings.COLLECT_HTTP_RETRIES = 1
    server = MastodonInstance()
    for n in range(30):
        server.add(status(n, minutes=n))
    yield server
    server.stop()


def hourly(world, instance, **fields):
    return Collection.objects.create(
        project=world.project,
        name="#SocialWork hourly",
        platform="mastodon",
        query={"tags": ["socialwork"], "instances": [instance.base]},
        every_minutes=60,
        next_run_at=timezone.now() - timedelta(minutes=1),
        created_by=world.analyst,
        **fields,
    )


def run_worker():
    call_command("worker", batch=True, interval=0)


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_due_collection_and_schedules_the_next_run(world, instance):
    collection = hourly(world, instance)
    due = collection.next_run_at

    run_worker()  # its scheduler tick queues the run, then it runs it

    collection.refresh_from_db()
    run = collection.runs.get()
    assert run.status == CollectionRun.Status.DONE and run.trigger == "schedule"
    assert run.job.status == Job.Status.SUCCEEDED
    assert Post.objects.filter(project=world.project).count() == 30
    assert collection.next_run_at == due + timedelta(hours=1)  # keeps the rhythm
    assert collection.posts_new == 30 and collection.runs_count == 1
    assert run.import_run.imported == 30  # posts point at the run that brought them in


@pytest.mark.django_db
def test_a_second_scheduler_never_starts_the_same_run_twice(world, instance):
    collection = hourly(world, instance)
    seen_by_b = Collection.objects.get(pk=collection.pk)  # read before A claims it
    now = timezone.now()

    started_by_a = collecting.schedule_due(now)
    started_by_b = collecting.claim_and_start(seen_by_b, now)

    assert len(started_by_a) == 1 and started_by_b is None
    assert collecting.schedule_due(now) == []
    assert collection.runs.count() == 1


@pytest.mark.django_db(transaction=True)
def test_schedulers_ticking_at_the_same_moment_queue_one_run(world, instance):
    hourly(world, instance)
    now = timezone.now()
    barrier = threading.Barrier(4)
    started = []

    def scheduler():
        barrier.wait()
        try:
            started.extend(collecting.schedule_due(now))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(started) == 1
    assert CollectionRun.objects.count() == 1 and Job.objects.filter(kind="collect").count() == 1


@pytest.mark.django_db
def test_one_off_and_switched_off_collections(world, instance):
    once = hourly(world, instance, enabled=True)
    once.every_minutes = None
    once.save()
    hourly_off = Collection.objects.create(
        project=world.project,
        name="switched off",
        platform="mastodon",
        query=once.query,
        every_minutes=60,
        enabled=False,
        next_run_at=timezone.now() - timedelta(hours=2),
    )

    started = collecting.schedule_due()

    assert [run.collection for run in started] == [once]
    once.refresh_from_db()
    assert once.next_run_at is None  # ran once, not again
    assert not hourly_off.runs.exists()


@pytest.mark.django_db
def test_a_run_is_not_started_while_the_last_one_still_works(world, instance):
    collection = hourly(world, instance)
    first = collecting.start_run(collection, user=world.analyst)

    assert first is not None
    assert collecting.start_run(collection, user=world.analyst) is None
    assert collecting.schedule_due() == []  # due, but skipped like Social Feed Manager does
    assert collection.runs.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_dead_worker_is_recovered_and_the_retry_continues_from_the_saved_page(
    world, instance, settings, monkeypatch
):
    settings.JOB_STALE_AFTER_SECONDS = 300
    scrubs = []
    monkeypatch.setattr(governance, "scrub_database", lambda **_: scrubs.append(True))
    for n in range(30, 95):
        instance.add(status(n, minutes=n))
    collection = hourly(world, instance, enabled=False)
    run = collecting.start_run(collection, user=world.analyst)
    # The first attempt stored one page, then its machine died: no heartbeat since.
    job = run.job
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, attempt=1, heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    first_page = sorted(instance.statuses, key=lambda s: int(s["id"]), reverse=True)[:40]
    CollectionRun.objects.filter(pk=run.pk).update(status="running", attempt=1, pages=1)
    source = {"newest_id": first_page[0]["id"], "oldest_id": first_page[-1]["id"]}
    collection.state = {"sources": {f"{instance.host} #socialwork": source}}
    collection.save()

    assert [stale.pk for stale in Job.recover_stale()] == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.RETRYING
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        run_worker()

    run.refresh_from_db()
    assert run.status == CollectionRun.Status.DONE and run.attempt == 2
    # Only what the dead attempt had not saved was asked for: no request from the top.
    assert all("max_id" in q or "min_id" in q for _, q, _ in instance.log)
    assert Post.objects.filter(project=world.project).count() == 95 - 40
    # The dead attempt may have removed posts it never scrubbed from the files.
    assert scrubs == [True]


@pytest.mark.django_db
def test_a_run_whose_job_gave_up_is_closed_as_failed(world, instance, monkeypatch):
    scrubs = []
    monkeypatch.setattr(governance, "scrub_database", lambda **_: scrubs.append(True))
    collection = hourly(world, instance)
    run = collecting.start_run(collection, user=world.analyst)
    Job.objects.filter(pk=run.job.pk).update(
        status=Job.Status.FAILED, message="The worker running this job stopped responding."
    )

    collecting.reconcile_runs()

    run.refresh_from_db()
    assert run.status == CollectionRun.Status.FAILED
    assert "stopped responding" in run.message
    assert scrubs == [True]  # what the dead run removed is scrubbed from the files
    collecting.reconcile_runs()
    assert scrubs == [True]  # once: nothing more to close
    assert collecting.start_run(collection) is not None  # and the collection can run again


@pytest.mark.django_db(transaction=True)
def test_cancelling_stops_the_run_at_its_next_page_and_keeps_what_was_stored(
    world, instance, monkeypatch
):
    for n in range(30, 95):
        instance.add(status(n, minutes=n))
    collection = hourly(world, instance, enabled=False)
    run = collecting.start_run(collection, user=world.analyst)
    job = run.job
    calls = []
    progress = Job.progress

    def cancel_after_first_page(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            Job.objects.filter(pk=self.pk).update(cancel_requested=True)
        return progress(self, *args, **kwargs)

    monkeypatch.setattr(Job, "progress", cancel_after_first_page)
    run_worker()

    run.refresh_from_db()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert run.status == CollectionRun.Status.CANCELLED
    assert Post.objects.filter(project=world.project).count() == 40  # the first page stays
