"""Qualitative coding: codebooks, codings, memos, coding rounds and auto-coding rules.

The coding unit is a Post. Text documents imported from REFI-QDA projects (NVivo,
ATLAS.ti, MAXQDA) become Post rows with platform "document" plus a `Document` row
here holding what only documents have (the source's name, GUID and whether its text
was missing), so every screen, round, query and export treats them like posts.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

DOCUMENT_PLATFORM = "document"
# Namespace for deterministic REFI GUIDs: re-exports are diff-able, re-imports idempotent.
GUID_NAMESPACE = uuid.UUID("6f6d3c1e-51a4-4b0e-9d0f-2b7a9c35e0a1")


def new_guid():
    return str(uuid.uuid4()).upper()


def stable_guid(*parts):
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(str(p) for p in parts))).upper()


class Code(models.Model):
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="codes")
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children"
    )
    guid = models.CharField(max_length=36, default=new_guid)
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    inclusion = models.TextField("include when", blank=True)
    exclusion = models.TextField("exclude when", blank=True)
    examples = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#3b73b9")
    position = models.PositiveIntegerField(default=0)
    is_codable = models.BooleanField(default=True)  # REFI: a folder-like code holds children only
    retired_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="code_guid_per_project"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.retired_at is None


class CodebookVersion(models.Model):
    """A frozen copy of the codebook, made when a coding round starts."""

    project = models.ForeignKey(
        "projects.Project", models.CASCADE, related_name="codebook_versions"
    )
    number = models.PositiveIntegerField()
    codes = models.JSONField()  # [{id, guid, name, parent, definition, inclusion, ...}]
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="codebook_version_once"),
        ]

    def code_ids(self):
        return [c["id"] for c in self.codes]


class Document(models.Model):
    """What a text source imported from another QDA tool has beyond a post."""

    post = models.OneToOneField("collect.Post", models.CASCADE, related_name="document")
    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="+")
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=500)
    text_missing = models.BooleanField(default=False)
    variables = models.JSONField(default=list)  # [{name, type, value}] carried through REFI
    imported_from = models.CharField(max_length=200, blank=True)


class CodingRound(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="coding_rounds")
    name = models.CharField(max_length=200)
    codebook_version = models.ForeignKey(CodebookVersion, models.PROTECT, related_name="rounds")
    blind = models.BooleanField(default=True)
    seed = models.BigIntegerField()
    sample = models.JSONField(default=dict)  # how the units were drawn, to report and redo
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    coders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="coding_rounds")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class RoundUnit(models.Model):
    round = models.ForeignKey(CodingRound, models.CASCADE, related_name="units")
    post = models.ForeignKey("collect.Post", models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    adjudicated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    adjudicated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "post"], name="round_unit_once"),
        ]


class UnitDone(models.Model):
    """A coder finished a unit of a round. Tells "applied no codes" apart from "not coded yet"."""

    unit = models.ForeignKey(RoundUnit, models.CASCADE, related_name="done")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "coder"], name="unit_done_once"),
        ]


class Coding(models.Model):
    class Origin(models.TextChoices):
        HUMAN = "human", "Person"
        RULE = "rule", "Rule"
        MODEL = "model", "Classifier"
        ADJUDICATED = "adjudicated", "Adjudicated"
        IMPORTED = "imported", "Imported"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        SUGGESTED = "suggested", "Suggested"
        REJECTED = "rejected", "Rejected"

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="codings")
    post = models.ForeignKey("collect.Post", models.CASCADE, related_name="codings")
    code = models.ForeignKey(Code, models.CASCADE, related_name="codings")
    # Half-open span in Unicode code points of post.text; both None = the whole post.
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who coded, as a name: a coder from an imported project has no account here.
    coder_name = models.CharField(max_length=150)
    round = models.ForeignKey(
        CodingRound, models.CASCADE, null=True, blank=True, related_name="codings"
    )
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.HUMAN)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    rule = models.ForeignKey(
        "AutoRule", models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )
    confidence = models.FloatField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    guid = models.CharField(max_length=36, default=new_guid)
    selection_guid = models.CharField(max_length=36, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["project", "code"], name="coding_by_code"),
            models.Index(fields=["round", "coder"], name="coding_by_round_coder"),
        ]

    @property
    def is_span(self):
        return self.start is not None

    @property
    def quote(self):
        return self.post.text[self.start : self.end] if self.is_span else self.post.text


class Memo(models.Model):
    class Target(models.TextChoices):
        PROJECT = "project", "Project"
        CODE = "code", "Code"
        POST = "post", "Post"
        CODING = "coding", "Coding"

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="memos")
    target = models.CharField(max_length=8, choices=Target.choices, default=Target.PROJECT)
    code = models.ForeignKey(Code, models.CASCADE, null=True, blank=True, related_name="memos")
    post = models.ForeignKey(
        "collect.Post", models.CASCADE, null=True, blank=True, related_name="memos"
    )
    coding = models.ForeignKey(Coding, models.CASCADE, null=True, blank=True, related_name="memos")
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    guid = models.CharField(max_length=36, default=new_guid)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class AutoRule(models.Model):
    class Kind(models.TextChoices):
        HASHTAG = "hashtag", "Hashtag"
        KEYWORD = "keyword", "Keyword"
        REGEX = "regex", "Regular expression"
        AUTHOR = "author", "Author pseudonym"
        PLATFORM = "platform", "Platform"
        DATE = "date", "Date range"

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="auto_rules")
    code = models.ForeignKey(Code, models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    pattern = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)


class SavedQuery(models.Model):
    """A coding query (all of these codes, none of those) kept under a name."""

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="coding_queries")
    name = models.CharField(max_length=200)
    all_of = models.JSONField(default=list)  # code ids
    any_of = models.JSONField(default=list)
    none_of = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
