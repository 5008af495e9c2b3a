"""The article page (the annotate page): the text with every layer, and its side panels.

One module builds what the full page and every htmx fragment of it show, so a swap always
shows the same state the page would.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from annotations.models import Claim, Label, LabelKind
from annotations.services import can_edit
from entities.models import EntityMention, SpanStatus
from entities.pipeline import ENTITY_LABELS

from .models import AnalysisState, Article
from .segments import Span, paragraphs, render_paragraph, render_text

TEMPLATE = "newsroom/article_detail.html"
ENTITY_NAMES = {
    "PERSON": "Person",
    "ORG": "Organisation",
    "GPE": "Country, city, state",
    "LOC": "Location",
    "NORP": "Nationality, group",
    "FAC": "Building, facility",
    "EVENT": "Event",
    "PRODUCT": "Product",
}
# Entities an editor may link a source claim to.
SOURCE_ENTITY_LABELS = ("PERSON", "ORG", "GPE", "NORP")


def article_page_context(
    article: Article,
    user: Any,
    *,
    mention: EntityMention | None = None,
    claim: Claim | None = None,
    error: str = "",
    conflict: str = "",
) -> dict[str, Any]:
    """Everything the article page shows, in a fixed number of queries for any article."""
    text = article.text
    mentions = list(EntityMention.objects.for_article(article).select_related("updated_by"))
    labels = list(Label.objects.all())
    rows = _claim_rows(article, labels)
    for item in (*mentions, *([claim] if claim else [])):
        item.text = text[item.start : item.end]
    visible_mentions = [m for m in mentions if m.status != SpanStatus.REJECTED]
    entity_counts = Counter(m.label for m in visible_mentions)
    return {
        "article": article,
        "text_html": render_text(text, _spans(visible_mentions, rows)),
        **_claim_panel_context(user, claim, labels, rows, visible_mentions, text),
        "conflict": conflict,
        "legend": [(label, ENTITY_NAMES[label], entity_counts[label]) for label in ENTITY_LABELS],
        "entity_labels": [(label, ENTITY_NAMES[label]) for label in ENTITY_LABELS],
        "mentions": visible_mentions,
        "rejected": [m for m in mentions if m.status == SpanStatus.REJECTED],
        "selected": mention,
        "selected_text": text[mention.start : mention.end] if mention else "",
        "error": error,
        "polling": article.analysis_state in (AnalysisState.PENDING, AnalysisState.RUNNING)
        and not article.analysis_stalled,
    }


def claim_fragment_context(
    article: Article,
    user: Any,
    *,
    claim: Claim | None,
    touched: list[tuple[int, int]],
    error: str = "",
    conflict: str = "",
) -> dict[str, Any]:
    """What a claim action swaps: the claim panel, the claims list and the touched paragraphs.

    Only the paragraphs overlapping `touched` are re-rendered, from the spans inside them,
    so the cost of an action does not grow with the article.
    """
    text = article.text
    labels = list(Label.objects.all())
    rows = _claim_rows(article, labels)
    if claim is not None:
        claim.text = text[claim.start : claim.end]
    paras = [
        (i, lo, hi)
        for i, (lo, hi) in enumerate(paragraphs(text))
        if any(start < hi and end > lo for start, end in touched)
    ]
    html = []
    if paras:
        lo, hi = paras[0][1], paras[-1][2]
        mentions = EntityMention.objects.filter(article=article, start__lt=hi, end__gt=lo)
        in_range = [r for r in rows if r.start < hi and r.end > lo]
        spans = _spans(list(mentions.visible()), in_range)
        html = [render_paragraph(text, i, p_lo, p_hi, spans, oob=True) for i, p_lo, p_hi in paras]
    sources: list[EntityMention] = []
    if claim is not None and claim.label.kind == LabelKind.SOURCE:
        sources = list(
            EntityMention.objects.for_article(article)
            .filter(label__in=SOURCE_ENTITY_LABELS)
            .visible()
        )
        for m in sources:
            m.text = text[m.start : m.end]
    return {
        "article": article,
        **_claim_panel_context(user, claim, labels, rows, sources, text),
        "paragraph_html": html,
        "claim_error": error,
        "conflict": conflict,
        "oob": True,
    }


class ClaimRow(NamedTuple):
    """What the text and the lists need of a claim: no model instance, no join."""

    pk: int
    start: int
    end: int
    status: str
    label: Label


def _claim_rows(article: Article, labels: list[Label]) -> list[ClaimRow]:
    """The article's claims that show (not rejected), in reading order, as light rows."""
    by_id = {label.pk: label for label in labels}
    return [
        ClaimRow(pk, start, end, status, by_id[label_id])
        for pk, start, end, status, label_id in Claim.objects.for_article(article)
        .exclude(status=SpanStatus.REJECTED)
        .values_list("pk", "start", "end", "status", "label_id")
    ]


