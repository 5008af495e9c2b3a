"""Sourcing annotations: the label set and the claims editors mark with it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from entities.models import SpanStatus
from newsroom.roles import is_admin

# Keys the annotate page keeps for itself: accept and reject the open suggestion, the next
# and previous claim, undo.
ACCEPT_KEY, REJECT_KEY = "y", "x"
NEXT_KEY, PREVIOUS_KEY, UNDO_KEY = "j", "k", "z"
RESERVED_KEYS = (ACCEPT_KEY, REJECT_KEY, NEXT_KEY, PREVIOUS_KEY, UNDO_KEY)


class LabelKind(models.TextChoices):
    SOURCE = "source", "Source mention"
    CUE = "cue", "Cue"
    MARKER = "marker", "Marker"
    # What a source is said to have said (issue 19): linked to its cue, the cue to its source.
    CONTENT = "content", "Statement"


class Label(models.Model):
    """A sourcing label; admins edit the set, the guideline text is what editors read."""

    Kind = LabelKind

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(help_text="The annotation guideline editors see.")
    colour = models.CharField(
        max_length=7,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour like #1f5fbf.")],
    )
    shortcut = models.CharField(
        max_length=1,
        unique=True,
        validators=[
            RegexValidator(r"^[a-z0-9]$", "One lower-case letter or digit."),
            RegexValidator(
                f"^[{''.join(RESERVED_KEYS)}]$",
                "That key is the annotate page's own (y accept, x reject, j/k next and "
                "previous claim, z undo); choose another.",
                inverse_match=True,
            ),
        ],
        help_text="The key that applies this label to the selected text.",
    )
    kind = models.CharField(max_length=10, choices=LabelKind)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=LabelKind.values), name="label_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="label_colour_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimOrigin(models.TextChoices):
    EDITOR = "editor", "Editor"
    RULE = "rule", "Rule"


class ClaimQuerySet(models.QuerySet):
    def for_article(self, article) -> ClaimQuerySet:
        """Claims in one article, in reading order."""
        return self.filter(article=article).order_by("start", "-end", "pk")

    def showing(self) -> ClaimQuerySet:
        """The claims the page shows: every one not rejected."""
        return self.exclude(status=SpanStatus.REJECTED)

    def suggested(self) -> ClaimQuerySet:
        """Rule suggestions nobody has accepted or rejected yet."""
        return self.filter(status=SpanStatus.SUGGESTED)

    def visible_to(self, user: Any, article: Any = None) -> ClaimQuerySet:
        """The claims `user` may see (the one rule, see `claim_visibility`); `article`, when
        every claim is of that one article, spares the subquery."""
        return self.filter(claim_visibility(user, article))

    def count_per_article(self) -> models.Expression:
        """How many of these claims the outer query's article has (0 for none): a subquery
        to annotate articles with, e.g. the article list's
        `Claim.objects.visible_to(user).showing().count_per_article()`."""
        counted = (
            self.filter(article=models.OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return Coalesce(models.Subquery(counted, output_field=models.IntegerField()), 0)

    def untouched_suggestions(self) -> ClaimQuerySet:
        """The rules' suggestions nobody has acted on: what re-analysis may replace."""
        return self.filter(origin=ClaimOrigin.RULE, status=SpanStatus.SUGGESTED)

    def in_list_order(self) -> ClaimQuerySet:
        """As the annotate page's claims list shows them: by label, then reading order."""
        return self.order_by("label__order", "label__slug", "start", "-end", "pk")

    def next_in_list(self, claim: Claim) -> Claim | None:
        """The first of these claims after `claim` in the claims list's order."""
        label = claim.label
        same_label_later = models.Q(label=label) & (
            models.Q(start__gt=claim.start)
            | models.Q(start=claim.start, end__lt=claim.end)
            | models.Q(start=claim.start, end=claim.end, pk__gt=claim.pk)
        )
        later_label = models.Q(label__order__gt=label.order) | models.Q(
            label__order=label.order, label__slug__gt=label.slug
        )
        return (
            self.exclude(pk=claim.pk).filter(same_label_later | later_label).in_list_order().first()
        )

    def by(self, user) -> ClaimQuerySet:
        """Claims one editor authored."""
        return self.filter(author=user)

    def accepted(self) -> ClaimQuerySet:
        """Claims that count: editors' own and accepted suggestions."""
        return self.filter(status=SpanStatus.ACCEPTED)


