"""The review workflow's pages: steps, comments and assignments on the article page, the
queue, and the article's history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotations.filters import ESTIMATED_BASIS, Filters, QueueFilterForm
from annotations.history import article_history_entries
from annotations.merge import claims_merge, double_annotation
from annotations.models import ReviewAction
from annotations.pages.forms import (
    MergeForm,
    ReviewAssignForm,
    ReviewCommentForm,
    ReviewStepForm,
    first_error,
)
from annotations.queue import mark_risks, my_work, not_started, waiting_for_review
from annotations.review import (
    ReviewConflict,
    ReviewRefused,
    article_assign,
    article_comment,
    article_transition,
)
from annotations.stats import FLAG_NAMES
from newsroom.models import Article, ArticleStatus, Outlet
from newsroom.roles import is_admin

REVIEW_ANCHOR = "#review"
# What a review step leaves the article as, in words ("the article is now changes requested"
# read badly).
STATUS_NOW = {
    ArticleStatus.DRAFT: "the article is a draft again",
    ArticleStatus.IN_REVIEW: "the article is now in review",
    ArticleStatus.CHANGES_REQUESTED: "the article went back to its editor with changes requested",
    ArticleStatus.APPROVED: "the article is now approved",
}
# The tag of messages the article's review panel shows (next to the forms that caused them).
REVIEW = "review"
QUEUE_PAGE_SIZE = 50
NOT_STARTED_SHOWN = 10  # the riskiest estimates; the dashboard's article list has them all


@require_POST
@permission_required("newsroom.change_article", raise_exception=True)
def review_step(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    form = ReviewStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form), extra_tags=REVIEW)
        return _back(article)
    action = form.cleaned_data["action"]
    try:
        article = article_transition(article_id=article.pk, user=request.user, **form.cleaned_data)
    except (ReviewRefused, ReviewConflict) as refused:
        messages.error(request, str(refused), extra_tags=REVIEW)
        return _back(article)
    messages.success(
        request,
        f"{ReviewAction(action).label}: {STATUS_NOW[article.status]}.",
        extra_tags=REVIEW,
    )
    return _back(article)


@require_POST
@permission_required("newsroom.change_article", raise_exception=True)
def review_comment(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    form = ReviewCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form), extra_tags=REVIEW)
        return _back(article)
    try:
        article_comment(article=article, user=request.user, text=form.cleaned_data["comment"])
    except ReviewRefused as refused:
        messages.error(request, str(refused), extra_tags=REVIEW)
    return _back(article)


@require_POST
@permission_required("newsroom.review_article", raise_exception=True)
def review_assign(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    form = ReviewAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form), extra_tags=REVIEW)
        return _back(article)
    try:
        article_assign(article=article, editor_ids=form.cleaned_data["editors"], user=request.user)
    except ReviewRefused as refused:
        messages.error(request, str(refused), extra_tags=REVIEW)
    else:
        messages.success(request, "Assignments saved.", extra_tags=REVIEW)
    return _back(article)


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Editors: what is assigned to them and not approved, and what came back to them with
    changes requested. Admins: also what waits for review,
    riskiest first (more flags, then a lower score, then submitted longest ago)."""
    admin = is_admin(request.user)
    context = {"mine": my_work(request.user)[:200], "admin": admin}
    if admin:
        form = QueueFilterForm(request.GET)
        waiting = waiting_for_review(**form.values())
        page = Paginator(waiting, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        mark_risks(page.object_list)
        unstarted = not_started()
        first = list(unstarted[:NOT_STARTED_SHOWN])
        mark_risks(first)
        context.update(
            not_started=first,
            not_started_count=unstarted.count() if len(first) == NOT_STARTED_SHOWN else len(first),
            not_started_url=f"{reverse('dashboard_articles')}?"
            + Filters(basis=ESTIMATED_BASIS, status=ArticleStatus.DRAFT).query(),
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            query=query.urlencode(),
            outlets=Outlet.objects.order_by("name"),
            editors=get_user_model()
            .objects.filter(groups__name__in=["editor", "admin"])
            .distinct()
            .order_by("username"),
            flag_names=FLAG_NAMES.items(),
            filters=form.shown(),
        )
    return render(request, "annotations/review_queue.html", context)


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    page = Paginator(article_history_entries(article, request.user), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "annotations/article_history.html", {"article": article, "page": page})


def _back(article: Article) -> HttpResponse:
    return redirect(article.get_absolute_url() + REVIEW_ANCHOR)


@require_http_methods(["GET", "POST"])
@permission_required("newsroom.review_article", raise_exception=True)
def article_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Side by side: two editors' claims, their agreement, and the admin's pick per claim."""
    article = get_object_or_404(Article, pk=pk)
    if request.method == "POST":
        form = MergeForm(request.POST)
        if not form.is_valid():
            messages.error(request, first_error(form))
        else:
            try:
                kept, rejected = claims_merge(
                    article=article, keep=set(form.cleaned_data["keep"]), user=request.user
                )
            except ReviewRefused as refused:
                messages.error(request, str(refused))
            else:
                messages.success(
                    request,
                    f"Merged: kept {kept} claims, set aside {rejected}.",
                    extra_tags=REVIEW,
                )
                return _back(article)
    compared = double_annotation(article)
    return render(
        request, "annotations/article_merge.html", {"article": article, "compared": compared}
    )
