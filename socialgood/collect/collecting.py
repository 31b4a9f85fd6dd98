"""Live collections: the engine that runs collectors, and the contract collectors follow.

A **Collection** is a standing query on one platform (models.Collection); each time it
runs, a **CollectionRun** records what happened. Runs are Jobs of kind "collect"
(`start_run`), started by a person ("Run now", the CLI) or by the scheduler
(`schedule_due`, called from socialgood.jobs.tasks.scheduler_tick).

The collector contract
======================

Each platform's collector is a module `socialgood/platforms/<platform>_api.py`,
registered with one line in `socialgood.platforms.collectors.COLLECTORS`
("mastodon" -> "socialgood.platforms.mastodon_api"). Collectors are pure: no Django,
no database; they fetch through the shared HTTP layer and yield pages. A module offers:

    NAME                 the Collection.platform value ("mastodon")
    LABEL                the platform as people call it ("Mastodon")
    FORMAT               the parser module for its records (socialgood.platforms.mastodon)
    RATE_LIMIT           socialgood.platforms.http.RateLimitHeaders (MASTODON, BLUESKY,
                         REDDIT) or None
    QUERY_FIELDS         tuple of collectors.Field: the query's parameters. They build the
                         web form (with their help text) and the CLI options of
                         `socialgood collect <NAME> ...` (Field.cli names the option,
                         "list" fields are repeatable: --instance a --instance b).
    CREDENTIAL_FIELDS    tuple of collectors.Field (secret=True for what is never shown back)
    CREDENTIAL_REQUIRED  True if nothing can be read without a credential
    COVERAGE_CAVEAT      one sentence on what the platform can't give, for methods
                         sections ("Instances hold only what reached them through federation.")

    check_query(query: dict) -> dict
        The query cleaned and complete (defaults filled, "#" stripped, lists de-duplicated).
        Raises collectors.QueryError("plain words") for a query that can't work. Called
        when a collection is saved and again before every run.

    describe(query: dict) -> str
        What is asked, in words: "posts tagged #socialwork on mastodon.social and det.social".

    pages(ask: Ask, state: dict, http: HttpClient, coverage: Coverage) -> Iterator[Page]
        Does the collecting. `ask` has the checked query, the window (since/until, aware
        UTC or None) and the decrypted credential fields (`ask.secret`, a dict or None).
        `state` is what the last saved Page said (`{}` on the first run); a collector
        keeps in it whatever cursors it needs to resume and to collect only what is new
        next time, per source (instance, subreddit, video...). Yield a Page after every
        API page: `Page(records=[raw JSON records], state=<whole new state>, source=...)`.
        The engine parses the records with FORMAT (or page.format), pseudonymises them
        exactly like file imports, stores them, and saves `state` in the same
        transaction, so a crash resumes from the last saved page. Copy the state before
        changing it: the engine may still hold the previous one.
        Report what a methods section needs through `coverage`: asked(source, words),
        complete(source) when a source was read to its end or to `since`, failed(source,
        reason) when it could not be read (catch http.Unavailable per source and go on
        with the next one), refused(source, reason) when it would not give the data,
        cap(source, words) when a platform limit cut the result short, gap(source, words),
        note(words); coverage.quota_units for quota-metered APIs. The engine counts pages,
        posts, the oldest/newest post per source, duplicates and rate-limit waits itself.
        Raise collectors.Refused("plain words") when the platform refuses the whole
        collection (credentials rejected): no retry can help. Let http.Unavailable
        escape only when nothing at all can be read: the job is retried with backoff.
        http.RateLimited escaping ends the run early but cleanly ("partial").

The HTTP layer (socialgood.platforms.http.HttpClient) retries network errors, 5xx and
damaged JSON with backoff and jitter, waits for rate limits while reporting "Waiting 4
min for Mastodon's rate limit" (the run's message and heartbeat), and never logs URLs,
tokens or content. `http.get_json(url, params=..., headers=...)` returns (json,
response); `http.request(method, url, ...)` for anything else. Send credentials in
headers, not in URLs.

Privacy
=======

Posts take the importer's path: socialgood.privacy.pseudonyms.Pseudonymiser with the
project's key and person directory (socialgood.collect.imports.project_pseudonymiser /
save_directory), then socialgood.collect.ingest.store_posts. Raw payloads are kept
only on the project's opt-in, encrypted. Credentials are encrypted (see
`encrypt_credential`): project credentials with the project key, personal ones with a
key derived from the installation's master key for that user.
"""