class Source(models.Model):
    """One person, group or organisation an article gives as a source: its source-label
    claims (`mentions`: "Paul Dewar", "Dewar", "she") grouped. Grouped by the rules after
    analysis and when an editor marks a source (annotations.sources); editors merge and split.
    The figures count sources, not mentions (docs/sourcing-quality.md)."""

    article = models.ForeignKey(
        "newsroom.Article", on_delete=models.CASCADE, related_name="sources"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["article"], name="source_article")]

    def __str__(self) -> str:
        return f"source {self.pk} of article {self.article_id}"


class Claim(models.Model):
    """A span of an article marked with a sourcing label."""

    Origin = ClaimOrigin
    Status = SpanStatus

    article = models.ForeignKey("newsroom.Article", on_delete=models.CASCADE, related_name="claims")
    # Code-point offsets into article.text, end exclusive.
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="claims")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
    )
    origin = models.CharField(max_length=10, choices=ClaimOrigin, default=ClaimOrigin.EDITOR)
    status = models.CharField(max_length=10, choices=SpanStatus, default=SpanStatus.ACCEPTED)
    anonymity_reason = models.CharField(max_length=300, blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    source_count = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    source_mention = models.ForeignKey(
        "entities.EntityMention",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
    )
    # A cue (denial, no comment) belongs to the source that denied or declined.
    source_claim = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="cues"
    )
    # A statement belongs to the cue that attributes it ("said", "according to", "denied"):
    # with the cue's source, an attribution triple (source, cue, content).
    cue = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    # A source mention's source (the same person, group or organisation as its other
    # mentions); None for cues and markers. Of the same article (annotations.sources).
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: a write names the version it read; a stale one gets a 409.
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "-end"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="claim_start_before_end"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="claim_version_ge_1"),
            models.CheckConstraint(
                condition=models.Q(origin__in=ClaimOrigin.values), name="claim_origin_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SpanStatus.values), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(source_claim=models.F("pk")), name="claim_not_its_own_source"
            ),
            models.CheckConstraint(
                condition=~models.Q(cue=models.F("pk")), name="claim_not_its_own_cue"
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end", "label", "author"],
                name="claim_unique_span_label_author",
            ),
            # Authorless claims are the rules' suggestions: NULLs never collide above, so
            # this one keeps the rules from suggesting the same span and label twice.
            models.UniqueConstraint(
                fields=["article", "start", "end", "label"],
                condition=models.Q(author__isnull=True),
                name="claim_unique_rule_span_label",
            ),
        ]
        indexes = [models.Index(fields=["article", "start"], name="claim_article_start")]

    def __str__(self) -> str:
        return f"{self.label.slug} {self.start}-{self.end}"


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", "Submitted for review"
    SEND_BACK = "send_back", "Sent back"
    APPROVE = "approve", "Approved"
    REOPEN = "reopen", "Reopened"
    COMMENT = "comment", "Commented"
    ASSIGN = "assign", "Assigned"
    UNASSIGN = "unassign", "Unassigned"


class ReviewEventQuerySet(models.QuerySet):
    def for_article(self, article) -> ReviewEventQuerySet:
        """One article's review events, oldest first: the thread as it happened."""
        return self.filter(article=article).select_related("actor").order_by("created_at", "pk")


class ReviewEvent(models.Model):
    """One step of an article's review: a transition (with its before and after status), a
    comment, or an assignment. Together they are the article's review thread and audit."""

    Action = ReviewAction

    article = models.ForeignKey(
        "newsroom.Article", on_delete=models.CASCADE, related_name="review_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=12, choices=ReviewAction)
    status_before = models.CharField(max_length=20, blank=True)
    status_after = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    # Whom an assignment concerns.
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=ReviewAction.values), name="review_action_valid"
            ),
            # A comment event without words would be an empty bubble in the thread.
            models.CheckConstraint(
                condition=~models.Q(action="comment", comment=""), name="review_comment_has_text"
            ),
        ]
        indexes = [models.Index(fields=["article", "created_at"], name="review_article_created")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor}"


