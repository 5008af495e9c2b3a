"""Every reaction to an event of a lower layer, connected in one place.

- `newsroom.events.articles_stored` → queue the new articles' analysis.
- `annotations.events.claims_changed` → queue a refresh of the articles' sourcing figures.

Both only queue background tasks; the work runs in the task workers.
"""

from __future__ import annotations

from typing import Any

from annotations.analysis import analysis_enqueue
from annotations.events import claims_changed
from annotations.stats import refresh_sourcing
from newsroom.events import articles_stored


def _analyse_stored(sender: Any, *, article_ids: list[int], **kwargs: Any) -> None:
    analysis_enqueue(article_ids=article_ids)


def _refresh_figures(sender: Any, *, article_ids: list[int], **kwargs: Any) -> None:
    refresh_sourcing.enqueue(article_ids=article_ids)


def connect() -> None:
    """Connect the reactions (idempotent: each has a dispatch uid)."""
    articles_stored.connect(_analyse_stored, dispatch_uid="annotations.analyse_stored")
    claims_changed.connect(_refresh_figures, dispatch_uid="annotations.refresh_figures")
