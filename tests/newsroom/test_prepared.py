"""Prepared queries (newsroom/prepared.py) give what their queryset gives, compiled once per
connection; and the one place that uses private ORM internals is re-checked on a Django upgrade."""

import django
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext

from newsroom.models import Article, Outlet
from newsroom.prepared import (
    CHECKED_DJANGO,
    ID_PLACEHOLDER,
    OTHER_ID_PLACEHOLDER,
    PreparedQuery,
)

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


def test_values_list_rows_stay_tuples(db):
    articles = _articles()
    prepared = PreparedQuery(
        lambda pk: Article.objects.filter(pk=pk).values_list("pk", "title"), pk=PLACEHOLDER
    )
    assert prepared.rows(pk=articles[1].pk) == [(articles[1].pk, "Story 1")]


def test_the_django_release_is_the_one_its_internals_were_checked_against():
    # newsroom/prepared.py leans on QuerySet._query, Query.get_compiler() and
    # SQLCompiler.as_sql()/execute_sql(). After a Django upgrade, read them again in the new
    # release (the module's docstring lists what each is relied on for), run this file, and
    # then move CHECKED_DJANGO on.
    assert django.VERSION[:2] == CHECKED_DJANGO, (
        f"Django {django.get_version()} is not the release newsroom/prepared.py was checked "
        f"against ({CHECKED_DJANGO}): re-check the private ORM parts it uses"
    )


def test_the_apps_prepared_queries_give_what_their_querysets_give(
    editor, django_assert_num_queries
):
    from annotations.models import ReviewAction, ReviewEvent
    from annotations.pages.annotate import _ARTICLE, _LABELS, _MENTIONS
    from annotations.review import _EVENTS
    from entities.models import EntityMention
    from newsroom.auth_backend import _USER_WITH_STAMP

    article = _articles(1)[0]
    EntityMention.objects.create(article=article, start=0, end=4, label="PERSON")
    EntityMention.objects.create(article=article, start=5, end=6, label="ORG", updated_by=editor)
    ReviewEvent.objects.create(
        article=article, actor=editor, action=ReviewAction.COMMENT, comment="Check the quote."
    )
    for prepared, value in [
        (_ARTICLE, {"pk": article.pk}),
        (_LABELS, {}),
        (_MENTIONS, {"article": article.pk}),
        (_EVENTS, {"article": article.pk}),
        (_USER_WITH_STAMP, {"pk": editor.pk}),
    ]:
        expected = list(prepared.build(**value))
        with django_assert_num_queries(1):
            rows = prepared.rows(**value)
        assert rows and rows == expected
        for row, plain in zip(rows, expected, strict=True):
            assert vars(row).keys() == vars(plain).keys()
            fields = {k: v for k, v in vars(row).items() if not k.startswith("_")}
            assert fields == {k: v for k, v in vars(plain).items() if not k.startswith("_")}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_a_prepared_query_becomes_a_server_prepared_statement(db):
    """Server-side binding with a prepare threshold (settings): the same SQL text run again
    on a connection is planned once by the server. Django's default (no threshold) would
    never prepare it."""
    from annotations.pages.annotate import _LABELS

    for _ in range(6):
        _LABELS.rows()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('FROM "annotations_label"' in s for s in statements), statements


def _newest(pk_below):
    return Article.objects.filter(pk__lt=pk_below).select_related("outlet").order_by("-pk")


def _newest_page(pk_below, page):
    return _newest(pk_below)[page]


def _page_inside(pk_below, other, page):
    """The page picked in a subquery, with a parameter on each side of its LIMIT."""
    chosen = _newest(pk_below).values("pk")[page]
    return Article.objects.filter(pk__in=chosen).exclude(pk=other).order_by("-pk")


def test_it_gives_a_paged_query_the_slices_of_its_queryset(db, django_assert_num_queries):
    articles = _articles(7)
    below = max(a.pk for a in articles) + 1
    prepared = PreparedQuery(_newest_page, paged=True, pk_below=PLACEHOLDER)
    for offset, limit in [(0, 3), (3, 3), (6, 3), (9, 3), (2, 0)]:
        expected = list(_newest(below)[offset : offset + limit])
        with django_assert_num_queries(1):
            rows = prepared.rows(pk_below=below, limit=limit, offset=offset)
        assert rows == expected
        assert [r.outlet_id for r in rows] == [r.outlet_id for r in expected]


def test_it_writes_a_paged_querys_sql_as_the_sliced_querysets_with_the_page_as_parameters(db):
    _articles(1)
    prepared = PreparedQuery(_newest_page, paged=True, pk_below=PLACEHOLDER)
    compiled = prepared._compiled(None)
    sliced, params = _newest(PLACEHOLDER)[4:6].query.get_compiler("default").as_sql()
    assert compiled.sql.endswith(" LIMIT %s OFFSET %s")
    assert compiled.sql.replace("LIMIT %s OFFSET %s", "LIMIT 2 OFFSET 4") == sliced
    assert list(compiled.params) == list(params)


def test_it_pages_a_subquery_with_parameters_before_and_after_its_page(
    db, django_assert_num_queries
):
    articles = _articles(8)
    below, other = max(a.pk for a in articles) + 1, articles[3].pk
    prepared = PreparedQuery(
        _page_inside, paged=True, pk_below=PLACEHOLDER, other=OTHER_ID_PLACEHOLDER
    )
    compiled = prepared._compiled(None)
    sliced = _page_inside(PLACEHOLDER, OTHER_ID_PLACEHOLDER, slice(4, 7)).query
    sql, params = sliced.get_compiler("default").as_sql()
    assert compiled.sql.replace("LIMIT %s OFFSET %s", "LIMIT 3 OFFSET 4") == sql
    assert not compiled.sql.endswith("OFFSET %s")  # the page is the subquery's
    assert list(compiled.params) == list(params)
    for offset, limit in [(0, 3), (3, 3), (6, 3), (2, 0)]:
        expected = list(_page_inside(below, other, slice(offset, offset + limit)))
        with django_assert_num_queries(1):
            rows = prepared.rows(pk_below=below, other=other, limit=limit, offset=offset)
        assert rows == expected, (offset, limit)
    assert other not in [a.pk for a in prepared.rows(pk_below=below, other=other, limit=9)]


def test_it_asks_a_paged_query_for_a_page_and_another_for_none(db):
    paged = PreparedQuery(_newest_page, paged=True, pk_below=PLACEHOLDER)
    plain = PreparedQuery(_newest, pk_below=PLACEHOLDER)
    with pytest.raises(TypeError):
        paged.rows(pk_below=5)
    with pytest.raises(TypeError):
        plain.rows(pk_below=5, limit=2, offset=0)
    with pytest.raises(ValueError, match="with `page` once"):  # sliced, but not by `page`
        PreparedQuery(lambda page: Article.objects.order_by("pk")[:5], paged=True).rows(
            limit=1, offset=0
        )


def test_it_lets_a_placeholder_named_repeated_appear_more_than_once(db):
    articles = _articles(4)
    user = articles[0].created_by_id

    def either(pk):
        return (Article.objects.filter(pk=pk) | Article.objects.filter(created_by=pk)).order_by(
            "pk"
        )

    prepared = PreparedQuery(either, repeated=("pk",), pk=PLACEHOLDER)
    assert prepared.rows(pk=articles[2].pk) == list(either(articles[2].pk))
    assert prepared.rows(pk=user) == list(either(user))
    with pytest.raises(ValueError, match="must appear once"):
        PreparedQuery(
            lambda word: Article.objects.filter(title__contains=word), repeated=("word",), word="zz"
        ).rows(word="x")
