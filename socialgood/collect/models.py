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

    def report_document(self):
        """The run's report as one JSON-able document: `socialgood import --report` and the
        report page's download give the same thing."""
        return {
            "project": self.project.slug,
            "import": self.pk,
            "status": self.status,
            "message": self.message,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "files": self.files,
            **self.report,
        }


# Foreign keys that another index already starts with have no index of their own
# (db_index=False): every index costs each stored row one more insert, and these served
# no query. Dropping them (migration 0006) saved ~0.6 of 9.6 PostgreSQL server CPU s per
# 100k twarc2 posts, ~0.2 CPU s on SQLite. `author` is indexed in Meta, not with
# db_index, which on PostgreSQL adds a second, pattern-matching (LIKE) copy.


def project_copy(db_index=False):
    """The project of a row that belongs to a post (side tables, tallies), for its indexes.

    No database constraint: the post's own keys already guarantee the project, and on
    PostgreSQL checking it cost ~2 of ~14 s per 100k twarc2 posts stored (each row
    locks the one project row again). Deleting a project still deletes these rows:
    Django cascades, not the database, and nothing deletes posts with raw SQL.
    """
    return models.ForeignKey(
        "projects.Project",
        models.CASCADE,
        related_name="+",
        db_index=db_index,
        db_constraint=False,
    )


def post_of_side_row(related_name, db_index=True):
    """The post a hashtag, mention, link or media row belongs to.

    No database constraint, for the reason project_copy gives: on PostgreSQL checking
    each side row's post at commit cost 2.4 of ~21 s of storing 118k twarc2 posts
    (~400k side rows, each locking its post again); on SQLite 3% of storing. Only the
    importer writes these rows, for posts it has just inserted in the same transaction,
    and every deletion of posts goes through Django, which deletes them first.
    """
    return models.ForeignKey(
        "collect.Post",
        models.CASCADE,
        related_name=related_name,
        db_index=db_index,
        db_constraint=False,
    )


class Post(models.Model):
    # Covered by post_unique_per_project and post_by_time.
    project = models.ForeignKey(
        "projects.Project", models.CASCADE, related_name="posts", db_index=False
    )
    platform = models.CharField(max_length=16)
    platform_id = models.CharField(max_length=500)
    url = models.TextField(null=True, blank=True)
    author = models.CharField(max_length=40)  # a pseudonym, never a handle
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
            # thread view: replies of a post, and every post of a conversation. Partial:
            # most posts start no thread, and leaving them out makes storing cheaper.
            models.Index(
                fields=["project", "reply_to"],
                name="post_by_parent",
                condition=models.Q(reply_to__isnull=False),
            ),
            models.Index(
                fields=["project", "thread_root"],
                name="post_by_thread",
                condition=models.Q(thread_root__isnull=False),
            ),
            # the post browser's author filter
            models.Index(fields=["author"], name="post_by_author"),
        ]

    def __str__(self):
        return f"{self.platform}:{self.platform_id}"


class PostHashtag(models.Model):
    # Covered by hashtag_by_tag and hashtag_once_per_post.
    project = project_copy()
    post = post_of_side_row("hashtags", db_index=False)
    tag = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["project", "tag"], name="hashtag_by_tag")]
        constraints = [
            models.UniqueConstraint(fields=["post", "tag"], name="hashtag_once_per_post")
        ]


class PostMention(models.Model):
    # Covered by mention_by_person and mention_once_per_post.
    project = project_copy()
    post = post_of_side_row("mentions", db_index=False)
    person = models.CharField(max_length=40)  # pseudonym

    class Meta:
        indexes = [models.Index(fields=["project", "person"], name="mention_by_person")]
        constraints = [
            models.UniqueConstraint(fields=["post", "person"], name="mention_once_per_post")
        ]


class PostLink(models.Model):
    # Covered by link_by_domain.
    project = project_copy()
    post = post_of_side_row("links")
    url = models.TextField()
    domain = models.CharField(max_length=255)

    class Meta:
        indexes = [models.Index(fields=["project", "domain"], name="link_by_domain")]


class PostMedia(models.Model):
    project = project_copy(db_index=True)
    post = post_of_side_row("media")
    position = models.PositiveSmallIntegerField(default=0)
    type = models.CharField(max_length=10)
    url = models.TextField(null=True, blank=True)
    preview_url = models.TextField(null=True, blank=True)
    alt_text = models.TextField(null=True, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]


class Tally(models.Model):
    """How many of a project's posts have each value of a dashboard figure.

    Kept up to date as posts are stored and deleted (see
    socialgood.collect.tallies), so the whole project's dashboard never counts a
    million posts while someone waits. `figure` is one of tallies.FIGURES; for
    "volume" the value is "<UTC quarter hour> <platform>", e.g. "2024-05-01 13:45 bluesky".
    """

    # Covered by one_tally_per_value.
    project = project_copy()
    figure = models.CharField(max_length=10)
    value = models.CharField(max_length=300)
    posts = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "figure", "value"], name="one_tally_per_value"
            )
        ]


