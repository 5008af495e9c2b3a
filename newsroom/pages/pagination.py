"""Pages of a query that reads every match anyway, with the total from the same query.

Django's Paginator counts (one query), then fetches the page (a second). For a ranked
full-text search both queries read and rank every matching article: the count is as dear
as the page. Here the page carries the total as `COUNT(*) OVER ()`, so one scan serves
both. A plain list ordered by an index keeps Paginator: its page stops after a few rows,
which a window count would prevent.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

# More pages than any list holds; a larger number is the last page, as Paginator answers.
MAX_PAGE = 1_000_000
TOTAL = "_total"  # the annotation each row of a counted page carries: the rows in all


def counted_page(queryset: QuerySet, per_page: int, number: object) -> Page:
    """The page `number` of `queryset` (as Paginator.get_page: a bad number is page 1, one
    past the end is the last page), counted in the page's own query."""
    counted = queryset.annotate(**{TOTAL: Window(Count("pk"))})
    return page_with_total(counted, queryset, per_page, number)


def page_with_total(counted: Any, plain: Any, per_page: int, number: object) -> Page:
    """`counted_page` for rows that carry their TOTAL already (`counted`: a queryset, or
    anything Paginator can slice, such as a prepared query's pages); `plain`, the same rows
    for Paginator to count and page when the page asked for is past the end."""
    try:
        # Clamped: a page far past any corpus would overflow the database's OFFSET.
        wanted = min(max(1, int(str(number))), MAX_PAGE)
    except ValueError:
        wanted = 1
    paginator = Paginator(plain, per_page)
    bottom = (wanted - 1) * per_page
    rows = list(counted[bottom : bottom + per_page])
    if not rows and wanted > 1:
        return paginator.get_page(wanted)  # past the end: count, then the last page
    paginator.count = getattr(rows[0], TOTAL) if rows else 0  # a cached property
    return Page(rows, wanted, paginator)
