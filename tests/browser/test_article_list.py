"""The article list in a browser: a heading sorts in place (htmx), the order stays while the
editor searches, the address follows; accents do not matter to the search; at 390 px the
table scrolls in its own box."""

import pytest
from playwright.sync_api import expect

from annotations.models import Claim, Label
from newsroom.models import Article, content_hash
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def articles(editor):
    records = [
        {"title": "Shipyard strike spreads in Gdańsk", "text": "Officials said workers left."},
        {"title": "Budget passes", "text": "Officials said the vote was close."},
        {"title": "Anchor story", "text": "Officials said little."},
    ]
    # Stored directly: an import would queue spaCy's analysis, whose suggestions count too.
    for record in records:
        Article.objects.create(**record, content_hash=content_hash(record["text"]))
    label = Label.objects.get(slug="named_source")
    for title, n in (("Budget passes", 3), ("Anchor story", 1)):
        article = Article.objects.get(title=title)
        Claim.objects.bulk_create(
            Claim(article=article, start=2 * i, end=2 * i + 1, label=label, author=editor)
            for i in range(n)
        )


def rows(page) -> list[str]:
    return page.locator("#results tbody tr td:first-child a").all_inner_texts()


def test_a_heading_sorts_in_place_and_a_search_keeps_the_order(page, editor, articles):
    log_in(page, editor.username, PASSWORD)
    page.evaluate("window.__marker = 'same page'")
    claims = page.locator("#results th", has_text="Claims")
    page.get_by_role("link", name="Claims", exact=True).click()
    expect(claims).to_have_attribute("aria-sort", "descending")
    assert rows(page) == ["Budget passes", "Anchor story", "Shipyard strike spreads in Gdańsk"]
    assert "sort=-claims" in page.url
    page.get_by_role("link", name="Claims", exact=True).click()  # again: the reverse
    expect(claims).to_have_attribute("aria-sort", "ascending")
    assert rows(page)[0] == "Shipyard strike spreads in Gdańsk"
    page.get_by_role("link", name="Title", exact=True).click()
    expect(page.locator("#results th", has_text="Title")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert rows(page) == ["Anchor story", "Budget passes", "Shipyard strike spreads in Gdańsk"]
    # Search as you type: the order asked for stays.
    page.get_by_placeholder("Search titles and text…").press_sequentially("said", delay=30)
    page.wait_for_selector("#results >> text=3 articles matching “said” · title, A to Z")
    assert rows(page) == ["Anchor story", "Budget passes", "Shipyard strike spreads in Gdańsk"]
    assert "sort=title" in page.url and "q=said" in page.url
    # Accents aside: "gdansk" finds "Gdańsk".
    page.get_by_placeholder("Search titles and text…").fill("gdansk")
    page.wait_for_selector("#results >> text=1 article matching “gdansk”")
    assert rows(page) == ["Shipyard strike spreads in Gdańsk"]
    assert page.evaluate("window.__marker") == "same page"  # never a full page load


def test_at_390_px_the_list_scrolls_in_its_own_box(page, editor, articles):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, editor.username, PASSWORD)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.locator("#results table")
    # Every column is there, reachable by scrolling the table itself.
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    expect(page.locator("#results th", has_text="Review")).to_be_attached()
    page.get_by_role("link", name="Claims", exact=True).click()
    expect(page.locator("#results th", has_text="Claims")).to_have_attribute(
        "aria-sort", "descending"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
