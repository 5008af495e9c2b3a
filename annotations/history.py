"""An article's audit history: review steps and every change to its claims and entities,
each with who, when, and what it was before and after."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from entities.corrections import BEFORE
from entities.models import EntityMention
from newsroom.models import Article, ArticleStatus

from .models import Claim, Label, ReviewAction, ReviewEvent, claim_visibility

# The claim fields whose changes the history shows, with their names on the page.
CLAIM_FIELDS = {
    "label": "label",
    "status": "status",
    "start": "start",
    "end": "end",
    "anonymity_reason": "anonymity reason",
    "affiliation": "affiliation",
    "source_count": "sources",
    "note": "note",
    "source_mention": "source entity",
    "source_claim": "belongs to source",
    "cue": "said via",
}
MENTION_FIELDS = {"label": "label", "status": "status"}
KINDS = {"+": "added", "~": "changed", "-": "deleted"}


@dataclass
class Entry:
    when: datetime
    who: Any
    what: str
    subject: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, before, after)
    comment: str = ""


def article_history_entries(article: Article, viewer: Any = None) -> list[Entry]:
    """Everything that happened to the article's review and annotations, newest first.

    With a `viewer` who is an editor on a double-annotated article, only the claims they
    authored: the history must not show what the page hides (other editors' claims and the
    rules' suggestions)."""
    text = article.text
    entries = [_review_entry(e) for e in ReviewEvent.objects.for_article(article)]
    labels = {label.pk: label.name for label in Label.objects.all()}
    claims = list(
        Claim.history.filter(article_id=article.pk)
        .filter(claim_visibility(viewer, article))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    mentions = list(
        EntityMention.history.filter(article_id=article.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    # Links show what they point to, not a row's id ("belongs to source: — → 23" was unreadable).
    quoted_claims = _quoted(Claim.objects.filter(article_id=article.pk), claims, text)
    names = {
        "label": labels,
        "source_claim": quoted_claims,
        "cue": quoted_claims,  # a statement's cue: "said via: — → “said”"
        "source_mention": _quoted(
            EntityMention.objects.filter(article_id=article.pk), mentions, text
        ),
    }
    entries += _diffs(claims, text, "claim", names)
    entries += _diffs(mentions, text, "entity", {})
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def _quoted(current: Any, records: list[Any], text: str) -> dict[int, str]:
    """Each span's words in quotes, by id: the current rows', and deleted ones' last state."""
    quoted = {r.id: f"“{text[r.start : r.end][:60]}”" for r in records}
    quoted.update(
        (pk, f"“{text[start:end][:60]}”")
        for pk, start, end in current.values_list("pk", "start", "end")
    )
    return quoted


def _review_entry(event: ReviewEvent) -> Entry:
    entry = Entry(event.created_at, event.actor, event.get_action_display(), comment=event.comment)
    if event.status_before or event.status_after:
        entry.changes.append(("status", _status(event.status_before), _status(event.status_after)))
    if event.action in (ReviewAction.ASSIGN, ReviewAction.UNASSIGN) and event.editor:
        entry.subject = event.editor.get_username()
    return entry


def _diffs(records: Any, text: str, kind: str, names: dict[str, dict]) -> list[Entry]:
    """One entry per historical record, with its changes against the record before it."""
    fields = CLAIM_FIELDS if kind == "claim" else MENTION_FIELDS
    entries = []
    previous = None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None
        label = names["label"].get(record.label_id, "") if kind == "claim" else record.label
        entry = Entry(
            record.history_date,
            record.history_user,
            f"{kind.capitalize()} {KINDS.get(record.history_type, 'changed')}",
            subject=f"{label} “{text[record.start : record.end][:80]}”",
        )
        # The rules' suggestions are written in bulk, without a history row: the first row
        # of one is its review, from the status every suggestion starts in.
        first = previous is None and record.history_type == "~"
        if first and kind == "claim" and record.origin == "rule":
            entry.changes.append(("status", "suggested", record.status))
        reason = record.history_change_reason or ""
        if first and kind == "entity" and reason.startswith(BEFORE):
            # The model's mention as it was before this first change (entities.corrections).
            before = dict(zip(("label", "status"), reason[len(BEFORE) :].split("|"), strict=False))
            entry.changes += [
                (fields[name], before[name], getattr(record, name))
                for name in ("label", "status")
                if name in before and before[name] != getattr(record, name)
            ]
        if previous is not None and record.history_type == "~":
            for change in record.diff_against(previous, included_fields=list(fields)).changes:
                entry.changes.append(
                    (
                        fields[change.field],
                        _show(change.field, change.old, names),
                        _show(change.field, change.new, names),
                    )
                )
        entries.append(entry)
        previous = record
    return entries


def _show(name: str, value: Any, names: dict[str, dict]) -> str:
    if value in (None, ""):
        return "—"
    return names.get(name, {}).get(value, str(value))


def _status(value: str) -> str:
    return ArticleStatus(value).label if value else "—"
