"""The article store: outlets and the articles editors annotate."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, models
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone

from newsroom.folding import SQL_FUNCTION, folded_words
from newsroom.prepared import PreparedQuery
from newsroom.search import CONFIG as SEARCH_CONFIG

# Moments every layer can store and compute with: both databases, Python's datetime (years
# 1 to 9999), and a day's margin either side for time zones and "the day after" in filters.
# Records are checked against them (newsroom.records) and the database holds them to it.
MOMENT_MIN = datetime(1, 1, 2, tzinfo=UTC)
MOMENT_MAX = datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC)

# A batch of 50 articles takes seconds; a "running" analysis this old lost its worker.
ANALYSIS_STALLED_AFTER = timedelta(minutes=15)


def normalise_text(text: str) -> str:
    """Apply the one normalisation stored text gets: `\\r\\n` and `\\r` become `\\n`.

    Every offset in the product is a code point into the result, so nothing else may change.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def content_hash(text: str) -> str:
    """Identify an article by its normalised text, so re-importing it adds nothing."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Outlet(models.Model):
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="outlet_name_unique_ci"),
            models.CheckConstraint(condition=~models.Q(name=""), name="outlet_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class StoredSearchDocument(models.Expression):
    """The article's `search_document` column (PostgreSQL only; migrations 0005 and 0011),
    which the model does not declare, so the ORM never writes it: newsroom.search does."""

    def __init__(self):
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())

    def as_sql(self, compiler, connection):
        table = compiler.quote_name(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name('search_document')}", []


class FoldedContains(models.Func):
    """SQLite: whether a folded word occurs in the folded title or text where LIKE cannot
    see it (newsroom.folding.folded_contains)."""

    function = SQL_FUNCTION
    output_field = models.BooleanField()


# How many of the newest articles still without a stored document a search computes on the
# fly (PostgreSQL): enough for whatever was imported in the last seconds, few enough that
# a search stays well under a second while a large import is being indexed.
SEARCH_UNINDEXED_MAX = 200
# ... and of at most this much text, as stored (compressed): computing documents costs ~0.2 s
# a stored megabyte, so a few very long new articles cannot make every search slow.
SEARCH_UNINDEXED_BYTES = 2_000_000


class ArticleQuerySet(models.QuerySet):
    def needing_analysis(self) -> ArticleQuerySet:
        """Articles never analysed, whose analysis failed, or whose worker stopped mid-way."""
        stalled_before = timezone.now() - ANALYSIS_STALLED_AFTER
        return self.filter(
            models.Q(analysis_state__in=[AnalysisState.PENDING, AnalysisState.FAILED])
            | models.Q(analysis_state=AnalysisState.RUNNING, analysis_started_at__lt=stalled_before)
        )

    def for_outlet(self, outlet: Outlet | int) -> ArticleQuerySet:
        """Articles credited to one outlet."""
        return self.filter(outlet=outlet)

    def with_status(self, status: str) -> ArticleQuerySet:
        """Articles in one workflow state."""
        return self.filter(status=status)

    def search(self, query: str, *, pending: list[int] | None = None) -> ArticleQuerySet:
        """Articles whose title or text match `query`, best matches first; accents never
        matter ("Gdansk" finds "Gdańsk" and the other way round).

        PostgreSQL: full-text search (web-search syntax, English stemming, accents ignored
        through `unaccent`, ranked) over each article's stored document of `search_vector()`
        (indexed; built after an import by newsroom.search), and, for the newest articles
        not indexed yet (at most SEARCH_UNINDEXED_MAX), over the document computed on the
        fly. SQLite: every word must occur in the title or text, case and accents aside
        (newsroom.folding), newest first.

        `pending`: on PostgreSQL, the caller's `not_indexed_ids()` (None: read here).
        """
        query = query.strip()
        if not query:
            return self
        if connections[self.db].vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank

            stored = StoredSearchDocument()
            sq = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
            matches = models.Q(document=sq)
            if pending is None:
                pending = not_indexed_ids(using=self.db)
            if pending:
                # Two arms PostgreSQL can serve from two indexes (GIN, primary key).
                matches |= models.Q(pk__in=pending, built=sq)
            vector = Coalesce(stored, search_vector()) if pending else stored
            return (
                self.alias(document=stored, built=search_vector())
                .filter(matches)
                .annotate(search_rank=SearchRank(vector, sq))
                .order_by("-search_rank", "-created_at", "-pk")
            )
        # Each word: LIKE (fast, sees every match as it is written) or, where folding
        # changed a letter, newsroom.folding's function (called only where LIKE found none).
        q = models.Q()
        for word in folded_words(query):
            q &= (
                models.Q(title__icontains=word)
                | models.Q(text__icontains=word)
                | models.Q(FoldedContains("title", "text", models.Value(word)))
            )
        return self.filter(q)

    def not_indexed(self) -> list[int]:
        """The ids of the newest articles whose search document is not built yet, as many as
        a search computes on the fly: at most SEARCH_UNINDEXED_MAX, and texts of at most
        SEARCH_UNINDEXED_BYTES as stored (the newest always, whatever its size). PostgreSQL
        only: a partial index finds them at once, and the stored size needs no reading.
        (Every search asks: `not_indexed_ids()` gives the same from a query compiled once.)"""
        return _first_not_indexed(_unindexed_sizes(self)[:SEARCH_UNINDEXED_MAX])

    def newest_first(self) -> ArticleQuerySet:
        """Most recently added first (the list's default order)."""
        return self.order_by("-created_at", "-pk")

    def sorted_by(self, key: str, *, descending: bool = False) -> ArticleQuerySet:
        """In one of the article list's orders: `key` a field (`title` any case, `status` in
        the workflow's order: draft, in review, changes requested, approved) or a number the
        caller annotated (the list's claim count). Articles without a value (no publication
        date) come last either way; ties go newest first."""
        if key == "status":
            ranks = enumerate(ArticleStatus.values)
            expression = models.Case(
                *(models.When(status=value, then=rank) for rank, value in ranks),
                output_field=models.IntegerField(),
            )
        elif key == "title":
            expression = Lower("title")
        else:
            expression = models.F(key)
        order = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        return self.order_by(order, "-created_at", "-pk")


READ_ONLY = "This article is approved and read-only; an admin can reopen it."


def check_editable(article: Article | int, *, error: type[Exception]) -> None:
    """Refuse any change to an approved article's annotations: raise `error` (the caller's
    own refusal, so that its views show the message as they show any other). Every service
    that changes an article's claims, entities or analysis calls it."""
    status = (
        article.status
        if isinstance(article, Article)
        else Article.objects.filter(pk=article).values_list("status", flat=True).first()
    )
    if status == ArticleStatus.APPROVED:
        raise error(READ_ONLY)


def _unindexed_sizes(articles: models.QuerySet) -> models.QuerySet:
    """`not_indexed()`'s candidates, newest first: (id, stored size of the text), of which
    the first SEARCH_UNINDEXED_MAX are read."""
    return (
        articles.alias(document=StoredSearchDocument())
        .filter(document__isnull=True)
        .order_by("-pk")
        .annotate(
            stored=models.Func(
                "text", function="pg_column_size", output_field=models.IntegerField()
            )
        )
        .values_list("pk", "stored")
    )


def _first_not_indexed(rows: Iterable[tuple[int, int | None]]) -> list[int]:
    ids, total = [], 0
    for pk, stored in rows:
        total += stored or 0
        if ids and total > SEARCH_UNINDEXED_BYTES:
            break
        ids.append(pk)
    return ids


_UNINDEXED_SIZES = PreparedQuery(
    lambda page: _unindexed_sizes(Article.objects.all())[page], paged=True
)


def not_indexed_ids(*, using: str | None = None) -> list[int]:
    """`Article.objects.not_indexed()`, from a query compiled once (each search asks it;
    PostgreSQL only)."""
    rows = _UNINDEXED_SIZES.rows(using=using, limit=SEARCH_UNINDEXED_MAX, offset=0)
    return _first_not_indexed(rows)


def search_vector():
    """The full-text document of an article: title weighted above text, accents ignored
    (PostgreSQL only).

    newsroom.search stores it in the column `search_document` (its SQL there must stay
    identical; a test checks), which searches read through StoredSearchDocument.
    """
    from django.contrib.postgres.search import SearchVector

    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "text", weight="B", config=SEARCH_CONFIG
    )


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"


