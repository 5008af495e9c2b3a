"""What the API answers with: articles as the schemas describe them, as a user may see them."""

from collections import defaultdict
from typing import Any

from django.urls import reverse

from annotations.models import Assignment, Claim, LabelKind, ReviewEvent
from annotations.quality import RESTING_COUNTS, SCORE_FORMULA
from annotations.scorecards import ScoredClaim, viewer_scorecard
from annotations.sources import source_groups
from entities.models import EntityMention, SpanStatus
from newsroom.models import Article
from newsroom.roles import is_admin

# --- Representation -------------------------------------------------------------------------


def article_href(article_id: int) -> str:
    return reverse("api:article_get", args=[article_id])


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def article_summary(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "outlet": {"id": article.outlet.pk, "name": article.outlet.name}
        if article.outlet
        else None,
        "url": article.url,
        "byline": article.byline,
        "published_at": article.published_at,
        "language": article.language,
        "status": article.status,
        "analysis_state": article.analysis_state,
        "created_by": _username(article.created_by),
        "created_at": article.created_at,
        "updated_at": article.updated_at,
        "version": article.version,
        "href": article_href(article.pk),
    }


def article_records(articles: list[Article], user: Any) -> list[dict[str, Any]]:
    """The full representation of `articles` as `user` may see them, in six queries for any
    number of articles (the caller fetched the articles with their outlet and creator)."""
    ids = [a.pk for a in articles]
    admin = is_admin(user)
    mentions: dict[int, list[EntityMention]] = defaultdict(list)
    for m in EntityMention.objects.filter(article_id__in=ids).order_by("start", "-end", "pk"):
        mentions[m.article_id].append(m)
    assignees: dict[int, list[str]] = defaultdict(list)
    for article_id, username in (
        Assignment.objects.filter(article_id__in=ids)
        .order_by("created_at", "pk")
        .values_list("article_id", "editor__username")
    ):
        assignees[article_id].append(username)
    claims_qs = Claim.objects.filter(article_id__in=ids).visible_to(user)
    claims: dict[int, list[Claim]] = defaultdict(list)
    for c in claims_qs.select_related("label", "author").order_by("start", "-end", "pk"):
        claims[c.article_id].append(c)
    events: dict[int, list[ReviewEvent]] = defaultdict(list)
    for e in (
        ReviewEvent.objects.filter(article_id__in=ids)
        .select_related("actor", "editor")
        .order_by("created_at", "pk")
    ):
        events[e.article_id].append(e)
    return [
        _detail(
            a,
            mentions[a.pk],
            claims[a.pk],
            events[a.pk],
            assignees[a.pk],
            user=user,
            admin=admin,
        )
        for a in articles
    ]


def _detail(
    article: Article,
    mentions: list[EntityMention],
    claims: list[Claim],
    events: list[ReviewEvent],
    assignees: list[str],
    *,
    user: Any,
    admin: bool,
) -> dict[str, Any]:
    text = article.text
    card = viewer_scorecard(
        (
            ScoredClaim(
                c.pk,
                c.label.slug,
                c.anonymity_reason,
                c.source_claim_id,
                c.status,
                c.author_id,
                c.source_id,
                c.start,
                c.end,
                c.cue_id,
            )
            for c in claims
        ),
        words=article.word_count,
        text=text,
        viewer=user,
        article_status=article.status,
    )
    return {
        **article_summary(article),
        "text": text,
        "content_hash": article.content_hash,
        "analysed_at": article.analysed_at,
        "entities": [
            {
                "id": m.pk,
                "start": m.start,
                "end": m.end,
                "text": text[m.start : m.end],
                "label": m.label,
                "origin": m.origin,
                "status": m.status,
                "model_name": m.model_name,
                "model_version": m.model_version,
            }
            for m in mentions
        ],
        "claims": [
            {
                "id": c.pk,
                "start": c.start,
                "end": c.end,
                "text": text[c.start : c.end],
                "label": c.label.slug,
                "label_kind": c.label.kind,
                "origin": c.origin,
                "status": c.status,
                "author": _username(c.author),
                "attributes": {
                    "anonymity_reason": c.anonymity_reason,
                    "affiliation": c.affiliation,
                    "source_count": c.source_count,
                },
                "note": c.note,
                "source_mention_id": c.source_mention_id,
                "source_claim_id": c.source_claim_id,
                "cue_id": c.cue_id,
                "version": c.version,
            }
            for c in claims
        ],
        "sources": [
            {"id": g.source_id, "label": g.label, "name": g.name, "claims": list(g.claims)}
            for g in source_groups(
                (c.pk, text[c.start : c.end], c.label.slug, c.source_id)
                for c in sorted(claims, key=lambda c: (c.start, -c.end, c.pk))
                if c.label.kind == LabelKind.SOURCE and c.status != SpanStatus.REJECTED
            )
        ],
        "review": {
            "status": article.status,
            "assignees": assignees,
            "double_annotated": len(assignees) >= 2,
            "events": [
                {
                    "action": e.action,
                    "actor": _username(e.actor),
                    "status_before": e.status_before,
                    "status_after": e.status_after,
                    "comment": e.comment,
                    "editor": _username(e.editor),
                    "created_at": e.created_at,
                }
                for e in events
            ],
        },
        "scorecard": {
            "basis": card.basis,
            "score": card.score,
            "score_working": card.score_working,
            "formula": SCORE_FORMULA,
            "figures": [
                {
                    "key": f.key,
                    "name": f.name,
                    "value": f.value,
                    "display": f.display,
                    "working": f.working,
                }
                for f in card.figures
            ],
            "flags": [
                {"code": f.code, "message": f.message, "action": f.action} for f in card.flags
            ],
            "counts": {
                name: getattr(card.counts, name)
                for name in (
                    "words",
                    "named",
                    "anonymous",
                    "outlet",
                    "denial",
                    "no_comment",
                    "hedge",
                    "unattributed",
                    "anonymous_explained",
                    "replies",
                    *RESTING_COUNTS,
                )
            },
        },
    }
