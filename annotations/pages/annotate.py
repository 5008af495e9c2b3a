"""The article page (the annotate page): the text with every layer, and its side panels.

One module builds what the full page and every htmx fragment of it show, so a swap always
shows the same state the page would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.template.loader import render_to_string

from annotations.claims import can_edit
from annotations.models import (
    ACCEPT_KEY,
    REJECT_KEY,
    Claim,
    ClaimOrigin,
    ClaimQuerySet,
    Label,
    LabelKind,
    assignee_count,
    authored_by,
    sees_every_claim,
)
from annotations.pages.attributions import attribution_context
from annotations.pages.claim_rows import (
    ClaimRow,
    ListLine,
    claim_groups,
    claim_rows,
    text_spans,
    visible_claims,
)
from annotations.pages.segments import (
    Paragraph,
    context_of,
    excerpt,
    paragraph,
    paragraphs,
    text_paragraphs,
)
from annotations.quality import SCORE_FORMULA, Scorecard
from annotations.review import review_panel_context
from annotations.scorecards import ScoredClaim, viewer_scorecard
from annotations.sources import SourceGroup, source_groups
from entities.models import EntityMention, SpanStatus
from entities.pipeline import ENTITY_LABELS
from newsroom.models import AnalysisState, Article
from newsroom.prepared import ID_PLACEHOLDER, OTHER_ID_PLACEHOLDER, PreparedQuery

TEMPLATE = "annotations/article_detail.html"
TEXT_MACROS = "annotations/article_text.html"  # a Jinja2 template: see _macros
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


# The page and every action on it run these: compiled once (newsroom/prepared.py).
_ARTICLE = PreparedQuery(
    lambda pk: (
        Article.objects.annotate(
            assignee_count=assignee_count(),
            has_rejected=Exists(
                Claim.objects.filter(article=OuterRef("pk"), status=SpanStatus.REJECTED)
            ),
        )
        .select_related("outlet", "created_by")
        .filter(pk=pk)
    ),
    pk=ID_PLACEHOLDER,
)
_LABELS = PreparedQuery(lambda: Label.objects.all())
_MENTIONS = PreparedQuery(
    lambda article: EntityMention.objects.for_article(article).select_related("updated_by"),
    article=ID_PLACEHOLDER,
)


def article_or_404(pk: int) -> Article:
    """The article with what its page and actions need (assignee count, outlet, creator)."""
    article = _ARTICLE.first(pk=pk)
    if article is None:
        raise Http404("No such article.")
    return article


def all_labels() -> list[Label]:
    """Every label, in the order the picker and the claims list show them."""
    return _LABELS.rows()


# The page's three lists of the labels (the picker's buttons, the guidelines, the keys), as
# the template's partials wrote them for a state of the labels: they change only when an
# admin edits a label, and writing them took a tenth of the page's template time.
_LABEL_HTML: dict[tuple[tuple[Any, ...], ...], dict[str, str]] = {}


def label_html(labels: list[Label]) -> dict[str, str]:
    """The HTML of the label lists for `labels` (safe strings, from the template)."""
    key = tuple(
        (label.pk, label.slug, label.name, label.shortcut, label.description, label.kind)
        for label in labels
    )
    html = _LABEL_HTML.get(key)
    if html is None:
        html = {
            part: render_to_string(f"{TEMPLATE}#label-{part}", {"labels": labels})
            for part in ("buttons", "guide", "keys")
        }
        if len(_LABEL_HTML) > 8:  # old states of the labels, after edits: drop them
            _LABEL_HTML.clear()
        _LABEL_HTML[key] = html
    return html


def _mentions(article: Article) -> list[EntityMention]:
    return _MENTIONS.rows(article=article.pk)


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
    mentions = _mentions(article)
    labels = all_labels()
    review = review_panel_context(article, user)  # first: it knows the assignees
    rows = claim_rows(article, labels, user)
    for item in (*mentions, *([claim] if claim else [])):
        item.text = text[item.start : item.end]
    entities = _entity_summary(mentions)
    return {
        **review,
        "rejected_suggestions": rejected_suggestions(article, user),
        **sources_panel(article, user, rows),
        "scorecard": article_scorecard(article, user, rows),
        "score_formula": SCORE_FORMULA,
        "article": article,
        "text_html": _macros().paragraphs(
            text_paragraphs(text, text_spans(entities["mentions"], rows))
        ),
        **_claim_panel_context(article, user, claim, labels, rows, entities["mentions"], text),
        "claims_list_html": _macros().claims_groups(claim_groups(text, labels, rows)),
        "claim_count": len(rows),
        "label_html": label_html(labels),
        "conflict": conflict,
        **entities,
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
    labels_touched: Collection[int] = (),
    error: str = "",
    conflict: str = "",
    decided: Claim | None = None,
    decided_count: int | None = None,
    decided_label: Label | None = None,
    labels: list[Label] | None = None,
    notice: str = "",
    undo: Claim | None = None,
    undo_deleted: int | None = None,
    unsaved: dict[str, Any] | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """What a claim action swaps: the claim panel, the claims list's groups of the labels it
    touched, and the paragraphs overlapping the text ranges it touched.

    Everything else stays as the page has it, so the cost of an action grows with neither
    the article nor the number of its claims.
    """
    text = article.text
    if labels is None:
        labels = all_labels()
    if claim is not None:
        claim.text = text[claim.start : claim.end]
    groups = [label for label in labels if label.pk in labels_touched]
    # A source claim's panel lists the entities it may name: they come with the paragraphs'.
    wants_sources = claim is not None and claim.label.kind == LabelKind.SOURCE
    touched_paragraphs, rows, sources = _touched_paragraphs(
        article,
        labels,
        user,
        touched,
        also=Q(label__in=groups) if groups else None,
        also_mentions=Q(label__in=SOURCE_ENTITY_LABELS) if wants_sources else None,
    )
    group_rows = [r for r in rows if r.label.pk in labels_touched]
    sources = [m for m in sources if m.label in SOURCE_ENTITY_LABELS] if wants_sources else []
    for m in sources:
        m.text = text[m.start : m.end]
    source_rows: list[ClaimRow] = []
    if claim is not None and claim.label.kind == LabelKind.CUE:
        source_rows = claim_rows(article, labels, user, Q(label__kind=LabelKind.SOURCE))
    return {
        "article": article,
        **_claim_panel_context(
            article, user, claim, labels, source_rows, sources, text, fresh=fresh
        ),
        "claim_groups_html": _macros().claims_groups(
            claim_groups(text, groups, group_rows), swap=True
        ),
        "claim_count": visible_claims(article, user).count() if groups else None,
        "paragraph_html": _macros().paragraphs(touched_paragraphs, swap=True),
        "review_message": _review_message(text, decided, decided_count, decided_label),
        "claim_notice": notice,
        # After a review the panel moves on to the next suggestion: the page scrolls to it.
        "flash_claim": claim.pk if claim and decided and claim.pk != decided.pk else None,
        "claim_error": error,
        "conflict": conflict,
        # The action just done, offered to undo (key z): the claim and the version it left.
        "undo": (
            {"claim_id": undo.pk, "version": undo.version}
            if undo is not None
            else {"claim_id": undo_deleted, "version": None}
            if undo_deleted is not None
            else None
        ),
        # After a 409: the edit the editor typed, shown beside the current state.
        "unsaved": _unsaved(unsaved),
        "oob": True,
    }


def _unsaved(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """An edit refused for a conflict, as the panel shows it and posts it again."""
    if not values:
        return None
    label = values.get("label")
    mention, source = values.get("source_mention"), values.get("source_claim")
    return {
        "label": label,
        "anonymity_reason": values.get("anonymity_reason", ""),
        "affiliation": values.get("affiliation", ""),
        "source_count": values.get("source_count"),
        "note": values.get("note", ""),
        "source_mention_id": mention.pk if mention is not None else None,
        "source_claim_id": source.pk if source is not None else None,
        "cue_id": values["cue"].pk if values.get("cue") is not None else None,
        "start": values.get("start"),
        "end": values.get("end"),
    }


def article_sources(text: str, rows: list[ClaimRow]) -> list[SourceGroup]:
    """The sources among the claims that show (`rows`), each once with its mentions (as
    (claim id, text) pairs in its `claims`), in reading order."""
    return source_groups(
        ((r.pk, text[r.start : r.end]), text[r.start : r.end], r.label.slug, r.source_id)
        for r in rows
        if r.label.kind == LabelKind.SOURCE
    )


REJECTED_SHOWN = 200


def _rejected(article: int, author: int | None = None) -> ClaimQuerySet:
    rejected = Claim.objects.for_article(article).filter(
        origin=ClaimOrigin.RULE, status=SpanStatus.REJECTED
    )
    if author is not None:
        rejected = rejected.filter(authored_by(author))
    return rejected.select_related("label").in_list_order()[:REJECTED_SHOWN]


# On every article page, in the two forms of the visibility rule: compiled once.
_EVERY_REJECTED = PreparedQuery(_rejected, article=ID_PLACEHOLDER)
_OWN_REJECTED = PreparedQuery(_rejected, article=ID_PLACEHOLDER, author=OTHER_ID_PLACEHOLDER)


def rejected_suggestions(article: Article, user: Any) -> list[Claim]:
    """The rules' suggestions `user` may see that were rejected (the page lists them to
    restore), in the claims list's order, with their text."""
    if sees_every_claim(user, article):
        rejected = _EVERY_REJECTED.rows(article=article.pk)
    else:
        rejected = _OWN_REJECTED.rows(article=article.pk, author=user.pk)
    for claim in rejected:
        claim.text = article.text[claim.start : claim.end]
    return rejected


