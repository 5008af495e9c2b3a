"""The JSON API (django-ninja), mounted at /api/v1/: what an integration needs.

A CMS pushes copy (`POST /articles`), a client lists and fetches articles with their
annotations, a researcher streams the corpus (`GET /export`). Requests authenticate with a
per-user bearer token (`ApiToken`, made on the API tokens page or with `manage.py
create_api_token`) and act as that user: every endpoint checks the same Django permissions as
the pages, and the same visibility rules (double annotation hides other editors' claims from
an editor). Articles come in through the one import engine (newsroom.importer); the request
body is the one article record validator (newsroom.records), with its rules and limits.

The OpenAPI document is at /api/v1/openapi.json and Swagger UI at /api/v1/docs, both public
(they describe the API, they hold no data) and served from our own static files, so they work
offline and under the strict CSP.
"""

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any, Literal

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db.models import F
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, reverse
from ninja import Field, NinjaAPI, Query, Schema, Status, Swagger
from ninja.errors import AuthenticationError, AuthorizationError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer
from pydantic import ConfigDict

from annotations.exchange.export import CONTENT_TYPES, corpus_export_chunks
from annotations.filters import ArticleFilterForm, ExportFilterForm
from annotations.models import Assignment, Claim, ReviewEvent
from annotations.quality import SCORE_FORMULA
from annotations.scorecards import ScoredClaim, viewer_scorecard
from entities.models import EntityMention, SpanStatus
from newsroom import importer
from newsroom.accounts import api_token_user
from newsroom.models import AnalysisState, Article, ArticleStatus
from newsroom.records import ArticleRecord
from newsroom.roles import is_admin

VIEW_ARTICLE = "newsroom.view_article"
ADD_ARTICLE = "newsroom.add_article"
PAGE_DEFAULT = 25
PAGE_MAX = 100
# Articles per database round of the export: memory stays flat for a corpus of any size.


# --- Authentication -------------------------------------------------------------------------


class TokenAuth(HttpBearer):
    """`Authorization: Bearer nrt_…`: a live token of an active user, acting as that user."""

    def __call__(self, request: HttpRequest) -> Any | None:
        # HttpBearer's own parsing logs an unexpected header in full under DEBUG: a
        # credential in the log. Read it here and log nothing.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = api_token_user(token)
        if user is not None:
            # History records (django-simple-history) and permission checks see the token's
            # user, never a session that happens to ride along on the request.
            request.user = user
        return user


api = NinjaAPI(
    title="Newsroom API",
    version="1",
    description=(
        "Create articles, list and fetch them with their annotations, export the corpus.\n\n"
        "Authenticate with `Authorization: Bearer <token>`; make a token on the *API tokens* "
        "page (under your user menu) or with `manage.py create_api_token USERNAME`. A request "
        "acts as the token's user, with that user's role and permissions.\n\n"
        "Offsets (`start`, `end`) count Unicode code points into the article's `text`, end "
        "exclusive: `text[start:end]` in Python, not UTF-16 units as in JavaScript."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    # Swagger UI from django-ninja's bundled static files (ninja is in INSTALLED_APPS), with no
    # call to the public validator: the page works offline and within `img-src 'self'`.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {
            "detail": "Authentication required: send 'Authorization: Bearer <token>' with a live "
            "API token."
        },
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="newsroom"'
    return response


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} "
            "bytes."
        },
        status=413,
    )


def _require(request: HttpRequest, perm: str) -> None:
    """Refuse (403) unless the token's user has `perm`, as the page doing the same would."""
    if not request.auth.has_perm(perm):
        raise AuthorizationError(
            message=f"Your account may not do this: it needs the {perm} permission."
        )


