"""The scorecard a person is shown for one article: the one rule for the article page, the
API and the export.

Which claims count: the accepted ones (the rules' open suggestions are guesses) among those
the viewer may see (`annotations.models.claim_visibility`): all of them for an admin, and
for a whole-corpus export with no viewer; a user's own for anyone else, whose scorecard
measures their own annotation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from entities.models import SpanStatus
from newsroom.roles import is_admin

from .quality import Scorecard, counts_from_claims, scorecard


class ScoredClaim(NamedTuple):
    """What deciding whether a claim counts, and counting it, needs of one claim."""

    pk: int
    label_slug: str
    anonymity_reason: str
    source_claim_id: int | None
    status: str
    author_id: int | None


def viewer_scorecard(claims: Iterable[ScoredClaim], *, words: int, viewer: Any) -> Scorecard:
    """The scorecard of an article of `words` words whose visible claims are `claims`."""
    everyone = viewer is None or is_admin(viewer)
    facts = [
        (c.pk, c.label_slug, c.anonymity_reason, c.source_claim_id)
        for c in claims
        if c.status == SpanStatus.ACCEPTED and (everyone or c.author_id == viewer.pk)
    ]
    return scorecard(counts_from_claims(facts, words=words))
