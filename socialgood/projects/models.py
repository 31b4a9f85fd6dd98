import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from socialgood.projects.permissions import ROLE_LABELS, ROLES, Permissions


def crypto():
    # Imported late: settings decide where the master key lives.
    from socialgood.privacy import crypto

    return crypto


def master_key():
    return crypto().load_or_create_master_key(settings.MASTER_KEY_FILE)


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    ethics_reference = models.CharField(
        "ethics approval reference",
        max_length=200,
        blank=True,
        help_text="The reference of the ethics board's approval, e.g. IRB-2026-014.",
    )
    # The project's own secret, wrapped by the master key that lives outside the
    # database: a database dump alone cannot recompute or reverse pseudonyms.
    wrapped_key = models.BinaryField(editable=False)
    scrub_contacts = models.BooleanField(default=True)
    keep_raw = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @classmethod
    def create(cls, *, name, owner, description="", ethics_reference="", slug=None):
        with transaction.atomic():
            project = cls(
                name=name,
                slug=slug or cls.unique_slug(name),
                description=description,
                ethics_reference=ethics_reference,
                created_by=owner,
                wrapped_key=crypto().wrap_key(master_key(), crypto().new_key()),
            )
            project.save()
            Membership.objects.create(project=project, user=owner, role="owner", added_by=owner)
            AuditEvent.record(owner, project, "project.create", target=project.slug)
        return project

    @classmethod
    def unique_slug(cls, name):
        base = slugify(name)[:60] or "project"
        slug, n = base, 1
        while cls.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    @property
    def secret_key(self):
        if not hasattr(self, "_secret_key"):
            self._secret_key = crypto().unwrap_key(master_key(), bytes(self.wrapped_key))
        return self._secret_key

    def role_of(self, user):
        if not user.is_authenticated:
            return None
        membership = self.memberships.filter(user=user).first()
        return membership.role if membership else None

    def permissions_for(self, user):
        return Permissions(self.role_of(user))

    def add_member(self, user, role, *, by):
        membership, created = Membership.objects.get_or_create(
            project=self, user=user, defaults={"role": role, "added_by": by}
        )
        if created:
            AuditEvent.record(by, self, "member.add", target=user.username, role=role)
        elif membership.role != role:
            self.change_role(membership, role, by=by)
        return membership

    def change_role(self, membership, role, *, by):
        if membership.role == "owner" and role != "owner":
            self._keep_an_owner(membership)
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        AuditEvent.record(
            by, self, "member.role", target=membership.user.username, old=old, new=role
        )

    def remove_member(self, membership, *, by):
        if membership.role == "owner":
            self._keep_an_owner(membership)
        username = membership.user.username
        membership.delete()
        AuditEvent.record(by, self, "member.remove", target=username)

    def _keep_an_owner(self, membership):
        if not self.memberships.filter(role="owner").exclude(pk=membership.pk).exists():
            raise PermissionDenied(
                "A project needs at least one owner. Make someone else owner first."
            )

    def delete_with_audit(self, *, by):
        AuditEvent.record(by, self, "project.delete", target=self.slug, name=self.name)
        self.delete()


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", ROLE_LABELS["owner"]
        ANALYST = "analyst", ROLE_LABELS["analyst"]
        CODER = "coder", ROLE_LABELS["coder"]
        VIEWER = "viewer", ROLE_LABELS["viewer"]

    project = models.ForeignKey(Project, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user"),
        ]
        ordering = ["user__username"]

    def __str__(self):
        return f"{self.user} in {self.project} as {self.role}"


assert set(ROLES) == set(Membership.Role.values)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Audit events cannot be changed.")

    def delete(self):
        raise PermissionDenied("Audit events cannot be deleted.")

    _raw_delete = delete


class AuditEvent(models.Model):
    """One sensitive act, written once and never changed.

    The actor and project are kept as plain values too, so the record outlives a
    deleted account or project. On PostgreSQL a trigger also refuses UPDATE and
    DELETE issued by any SQL client (migration 0002).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # db_constraint=False: deleting a user or project must not touch these rows.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        null=True,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    project = models.ForeignKey(
        Project, models.DO_NOTHING, null=True, db_constraint=False, related_name="audit_events"
    )
    project_slug = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=50, db_index=True)
    target = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # the project's audit page: newest first
            models.Index(fields=["project", "-at"], name="audit_by_project"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target}"

    @classmethod
    def record(cls, actor, project, action, target="", **details):
        return cls.objects.create(
            actor=actor if actor and actor.is_authenticated else None,
            actor_name=actor.username if actor and actor.is_authenticated else "system",
            project=project,
            project_slug=project.slug if project else "",
            action=action,
            target=str(target),
            details=details,
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events cannot be deleted.")

    DESCRIPTIONS = {
        "project.create": "created the project",
        "project.edit": "changed the project's details",
        "project.delete": "deleted the project",
        "member.add": "added a member",
        "member.role": "changed a member's role",
        "member.remove": "removed a member",
        "job.cancel": "cancelled a job",
        "import.run": "imported posts",
        "export.download": "exported data",
    }

    @property
    def description(self):
        return self.DESCRIPTIONS.get(self.action, self.action)


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the token is shown once."""

    PREFIX = "sg_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="API token")
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)  # the first characters, to tell tokens apart
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @staticmethod
    def hash(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def create_for(cls, user, name="API token"):
        token = cls.PREFIX + secrets.token_urlsafe(32)
        cls.objects.create(user=user, name=name, token_hash=cls.hash(token), hint=token[:10])
        return token

    @classmethod
    def user_for(cls, token):
        if not token or not token.startswith(cls.PREFIX):
            return None
        found = cls.objects.select_related("user").filter(token_hash=cls.hash(token)).first()
        if found is None or not found.user.is_active:
            return None
        cls.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found.user
