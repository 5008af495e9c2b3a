"""Attributions in Chromium (issue 19): an editor marks a statement with its key and links it
to its cue from the keyboard; opening a source lists and outlines what it is said to say;
opening a statement outlines its cue and that cue's source."""

import pytest

from annotations.models import Claim
from tests.browser.conftest import log_in, select_text
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OBSERVED = (
    "the United States has observed what appeared to be Russian special operations forces "
    "and drones at Sidi Barrani"
)


def rule_claim(article, phrase, slug):
    """The rules' one claim of `slug` (the seed article is analysed) beginning with `phrase`."""
    (found,) = [
        c
        for c in Claim.objects.filter(article=article, label__slug=slug)
        if article.text[c.start : c.end].startswith(phrase)
    ]
    return found


def open_article(page, user, article, query="") -> None:
    log_in(page, user.username, PASSWORD)
    page.goto(article.get_absolute_url() + query)
    page.locator("#article-text").wait_for()
    page.wait_for_load_state("networkidle")


def test_it_marks_a_statement_and_links_it_to_its_cue_with_the_keyboard(page, editor, seed_article):
    # The rules' statements out of the way: marking over one would accept it instead.
    Claim.objects.filter(article=seed_article, label__slug="statement").delete()
    said = rule_claim(seed_article, "said", "reporting")
    describing = rule_claim(seed_article, "describing", "reporting")
    open_article(page, editor, seed_article)

    select_text(page, OBSERVED)
    page.keyboard.press("s")
    cue_list = page.locator("#claim-panel #cf-cue")
    cue_list.wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'cf-cue'")
    # The nearest cue of its paragraph is preselected, not yet saved.
    assert cue_list.input_value() == str(said.pk)
    statement = Claim.objects.get(article=seed_article, label__slug="statement")
    assert statement.cue_id is None
    page.locator("#claim-panel").get_by_text("Rests on no one: link it to its cue").wait_for()

    # The arrows choose (down to the next cue, back up to "said"), Enter saves.
    page.keyboard.press("ArrowDown")
    assert cue_list.input_value() != str(said.pk)
    page.keyboard.press("ArrowUp")
    assert cue_list.input_value() == str(said.pk)
    page.keyboard.press("Enter")
    page.locator("#claim-panel .rests-on", has_text="Rests on: The U.S. officials").wait_for()
    statement.refresh_from_db()
    assert statement.cue_id == said.pk

    # After a reload, the link is there: the panel says whom it rests on, the text outlines
    # the cue and its source.
    page.goto(seed_article.get_absolute_url() + f"?claim={statement.pk}#claim-panel")
    rests = page.locator("#claim-panel .rests-on")
    rests.wait_for()
    assert rests.inner_text() == "Rests on: The U.S. officials (Anonymous source) via “said”"
    assert page.locator("#cf-cue").input_value() == str(said.pk)
    officials = rule_claim(seed_article, "The U.S. officials", "anonymous_source")
    for claim in (said, officials):
        page.locator(f'#article-text mark.linked[data-claims~="{claim.pk}"]').first.wait_for()
    assert page.locator(f'#article-text mark.linked[data-claims~="{describing.pk}"]').count() == 0

    # The workbench's keys work on it as on any claim, and keep its link: } gives up the
    # last word (the panel posts its cue with the moved span), z undoes that.
    before = (statement.start, statement.end)
    page.keyboard.press("}")
    page.get_by_text("Saved: the span moved.").wait_for()
    statement.refresh_from_db()
    assert seed_article.text[statement.start : statement.end].endswith("at Sidi")
    assert statement.cue_id == said.pk
    page.keyboard.press("z")
    page.get_by_text("Undone.").wait_for()
    statement.refresh_from_db()
    assert ((statement.start, statement.end), statement.cue_id) == (before, said.pk)


def test_it_lists_and_outlines_a_source_s_statements(page, editor, seed_article):
    sources = rule_claim(seed_article, "Egyptian security sources", "anonymous_source")
    unit = rule_claim(seed_article, "a 22-member Russian special forces unit", "statement")
    base = rule_claim(seed_article, "Russia also used another Egyptian base", "statement")
    observed = rule_claim(seed_article, "the United States has observed", "statement")
    open_article(page, editor, seed_article)

    # The source's name in the Sources panel opens it.
    page.locator("#sources li.source > strong").get_by_role(
        "link", name="Egyptian security sources"
    ).click()
    panel = page.locator(f'#claim-panel[data-claim-id="{sources.pk}"]')
    panel.wait_for()
    listed = panel.locator(".attributions")
    listed.get_by_text("What this source is said to say").wait_for()
    # Its cues with their statements, "They added" among them (a mention of the same source).
    for statement in (unit, base):
        link = listed.locator(f'a[data-open-claim="{statement.pk}"]')
        assert link.inner_text().startswith("“" + seed_article.text[statement.start :][:20])
        page.locator(f'#article-text mark.linked[data-claims~="{statement.pk}"]').first.wait_for()
    assert "They added (Reporting cue)" in listed.inner_text()
    # Another source's statement is neither listed nor outlined.
    assert listed.locator(f'a[data-open-claim="{observed.pk}"]').count() == 0
    assert page.locator(f'#article-text mark.linked[data-claims~="{observed.pk}"]').count() == 0

    # A statement listed opens; it says whom it rests on.
    listed.locator(f'a[data-open-claim="{base.pk}"]').click()
    page.locator(f'#claim-panel[data-claim-id="{base.pk}"]').wait_for()
    assert page.locator("#claim-panel .rests-on").inner_text() == (
        "Rests on: Egyptian security sources (Anonymous source) via “added”"
    )
    page.keyboard.press("Escape")
    assert page.locator("#article-text mark.linked").count() == 0


def test_a_cue_inside_a_statement_stays_visible_and_opens_on_a_click(page, editor, seed_article):
    denial = rule_claim(seed_article, "denied the claims", "denial")
    statement = rule_claim(seed_article, "the claims of any Russian troops", "statement")
    open_article(page, editor, seed_article)
    # "the claims" lies in both: the denial is drawn (filled) and opens on a click, with the
    # statement's line beneath it.
    overlap = page.locator(
        f'#article-text mark[data-claim="{denial.pk}"][data-claims~="{statement.pk}"]'
    )
    assert "within" in overlap.get_attribute("class")
    fill = overlap.evaluate("m => getComputedStyle(m).backgroundColor")
    assert fill not in ("rgba(0, 0, 0, 0)", "transparent")
    # The statement's own words have no fill, only the line beneath.
    alone = page.locator(f'#article-text mark[data-claim="{statement.pk}"]', has_text="of any")
    assert alone.evaluate("m => getComputedStyle(m).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert "gradient" in alone.evaluate("m => getComputedStyle(m).backgroundImage")
    overlap.click()
    page.locator(f'#claim-panel[data-claim-id="{denial.pk}"]').wait_for()
    # Opened, the denial outlines its statement: a tint over its words, not a box per piece.
    linked = page.locator(f'#article-text mark.linked.of-statement[data-claim="{statement.pk}"]')
    linked.first.wait_for()
    assert linked.first.evaluate("m => getComputedStyle(m).outlineStyle") == "none"
    alone.click()
    page.locator(f'#claim-panel[data-claim-id="{statement.pk}"]').wait_for()
    assert page.locator("#claim-panel .rests-on").inner_text() == (
        "Rests on: Egypt (Named source) via “denied the claims”"
    )
