"""Verified deletion: after deleting, no trace is left in any table, the search index,
the file store or the database file (its free pages and write-ahead log)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from socialgood.collect.imports import import_files, load_directory, load_originals
from socialgood.collect.models import Post, Tally
from socialgood.jobs.models import Job
from socialgood.jobs.tasks import scheduler_tick
from socialgood.projects import governance
from socialgood.projects.models import AuditEvent
from tests.governance.conftest import (
    ANA,
    BO,
    CY,
    database_files,
    fts_index_holds,
    fts_matches,
    rows_containing,
    standard_messages,
    store_files_containing,
)

pytestmark = pytest.mark.django_db(transaction=True)

ANA_MARKERS = ["zqana1word", "zqana2word"]
ALL_MARKERS = [m.marker for m in standard_messages()]


def pseudonym_of(project, person):
    originals = load_originals(project)
    return next(p for p, o in originals.items() if o["handle"] == person.handle)


def assert_no_trace(word):
    assert rows_containing(word) == [], f"{word} is still in a table"
    assert fts_matches(word) == 0, f"the search index still finds {word}"
    if connection.vendor == "sqlite":
        assert not fts_index_holds(word), f"the FTS index still holds the term {word}"
    assert word.encode() not in database_files(), f"{word} is still in the database files"
    assert store_files_containing(word) == []


def test_deleting_one_authors_posts_leaves_no_trace_of_them(imported, client):
    project = imported.project
    ana = pseudonym_of(project, ANA)
    # The checks below would pass vacuously if the search could not find the markers.
    for word in ALL_MARKERS:
        assert rows_containing(word) == [("collect_post", "text")]
        assert fts_matches(word) == 1
        assert word.encode() in database_files()
    client.force_login(imported.owner)
    response = client.post(
        reverse("delete_author", args=[project.slug]),
        {"pseudonym": ana, "reason": "she asked to be removed", "confirm": "on"},
    )
    assert response.status_code == 302
    assert Post.objects.filter(project=project).count() == 3
    assert not Post.objects.filter(project=project, author=ana).exists()
    for word in ANA_MARKERS:
        assert_no_trace(word)
    # She is forgotten by the re-identification table as well; the others are not.
    originals = load_originals(project)
    assert ana not in originals
    assert {o["handle"] for o in originals.values()} == {BO.handle, CY.handle}
    assert rows_containing(ana) == [
        ("collect_post", "text"),
        ("collect_postmention", "person"),
        ("collect_tally", "value"),  # the dashboard's count of those mentions
        ("collect_withdrawn", "value"),  # kept out of later imports, by pseudonym alone
    ], "only others' mentions of her pseudonym remain"
    assert not Tally.objects.filter(project=project, figure="authors", value=ana).exists()
    # The deletion is audited without naming her.
    event = AuditEvent.objects.get(project=project, action="posts.delete")
    assert event.details["posts"] == 2 and ana not in str(event.details) + event.target
    # Other people's posts are untouched and still searchable.
    assert fts_matches("zqbo1word") == 1 and fts_matches("zqcy2word") == 1
    # The same file imported again does not bring her back, nor who she was.
    again = import_files(project, [imported.run_path])
    assert (again.imported, again.duplicates) == (0, 3)
    assert not Post.objects.filter(project=project, author=ana).exists()
    assert ana not in load_originals(project)
    assert ana not in load_directory(project)["people"]


def test_deleting_an_imports_posts(imported, client, tmp_path):
    from tests.governance.conftest import Message, Person, import_messages

    project = imported.project
    dee = Person("deeholm31")
    second = import_messages(
        project, tmp_path, [Message(dee, "Second file zqdee1word", "zqdee1word")], "second.jsonl",
        start=100,
    )  # fmt: skip
    client.force_login(imported.owner)
    response = client.post(
        reverse("delete_import", args=[project.slug, second.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 302
    assert Post.objects.filter(project=project).count() == 5
    assert_no_trace("zqdee1word")
    assert not project.imports.filter(pk=second.pk).exists()


@pytest.mark.django_db
def test_only_owners_can_delete_posts(imported, client):
    project = imported.project
    for role in ("analyst", "coder", "viewer"):
        client.force_login(imported.user(role))
        response = client.post(
            reverse("delete_author", args=[project.slug]),
            {"pseudonym": pseudonym_of(project, ANA), "confirm": "on"},
        )
        assert response.status_code == 403
        response = client.post(
            reverse("delete_import", args=[project.slug, imported.run.pk]), {"confirm": "yes"}
        )
        assert response.status_code == 403
    assert Post.objects.filter(project=project).count() == 5


def test_deleting_the_project_leaves_no_trace(imported, client):
    project = imported.project
    export = governance.project_storage_dir(project) / "exports" / "posts.ndjson"
    export.parent.mkdir(parents=True)
    export.write_text("zqana1word zqcy2word\n")
    client.force_login(imported.owner)
    response = client.post(
        reverse("project_delete", args=[project.slug]), {"confirm_name": project.name}
    )
    assert response.status_code == 302
    for word in ALL_MARKERS:
        assert_no_trace(word)
    assert not export.exists()
    assert AuditEvent.objects.filter(project_slug=project.slug, action="project.delete").exists()


def run_worker():
    call_command("worker", batch=True, interval=0)


def test_retention_warns_7_and_1_days_before_then_deletes_everything(imported, client, settings):
    project = imported.project
    imported.owner.email = "olive@example.org"
    imported.owner.save()
    today = timezone.localdate()
    project.retention_until = today + timedelta(days=7)
    project.save()
    export = governance.project_storage_dir(project) / "exports" / "words.csv"
    export.parent.mkdir(parents=True)
    export.write_text("zqcy2word,3\n")

    # Seven days before: one warning, however many workers tick.
    scheduler_tick()
    scheduler_tick()
    warnings = AuditEvent.objects.filter(project=project, action="retention.warning")
    assert [e.details["days_left"] for e in warnings] == [7]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["olive@example.org"]
    client.force_login(imported.viewer)
    page = client.get(reverse("project", args=[project.slug])).content.decode()
    assert "will be deleted in 7 days" in page

    # One day before: a second warning.
    governance.retention_tick(today=today + timedelta(days=6))
    assert sorted(e.details["days_left"] for e in warnings.all()) == [1, 7]
    assert len(mail.outbox) == 2

    # On the day: the deletion job runs and leaves no trace.
    governance.retention_tick(today=today + timedelta(days=7))
    project.retention_until = today  # as if the date had come
    project.save(update_fields=["retention_until"])
    run_worker()
    job = Job.objects.get(project=project, kind="retention")
    assert job.status == "succeeded", job.message
    assert job.result == {"posts": 5}
    for word in ALL_MARKERS:
        assert_no_trace(word)
    assert not export.exists()
    assert load_directory(project) == {"directory": {}, "aliases": {}, "people": {}}
    assert load_originals(project) == {}
    project.refresh_from_db()
    assert project.retention_state == "deleted"
    assert project.memberships.count() == 4, "the team stays"
    assert AuditEvent.objects.filter(project=project, action="retention.delete").exists()
    # Nothing left to delete: further ticks start nothing.
    assert governance.retention_tick()["retention_deletions"] == 0


@pytest.mark.django_db
def test_a_changed_retention_date_gets_fresh_warnings(imported, client):
    project = imported.project
    client.force_login(imported.owner)
    soon = timezone.localdate() + timedelta(days=3)
    form = {
        "pseudonymise": "on",
        "scrub_contacts": "on",
        "strip_image_metadata": "on",
        "export_policy": "owners_and_analysts",
    }
    client.post(reverse("privacy", args=[project.slug]), {**form, "retention_until": soon})
    assert governance.retention_tick()["retention_warnings"] == 1
    later = soon + timedelta(days=30)
    client.post(reverse("privacy", args=[project.slug]), {**form, "retention_until": later})
    project.refresh_from_db()
    assert project.retention_state == ""
    assert governance.retention_tick(today=later - timedelta(days=7))["retention_warnings"] == 1


def test_deleting_a_collections_posts_and_the_exports_made_from_them(imported, client, tmp_path):
    from socialgood.collect.models import Collection, CollectionRun
    from tests.governance.conftest import Message, Person, import_messages

    project = imported.project
    eve = Person("evelark58")
    run = import_messages(
        project, tmp_path, [Message(eve, "Collected zqeve1word", "zqeve1word")], "c.jsonl",
        start=200,
    )  # fmt: skip
    collection = Collection.objects.create(project=project, name="Carers", platform="bluesky")
    CollectionRun.objects.create(collection=collection, import_run=run, status="done")
    # An export made before the deletion holds the post; it must go too.
    export = settings_store() / "exports" / str(project.pk) / "export-1.zip"
    export.parent.mkdir(parents=True)
    export.write_text("zqeve1word")
    Job.objects.create(
        project=project, kind="export", title="Export", status="succeeded",
        result={"file": f"exports/{project.pk}/export-1.zip"}, finished_at=timezone.now(),
    )  # fmt: skip
    client.force_login(imported.owner)
    response = client.post(
        reverse("delete_collection", args=[project.slug, collection.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 302
    assert Post.objects.filter(project=project).count() == 5
    assert_no_trace("zqeve1word")
    assert not export.exists()
    assert Collection.objects.filter(pk=collection.pk).exists(), "the collection itself stays"


def finished_export(project, name):
    path = settings_store() / "exports" / str(project.pk) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("an export")
    job = Job.objects.create(
        project=project, kind="export", title="Export", status="succeeded",
        result={"file": f"exports/{project.pk}/{name}"}, finished_at=timezone.now(),
    )  # fmt: skip
    return job, path


def test_results_made_before_the_deleted_posts_came_in_are_kept(imported, client, tmp_path):
    from socialgood.analyze.models import TopicModel
    from tests.governance.conftest import Message, Person, import_messages

    project = imported.project
    earlier_export, earlier_file = finished_export(project, "earlier.zip")
    earlier_topics = TopicModel.objects.create(project=project, k=2, posts=5)
    dee = Person("deeholm31")
    second = import_messages(
        project, tmp_path, [Message(dee, "Second file zqdee1word", "zqdee1word")], "second.jsonl",
        start=100,
    )  # fmt: skip
    later_export, later_file = finished_export(project, "later.zip")
    later_topics = TopicModel.objects.create(project=project, k=2, posts=6)

    client.force_login(imported.owner)
    client.post(reverse("delete_import", args=[project.slug, second.pk]), {"confirm": "yes"})

    assert_no_trace("zqdee1word")
    # Made from posts that are all still there: kept.
    assert earlier_file.exists()
    earlier_export.refresh_from_db()
    assert earlier_export.result == {"file": f"exports/{project.pk}/earlier.zip"}
    assert TopicModel.objects.filter(pk=earlier_topics.pk).exists()
    # Made after the deleted posts came in, so they may quote them: gone.
    assert not later_file.exists()
    later_export.refresh_from_db()
    assert later_export.result == {}
    assert not TopicModel.objects.filter(pk=later_topics.pk).exists()


def test_deleting_an_import_that_stored_nothing_keeps_every_result(imported, client):
    from socialgood.analyze.models import TopicModel
    from socialgood.collect.models import ImportRun

    project = imported.project
    export, export_file = finished_export(project, "kept.zip")
    topics = TopicModel.objects.create(project=project, k=2, posts=5)
    empty = ImportRun.objects.create(project=project, label="nothing-new.jsonl")

    client.force_login(imported.owner)
    client.post(reverse("delete_import", args=[project.slug, empty.pk]), {"confirm": "yes"})

    assert not ImportRun.objects.filter(pk=empty.pk).exists()
    assert export_file.exists()
    export.refresh_from_db()
    assert export.result == {"file": f"exports/{project.pk}/kept.zip"}
    assert TopicModel.objects.filter(pk=topics.pk).exists()


def settings_store():
    from django.conf import settings

    return settings.STORAGE_DIR


@pytest.mark.django_db
def test_the_retention_command_runs_the_same_check(imported, capsys):
    project = imported.project
    project.retention_until = timezone.localdate() + timedelta(days=1)
    project.save()
    call_command("retention")
    assert "1 warning(s) sent, 0 deletion(s) started." in capsys.readouterr().out
    event = AuditEvent.objects.get(project=project, action="retention.warning")
    assert event.details == {"days_left": 1}
