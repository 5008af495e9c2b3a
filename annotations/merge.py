"""Double annotation: two editors' claims on one article, their agreement, and the admin's
merge of the two into the version that gets approved."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from annotations.events import announce_claims_changed
from newsroom.models import Article, check_editable
from newsroom.roles import is_admin

from .agreement import Agreement, Span, agreement, merge_pairs, token_offsets
from .models import Assignment, Claim, Label, ReviewAction, ReviewEvent, SpanStatus
from .review import ReviewRefused


@dataclass(frozen=True)
class DoubleAnnotation:
    """The first two assignees' accepted claims, their agreement and the merge rows."""

    a: Any
    b: Any
    claims_a: list[Claim]
    claims_b: list[Claim]
    agreement: Agreement
    pairs: list[tuple[Claim | None, Claim | None]]


def double_annotation(article: Article) -> DoubleAnnotation | None:
    """The comparison of the article's first two assignees, or None with fewer than two."""
    editor_ids = list(
        Assignment.objects.filter(article=article)
        .order_by("created_at", "pk")
        .values_list("editor_id", flat=True)[:2]
    )
    if len(editor_ids) < 2:
        return None
    users = get_user_model().objects.in_bulk(editor_ids)
    claims = list(
        Claim.objects.for_article(article)
        .accepted()
        .filter(author_id__in=editor_ids)
        .select_related("label")
    )
    text = article.text
    for claim in claims:
        claim.text = text[claim.start : claim.end]
    a = [c for c in claims if c.author_id == editor_ids[0]]
    b = [c for c in claims if c.author_id == editor_ids[1]]
    slugs = list(Label.objects.values_list("slug", flat=True))
    return DoubleAnnotation(
        a=users[editor_ids[0]],
        b=users[editor_ids[1]],
        claims_a=a,
        claims_b=b,
        agreement=agreement(_spans(a), _spans(b), token_offsets(text), labels=slugs),
        pairs=[
            (x.claim if x else None, y.claim if y else None)
            for x, y in merge_pairs(_Keyed.wrap(a), _Keyed.wrap(b))
        ],
    )


@transaction.atomic
def claims_merge(*, article: Article, keep: Collection[int], user: Any) -> tuple[int, int]:
    """Keep the claims in `keep` of the two editors' versions and reject the others: what
    stays accepted is the version that gets approved. Returns (kept, rejected)."""
    if not is_admin(user):
        raise PermissionDenied("Only an admin merges double annotation.")
    check_editable(article, error=ReviewRefused)
    compared = double_annotation(article)
    if compared is None:
        raise ReviewRefused("Merging needs two editors assigned to the article.")
    candidates = {c.pk: c for c in (*compared.claims_a, *compared.claims_b)}
    unknown = set(keep) - set(candidates)
    if unknown:
        raise ReviewRefused("Some of the picked claims changed meanwhile; reload the page.")
    rejected = 0
    for pk, claim in candidates.items():
        if pk in keep:
            continue
        claim.status = SpanStatus.REJECTED
        claim.version += 1
        claim._history_user = user
        claim.save(update_fields=["status", "version", "updated_at"])
        rejected += 1
    announce_claims_changed(article.pk)  # the claims that count changed: refresh the figures
    ReviewEvent.objects.create(
        article=article,
        actor=user,
        action=ReviewAction.COMMENT,
        comment=(
            f"Merged the double annotation of {compared.a.get_username()} and "
            f"{compared.b.get_username()}: kept {len(keep)} of {len(candidates)} claims."
        ),
    )
    return len(keep), rejected


def _spans(claims: list[Claim]) -> list[Span]:
    return [Span(c.start, c.end, c.label.slug) for c in claims]


@dataclass(frozen=True)
class _Keyed:
    """A claim as merge_pairs reads it (start, end, label slug), carrying the claim."""

    start: int
    end: int
    label: str
    claim: Claim

    @classmethod
    def wrap(cls, claims: list[Claim]) -> list[_Keyed]:
        return [cls(c.start, c.end, c.label.slug, c) for c in claims]