import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime, timedelta

import msgspec
import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from socialgood import platforms
from socialgood.collect import ingest
from socialgood.collect.imports import is_disk_full, project_pseudonymiser, save_directory
from socialgood.collect.models import Collection, CollectionRun, Credential, ImportRun
from socialgood.platforms import collectors
from socialgood.platforms.collectors import Ask, Coverage, QueryError, Refused
from socialgood.platforms.http import HttpClient, RateLimited, Unavailable, minutes
from socialgood.platforms.report import Report, counted
from socialgood.privacy import crypto
from socialgood.projects import governance
from socialgood.projects.models import AuditEvent, master_key

# A page that removes stored posts deletes their rows at once; making their words
# unrecoverable from the database files (governance.scrub_database) rewrites the whole
# search index on SQLite, ~1.5 s at 1.15M posts, so a live run does it at most this
# often, and always when it ends or pauses.
SCRUB_EVERY_SECONDS = 300

logger = logging.getLogger(__name__)


# --- credentials --------------------------------------------------------------------------


def user_credential_key(user_id):
    """The key of one person's own credentials: HMAC-SHA256(master key, purpose + user id).

    Derived, not stored: a database copy without the master key file opens nothing, and
    one user's key opens no one else's credentials.
    """
    return hmac.new(
        master_key(), f"socialgood user credentials {user_id}".encode(), hashlib.sha256
    ).digest()


def _credential_key_and_purpose(credential):
    if credential.project_id is not None:
        key = credential.project.secret_key
        purpose = f"collect credential project {credential.project_id} {credential.platform}"
    else:
        key = user_credential_key(credential.user_id)
        purpose = f"collect credential user {credential.user_id} {credential.platform}"
    return key, purpose.encode()


def encrypt_credential(credential, fields):
    key, purpose = _credential_key_and_purpose(credential)
    credential.secret = crypto.encrypt(key, orjson.dumps(fields), purpose)
    credential.hint = credential_hint(collectors.collector(credential.platform), fields)


def credential_secret(credential):
    key, purpose = _credential_key_and_purpose(credential)
    return orjson.loads(crypto.decrypt(key, bytes(credential.secret), purpose))


def credential_hint(module, fields):
    """What the UI may show: public fields in full, secret ones as their last characters."""
    parts = []
    for field in module.CREDENTIAL_FIELDS:
        value = str(fields.get(field.name) or "")
        if not value:
            continue
        if not field.secret:
            parts.append(f"{field.label.lower()} {value[:40]}")
        elif len(value) >= 12:
            parts.append(f"{field.label.lower()} …{value[-3:]}")
        else:
            parts.append(f"{field.label.lower()} set")
    return ", ".join(parts)[:200]


def save_credential(*, platform, label, fields, by, project=None, user=None, credential=None):
    """Create a credential, or replace the secret of `credential`; audited, never logged."""
    module = collectors.collector(platform)
    fields = {name: str(value).strip() for name, value in fields.items() if value}
    missing = [f.label for f in module.CREDENTIAL_FIELDS if f.required and not fields.get(f.name)]
    if missing:
        raise QueryError(f"Please fill in: {', '.join(missing)}.")
    replacing = credential is not None
    if credential is None:
        credential = Credential(project=project, user=user, platform=platform, created_by=by)
    credential.label = label.strip()[:100] or module.LABEL
    credential.updated_at = timezone.now()
    encrypt_credential(credential, fields)
    credential.save()
    AuditEvent.record(
        by,
        credential.project,
        "credential.replace" if replacing else "credential.add",
        target=credential.label,
        platform=platform,
        owner="project" if credential.project_id else "personal",
    )
    return credential


