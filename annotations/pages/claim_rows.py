"""The claims a viewer sees on the article page, as light rows, and what the text and the
claims list make of them (split from annotations.pages.annotate, which builds the page)."""

from __future__ import annotations

from typing import Any, NamedTuple, TypedDict

from django.db.models import Q

from annotations.models import Claim, ClaimQuerySet, Label, LabelKind, authored_by, sees_every_claim
from annotations.pages.segments import Span, excerpt
from entities.models import EntityMention, SpanStatus
from newsroom.models import Article
from newsroom.prepared import ID_PLACEHOLDER, OTHER_ID_PLACEHOLDER, PreparedQuery


class ListLine(TypedDict):
    """One line of the claims or the entity list, as the template writes it.

    Plain strings (the id too): the lists grow with the article, and the template's
    lookups are cheapest on a dict of strings."""

    pk: str
    text: str
    label: str  # the entity label; "" on a claim line (its group names the label)
    suggested: bool


class ClaimRow(NamedTuple):
    """What the text, the lists and the scorecard need of a claim: no model instance, no join."""

    pk: int
    start: int
    end: int
    status: str
    label: Label
    author_id: int | None
    anonymity_reason: str
    source_claim_id: int | None
    source_id: int | None
    cue_id: int | None


def visible_claims(article: Article, user: Any) -> ClaimQuerySet:
    """The claims of the article that show to `user` (not rejected), in reading order."""
    return Claim.objects.for_article(article).showing().visible_to(user, article)


_ROW_FIELDS = ("pk", "start", "end", "status", "label_id", "author_id")
_ROW_FIELDS += ("anonymity_reason", "source_claim_id", "source_id", "cue_id")


# `visible_claims` as rows, in its two forms (`sees_every_claim`): compiled once.
_EVERY_ROW = PreparedQuery(
    lambda article: Claim.objects.for_article(article).showing().values_list(*_ROW_FIELDS),
    article=ID_PLACEHOLDER,
)
_OWN_ROWS = PreparedQuery(
    lambda article, author: (
        Claim.objects.for_article(article)
        .showing()
        .filter(authored_by(author))
        .values_list(*_ROW_FIELDS)
    ),
    article=ID_PLACEHOLDER,
    author=OTHER_ID_PLACEHOLDER,
)


def claim_rows(
    article: Article, labels: list[Label], user: Any, where: Q | None = None
) -> list[ClaimRow]:
    """The claims that show to `user`, in reading order, as light rows."""
    by_id = {label.pk: label for label in labels}
    if where is not None:
        rows = visible_claims(article, user).filter(where).values_list(*_ROW_FIELDS)
    elif sees_every_claim(user, article):
        rows = _EVERY_ROW.rows(article=article.pk)
    else:
        rows = _OWN_ROWS.rows(article=article.pk, author=user.pk)
    return [
        ClaimRow(pk, start, end, status, by_id[label_id], *rest)
        for pk, start, end, status, label_id, *rest in rows
    ]


def text_spans(mentions: list[EntityMention], claims: list[ClaimRow]) -> list[Span]:
    return [
        Span(m.id, m.start, m.end, f"ent ent-{m.label} st-{m.status}", m.label) for m in mentions
    ] + [
        Span(c.pk, c.start, c.end, _claim_css(c), c.label.name, "claim", _beneath(c))
        for c in claims
    ]


def _claim_css(claim: ClaimRow) -> str:
    css = f"claim lab-{claim.label.slug} cst-{claim.status}"
    # A statement's own pieces have no fill: its line is drawn beneath (`_beneath`).
    return css + " kind-content" if claim.label.kind == LabelKind.CONTENT else css


def _beneath(claim: ClaimRow) -> str:
    """A statement is long: a line beneath the text in its label's colour (dashed while
    suggested), under the cues, hedges and entities inside it, rather than a fill over them."""
    if claim.label.kind != LabelKind.CONTENT:
        return ""
    suggested = " within-suggested" if claim.status == SpanStatus.SUGGESTED else ""
    return f"within within-{claim.label.slug}{suggested}"


class ClaimGroup(TypedDict):
    """One label's group of the claims list."""

    label: Label
    lines: list[ListLine]
    suggested: int  # how many of its lines are the rules' open suggestions


def claim_groups(text: str, labels: list[Label], rows: list[ClaimRow]) -> list[ClaimGroup]:
    """The claims in `rows` grouped by the `labels`, in reading order.

    Every label has its group, hidden while empty, so that an action can replace just the
    groups it changed.
    """
    lines: dict[int, list[ListLine]] = {label.pk: [] for label in labels}
    for r in rows:
        if r.label.pk in lines:
            suggested = r.status == SpanStatus.SUGGESTED
            lines[r.label.pk].append(
                {
                    "pk": str(r.pk),
                    "text": excerpt(text[r.start : r.end], 60),
                    "label": "",
                    "suggested": suggested,
                }
            )
    return [
        {
            "label": label,
            "lines": lines[label.pk],
            "suggested": sum(line["suggested"] for line in lines[label.pk]),
        }
        for label in labels
    ]
