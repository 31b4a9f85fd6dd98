"""Governance of a project's sensitive data: re-identification, deletion, retention.

- `reveal_person` opens the encrypted re-identification table for one pseudonym, for an
  owner who gives a reason; every reveal is an audit event that all owners see.
- `delete_author_posts`, `delete_import_posts` and `delete_project_data` delete posts
  and everything derived from them, then `scrub_database` makes sure the deleted text
  is gone from the database file too, not just unreachable (see its docstring).
- `retention_tick` (run by the scheduler) warns owners 7 days and 1 day before a
  project's retention date and starts the deletion job on the day.

Deletion is generic on purpose: every model that points at a Post (codings, topic
labels, whatever is added later) goes with it through Django's cascade, and every
other model that points at the Project is deleted with the project's data unless it
is listed in KEEP_WITH_PROJECT (the project's own governance records).
"""

import logging
import shutil
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.db.models import Min
from django.utils import timezone

from socialgood.projects.models import AuditEvent, Project

logger = logging.getLogger(__name__)

DELETE_CHUNK = 2000
CHECKPOINT_ATTEMPTS = 10
WARN_DAYS = (7, 1)
MIN_REASON_LENGTH = 10
# Models that point at a project but are not research data: they stay when the
# project's data is deleted at its retention date (the project itself remains).
KEEP_WITH_PROJECT = {
    "projects.membership",
    "projects.auditevent",
    "jobs.job",  # cleared of results below, kept as the record of what ran
    "collect.credential",
    "collect.collection",  # paused below, so nothing is collected after the date
    "collect.columnmapping",
    "coding.code",
    "analyze.subset",
}
# Jobs whose results hold only counts. Every other job's result (an analysis, an
# export file) is computed from posts, so it is cleared when posts are deleted.
RESULT_FREE_JOB_KINDS = {"import", "retention"}


class GovernanceProblem(Exception):
    """A request that can't be carried out, explained in plain words."""


# --- files -----------------------------------------------------------------------------


def project_storage_dir(project):
    """The directory in the file store that holds this project's files (exports, media).

    Anything written under it is deleted with the project's data.
    """
    return settings.STORAGE_DIR / "projects" / str(project.pk)


def _store_files_named_in(values):
    """Files in the store named by any string inside `values` (JSON: job params, results).

    Jobs record the files they read or wrote (an import's uploads, an export's zip) by
    path or storage name; whatever the app that wrote them, this finds them.
    """
    store = settings.STORAGE_DIR.resolve()
    found = set()
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and 0 < len(value) < 1000 and "\n" not in value:
            path = settings.STORAGE_DIR / value  # an absolute path stays itself
            try:
                if path.resolve().is_relative_to(store) and path.is_file():
                    found.add(path.resolve())
            except (OSError, ValueError):
                continue
    return found


def _delete_files(paths):
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)


def delete_project_files(project):
    """Delete every file of the project from the store; returns how many were deleted."""
    from socialgood.jobs.models import Job

    jobs = Job.objects.filter(project=project).values_list("params", "result")
    paths = _store_files_named_in([value for pair in jobs for value in pair])
    for model in _project_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                names = model.objects.filter(project=project).values_list(field.name, flat=True)
                paths |= _store_files_named_in([name for name in names if name])
    count = _delete_files(paths)
    directory = project_storage_dir(project)
    if directory.exists():
        count += sum(1 for p in directory.rglob("*") if p.is_file())
        shutil.rmtree(directory)
    return count


# --- models ------------------------------------------------------------------------------


def _project_models():
    """Every model with a foreign key named `project` to Project."""
    found = []
    for model in apps.get_models():
        try:
            field = model._meta.get_field("project")
        except FieldDoesNotExist:
            continue
        if getattr(field, "related_model", None) is Project:
            found.append(model)
    return found


def _label(model):
    return model._meta.label_lower


# --- re-identification ---------------------------------------------------------------