def delete_credential(credential, *, by):
    AuditEvent.record(
        by,
        credential.project,
        "credential.delete",
        target=credential.label,
        platform=credential.platform,
    )
    credential.delete()


def usable_credentials(project, user, platform=None):
    """Credentials a person may attach to a collection: the project's and their own."""
    credentials = Credential.objects.filter(Q(project=project) | Q(project=None, user=user))
    if platform:
        credentials = credentials.filter(platform=platform)
    return credentials


# --- starting and scheduling ------------------------------------------------------------


def start_run(collection, *, user=None, trigger="manual"):
    """Queue a run of `collection`, or return None if one is already queued or running.

    Like Social Feed Manager, a run that is due while the previous one still works is
    skipped: the running one already collects everything new.
    """
    from socialgood.jobs.models import Job

    with transaction.atomic():
        # Lock the collection row: two starts at once queue one run.
        Collection.objects.select_for_update().filter(pk=collection.pk).first()
        if collection.runs.filter(
            status__in=[CollectionRun.Status.QUEUED, CollectionRun.Status.RUNNING]
        ).exists():
            return None
        run = CollectionRun.objects.create(
            collection=collection, trigger=trigger, message="Waiting for a worker to pick this up."
        )
        run.job = Job.start(
            "collect",
            title=f"Collect “{collection.name}”",
            project=collection.project,
            user=user,
            params={"collection": collection.pk, "run": run.pk},
        )
        run.save(update_fields=["job"])
    return run


def following_run(collection, now):
    """When a collection runs next after being started at `now`: None for one-off ones.

    Keeps the rhythm of the schedule (a collection due at 10:00 runs at 11:00 next, even
    if started at 10:00:30) and skips the runs missed while no worker ran.
    """
    if not collection.every_minutes:
        return None
    every = timedelta(minutes=collection.every_minutes)
    due = collection.next_run_at or now
    if due > now:
        return due
    missed = (now - due) // every
    return due + (missed + 1) * every


def schedule_due(now=None):
    """Start the runs of enabled collections whose next_run_at has come; returns them.

    Safe when several schedulers tick at once: each claims a collection with a
    conditional UPDATE on the next_run_at it read, and only one such UPDATE can succeed.
    """
    now = now or timezone.now()
    reconcile_runs()
    due = Collection.objects.filter(enabled=True, next_run_at__lte=now).select_related("project")
    return [run for run in (claim_and_start(collection, now) for collection in due) if run]


def claim_and_start(collection, now):
    """Move `collection`'s next_run_at on, and start a run if this call was the one to do so."""
    with transaction.atomic():  # the claim and the queued run commit together
        claimed = Collection.objects.filter(
            pk=collection.pk, enabled=True, next_run_at=collection.next_run_at
        ).update(next_run_at=following_run(collection, now))
        if not claimed:
            return None  # another scheduler got there first, or someone changed the schedule
        return start_run(collection, user=collection.created_by, trigger="schedule")


def reconcile_runs():
    """Close runs whose job ended without them (a worker died for good, a cancelled queue)."""
    from socialgood.jobs.models import Job

    open_runs = CollectionRun.objects.filter(
        status__in=[CollectionRun.Status.QUEUED, CollectionRun.Status.RUNNING],
        job__status__in=[Job.Status.FAILED, Job.Status.CANCELLED, Job.Status.SUCCEEDED],
    ).select_related("job")
    closed = 0
    for run in open_runs:
        status = (
            CollectionRun.Status.CANCELLED
            if run.job.status == Job.Status.CANCELLED
            else CollectionRun.Status.FAILED
        )
        closed += CollectionRun.objects.filter(pk=run.pk, status=run.status).update(
            status=status, message=run.job.message, finished_at=timezone.now()
        )
    if closed:
        # A run that died may have removed posts it had no time to scrub from the files.
        governance.scrub_database()


