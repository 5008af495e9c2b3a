"""The article list: search (full-text on PostgreSQL, word match on SQLite), filters, pages."""

import pytest
from django.db import connection
from django.urls import reverse

from newsroom.importer import articles_import
from newsroom.models import Article, Outlet

URL = reverse("article_list")


@pytest.fixture
def corpus(db):
    records = [
        {
            "title": "Troops move to Egyptian airbase",
            "text": "Russian special forces were deployed near Libya.",
            "outlet": "Reuters",
        },
        {
            "title": "Election results delayed",
            "text": "Officials said counting continues in the capital.",
            "outlet": "AP",
        },
        {
            "title": "Harvest festival opens",
            "text": "Farmers celebrated a record wheat harvest.",
            "outlet": "AP",
        },
    ]
    articles_import(records=list(enumerate(records, start=1)))
    Article.objects.filter(title__startswith="Election").update(status="in_review")


def titles(response) -> list[str]:
    return [a.title for a in response.context["page"].object_list]


def test_it_lists_articles_newest_first(editor_client, corpus):
    response = editor_client.get(URL)
    assert titles(response) == [
        "Harvest festival opens",
        "Election results delayed",
        "Troops move to Egyptian airbase",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("airbase", ["Troops move to Egyptian airbase"]),  # title
        ("wheat", ["Harvest festival opens"]),  # text
        ("special forces", ["Troops move to Egyptian airbase"]),  # every word must match
        ("OFFICIALS", ["Election results delayed"]),  # case-insensitive
        ("submarine", []),
    ],
)
def test_search_finds_title_and_text(editor_client, corpus, query, expected):
    assert titles(editor_client.get(URL, {"q": query})) == expected


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stemming is PostgreSQL full-text search"
)
def test_search_on_postgresql_stems_words_and_ranks_title_matches_first(editor_client, corpus):
    articles_import(records=[(1, {"title": "Farm report", "text": "The festival drew crowds."})])
    assert titles(editor_client.get(URL, {"q": "deploying"})) == ["Troops move to Egyptian airbase"]
    assert titles(editor_client.get(URL, {"q": "festival"})) == [
        "Harvest festival opens",
        "Farm report",
    ]


ACCENTED = [
    {"title": "Shipyard strike spreads in Gdańsk", "text": "Workers walked out on Monday."},
    {"title": "Port reopens", "text": "Ships returned to Gdansk harbour on Tuesday."},
    {"title": "Łódź film school turns 75", "text": "Alumni came from Kraków and Zürich."},
    {"title": "Straße closed", "text": "The CAFÉ on the corner stayed open."},
    {"title": "Unrelated", "text": "Nothing to see in Gdynia."},
]
GDANSK = ["Port reopens", "Shipyard strike spreads in Gdańsk"]
LODZ = ["Łódź film school turns 75"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Gdansk", GDANSK),  # plain letters find the accented word
        ("Gdańsk", GDANSK),  # and the accented word finds the plain one
        ("GDAŃSK", GDANSK),  # case aside, outside ASCII too
        ("Lodz", LODZ),  # ł has no accent to drop: folded as PostgreSQL's unaccent folds it
        ("Łódź", LODZ),
        ("krakow zurich", LODZ),
        ("Kraków Zürich", LODZ),
        ("cafe", ["Straße closed"]),
        ("strasse", ["Straße closed"]),
        ("Gdańska", []),  # a different word still does not match
    ],
)
def test_search_ignores_accents_both_ways(editor_client, db, query, expected):
    """On both databases: PostgreSQL through `unaccent` in its search configuration
    (migration 0013), SQLite through newsroom.folding."""
    articles_import(records=list(enumerate(ACCENTED, start=1)))
    assert sorted(titles(editor_client.get(URL, {"q": query}))) == expected


def test_filters_by_outlet_and_status(editor_client, corpus):
    ap = Outlet.objects.get(name="AP")
    assert titles(editor_client.get(URL, {"outlet": ap.pk})) == [
        "Harvest festival opens",
        "Election results delayed",
    ]
    assert titles(editor_client.get(URL, {"outlet": ap.pk, "status": "in_review"})) == [
        "Election results delayed"
    ]
    assert titles(editor_client.get(URL, {"q": "festival", "status": "in_review"})) == []


