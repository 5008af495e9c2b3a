"""Named-entity mentions: the model's suggestions and editors' corrections."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Origin(models.TextChoices):
    MODEL = "model", "spaCy"
    EDITOR = "editor", "Editor"


class SpanStatus(models.TextChoices):
    """Where a span stands: machine suggestions await an editor; editors' spans are accepted."""

    SUGGESTED = "suggested", "Suggested"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class EntityMentionQuerySet(models.QuerySet):
    def for_article(self, article) -> EntityMentionQuerySet:
        """Mentions in one article, in reading order."""
        return self.filter(article=article).order_by("start", "-end", "pk")

    def untouched_suggestions(self) -> EntityMentionQuerySet:
        """The model's output no editor has acted on: what re-analysis may replace."""
        return self.filter(origin=Origin.MODEL, status=SpanStatus.SUGGESTED)

    def touched(self) -> EntityMentionQuerySet:
        """Mentions an editor created, accepted or rejected: re-analysis never changes them."""
        return self.exclude(origin=Origin.MODEL, status=SpanStatus.SUGGESTED)

    def visible(self) -> EntityMentionQuerySet:
        """Mentions highlighted in the text (rejected ones are listed, not highlighted)."""
        return self.exclude(status=SpanStatus.REJECTED)


class EntityMention(models.Model):
    Origin = Origin
    Status = SpanStatus

    article = models.ForeignKey(
        "newsroom.Article", on_delete=models.CASCADE, related_name="entity_mentions"
    )
    # Code-point offsets into article.text, end exclusive (spaCy's start_char/end_char).
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    label = models.CharField(max_length=32)
    origin = models.CharField(max_length=10, choices=Origin, default=Origin.MODEL)
    status = models.CharField(max_length=10, choices=SpanStatus, default=SpanStatus.SUGGESTED)
    model_name = models.CharField(max_length=100, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Editors' corrections are recorded (who, when, before, after); the model's bulk
    # suggestions are machine output and are not.
    history = HistoricalRecords()

    objects = EntityMentionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "-end"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="mention_start_before_end"
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end", "label"], name="mention_unique_span_label"
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=Origin.values), name="mention_origin_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SpanStatus.values), name="mention_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["article", "start"], name="mention_article_start")]

    def __str__(self) -> str:
        return f"{self.label} {self.start}-{self.end}"
