"""Search documents built after an import commits (newsroom.search), and search meanwhile."""

import pytest
from django.db import connection
from django.urls import reverse

from newsroom import models as store
from newsroom.importer import articles_import
from newsroom.models import Article, StoredSearchDocument, search_vector
from newsroom.search import search_documents_build

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search"),
]

RECORDS = [
    {"title": "Troops move to Egyptian airbase", "text": "Special forces were deployed."},
    {"title": "Harvest festival opens", "text": "Farmers celebrated a record wheat harvest."},
    {"title": "Farm report", "text": "The festival drew crowds."},
]


def stored_documents() -> dict[str, object]:
    rows = Article.objects.annotate(stored=StoredSearchDocument())
    return {row.title: row.stored for row in rows}


def test_an_import_stores_no_document_and_its_commit_queues_the_build(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        articles_import(records=list(enumerate(RECORDS, start=1)))
    assert set(stored_documents().values()) == {None}  # nothing computed inside the import
    for callback in callbacks:
        callback()  # the tests' task backend runs the build at once
    built = Article.objects.annotate(stored=StoredSearchDocument(), expected=search_vector())
    assert len(built) == 3
    for row in built:
        assert row.stored is not None and row.stored == row.expected  # the same SQL as 0005


def test_a_change_of_title_or_text_empties_the_document_until_it_is_built_again():
    articles_import(records=list(enumerate(RECORDS, start=1)))
    assert search_documents_build() == 3
    Article.objects.filter(title="Farm report").update(title="Farm news")
    Article.objects.filter(title="Harvest festival opens").update(status="in_review")
    documents = stored_documents()
    assert documents["Farm news"] is None  # the trigger: never a stale document
    assert documents["Harvest festival opens"] is not None  # other changes keep it
    assert search_documents_build() == 1
    assert search_documents_build() == 0


def test_builds_go_in_batches_and_stop_at_the_limit(monkeypatch):
    monkeypatch.setattr("newsroom.search.BATCH", 2)
    records = [{"title": f"Report {n}", "text": f"Text number {n}."} for n in range(7)]
    articles_import(records=list(enumerate(records, start=1)))
    assert search_documents_build(limit=3) == 3
    assert sum(d is None for d in stored_documents().values()) == 4
    assert search_documents_build() == 4


@pytest.mark.parametrize("built", [False, True])
def test_search_finds_and_ranks_alike_before_and_after_the_build(editor_client, built):
    articles_import(records=list(enumerate(RECORDS, start=1)))
    if built:
        search_documents_build()
    response = editor_client.get(reverse("article_list"), {"q": "festival"})
    found = [a.title for a in response.context["page"].object_list]
    assert found == ["Harvest festival opens", "Farm report"]  # title matches rank first
    response = editor_client.get(reverse("article_list"), {"q": "deploying"})  # stemmed
    assert [a.title for a in response.context["page"].object_list] == [RECORDS[0]["title"]]


@pytest.mark.parametrize("built", [False, True])
def test_search_matches_across_accents_before_and_after_the_build(built):
    """The stored documents and those computed on the fly use the same configuration
    (`newsroom_english`: unaccent, then English stemming), as the queries do."""
    records = [
        {"title": "Shipyard strike in Gdańsk", "text": "Workers walked out."},
        {"title": "Port reopens", "text": "Ships returned to Gdansk."},
    ]
    articles_import(records=list(enumerate(records, start=1)))
    if built:
        assert search_documents_build() == 2
    for query in ("Gdansk", "Gdańsk", "gdańsk"):
        found = Article.objects.search(query).values_list("title", flat=True)
        assert sorted(found) == ["Port reopens", "Shipyard strike in Gdańsk"], query


def test_a_document_folds_accents_and_an_ascii_one_is_as_english_made_it():
    """Why migration 0013 rebuilds only the documents of articles with a character outside
    ASCII: unaccent reads only words outside ASCII, so for the others both configurations
    give the same document."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('newsroom_english', 'Gdańsk''s Łódź and Zürich')")
        assert cursor.fetchone()[0] == "'gdansk':1 'lodz':3 'zurich':5"
        plain = "Troops were deployed near the airbase's fence, well-known co-op 3rd e-mail"
        cursor.execute(
            "SELECT to_tsvector('newsroom_english', %s) = to_tsvector('english', %s)",
            [plain, plain],
        )
        assert cursor.fetchone()[0] is True


def test_with_every_document_built_a_search_reads_only_the_stored_column():
    articles_import(records=list(enumerate(RECORDS, start=1)))
    search_documents_build()
    sql = str(Article.objects.search("festival").query)
    assert "to_tsvector" not in sql and "search_document" in sql


def test_only_the_newest_unbuilt_documents_are_computed_by_a_search(monkeypatch):
    """A large import not indexed yet costs a search a bounded amount of work: the older
    articles show up once their documents are built."""
    monkeypatch.setattr(store, "SEARCH_UNINDEXED_MAX", 2)
    records = [{"title": f"Festival {n}", "text": f"Report number {n}."} for n in range(5)]
    articles_import(records=list(enumerate(records, start=1)))
    assert Article.objects.search("festival").count() == 2
    assert list(Article.objects.not_indexed()) == list(
        Article.objects.order_by("-pk").values_list("pk", flat=True)[:2]
    )
    search_documents_build()
    assert Article.objects.search("festival").count() == 5


def test_long_text_is_stored_with_lz4_where_the_server_has_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'newsroom_article'::regclass AND attname = 'text'"
        )
        (method,) = cursor.fetchone()
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        server_has_lz4 = cursor.fetchone() is not None
    assert method == ("l" if server_has_lz4 else "")


def test_the_text_a_search_computes_on_the_fly_is_bounded_too(monkeypatch):
    """A few very long articles not indexed yet cannot make every search slow: the on-the-fly
    part stops at a budget of stored text, the newest article always included."""
    records = [
        {"title": f"Festival {n}", "text": f"Report {n}. " + "word " * 2000} for n in range(4)
    ]
    articles_import(records=list(enumerate(records, start=1)))
    newest = list(Article.objects.order_by("-pk").values_list("pk", flat=True))
    assert Article.objects.not_indexed() == newest
    monkeypatch.setattr(store, "SEARCH_UNINDEXED_BYTES", 1)
    assert Article.objects.not_indexed() == newest[:1]
    assert Article.objects.search("festival").count() == 1


def test_a_title_changed_in_the_site_admin_is_searchable_again(django_capture_on_commit_callbacks):
    """The trigger empties the document of an edited article; the admin's save queues the
    build, or an older article would drop out of search for good."""
    from types import SimpleNamespace

    from django.contrib import admin

    from newsroom.admin import ArticleAdmin

    articles_import(records=list(enumerate(RECORDS, start=1)))
    search_documents_build()
    article = Article.objects.get(title="Farm report")
    article.title = "Granary bulletin"
    form = SimpleNamespace(changed_data=["title"])
    with django_capture_on_commit_callbacks(execute=True):
        ArticleAdmin(Article, admin.site).save_model(None, article, form, change=True)
    assert stored_documents()["Granary bulletin"] is not None
    assert list(Article.objects.search("granary").values_list("title", flat=True)) == [
        "Granary bulletin"
    ]