def urls() -> tuple[list, str, str]:
    """The API's URL patterns, exempt from the login redirect: the token is the login."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns, app_name, namespace


# --- Schemas --------------------------------------------------------------------------------


class Error(Schema):
    detail: Any = Field(description="A message, or (422) a list of {loc, msg, type} field errors.")


class ArticleIn(ArticleRecord):
    """One article, in the record shape of docs/import-format.md; unknown fields are refused.

    The body is the one article record validator itself (newsroom.records): a 422 names each
    bad field with the same words the paste form and the file imports use."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ArticleCreated(Schema):
    id: int = Field(description="The new article, or the stored one it duplicates.")
    created: bool
    duplicate: str | None = Field(
        None, description="Why nothing was added (same text or same URL as a stored article)."
    )
    href: str = Field(description="The article in this API.")
    analysis_state: AnalysisState


class OutletOut(Schema):
    id: int
    name: str


class ArticleSummary(Schema):
    id: int
    title: str
    outlet: OutletOut | None
    url: str
    byline: str
    published_at: datetime | None
    language: str
    status: ArticleStatus = Field(description="Where the article stands in the review workflow.")
    analysis_state: AnalysisState
    created_by: str | None = Field(description="Username of who added it.")
    created_at: datetime
    updated_at: datetime
    version: int
    href: str


class EntityOut(Schema):
    id: int
    start: int
    end: int
    text: str = Field(description="text[start:end]")
    label: str = Field(description="spaCy's label: PERSON, ORG, GPE, LOC, NORP, FAC, ...")
    origin: str = Field(description="model (spaCy) or editor")
    status: SpanStatus
    model_name: str
    model_version: str


class ClaimAttributes(Schema):
    anonymity_reason: str
    affiliation: str
    source_count: int | None


class ClaimOut(Schema):
    id: int
    start: int
    end: int
    text: str = Field(description="text[start:end]")
    label: str = Field(description="The sourcing label's slug, e.g. anonymous_source")
    label_kind: str = Field(description="source, cue or marker")
    origin: str = Field(description="editor, or rule (a suggestion of the rules)")
    status: SpanStatus = Field(description="A suggestion's review: suggested, accepted, rejected")
    author: str | None = Field(description="Username; null for the rules' suggestions.")
    attributes: ClaimAttributes
    note: str
    source_mention_id: int | None = Field(description="The entity that is the source.")
    source_claim_id: int | None = Field(description="For a cue: the source claim it belongs to.")
    version: int


class ReviewEventOut(Schema):
    action: str
    actor: str | None
    status_before: str
    status_after: str
    comment: str
    editor: str | None = Field(description="Whom an assignment concerns.")
    created_at: datetime


class ReviewOut(Schema):
    status: ArticleStatus
    assignees: list[str]
    double_annotated: bool
    events: list[ReviewEventOut] = Field(description="The review thread, oldest first.")


class FigureOut(Schema):
    key: str
    name: str
    value: float | None = Field(description="null when there is nothing to measure")
    display: str
    working: str


class FlagOut(Schema):
    code: str
    message: str
    action: str


class ScorecardOut(Schema):
    score: int
    score_working: str
    formula: str
    figures: list[FigureOut]
    flags: list[FlagOut]
    counts: dict[str, int]


class ArticleDetail(ArticleSummary):
    text: str
    content_hash: str
    analysed_at: datetime | None
    entities: list[EntityOut] = Field(description="Every mention, rejected ones included.")
    claims: list[ClaimOut] = Field(
        description="The sourcing claims you may see, rejected suggestions included: with two "
        "or more editors assigned, an editor sees only their own."
    )
    review: ReviewOut
    scorecard: ScorecardOut = Field(
        description="Sourcing quality from the accepted claims: all of them for an admin, your "
        "own for an editor (as on the article page); docs/sourcing-quality.md explains it."
    )


