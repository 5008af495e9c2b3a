"""Editors' corrections to entity mentions: accept, reject, relabel, add what the model missed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from newsroom.models import Article, check_editable

from .models import EntityMention, Origin, SpanStatus
from .offsets import SelectionRefused, snap_to_tokens
from .pipeline import ENTITY_LABELS


class CorrectionRefused(Exception):
    """The server will not make this change; the message says why and what to do."""


@transaction.atomic
def mention_add(*, article: Article, start: int, end: int, label: str, user: Any) -> EntityMention:
    """Add (or confirm) a mention at an editor's selection, snapped out to whole tokens."""
    check_editable(article, error=CorrectionRefused)
    if label not in ENTITY_LABELS:
        raise CorrectionRefused(f"Unknown entity label {label!r}.")
    try:
        start, end = snap_to_tokens(article.text, start, end)
    except SelectionRefused as refused:
        raise CorrectionRefused(str(refused)) from None
    mention = EntityMention.objects.filter(
        article=article, start=start, end=end, label=label
    ).first() or EntityMention(
        article=article,
        start=start,
        end=end,
        label=label,
        origin=Origin.EDITOR,
        created_by=user,
    )
    if mention.pk is None or mention.status != SpanStatus.ACCEPTED:
        mention.status = SpanStatus.ACCEPTED
        _save(mention, user)
    return mention


# The prefix of the history's change reason that records a mention's label and status before
# the change (annotations.history reads it).
BEFORE = "before:"


def _save(mention: EntityMention, user: Any) -> None:
    mention.updated_by = user
    # The history names the editor even when the change does not come through a request.
    mention._history_user = user
    mention.save()


@transaction.atomic
def mention_decide(
    *, mention: EntityMention, action: str, user: Any, label: str = ""
) -> EntityMention:
    """Accept, reject or relabel a mention (relabelling also accepts it)."""
    check_editable(mention.article_id, error=CorrectionRefused)
    # The model's mentions are written in bulk, without a history row: the first change to
    # one records what it was, so that the history can show "PERSON → FAC".
    mention._change_reason = f"{BEFORE}{mention.label}|{mention.status}"
    if action == "accept":
        mention.status = SpanStatus.ACCEPTED
    elif action == "reject":
        mention.status = SpanStatus.REJECTED
    elif action == "relabel":
        if label not in ENTITY_LABELS:
            raise CorrectionRefused(f"Unknown entity label {label!r}.")
        clash = EntityMention.objects.filter(
            article_id=mention.article_id, start=mention.start, end=mention.end, label=label
        ).exclude(pk=mention.pk)
        if clash.exists():
            raise CorrectionRefused(f"This span is already tagged {label}.")
        mention.label = label
        mention.status = SpanStatus.ACCEPTED
    else:
        raise CorrectionRefused(f"Unknown action {action!r}.")
    _save(mention, user)
    return mention