def reveal_person(project, pseudonym, *, by, reason):
    """The original identity behind `pseudonym`, for an owner, with the act audited.

    Returns {"platform", "id", "handle", "display_name"} and, for someone who changed
    their display name, "earlier_display_names"; raises PermissionDenied for anyone but
    an owner (the refusal is audited too) and GovernanceProblem for a short reason or an
    unknown pseudonym.
    """
    from socialgood.collect.imports import load_original

    pseudonym = pseudonym.strip()
    reason = " ".join(reason.split())
    if not project.permissions_for(by).can("reidentify"):
        AuditEvent.record(by, project, "reidentify.refused", target=pseudonym)
        raise PermissionDenied("Only an owner of the project can reveal who is behind a pseudonym.")
    if len(reason) < MIN_REASON_LENGTH:
        raise GovernanceProblem(
            "Say why you need to know who this is (at least a few words); "
            "the reason is written to the audit log."
        )
    original = load_original(project, pseudonym)
    if original is None:
        raise GovernanceProblem(
            f"No one in this project has the pseudonym “{pseudonym}”. "
            "Copy it exactly from a post, e.g. user-3f9a2c0d1e2b4a5c."
        )
    # The event names the pseudonym and the reason, never the revealed handle: the audit
    # log is in the database, and the database must not hold identities in the clear.
    AuditEvent.record(by, project, "reidentify", target=pseudonym, reason=reason)
    _notify_owners(
        project,
        f"socialgood: {by.username} revealed a pseudonym in “{project.name}”",
        f"{by.username} revealed who is behind {pseudonym} in the project “{project.name}”.\n"
        f"Reason given: {reason}\n\nThe audit log of the project lists every such act.",
        exclude=by,
    )
    return dict(original)


def recent_reidentifications(project, limit=20):
    return AuditEvent.objects.filter(project=project, action="reidentify")[:limit]


# --- deletion ----------------------------------------------------------------------------


def _delete_posts(project, posts, progress=None):
    """Delete a Post queryset of the project in chunks (with everything that cascades from
    a post), taking them out of the dashboard's tallies as they go."""
    return delete_post_ids(project, list(posts.order_by().values_list("id", flat=True)), progress)


def delete_post_ids(project, ids, progress=None):
    """As _delete_posts, by id. Only the ids of the posts and of what cascades from them
    are read (migrations delete posts too: a column added later is not there yet)."""
    from socialgood.collect import tallies
    from socialgood.collect.models import Post

    total = len(ids)
    for start in range(0, total, DELETE_CHUNK):
        chunk = ids[start : start + DELETE_CHUNK]
        with transaction.atomic(), connection.cursor() as cursor:
            tallies.remove(cursor, project.pk, chunk)
            Post.objects.filter(id__in=chunk).only("id").delete()
        if progress is not None:
            progress(min(start + DELETE_CHUNK, total), total, "Deleting posts.")
    return total


def _delete_posts_and_results(project, posts):
    """Delete `posts` and the results that may contain them (none if there were none)."""
    since = posts.aggregate(earliest=Min("stored_at"))["earliest"]
    count = _delete_posts(project, posts)
    if count:
        invalidate_derived(project, since)
    return count


def invalidate_derived(project, since=None, keep_job=None):
    """Derived analyses may contain what was deleted (or replaced): remove them, clear job
    results. Returns how many were removed or cleared.

    `since` is when the earliest deleted post was stored (None: any time). Results
    finished before then never read it and stay, so a live collection that drops a
    post deleted on the platform keeps the analyses made before that post came in.
    Only ids are read of what is deleted: migrations run this too (collect 0016).
    """
    from socialgood.jobs.models import Job

    removed = 0
    for model in _project_models():
        if model._meta.app_label == "analyze" and _label(model) not in KEEP_WITH_PROJECT:
            derived = model.objects.filter(project=project)
            if since is not None:  # they are created once their posts are read
                derived = derived.filter(created_at__gte=since)
            removed += derived.only("pk").delete()[1].get(model._meta.label, 0)
    jobs = Job.objects.filter(project=project).exclude(kind__in=RESULT_FREE_JOB_KINDS)
    if since is not None:
        jobs = jobs.exclude(finished_at__lt=since)
    if keep_job is not None:
        jobs = jobs.exclude(pk=keep_job.pk)
    jobs = jobs.exclude(result={})
    # Export files made from the deleted posts go with the results that name them.
    _delete_files(_store_files_named_in(list(jobs.values_list("result", flat=True))))
    return removed + jobs.update(result={})