class AnalysisState(models.TextChoices):
    PENDING = "pending", "Waiting for analysis"
    RUNNING = "running", "Analysing"
    DONE = "done", "Analysed"
    FAILED = "failed", "Analysis failed"


class Article(models.Model):
    Status = ArticleStatus
    Analysis = AnalysisState

    title = models.CharField(max_length=500)
    text = models.TextField(help_text="Stored exactly as received, after CR/LF normalisation.")
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    url = models.URLField(max_length=2000, blank=True)
    byline = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en")
    content_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_created",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every change bumps it; a write carrying an older one is refused.
    version = models.PositiveIntegerField(default=1)
    analysis_state = models.CharField(
        max_length=10, choices=AnalysisState, default=AnalysisState.PENDING
    )
    analysis_error = models.TextField(blank=True)
    analysis_started_at = models.DateTimeField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("review_article", "Can review, approve and reopen articles")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="article_title_not_empty"),
            models.CheckConstraint(condition=~models.Q(text=""), name="article_text_not_empty"),
            # A date outside what Python can hold would make every page listing the article
            # fail to read it: refused at the door (newsroom.records) and here.
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True)
                | models.Q(published_at__gte=MOMENT_MIN, published_at__lte=MOMENT_MAX),
                name="article_published_at_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ArticleStatus.values),
                name="article_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="article_version_ge_1"),
            models.CheckConstraint(
                condition=models.Q(analysis_state__in=AnalysisState.values),
                name="article_analysis_state_valid",
            ),
            # Re-importing by URL adds nothing; articles without a URL are told apart by text.
            models.UniqueConstraint(
                fields=["url"], condition=~models.Q(url=""), name="article_url_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="article_status_created")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("article_detail", args=[self.pk])

    @property
    def analysis_stalled(self) -> bool:
        """Whether the worker running this article's analysis seems to have died."""
        return (
            self.analysis_state == AnalysisState.RUNNING
            and self.analysis_started_at is not None
            and timezone.now() - self.analysis_started_at > ANALYSIS_STALLED_AFTER
        )

    @property
    def read_only(self) -> bool:
        """Approved articles are frozen until an admin reopens them."""
        return self.status == ArticleStatus.APPROVED

    @property
    def word_count(self) -> int:
        return len(self.text.split())


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        """Tokens that may still authenticate: not revoked, not expired, of an active user
        (whose password has not changed since: `ApiToken.auth_stamp`, checked on use)."""
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    """A bearer token for the JSON API, acting as its user with that user's permissions.

    Only the SHA-256 of the secret is stored: the secret is shown once when the token is made.
    A fast hash is enough (unlike passwords) because the secret is 256 random bits, so there is
    nothing to guess, and it lets a request find its token by an indexed lookup.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “CMS push”.")
    # The first characters of the secret, so a user can tell their tokens apart.
    prefix = models.CharField(max_length=16, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Never, when empty.")
    # The user's session hash (from their password) when the token was made: a password
    # change ends the token as it ends the user's sessions.
    auth_stamp = models.CharField(max_length=128, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="apitoken_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class UserSession(AbstractBaseSession):
    """Django's database session (its documented `AbstractBaseSession`) with the signed-in
    user's id as a column, so that a request reads its session and its user in one query
    (newsroom/sessions.py). The user's id in the session data stays what Django's auth
    trusts; the column only lets the user's row come with the session's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,  # a deleted user's sessions go with it
        related_name="+",
    )

    class Meta:
        db_table = "newsroom_session"
        verbose_name = "session"


