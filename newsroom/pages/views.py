from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required, permission_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from newsroom.accounts import api_token_create, user_create
from newsroom.accounts import api_token_revoke as revoke_token
from newsroom.importer import ImportRejected, article_create
from newsroom.jobs import article_import_job, created_articles, job_stalled, jobs_visible_to
from newsroom.models import ApiToken, ImportJob, Outlet
from newsroom.pages.forms import (
    ApiTokenForm,
    ArticlePasteForm,
    UploadForm,
    UserCreateForm,
)
from newsroom.uploads import ARTICLE_FILE, too_large, upload_limit

# A multipart request carries the file and a few short fields (the CSRF token, boundaries).
FORM_OVERHEAD_BYTES = 64 * 1024


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("article_list")


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon (the site admin's, the
    API's JSON): the app's icon, rather than a 404 in the console."""
    return redirect(static("favicon.svg"))


@require_http_methods(["GET", "POST"])
@permission_required("newsroom.add_article", raise_exception=True)
def article_new(request: HttpRequest) -> HttpResponse:
    form = ArticlePasteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article, report = article_create(
                created_by=request.user, record=form.cleaned_data["record"]
            )
        except ImportRejected as rejected:  # another import stored it at the same moment
            form.add_record_errors(rejected.errors)
        else:
            if article is None:
                existing = report.skipped[0].existing_id
                messages.info(request, "This article is already in the store; nothing was added.")
                return redirect("article_detail", pk=existing)
            messages.success(request, f"Added “{article.title}”.")
            return redirect(article)
    outlets = Outlet.objects.values_list("name", flat=True)
    return render(request, "newsroom/article_new.html", {"form": form, "outlets": outlets})


@require_http_methods(["GET", "POST"])
@permission_required("newsroom.add_article", raise_exception=True)
def article_upload(request: HttpRequest) -> HttpResponse:
    """Take an article file and hand it to a task worker: the answer is the job's page."""
    if request.method == "POST" and (refusal := body_too_large(request, ARTICLE_FILE.command)):
        return refusal
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = article_import_job(upload=form.cleaned_data["file"], created_by=request.user)
        return redirect(job)
    status = 413 if form.has_error("file", "size") else 422 if form.errors else 200
    context = {"form": form, "limit": upload_limit()}
    return render(request, "newsroom/article_upload.html", context, status=status)


def body_too_large(request: HttpRequest, command: str) -> HttpResponse | None:
    """The 413 answer to an upload whose request body is larger than the upload limit (plus
    the form's own fields), read from its length before Django receives the file."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES:
        return None
    return HttpResponse(too_large(length, command), status=413, content_type="text/plain")


@require_GET
@permission_required("newsroom.add_article", raise_exception=True)
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """An import's progress and outcome; the page polls itself until the job ends."""
    job = get_object_or_404(jobs_visible_to(request.user), pk=job_id)
    context = {
        "job": job,
        "stalled": job_stalled(job),
        "created": created_articles(job) if job.state == ImportJob.State.DONE else [],
        "more_errors": max(0, job.error_count - len(job.errors)),
    }
    template = "newsroom/import_job.html"
    if request.htmx:
        template += "#job-status"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@permission_required("auth.add_user", raise_exception=True)
def team(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        user, password = user_create(**form.cleaned_data)
        created = {"user": user, "password": password}
        form = UserCreateForm()
    users = get_user_model().objects.order_by("username").prefetch_related(Prefetch("groups"))
    return render(request, "newsroom/team.html", {"form": form, "users": users, "created": created})


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: make one (its secret shown once), see and revoke them."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, secret = api_token_create(
            user=request.user, name=form.cleaned_data["name"], expires_in=form.expires_in()
        )
        created = {"token": token, "secret": secret}
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    # The secret is in this response only: never let a cache or the back button keep it.
    response = render(
        request,
        "newsroom/api_tokens.html",
        {"form": form, "tokens": tokens, "created": created},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # Someone else's token is a 404: nobody learns which token ids exist.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    revoke_token(token=token)
    messages.success(request, f"Revoked “{token.name}”: it no longer authenticates.")
    return redirect("api_tokens")


# The error pages (newsroom.urls: handler400/404/500). Under the API's prefix they answer in
# the API's one error shape, JSON, as the API's own errors do (annotations.api).
API_PREFIX = "/api/"


def _api_error(request: HttpRequest, status: int, detail: str) -> HttpResponse | None:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": detail}, status=status)
    return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, 400, "Bad request.") or defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, 404, "Not Found") or defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    detail = "The server failed to answer this request; the error is logged."
    return _api_error(request, 500, detail) or defaults.server_error(request)
