"""The rules' sourcing suggestions as claims: written by the analysis, beside the entities.

The detector (annotations.sourcing) reads each doc of the analysis' one `nlp.pipe` pass;
this module turns its suggestions into `Claim` rows (origin `rule`, status `suggested`, no
author) in the analysis' transaction, after the entity mentions, so that a source can link to
its mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from entities.models import EntityMention

from .models import Claim, ClaimOrigin, Label, LabelKind, SpanStatus
from .sources import sources_assign, sources_prune

if TYPE_CHECKING:  # the detector imports spaCy: web processes never need it
    from annotations.sourcing import Suggestion

REASON_MAX = Claim._meta.get_field("anonymity_reason").max_length
AFFILIATION_MAX = Claim._meta.get_field("affiliation").max_length


@transaction.atomic
def suggestions_replace(*, found: Sequence[tuple[int, Sequence[Suggestion]]]) -> int:
    """Replace the untouched rule suggestions of these articles with the detector's `found`
    (article id, its suggestions); return how many were written.

    Claims an editor made, and suggestions someone accepted or rejected, stay as they are,
    and the rules do not suggest their span and label again. A source is linked to the
    entity mention at its offsets (unless rejected); a cue to the suggestion of its source.
    Labels an admin has removed are skipped.
    """
    ids = [pk for pk, _ in found]
    labels = {label.slug: label for label in Label.objects.all()}
    replaced = Claim.objects.filter(article_id__in=ids).untouched_suggestions()
    # Kept claims (an editor's, an accepted statement) that link to a suggestion about to be
    # replaced: the link moves to the claim on the same span and label afterwards.
    carried = _links_into(replaced)
    replaced.delete()
    # Spans and labels already claimed (the rules do not suggest them again), and the claim
    # on each: a suggested statement links to a cue an editor has already kept or marked.
    taken: set[tuple[int, int, int, str]] = set()
    existing: dict[tuple[int, int, int, str], int] = {}
    for *key, claim_id, status in (
        Claim.objects.filter(article_id__in=ids)
        .order_by("pk")
        .values_list("article_id", "start", "end", "label__slug", "pk", "status")
    ):
        taken.add(tuple(key))
        if status != SpanStatus.REJECTED:
            existing.setdefault(tuple(key), claim_id)
    mentions = {
        (pk, start, end): mention_id
        for pk, start, end, mention_id in EntityMention.objects.filter(article_id__in=ids)
        .visible()
        .values_list("article_id", "start", "end", "id")
    }
    # Written in three waves, so that each link is known when its claim is inserted (no
    # UPDATE afterwards): sources and markers; then cues, linked to their source; then
    # statements, linked to their cue (the suggested one, or a claim an editor kept there).
    made: dict[tuple[int, int], Claim] = {}

    def link(pk: int, suggestions: Sequence[Suggestion], target: int | None, kind: str) -> Any:
        """The id of the claim suggestion `target` became, else of the claim already on its
        span and label; None unless its label is of `kind`."""
        if target is None:
            return None
        t = suggestions[target]
        if t.label not in labels or labels[t.label].kind != kind:
            return None
        claim = made.get((pk, target))
        return claim.pk if claim is not None else existing.get((pk, t.start, t.end, t.label))

    for kinds in ((LabelKind.SOURCE, LabelKind.MARKER), (LabelKind.CUE,), (LabelKind.CONTENT,)):
        wave = []
        for pk, suggestions in found:
            for i, s in enumerate(suggestions):
                label = labels.get(s.label)
                if label is None or label.kind not in kinds:
                    continue
                if (pk, s.start, s.end, s.label) in taken:
                    continue
                taken.add((pk, s.start, s.end, s.label))
                claim = made[pk, i] = Claim(
                    article_id=pk,
                    start=s.start,
                    end=s.end,
                    label=label,
                    origin=ClaimOrigin.RULE,
                    status=SpanStatus.SUGGESTED,
                    anonymity_reason=s.anonymity_reason[:REASON_MAX],
                    affiliation=s.affiliation[:AFFILIATION_MAX],
                    source_mention_id=mentions.get((pk, *s.entity)) if s.entity else None,
                )
                if label.kind == LabelKind.CUE:
                    claim.source_claim_id = link(pk, suggestions, s.source, LabelKind.SOURCE)
                elif label.kind == LabelKind.CONTENT:
                    claim.cue_id = link(pk, suggestions, s.cue, LabelKind.CUE)
                wave.append(claim)
        Claim.objects.bulk_create(wave)
    _carry_links(
        carried,
        {(c.article_id, c.start, c.end, c.label.slug): c.pk for c in made.values()} | existing,
    )
    # Sources: a pronoun joins the mention the detector resolved it to; the rest by name.
    pronouns = {
        made[pk, i].pk: made[pk, s.source].pk
        for pk, suggestions in found
        for i, s in enumerate(suggestions)
        if s.source is not None
        and (pk, i) in made
        and (pk, s.source) in made
        and made[pk, i].label.kind == LabelKind.SOURCE
        and made[pk, s.source].label.kind == LabelKind.SOURCE
    }
    sources_prune(article_ids=ids)
    sources_assign(article_ids=ids, links=pronouns)
    return len(made)


# A kept claim's links to replaced suggestions: (claim id, field) -> the target's span and label.
_LINKS = ("cue", "source_claim")


def _links_into(replaced: Any) -> dict[tuple[int, str], tuple[int, int, int, str]]:
    carried = {}
    for field in _LINKS:
        rows = (
            Claim.objects.filter(**{f"{field}__in": replaced})
            .exclude(pk__in=replaced)
            .values_list(
                "pk",
                f"{field}__article_id",
                f"{field}__start",
                f"{field}__end",
                f"{field}__label__slug",
            )
        )
        for pk, *target in rows:
            carried[pk, field] = tuple(target)
    return carried


def _carry_links(
    carried: dict[tuple[int, str], tuple[int, int, int, str]],
    claims: dict[tuple[int, int, int, str], int],
) -> None:
    for (pk, field), target in carried.items():
        if target in claims:
            Claim.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(
                **{f"{field}_id": claims[target]}
            )