def test_the_filter_selects_list_the_outlets_and_keep_the_choice(editor_client, corpus):
    ap = Outlet.objects.get(name="AP")
    page = editor_client.get(URL, {"outlet": ap.pk, "status": "in_review"}).content.decode()
    assert f'<option value="{ap.pk}" selected>AP</option>' in page
    reuters = Outlet.objects.get(name="Reuters").pk
    assert f'<option value="{reuters}">Reuters</option>' in page
    assert page.index(">AP</option>") < page.index(">Reuters</option>")  # by name
    assert '<option value="in_review" selected>In review</option>' in page
    assert '<option value="" selected>' not in page
    fresh = editor_client.get(URL).content.decode()
    assert '<option value="" selected>All outlets</option>' in fresh
    assert '<option value="" selected>All statuses</option>' in fresh


def test_unknown_filter_values_are_reported_not_applied(editor_client, corpus):
    response = editor_client.get(URL, {"status": "'; DROP TABLE", "outlet": "999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_refused_form_does_not_claim_to_have_searched(editor_client, corpus):
    page = editor_client.get(URL, {"q": "wheat", "status": "nope"}).content.decode()
    assert "Select a valid choice" in page
    assert "matching" not in page  # the search was not applied, so the count says so
    assert "matching “wheat”" in editor_client.get(URL, {"q": "wheat"}).content.decode()


def test_it_paginates_with_plain_links_that_keep_the_filters(editor_client, db, settings):
    settings.ARTICLES_PER_PAGE = 2
    articles_import(
        records=[
            (n, {"title": f"Report {n}", "text": f"Body {n}", "outlet": "AP"}) for n in range(5)
        ]
    )
    first = editor_client.get(URL, {"q": "report"})
    assert first.context["page"].paginator.num_pages == 3
    assert 'href="?q=report&amp;page=2"' in first.content.decode()
    assert titles(editor_client.get(URL, {"q": "report", "page": 3})) == ["Report 0"]


def test_search_pages_count_in_their_own_query_and_clamp_the_page_number(
    editor_client, db, settings, django_assert_num_queries
):
    settings.ARTICLES_PER_PAGE = 2
    articles_import(
        records=[(n, {"title": f"Report {n}", "text": f"Body {n}"}) for n in range(5)]
        + [(9, {"title": "Other", "text": "Nothing"})]
    )
    editor_client.get(URL)  # the session exists, the role and permissions are cached
    # Session with its user, outlets, the page with its total; on PostgreSQL also the newest
    # articles whose search documents are not built yet (newsroom.search).
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 3):
        middle = editor_client.get(URL, {"q": "report", "page": 2})
    page = middle.context["page"]
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (2, 5, 3)
    assert "5 articles matching" in middle.content.decode()
    assert len(titles(middle)) == 2
    seen = [
        t for n in (1, 2, 3) for t in titles(editor_client.get(URL, {"q": "report", "page": n}))
    ]
    assert sorted(seen) == [f"Report {n}" for n in range(5)]  # every match once
    past = editor_client.get(URL, {"q": "report", "page": 99}).context["page"]
    assert (past.number, len(past.object_list)) == (3, 1)  # the last page
    assert editor_client.get(URL, {"q": "report", "page": "x"}).context["page"].number == 1
    none = editor_client.get(URL, {"q": "zebra"})
    assert none.context["page"].paginator.count == 0
    assert "No articles match" in none.content.decode()


def test_htmx_requests_get_only_the_results_fragment(editor_client, corpus):
    response = editor_client.get(
        URL, {"q": "wheat"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = response.content.decode()
    # The inside of the results region: htmx swaps it in, the live region stays (never a
    # region inside a region of the same id).
    assert 'id="results"' not in body and body.lstrip().startswith('<p class="count">')
    assert "<html" not in body and "Harvest festival opens" in body


def test_the_list_takes_the_same_number_of_queries_for_any_page_size(
    editor_client, db, django_assert_max_num_queries, settings
):
    settings.ARTICLES_PER_PAGE = 50
    articles_import(
        records=[(n, {"title": f"T{n}", "text": f"B{n}", "outlet": f"O{n}"}) for n in range(50)]
    )
    editor_client.get(URL)  # the role and permissions cached
    with django_assert_max_num_queries(4):
        editor_client.get(URL)


def test_the_list_does_not_load_article_text(editor_client, corpus, django_assert_num_queries):
    editor_client.get(URL)  # the role and permissions cached
    with django_assert_num_queries(4) as ctx:
        editor_client.get(URL)
    list_query = next(q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"])
    assert '"text"' not in list_query
