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


def secret_keys(projects):
    """A lookup of project id -> secret key, for data migrations, whose historical
    Project model (`projects`) has no secret_key."""
    keys = {}

    def key_of(project_id):
        if project_id not in keys:
            wrapped = projects.objects.values_list("wrapped_key", flat=True).get(pk=project_id)
            keys[project_id] = crypto().unwrap_key(master_key(), bytes(wrapped))
        return keys[project_id]

    return key_of


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
    pseudonymise = models.BooleanField(
        "pseudonymise authors and mentions",
        default=True,
        help_text="Replace every author, @mention and profile link with a keyed pseudonym "
        "before anything is stored. Cannot be turned off once the project holds posts.",
    )
    scrub_contacts = models.BooleanField(
        "remove e-mail addresses and phone numbers",
        default=True,
        help_text="Scrub e-mail addresses and phone numbers from post text and alt text on "
        "import. Posts already stored are not changed.",
    )
    keep_raw = models.BooleanField(
        "keep raw payloads, encrypted",
        default=False,
        help_text="Keep each post's original platform record, encrypted with the project key. "
        "It still holds real names and handles, so only switch this on if your protocol "
        "needs the full record.",
    )
    strip_image_metadata = models.BooleanField(
        "strip image metadata",
        default=True,
        help_text="Remove EXIF data (camera, GPS location, time) from any image file stored "
        "for this project.",
    )
    retention_until = models.DateField(
        "delete posts on",
        null=True,
        blank=True,
        help_text="On this date socialgood deletes the project's posts, media, raw payloads, "
        "search index, analyses and export files. Owners are warned 7 days and 1 day before. "
        "Leave empty to keep posts until you delete them.",
    )
    # How far the retention job has got for the current date: "", "warned-7", "warned-1",
    # "deleting", "deleted". Reset whenever the date changes.
    retention_state = models.CharField(max_length=10, blank=True, default="", editable=False)
    export_policy = models.CharField(
        "who may export",
        max_length=20,
        choices=[
            ("owners", "Owners only"),
            ("owners_and_analysts", "Owners and analysts"),
        ],
        default="owners_and_analysts",
        help_text="Exports leave socialgood's protection: whoever downloads a file can share it.",
    )
    consent_basis = models.TextField(
        "consent basis",
        blank=True,
        help_text="Why you may use these posts without asking each author, or how they "
        "consented, e.g. “public posts, waiver of consent granted by the IRB”.",
    )
    platform_terms = models.TextField(
        "platform terms",
        blank=True,
        help_text="Which platform terms or researcher-access agreements apply, and how "
        "you comply (e.g. deletion of removed posts).",
    )
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

    @property
    def retention_notice(self):
        """A warning for the project's pages when the retention date is near, else None."""
        from socialgood.projects.governance import retention_notice

        return retention_notice(self)

    def role_of(self, user):
        if not user.is_authenticated:
            return None
        membership = self.memberships.filter(user=user).first()
        return membership.role if membership else None

    def permissions_for(self, user):
        return Permissions(self.role_of(user), export_policy=self.export_policy)

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
        # Late import: governance needs the collect models, which import this module.
        from socialgood.projects.governance import delete_project

        delete_project(self, by=by)


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
        "privacy.change": "changed the privacy settings",
        "reidentify": "revealed who is behind a pseudonym",
        "reidentify.refused": "was refused a re-identification",
        "posts.delete": "deleted posts",
        "posts.reprotect": "applied today's pseudonymisation rules to stored posts",
        "retention.warning": "was warned of the retention date",
        "retention.delete": "deleted posts at the retention date",
        "keys.rotate": "re-wrapped the project key under a new master key",
        "audit.export": "downloaded the audit log",
        "datastatement.download": "downloaded the data statement",
        "ethics.change": "changed the ethics checklist",
        "backup.restore": "restored the project from a backup",
        "collection.create": "created a collection",
        "collection.edit": "changed a collection",
        "collection.switch": "switched a collection on or off",
        "collection.delete": "deleted a collection",
        "credential.add": "added platform credentials",
        "credential.replace": "replaced platform credentials",
        "credential.delete": "deleted platform credentials",
        "subset.create": "saved a subset",
        "subset.delete": "deleted a subset",
        "code.add": "added a code",
        "code.edit": "changed a code",
        "code.merge": "merged codes",
        "code.split": "split a code",
        "code.retire": "retired a code",
        "code.restore": "restored a retired code",
        "codebook.import": "imported a codebook",
        "codebook.export": "exported the codebook",
        "coding.matrix_export": "exported the post × code matrix",
        "round.create": "started a coding round",
        "round.close": "closed a coding round",
        "round.adjudicate": "adjudicated a disagreement",
        "autocode.rule": "ran an auto-coding rule",
        "autocode.model": "trained an auto-coding model",
        "qdpx.import": "imported a REFI-QDA project",
        "qdpx.export": "exported a REFI-QDA project",
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