def sources_panel(article: Article, user: Any, rows: list[ClaimRow]) -> dict[str, Any]:
    """The sources panel: the sources among `rows`, and their list and the merge form's
    options written by the Jinja2 macros (Django's engine took 1 ms for a few sources)."""
    sources = article_sources(article.text, rows)
    can_split = not article.read_only and user.has_perm("annotations.change_claim")
    return {
        "sources": sources,
        "sources_html": _macros().source_list(sources, can_split),
        "source_options_html": _macros().source_options(sources),
    }


def sources_context(article: Article, user: Any) -> dict[str, Any]:
    """What the sources panel shows on its own (its htmx refresh)."""
    rows = claim_rows(article, all_labels(), user)
    return {"article": article, **sources_panel(article, user, rows)}


def article_scorecard(article: Article, user: Any, rows: list[ClaimRow] | None = None) -> Scorecard:
    """The scorecard `user` is shown for the article (`annotations.scorecards`); `rows`, the
    claims that show to them (`claim_rows`), when the page has them already."""
    if rows is None:
        rows = claim_rows(article, all_labels(), user)
    scored = (
        ScoredClaim(
            r.pk,
            r.label.slug,
            r.anonymity_reason,
            r.source_claim_id,
            r.status,
            r.author_id,
            r.source_id,
            r.start,
            r.end,
            r.cue_id,
        )
        for r in rows
    )
    return viewer_scorecard(
        scored,
        words=article.word_count,
        text=article.text,
        viewer=user,
        article_status=article.status,
        # Whether any was rejected (the rows leave them out): read with the article.
        rejected=getattr(article, "has_rejected", False),
    )


