"""The article list's columns (analysis state, claims the viewer sees, review status) and its
orders: the `sort` field of the one article filter form, the headings that link to them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotations.filters import ARTICLE_SORTS, ArticleFilterForm
from annotations.models import Assignment, Claim, ClaimOrigin, Label
from entities.models import SpanStatus
from newsroom.models import AnalysisState, Article, ArticleStatus, content_hash

URL = reverse("article_list")
DAY = timedelta(days=1)
START = datetime(2025, 3, 1, 9, tzinfo=UTC)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make(title: str, *, added: int, published: int | None = None, **fields) -> Article:
    """An article added `added` days after START (published `published` days after it)."""
    text = f"{title}. " + "Officials said the talks went on. " * 4
    article = Article.objects.create(
        title=title,
        text=text,
        content_hash=content_hash(text),
        published_at=None if published is None else START + published * DAY,
        **fields,
    )
    Article.objects.filter(pk=article.pk).update(created_at=START + added * DAY)
    return article


def claims(article: Article, n: int, *, author=None, status=SpanStatus.ACCEPTED) -> None:
    """`n` claims on successive words; authorless ones are the rules' (origin `rule`)."""
    label = Label.objects.get(slug="named_source")
    first = Claim.objects.filter(article=article).count()
    Claim.objects.bulk_create(
        Claim(
            article=article,
            start=2 * i,
            end=2 * i + 1,
            label=label,
            author=author,
            origin=ClaimOrigin.EDITOR if author else ClaimOrigin.RULE,
            status=status,
        )
        for i in range(first, first + n)
    )


@pytest.fixture
def corpus(editor):
    """Four articles; `Bravo` has the most claims the editor sees (3 + 2 open suggestions)."""
    alpha = make("alpha report", added=1, published=3, analysis_state=AnalysisState.DONE)
    bravo = make(
        "Bravo story",
        added=2,
        published=1,
        status=ArticleStatus.APPROVED,
        analysis_state=AnalysisState.FAILED,
    )
    charlie = make(
        "Charlie",
        added=3,
        status=ArticleStatus.IN_REVIEW,
        analysis_state=AnalysisState.RUNNING,
        analysis_started_at=timezone.now() - timedelta(hours=1),  # its worker went away
    )
    delta = make("Delta", added=4, published=2, status=ArticleStatus.CHANGES_REQUESTED)
    claims(alpha, 1, author=editor)
    claims(bravo, 3, author=editor)
    claims(bravo, 2, status=SpanStatus.SUGGESTED)  # the rules', nobody has decided
    claims(bravo, 4, status=SpanStatus.REJECTED)  # not shown, not counted
    claims(delta, 2, author=editor)
    return {"alpha": alpha, "bravo": bravo, "charlie": charlie, "delta": delta}


def titles(response) -> list[str]:
    return [a.title for a in response.context["page"].object_list]


def row(page: str, title: str) -> str:
    """The row of `title`, as text: its cells' words in order."""
    found = re.search(rf"<tr>\s*<td><a [^>]*>{re.escape(title)}</a>.*?</tr>", page, re.S)
    assert found, f"no row for {title!r}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group())).split())


def test_each_row_shows_analysis_claims_and_review_status(editor_client, corpus):
    page = editor_client.get(URL).content.decode()
    assert row(page, "alpha report") == "alpha report — 4 Mar 2025 Done 1 Draft 2 Mar 2025"
    # 3 editor's + 2 open suggestions shown; the 4 rejected ones are not.
    assert row(page, "Bravo story") == (
        "Bravo story — 2 Mar 2025 Failed 5 2 to review Approved 3 Mar 2025"
    )
    assert row(page, "Charlie") == "Charlie — — Stalled 0 In review 4 Mar 2025"
    assert row(page, "Delta") == "Delta — 3 Mar 2025 Waiting 2 Changes requested 5 Mar 2025"
    Article.objects.filter(pk=corpus["charlie"].pk).update(analysis_started_at=timezone.now())
    assert "Charlie — — Running 0" in row(editor_client.get(URL).content.decode(), "Charlie")


