"""The article list's page of articles, from a query compiled once per shape (issue 14).

The list and its live search are nearly half the requests editors make. Building the page's
queryset (two claim-count subqueries under the visibility rule) and compiling it cost Django
about ten times what PostgreSQL takes to answer it (docs/reliability.md, "The article list's
query compiled once"). So the query is a `newsroom.prepared.PreparedQuery`, one per shape:
the viewer's kind (admin or not), the order, the status filter, whether an outlet is
chosen, and whether it is a full-text search. The viewer's id, the outlet's id and the
search's words are placeholders, the page its LIMIT and OFFSET; at most a few hundred
shapes, each compiled on first use.

The claim counts are a subquery per row, and PostgreSQL works out a row's before its LIMIT
skips it: on the load bench's 1,000 articles page 21 took 18 ms against 0.6 ms for page 1.
So the list's query picks the page's articles in a subquery (the filters and the order,
without the counts unless it is ordered by them), and counts the claims of those alone.
A search still counts the rows of the pages before its own: its total and its rank order
come from the same rows, and a search is rarely read past its first page.

One builder, `_articles`, writes the query for both ways: with placeholders for the
prepared query, with the request's values where the query cannot be prepared. Those are the
searches on SQLite (its SQL has a condition per word, and LIKE patterns made from them) and
those on PostgreSQL while some articles' search documents are not built yet (their ids are
in the SQL). Either way the rows, the count and the order are those of the same queryset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Count, QuerySet, Window

from annotations.filters import CLAIM_COUNT, articles_in_order
from annotations.models import Claim, editor_visibility
from newsroom.models import Article, not_indexed_ids
from newsroom.pages.pagination import TOTAL, counted_page, page_with_total
from newsroom.prepared import ID_PLACEHOLDER, OTHER_ID_PLACEHOLDER, PreparedQuery
from newsroom.roles import is_admin

# The search's words while compiling: the form refuses a NUL, so no search has them.
WORDS_PLACEHOLDER = "\x00the search's words"


@dataclass(frozen=True)
class Shape:
    """What the page query's SQL text depends on (besides the database)."""

    admin: bool  # an admin counts every claim; anyone else by the visibility rule
    sort: str  # one of annotations.filters.ARTICLE_SORTS, or "" (newest first, or by rank)
    status: str  # the review status filtered on, or ""
    outlet: bool  # whether an outlet is chosen
    search: bool  # a full-text search (PostgreSQL), counted in the page's query


def _articles(
    shape: Shape,
    *,
    viewer: Any = None,
    outlet: Any = None,
    words: str = "",
    pending: list[int] | None = None,
) -> QuerySet:
    """The list's articles for `shape`: each with the claims the viewer sees on its page
    (the one visibility rule) and the rules' open suggestions among them, counted in the
    list's own query; filtered, searched and in order. A search's rows carry their total."""
    articles = _counted(shape, viewer)
    if shape.outlet:
        articles = articles.for_outlet(outlet)
    if shape.status:
        articles = articles.with_status(shape.status)
    if shape.search:
        articles = articles.search(words, pending=pending)
    return articles_in_order(articles, shape.sort)


def _counted(shape: Shape, viewer: Any) -> QuerySet:
    """Every article with its claim counts for the viewer, newest first."""
    if shape.admin:
        claims = Claim.objects.visible_to(None).showing()
    else:
        claims = Claim.objects.filter(editor_visibility(viewer)).showing()
    return (
        Article.objects.select_related("outlet")
        .defer("text", "analysis_error")
        .annotate(
            **{CLAIM_COUNT: claims.count_per_article()},
            open_suggestions=claims.suggested().count_per_article(),
        )
        .newest_first()
    )


def _build(shape: Shape, *, page: slice, **placeholders: Any) -> QuerySet:
    articles = _articles(shape, pending=[], **placeholders)
    if shape.search:
        return articles.annotate(**{TOTAL: Window(Count("pk"))})[page]
    # Only the counts the query selects are computed for every row: `values("pk")` leaves
    # them out of the subquery, unless its order uses them.
    chosen = articles.values("pk")[page]
    viewer = placeholders.get("viewer")
    return articles_in_order(_counted(shape, viewer).filter(pk__in=chosen), shape.sort)


_PREPARED: dict[Shape, PreparedQuery] = {}


def _prepared(shape: Shape) -> PreparedQuery:
    query = _PREPARED.get(shape)
    if query is None:
        placeholders: dict[str, Any] = {}
        if not shape.admin:
            placeholders["viewer"] = ID_PLACEHOLDER
        if shape.outlet:
            placeholders["outlet"] = OTHER_ID_PLACEHOLDER
        if shape.search:
            placeholders["words"] = WORDS_PLACEHOLDER
        build = lambda **values: _build(shape, **values)  # noqa: E731
        # The viewer's id is in both claim-count subqueries, the words in the search's
        # condition and its rank.
        query = PreparedQuery(build, paged=True, repeated=("viewer", "words"), **placeholders)
        query = _PREPARED.setdefault(shape, query)
    return query


class _Rows:
    """A prepared page query as Paginator pages it: `count()` and slices."""

    ordered = True  # Paginator warns about a list without an order

    def __init__(self, query: PreparedQuery, values: dict[str, Any], count: Any) -> None:
        self.query, self.values, self._count = query, values, count

    def count(self) -> int:
        return self._count()

    def __getitem__(self, window: slice) -> list[Article]:
        start, stop = window.start or 0, window.stop
        return self.query.rows(limit=stop - start, offset=start, **self.values)


def article_page(
    *,
    user: Any,
    number: object,
    per_page: int,
    words: str = "",
    sort: str = "",
    status: str = "",
    outlet_id: int | None = None,
) -> Page:
    """The page `number` of the article list as `user` sees it (as Paginator.get_page: a bad
    number is the first page, one past the end the last), searched for `words`, filtered on
    `status` and `outlet_id`, in the order `sort` (empty: newest first, or by rank)."""
    shape = Shape(
        admin=user is None or is_admin(user),
        sort=sort,
        status=status,
        outlet=outlet_id is not None,
        search=bool(words),
    )
    values: dict[str, Any] = {}
    if not shape.admin:
        values["viewer"] = user.pk
    if shape.outlet:
        values["outlet"] = outlet_id
    if not shape.search:
        counted = Article.objects.all()
        if shape.outlet:
            counted = counted.for_outlet(outlet_id)
        if shape.status:
            counted = counted.with_status(status)
        rows = _Rows(_prepared(shape), values, counted.count)
        return Paginator(rows, per_page).get_page(number)
    alias = router.db_for_read(Article)
    pending = not_indexed_ids(using=alias) if connections[alias].vendor == "postgresql" else []
    if connections[alias].vendor != "postgresql" or pending:
        articles = _articles(shape, words=words, pending=pending, **values)
        return counted_page(articles, per_page, number)
    query = _prepared(shape)
    values["words"] = words

    def total() -> int:
        first = query.rows(limit=1, offset=0, **values)
        return getattr(first[0], TOTAL) if first else 0

    rows = _Rows(query, values, total)
    return page_with_total(rows, rows, per_page, number)
