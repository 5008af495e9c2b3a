"""Sources and duplicates in Chromium: one claim per selection whatever keys follow, and an
editor merging and splitting sources on the annotate page."""

import pytest

from annotations.models import Claim, Source
from newsroom.importer import articles_import
from newsroom.models import Article
from tests.browser.conftest import log_in, select_text
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Paul Dewar said the road would close. Officials said it would not.\n\n"
    "Mr. Dewar added that he had asked twice. A spokeswoman for the city declined to comment."
)


@pytest.fixture
def article(db):
    articles_import(records=[(1, {"title": "Road", "text": TEXT})])
    article = Article.objects.get()
    # No rule suggestions (nor their sources): the editor's claims only.
    Claim.objects.filter(article=article).delete()
    Source.objects.filter(article=article).delete()
    return article


def open_article(page, user, article) -> None:
    log_in(page, user.username, PASSWORD)
    page.goto(article.get_absolute_url())
    page.locator("#article-text").wait_for()


def test_a_then_n_on_one_selection_makes_one_claim(page, editor, article):
    open_article(page, editor, article)
    select_text(page, "Officials")
    page.keyboard.press("a")
    page.keyboard.press("n")  # before or after the answer: the selection is used up
    page.locator("#claim-panel").get_by_text("“Officials”").wait_for()
    page.wait_for_load_state("networkidle")
    assert [c.label.slug for c in Claim.objects.filter(article=article)] == ["anonymous_source"]
    assert page.locator("#selection-preview").is_hidden()


def test_merge_and_split_sources(page, editor, article):
    open_article(page, editor, article)
    for phrase in ("Paul Dewar", "Mr. Dewar", "A spokeswoman for the city"):
        select_text(page, phrase)
        page.keyboard.press("n")
        page.locator("#claim-panel").get_by_text(f"“{phrase}”").wait_for()
        # The side panels refresh after each claim; let them finish (the test database is
        # one SQLite connection shared by the live server's threads).
        page.wait_for_load_state("networkidle")
    panel = page.locator("#sources")
    # The panel shows the last claim too: a refresh asked for while the previous one was
    # still loading replaces it (hx-sync) instead of being dropped, as it was.
    panel.get_by_label("Merge", exact=True).locator(
        "option", has_text="A spokeswoman for the city"
    ).wait_for(state="attached")
    # "Mr. Dewar" joined "Paul Dewar" by itself: two sources, the first with two mentions.
    panel.get_by_text("2 mentions").wait_for()
    assert Source.objects.filter(article=article).count() == 2

    # The spokeswoman is Dewar, say the editor: merge.
    spokeswoman = Claim.objects.get(article=article, start=TEXT.index("A spokeswoman"))
    panel.get_by_label("Merge", exact=True).select_option(label="A spokeswoman for the city")
    panel.get_by_label("into", exact=True).select_option(label="Paul Dewar")
    panel.get_by_role("button", name="Merge the two").click()
    page.get_by_text("Merged: 1 mention moved.").wait_for()
    assert Source.objects.filter(article=article).count() == 1
    page.locator("#sources").get_by_text("3 mentions").wait_for()

    # No, she is not: split her off again.
    page.locator("#sources").get_by_role(
        "button", name="Split “A spokeswoman for the city” off Paul Dewar"
    ).click()
    page.get_by_text("Split off: the mention is a source of its own.").wait_for()
    spokeswoman.refresh_from_db()
    dewar = Claim.objects.get(article=article, start=0)
    assert spokeswoman.source_id != dewar.source_id
    assert Source.objects.filter(article=article).count() == 2
