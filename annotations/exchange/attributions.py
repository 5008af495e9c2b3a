"""Attribution triples as the exports write them: (source, cue, contents) from the claims a
file holds (issue 19; docs/export.md, docs/formats.md).

A statement links to its cue (`Claim.cue`), the cue to its source mention (`source_claim`).
Every export that writes attributions (Newsroom's corpus schema, Citron's quotes) groups them
here, from the claims it holds, so both say the same: one attribution per cue that has
statements in the file, or that is a refusal to comment (which has nothing to attribute but
is an attribution still: the source declined). Rejected claims are no part of one: they are
the editors' "no", exported with their status where the format has one, never as a triple.
A link to a claim the file leaves out (a suggestion, a hidden or rejected claim) is none.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from annotations.quality import NO_COMMENT
from entities.models import SpanStatus


@dataclass(frozen=True)
class ClaimLinks:
    """What grouping needs of one claim a file holds; `key` is whatever the export names a
    claim by (an ordinal id, a Claim), and the links are keys too, or None."""

    key: Hashable
    label: str  # the label's slug
    status: str
    cue: Hashable | None = None  # a statement's cue
    source: Hashable | None = None  # a cue's source mention


@dataclass(frozen=True)
class Attribution:
    cue: Hashable
    source: Hashable | None  # the cue's source mention, if the file holds it
    contents: tuple[Hashable, ...]  # the cue's statements, in the order given


def attributions(claims: Iterable[ClaimLinks]) -> list[Attribution]:
    """The attributions among `claims` (in reading order: so are the result and each one's
    contents)."""
    kept = [c for c in claims if c.status != SpanStatus.REJECTED]
    held = {c.key for c in kept}
    contents: dict[Hashable, list[Hashable]] = {}
    for claim in kept:
        if claim.cue is not None and claim.cue in held:
            contents.setdefault(claim.cue, []).append(claim.key)
    return [
        Attribution(
            cue=claim.key,
            source=claim.source if claim.source in held else None,
            contents=tuple(contents.get(claim.key, ())),
        )
        for claim in kept
        if claim.key in contents or claim.label == NO_COMMENT
    ]