# --- the job ------------------------------------------------------------------------------


def run_collection_job(job):
    """The "collect" job: params {collection, run}."""
    from socialgood.jobs.models import JobError, PermanentJobError

    run = (
        CollectionRun.objects.select_related("collection__project", "collection__credential")
        .filter(pk=job.params.get("run"))
        .first()
    )
    if run is None:
        raise PermanentJobError("This collection was deleted before it could run.")
    final = job.attempt >= job.max_attempts
    try:
        collect(run, progress=job.progress, job=job, final_attempt=final)
    except (QueryError, Refused) as error:
        raise PermanentJobError(str(error)) from None
    except Unavailable as error:
        raise JobError(str(error)) from None
    job.message = run.message
    return {
        "collection_run": run.pk,
        "posts_new": run.posts_new,
        "duplicates": run.duplicates,
        "status": run.status,
    }


# --- collecting ---------------------------------------------------------------------------


def http_settings():
    # Tests make waits instant and timeouts short through settings.
    return {
        "timeout": getattr(settings, "COLLECT_HTTP_TIMEOUT", 30.0),
        "retries": getattr(settings, "COLLECT_HTTP_RETRIES", 4),
        "backoff_base": getattr(settings, "COLLECT_HTTP_BACKOFF", 1.0),
        "max_wait": getattr(settings, "COLLECT_MAX_RATE_LIMIT_WAIT", 900.0),
        **({"sleep": settings.COLLECT_SLEEP} if getattr(settings, "COLLECT_SLEEP", None) else {}),
    }


def collect(run, *, progress=None, job=None, final_attempt=True):
    """Run `run` to its end (or until stopped) and return it, finished.

    Exceptions propagate after the run is marked: QueryError and Refused mean a failed
    run; Unavailable and unexpected errors mean failed if `final_attempt`, else waiting
    for the job's retry, which continues from the saved state.
    """
    from socialgood.jobs.models import JobCancelled

    collection = run.collection
    worker = _Run(run, progress)
    try:
        module = collectors.collector(collection.platform)
        worker.start(module, job)
        query = module.check_query(collection.query)
        secret = None
        if collection.credential_id:
            secret = credential_secret(collection.credential)
            Credential.objects.filter(pk=collection.credential_id).update(
                last_used_at=timezone.now()
            )
        elif module.CREDENTIAL_REQUIRED:
            raise QueryError(
                f"Collecting from {module.LABEL} needs a credential. Add one on the credentials "
                "page and choose it in the collection's settings."
            )
        ask = Ask(query=query, since=collection.since, until=collection.until, secret=secret)
        with HttpClient(
            module.LABEL,
            rate_limit=getattr(module, "RATE_LIMIT", None),
            on_wait=worker.waiting,
            **http_settings(),
        ) as http:
            worker.http = http
            try:
                for page in module.pages(ask, dict(collection.state), http, worker.coverage):
                    worker.store(page, module)
            except RateLimited as error:
                worker.stopped_early(str(error))
    except JobCancelled:
        worker.finish(
            CollectionRun.Status.CANCELLED, "Cancelled. The posts stored so far are kept."
        )
        raise
    except (QueryError, Refused) as error:
        worker.finish(CollectionRun.Status.FAILED, str(error), error=str(error))
        raise
    except Exception as error:
        if isinstance(error, Unavailable):
            message = str(error)
        elif is_disk_full(error):
            message = (
                "The disk is full, so the collection stopped. The posts stored so far are "
                "kept; free some space and the next run continues from here."
            )
        else:
            message = f"Something went wrong inside socialgood ({type(error).__name__})."
            logger.exception("Collection run %s failed", run.pk)
        if final_attempt:
            worker.finish(CollectionRun.Status.FAILED, message, error=message)
        else:
            worker.pause(message)
        raise
    worker.finish()
    return run


