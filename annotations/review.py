"""The review workflow: editors submit, admins approve, send back with a comment or reopen;
comments thread on the article; admins assign editors. Every step is a ReviewEvent, so the
thread is also the audit of who moved the article, when, and from what to what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from annotations.events import announce_claims_changed
from newsroom.models import Article, ArticleStatus
from newsroom.prepared import ID_PLACEHOLDER, PreparedQuery
from newsroom.roles import ADMIN, EDITOR, is_admin, role_of

from .models import Assignment, ReviewAction, ReviewEvent

COMMENT_MAX = 5000


class ReviewRefused(Exception):
    """The workflow does not allow this step now; the message says why and what to do."""


class ReviewConflict(Exception):
    """The article changed since the page was opened; nothing was written."""

    def __init__(self, current: Article):
        self.current = current
        super().__init__(
            f"The article changed since you opened it (it is now "
            f"{current.get_status_display().lower()}). Nothing was done; check it and try again."
        )


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    admins_only: bool
    needs_comment: bool
    button: str


S = ArticleStatus
TRANSITIONS = {
    t.action: t
    for t in (
        Transition(
            ReviewAction.SUBMIT,
            frozenset({S.DRAFT, S.CHANGES_REQUESTED}),
            S.IN_REVIEW,
            admins_only=False,
            needs_comment=False,
            button="Submit for review",
        ),
        Transition(
            ReviewAction.SEND_BACK,
            frozenset({S.IN_REVIEW}),
            S.CHANGES_REQUESTED,
            admins_only=True,
            needs_comment=True,
            button="Send back",
        ),
        Transition(
            ReviewAction.APPROVE,
            frozenset({S.IN_REVIEW}),
            S.APPROVED,
            admins_only=True,
            needs_comment=False,
            button="Approve",
        ),
        Transition(
            ReviewAction.REOPEN,
            frozenset({S.APPROVED}),
            S.DRAFT,
            admins_only=True,
            needs_comment=False,
            button="Reopen",
        ),
    )
}


def may_submit(user: Any, article: Article, assignees: Iterable[int] | None = None) -> bool:
    """Admins, and editors: any editor while nobody is assigned, else the assigned ones."""
    if is_admin(user):
        return True
    if role_of(user) != EDITOR:
        return False
    if assignees is None:
        assignees = Assignment.objects.filter(article=article).values_list("editor_id", flat=True)
    assignees = set(assignees)
    return not assignees or user.pk in assignees


def transitions_for(user: Any, article: Article, assignees: Iterable[int]) -> list[Transition]:
    """The steps `user` may take on the article now (the page's buttons)."""
    admin = is_admin(user)
    return [
        t
        for t in TRANSITIONS.values()
        if article.status in t.sources
        and (admin if t.admins_only else may_submit(user, article, assignees))
    ]


@transaction.atomic
def article_transition(
    *, article_id: int, action: str, user: Any, version: int, comment: str = ""
) -> Article:
    """Move the article through the workflow if `user` may, from the version they saw."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ReviewRefused(f"Unknown step {action!r}.")
    # Lock the row: two reviewers acting at once must not both pass the version check.
    article = Article.objects.select_for_update().get(pk=article_id)
    allowed = is_admin(user) if transition.admins_only else may_submit(user, article)
    if not allowed:
        raise PermissionDenied(
            "Only an admin can do that." if transition.admins_only else "You are not assigned."
        )
    if article.version != version:
        raise ReviewConflict(article)
    if article.status not in transition.sources:
        raise ReviewRefused(
            f"The article is {article.get_status_display().lower()}: it cannot be "
            f"{ReviewAction(action).label.lower()} now."
        )
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise ReviewRefused("Say what needs changing: sending back needs a comment.")
    _check_comment(comment)
    before = article.status
    article.status = transition.target
    article.version += 1
    article.save(update_fields=["status", "version", "updated_at"])
    ReviewEvent.objects.create(
        article=article,
        actor=user,
        action=action,
        status_before=before,
        status_after=article.status,
        comment=comment,
    )
    announce_claims_changed(article.pk)
    return article


@transaction.atomic
def article_comment(*, article: Article, user: Any, text: str) -> ReviewEvent:
    """Add a comment to the article's review thread."""
    text = text.strip()
    if not text:
        raise ReviewRefused("Write a comment first.")
    _check_comment(text)
    return ReviewEvent.objects.create(
        article=article, actor=user, action=ReviewAction.COMMENT, comment=text
    )


@transaction.atomic
def article_assign(*, article: Article, editor_ids: Iterable[int], user: Any) -> None:
    """Make exactly these editors the article's assignees (admins only), recording each
    change; two or more assignees annotate it independently (double annotation)."""
    if not is_admin(user):
        raise PermissionDenied("Only an admin can assign articles.")
    wanted = set(editor_ids)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=wanted, is_active=True)}
    not_editors = [u.get_username() for u in users.values() if role_of(u) is None]
    if len(users) != len(wanted) or not_editors:
        raise ReviewRefused("Assign active editors or admins only.")
    current = set(Assignment.objects.filter(article=article).values_list("editor_id", flat=True))
    Assignment.objects.filter(article=article, editor_id__in=current - wanted).delete()
    Assignment.objects.bulk_create(
        Assignment(article=article, editor_id=pk, assigned_by=user) for pk in wanted - current
    )
    ReviewEvent.objects.bulk_create(
        [
            *(
                ReviewEvent(article=article, actor=user, action=ReviewAction.ASSIGN, editor_id=pk)
                for pk in sorted(wanted - current)
            ),
            *(
                ReviewEvent(article=article, actor=user, action=ReviewAction.UNASSIGN, editor_id=pk)
                for pk in sorted(current - wanted)
            ),
        ]
    )


def _check_comment(text: str) -> None:
    if "\x00" in text:
        # PostgreSQL cannot store it in text; no keyboard types it.
        raise ReviewRefused("A comment cannot contain a NUL character.")
    if len(text) > COMMENT_MAX:
        raise ReviewRefused(f"A comment can be at most {COMMENT_MAX:,} characters.")


# The article page and its review actions run it: compiled once (newsroom/prepared.py).
_EVENTS = PreparedQuery(
    lambda article: ReviewEvent.objects.for_article(article), article=ID_PLACEHOLDER
)


def review_panel_context(article: Article, user: Any) -> dict[str, Any]:
    """The article page's review panel: status, thread, steps, assignees (1–4 queries)."""
    if getattr(article, "assignee_count", None) == 0:  # known from Article.annotating()
        assignments = []
    else:
        assignments = list(Assignment.objects.filter(article=article).select_related("editor"))
    assignees = [a.editor_id for a in assignments]
    article._double_annotated = len(assignees) >= 2
    admin = is_admin(user)
    return {
        "review_events": _EVENTS.rows(article=article.pk),
        "assignees": [a.editor for a in assignments],
        "transitions": transitions_for(user, article, assignees),
        "assignable": list(
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=[EDITOR, ADMIN])
            .distinct()
            .order_by("username")
        )
        if admin
        else [],
        "assignee_ids": set(assignees),
    }