def delete_author_posts(project, pseudonym, *, by, reason=""):
    """Delete every post by one person (e.g. at their request) and forget who they were."""
    from socialgood.collect import imports
    from socialgood.collect.models import Post, Withdrawn

    _require(project, by, "delete_posts")
    pseudonym = pseudonym.strip()
    posts = Post.objects.filter(project=project, author=pseudonym)
    # Kept out of later imports too: the same file imported again must not bring them
    # back (collect.models.Withdrawn; the pseudonym alone, never who it was).
    platforms = set(posts.values_list("platform", flat=True).distinct())
    Withdrawn.objects.bulk_create(
        [Withdrawn(project=project, platform=platform, kind=Withdrawn.Kind.AUTHOR, value=pseudonym)
         for platform in platforms],
        ignore_conflicts=True,
    )  # fmt: skip
    count = _delete_posts_and_results(project, posts)
    imports.forget_person(project, pseudonym)
    scrub_database()
    # The event does not name the pseudonym: after a person's request, nothing in the
    # database should point at them. The count and reason show it was done.
    AuditEvent.record(
        by, project, "posts.delete", target="one author's posts", posts=count, reason=reason
    )
    return count


def remove_deleted_on_platform(project, platform, notices, *, by=None, scrub=True):
    """Remove stored posts that their platform says were deleted, or whose account was.

    Deletions announced in the data (Jetstream) are honoured as they arrive, and the
    posts kept out of later imports (collect.models.Withdrawn): the people chose to
    withdraw them, and platform terms require it. `notices` are ("post", post
    id) or ("author", author), as stored (Pseudonymiser.deletions). Returns how many
    posts were removed. `scrub=False`: the caller runs scrub_database() itself soon (a
    live collection, which would otherwise rewrite the search index page after page).
    """
    from socialgood.collect.models import Post, Withdrawn

    # Kept out of later imports too, even when nothing is stored yet.
    Withdrawn.objects.bulk_create(
        [Withdrawn(project=project, platform=platform, kind=kind, value=value[:500])
         for kind, value in notices if value],
        ignore_conflicts=True,
    )  # fmt: skip
    # Unordered: in the posts' default order SQLite reads every post of the project by
    # time for each chunk, instead of looking the ids and authors up by their indexes.
    posts = Post.objects.filter(project=project, platform=platform).order_by()
    found = {}  # id -> stored_at
    for what, column in (("post", "platform_id"), ("author", "author")):
        values = [value for kind, value in notices if kind == what]
        for start in range(0, len(values), DELETE_CHUNK):
            chunk = values[start : start + DELETE_CHUNK]
            found.update(posts.filter(**{f"{column}__in": chunk}).values_list("id", "stored_at"))
    if not found:
        return 0
    count = delete_post_ids(project, sorted(found))
    invalidate_derived(project, min(found.values()))
    if scrub:
        scrub_database()
    AuditEvent.record(by, project, "posts.delete", target="deleted on the platform", posts=count)
    return count


def delete_import_posts(project, run, *, by):
    """Delete the posts an import brought in (and the import's record)."""
    from socialgood.collect.models import Post

    _require(project, by, "delete_posts")
    count = _delete_posts_and_results(project, Post.objects.filter(project=project, import_run=run))
    if run.job is not None:  # the uploaded files of the import
        _delete_files(_store_files_named_in([run.job.params]))
    number = run.pk  # not its label: the log keeps what it is given, names too
    run.delete()
    scrub_database()
    AuditEvent.record(by, project, "posts.delete", target=f"import {number}", posts=count)
    return count