class _Run:
    """One run's bookkeeping: storing pages, counting, heartbeats, the final report."""

    def __init__(self, run, progress):
        self.run = run
        self.collection = run.collection
        self.project = run.collection.project
        self.progress = progress
        self.coverage = Coverage.from_dict(run.coverage)
        self.report = Report()
        self.http = None
        self.stop_reason = None
        self.removed = 0
        self.scrub_pending = False
        self.scrubbed_at = time.monotonic()
        self.requests_before = self.coverage.requests
        self.waits_before = (run.rate_limit_waits, run.rate_limit_wait_seconds)

    def start(self, module, job):
        run = self.run
        self.module = module
        now = timezone.now()
        if run.import_run_id is None:
            run.import_run = ImportRun.objects.create(
                project=self.project,
                job=job,
                created_by=self.collection.created_by,
                label=f"Collection “{self.collection.name}”"[:300],
                format=module.NAME,
            )
        run.attempt += 1
        # An earlier attempt that died may have removed posts without scrubbing them.
        self.scrub_pending = run.attempt > 1
        run.status = CollectionRun.Status.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.message = f"Collecting from {module.LABEL}…"
        run.save(
            update_fields=[
                "import_run",
                "attempt",
                "status",
                "started_at",
                "heartbeat_at",
                "message",
            ]
        )
        self.pseudonymiser = project_pseudonymiser(self.project, with_kept_names=True)
        self.people_saved = self.pseudonymiser.known

    def store(self, page, module):
        fmt = page.format or module.FORMAT
        posts = []
        for record in page.records:
            self.report.records += 1
            for post in fmt.parse(record, self.report):
                self.report.posts += 1
                if self._in_window(post):
                    posts.append(post)
                else:
                    self.coverage.outside_window += 1
        for post in posts:
            self.coverage.seen(page.source, post.created_at)
        self.coverage.page(page.source)
        self._count_http()
        apply = self.pseudonymiser.apply
        if self.project.keep_raw:
            batch = [msgspec.structs.replace(apply(post), raw=post.raw) for post in posts]
        else:
            batch = [apply(post) for post in posts]
        run = self.run
        now = timezone.now()
        with transaction.atomic():
            counts = ingest.Counts(0, 0)
            if batch:
                counts = ingest.store_posts(
                    self.project,
                    batch,
                    mapper=platforms.mapper_of(fmt),
                    import_run_id=run.import_run_id,
                )
            # The cursor moves with the posts it covers: after a crash, the next attempt
            # starts from the last page that was really stored.
            Collection.objects.filter(pk=self.collection.pk).update(
                state=page.state,
                posts_seen=F("posts_seen") + len(batch),
                posts_new=F("posts_new") + counts.inserted,
                duplicates=F("duplicates") + counts.duplicates,
            )
            run.pages += 1
            run.posts_seen += len(batch)
            run.posts_new += counts.inserted
            run.duplicates += counts.duplicates
            run.heartbeat_at = now
            run.coverage = self._coverage_dict()
            run.message = (
                f"{run.pages:,} pages read, {run.posts_seen:,} posts, {run.posts_new:,} new."
            )
            run.save(
                update_fields=[
                    "pages", "posts_seen", "posts_new", "duplicates", "heartbeat_at", "coverage",
                    "message", "rate_limit_waits", "rate_limit_wait_seconds",
                ]
            )  # fmt: skip
            if self.pseudonymiser.known > self.people_saved:
                self._save_people()
        self.collection.state = page.state
        if self.report.deleted:
            self._remove_deleted(fmt.PLATFORM)
        if self.progress is not None:
            self.progress(run.posts_seen, None, run.message)

    def _remove_deleted(self, platform):
        """Stored posts the stream says were deleted (in this run or before) leave the project."""
        notices = self.pseudonymiser.deletions(platform, self.report.deleted)
        self.report.deleted = []
        removed = governance.remove_deleted_on_platform(
            self.project, platform, notices, by=self.collection.created_by, scrub=False
        )
        self.removed += removed
        self.scrub_pending = self.scrub_pending or bool(removed)
        self._scrub(now=False)

    def _scrub(self, now=True):
        """Scrub what this run deleted from the database files: `now`, or when it is due."""
        due = time.monotonic() - self.scrubbed_at >= SCRUB_EVERY_SECONDS
        if self.scrub_pending and (now or due):
            governance.scrub_database(rewrite=False)  # every few minutes: no table locks
            self.scrub_pending = False
            self.scrubbed_at = time.monotonic()

    def _save_people(self):
        save_directory(self.project, self.pseudonymiser.document())
        # Stored: the next save merges only the people seen after this one, not the
        # whole run's again (each would rewrite every shard of the table it touches).
        self.pseudonymiser.saved()
        self.people_saved = self.pseudonymiser.known

    def _in_window(self, post):
        since, until = self.collection.since, self.collection.until
        return not (since and post.created_at < since) and not (until and post.created_at > until)

    def _count_http(self):
        if self.http is not None:
            self.coverage.requests = self.requests_before + self.http.requests
            self.run.rate_limit_waits = self.waits_before[0] + self.http.waits
            self.run.rate_limit_wait_seconds = self.waits_before[1] + self.http.waited_seconds

    def _coverage_dict(self):
        data = self.coverage.as_dict()
        data["parsing"] = {
            "records": self.report.records,
            "posts": self.report.posts,
            "skipped": dict(self.report.skipped),
            "warnings": dict(self.report.warnings),
            "unknown_fields": dict(self.report.unknown_fields),
        }
        if self.stop_reason:
            data["stopped"] = self.stop_reason
        return data

    def waiting(self, seconds_left, message):
        """HttpClient's on_wait: say why nothing moves, and keep the heartbeat going."""
        CollectionRun.objects.filter(pk=self.run.pk).update(
            message=message, heartbeat_at=timezone.now()
        )
        if self.progress is not None:
            self.progress(self.run.posts_seen, None, message)

    def stopped_early(self, reason):
        self.stop_reason = reason

    def pause(self, message):
        """A failed attempt that the job will retry, from the saved state."""
        self._count_http()
        self._scrub()
        run = self.run
        run.errors = [*run.errors, message]
        run.status = CollectionRun.Status.QUEUED
        run.message = f"Attempt {run.attempt} stopped: {message} Trying again soon."
        run.coverage = self._coverage_dict()
        run.save(
            update_fields=[
                "errors", "status", "message", "coverage", "rate_limit_waits",
                "rate_limit_wait_seconds",
            ]
        )  # fmt: skip

    def finish(self, status=None, message=None, error=None):
        self._count_http()
        self._scrub()
        run = self.run
        coverage = self.coverage
        if self.removed:
            coverage.note(
                f"{counted(self.removed, 'stored post')} removed: their authors deleted them "
                "(or their accounts) on the platform."
            )
        if error:
            run.errors = [*run.errors, error]
        if status is None:
            troubled = any(
                entry["failed"] or entry["refused"] for entry in coverage.sources.values()
            )
            status = (
                CollectionRun.Status.PARTIAL
                if troubled or self.stop_reason
                else CollectionRun.Status.DONE
            )
            message = summary(run, self.stop_reason)
        now = timezone.now()
        run.status = status
        run.message = message
        run.finished_at = now
        run.coverage = self._coverage_dict()
        run.save()
        Collection.objects.filter(pk=self.collection.pk).update(
            last_run_at=now, runs_count=F("runs_count") + 1
        )
        if run.import_run_id:
            ImportRun.objects.filter(pk=run.import_run_id).update(
                status=ImportRun.Status.FAILED
                if status in (CollectionRun.Status.FAILED, CollectionRun.Status.CANCELLED)
                else ImportRun.Status.DONE,
                records=self.report.records,
                imported=run.posts_new,
                duplicates=run.duplicates,
                skipped=sum(self.report.skipped.values()),
                report=run.coverage,
                message=message[:1000],
                finished_at=now,
            )
        # Saved between pages only when someone new was met; at the end also what was
        # learnt of people known before (a new display name).
        if hasattr(self, "pseudonymiser") and (
            self.pseudonymiser.known > self.people_saved or self.pseudonymiser.originals
        ):
            self._save_people()
        if run.posts_new:
            ingest.refresh_statistics()  # a project grows run by run: keep plans right


