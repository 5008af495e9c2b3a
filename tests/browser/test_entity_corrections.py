"""Entity corrections in Chromium: selection offsets (emoji, Arabic), reject, live polling."""

import pytest

from annotations.analysis import analyse_articles
from entities.models import EntityMention
from newsroom.importer import articles_import
from newsroom.models import Article
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "🇺🇦👩‍👩‍👧 Reporters from the Kyiv Independent travelled with Angela Merkel.\n\n"
    "قال المتحدث محمد عباس إن الاجتماع سيعقد غدا.\n\n"
    "Cafe\u0301 owners in Lyon welcomed the visit."
)

SELECT = """([phrase, occurrence]) => {
  const container = document.getElementById('article-text');
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  let seen = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.data.indexOf(phrase);
    if (at >= 0 && seen++ === occurrence) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + phrase.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      node.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
      return true;
    }
  }
  return false;
}"""


@pytest.fixture
def article(db):
    articles_import(records=[(1, {"title": "Multiscript", "text": TEXT})])
    article = Article.objects.get()
    analyse_articles(article_ids=[article.pk])
    return article


def tag(page, phrase: str, label: str) -> None:
    assert page.evaluate(SELECT, [phrase, 0]), f"{phrase!r} not found in one text node"
    form = page.locator("#add-mention")
    form.wait_for(state="visible")
    assert page.locator("#selection-preview").inner_text() == f"“{phrase}”"
    form.locator("select[name=label]").select_option(label)
    form.get_by_role("button", name="Add entity").click()


def test_tagging_after_emoji_and_in_arabic_stores_code_point_offsets(page, admin_user, article):
    log_in(page, admin_user.username, PASSWORD)
    page.goto(article.get_absolute_url())

    tag(page, "محمد عباس", "PERSON")
    page.locator("#article-text mark", has_text="محمد عباس").wait_for()
    arabic = EntityMention.objects.get(article=article, origin="editor", label="PERSON")
    assert (arabic.start, arabic.end) == (TEXT.index("محمد عباس"), TEXT.index("محمد عباس") + 9)

    tag(page, "Kyiv Independent", "ORG")
    page.locator("#mention-panel", has_text="“Kyiv Independent”").wait_for()
    kyiv = EntityMention.objects.get(article=article, label="ORG", status="accepted")
    start = TEXT.index("Kyiv")
    assert (kyiv.start, kyiv.end) == (start, start + len("Kyiv Independent"))
    # Code points, not the UTF-16 units the browser counts (27 against 32 here).
    assert (start, len(TEXT[:start].encode("utf-16-le")) // 2) == (27, 32)


def test_clicking_a_highlight_opens_it_and_reject_removes_it(page, admin_user, article):
    merkel = EntityMention.objects.get(article=article, start=TEXT.index("Angela Merkel"))
    log_in(page, admin_user.username, PASSWORD)
    page.goto(article.get_absolute_url())
    page.locator(f'#article-text mark[data-ent="{merkel.pk}"]').first.click()
    panel = page.locator("#mention-panel")
    panel.get_by_text("“Angela Merkel”").wait_for()
    panel.get_by_role("button", name="Reject").click()
    page.locator(f'#article-text mark[data-ent="{merkel.pk}"]').first.wait_for(state="detached")
    merkel.refresh_from_db()
    assert merkel.status == "rejected" and merkel.updated_by == admin_user


def test_the_page_updates_itself_when_analysis_finishes(page, admin_user, article):
    EntityMention.objects.all().delete()
    Article.objects.filter(pk=article.pk).update(analysis_state="pending")
    log_in(page, admin_user.username, PASSWORD)
    page.goto(article.get_absolute_url())
    page.get_by_text("Waiting for analysis").wait_for()
    assert page.locator("#article-text mark").count() == 0

    analyse_articles(article_ids=[article.pk])
    page.get_by_text("Pre-tagged by spaCy").wait_for(timeout=10_000)
    page.locator("#article-text mark", has_text="Angela Merkel").wait_for()
    assert page.locator("#analysis[hx-trigger]").count() == 0  # polling stopped


def test_escape_cancels_a_selection(page, admin_user, article):
    log_in(page, admin_user.username, PASSWORD)
    page.goto(article.get_absolute_url())
    assert page.evaluate(SELECT, ["Lyon", 0])
    page.locator("#add-mention").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator("#add-mention").wait_for(state="hidden")
