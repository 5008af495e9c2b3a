"""The article list (search, filters) and the article page, where editors annotate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template import engines
from django.urls import reverse
from django.utils.timezone import is_aware, localtime
from django.views.decorators.http import require_GET

from annotations.filters import ARTICLE_SORTS, CLAIM_COUNT, DEFAULT_SORT
from annotations.pages.annotate import TEMPLATE, article_or_404, article_page_context
from annotations.pages.article_query import article_page
from annotations.pages.forms import ArticleFocusForm, ArticleSearchForm
from newsroom.models import AnalysisState, Article, ArticleStatus
from newsroom.templatetags.dates import short_date

LIST_MACROS = "annotations/article_list.html"  # a Jinja2 template: the table's macro

# The list's columns: (heading, the `sort` key its heading links to or None, the order a
# first click gives, whether it holds numbers).
COLUMNS = [
    ("Title", "title", "title", False),
    ("Outlet", None, "", False),
    ("Published", "published_at", "-published_at", False),
    ("Analysis", None, "", False),
    ("Claims", "claims", "-claims", True),
    ("Review", "status", "status", False),
    ("Added", "created_at", "-created_at", False),
]


@dataclass(frozen=True)
class Column:
    """A heading of the list: a link sorting by it (`query`, empty if it does not sort), and
    `aria_sort` ("ascending" / "descending") if the list is sorted by it."""

    heading: str
    query: str = ""
    aria_sort: str = ""
    num: bool = False


def columns(query: QueryDict, sort: str) -> list[Column]:
    """The list's headings for the order `sort` (empty: a search's ranking): each sortable
    heading links to its first order, or to the reverse of the current one."""
    shown = []
    for heading, key, first, num in COLUMNS:
        if key is None:
            shown.append(Column(heading, num=num))
            continue
        aria_sort, then = "", first
        if sort.removeprefix("-") == key:
            descending = sort.startswith("-")
            aria_sort = "descending" if descending else "ascending"
            then = key if descending else f"-{key}"
        linked = query.copy()
        linked["sort"] = then
        shown.append(Column(heading, linked.urlencode(), aria_sort, num))
    return shown


# The Analysis column: the state's CSS class and word (anything else reads "Done").
ANALYSIS_SHOWN = {
    AnalysisState.PENDING: ("pending", "Waiting"),
    AnalysisState.RUNNING: ("running", "Running"),
    AnalysisState.FAILED: ("failed", "Failed"),
}
ANALYSIS_STALLED = ("stalled", "Stalled")
ANALYSIS_DONE = ("done", "Done")


class ListRow(TypedDict):
    """One row of the article list, as its macro writes it: plain strings, the cheapest
    lookups for the template (the list is rendered on every search keystroke)."""

    url: str
    title: str
    byline: str
    outlet: str  # "—" without one
    published: str  # "—" without a date
    analysis: str  # the CSS class's suffix: pending, running, failed, stalled, done
    analysis_name: str
    claims: str
    open_suggestions: str  # "" when there are none
    status: str
    status_name: str
    added: str


def _day(value: datetime | None) -> str:
    """What `{{ value|short_date }}` prints in a Django template (in the current time zone)."""
    if isinstance(value, datetime) and is_aware(value):
        value = localtime(value)
    return short_date(value)


# The Review column's words, as `get_status_display()` gives them (a lookup, not its call).
STATUS_NAMES = dict(ArticleStatus.choices)
URL_MARK = 987_654_321  # an article id in the reversed URL, to be replaced by each row's


def list_rows(articles: Iterable[Article]) -> list[ListRow]:
    """The rows of the list's page (articles annotated with their claim counts)."""
    # Each row's link as `get_absolute_url()` writes it, reversed once for the page.
    head, _, tail = reverse("article_detail", args=[URL_MARK]).rpartition(str(URL_MARK))
    rows: list[ListRow] = []
    for article in articles:
        if article.analysis_stalled:
            analysis, analysis_name = ANALYSIS_STALLED
        else:
            analysis, analysis_name = ANALYSIS_SHOWN.get(article.analysis_state, ANALYSIS_DONE)
        outlet = article.outlet.name if article.outlet else ""
        rows.append(
            {
                "url": f"{head}{article.pk}{tail}",
                "title": article.title,
                "byline": article.byline,
                "outlet": outlet or "—",
                "published": _day(article.published_at) or "—",
                "analysis": analysis,
                "analysis_name": analysis_name,
                "claims": str(getattr(article, CLAIM_COUNT)),
                "open_suggestions": str(article.open_suggestions or ""),
                "status": article.status,
                "status_name": STATUS_NAMES.get(article.status, article.status),
                "added": _day(article.created_at),
            }
        )
    return rows


def _list_macros() -> Any:
    """The Jinja2 macro that writes the table (templates/jinja2/annotations/article_list.html);
    it returns autoescaped HTML (Jinja2's Markup), which the page's template includes as is."""
    return engines["jinja2"].get_template(LIST_MACROS).template.module


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def article_list(request: HttpRequest) -> HttpResponse:
    """The articles: search, filters, each one's analysis, claims and review status."""
    form = ArticleSearchForm(request.GET or None)
    words, chosen, status, outlet = "", "", "", None
    if form.is_valid():
        words = form.words()
        chosen, status = form.cleaned_data["sort"], form.cleaned_data["status"]
        outlet = form.cleaned_data["outlet"]
    # The claims the viewer sees on each article's page (the one visibility rule), and the
    # rules' open suggestions among them, counted in the page's query (compiled once).
    page = article_page(
        user=request.user,
        number=request.GET.get("page"),
        per_page=settings.ARTICLES_PER_PAGE,
        words=words,
        sort=chosen,
        status=status,
        outlet_id=outlet.pk if outlet is not None else None,
    )
    query = request.GET.copy()
    query.pop("page", None)
    sorted_by = chosen or ("" if words else DEFAULT_SORT)
    rows = list_rows(page.object_list)
    table = _list_macros().article_table(columns(query, sorted_by), rows) if rows else ""
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "searching": form.is_bound,
        "words": words,  # what the list was searched for: nothing when the form was refused
        "sort": chosen,  # the order asked for (kept by the search form), if any
        "table_html": table,
        "sort_name": ARTICLE_SORTS.get(sorted_by, ""),
    }
    template = "annotations/article_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The article page: read it, correct its entities, mark its sourcing claims."""
    article = article_or_404(pk)
    focus = ArticleFocusForm(request.GET, article=article, user=request.user).values()
    context = article_page_context(
        article, request.user, mention=focus["mention"], claim=focus["claim"]
    )
    return render(request, TEMPLATE, context)