def test_claim_counts_follow_the_one_visibility_rule(corpus, editor, other_editor, admin_user):
    """On a double-annotated article an editor sees (and counts) only their own claims, not
    the other editor's nor the rules' suggestions; an admin counts every claim."""
    bravo = corpus["bravo"]
    claims(bravo, 1, author=other_editor)
    Assignment.objects.bulk_create(
        Assignment(article=bravo, editor=user) for user in (editor, other_editor)
    )
    counts = {}
    for user in (editor, other_editor, admin_user):
        response = client_for(user).get(URL)
        counts[user.username] = {a.title: a.claim_count for a in response.context["page"]}
        seen = Claim.objects.visible_to(user).showing()
        for article in response.context["page"]:  # the page's count agrees with the rule
            assert article.claim_count == seen.filter(article=article).count()
    assert counts["erin"]["Bravo story"] == 3
    assert counts["bo"]["Bravo story"] == 1
    assert counts["ada"]["Bravo story"] == 6  # 3 + 1 + 2 suggestions
    # Elsewhere everyone sees every claim.
    assert counts["erin"]["Delta"] == counts["bo"]["Delta"] == counts["ada"]["Delta"] == 2
    admin_page = client_for(admin_user).get(URL).content.decode()
    assert "6 2 to review" in row(admin_page, "Bravo story")
    assert "to review" not in row(client_for(editor).get(URL).content.decode(), "Bravo story")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Delta", "Charlie", "Bravo story", "alpha report"]),  # newest added first
        ("-created_at", ["Delta", "Charlie", "Bravo story", "alpha report"]),
        ("created_at", ["alpha report", "Bravo story", "Charlie", "Delta"]),
        # Never published comes last, either way.
        ("-published_at", ["alpha report", "Delta", "Bravo story", "Charlie"]),
        ("published_at", ["Bravo story", "Delta", "alpha report", "Charlie"]),
        ("title", ["alpha report", "Bravo story", "Charlie", "Delta"]),  # any case
        ("-title", ["Delta", "Charlie", "Bravo story", "alpha report"]),
        ("-claims", ["Bravo story", "Delta", "alpha report", "Charlie"]),
        ("claims", ["Charlie", "alpha report", "Delta", "Bravo story"]),
        # The workflow's order, not the alphabet's.
        ("status", ["alpha report", "Charlie", "Delta", "Bravo story"]),
        ("-status", ["Bravo story", "Delta", "Charlie", "alpha report"]),
    ],
)
def test_every_sort_orders_the_list(editor_client, corpus, sort, expected):
    assert titles(editor_client.get(URL, {"sort": sort})) == expected


def test_ties_go_newest_first(editor_client, corpus):
    make("Echo", added=5, published=3)  # published the same day as alpha
    order = titles(editor_client.get(URL, {"sort": "-published_at"}))
    assert order[:2] == ["Echo", "alpha report"]


def test_every_sort_the_form_offers_is_one_the_list_takes(editor_client, corpus):
    offered = [value for value, _ in ArticleFilterForm().fields["sort"].choices if value]
    assert offered == list(ARTICLE_SORTS)
    for sort in offered:
        assert editor_client.get(URL, {"sort": sort}).status_code == 200


@pytest.mark.parametrize("sort", ["pk", "text", "-claims; DROP TABLE x", "claim_count", "?"])
def test_an_unknown_sort_is_refused_with_a_message(editor_client, corpus, sort):
    response = editor_client.get(URL, {"sort": sort})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert titles(response) == ["Delta", "Charlie", "Bravo story", "alpha report"]