class AccessStamp(models.Model):
    """One row: a number that changes whenever anyone's role or permissions may have changed.

    Each web process caches a user's role and permissions (newsroom.roles) under this
    number; the user's query reads it (newsroom.auth_backend), so a change made in one
    process retires every other process's cached answers on their next request.
    """

    version = models.BigIntegerField(default=0)

    class Meta:
        db_table = "newsroom_access_stamp"

    def __str__(self) -> str:
        return f"access stamp {self.version}"


class ImportJobState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    CHECKING = "checking", "Checking"
    STORING = "storing", "Storing"
    DONE = "done", "Imported"
    REJECTED = "rejected", "Nothing imported: the file has problems"
    FAILED = "failed", "Failed"


class ImportJobKind(models.TextChoices):
    ARTICLES = "articles", "Articles"
    CORPUS = "corpus", "Newsroom corpus export"


class ImportJob(models.Model):
    """An uploaded file being imported by a background worker (newsroom.jobs).

    The upload's bytes wait here for the worker (any machine sharing the database can take
    the job) and are dropped once it ends. The worker checks every record first, writing its
    progress and the errors it finds as it goes, then stores the file all or nothing; the
    page polls this row.
    """

    State = ImportJobState
    Kind = ImportJobKind

    kind = models.CharField(max_length=10, choices=ImportJobKind)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    data = models.BinaryField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    state = models.CharField(max_length=10, choices=ImportJobState, default=ImportJobState.QUEUED)
    records_checked = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first errors found ({"position", "unit", "field", "message"}), as they are found.
    errors = models.JSONField(default=list)
    # The outcome: {"summary", "created", "created_ids" (the first ones), "skipped" (the first
    # ones, as text), "skipped_count"} and, for a corpus, its entity and claim counts.
    report = models.JSONField(default=dict)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ImportJobState.values), name="importjob_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ImportJobKind.values), name="importjob_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("import_job", args=[self.pk])

    @property
    def finished(self) -> bool:
        """Whether the worker is done with it (the page stops polling)."""
        return self.state in (ImportJobState.DONE, ImportJobState.REJECTED, ImportJobState.FAILED)
