"""The article page (the annotate page): the text with every layer, and its side panels.

One builder serves the full page and every htmx fragment of it, so a swap always shows
the same state the page would.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from annotations.models import Claim, ClaimStatus, Label, LabelKind
from annotations.services import can_edit
from entities.models import EntityMention, MentionStatus
from entities.pipeline import ENTITY_LABELS

from .models import AnalysisState, Article
from .segments import Span, render_segments

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
SOURCE_ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP"}


def article_page_context(
    article: Article,
    user: Any,
    *,
    mention: EntityMention | None = None,
    claim: Claim | None = None,
    error: str = "",
    conflict: str = "",
    claim_form: Any = None,
) -> dict[str, Any]:
    """Everything the article page shows, in a fixed number of queries for any article."""
    text = article.text
    mentions = list(EntityMention.objects.for_article(article).select_related("updated_by"))
    claims = list(Claim.objects.for_article(article).select_related("label", "author"))
    labels = list(Label.objects.all())
    for item in (*mentions, *claims):
        item.text = text[item.start : item.end]
    visible_mentions = [m for m in mentions if m.status != MentionStatus.REJECTED]
    visible_claims = [c for c in claims if c.status != ClaimStatus.REJECTED]
    spans = [
        Span(m.id, m.start, m.end, f"ent ent-{m.label} st-{m.status}", m.label)
        for m in visible_mentions
    ] + [
        Span(
            c.id,
            c.start,
            c.end,
            f"claim lab-{c.label.slug} cst-{c.status}",
            c.label.name,
            layer="claim",
        )
        for c in visible_claims
    ]
    entity_counts = Counter(m.label for m in visible_mentions)
    polling = (
        article.analysis_state in (AnalysisState.PENDING, AnalysisState.RUNNING)
        and not article.analysis_stalled
    )
    if claim is not None:
        claim.text = text[claim.start : claim.end]
    return {
        "article": article,
        "text_html": render_segments(text, spans),
        "labels": labels,
        "claims_by_label": [
            (label, [c for c in visible_claims if c.label_id == label.pk]) for label in labels
        ],
        "claim_count": len(visible_claims),
        "selected_claim": claim,
        "claim_form": claim_form,
        "can_edit_claim": claim is not None and can_edit(user, claim),
        "source_mentions": [m for m in visible_mentions if m.label in SOURCE_ENTITY_LABELS],
        "source_claims": [
            c
            for c in visible_claims
            if c.label.kind == LabelKind.SOURCE and (claim is None or c.pk != claim.pk)
        ],
        "conflict": conflict,
        "legend": [(label, ENTITY_NAMES[label], entity_counts[label]) for label in ENTITY_LABELS],
        "entity_labels": [(label, ENTITY_NAMES[label]) for label in ENTITY_LABELS],
        "mentions": visible_mentions,
        "rejected": [m for m in mentions if m.status == MentionStatus.REJECTED],
        "selected": mention,
        "selected_text": text[mention.start : mention.end] if mention else "",
        "error": error,
        "polling": polling,
    }


TEMPLATE = "newsroom/article_detail.html"


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
    request: HttpRequest, article: Article, *, status: int = 200, anchor: str = "", **kwargs: Any
) -> HttpResponse:
    """After an action: the swapped annotator for htmx, else back to the page (PRG)."""
    if request.htmx:
        return render_fragment(request, article, status=status, **kwargs)
    if kwargs.get("error") or kwargs.get("conflict"):
        messages.error(request, kwargs.get("error") or kwargs["conflict"])
    return redirect(article.get_absolute_url() + anchor)
