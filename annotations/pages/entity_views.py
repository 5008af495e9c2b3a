from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotations.analysis import AnalysisRefused, analysis_request
from annotations.pages.annotate import (
    TEMPLATE,
    article_or_404,
    article_page_context,
    mention_fragment_context,
    respond,
)
from annotations.pages.forms import MentionCreateForm, MentionDecisionForm, first_error
from entities.corrections import CorrectionRefused, mention_add, mention_decide
from entities.models import EntityMention
from newsroom.models import Article


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def analysis_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled status badge; once analysis ends it also swaps in the entity layer."""
    article = article_or_404(pk)
    context = article_page_context(article, request.user)
    context["finished"] = not context["polling"]
    return render(request, TEMPLATE + "#analysis", context)


@require_POST
@permission_required("newsroom.change_article", raise_exception=True)
def reanalyse(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_or_404(pk)
    try:
        analysis_request(article_ids=[article.pk])
    except AnalysisRefused as refused:
        if not request.htmx:
            messages.error(request, str(refused))
            return redirect(article)
        context = {**article_page_context(article, request.user), "refusal": str(refused)}
        return render(request, TEMPLATE + "#analysis", context, status=422)
    if request.htmx:
        article.refresh_from_db()
        return render(request, TEMPLATE + "#analysis", article_page_context(article, request.user))
    return redirect(article)


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def mention_detail(request: HttpRequest, pk: int, mention_id: int) -> HttpResponse:
    article = article_or_404(pk)
    mention = get_object_or_404(EntityMention, pk=mention_id, article=article)
    if not request.htmx:
        return redirect(f"{article.get_absolute_url()}?mention={mention.pk}#mention-panel")
    context = mention_fragment_context(article, request.user, mention=mention, touched=[])
    return render(request, TEMPLATE + "#mention-panel", context)


@require_POST
@permission_required("newsroom.change_article", raise_exception=True)
def mention_update(request: HttpRequest, pk: int, mention_id: int) -> HttpResponse:
    article = article_or_404(pk)
    mention = get_object_or_404(EntityMention, pk=mention_id, article=article)
    form = MentionDecisionForm(request.POST)
    if not form.is_valid():
        return _respond(request, article, error=first_error(form), status=422, mention=mention)
    try:
        mention = mention_decide(mention=mention, user=request.user, **form.cleaned_data)
    except CorrectionRefused as refused:
        return _respond(request, article, error=str(refused), status=422, mention=mention)
    return _respond(request, article, mention=mention)


@require_POST
@permission_required("newsroom.change_article", raise_exception=True)
def mention_create(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_or_404(pk)
    form = MentionCreateForm(request.POST)
    if not form.is_valid():
        return _respond(request, article, error=first_error(form), status=422)
    try:
        mention = mention_add(article=article, user=request.user, **form.cleaned_data)
    except CorrectionRefused as refused:
        return _respond(request, article, error=str(refused), status=422)
    return _respond(request, article, mention=mention)


def _respond(
    request: HttpRequest,
    article: Article,
    *,
    mention: EntityMention | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The mention panel and, when a mention changed, its paragraphs and the entity list."""
    anchor = f"?mention={mention.pk}#mention-panel" if mention else ""
    return respond(
        request,
        article,
        update="mention-update",
        touched=[(mention.start, mention.end)] if mention and not error else [],
        status=status,
        anchor=anchor,
        mention=mention,
        error=error,
    )
