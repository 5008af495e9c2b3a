"""The scorecard a person is shown for one article: the one rule for the article page, the
API and the export.

What it rests on (`basis_of`): while no editor has worked on the article (no claim accepted
or rejected, not submitted) the figures are the machine's **estimate**, from the rules' open
suggestions; once an editor has started and suggestions remain open, they are **in
progress** (accepted claims and the open suggestions); with no suggestion left open, or once
submitted or approved, they are **verified** (accepted claims only).

Which accepted claims count: those the viewer may see (`annotations.models.claim_visibility`):
all of them for an admin, and for a whole-corpus export with no viewer; a user's own for
anyone else, whose scorecard measures their own annotation. Open suggestions are nobody's:
they count for every viewer who sees them, while the basis is not verified.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from entities.models import SpanStatus
from newsroom.models import ArticleStatus
from newsroom.roles import is_admin

from .quality import (
    ESTIMATE,
    IN_PROGRESS,
    VERIFIED,
    ClaimFacts,
    Scorecard,
    counts_from_claims,
    scorecard,
)

# Statuses in which an article's annotation is handed in: its figures are verified.
HANDED_IN = (ArticleStatus.IN_REVIEW, ArticleStatus.APPROVED)


class ScoredClaim(NamedTuple):
    """What deciding whether a claim counts, and counting it, needs of one claim."""

    pk: int
    label_slug: str
    anonymity_reason: str
    source_claim_id: int | None
    status: str
    author_id: int | None
    source_id: int | None = None
    start: int = 0
    end: int = 0
    cue_id: int | None = None

    def facts(self) -> ClaimFacts:
        """What the scorecard counts of it."""
        return ClaimFacts(
            self.pk,
            self.label_slug,
            self.anonymity_reason,
            self.source_claim_id,
            self.source_id,
            self.start,
            self.end,
            self.cue_id,
        )


# The ORM lookups that give a ScoredClaim row, in its order.
SCORED_FIELDS = (
    "pk",
    "label__slug",
    "anonymity_reason",
    "source_claim_id",
    "status",
    "author_id",
    "source_id",
    "start",
    "end",
    "cue_id",
)


def basis_of(*, article_status: str, statuses: Iterable[str]) -> str:
    """ESTIMATE, IN_PROGRESS or VERIFIED for an article in `article_status` whose claims
    (rejected ones included) have these `statuses`."""
    if article_status in HANDED_IN:
        return VERIFIED
    seen = set(statuses)
    if not seen & {SpanStatus.ACCEPTED, SpanStatus.REJECTED}:
        return ESTIMATE
    return IN_PROGRESS if SpanStatus.SUGGESTED in seen else VERIFIED


def counted(claims: Iterable[ScoredClaim], *, basis: str, viewer: Any) -> list[ScoredClaim]:
    """The claims a scorecard of this `basis` counts, for `viewer` (None: everyone's)."""
    everyone = viewer is None or is_admin(viewer)
    return [
        c
        for c in claims
        if (c.status == SpanStatus.ACCEPTED and (everyone or c.author_id == viewer.pk))
        or (c.status == SpanStatus.SUGGESTED and basis != VERIFIED)
    ]


def viewer_scorecard(
    claims: Iterable[ScoredClaim],
    *,
    words: int,
    text: str,
    viewer: Any,
    article_status: str,
    rejected: bool = False,
) -> Scorecard:
    """The scorecard of an article of `words` words with this `text` in `article_status`
    whose visible claims are `claims` (rejected ones may be left out if `rejected` says
    whether there are any)."""
    claims = list(claims)
    statuses = [c.status for c in claims] + ([SpanStatus.REJECTED] if rejected else [])
    basis = basis_of(article_status=article_status, statuses=statuses)
    facts = [c.facts() for c in counted(claims, basis=basis, viewer=viewer)]
    return scorecard(counts_from_claims(facts, words=words, text=text), basis)
