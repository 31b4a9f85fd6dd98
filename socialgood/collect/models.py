"""Stored posts (already pseudonymised) and the runs that brought them in.

Bulk writes go through socialgood.collect.ingest, not the ORM; these models define
the tables, the constraints that make re-imports idempotent, and the read side.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="imports")
    job = models.ForeignKey("jobs.Job", models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label = models.CharField(max_length=300)  # file names as the researcher gave them
    format = models.CharField(max_length=40, blank=True)
    files = models.JSONField(default=list)  # [{name, size, sha256, format}]
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    records = models.BigIntegerField(default=0)
    imported = models.BigIntegerField(default=0)
    duplicates = models.BigIntegerField(default=0)
    skipped = models.BigIntegerField(default=0)
    report = models.JSONField(
        default=dict
    )  # socialgood.platforms.report.Report.as_dict() + timings
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return self.label


class Post(models.Model):
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="posts")
    platform = models.CharField(max_length=16)
    platform_id = models.CharField(max_length=500)
    url = models.TextField(null=True, blank=True)
    author = models.CharField(max_length=40, db_index=True)  # a pseudonym, never a handle
    created_at = models.DateTimeField()
    text = models.TextField(blank=True)
    lang = models.CharField(max_length=16, null=True, blank=True)
    kind = models.CharField(max_length=8, default="post")
    reply_to = models.CharField(max_length=500, null=True, blank=True)
    quote_of = models.CharField(max_length=500, null=True, blank=True)
    repost_of = models.CharField(max_length=500, null=True, blank=True)
    thread_root = models.CharField(max_length=500, null=True, blank=True)
    community = models.CharField(max_length=300, null=True, blank=True)
    metrics = models.JSONField(default=dict)
    engagement = models.BigIntegerField(
        default=0
    )  # likes + reposts + replies + quotes, for sorting
    has_media = models.BooleanField(default=False)
    has_alt_text = models.BooleanField(default=False)
    import_run = models.ForeignKey(
        ImportRun, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mapper = models.CharField(max_length=40, blank=True)  # "<format>/<mapper version>"
    raw_encrypted = models.BinaryField(null=True, blank=True)
    stored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Re-importing a file never duplicates a post.
            models.UniqueConstraint(
                fields=["project", "platform", "platform_id"], name="post_unique_per_project"
            ),
        ]
        indexes = [
            # the post browser's default order
            models.Index(fields=["project", "-created_at", "-id"], name="post_by_time"),
            # thread view: replies of a post
            models.Index(fields=["project", "reply_to"], name="post_by_parent"),
        ]

    def __str__(self):
        return f"{self.platform}:{self.platform_id}"


class PostHashtag(models.Model):
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, models.CASCADE, related_name="hashtags")
    tag = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["project", "tag"], name="hashtag_by_tag")]
        constraints = [
            models.UniqueConstraint(fields=["post", "tag"], name="hashtag_once_per_post")
        ]


class PostMention(models.Model):
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, models.CASCADE, related_name="mentions")
    person = models.CharField(max_length=40)  # pseudonym

    class Meta:
        indexes = [models.Index(fields=["project", "person"], name="mention_by_person")]
        constraints = [
            models.UniqueConstraint(fields=["post", "person"], name="mention_once_per_post")
        ]


class PostLink(models.Model):
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, models.CASCADE, related_name="links")
    url = models.TextField()
    domain = models.CharField(max_length=255)

    class Meta:
        indexes = [models.Index(fields=["project", "domain"], name="link_by_domain")]


class PostMedia(models.Model):
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField(default=0)
    type = models.CharField(max_length=10)
    url = models.TextField(null=True, blank=True)
    preview_url = models.TextField(null=True, blank=True)
    alt_text = models.TextField(null=True, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]


class PersonDirectory(models.Model):
    """A project's pseudonym directory and re-identification table, encrypted with its key.

    Holds which handles belong to which pseudonym (so a later import maps an @mention
    to the right person) and the originals an owner may reveal under audit.
    """

    project = models.OneToOneField("projects.Project", models.CASCADE, related_name="directory")
    encrypted = models.BinaryField()
    updated_at = models.DateTimeField(default=timezone.now)


class ColumnMapping(models.Model):
    """A CSV/XLSX column mapping, remembered by the file's header signature."""

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="column_mappings")
    signature = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    platform = models.CharField(max_length=16, default="other")
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "signature"], name="one_mapping_per_header")
        ]