# The list's filters as OpenAPI documents them (a docstring here would show in the document):
# status and outlet are read by the articles list's form (ArticleFilterForm, which the list page
# builds on), `since` is the API's.
class ArticleFilters(Schema):
    status: ArticleStatus | None = Field(None, description="Only articles in this review state.")
    outlet: int | None = Field(None, description="Only articles of this outlet (its id).")
    since: datetime | None = Field(
        None, description="Only articles added at or after this moment (ISO 8601; UTC if no zone)."
    )

    def apply(self, articles):
        form = _validated(ArticleFilterForm({"status": self.status or "", "outlet": self.outlet}))
        articles = form.apply(articles)
        if self.since is not None:
            since = self.since if self.since.tzinfo else self.since.replace(tzinfo=UTC)
            articles = articles.filter(created_at__gte=since)
        return articles


ORDERINGS = ("created_at", "published_at", "updated_at", "title", "id")
Ordering = Literal[
    "created_at",
    "-created_at",
    "published_at",
    "-published_at",
    "updated_at",
    "-updated_at",
    "title",
    "-title",
    "id",
    "-id",
]


def _validated[FormT: forms.Form](form: FormT) -> FormT:
    """`form`, valid; else its errors as the API reports bad parameters (422, each naming its
    query parameter, as the schemas' own checks do)."""
    if not form.is_valid():
        raise ValidationError(
            [
                {"type": "value_error", "loc": ["query", name], "msg": " ".join(errors)}
                for name, errors in form.errors.items()
            ]
        )
    return form


class Pages(LimitOffsetPagination):
    """`limit` (at most PAGE_MAX) and `offset`; the page's articles become summaries."""

    class Input(Schema):
        limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description="Articles per page.")
        offset: int = Field(0, ge=0, description="Articles to skip.")

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = [_summary(a) for a in page[self.items_attribute]]
        return page


# --- Representation -------------------------------------------------------------------------


def _href(article_id: int) -> str:
    return reverse("api:article_get", args=[article_id])


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _summary(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "outlet": {"id": article.outlet.pk, "name": article.outlet.name}
        if article.outlet
        else None,
        "url": article.url,
        "byline": article.byline,
        "published_at": article.published_at,
        "language": article.language,
        "status": article.status,
        "analysis_state": article.analysis_state,
        "created_by": _username(article.created_by),
        "created_at": article.created_at,
        "updated_at": article.updated_at,
        "version": article.version,
        "href": _href(article.pk),
    }


def article_records(articles: list[Article], user: Any) -> list[dict[str, Any]]:
    """The full representation of `articles` as `user` may see them, in six queries for any
    number of articles (the caller fetched the articles with their outlet and creator)."""
    ids = [a.pk for a in articles]
    admin = is_admin(user)
    mentions: dict[int, list[EntityMention]] = defaultdict(list)
    for m in EntityMention.objects.filter(article_id__in=ids).order_by("start", "-end", "pk"):
        mentions[m.article_id].append(m)
    assignees: dict[int, list[str]] = defaultdict(list)
    for article_id, username in (
        Assignment.objects.filter(article_id__in=ids)
        .order_by("created_at", "pk")
        .values_list("article_id", "editor__username")
    ):
        assignees[article_id].append(username)
    claims_qs = Claim.objects.filter(article_id__in=ids).visible_to(user)
    claims: dict[int, list[Claim]] = defaultdict(list)
    for c in claims_qs.select_related("label", "author").order_by("start", "-end", "pk"):
        claims[c.article_id].append(c)
    events: dict[int, list[ReviewEvent]] = defaultdict(list)
    for e in (
        ReviewEvent.objects.filter(article_id__in=ids)
        .select_related("actor", "editor")
        .order_by("created_at", "pk")
    ):
        events[e.article_id].append(e)
    return [
        _detail(
            a,
            mentions[a.pk],
            claims[a.pk],
            events[a.pk],
            assignees[a.pk],
            user=user,
            admin=admin,
        )
        for a in articles
    ]