def _spans(mentions: list[EntityMention], claims: list[ClaimRow]) -> list[Span]:
    return [
        Span(m.id, m.start, m.end, f"ent ent-{m.label} st-{m.status}", m.label) for m in mentions
    ] + [
        Span(
            c.pk, c.start, c.end, f"claim lab-{c.label.slug} cst-{c.status}", c.label.name, "claim"
        )
        for c in claims
    ]


def _claim_panel_context(
    user: Any,
    claim: Claim | None,
    labels: list[Label],
    rows: list[ClaimRow],
    mentions: list[EntityMention],
    text: str,
) -> dict[str, Any]:
    """The label picker, the claim panel and the claims list."""
    return {
        "labels": labels,
        "claims_list_html": render_claims_list(text, labels, rows),
        "claim_count": len(rows),
        "selected_claim": claim,
        "can_edit_claim": claim is not None and can_edit(user, claim),
        "source_mentions": [m for m in mentions if m.label in SOURCE_ENTITY_LABELS],
        "source_claims": [
            {"pk": r.pk, "text": text[r.start : r.end], "label": r.label}
            for r in rows
            if claim is not None
            and claim.label.kind == LabelKind.CUE
            and r.label.kind == LabelKind.SOURCE
            and r.pk != claim.pk
        ],
    }


def render_claims_list(text: str, labels: list[Label], rows: list[ClaimRow]) -> SafeString:
    """The claims grouped by label in reading order (built here: it can hold thousands)."""
    groups = []
    for label in labels:
        items = [r for r in rows if r.label.pk == label.pk]
        if not items:
            continue
        groups.append(
            format_html(
                '<h3><span class="swatch claim-swatch lab-{}"></span>{} '
                '<span class="muted">{}</span></h3><ol class="plain">{}</ol>',
                label.slug,
                label.name,
                len(items),
                format_html_join(
                    "",
                    '<li><a href="?claim={}#claim-panel" data-claim-link="{}">{}</a></li>',
                    ((r.pk, r.pk, Truncator(text[r.start : r.end]).chars(60)) for r in items),
                ),
            )
        )
    # Every group is format_html output, so the join is safe.
    return SafeString("".join(groups))


def render_fragment(
    request: HttpRequest,
    article: Article,
    fragment: str = "annotator",
    status: int = 200,
    **kwargs: Any,
) -> HttpResponse:
    """One fragment of the article page (the whole annotator by default), for an htmx swap."""
    context = article_page_context(article, request.user, **kwargs)
    return render(request, f"{TEMPLATE}#{fragment}", context, status=status)


def respond(
    request: HttpRequest,
    article: Article,
    *,
    status: int = 200,
    anchor: str = "",
    touched: list[tuple[int, int]] | None = None,
    **kwargs: Any,
) -> HttpResponse:
    """After an action: for htmx the changed fragments, else back to the page (PRG).

    Claim actions name the text ranges they `touched`: only those paragraphs, the claim panel
    and the claims list are sent. Other actions swap the whole annotator.
    """
    if request.htmx and touched is not None:
        context = claim_fragment_context(article, request.user, touched=touched, **kwargs)
        return render(request, f"{TEMPLATE}#claim-update", context, status=status)
    if request.htmx:
        return render_fragment(request, article, status=status, **kwargs)
    if kwargs.get("error") or kwargs.get("conflict"):
        messages.error(request, kwargs.get("error") or kwargs["conflict"])
    return redirect(article.get_absolute_url() + anchor)
