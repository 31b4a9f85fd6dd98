"""Saved subsets of a project's posts, and the topic labels a topic model gave posts.

Results of the other analyses (word counts, sentiment, networks) live in the Job that
computed them (Job.result), and export files in storage; neither needs a table.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Subset(models.Model):
    """A named filter (see socialgood.analyze.filters), the unit every analysis and export runs on.

    The filter is stored, not the matching posts: a subset grows with later imports,
    the way a saved search does.
    """

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="subsets")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    params = models.JSONField(default=dict)  # filters.clean_params(), never with "subset"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="subset_name_per_project")
        ]

    def __str__(self):
        return self.name

    @property
    def summary(self):
        """The filter in words, e.g. "hashtag: carers, kinship; since: 2024-01-01"."""
        return "; ".join(
            f"{key}: {', '.join(value) if isinstance(value, list) else value}"
            for key, value in self.params.items()
        )


class TopicModel(models.Model):
    """One run of NMF topic modelling over a subset; its topics label posts via PostTopic."""

    project = models.ForeignKey("projects.Project", models.CASCADE, related_name="topic_models")
    job = models.ForeignKey("jobs.Job", models.SET_NULL, null=True, blank=True, related_name="+")
    params = models.JSONField(default=dict)  # the filter, as for a Subset
    subset_name = models.CharField(max_length=120, blank=True)
    k = models.PositiveSmallIntegerField()
    posts = models.PositiveIntegerField(default=0)
    # [{"number": 1, "label": "care · respite · carers", "words": [[word, weight], ...],
    #   "posts": n, "examples": [post id, ...]}]
    topics = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class PostTopic(models.Model):
    """The topic a post belongs to most in one topic model (posts with no topic words have none)."""

    topic_model = models.ForeignKey(TopicModel, models.CASCADE, related_name="assignments")
    post = models.ForeignKey("collect.Post", models.CASCADE, related_name="+")
    topic = models.PositiveSmallIntegerField()  # 1-based, as shown to people
    weight = models.FloatField()

    class Meta:
        indexes = [
            models.Index(fields=["topic_model", "topic", "-weight"], name="post_topic_by_weight")
        ]