def _review_message(
    text: str, decided: Claim | None, count: int | None, label: Label | None
) -> str:
    if decided is not None:
        verb = "Accepted" if decided.status == SpanStatus.ACCEPTED else "Rejected"
        return f"{verb} “{excerpt(text[decided.start : decided.end], 40)}” ({decided.label.name})."
    if count is not None and label is not None:
        noun = "suggestion" if count == 1 else "suggestions"
        return f"Accepted {count} {label.name} {noun}."
    return ""


def mention_fragment_context(
    article: Article,
    user: Any,
    *,
    mention: EntityMention | None,
    touched: list[tuple[int, int]],
    error: str = "",
) -> dict[str, Any]:
    """What an entity action swaps: the mention panel, the entity legend and list, and the
    paragraphs overlapping the text ranges it touched."""
    text = article.text
    mentions = _mentions(article)
    for item in mentions:
        item.text = text[item.start : item.end]
    return {
        "article": article,
        **_entity_summary(mentions),
        "selected": mention,
        "selected_text": text[mention.start : mention.end] if mention else "",
        "mention_error": error,
        "paragraph_html": _macros().paragraphs(
            _touched_paragraphs(article, all_labels(), user, touched)[0], swap=True
        ),
        "oob": True,
    }


def _entity_summary(mentions: list[EntityMention]) -> dict[str, Any]:
    """The entity legend with its counts and the list of mentions, rejected ones apart."""
    visible = [m for m in mentions if m.status != SpanStatus.REJECTED]
    rejected = [m for m in mentions if m.status == SpanStatus.REJECTED]
    counts = Counter(m.label for m in visible)
    return {
        "legend": [(label, ENTITY_NAMES[label], counts[label]) for label in ENTITY_LABELS],
        "entity_labels": [(label, ENTITY_NAMES[label]) for label in ENTITY_LABELS],
        "mentions": visible,
        "rejected": rejected,
        "mention_list_html": _macros().mention_lines(
            _mention_lines(visible), _mention_lines(rejected)
        ),
    }


def _macros() -> Any:
    """The Jinja2 macros that write the text and the lists, which grow with the article
    (templates/jinja2/annotations/article_text.html). Each returns autoescaped HTML (Jinja2's
    Markup), which the page's Django template includes as it is."""
    return engines["jinja2"].get_template(TEXT_MACROS).template.module