def summary(run, stop_reason=None):
    text = (
        f"{counted(run.posts_new, 'new post')}, {run.duplicates:,} already stored, "
        f"{counted(run.pages, 'page')}."
    )
    failed = [
        name
        for name, entry in run.coverage.get("sources", {}).items()
        if entry.get("failed") or entry.get("refused")
    ]
    if failed:
        text += f" Not read completely: {', '.join(failed)}."
    if stop_reason:
        text += f" {stop_reason}"
    return text


# --- the coverage report --------------------------------------------------------------------


def _when(moment):
    """'3 Jan 2026 09:12 UTC' from a datetime or an ISO string."""
    if moment is None:
        return "?"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"


def _span(start, end):
    """'On 27 Nov 2026 from 00:47 to 00:52 UTC', or across days with both dates."""
    if end is None:
        return f"On {_when(start)}"
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start.date() == end.date():
        return f"On {start.day} {start:%b %Y} from {start:%H:%M} to {end:%H:%M} UTC"
    return f"From {_when(start)} to {_when(end)}"


def _window(collection):
    if collection.since and collection.until:
        return f"posts from {_when(collection.since)} to {_when(collection.until)}"
    if collection.since:
        return f"posts from {_when(collection.since)} on"
    if collection.until:
        return f"posts up to {_when(collection.until)}"
    return "no time limits"


