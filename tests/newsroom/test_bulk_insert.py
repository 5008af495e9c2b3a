"""bulk_insert: COPY on PostgreSQL, bulk_create elsewhere; the rows a save would write."""

import pytest
from django.db import IntegrityError, transaction

from newsroom.bulk_insert import bulk_insert
from newsroom.models import Article, Outlet, content_hash

pytestmark = pytest.mark.django_db


def article(n: int, **fields) -> Article:
    text = f"Text {n} with a tab\there, a backslash \\ and a line\nbreak, ✓ 🇺🇦 عربى"
    return Article(title=f"Title {n}", text=text, content_hash=content_hash(text), **fields)


def test_it_stores_every_value_and_sets_the_primary_keys():
    outlet = Outlet.objects.create(name="AP")
    rows = [
        article(n, outlet=outlet if n % 2 else None, url=f"https://e.com/{n}") for n in range(5)
    ]
    bulk_insert(rows)
    assert all(a.pk is not None and not a._state.adding for a in rows)
    assert len({a.pk for a in rows}) == 5
    for row in rows:
        stored = Article.objects.get(pk=row.pk)
        assert (stored.title, stored.text, stored.url) == (row.title, row.text, row.url)
        assert stored.outlet_id == row.outlet_id
        # What save() would have written: defaults and auto_now(_add) included.
        assert stored.status == "draft" and stored.version == 1
        assert stored.analysis_state == "pending"
        assert stored.created_at is not None and stored.created_at == row.created_at


def test_a_duplicate_is_refused_as_djangos_integrity_error_and_the_transaction_goes_on():
    bulk_insert([article(1)])
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():
            bulk_insert([article(2), article(1)])
        assert Article.objects.count() == 1  # the savepoint undid the whole batch
        bulk_insert([article(3)])
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Title 1", "Title 3"]


def test_nothing_to_insert_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        bulk_insert([])