def _mention_lines(mentions: list[EntityMention]) -> list[ListLine]:
    """The entity list's lines (`text` set on each mention by the caller)."""
    return [
        {"pk": str(m.pk), "text": m.text, "label": m.label, "suggested": False} for m in mentions
    ]


def _touched_paragraphs(
    article: Article,
    labels: list[Label],
    user: Any,
    touched: list[tuple[int, int]],
    also: Q | None = None,
    also_mentions: Q | None = None,
) -> tuple[list[Paragraph], list[ClaimRow], list[EntityMention]]:
    """The paragraphs overlapping the `touched` ranges, rendered from the spans inside them
    for an out-of-band swap: the cost does not grow with the article.

    The claims matching `also` and the visible mentions matching `also_mentions` come back
    from the same queries, beside the paragraphs' own (the caller's other rows: round trips
    less on the annotate page's hottest path)."""
    text = article.text
    paras = [
        (i, lo, hi)
        for i, (lo, hi) in enumerate(paragraphs(text))
        if any(start < hi and end > lo for start, end in touched)
    ]
    mentions = EntityMention.objects.for_article(article).visible()
    if not paras:
        rows = claim_rows(article, labels, user, also) if also is not None else []
        extra = list(mentions.filter(also_mentions)) if also_mentions is not None else []
        return [], rows, extra
    lo, hi = paras[0][1], paras[-1][2]
    in_range = Q(start__lt=hi, end__gt=lo)
    rows = claim_rows(article, labels, user, in_range | also if also is not None else in_range)
    found = list(mentions.filter(in_range | also_mentions if also_mentions else in_range))
    spans = text_spans(
        [m for m in found if m.start < hi and m.end > lo],
        [r for r in rows if r.start < hi and r.end > lo],
    )
    return [paragraph(text, i, p_lo, p_hi, spans) for i, p_lo, p_hi in paras], rows, found


def _claim_panel_context(
    article: Article,
    user: Any,
    claim: Claim | None,
    labels: list[Label],
    rows: list[ClaimRow],
    mentions: list[EntityMention],
    text: str,
    *,
    fresh: bool = False,
) -> dict[str, Any]:
    """The label picker and the claim panel; `rows` are the claims a cue may belong to;
    `fresh`: the claim was just marked (annotations.pages.attributions)."""
    suggested = claim is not None and claim.status == SpanStatus.SUGGESTED
    return {
        "labels": labels,
        "selected_claim": claim,
        "accept_key": ACCEPT_KEY,
        "reject_key": REJECT_KEY,
        "label_suggestions": (
            Claim.objects.filter(article_id=claim.article_id, label_id=claim.label_id)
            .suggested()
            .count()
            if suggested
            else 0
        ),
        "can_edit_claim": claim is not None and can_edit(user, claim),
        "source_mentions": [
            {"pk": m.pk, "text": m.text, "label": m.label, "context": context_of(text, m)}
            for m in mentions
            # The claim form's list: none without an open claim (each line's context costs).
            if claim is not None and m.label in SOURCE_ENTITY_LABELS
        ],
        "source_claims": [
            {
                "pk": r.pk,
                "text": text[r.start : r.end],
                "label": r.label,
                "context": context_of(text, r),
            }
            for r in rows
            if claim is not None
            and claim.label.kind == LabelKind.CUE
            and r.label.kind == LabelKind.SOURCE
            and r.pk != claim.pk
        ],
        # Who a statement rests on, a cue's statements, a source's attributions; and the
        # claims the text outlines as linked to the open one (`linked_claims`).
        **attribution_context(article, user, claim, labels, fresh=fresh),
    }


# The fragments an action can answer with, and what builds each one's context.
UPDATES = {"claim-update": claim_fragment_context, "mention-update": mention_fragment_context}


def respond(
    request: HttpRequest,
    article: Article,
    *,
    update: str,
    touched: list[tuple[int, int]],
    status: int = 200,
    anchor: str = "",
    **kwargs: Any,
) -> HttpResponse:
    """After an action: for htmx the `update` fragment (the panel of the claim or mention,
    and out of band what changed: the paragraphs overlapping `touched`, the list groups);
    without JavaScript, back to the page (PRG) with any error as a message."""
    if request.htmx:
        context = UPDATES[update](article, request.user, touched=touched, **kwargs)
        return render(request, f"{TEMPLATE}#{update}", context, status=status)
    if kwargs.get("error") or kwargs.get("conflict"):
        messages.error(request, kwargs.get("error") or kwargs["conflict"])
    if kwargs.get("notice"):
        messages.info(request, kwargs["notice"])
    return redirect(article.get_absolute_url() + anchor)