def run_report(run):
    """The coverage of one run as a paragraph a researcher can paste into a methods section."""
    collection = run.collection
    module = collectors.collector(collection.platform)
    coverage = run.coverage or {}
    sources = coverage.get("sources", {})
    try:
        asked = module.describe(module.check_query(collection.query))
    except QueryError:
        asked = "an invalid query"
    sentences = [
        f"{_span(run.started_at or run.created_at, run.finished_at)}, socialgood collected "
        f"{asked} from {module.LABEL} (requested window: {_window(collection)})."
    ]
    sentences.append(
        f"It read {counted(run.pages, 'page')} with {counted(coverage.get('requests', 0), 'request')} "
        f"and received {counted(run.posts_seen, 'post')}: {run.posts_new:,} new and "
        f"{run.duplicates:,} already stored or seen twice in this run."
    )
    oldest = min((e["oldest"] for e in sources.values() if e.get("oldest")), default=None)
    newest = max((e["newest"] for e in sources.values() if e.get("newest")), default=None)
    if oldest:
        sentences.append(f"The posts received date from {_when(oldest)} to {_when(newest)}.")
    complete = [name for name, e in sources.items() if e.get("complete")]
    if complete:
        sentences.append(f"Read to the end of what was available: {', '.join(complete)}.")
    for name, entry in sources.items():
        if entry.get("failed"):
            sentences.append(f"{name} could not be read: {entry['failed']}")
        if entry.get("refused"):
            sentences.append(f"{name} refused: {entry['refused']}")
        for cap in entry.get("caps", []):
            sentences.append(f"{name}: {cap}")
        for gap in entry.get("gaps", []):
            sentences.append(f"{name}: {gap}")
    incomplete = [
        name
        for name, e in sources.items()
        if not (e.get("complete") or e.get("failed") or e.get("refused"))
    ]
    if incomplete and run.status != CollectionRun.Status.RUNNING:
        sentences.append(
            f"Not read to the end in this run (the next run continues): {', '.join(incomplete)}."
        )
    if run.rate_limit_waits:
        sentences.append(
            f"Rate limits made the collection wait {counted(run.rate_limit_waits, 'time')}, "
            f"{minutes(run.rate_limit_wait_seconds)} in total."
        )
    if coverage.get("outside_window"):
        sentences.append(
            f"{counted(coverage['outside_window'], 'post')} outside the requested window "
            f"{'was' if coverage['outside_window'] == 1 else 'were'} not kept."
        )
    skipped = sum((coverage.get("parsing") or {}).get("skipped", {}).values())
    if skipped:
        sentences.append(f"{counted(skipped, 'record')} could not be read and were skipped.")
    if coverage.get("quota_units"):
        sentences.append(f"It used {coverage['quota_units']:,} units of the API quota.")
    if coverage.get("stopped"):
        sentences.append(coverage["stopped"])
    sentences.extend(coverage.get("notes", []))
    caveat = getattr(module, "COVERAGE_CAVEAT", "")
    if caveat:
        sentences.append(caveat)
    return " ".join(sentences)


