from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from newsroom.models import AnalysisState, Article
from newsroom.segments import Span, render_segments

from .analysis import analysis_request
from .corrections import CorrectionRefused, mention_add, mention_decide
from .models import EntityMention, MentionStatus
from .pipeline import ENTITY_LABELS

LABEL_NAMES = {
    "PERSON": "Person",
    "ORG": "Organisation",
    "GPE": "Country, city, state",
    "LOC": "Location",
    "NORP": "Nationality, group",
    "FAC": "Building, facility",
    "EVENT": "Event",
    "PRODUCT": "Product",
}
TEMPLATE = "newsroom/article_detail.html"


def entity_context(
    article: Article, *, selected: EntityMention | None = None, error: str = ""
) -> dict:
    """Everything the entity layer of the article page shows (three queries, any size)."""
    mentions = list(EntityMention.objects.for_article(article).select_related("updated_by"))
    for m in mentions:
        m.text = article.text[m.start : m.end]
    visible = [m for m in mentions if m.status != MentionStatus.REJECTED]
    spans = [
        Span(
            m.id,
            m.start,
            m.end,
            f"ent ent-{m.label} st-{m.status}",
            f"{m.label} ({m.get_status_display()})",
        )
        for m in visible
    ]
    counts = {row["label"]: row["n"] for row in _label_counts(article)}
    return {
        "article": article,
        "text_html": render_segments(article.text, spans),
        "legend": [(label, LABEL_NAMES[label], counts.get(label, 0)) for label in ENTITY_LABELS],
        "mentions": visible,
        "rejected": [m for m in mentions if m.status == MentionStatus.REJECTED],
        "selected": selected,
        "selected_text": article.text[selected.start : selected.end] if selected else "",
        "labels": [(label, LABEL_NAMES[label]) for label in ENTITY_LABELS],
        "error": error,
        "polling": article.analysis_state in (AnalysisState.PENDING, AnalysisState.RUNNING)
        and not article.analysis_stalled,
    }


def _label_counts(article: Article):
    return (
        EntityMention.objects.filter(article=article)
        .visible()
        .values("label")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _layer(request: HttpRequest, article: Article, status: int = 200, **kwargs) -> HttpResponse:
    return render(
        request, TEMPLATE + "#annotator", entity_context(article, **kwargs), status=status
    )


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def analysis_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled status badge; once analysis ends it also swaps in the entity layer."""
    article = get_object_or_404(Article, pk=pk)
    context = entity_context(article)
    context["finished"] = not context["polling"]
    return render(request, TEMPLATE + "#analysis", context)


@require_POST
@permission_required("newsroom.change_article", raise_exception=True)
def reanalyse(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    analysis_request(article_ids=[article.pk])
    if request.htmx:
        article.refresh_from_db()
        return render(request, TEMPLATE + "#analysis", entity_context(article))
    return redirect(article)


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def mention_detail(request: HttpRequest, pk: int, mention_id: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    mention = get_object_or_404(EntityMention, pk=mention_id, article=article)
    if not request.htmx:
        return redirect(f"{article.get_absolute_url()}?mention={mention.pk}#mention-panel")
    context = entity_context(article, selected=mention)
    return render(request, TEMPLATE + "#mention-panel", context)


@require_POST
@permission_required("newsroom.change_article", raise_exception=True)
def mention_update(request: HttpRequest, pk: int, mention_id: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    mention = get_object_or_404(EntityMention, pk=mention_id, article=article)
    try:
        mention = mention_decide(
            mention=mention,
            action=request.POST.get("action", ""),
            label=request.POST.get("label", ""),
            user=request.user,
        )
    except CorrectionRefused as refused:
        return _respond(request, article, error=str(refused), status=422, selected=mention)
    return _respond(request, article, selected=mention)


@require_POST
@permission_required("newsroom.change_article", raise_exception=True)
def mention_create(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    try:
        start, end = int(request.POST.get("start", "")), int(request.POST.get("end", ""))
    except ValueError:
        return _respond(request, article, error="Select some text first.", status=422)
    try:
        mention = mention_add(
            article=article,
            start=start,
            end=end,
            label=request.POST.get("label", ""),
            user=request.user,
        )
    except CorrectionRefused as refused:
        return _respond(request, article, error=str(refused), status=422)
    return _respond(request, article, selected=mention)


def _respond(request: HttpRequest, article: Article, status: int = 200, **kwargs) -> HttpResponse:
    if request.htmx:
        return _layer(request, article, status=status, **kwargs)
    if kwargs.get("error"):
        from django.contrib import messages

        messages.error(request, kwargs["error"])
    selected = kwargs.get("selected")
    suffix = f"?mention={selected.pk}#mention-panel" if selected else ""
    return redirect(article.get_absolute_url() + suffix)