def _detail(
    article: Article,
    mentions: list[EntityMention],
    claims: list[Claim],
    events: list[ReviewEvent],
    assignees: list[str],
    *,
    user: Any,
    admin: bool,
) -> dict[str, Any]:
    text = article.text
    card = viewer_scorecard(
        (
            ScoredClaim(
                c.pk, c.label.slug, c.anonymity_reason, c.source_claim_id, c.status, c.author_id
            )
            for c in claims
        ),
        words=article.word_count,
        viewer=user,
    )
    return {
        **_summary(article),
        "text": text,
        "content_hash": article.content_hash,
        "analysed_at": article.analysed_at,
        "entities": [
            {
                "id": m.pk,
                "start": m.start,
                "end": m.end,
                "text": text[m.start : m.end],
                "label": m.label,
                "origin": m.origin,
                "status": m.status,
                "model_name": m.model_name,
                "model_version": m.model_version,
            }
            for m in mentions
        ],
        "claims": [
            {
                "id": c.pk,
                "start": c.start,
                "end": c.end,
                "text": text[c.start : c.end],
                "label": c.label.slug,
                "label_kind": c.label.kind,
                "origin": c.origin,
                "status": c.status,
                "author": _username(c.author),
                "attributes": {
                    "anonymity_reason": c.anonymity_reason,
                    "affiliation": c.affiliation,
                    "source_count": c.source_count,
                },
                "note": c.note,
                "source_mention_id": c.source_mention_id,
                "source_claim_id": c.source_claim_id,
                "version": c.version,
            }
            for c in claims
        ],
        "review": {
            "status": article.status,
            "assignees": assignees,
            "double_annotated": len(assignees) >= 2,
            "events": [
                {
                    "action": e.action,
                    "actor": _username(e.actor),
                    "status_before": e.status_before,
                    "status_after": e.status_after,
                    "comment": e.comment,
                    "editor": _username(e.editor),
                    "created_at": e.created_at,
                }
                for e in events
            ],
        },
        "scorecard": {
            "score": card.score,
            "score_working": card.score_working,
            "formula": SCORE_FORMULA,
            "figures": [
                {
                    "key": f.key,
                    "name": f.name,
                    "value": f.value,
                    "display": f.display,
                    "working": f.working,
                }
                for f in card.figures
            ],
            "flags": [
                {"code": f.code, "message": f.message, "action": f.action} for f in card.flags
            ],
            "counts": {
                name: getattr(card.counts, name)
                for name in (
                    "words",
                    "named",
                    "anonymous",
                    "outlet",
                    "denial",
                    "no_comment",
                    "hedge",
                    "unattributed",
                    "anonymous_explained",
                    "replies",
                )
            },
        },
    }


# --- Endpoints ------------------------------------------------------------------------------

AUTH_ERRORS = {401: Error, 403: Error}


@api.post(
    "/articles",
    response={201: ArticleCreated, 200: ArticleCreated, 413: Error, 422: Error, **AUTH_ERRORS},
    tags=["articles"],
    url_name="article_create",
    operation_id="article_create",
    summary="Add an article",
)
def article_create(request: HttpRequest, payload: ArticleIn, response: HttpResponse):
    """Add one article, through the same validation and limits as the paste form and imports.

    201 with the new article's id; 200 with the stored article's id when it is already in the
    store (same text or same URL), adding nothing; 422 naming each bad field.
    """
    _require(request, ADD_ARTICLE)
    try:
        article, report = importer.article_create(created_by=request.auth, record=payload)
    except importer.ImportRejected as rejected:  # another import stored it at the same moment
        detail = [
            {
                "type": "value_error",
                "loc": ["body", "payload", *([e.field] if e.field else [])],
                "msg": f"{e.field} {e.message}" if e.field else e.message,
            }
            for e in rejected.errors
        ]
        return Status(422, {"detail": detail})
    if article is None:
        skipped = report.skipped[0]
        existing = Article.objects.only("analysis_state").get(pk=skipped.existing_id)
        return Status(
            200,
            {
                "id": existing.pk,
                "created": False,
                "duplicate": skipped.reason,
                "href": _href(existing.pk),
                "analysis_state": existing.analysis_state,
            },
        )
    response["Location"] = _href(article.pk)
    return Status(
        201,
        {
            "id": article.pk,
            "created": True,
            "duplicate": None,
            "href": _href(article.pk),
            "analysis_state": article.analysis_state,
        },
    )


