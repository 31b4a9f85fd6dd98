import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.urls import reverse

from socialgood.projects.models import AuditEvent, Project


def actions(project):
    return list(
        AuditEvent.objects.filter(project_slug=project.slug)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_project_creation_and_membership_changes_are_audited(world):
    project = world.project
    assert actions(project) == ["project.create", "member.add", "member.add", "member.add"]
    first = AuditEvent.objects.filter(project=project).order_by("id").first()
    assert first.actor_name == "olive" and first.target == project.slug


def test_role_change_and_removal_record_who_did_what(client, world):
    client.force_login(world.owner)
    m = world.project.memberships.get(user=world.coder)
    client.post(reverse("member_role", args=[world.project.slug, m.pk]), {"role": "analyst"})
    client.post(reverse("member_remove", args=[world.project.slug, m.pk]))
    role, removed = AuditEvent.objects.filter(project=world.project).order_by("-id")[:2][::-1]
    assert (role.action, role.target, role.details) == (
        "member.role",
        "chen",
        {"old": "coder", "new": "analyst"},
    )
    assert (removed.action, removed.target, removed.actor_name) == (
        "member.remove",
        "chen",
        "olive",
    )


def test_adding_a_member_through_the_page_is_audited(client, world):
    client.force_login(world.owner)
    client.post(
        reverse("members", args=[world.project.slug]), {"username": "oscar", "role": "viewer"}
    )
    event = AuditEvent.objects.filter(project=world.project).first()
    assert (event.action, event.target, event.details) == (
        "member.add",
        "oscar",
        {"role": "viewer"},
    )


def test_project_deletion_is_audited_and_the_record_outlives_the_project(client, world):
    slug = world.project.slug
    client.force_login(world.owner)
    response = client.post(
        reverse("project_delete", args=[slug]), {"confirm_name": world.project.name}
    )
    assert response.status_code == 302
    assert not Project.objects.filter(slug=slug).exists()
    event = AuditEvent.objects.filter(project_slug=slug, action="project.delete").get()
    assert event.actor_name == "olive" and event.details["name"] == "Caregiver voices"


def test_deletion_needs_the_name_typed_exactly(client, world):
    client.force_login(world.owner)
    client.post(reverse("project_delete", args=[world.project.slug]), {"confirm_name": "caregiver"})
    assert Project.objects.filter(pk=world.project.pk).exists()


def test_events_cannot_be_changed_or_deleted_through_the_orm(world):
    event = AuditEvent.objects.first()
    event.target = "forged"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(target="forged")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).target != "forged"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)
@pytest.mark.parametrize(
    "sql", ["UPDATE projects_auditevent SET target = 'forged'", "DELETE FROM projects_auditevent"]
)
def test_postgresql_refuses_update_and_delete_in_sql(world, sql):
    count = AuditEvent.objects.count()
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(target="forged").exists()


def test_the_audit_page_shows_the_log_to_owners(client, world):
    client.force_login(world.owner)
    page = client.get(reverse("audit_log", args=[world.project.slug])).content.decode()
    assert "created the project" in page and "added a member" in page and "vera" in page
