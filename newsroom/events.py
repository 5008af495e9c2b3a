"""What the article store tells the layers above it, without importing them.

A lower layer never imports a higher one (docs/architecture.md). When a change here must set
off work up there ("an article was stored: queue its analysis"), the service that made the
change sends one of these signals, and the higher layer's app connects its reaction in its
`AppConfig.ready()`. Signals are sent once the transaction commits, so a reaction (usually
queueing a background task) never sees, or acts on, a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# Sent with `article_ids`: new articles, waiting for their analysis.
articles_stored = Signal()


def announce_articles_stored(article_ids: Iterable[int]) -> None:
    """Send `articles_stored` for these articles when the current transaction commits."""
    ids = list(article_ids)
    if ids:
        transaction.on_commit(lambda: articles_stored.send(sender=None, article_ids=ids))