class AssignmentQuerySet(models.QuerySet):
    def for_editor(self, user) -> AssignmentQuerySet:
        """What one editor has been given to annotate."""
        return self.filter(editor=user)

    def double_annotated_articles(self) -> models.QuerySet:
        """The ids of articles with two or more editors assigned (double annotation)."""
        return (
            self.order_by()
            .values("article")
            .annotate(n=models.Count("pk"))
            .filter(n__gte=2)
            .values("article")
        )


class Assignment(models.Model):
    """An editor asked to annotate an article (two or more: double annotation)."""

    article = models.ForeignKey(
        "newsroom.Article", on_delete=models.CASCADE, related_name="assignments"
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "editor"], name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.editor}"


def assignee_count() -> models.Subquery:
    """The number of editors assigned to the outer query's article, as a subquery (the
    annotate page reads it with the article: no extra round trip per action)."""
    assigned = (
        Assignment.objects.filter(article=models.OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    return models.functions.Coalesce(models.Subquery(assigned), 0)


def is_double_annotated(article: Any) -> bool:
    """Two or more editors assigned: each annotates on their own. Read from the article's
    `assignee_count` annotation when it has one, else counted (and kept on the article)."""
    if not hasattr(article, "_double_annotated"):
        count = getattr(article, "assignee_count", None)
        if count is None:
            count = Assignment.objects.filter(article=article).count()
        article._double_annotated = count >= 2
    return article._double_annotated


def claim_visibility(user: Any, article: Any = None) -> models.Q:
    """Who sees which claims, the one rule for the page, its actions, the API, the export and
    the history: admins see every claim; on a double-annotated article anyone else sees only
    the claims they authored (not the other editor's, not the rules' suggestions), so that
    the agreement an admin reads measures each editor on their own; elsewhere everyone sees
    every claim. A Q over `author` and `article`, so that it filters claims and their
    historical records alike. `article`: the one article the claims belong to, if known.
    """
    if user is None or is_admin(user):
        return models.Q()
    if article is not None:
        return models.Q() if sees_every_claim(user, article) else authored_by(user.pk)
    return editor_visibility(user.pk)


def editor_visibility(user_id: Any) -> models.Q:
    """`claim_visibility` for a viewer who is not an admin, by id, over claims of any article:
    every claim except on double-annotated articles, where only their own. (The article
    list's query is compiled once with a placeholder for the id.)"""
    double = Assignment.objects.double_annotated_articles()
    return ~models.Q(article__in=double) | authored_by(user_id)


def authored_by(user_id: Any) -> models.Q:
    """The claims an editor authored: all that `claim_visibility` shows them on an article
    they do not see every claim of."""
    return models.Q(author_id=user_id)


def sees_every_claim(user: Any, article: Any) -> bool:
    """Whether `user` sees all of the article's claims, the rules' suggestions included
    (`claim_visibility`); otherwise only their own."""
    return user is None or is_admin(user) or not is_double_annotated(article)


def shows_to(claim: Any, user: Any, article: Any) -> bool:
    """`claim_visibility` for one claim already loaded."""
    return sees_every_claim(user, article) or claim.author_id == user.pk


def risk_order(prefix: str = "") -> list:
    """Riskiest first: more flags, then a lower score, then submitted longest ago; `prefix`
    reaches ArticleSourcing from another model ("sourcing__" from Article). Articles not
    scored yet sort last."""
    f = lambda name: models.F(prefix + name)  # noqa: E731
    return [
        f("flag_count").desc(nulls_last=True),
        f("score").asc(nulls_last=True),
        f("submitted_at").asc(nulls_last=True),
    ]


class Basis(models.TextChoices):
    """What an article's sourcing figures rest on (annotations.scorecards.basis_of)."""

    ESTIMATE = "estimate", "Machine estimate"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFIED = "verified", "Verified"


class ArticleSourcingQuerySet(models.QuerySet):
    def by_risk(self) -> ArticleSourcingQuerySet:
        """Riskiest first: more flags, then a lower score, then submitted longest ago."""
        return self.order_by(*risk_order(), "pk")


class ArticleSourcing(models.Model):
    """One article's sourcing counts, score and flags, from its accepted claims.

    Derived data, kept so that the dashboard and the queue aggregate one row per article in SQL
    instead of every claim: `annotations.stats.article_sourcing_refresh` rewrites rows after
    claims or the review status change (a background task), `manage.py refresh_sourcing`
    rebuilds them. The count fields are `quality.SourcingCounts`' (sum them, then `scorecard`);
    outlet, month, editor and status are copied from the article so that grouping needs no join.
    """

    article = models.OneToOneField(
        "newsroom.Article", primary_key=True, on_delete=models.CASCADE, related_name="sourcing"
    )
    # quality.SourcingCounts, field by field (`articles` is 1 per row: Count).
    words = models.PositiveIntegerField(default=0)
    # Distinct sources per label, then their mentions.
    named = models.PositiveIntegerField(default=0)
    anonymous = models.PositiveIntegerField(default=0)
    outlet = models.PositiveIntegerField(default=0)
    named_mentions = models.PositiveIntegerField(default=0)
    anonymous_mentions = models.PositiveIntegerField(default=0)
    outlet_mentions = models.PositiveIntegerField(default=0)
    denial = models.PositiveIntegerField(default=0)
    no_comment = models.PositiveIntegerField(default=0)
    hedge = models.PositiveIntegerField(default=0)
    unattributed = models.PositiveIntegerField(default=0)
    anonymous_explained = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    named_replying = models.PositiveIntegerField(default=0)
    articles_needing_reply = models.PositiveSmallIntegerField(default=0)
    articles_with_reply = models.PositiveSmallIntegerField(default=0)
    # What the words rest on (annotations.reliance): statement words by the kind of source
    # behind their cue, the statements, unlinked ones, and the factual sentences.
    words_on_named = models.PositiveIntegerField(default=0)
    words_on_anonymous = models.PositiveIntegerField(default=0)
    words_on_outlet = models.PositiveIntegerField(default=0)
    words_on_unidentified = models.PositiveIntegerField(default=0)
    statements = models.PositiveIntegerField(default=0)
    unlinked_statements = models.PositiveIntegerField(default=0)
    unlinked_words = models.PositiveIntegerField(default=0)
    factual_sentences = models.PositiveIntegerField(default=0)
    sentences_on_no_one = models.PositiveIntegerField(default=0)
    # The article's own scorecard: score and one boolean per flag (quality.Flag.code), so that
    # the dashboard counts flagged articles with SUM and the queue sorts by flag_count.
    # What the counts rest on (annotations.scorecards.basis_of): estimate, in_progress or
    # verified. The dashboard never sums rows of different bases.
    basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.ESTIMATE)
    # None: no attributed source, nothing to score (flag_no_sources), never a perfect 100.
    score = models.SmallIntegerField(null=True, blank=True)
    flag_count = models.PositiveSmallIntegerField(default=0)
    flag_no_sources = models.BooleanField(default=False)
    flag_only_anonymous = models.BooleanField(default=False)
    flag_anonymity_without_reason = models.BooleanField(default=False)
    flag_no_right_of_reply = models.BooleanField(default=False)
    flag_outlet_dependent = models.BooleanField(default=False)
    flag_heavy_hedging = models.BooleanField(default=False)
    flag_unattributed_assertions = models.BooleanField(default=False)
    # Copied from the article (and its review events) for grouping and filtering.
    article_outlet = models.ForeignKey(
        "newsroom.Outlet", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # First day of the month of published_at, else of created_at (in TIME_ZONE).
    month = models.DateField()
    # Who last submitted the article for review, else who created it.
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=20)
    submitted_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    objects = ArticleSourcingQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["article_outlet", "month"], name="sourcing_outlet_month"),
            models.Index(fields=["editor", "month"], name="sourcing_editor_month"),
            models.Index(fields=["month"], name="sourcing_month"),
            models.Index(fields=["basis", "month"], name="sourcing_basis_month"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(basis__in=Basis.values), name="sourcing_basis_known"
            ),
            # No score exactly when there is no attributed source: never a perfect 100.
            models.CheckConstraint(
                condition=models.Q(score__isnull=True, flag_no_sources=True)
                | models.Q(score__isnull=False, flag_no_sources=False),
                name="sourcing_no_sources_no_score",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                name="sourcing_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"sourcing of {self.article_id}: {self.score} ({self.basis})"