def collection_report(collection):
    """The coverage of a collection across its runs, in words."""
    module = collectors.collector(collection.platform)
    runs = list(collection.runs.exclude(status=CollectionRun.Status.QUEUED).order_by("created_at"))
    try:
        asked = module.describe(module.check_query(collection.query))
    except QueryError:
        asked = "an invalid query"
    schedule = (
        f"every {every_words(collection.every_minutes)}" if collection.every_minutes else "once"
    )
    if not runs:
        return f"Collects {asked} from {module.LABEL}, {schedule}. It has not run yet."
    first, last = runs[0], runs[-1]
    sentences = [
        f"socialgood collected {asked} from {module.LABEL}, {schedule}, in "
        f"{counted(len(runs), 'run')} between {_when(first.started_at or first.created_at)} and "
        f"{_when(last.finished_at or last.started_at or last.created_at)} "
        f"(requested window: {_window(collection)}).",
        f"It stored {counted(collection.posts_new, 'post')}; {collection.duplicates:,} more "
        "were received again (on another source or in a later run) and stored once.",
    ]
    oldest = newest = None
    for run in runs:
        for entry in (run.coverage or {}).get("sources", {}).values():
            if entry.get("oldest") and (oldest is None or entry["oldest"] < oldest):
                oldest = entry["oldest"]
            if entry.get("newest") and (newest is None or entry["newest"] > newest):
                newest = entry["newest"]
    if oldest:
        sentences.append(f"The posts date from {_when(oldest)} to {_when(newest)}.")
    troubled = [run for run in runs if run.status in ("partial", "failed")]
    for run in troubled:
        problems = []
        for name, entry in (run.coverage or {}).get("sources", {}).items():
            if entry.get("failed"):
                problems.append(f"{name} failed ({entry['failed'].rstrip('.')})")
            if entry.get("refused"):
                problems.append(f"{name} refused ({entry['refused'].rstrip('.')})")
        if run.status == "failed" and run.errors:
            problems.append(run.errors[-1].rstrip("."))
        if (run.coverage or {}).get("stopped"):
            problems.append("stopped early by a rate limit")
        if problems:
            sentences.append(
                f"Run {run.pk} ({_when(run.started_at or run.created_at)}): {'; '.join(problems)}."
            )
    waits = sum(run.rate_limit_waits for run in runs)
    if waits:
        seconds = sum(run.rate_limit_wait_seconds for run in runs)
        sentences.append(
            f"Rate limits made it wait {counted(waits, 'time')}, {minutes(seconds)} in total."
        )
    caps = sorted(
        {
            f"{name}: {cap}"
            for run in runs
            for name, entry in (run.coverage or {}).get("sources", {}).items()
            for cap in entry.get("caps", [])
        }
    )
    if caps:
        sentences.append("Limits hit: " + " ".join(caps))
    caveat = getattr(module, "COVERAGE_CAVEAT", "")
    if caveat:
        sentences.append(caveat)
    return " ".join(sentences)


def every_words(every_minutes):
    if every_minutes % 1440 == 0:
        days = every_minutes // 1440
        return "day" if days == 1 else f"{days} days"
    if every_minutes % 60 == 0:
        hours = every_minutes // 60
        return "hour" if hours == 1 else f"{hours} hours"
    return "minute" if every_minutes == 1 else f"{every_minutes} minutes"
