"""The review queue's queries: what an editor has been given to annotate, and what waits for
an admin's review, riskiest first (the queue page shows both)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotations.stats import FLAG_FIELDS, FLAG_NAMES
from newsroom.models import Article, ArticleStatus

from .models import Assignment, Basis, ReviewAction, ReviewEvent, risk_order


def my_work(user: Any) -> QuerySet:
    """An editor's own queue, work sent back first, then by status, last changed first:
    the articles assigned to `user` and not approved yet, and those `user` submitted for
    review that came back with changes requested (whether or not anyone assigned them)."""
    submitted = ReviewEvent.objects.filter(
        article=OuterRef("pk"), action=ReviewAction.SUBMIT, actor=user
    )
    assigned = Assignment.objects.filter(article=OuterRef("pk"), editor=user)
    # The work that came back carries why: the last send-back's comment and who wrote it.
    sent_back = ReviewEvent.objects.filter(
        article=OuterRef("pk"), action=ReviewAction.SEND_BACK
    ).order_by("-created_at", "-pk")
    return (
        Article.objects.filter(
            Q(Exists(assigned)) | Q(Exists(submitted), status=ArticleStatus.CHANGES_REQUESTED)
        )
        .exclude(status=ArticleStatus.APPROVED)
        .select_related("outlet")
        .defer("text")
        .annotate(
            sent_back_comment=Subquery(sent_back.values("comment")[:1]),
            sent_back_by=Subquery(sent_back.values("actor__username")[:1]),
        )
        .order_by("status", "-updated_at")  # changes_requested < draft < in_review
    )


def waiting_for_review(
    *,
    outlet: int | None = None,
    editor: int | None = None,
    flag: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet:
    """The articles in review, narrowed to the filters, riskiest first (more flags, then a
    lower score, then submitted longest ago). `editor`: who submitted or added it, or who is
    assigned to it; `since`/`until`: the days (local time) it was last submitted in."""
    waiting = (
        Article.objects.with_status(ArticleStatus.IN_REVIEW)
        .select_related("outlet", "sourcing", "sourcing__editor")
        .defer("text")
    )
    if outlet is not None:
        waiting = waiting.for_outlet(outlet)
    if editor is not None:
        assigned = Assignment.objects.filter(article=OuterRef("pk"), editor_id=editor)
        waiting = waiting.filter(Q(sourcing__editor_id=editor) | Exists(assigned))
    if flag:
        waiting = waiting.filter(**{f"sourcing__{FLAG_FIELDS[flag]}": True})
    if since or until:
        # When it was last submitted; before its sourcing row exists, its last change.
        waiting = waiting.alias(submitted=Coalesce("sourcing__submitted_at", "updated_at"))
        if since:
            waiting = waiting.filter(submitted__gte=_midnight(since))
        if until:
            waiting = waiting.filter(submitted__lt=_midnight(until + timedelta(days=1)))
    return waiting.order_by(*risk_order("sourcing__"), "updated_at", "pk")


def not_started() -> QuerySet:
    """Articles nobody has worked on or been assigned, riskiest machine estimate first (more
    flags, then a lower estimated score): which of many new articles to assign first."""
    assigned = Assignment.objects.filter(article=OuterRef("pk"))
    return (
        Article.objects.filter(sourcing__basis=Basis.ESTIMATE, status=ArticleStatus.DRAFT)
        .exclude(Exists(assigned))
        .select_related("outlet", "sourcing")
        .defer("text")
        .order_by(*risk_order("sourcing__"), "-created_at", "pk")
    )


def mark_risks(articles: list[Article]) -> None:
    """Give each article `risk` (its sourcing row, or None before it is scored) and
    `flag_names` (the names of its raised flags), for the queue's table."""
    for article in articles:
        article.risk = getattr(article, "sourcing", None)
        article.flag_names = (
            [name for code, name in FLAG_NAMES.items() if getattr(article.risk, FLAG_FIELDS[code])]
            if article.risk
            else []
        )


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
