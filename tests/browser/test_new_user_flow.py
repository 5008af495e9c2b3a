"""A new user's first minutes: log in, read the demo article, paste one, upload three, search."""

import io
import json

import pytest
from django.core.management import call_command

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

# serialized_rollback: the roles that migrations create survive the flush between tests.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_new_user_adds_articles_and_finds_them(page, admin_user, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    log_in(page, admin_user.username, PASSWORD)

    # The demo article is there and reads as paragraphs.
    page.get_by_role("link", name="BREAKING: Russia Appears to Move Troops").click()
    text = page.locator(".article-text")
    assert "Khalifa Haftar" in text.inner_text()
    assert text.evaluate("el => getComputedStyle(el).whiteSpace") == "pre-wrap"

    # Paste a second one.
    page.get_by_role("link", name="Paste article").first.click()
    page.get_by_label("Title").fill("Port strike enters second week")
    page.get_by_label("Text").fill(
        "Dock workers walked out again.\n\nThe union said talks had stalled."
    )
    page.get_by_label("Outlet").fill("Harbour Times")
    page.get_by_role("button", name="Add article").click()
    page.wait_for_selector("text=Added “Port strike enters second week”.")
    assert "Harbour Times" in page.locator(".meta").inner_text()

    # Upload a JSONL file of three.
    upload = tmp_path / "three.jsonl"
    upload.write_text(
        "".join(
            json.dumps(
                {
                    "title": f"Flood warning {n}",
                    "text": f"Rivers rose in district {n}.",
                    "outlet": "AP",
                }
            )
            + "\n"
            for n in (1, 2, 3)
        )
    )
    page.goto("/articles/upload/")
    page.get_by_label("File").set_input_files(upload)
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_selector("text=Imported 3 articles.")

    # Search as you type: htmx swaps the results without leaving the page.
    page.goto("/articles/")
    page.evaluate("window.__marker = 'same page'")
    page.get_by_placeholder("Search titles and text…").press_sequentially("flood", delay=30)
    page.wait_for_selector("#results >> text=3 articles matching “flood”")
    assert page.evaluate("window.__marker") == "same page"
    assert "q=flood" in page.url
    page.get_by_placeholder("Search titles and text…").fill("dock workers")
    page.wait_for_selector("#results >> text=1 article matching “dock workers”")
    assert page.locator("#results tbody tr").count() == 1


def test_search_and_pagination_work_without_javascript(browser, live_server, admin_user, settings):
    from newsroom.importer import articles_import

    settings.ARTICLES_PER_PAGE = 2
    articles_import(
        records=[(n, {"title": f"Budget story {n}", "text": f"Body {n}"}) for n in range(5)]
    )
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, admin_user.username, PASSWORD)
    page.get_by_label("Search").fill("budget")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("text=5 articles matching “budget”")
    page.get_by_role("link", name="Older →").click()
    page.wait_for_selector("text=page 2 of 3")
    assert "q=budget" in page.url and "page=2" in page.url
    context.close()