def delete_collection_posts(project, collection, *, by):
    """Delete the posts a collection brought in, over all its runs; the collection stays."""
    from socialgood.collect.models import ImportRun, Post

    _require(project, by, "delete_posts")
    runs = ImportRun.objects.filter(project=project, collection_run__collection=collection)
    count = _delete_posts_and_results(
        project, Post.objects.filter(project=project, import_run__in=runs)
    )
    scrub_database()
    AuditEvent.record(
        by, project, "posts.delete", target=f"collection {collection.name}", posts=count
    )
    return count


def delete_project_data(project, *, by=None, action="posts.delete", job=None):
    """Delete all of a project's research data; keep the project, its members and audit log.

    Posts (with media, links, raw payloads and search index entries), the person
    directory, import records, derived analyses, codings, export and upload files.
    """
    from socialgood.collect.models import Post
    from socialgood.jobs.models import Job

    progress = job.progress if job is not None else None
    count = _delete_posts(project, Post.objects.filter(project=project), progress)
    files = delete_project_files(project)
    for model in _project_models():
        if _label(model) not in KEEP_WITH_PROJECT:
            model.objects.filter(project=project).delete()
    invalidate_derived(project, keep_job=job)
    Job.objects.filter(project=project, kind="import").update(params={}, result={})
    try:
        apps.get_model("collect", "Collection").objects.filter(project=project).update(
            enabled=False
        )
    except LookupError:
        pass
    scrub_database()
    AuditEvent.record(by, project, action, target="all posts", posts=count, files=files)
    return count


def delete_project(project, *, by):
    """Delete a project and everything in it; the audit log keeps the record."""
    from socialgood.collect.models import Post

    _delete_posts(project, Post.objects.filter(project=project))
    delete_project_files(project)
    AuditEvent.record(by, project, "project.delete", target=project.slug, name=project.name)
    project.delete()
    scrub_database()


def _require(project, user, action):
    if user is not None and not project.permissions_for(user).can(action):
        raise PermissionDenied("Your role in this project does not allow this.")


def scrub_database(rewrite=True):
    """Make deleted rows unrecoverable from the database files, not just invisible.

    SQLite: `secure_delete` (on in settings) overwrites freed cells and pages with zeros,
    but two copies survive it: the full-text index records a deletion as a marker until
    its segments merge (so the index is optimised), and the write-ahead log keeps old
    copies of every changed page (so it is checkpointed into the file and truncated).
    Measured with tests/governance/test_deletion.py: without the merge or without the
    checkpoint the deleted words are still in the file's bytes; with both they are
    not, and VACUUM (a full rewrite of the file) adds nothing, so it is not run.
    PostgreSQL: VACUUM frees dead row versions but leaves their bytes in the table files
    until the space is reused, and the search index keeps every word it ever held; VACUUM
    FULL writes each table and index anew, without them (100k posts: about 2 s, while
    the tables are locked). `rewrite=False` (live collections, every few minutes) only
    vacuums: what they removed goes at the next rewrite. The server's write-ahead log
    may keep copies until it recycles its files, and its catalog of planner statistics
    old samples of column values until autovacuum reuses their space. Neither can run inside a transaction;
    there the caller must call this again afterwards. Returns True when done.
    """
    from socialgood.collect.search import optimise_index

    optimise_index()
    if connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for _attempt in range(CHECKPOINT_ATTEMPTS):
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, _log, _done = cursor.fetchone()
                if not busy:
                    return True
                time.sleep(0.2)
            # Another connection is reading; its pages reach the file at the next checkpoint.
            logger.warning("The write-ahead log could not be truncated: a reader is active.")
            return False
        if connection.vendor == "postgresql":
            # Analysed anew too: the planner's statistics sample the columns' values.
            vacuum = "VACUUM (FULL, ANALYZE)" if rewrite else "VACUUM"
            for model in apps.get_models(include_auto_created=True):
                if model._meta.managed and not model._meta.proxy:
                    cursor.execute(f'{vacuum} "{model._meta.db_table}"')
    return True