def headings(page: str) -> dict[str, tuple[str, str]]:
    """Each heading's text: (its aria-sort, its link's href) ('' for none)."""
    thead = page.split("<thead>")[1].split("</thead>")[0]
    found = {}
    for attrs, inner in re.findall(r"<th scope=\"col\"([^>]*)>(.*?)</th>", thead, re.S):
        aria = re.search(r'aria-sort="(\w+)"', attrs)
        href = re.search(r'href="([^"]*)"', inner)
        if href:  # a sort link works without JavaScript, and htmx fetches the same address
            assert f'hx-get="{href.group(1)}" hx-target="#results"' in inner
        name = " ".join(re.sub(r"<[^>]+>|[▲▼]", " ", inner).split())
        found[name] = (aria.group(1) if aria else "", unescape(href.group(1)) if href else "")
    return found


def test_the_headings_link_to_their_order_and_say_which_one_is_applied(editor_client, corpus):
    page = editor_client.get(URL).content.decode()
    assert headings(page) == {
        "Title": ("", "?sort=title"),
        "Outlet": ("", ""),
        "Published": ("", "?sort=-published_at"),
        "Analysis": ("", ""),
        "Claims": ("", "?sort=-claims"),
        "Review": ("", "?sort=status"),
        "Added": ("descending", "?sort=created_at"),  # the default order, and its reverse
    }
    sorted_page = editor_client.get(
        URL, {"q": "report", "status": "draft", "sort": "-claims", "page": "1"}
    ).content.decode()
    shown = headings(sorted_page)
    # The filters stay, the page number goes; the applied order links to its reverse.
    assert shown["Claims"] == ("descending", "?q=report&status=draft&sort=claims")
    assert shown["Title"] == ("", "?q=report&status=draft&sort=title")
    assert shown["Added"] == ("", "?q=report&status=draft&sort=-created_at")
    assert "1 article matching “report” · most claims first" in sorted_page
    # The search form sends the order on with its next search.
    assert '<input type="hidden" name="sort" value="-claims" form="article-filters">' in (
        sorted_page
    )


def test_a_search_without_an_order_marks_no_heading(editor_client, corpus):
    """PostgreSQL ranks a search's matches: no column is what they are sorted by."""
    page = editor_client.get(URL, {"q": "officials"}).content.decode()
    assert "aria-sort" not in page.split("<thead>")[1].split("</thead>")[0]
    assert '<input type="hidden" name="sort" value="" form="article-filters">' in page


def test_a_search_keeps_the_order_asked_for(editor_client, corpus):
    response = editor_client.get(URL, {"q": "officials", "sort": "title"})
    assert titles(response) == ["alpha report", "Bravo story", "Charlie", "Delta"]


def test_the_pages_keep_the_order(editor_client, corpus, settings):
    settings.ARTICLES_PER_PAGE = 3
    first = editor_client.get(URL, {"sort": "title"})
    assert 'href="?sort=title&amp;page=2"' in first.content.decode()
    assert titles(editor_client.get(URL, {"sort": "title", "page": 2})) == ["Delta"]


def test_a_heading_fetched_by_htmx_gets_the_results_fragment(editor_client, corpus):
    response = editor_client.get(
        URL, {"sort": "-claims"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = response.content.decode()
    assert 'id="results"' not in body and "<html" not in body
    assert 'aria-sort="descending"' in body


def test_sorting_by_claims_takes_the_same_queries_for_any_page_size(
    editor_client, editor, db, settings, django_assert_num_queries
):
    settings.ARTICLES_PER_PAGE = 50
    for n in range(50):
        article = make(f"T{n}", added=n)
        claims(article, n % 4, author=editor)
        claims(article, n % 3, status=SpanStatus.SUGGESTED)
    editor_client.get(URL)  # the role and permissions cached
    for params in ({}, {"sort": "-claims"}, {"sort": "status", "q": "officials"}):
        # Session with its user, the count (or, searching, none: the page counts itself),
        # the page with its claim counts, the outlets; PostgreSQL's search also asks which
        # documents are not built yet.
        searching = "q" in params
        expected = 4 if not searching else (4 if connection.vendor == "postgresql" else 3)
        with django_assert_num_queries(expected) as ctx:
            response = editor_client.get(URL, params)
        assert len(response.context["page"].object_list) == 50
        page_sql = next(q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"])
        assert '"text"' not in page_sql.split(" FROM ")[0]  # no article text loaded
