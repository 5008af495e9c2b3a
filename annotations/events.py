"""What the claim layer tells the layers above it (review and quality), without importing
them: the same mechanism as `newsroom.events`, sent on commit, connected in
`AnnotationsConfig.ready()`."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

# Sent with `article_ids`: their claims (or what the sourcing figures copy from the article,
# such as its review status) changed, so their figures must be recomputed.
claims_changed = Signal()


def announce_claims_changed(*article_ids: int) -> None:
    """Send `claims_changed` for these articles when the current transaction commits (at
    once outside one): the reaction must see the change it is told about."""
    ids = sorted(set(article_ids))
    if ids:
        transaction.on_commit(lambda: claims_changed.send(sender=None, article_ids=ids))
