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

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db.models import F
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, reverse
from ninja import Field, File, NinjaAPI, Query, Schema, Status, Swagger, UploadedFile
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.parser import Parser
from ninja.security import HttpBearer

from annotations.api.representation import article_href, article_records, article_summary
from annotations.api.schemas import (
    ArticleCreated,
    ArticleDetail,
    ArticleFilters,
    ArticleIn,
    ArticleSummary,
    Error,
    ExportQuery,
    ImportJobOut,
    Ordering,
)
from annotations.exchange.export import CONTENT_TYPES, corpus_export_chunks
from newsroom import importer, throttle
from newsroom.accounts import api_token_user
from newsroom.jobs import article_import_job, jobs_visible_to
from newsroom.models import Article, ImportJob
from newsroom.readers import load_json
from newsroom.uploads import ARTICLE_FILE, upload_problem

logger = logging.getLogger(__name__)
SERVER_ERROR = (
    "The server failed to answer this request; the error is logged. Try again, or tell the "
    "operator if it persists."
)
VIEW_ARTICLE = "newsroom.view_article"
ADD_ARTICLE = "newsroom.add_article"
PAGE_DEFAULT = 25
PAGE_MAX = 100
MAX_OFFSET = 2**53  # more articles than any store holds
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
        # One login throttle for every door (newsroom.throttle): an address locked out by
        # failed logins or bad tokens gets 429 before its token is looked up, even a valid
        # token (as the right password is refused), until the cool-off ends.
        if throttle.token_check_refused(request):
            return None
        user = api_token_user(token)
        if user is None:
            throttle.count_bad_token(request)
        else:
            # History records (django-simple-history) and permission checks see the token's
            # user, never a session that happens to ride along on the request.
            request.user = user
        return user


class BoundedParser(Parser):
    """Request bodies read as every file is (newsroom.readers.load_json): bounded depth and
    number size, so a hostile body costs no more than a plain one."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return load_json(request.body)


class NewsroomAPI(NinjaAPI):
    """The API, with its OpenAPI document built once per process (and mount point).

    django-ninja builds the document on every request of /openapi.json, every endpoint's
    schemas through pydantic: 20-110 ms each time for a document that changes only with the
    code (docs/performance.md, "First requests after a start"). The web process builds it
    as it starts (annotations.warmup)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[str, Any] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        """The OpenAPI document for the API mounted at `path_prefix` (the root by default)."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = self._schemas.get(path_prefix)
        if schema is None:
            # Two first requests at once may both build it; either result is the same.
            schema = super().get_openapi_schema(path_prefix=path_prefix)
            self._schemas[path_prefix] = schema
        return schema


api = NewsroomAPI(
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
    parser=BoundedParser(),
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


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The one error shape ({"detail": ...}) for failures too: a client parses JSON, never
    # an HTML page. The traceback goes to the log, not to the client.
    logger.error("API %s %s failed", request.method, request.path, exc_info=exc)
    return api.create_response(request, {"detail": SERVER_ERROR}, status=500)


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


class Pages(LimitOffsetPagination):
    """`limit` (at most PAGE_MAX) and `offset`; the page's articles become summaries."""

    class Input(Schema):
        limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description="Articles per page.")
        offset: int = Field(0, ge=0, description="Articles to skip.")

    def paginate_queryset(self, queryset, pagination, request, **params):
        # Clamped: past the last article the page is empty anyway, and an offset past the
        # database's integers would fail the query.
        pagination.offset = min(pagination.offset, MAX_OFFSET)
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = [article_summary(a) for a in page[self.items_attribute]]
        return page


# --- Endpoints ------------------------------------------------------------------------------

# 429: the login throttle (newsroom.throttle) refusing an address after too many failures.
AUTH_ERRORS = {401: Error, 403: Error, 429: Error}


@api.post(
    "/articles",
    response={
        201: ArticleCreated,
        200: ArticleCreated,
        400: Error,
        413: Error,
        422: Error,
        **AUTH_ERRORS,
    },
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
                "href": article_href(existing.pk),
                "analysis_state": existing.analysis_state,
            },
        )
    response["Location"] = article_href(article.pk)
    return Status(
        201,
        {
            "id": article.pk,
            "created": True,
            "duplicate": None,
            "href": article_href(article.pk),
            "analysis_state": article.analysis_state,
        },
    )


@api.post(
    "/imports",
    response={202: ImportJobOut, 400: Error, 413: Error, 422: Error, **AUTH_ERRORS},
    tags=["articles"],
    url_name="import_create",
    operation_id="import_create",
    summary="Import a file of articles (in the background)",
)
def import_create(request: HttpRequest, file: File[UploadedFile], response: HttpResponse):
    """Upload a `.jsonl`, `.json` or `.txt` file of articles, as the Upload page takes it.

    202 at once with the import job: a background worker checks every record, then imports
    the file all or nothing. Poll `href` until `finished`: `done` with the report, or
    `rejected` with every problem (line and field). 413 over the upload limit.
    """
    _require(request, ADD_ARTICLE)
    problem = upload_problem(file.name or "", file.size, ARTICLE_FILE)
    if problem:
        return Status(413 if problem[1] == "size" else 422, {"detail": problem[0]})
    job = article_import_job(upload=file, created_by=request.auth)
    response["Location"] = reverse("api:import_get", args=[job.pk])
    return Status(202, import_job_out(job))


@api.get(
    "/imports/{job_id}",
    response={200: ImportJobOut, 404: Error, 422: Error, **AUTH_ERRORS},
    tags=["articles"],
    url_name="import_get",
    operation_id="import_get",
    summary="Follow an import job",
)
def import_get(request: HttpRequest, job_id: int):
    """An import job's progress and outcome (your own jobs; an admin's, all)."""
    _require(request, ADD_ARTICLE)
    return import_job_out(get_object_or_404(jobs_visible_to(request.auth), pk=job_id))


def import_job_out(job: ImportJob) -> dict[str, Any]:
    """A job as ImportJobOut describes it."""
    return {
        "id": job.pk,
        "href": reverse("api:import_get", args=[job.pk]),
        "page": job.get_absolute_url(),
        "filename": job.filename,
        "state": job.state,
        "finished": job.finished,
        "records_checked": job.records_checked,
        "error_count": job.error_count,
        "errors": job.errors,
        "report": job.report,
    }


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
    response={200: ArticleDetail, 404: Error, 422: Error, **AUTH_ERRORS},
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
            429: {"description": "Too many failed attempts from this address"},
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