class PersonDirectory(models.Model):
    """A project's pseudonym directory, encrypted with its key: which handles belong to
    which pseudonym (so a later import maps an @mention to the right person), ids that
    adopted a handle's pseudonym, and every pseudonym in the project. What an owner may
    reveal under audit is apart, in PersonOriginals.
    """

    project = models.OneToOneField("projects.Project", models.CASCADE, related_name="directory")
    encrypted = models.BinaryField()  # handle directory, aliases, people (collect.imports)
    updated_at = models.DateTimeField(default=timezone.now)


class PersonOriginals(models.Model):
    """One shard of a project's re-identification table (pseudonym -> platform, id, handle,
    display name), encrypted with its key.

    Apart from the directory, so imports never load it, and in shards by pseudonym
    (collect.imports.ORIGINALS_SHARDS), so merging what an import learnt or forgetting
    one person holds one shard in memory at a time.
    """

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+")
    shard = models.PositiveSmallIntegerField()
    encrypted = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "shard"], name="one_originals_shard")
        ]


class Withdrawn(models.Model):
    """A post, or all of an author's, that the platform said was deleted: removed when the
    notice came, and kept out of every later import or collection of the project (people
    chose to withdraw them). `value` is the post's platform_id or the author's pseudonym,
    as stored."""

    class Kind(models.TextChoices):
        POST = "post"
        AUTHOR = "author"

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+")
    platform = models.CharField(max_length=16)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=500)
    withdrawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "platform", "kind", "value"], name="withdrawn_once"
            )
        ]


class ColumnMapping(models.Model):
    """A CSV/XLSX column mapping, remembered by the file's header signature.

    Of the column names only those the mapping uses are kept: the others may be a title
    line taken for them ("Posts of @…"), with someone's handle in it."""

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="column_mappings")
    signature = models.CharField(max_length=64)
    platform = models.CharField(max_length=16, default="other")
    mapping = models.JSONField(default=dict)
    # How "03/04/2026" reads (tabular.DAY_FIRST or MONTH_FIRST); empty: the file tells.
    dates = models.CharField(max_length=12, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "signature"], name="one_mapping_per_header")
        ]


# --- live collections ------------------------------------------------------------------
# How they run: socialgood.collect.collecting (the engine) and socialgood.platforms.collectors.


class Credential(models.Model):
    """A platform login or key that collections use, encrypted at rest; never shown back.

    A project credential (project set) is encrypted with the project key and any analyst
    of that project may let a collection use it. A personal credential (project empty,
    user set) is encrypted with a key derived from the installation's master key for
    that user (see collecting.user_credential_key) and only its owner can attach it to a
    collection. `secret` holds the encrypted JSON of the platform's fields (e.g. Reddit
    {"client_id", "client_secret"}); `hint` is what the UI shows ("client id abc…, secret …x7f").
    """

    project = models.ForeignKey(
        "projects.Project", models.CASCADE, null=True, blank=True, related_name="credentials"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="collect_credentials",
    )
    platform = models.CharField(max_length=20)
    label = models.CharField(max_length=100)
    secret = models.BinaryField(editable=False)
    hint = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["platform", "label"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=False) | models.Q(user__isnull=False),
                name="credential_has_owner",
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.hint})" if self.hint else self.label

    def __repr__(self):
        # Never the secret, not even encrypted, in a debugger or a log line.
        return f"<Credential {self.pk} {self.platform} {self.label!r}>"


class Collection(models.Model):
    """A standing query on one platform: what to collect, when, and where it got to."""

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="collections")
    name = models.CharField(max_length=200)
    platform = models.CharField(max_length=20)  # a key of platforms.collectors.COLLECTORS
    query = models.JSONField(default=dict)  # per-platform parameters, checked by the collector
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    every_minutes = models.PositiveIntegerField(null=True, blank=True)  # None: run once
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    # Cursors per source (instance, subreddit, video...), saved with each page's posts.
    state = models.JSONField(default=dict, blank=True)
    credential = models.ForeignKey(
        Credential, models.SET_NULL, null=True, blank=True, related_name="collections"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    runs_count = models.PositiveIntegerField(default=0)
    posts_seen = models.BigIntegerField(default=0)
    posts_new = models.BigIntegerField(default=0)
    duplicates = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="collection_name_per_project")
        ]
        indexes = [
            # the scheduler's scan for due collections
            models.Index(fields=["enabled", "next_run_at"], name="collection_due"),
        ]

    def __str__(self):
        return self.name


class CollectionRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        PARTIAL = "partial", "Finished with gaps"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    collection = models.ForeignKey(Collection, models.CASCADE, related_name="runs")
    job = models.ForeignKey("jobs.Job", models.SET_NULL, null=True, blank=True, related_name="+")
    # Provenance: the posts this run stored point at this ImportRun (Post.import_run).
    import_run = models.OneToOneField(
        ImportRun, models.SET_NULL, null=True, blank=True, related_name="collection_run"
    )
    trigger = models.CharField(max_length=10, default="schedule")  # schedule, manual, cli
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempt = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    posts_seen = models.BigIntegerField(default=0)
    posts_new = models.BigIntegerField(default=0)
    duplicates = models.BigIntegerField(default=0)
    rate_limit_waits = models.PositiveIntegerField(default=0)
    rate_limit_wait_seconds = models.FloatField(default=0)
    coverage = models.JSONField(default=dict, blank=True)  # collectors.Coverage.as_dict()
    errors = models.JSONField(default=list, blank=True)  # plain-language messages
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.collection} run {self.pk}"

    @property
    def is_active(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
