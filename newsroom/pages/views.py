from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import defaults
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from newsroom.accounts import api_token_create, user_create
from newsroom.accounts import api_token_revoke as revoke_token
from newsroom.importer import ImportRejected, article_create, articles_import
from newsroom.models import ApiToken, Article, Outlet
from newsroom.pages.forms import (
    ApiTokenForm,
    ArticlePasteForm,
    UploadForm,
    UserCreateForm,
)
from newsroom.readers import parse_json, parse_jsonl, parse_txt

LIST_COLUMNS = ("id", "title", "outlet__name", "status", "published_at", "created_at", "byline")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("article_list")


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
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form, "limit_bytes": settings.UPLOAD_MAX_BYTES}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        records, unit = _records_of(upload)
        try:
            report = articles_import(records=records, created_by=request.user, unit=unit)
        except ImportRejected as rejected:
            context["errors"] = rejected.errors
            context["upload_name"] = upload.name
        else:
            context["report"] = report
            context["created"] = (
                Article.objects.filter(pk__in=report.created_ids[:100])
                .select_related("outlet")
                .defer("text")
                .order_by("pk")
            )
            context["form"] = UploadForm()
    return render(request, "newsroom/article_upload.html", context)


def _records_of(upload) -> tuple[object, str]:
    """Parse an uploaded file by its type; JSONL streams, the others are small enough to read."""
    name = upload.name.lower()
    if name.endswith(".jsonl"):
        return parse_jsonl(upload), "line"
    if name.endswith(".json"):
        return parse_json(upload.read()), "record"
    return parse_txt(upload.read(), upload.name), "file"


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
        token, secret = api_token_create(user=request.user, name=form.cleaned_data["name"])
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
