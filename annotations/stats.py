"""Per-article sourcing counts, persisted (ArticleSourcing), and what keeps them current.

The dashboard and the review queue aggregate and sort one ArticleSourcing row per article in
SQL, not a million claims. A row is the article's `counts_from_claims` over the claims its
basis counts (`annotations.scorecards`: the rules' open suggestions while it is the machine's
estimate, accepted claims once verified), that basis, its score and flags, and
the article's outlet, month, editor and status copied for grouping. Whatever changes those
announces it (`annotations.events.claims_changed`), and `annotations.reactions` queues
`refresh_sourcing` once the change commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import fields
from datetime import date, datetime

from django.tasks import task
from django.utils import timezone

from newsroom.models import Article

from .models import ArticleSourcing, Claim, ReviewAction, ReviewEvent
from .quality import SourcingCounts, counts_from_claims, scorecard
from .scorecards import SCORED_FIELDS, ScoredClaim, basis_of, counted

# Articles per batch: their texts are loaded to count words (len(text.split())).
BATCH_SIZE = 500
# SourcingCounts' fields that ArticleSourcing stores; `articles` is 1 per row.
COUNT_FIELDS = tuple(f.name for f in fields(SourcingCounts) if f.name != "articles")
# quality.Flag codes, in the order the scorecard raises them, and their boolean columns.
FLAG_CODES = (
    "no_sources",
    "only_anonymous",
    "anonymity_without_reason",
    "no_right_of_reply",
    "outlet_dependent",
    "heavy_hedging",
    "unattributed_assertions",
)
FLAG_FIELDS = {code: f"flag_{code}" for code in FLAG_CODES}
FLAG_NAMES = {
    "no_sources": "No attributed sources",
    "only_anonymous": "Only anonymous sources",
    "anonymity_without_reason": "Anonymity without a reason",
    "no_right_of_reply": "No right of reply",
    "outlet_dependent": "Outlet-dependent",
    "heavy_hedging": "Heavy hedging",
    "unattributed_assertions": "Unattributed assertions",
}
UPDATE_FIELDS = (
    *COUNT_FIELDS,
    "basis",
    "score",
    "flag_count",
    *FLAG_FIELDS.values(),
    "article_outlet",
    "month",
    "editor",
    "status",
    "submitted_at",
    "refreshed_at",
)


def counts_of(row: ArticleSourcing | dict) -> SourcingCounts:
    """The SourcingCounts a row (or a `.values()` row of sums with an `articles` count) holds."""
    get = (
        row.get if isinstance(row, dict) else lambda name, default=None: getattr(row, name, default)
    )
    return SourcingCounts(
        articles=get("articles", 1) or 0, **{name: get(name) or 0 for name in COUNT_FIELDS}
    )


def month_of(moment: datetime) -> date:
    """The first day of the month `moment` falls in, in TIME_ZONE."""
    return timezone.localtime(moment).date().replace(day=1)


def article_sourcing_refresh(*, article_ids: Iterable[int]) -> int:
    """Recompute the ArticleSourcing rows of these articles from their accepted claims
    (upsert, in batches); return how many rows were written. Deleted articles are skipped:
    their rows went with them."""
    return sum(_refresh_batch(batch) for batch in chunked(sorted(set(article_ids)), BATCH_SIZE))


def _refresh_batch(ids: list[int]) -> int:
    claims: dict[int, list[ScoredClaim]] = defaultdict(list)
    rows = Claim.objects.filter(article_id__in=ids).order_by()
    for article_id, *facts in rows.values_list("article_id", *SCORED_FIELDS):
        claims[article_id].append(ScoredClaim(*facts))
    # The last submit wins: ordered oldest first, later events overwrite earlier ones.
    submitted: dict[int, tuple[int | None, datetime]] = {}
    events = ReviewEvent.objects.filter(article_id__in=ids, action=ReviewAction.SUBMIT)
    for article_id, actor_id, at in events.order_by("created_at", "pk").values_list(
        "article_id", "actor_id", "created_at"
    ):
        submitted[article_id] = (actor_id, at)
    now = timezone.now()
    objs = []
    for pk, text, outlet_id, published_at, created_at, status, created_by_id in (
        Article.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "pk", "text", "outlet_id", "published_at", "created_at", "status", "created_by_id"
        )
        .iterator(chunk_size=100)
    ):
        scored = claims.get(pk, [])
        basis = basis_of(article_status=status, statuses=(c.status for c in scored))
        facts = [c.facts() for c in counted(scored, basis=basis, viewer=None)]
        counts = counts_from_claims(facts, words=len(text.split()), text=text)
        card = scorecard(counts, basis)
        actor_id, submitted_at = submitted.get(pk, (None, None))
        objs.append(
            ArticleSourcing(
                article_id=pk,
                **{name: getattr(counts, name) for name in COUNT_FIELDS},
                basis=basis,
                score=card.score,
                flag_count=len(card.flags),
                **{column: code in card.flag_codes for code, column in FLAG_FIELDS.items()},
                article_outlet_id=outlet_id,
                month=month_of(published_at or created_at),
                editor_id=actor_id or created_by_id,
                status=status,
                submitted_at=submitted_at,
                refreshed_at=now,
            )
        )
    ArticleSourcing.objects.bulk_create(
        objs, update_conflicts=True, unique_fields=["article"], update_fields=UPDATE_FIELDS
    )
    return len(objs)


@task()
def refresh_sourcing(article_ids: list[int]) -> int:
    """Background task: article_sourcing_refresh for these articles."""
    return article_sourcing_refresh(article_ids=article_ids)


def chunked(ids: list[int], size: int) -> Iterator[list[int]]:
    """`ids` in lists of `size`."""
    for i in range(0, len(ids), size):
        yield ids[i : i + size]
