"""Claim workflows: create, edit and delete, accept or reject the rules' suggestions, with
the server judging offsets and versions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from annotations.events import announce_claims_changed
from annotations.models import (
    Claim,
    ClaimOrigin,
    Label,
    LabelKind,
    SpanStatus,
    authored_by,
    sees_every_claim,
    shows_to,
)
from annotations.sources import sources_assign
from entities.models import EntityMention
from entities.offsets import SelectionRefused, snap_to_tokens
from newsroom.models import Article, check_editable
from newsroom.prepared import ID_PLACEHOLDER, PreparedQuery
from newsroom.roles import is_admin

EDITABLE = (
    "start",
    "end",
    "label",
    "anonymity_reason",
    "affiliation",
    "source_count",
    "note",
    "source_mention",
    "source_claim",
    "cue",
)


class ClaimRefused(Exception):
    """The server will not make this change; the message says why and what to do."""


class ClaimConflict(Exception):
    """The claim changed (or was deleted) since the editor read it; nothing was written."""

    def __init__(self, current: Claim | None):
        self.current = current
        super().__init__("changed by someone else" if current else "deleted by someone else")


def can_edit(user: Any, claim: Claim) -> bool:
    """Editors change their own claims (and suggestions); admins change any."""
    return claim.author_id in (None, user.pk) or is_admin(user)


class ClaimRelabel(ClaimRefused):
    """The editor already marked this span with another label: relabel that claim instead."""

    def __init__(self, existing: Claim, wanted: Label):
        self.existing = existing
        super().__init__(
            f"You already marked this span as {existing.label.name}. To make it "
            f"{wanted.name}, change its label here; to keep both, mark a different span."
        )


def claim_create(*, article: Article, start: int, end: int, label: Label, author: Any) -> Claim:
    """Mark a span (snapped out to whole tokens) with a label, as `author`.

    No silent duplicates: where an open rule suggestion of the same label overlaps the span,
    that suggestion is accepted instead (keeping what the rule filled in, e.g. the anonymity
    reason) and returned with `accepted_suggestion` set; where `author` already marked the
    very span with another label, ClaimRelabel (the page offers that claim to relabel).

    Its one write (the claim and its history row) is atomic in `_save`; no outer block, so
    the hot path of the annotate page pays for no savepoint.
    """
    check_editable(article, error=ClaimRefused)
    try:
        start, end = snap_to_tokens(article.text, start, end)
    except SelectionRefused as refused:
        raise ClaimRefused(str(refused)) from None
    # The open suggestion of this label over the span, if `author` sees it (visible_to).
    span = {"article": article.pk, "label": label.pk, "start": start, "end": end}
    if sees_every_claim(author, article):
        suggestion = _SUGGESTION_EVERY.first(**span)
    else:
        suggestion = _SUGGESTION_OWN.first(**span, author=author.pk)
    if suggestion is not None:
        accepted = suggestion_decide(
            claim_id=suggestion.pk, version=suggestion.version, user=author, accept=True
        )
        accepted.accepted_suggestion = True
        # Folded into the author's own claim (the suggestion deleted): what an undo restores.
        accepted.folded_suggestion = suggestion.pk if accepted.pk != suggestion.pk else None
        return accepted
    _refuse_own_other_label(article.pk, start, end, label, author)
    claim = Claim(article=article, start=start, end=end, label=label, author=author)
    _save(claim, author, f"You have already marked this span as {label.name}.", text=article.text)
    announce_claims_changed(claim.article_id)
    return claim


@transaction.atomic
def claim_update(*, claim_id: int, version: int, user: Any, changes: dict[str, Any]) -> Claim:
    """Apply an editor's changes if the claim is still at `version`; else ClaimConflict."""
    claim = _current(claim_id, version, user)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ClaimRefused(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    span, label = (claim.start, claim.end), claim.label_id
    for name, value in changes.items():
        setattr(claim, name, value)
    if "start" in changes or "end" in changes:
        _snap_span(claim)
    if claim.status == SpanStatus.SUGGESTED:
        # Editing a suggestion is reviewing it: it becomes the editor's claim.
        claim.status, claim.author = SpanStatus.ACCEPTED, user
    if (claim.start, claim.end) != span:
        # The rule a new claim follows holds for a moved one too (no silent duplicates).
        _refuse_own_other_label(
            claim.article_id, claim.start, claim.end, claim.label, user, claim.pk
        )
    if (claim.start, claim.end) != span or claim.label_id != label:
        # Another mention (or another kind of source) now: grouped afresh by _save.
        claim.source = None
    _check_links(claim, user)
    claim.version += 1
    _save(claim, user, f"This span already carries your {claim.label.name} claim.")
    announce_claims_changed(claim.article_id)
    return claim


@transaction.atomic
def claim_delete(*, claim_id: int, version: int, user: Any) -> None:
    """Delete the claim if it is still at `version`; else ClaimConflict."""
    claim = _current(claim_id, version, user)
    claim._history_user = user
    claim.delete()
    announce_claims_changed(claim.article_id)


@transaction.atomic
def suggestion_decide(*, claim_id: int, version: int, user: Any, accept: bool) -> Claim:
    """Accept a rule suggestion (it becomes `user`'s claim, origin still `rule`) or reject it
    (it stays, rejected, so re-analysis does not suggest it again). A suggestion that
    duplicates a claim `user` already has is folded into that claim, which is returned."""
    claim = _current(claim_id, version, user)
    if claim.status != SpanStatus.SUGGESTED:
        raise ClaimRefused(f"This suggestion was already {claim.get_status_display().lower()}.")
    if accept:
        own = _own_duplicate(claim, user)
        if own is not None:
            claim._history_user = user
            claim.delete()
            return own
        claim.author = user
    claim.status = SpanStatus.ACCEPTED if accept else SpanStatus.REJECTED
    claim.version += 1
    _save(claim, user, "This suggestion duplicates another claim; reload the page.")
    announce_claims_changed(claim.article_id)
    return claim


@transaction.atomic
def suggestion_restore(*, claim_id: int, version: int, user: Any) -> Claim:
    """Bring a rejected rule suggestion back: open again, for anyone to review."""
    claim = _current(claim_id, version, user)
    if claim.origin != ClaimOrigin.RULE or claim.status != SpanStatus.REJECTED:
        raise ClaimRefused("Only a rejected suggestion of the rules can be restored.")
    claim.status, claim.author = SpanStatus.SUGGESTED, None
    claim.version += 1
    _save(claim, user, "The rules' suggestion is already open again; reload the page.")
    announce_claims_changed(claim.article_id)
    return claim


@transaction.atomic
def suggestions_accept_all(*, article: Article, label: Label, user: Any) -> list[Claim]:
    """Accept every open suggestion of `label` in the article; return the claims that now
    hold them (suggestions duplicating `user`'s own claims are folded into those)."""
    check_editable(article, error=ClaimRefused)
    accepted = []
    suggested = Claim.objects.for_article(article).suggested().visible_to(user, article)
    for claim in suggested.filter(label=label):
        accepted.append(
            suggestion_decide(claim_id=claim.pk, version=claim.version, user=user, accept=True)
        )
    return accepted


@transaction.atomic
def claim_undo(*, article_id: int, claim_id: int, version: int | None, user: Any) -> Claim | None:
    """Undo `user`'s last change to a claim: a claim they made is deleted, a change (an
    edit, an accept or a reject) is reverted to the version before it, a claim they deleted
    comes back with its id. `version`: the claim's version after that change (None for a
    deletion). Returns the claim as it now is (None once a made claim is undone).

    Only the last change, and only if it is `user`'s: after someone else's change, or
    a second change of theirs, the claim is not what the undo was offered for (ClaimConflict
    or ClaimRefused, nothing written). The undo itself is a change in the claim's history."""
    last = Claim.history.filter(id=claim_id).order_by("-history_id").first()
    if last is None or last.history_user_id != user.pk or last.article_id != article_id:
        raise ClaimRefused("There is nothing of yours to undo on this claim.")
    if last.history_change_reason == UNDO_REASON:
        raise ClaimRefused("That was an undo already; change the claim itself instead.")
    if last.history_type == "-":
        return _undelete(last, user)
    claim = _current(claim_id, version if version is not None else -1, user)
    if last.version != claim.version:
        raise ClaimConflict(claim)
    if last.history_type == "+":
        claim._history_user = user
        claim.delete()
        announce_claims_changed(claim.article_id)
        return None
    before = (
        Claim.history.filter(id=claim_id, history_id__lt=last.history_id)
        .order_by("-history_id")
        .first()
    )
    if before is None:
        raise ClaimRefused("This claim's history does not say what it was before.")
    for name in UNDONE:
        setattr(claim, name, getattr(before, name))
    # Links are put back only to rows that still exist and `user` may link (merges, splits
    # and deletions change them without a version); the source is given by the grouping.
    _drop_gone_links(claim)
    claim.source = None
    _check_links(claim, user)
    claim.version += 1
    claim._change_reason = UNDO_REASON
    _save(claim, user, "Undoing would duplicate another claim; nothing was changed.")
    announce_claims_changed(claim.article_id)
    return claim


# What an undo puts back: everything an editor's action can change.
UNDONE = (
    "start",
    "end",
    "label_id",
    "status",
    "author_id",
    "anonymity_reason",
    "affiliation",
    "source_count",
    "note",
    "source_mention_id",
    "source_claim_id",
    "cue_id",
)
# The history's change reason of an undo: an undo is not itself undone (that would redo).
UNDO_REASON = "undo"


def _drop_gone_links(claim: Claim) -> None:
    if (
        claim.source_mention_id
        and not EntityMention.objects.filter(
            pk=claim.source_mention_id, article_id=claim.article_id
        ).exists()
    ):
        claim.source_mention_id = None
    if (
        claim.source_claim_id
        and not Claim.objects.filter(pk=claim.source_claim_id, article_id=claim.article_id).exists()
    ):
        claim.source_claim_id = None
    if (
        claim.cue_id
        and not Claim.objects.filter(pk=claim.cue_id, article_id=claim.article_id).exists()
    ):
        claim.cue_id = None


def _undelete(record: Any, user: Any) -> Claim:
    if Claim.objects.filter(pk=record.id).exists():
        raise ClaimRefused("This claim exists again; reload the page.")
    check_editable(record.article_id, error=ClaimRefused)
    claim = record.instance  # the claim as it was when deleted, with its id
    # Links to rows deleted since then are dropped rather than refused.
    _drop_gone_links(claim)
    claim.source_id = None  # given again by the grouping
    if not shows_to(claim, user, claim.article):
        raise ClaimRefused("There is nothing of yours to undo on this claim.")
    _check_links(claim, user)
    claim.version = record.version + 1
    claim._state.adding = True
    claim._history_user = user
    claim._change_reason = UNDO_REASON
    is_mention = claim.label.kind == LabelKind.SOURCE and claim.status != SpanStatus.REJECTED
    try:
        with transaction.atomic():
            claim.save(force_insert=True)
            if is_mention:
                assigned = sources_assign(article_ids=[claim.article_id], only={claim.pk})
                claim.source_id = assigned.get(claim.pk)
    except IntegrityError:
        raise ClaimRefused("Undoing would duplicate another claim; nothing was changed.") from None
    announce_claims_changed(claim.article_id)
    return claim


# The queries of a claim's creation, the annotate page's commonest action: compiled once
# (newsroom.prepared), with a placeholder for each value. The offsets' are positive: Django
# answers a lookup of a negative value on a positive integer field without asking.
_SPAN = {
    "article": ID_PLACEHOLDER,
    "label": ID_PLACEHOLDER + 1,
    "start": -ID_PLACEHOLDER,
    "end": -ID_PLACEHOLDER + 1,
}
_AUTHOR = ID_PLACEHOLDER + 4


def _suggestion_over(article: int, label: int, start: int, end: int, author: Any = None) -> Any:
    # As `Claim.objects.for_article(article).suggested().visible_to(...).filter(...).first()`
    # writes it; `author`: the viewer who sees only their own claims (claim_visibility).
    claims = Claim.objects.filter(article_id=article).order_by("start", "-end", "pk")
    if author is not None:
        claims = claims.filter(authored_by(author))
    return claims.suggested().filter(label_id=label, start__lt=end, end__gt=start)[:1]


_SUGGESTION_EVERY = PreparedQuery(_suggestion_over, **_SPAN)
_SUGGESTION_OWN = PreparedQuery(_suggestion_over, **_SPAN, author=_AUTHOR)
# `.first()` on the model's ordering; `exclude` 0 (no claim's id) excludes nothing.
_OWN_OTHER_LABEL = PreparedQuery(
    lambda article, label, start, end, author, exclude: (
        Claim.objects.select_related("label")
        .filter(article_id=article, start=start, end=end, author_id=author)
        .exclude(label_id=label)
        .exclude(status=SpanStatus.REJECTED)
        .exclude(pk=exclude)
        .order_by(*Claim._meta.ordering)[:1]
    ),
    **_SPAN,
    author=_AUTHOR,
    exclude=ID_PLACEHOLDER + 5,
)


def _refuse_own_other_label(
    article_id: int, start: int, end: int, label: Label, author: Any, exclude: int | None = None
) -> None:
    """ClaimRelabel where `author` already marked exactly this span with another label."""
    if author is None:  # no editor (the rules' claims, in tests): `author IS NULL`, rare
        other = (
            Claim.objects.select_related("label")
            .filter(article_id=article_id, start=start, end=end, author=None)
            .exclude(label=label)
            .exclude(status=SpanStatus.REJECTED)
            .exclude(pk=exclude)
            .first()
        )
    else:
        other = _OWN_OTHER_LABEL.first(
            article=article_id,
            label=label.pk,
            start=start,
            end=end,
            author=author.pk,
            exclude=exclude or 0,
        )
    if other is not None:
        raise ClaimRelabel(other, label)


def _snap_span(claim: Claim) -> None:
    """A moved span: whole tokens of the article's text, as a new claim's (the server is the
    judge of offsets, whatever the page sent)."""
    text = Article.objects.values_list("text", flat=True).get(pk=claim.article_id)
    try:
        claim.start, claim.end = snap_to_tokens(text, claim.start, claim.end)
    except SelectionRefused as refused:
        raise ClaimRefused(str(refused)) from None


def _own_duplicate(claim: Claim, user: Any) -> Claim | None:
    return (
        Claim.objects.select_related("label")
        .filter(
            article_id=claim.article_id,
            start=claim.start,
            end=claim.end,
            label_id=claim.label_id,
            author=user,
        )
        .first()
    )


def _save(claim: Claim, user: Any, duplicate_message: str, *, text: str | None = None) -> None:
    """Save with the history naming `user`; the one constraint left to hit is uniqueness.
    A source mention gets its source (annotations.sources); a claim that stops being one
    leaves its source. A source left with no mention is not deleted here (a delete would lock
    the article's sources against other editors' saves): it counts and shows nowhere, and
    the next analysis or merge removes it. `text`: the article's, when the caller has it."""
    claim._history_user = user
    is_mention = claim.label.kind == LabelKind.SOURCE and claim.status != SpanStatus.REJECTED
    left = None if is_mention else claim.source_id
    if left is not None:
        claim.source = None
    try:
        with transaction.atomic():
            claim.save()
            if is_mention and claim.source_id is None:
                texts = {claim.article_id: text} if text is not None else None
                assigned = sources_assign(
                    article_ids=[claim.article_id], only={claim.pk}, texts=texts
                )
                claim.source_id = assigned.get(claim.pk)
    except IntegrityError:
        raise ClaimRefused(duplicate_message) from None


def _current(claim_id: int, version: int, user: Any) -> Claim:
    # Lock the row so that two concurrent edits of the same version cannot both pass; only
    # the claim's row (`of`): locking its label or article too would block other editors'
    # inserts, whose foreign keys take a share lock on those rows, and deadlock with them.
    # A claim hidden from `user` is as absent as a deleted one (annotations.models).
    claim = (
        Claim.objects.visible_to(user)
        .select_for_update(of=("self",))
        .select_related("label")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise ClaimConflict(None)
    if not can_edit(user, claim):
        raise PermissionDenied("Only its author or an admin can change this claim.")
    if claim.version != version:
        raise ClaimConflict(claim)
    check_editable(claim.article_id, error=ClaimRefused)
    if claim.origin == ClaimOrigin.RULE and claim.version == 1:
        # The rules write their suggestions in bulk, without history: before the first change
        # of one, its history records it as the rules made it, so that the history page shows
        # what changed and an undo can put it back.
        claim._history_user = None  # the rules, not whoever changes it now
        Claim.history.bulk_history_create(
            [claim], default_date=claim.created_at, default_change_reason=RULES_REASON
        )
    return claim


# The history's change reason of a suggestion's first record, as the rules made it.
RULES_REASON = "as the rules suggested it"


def _check_links(claim: Claim, user: Any) -> None:
    if claim.source_count is not None and not 1 <= claim.source_count <= 1000:
        raise ClaimRefused("The number of sources must be between 1 and 1000.")
    mention: EntityMention | None = claim.source_mention
    if mention is not None and mention.article_id != claim.article_id:
        raise ClaimRefused("The source entity must be in the same article.")
    cues = "a reporting cue, a denial or a no comment"
    _check_link(
        claim,
        claim.source_claim,
        user,
        kinds=(LabelKind.CUE, LabelKind.SOURCE),
        refusals=(
            f"Only a cue ({cues}) links to a source claim.",
            "The source must be another claim in the same article.",
            "A cue links to a source mention (named, anonymous or outlet).",
        ),
    )
    _check_link(
        claim,
        claim.cue,
        user,
        kinds=(LabelKind.CONTENT, LabelKind.CUE),
        refusals=(
            "Only a statement links to the cue that attributes it.",
            "The cue must be another claim in the same article.",
            f"A statement links to a cue ({cues}).",
        ),
    )


def _check_link(
    claim: Claim, target: Claim | None, user: Any, *, kinds: tuple[str, str], refusals: tuple
) -> None:
    """A link from `claim` (of kind kinds[0]) to `target` (of kind kinds[1]) in the same
    article, visible to `user`; else ClaimRefused with the matching one of `refusals`."""
    if target is None:
        return
    if claim.label.kind != kinds[0]:
        raise ClaimRefused(refusals[0])
    # A claim hidden from `user` is as absent as one that does not exist: same refusal.
    if (
        target.article_id != claim.article_id
        or target.pk == claim.pk
        or not shows_to(target, user, claim.article)
    ):
        raise ClaimRefused(refusals[1])
    if target.label.kind != kinds[1]:
        raise ClaimRefused(refusals[2])
