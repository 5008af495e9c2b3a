"""The article list (search, filters) and the article page, where editors annotate."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations.pages.annotate import TEMPLATE, article_or_404, article_page_context
from annotations.pages.forms import ArticleFocusForm, ArticleSearchForm
from newsroom.models import Article
from newsroom.pages.pagination import counted_page


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def article_list(request: HttpRequest) -> HttpResponse:
    form = ArticleSearchForm(request.GET or None)
    articles = Article.objects.select_related("outlet").defer("text").newest_first()
    words = ""
    if form.is_valid():
        words = form.words()
        articles = form.apply(articles)
    number = request.GET.get("page")
    if words:
        page = counted_page(articles, settings.ARTICLES_PER_PAGE, number)  # one scan, not two
    else:
        page = Paginator(articles, settings.ARTICLES_PER_PAGE).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "searching": form.is_bound,
        "words": words,  # what the list was searched for: nothing when the form was refused
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
