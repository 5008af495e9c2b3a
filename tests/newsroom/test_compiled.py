"""Prepared queries give what their queryset gives, compiled once per connection."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext

from newsroom.compiled import ID_PLACEHOLDER, PreparedQuery
from newsroom.models import Article, Outlet

PLACEHOLDER = ID_PLACEHOLDER


def _articles(db_objects=3):
    outlet = Outlet.objects.create(name="The Courier", domain="courier.example")
    user = get_user_model().objects.create_user("writer")
    return [
        Article.objects.create(
            title=f"Story {i}",
            text=f"Text {i}. " * (i + 1),
            outlet=outlet if i % 2 else None,
            created_by=user,
            content_hash=f"{i:064d}",
        )
        for i in range(db_objects)
    ]


def _by_pk(pk):
    return (
        Article.objects.filter(pk=pk)
        .select_related("outlet", "created_by")
        .annotate(doubled=F("pk") * 2)
    )


def test_rows_match_the_queryset_built_for_the_call(db):
    articles = _articles()
    prepared = PreparedQuery(_by_pk, pk=PLACEHOLDER)
    for article in articles:
        (row,) = prepared.rows(pk=article.pk)
        (expected,) = _by_pk(article.pk)
        assert row == expected
        assert row.title == expected.title and row.created_at == expected.created_at
        assert row.doubled == article.pk * 2
        assert (row.outlet and row.outlet.name) == (expected.outlet and expected.outlet.name)
        with CaptureQueriesContext(connection) as queries:
            assert row.created_by.username == "writer"  # select_related: no query
        assert len(queries) == 0
    assert prepared.first(pk=10**9) is None


def test_values_querysets_and_several_placeholders(db):
    articles = _articles(4)

    def titles(user, title):
        return (
            Article.objects.filter(created_by=user)
            .exclude(title=title)
            .values("outlet__name")
            .annotate(n=Count("pk"))
            .order_by("outlet__name")
        )

    prepared = PreparedQuery(titles, user=PLACEHOLDER, title="\x00placeholder")
    user = articles[0].created_by_id
    assert prepared.rows(user=user, title="Story 1") == list(titles(user, "Story 1"))
    assert prepared.rows(user=user, title="nothing") == list(titles(user, "nothing"))


def test_the_queryset_is_built_and_compiled_once(db):
    articles = _articles()
    builds = []

    def build(pk):
        builds.append(pk)
        return Article.objects.filter(pk=pk)

    prepared = PreparedQuery(build, pk=PLACEHOLDER)
    for article in articles:
        assert prepared.first(pk=article.pk).pk == article.pk
    assert builds == [PLACEHOLDER]


def test_a_placeholder_the_orm_changes_or_repeats_is_refused(db):
    with pytest.raises(ValueError, match="must appear once"):
        PreparedQuery(lambda word: Article.objects.filter(title__contains=word), word="zz").rows(
            word="x"
        )
    repeated = PreparedQuery(
        lambda pk: Article.objects.filter(pk=pk) | Article.objects.filter(created_by=pk), pk=-7
    )
    with pytest.raises(ValueError, match="must appear once"):
        repeated.rows(pk=1)


def test_the_call_must_give_exactly_the_placeholders(db):
    prepared = PreparedQuery(lambda pk: Article.objects.filter(pk=pk), pk=PLACEHOLDER)
    with pytest.raises(TypeError):
        prepared.rows(pk=1, other=2)
    with pytest.raises(TypeError):
        prepared.rows()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_it_runs_as_a_prepared_statement_and_nothing_else_does(db):
    articles = _articles()
    prepared = PreparedQuery(lambda pk: Article.objects.filter(pk=pk), pk=PLACEHOLDER)
    for article in articles:
        assert prepared.first(pk=article.pk).pk == article.pk
        for _ in range(10):
            list(Outlet.objects.filter(pk=article.pk))  # an ordinary query, again and again
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert sum('FROM "newsroom_article"' in s and "$1" in s for s in statements) == 1
    assert not any('"newsroom_outlet"' in s for s in statements)
