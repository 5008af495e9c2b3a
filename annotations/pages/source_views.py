"""The annotate page's side panels that refresh on their own: the sources (each source once
with its mentions; editors merge two into one or split a mention off: annotations.sources)
and the rejected suggestions (to restore)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotations.pages.annotate import (
    TEMPLATE,
    article_or_404,
    rejected_suggestions,
    sources_context,
)
from annotations.pages.forms import SourceMergeForm, SourceSplitForm, first_error
from annotations.sources import SourceRefused, source_merge, source_split

ANCHOR = "#sources"


@require_GET
@permission_required("annotations.view_claim", raise_exception=True)
def article_sources(request: HttpRequest, pk: int) -> HttpResponse:
    """The sources panel, and out of band the rejected suggestions (htmx refreshes both with
    this one request when claims change); without htmx, the page."""
    article = article_or_404(pk)
    if not request.htmx:
        return redirect(article.get_absolute_url() + ANCHOR)
    context = sources_context(article, request.user)
    context["rejected_suggestions"] = rejected_suggestions(article, request.user)
    return render(request, f"{TEMPLATE}#side-panels", context)


@require_GET
@permission_required("annotations.view_claim", raise_exception=True)
def article_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected suggestions panel (htmx refreshes it when claims change); without htmx,
    the page."""
    article = article_or_404(pk)
    if not request.htmx:
        return redirect(article.get_absolute_url() + "#rejected")
    context = {
        "article": article,
        "rejected_suggestions": rejected_suggestions(article, request.user),
    }
    return render(request, f"{TEMPLATE}#rejected-refresh", context)


@require_POST
@permission_required("annotations.change_claim", raise_exception=True)
def sources_merge(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_or_404(pk)
    form = SourceMergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    else:
        try:
            moved = source_merge(
                article=article,
                source_id=form.cleaned_data["source"],
                into_id=form.cleaned_data["into"],
                user=request.user,
            )
        except SourceRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"Merged: {moved} mention{'s' * (moved != 1)} moved.")
    return redirect(article.get_absolute_url() + ANCHOR)


@require_POST
@permission_required("annotations.change_claim", raise_exception=True)
def sources_split(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_or_404(pk)
    form = SourceSplitForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    else:
        try:
            source_split(article=article, claim_id=form.cleaned_data["claim"], user=request.user)
        except SourceRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "Split off: the mention is a source of its own.")
    return redirect(article.get_absolute_url() + ANCHOR)
