"""The article list's page query, compiled once per shape (annotations/pages/article_query.py):
for every viewer, order, filter and search, a page holds the rows, claim counts and total of
the plain queryset built for the request."""

from __future__ import annotations

import pytest
from django.db import connection

from annotations.filters import ARTICLE_SORTS
from annotations.models import Assignment, Claim, ClaimOrigin, Label
from annotations.pages import article_query
from annotations.pages.article_query import Shape, _articles, article_page
from entities.models import SpanStatus
from newsroom.models import Article, ArticleStatus, Outlet, content_hash
from newsroom.search import search_documents_build

PER_PAGE = 3


@pytest.fixture
def corpus(db, editor, other_editor):
    """Seven articles: two outlets and none, three statuses, claims by both editors and the
    rules (some rejected, some open), one article annotated by both editors."""
    label = Label.objects.get(slug="named_source")
    outlets = [Outlet.objects.create(name=n, domain=f"{n}.example") for n in ("Courier", "Post")]
    statuses = [ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW, ArticleStatus.APPROVED]
    articles = []
    for n in range(7):
        text = f"Story {n}. " + ("Officials said the talks went on. " if n % 2 else "Rain. ") * 3
        article = Article.objects.create(
            title=f"Story {'ABC'[n % 3]}{n}",
            text=text,
            content_hash=content_hash(text),
            outlet=outlets[n % 3] if n % 3 < 2 else None,
            status=statuses[n % 3],
        )
        authors = [editor, other_editor, None]
        Claim.objects.bulk_create(
            Claim(
                article=article,
                start=i,
                end=i + 1,
                label=label,
                author=authors[i % 3],
                origin=ClaimOrigin.EDITOR if authors[i % 3] else ClaimOrigin.RULE,
                status=[SpanStatus.ACCEPTED, SpanStatus.SUGGESTED, SpanStatus.REJECTED][i % 4 % 3],
            )
            for i in range(n + 1)
        )
        articles.append(article)
    for user in (editor, other_editor):
        Assignment.objects.create(article=articles[5], editor=user)
    if connection.vendor == "postgresql":
        search_documents_build()
    return outlets


def _seen(page):
    rows = [(a.pk, a.claim_count, a.open_suggestions, a.outlet_id) for a in page.object_list]
    return rows, page.number, page.paginator.count


def test_it_gives_every_shape_the_rows_of_its_plain_queryset(
    corpus, editor, other_editor, admin_user
):
    article_query._PREPARED.clear()
    for user in (editor, other_editor, admin_user):
        for sort in ["", *ARTICLE_SORTS]:
            for status in ("", ArticleStatus.DRAFT):
                for outlet in (None, corpus[0].pk):
                    for words in ("", "officials"):
                        shape = Shape(
                            admin=user is admin_user,
                            sort=sort,
                            status=status,
                            outlet=outlet is not None,
                            search=bool(words),
                        )
                        viewer = None if user is admin_user else user.pk
                        plain = _articles(shape, viewer=viewer, outlet=outlet, words=words)
                        for number in (2, 9):  # an offset; past the end
                            page = article_page(
                                user=user,
                                number=number,
                                per_page=PER_PAGE,
                                words=words,
                                sort=sort,
                                status=status,
                                outlet_id=outlet,
                            )
                            rows, shown, total = _seen(page)
                            assert total == plain.count()
                            expected_number = min(number, page.paginator.num_pages)
                            assert shown == expected_number
                            bottom = (expected_number - 1) * PER_PAGE
                            expected = [
                                (a.pk, a.claim_count, a.open_suggestions, a.outlet_id)
                                for a in plain[bottom : bottom + PER_PAGE]
                            ]
                            assert rows == expected, (user, sort, status, outlet, words)
    # The list's shapes were each compiled once; searches only where they can be prepared.
    searched = [shape for shape in article_query._PREPARED if shape.search]
    assert bool(searched) == (connection.vendor == "postgresql")


def test_it_counts_each_viewers_claims_by_the_visibility_rule(corpus, editor, admin_user):
    double = Article.objects.get(assignments__editor=editor)
    counts = {}
    for user in (editor, admin_user):
        page = article_page(user=user, number=1, per_page=10)
        counts[user.pk] = {a.pk: a.claim_count for a in page.object_list}
    showing = Claim.objects.filter(article=double).exclude(status=SpanStatus.REJECTED)
    assert counts[admin_user.pk][double.pk] == showing.count()
    assert counts[editor.pk][double.pk] == showing.filter(author=editor).count()
    assert counts[editor.pk][double.pk] < counts[admin_user.pk][double.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_it_finds_new_articles_while_their_search_documents_are_unbuilt(corpus, editor):
    text = "Officials said the harvest was late."
    fresh = Article.objects.create(title="Harvest", text=text, content_hash=content_hash(text))
    page = article_page(user=editor, number=1, per_page=10, words="harvest")
    assert [a.pk for a in page.object_list] == [fresh.pk]
    assert page.paginator.count == 1
