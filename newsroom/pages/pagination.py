"""Pages of a query that reads every match anyway, with the total from the same query.

Django's Paginator counts (one query), then fetches the page (a second). For a ranked
full-text search both queries read and rank every matching article: the count is as dear
as the page. Here the page carries the total as `COUNT(*) OVER ()`, so one scan serves
both. A plain list ordered by an index keeps Paginator: its page stops after a few rows,
which a window count would prevent.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

# More pages than any list holds; a larger number is the last page, as Paginator answers.
MAX_PAGE = 1_000_000


def counted_page(queryset: QuerySet, per_page: int, number: object) -> Page:
    """The page `number` of `queryset` (as Paginator.get_page: a bad number is page 1, one
    past the end is the last page), counted in the page's own query."""
    paginator = Paginator(queryset, per_page)
    try:
        # Clamped: a page far past any corpus would overflow the database's OFFSET.
        wanted = min(max(1, int(str(number))), MAX_PAGE)
    except ValueError:
        wanted = 1
    bottom = (wanted - 1) * per_page
    rows = list(queryset.annotate(_total=Window(Count("pk")))[bottom : bottom + per_page])
    if not rows and wanted > 1:
        return paginator.get_page(wanted)  # past the end: count, then the last page
    paginator.count = rows[0]._total if rows else 0  # Paginator.count is a cached property
    return Page(rows, wanted, paginator)