# --- retention ----------------------------------------------------------------------------


def has_research_data(project):
    from socialgood.collect.models import ImportRun, PersonDirectory, Post

    return (
        Post.objects.filter(project=project).exists()
        or ImportRun.objects.filter(project=project).exists()
        or PersonDirectory.objects.filter(project=project).exists()
    )


def retention_notice(project, today=None):
    """A sentence for the project's pages when deletion is near, else None."""
    if project.retention_until is None:
        return None
    today = today or timezone.localdate()
    days = (project.retention_until - today).days
    if days > max(WARN_DAYS) or not has_research_data(project):
        return None
    when = project.retention_until.strftime("%-d %B %Y")
    if days <= 0:
        return "The retention date has passed: this project's posts are being deleted."
    if days == 1:
        return f"This project's posts will be deleted tomorrow, {when} (its retention date)."
    return f"This project's posts will be deleted in {days} days, on {when} (its retention date)."


def retention_tick(today=None):
    """Warn owners before retention dates and start deletion on the day. Safe to run twice."""
    today = today or timezone.localdate()
    started = warned = 0
    due = Project.objects.filter(
        retention_until__isnull=False, retention_until__lte=today + timedelta(days=max(WARN_DAYS))
    )
    for project in due:
        days = (project.retention_until - today).days
        if days <= 0:
            started += _start_retention_deletion(project)
        elif days <= 1:
            warned += _warn(project, days, {"", "warned-7"}, "warned-1")
        else:
            warned += _warn(project, days, {""}, "warned-7")
    return {"retention_warnings": warned, "retention_deletions": started}


def _claim(project, before, after):
    # A conditional update: when several workers tick at once, exactly one wins.
    return Project.objects.filter(pk=project.pk, retention_state__in=before).update(
        retention_state=after
    )


def _warn(project, days, before, after):
    if not has_research_data(project) or not _claim(project, before, after):
        return 0
    when = project.retention_until.isoformat()
    AuditEvent.record(None, project, "retention.warning", target=when, days_left=days)
    _notify_owners(
        project,
        f"socialgood: posts in “{project.name}” will be deleted on {when}",
        f"The project “{project.name}” reaches its retention date on {when}, "
        f"in {days} day{'s' if days != 1 else ''}. socialgood will then delete its posts, "
        "search index, analyses and export files.\n\nTo keep them longer, an owner can "
        "change the date on the project's privacy page.",
    )
    return 1


def _start_retention_deletion(project):
    from socialgood.jobs.models import Job

    active = Job.objects.filter(project=project, kind="retention", status__in=Job.ACTIVE)
    if active.exists() or not has_research_data(project):
        return 0
    if not _claim(project, {"", "warned-7", "warned-1", "deleted", "deleting"}, "deleting"):
        return 0
    Job.start("retention", title="Delete posts at the retention date", project=project)
    return 1


def run_retention_job(job):
    """The "retention" job: delete the project's data if its date has really come."""
    project = job.project
    if project.retention_until is None or project.retention_until > timezone.localdate():
        Project.objects.filter(pk=project.pk).update(retention_state="")
        job.message = "The retention date was changed; nothing was deleted."
        return {"posts": 0}
    count = delete_project_data(project, action="retention.delete", job=job)
    Project.objects.filter(pk=project.pk).update(retention_state="deleted")
    job.message = f"Deleted {count:,} posts at the retention date."
    return {"posts": count}


def _notify_owners(project, subject, body, exclude=None):
    """E-mail the project's owners; a mail failure never stops the act itself."""
    owners = project.memberships.filter(role="owner").select_related("user")
    addresses = [
        m.user.email for m in owners if m.user.email and (exclude is None or m.user != exclude)
    ]
    if not addresses:
        return
    try:
        send_mail(subject, body, None, addresses)
    except Exception as error:
        logger.warning("Could not e-mail the owners of a project: %s", type(error).__name__)