@api.get(
    "/articles",
    response={200: list[ArticleSummary], 422: Error, **AUTH_ERRORS},
    tags=["articles"],
    url_name="article_list",
    operation_id="article_list",
    summary="List articles",
)
@paginate(Pages)
def article_list(
    request: HttpRequest,
    filters: Query[ArticleFilters],
    ordering: Ordering = "-created_at",
):
    """Articles without their text, a page at a time (`limit`, `offset`; `count` is the total).

    `ordering` is one of the listed fields, `-` for descending; ties go newest id first.
    """
    _require(request, VIEW_ARTICLE)
    field = ordering.lstrip("-")
    key = F("pk" if field == "id" else field)
    order = key.desc(nulls_last=True) if ordering.startswith("-") else key.asc(nulls_last=True)
    articles = Article.objects.select_related("outlet", "created_by").defer("text")
    return filters.apply(articles).order_by(order, "-pk")


@api.get(
    "/articles/{article_id}",
    response={200: ArticleDetail, 404: Error, **AUTH_ERRORS},
    tags=["articles"],
    url_name="article_get",
    operation_id="article_get",
    summary="Fetch an article with its annotations",
)
def article_get(request: HttpRequest, article_id: int):
    """One article with its text, entities, claims, review thread and scorecard."""
    _require(request, VIEW_ARTICLE)
    article = get_object_or_404(
        Article.objects.select_related("outlet", "created_by"), pk=article_id
    )
    return article_records([article], request.auth)[0]


# The export's parameters as OpenAPI documents them; the values are read by the export page's
# own form (ExportFilterForm), so both export the same articles.
class ExportQuery(Schema):
    format: Literal["jsonl", "json"] = Field(
        "jsonl", description="JSON Lines (a header line, then an article a line) or one document."
    )
    status: ArticleStatus | None = Field(None, description="Only articles in this review state.")
    outlet: str | None = Field(None, description="Only this outlet (its name, any case).")
    published_from: date | None = Field(None, description="Published on or after (YYYY-MM-DD).")
    published_to: date | None = Field(None, description="Published on or before (YYYY-MM-DD).")
    labels: str | None = Field(
        None, description="Comma-separated label slugs: articles with a claim of one of them."
    )
    editor: str | None = Field(
        None, description="A username: articles assigned to them or with claims they made."
    )

    def form(self) -> ExportFilterForm:
        """The export form, validated, of these parameters."""
        return _validated(ExportFilterForm(self.model_dump(exclude_none=True)))


@api.get(
    "/export",
    tags=["export"],
    url_name="export",
    operation_id="export",
    summary="Export the corpus (the versioned export schema)",
    openapi_extra={
        "responses": {
            200: {
                "description": (
                    "The corpus in the export schema (docs/export-schema.json, docs/export.md): "
                    "JSON Lines, a header line then an article a line, or one JSON document."
                ),
                "content": {
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "object"}},
                },
            },
            401: {"description": "No live token"},
            403: {"description": "No permission"},
            422: {"description": "Bad filter"},
        }
    },
)
def export(request: HttpRequest, query: Query[ExportQuery]):
    """The corpus as the web page and `manage.py export_corpus` export it: the same versioned
    schema and filters, streamed with flat memory. As in the app, an editor on a
    double-annotated article gets only their own claims."""
    _require(request, VIEW_ARTICLE)
    form = query.form()
    fmt = form.fmt()
    response = StreamingHttpResponse(
        corpus_export_chunks(filters=form.filters(), fmt=fmt, viewer=request.auth),
        content_type=f"{CONTENT_TYPES[fmt]}; charset=utf-8",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
