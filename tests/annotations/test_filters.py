"""The lists' one filter vocabulary (annotations.filters): the day and month parser, each
list's form, the API reading the page's forms, the score bands and the pagination partial."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.paginator import Paginator
from django.http import QueryDict
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse

from annotations.api.schemas import ExportQuery
from annotations.filters import (
    NONE,
    ArticleFilterForm,
    DashboardFilterForm,
    ExportFilterForm,
    Filters,
    QueueFilterForm,
    parse_day,
    parse_month,
)
from annotations.pages.export_views import ExportForm
from annotations.pages.forms import ArticleSearchForm
from annotations.quality import SCORE_FAIR, SCORE_GOOD, score_band
from newsroom.models import Article, ArticleStatus, Outlet, content_hash
from tests.newsroom.test_api import EXPORT, get, token_for


@pytest.mark.parametrize(
    ("value", "day", "month"),
    [
        ("2024-02-15", date(2024, 2, 15), date(2024, 2, 1)),
        (" 2024-02-15 ", date(2024, 2, 15), date(2024, 2, 1)),
        ("2024-02", None, date(2024, 2, 1)),
        ("2024-13", None, None),  # well formed, impossible
        ("2024-02-30", None, None),
        ("2024-1", None, None),
        ("last week", None, None),
        ("", None, None),
    ],
)
def test_days_and_months_are_parsed_in_one_place(value, day, month):
    assert parse_day(value) == day
    assert parse_month(value) == month


def test_the_dashboard_form_drops_each_bad_value_and_keeps_the_rest():
    q = QueryDict(
        "group=password&status=draft&from=2024-13&to=2024-03&outlet=x&editor=none"
        "&month=2024-02-30&flag=only_anonymous"
    )
    assert DashboardFilterForm(q).filters() == Filters(
        group="outlet",
        status="draft",
        until=date(2024, 3, 1),
        editor=NONE,
        flag="only_anonymous",
    )


@pytest.mark.parametrize("outlet", ["x", "-1", "1.5", "²", "1 OR 1=1", "None"])
def test_a_bad_outlet_is_ignored_by_the_dashboard_and_the_queue(outlet):
    assert DashboardFilterForm(QueryDict(f"outlet={outlet}")).filters().outlet is None
    assert QueueFilterForm(QueryDict(f"outlet={outlet}")).values()["outlet"] is None


def test_the_dashboard_filters_round_trip_through_their_query_string():
    filters = Filters(
        group="month", status="in_review", since=date(2024, 1, 1), outlet=NONE, editor=7,
        month=date(2024, 2, 1), flag="heavy_hedging",
    )  # fmt: skip
    assert DashboardFilterForm(QueryDict(filters.query())).filters() == filters


def test_the_queue_form_shows_back_what_it_applies():
    form = QueueFilterForm(
        QueryDict("outlet=3&editor=bo&flag=nope&since=2024-02-30&until=2024-03-01")
    )
    assert form.values() == {
        "outlet": 3, "editor": None, "flag": "", "since": None, "until": date(2024, 3, 1),
    }  # fmt: skip
    assert form.shown() == {
        "outlet": "3", "editor": "", "flag": "", "since": "", "until": "2024-03-01",
    }  # fmt: skip


def test_the_article_filters_refuse_a_bad_status_or_outlet(db):
    assert not ArticleFilterForm({"status": "published"}).is_valid()
    assert not ArticleFilterForm({"outlet": "Planet"}).is_valid()
    form = ArticleFilterForm({"status": "draft", "outlet": "999"})
    assert form.is_valid()
    assert not form.apply(Article.objects.all()).exists()


def test_the_list_page_picks_its_outlet_from_those_there_are(db):
    planet = Outlet.objects.create(name="Planet")
    text = "one two"
    Article.objects.create(title="P", text=text, content_hash=content_hash(text), outlet=planet)
    form = ArticleSearchForm({"outlet": str(planet.pk), "status": "draft", "q": " two "})
    assert form.is_valid() and form.words() == "two"
    assert [a.title for a in form.apply(Article.objects.all())] == ["P"]
    assert not ArticleSearchForm({"outlet": "999"}).is_valid()  # the API's would take it


def test_the_export_filters_read_labels_repeated_or_comma_separated():
    form = ExportFilterForm(QueryDict("labels=denial,%20hedge&labels=named_source&editor=%20bo%20"))
    assert form.is_valid(), form.errors
    filters = form.filters()
    assert filters.labels == ("denial", "hedge", "named_source")
    assert filters.editor == "bo"
    assert form.fmt() == "jsonl"


def test_the_export_page_and_the_api_build_the_same_filters(db):
    Outlet.objects.create(name="Planet")
    page = ExportForm(
        QueryDict("status=approved&outlet=Planet&published_from=2024-01-01&labels=denial&editor=bo")
    )
    assert page.is_valid(), page.errors
    api = ExportQuery(
        status=ArticleStatus.APPROVED, outlet="Planet", published_from=date(2024, 1, 1),
        labels="denial", editor="bo",
    ).form()  # fmt: skip
    assert page.filters() == api.filters()
    # The page picks from the outlets and labels there are; the API takes any name, any case.
    assert not ExportForm(QueryDict("outlet=Nope")).is_valid()
    assert not ExportForm(QueryDict("labels=password")).is_valid()
    assert ExportQuery(outlet="nope", labels="password").form().filters().outlet == "nope"


def test_the_page_and_the_api_export_accepted_claims_only_unless_asked(db):
    assert ExportForm(QueryDict("format=docbin")).is_valid()
    page, api = ExportForm(QueryDict("")), ExportQuery().form()
    assert page.is_valid() and page.filters() == api.filters()
    assert page.filters().include_suggestions is False
    page = ExportForm(QueryDict("include_suggestions=on"))
    api = ExportQuery(include_suggestions=True).form()
    assert page.is_valid() and page.filters() == api.filters()
    assert page.filters().include_suggestions is True
    # The API exports Newsroom JSON only: its parameter takes no other format.
    assert not ExportFilterForm(QueryDict("format=docbin")).is_valid()


@pytest.mark.parametrize(
    ("params", "field"), [({"status": "nope"}, "status"), ({"editor": "x" * 151}, "editor")]
)
def test_the_api_export_reports_a_bad_filter_by_name(client, db, editor, params, field):
    response = get(client, EXPORT, token_for(editor), **params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999", "1.5"])
def test_a_bad_page_number_shows_a_page(admin_client_, page):
    for name in ("article_list", "review_queue", "dashboard_articles"):
        assert admin_client_.get(reverse(name), {"page": page}).status_code == 200, name


def test_score_bands_have_one_threshold_each():
    assert (SCORE_GOOD, SCORE_FAIR) == (75, 50)
    assert [score_band(s) for s in (100, 75, 74.9, 50, 49, 0, None)] == [
        "good", "good", "fair", "fair", "poor", "poor", "none",
    ]  # fmt: skip
    band = Template("{% load scores %}{% for s in scores %}{{ s|score_band }} {% endfor %}")
    assert band.render(Context({"scores": [80, 60, 10, None, ""]})) == "good fair poor none none "


def test_the_pagination_partial_keeps_the_filters_and_pairs_hx_get_with_href():
    page = Paginator(range(30), 10).get_page(2)
    html = render_to_string(
        "_pagination.html", {"page": page, "query": "q=a&b", "target": "#results"}
    )
    assert 'href="?q=a&amp;b&amp;page=1" hx-get="?q=a&amp;b&amp;page=1"' in html
    assert 'hx-target="#results"' in html and "Page 2 of 3" in html
    plain = render_to_string("_pagination.html", {"page": page})
    assert 'href="?page=3"' in plain and "hx-get" not in plain
    assert "Next →" in plain and "← Previous" in plain
    assert (
        render_to_string("_pagination.html", {"page": Paginator([1], 10).get_page(1)}).strip() == ""
    )
