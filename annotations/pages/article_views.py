"""The article list (search, filters) and the article page, where editors annotate."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations.filters import ARTICLE_SORTS, CLAIM_COUNT, DEFAULT_SORT
from annotations.models import Claim
from annotations.pages.annotate import TEMPLATE, article_or_404, article_page_context
from annotations.pages.forms import ArticleFocusForm, ArticleSearchForm
from newsroom.models import Article
from newsroom.pages.pagination import counted_page

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


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def article_list(request: HttpRequest) -> HttpResponse:
    """The articles: search, filters, each one's analysis, claims and review status."""
    form = ArticleSearchForm(request.GET or None)
    # The claims the viewer sees on each article's page (the one visibility rule), and the
    # rules' open suggestions among them: counted in the list's own query.
    claims = Claim.objects.visible_to(request.user).showing()
    articles = (
        Article.objects.select_related("outlet")
        .defer("text", "analysis_error")
        .annotate(
            **{CLAIM_COUNT: claims.count_per_article()},
            open_suggestions=claims.suggested().count_per_article(),
        )
        .newest_first()
    )
    words, chosen = "", ""
    if form.is_valid():
        words = form.words()
        chosen = form.cleaned_data["sort"]
        articles = form.apply(articles)
    number = request.GET.get("page")
    if words:
        page = counted_page(articles, settings.ARTICLES_PER_PAGE, number)  # one scan, not two
    else:
        page = Paginator(articles, settings.ARTICLES_PER_PAGE).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    sorted_by = chosen or ("" if words else DEFAULT_SORT)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "searching": form.is_bound,
        "words": words,  # what the list was searched for: nothing when the form was refused
        "sort": chosen,  # the order asked for (kept by the search form), if any
        "columns": columns(query, sorted_by),
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
