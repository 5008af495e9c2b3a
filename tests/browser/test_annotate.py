"""Marking sourcing claims in Chromium: keys, attributes, offsets, conflicts, hostile text."""

import pytest

from annotations.models import Claim
from newsroom.importer import articles_import
from newsroom.models import Article
from tests.browser.conftest import log_in, select_text
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MULTI = (
    "Witnesses posted 🎥🔥 videos as 👩🏽‍🚒 crews arrived, officials said.\n\n"
    "قال مسؤولون طلبوا عدم الكشف عن هويتهم إن الحريق بدأ ليلا.\n\n"
    "The mayor declined to comment."
)


@pytest.fixture
def seed(seed_article):
    """The seed article with no rule suggestions: these tests count the editor's claims."""
    Claim.objects.filter(article=seed_article).delete()
    return seed_article


def open_article(page, user, article) -> None:
    log_in(page, user.username, PASSWORD)
    page.goto(article.get_absolute_url())
    page.locator("#article-text").wait_for()


def test_label_with_a_key_reload_edit_and_delete(page, editor, seed, expected_dialogs):
    open_article(page, editor, seed)
    phrase = "U.S. officials, who spoke on condition of anonymity"
    select_text(page, phrase)
    page.keyboard.press("a")
    panel = page.locator("#claim-panel")
    panel.get_by_text(f"“{phrase}”").wait_for()

    page.reload()
    claim = Claim.objects.get()
    start = seed.text.index(phrase)
    assert (claim.start, claim.end, claim.label.slug, claim.author) == (
        start,
        start + len(phrase),
        "anonymous_source",
        editor,
    )
    assert page.locator(f'#article-text mark[data-claim="{claim.pk}"]').count() >= 1

    page.locator(f'[data-claim-link="{claim.pk}"]').click()
    panel.get_by_label("Anonymity reason").fill("not authorised to discuss the deployment")
    panel.get_by_label("Affiliation").fill("U.S. government")
    panel.get_by_label("Sources").fill("2")
    panel.get_by_role("button", name="Save").click()
    panel.get_by_text("version 2").wait_for()
    claim.refresh_from_db()
    assert (claim.anonymity_reason, claim.affiliation, claim.source_count) == (
        "not authorised to discuss the deployment",
        "U.S. government",
        2,
    )

    expected_dialogs.append("Delete this claim?")  # it asks first
    panel.get_by_role("button", name="Delete claim").click()
    page.get_by_text("No claims yet.").wait_for()
    assert not Claim.objects.exists()


def test_offsets_after_emoji_and_in_arabic(page, editor, db):
    articles_import(records=[(1, {"title": "Fire", "text": MULTI})])
    article = Article.objects.get()
    open_article(page, editor, article)
    for phrase, key in [("officials said", "n"), ("مسؤولون طلبوا عدم الكشف عن هويتهم", "a")]:
        select_text(page, phrase)
        page.keyboard.press(key)
        page.locator("#claim-panel").get_by_text(f"“{phrase}”").wait_for()
    got = {article.text[c.start : c.end]: (c.start, c.end) for c in Claim.objects.by(editor)}
    for phrase in ("officials said", "مسؤولون طلبوا عدم الكشف عن هويتهم"):
        start = MULTI.index(phrase)
        assert got[phrase] == (start, start + len(phrase))
    # Five astral code points (🎥 🔥 👩 🏽 🚒) come before "officials": the browser counts 5
    # more UTF-16 units than there are code points, and the server got the code points.
    start = MULTI.index("officials said")
    assert len(MULTI[:start].encode("utf-16-le")) // 2 - start == 5


def test_two_tabs_editing_the_same_claim_show_a_conflict(browser, live_server, editor, seed):
    from annotations.claims import claim_create
    from annotations.models import Label

    start = seed.text.index("allegedly")
    claim = claim_create(
        article=seed,
        start=start,
        end=start + 9,
        label=Label.objects.get(slug="hedge"),
        author=editor,
    )
    context = browser.new_context(base_url=live_server.url)
    first, second = context.new_page(), context.new_page()
    log_in(first, editor.username, PASSWORD)
    url = seed.get_absolute_url() + f"?claim={claim.pk}"
    for tab in (first, second):
        tab.goto(url)
    first.locator("#claim-panel").get_by_label("Note").fill("checked against the wire copy")
    first.locator("#claim-panel").get_by_role("button", name="Save").click()
    first.locator("#claim-panel").get_by_text("version 2").wait_for()

    second.locator("#claim-panel").get_by_label("Note").fill("my older edit")
    second.locator("#claim-panel").get_by_role("button", name="Save").click()
    second.get_by_text("since you opened it").wait_for()
    assert (
        second.locator("#claim-panel").get_by_label("Note").input_value()
        == "checked against the wire copy"
    )
    claim.refresh_from_db()
    assert (claim.note, claim.version) == ("checked against the wire copy", 2)
    context.close()


def test_escape_cancels_and_question_mark_shows_the_shortcuts(page, editor, seed):
    open_article(page, editor, seed)
    select_text(page, "allegedly")
    page.locator("#selection-preview").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator("#selection-preview").wait_for(state="hidden")
    page.keyboard.press("h")  # no selection: nothing happens
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-dialog")
    dialog.get_by_text("mark the selection as Anonymous source").wait_for()
    dialog.get_by_role("button", name="Close").click()
    assert not Claim.objects.exists()


def test_a_refused_action_shows_a_message(page, console_problems, editor, other_editor, seed):
    from annotations.claims import claim_create
    from annotations.models import Label

    start = seed.text.index("allegedly")
    claim = claim_create(
        article=seed,
        start=start,
        end=start + 9,
        label=Label.objects.get(slug="hedge"),
        author=editor,
    )
    open_article(page, editor, seed)
    page.locator(f'#article-text mark[data-claim="{claim.pk}"]').first.click()
    page.locator("#claim-panel").get_by_label("Note").wait_for()
    # Meanwhile an admin hands the claim to someone else; this editor may no longer change it.
    Claim.objects.filter(pk=claim.pk).update(author=other_editor)
    page.locator("#claim-panel").get_by_role("button", name="Save").click()
    page.locator("#toast").get_by_text("You are not allowed to do that").wait_for()
    console_problems[:] = [p for p in console_problems if "403" not in p]  # provoked
    claim.refresh_from_db()
    assert claim.version == 1


def test_reviewing_suggestions_with_the_keys(page, console_problems, editor, seed_article):
    text = seed_article.text
    reuters, officials = text.index("Reuters"), text.index("The U.S. officials")
    first = Claim.objects.get(article=seed_article, start=reuters, label__slug="outlet")
    second = Claim.objects.get(
        article=seed_article, start=officials, label__slug="anonymous_source"
    )
    open_article(page, editor, seed_article)
    page.locator(f'#article-text mark[data-claim="{first.pk}"]').first.click()
    panel = page.locator("#claim-panel")
    panel.get_by_text("suggested by the sourcing rules").wait_for()

    page.keyboard.press("y")  # accept: the panel moves on to the next suggestion
    panel.get_by_text("Accepted “Reuters” (Outlet). Next suggestion:").wait_for()
    page.locator(f'#article-text mark.cst-accepted[data-claim="{first.pk}"]').wait_for()
    first.refresh_from_db()
    assert (first.status, first.author) == ("accepted", editor)

    # Move on to "The U.S. officials" and reject it with x: it leaves the text.
    page.locator(f'[data-claim-link="{second.pk}"]').click()
    panel.get_by_text("“The U.S. officials”").wait_for()
    page.keyboard.press("x")
    panel.get_by_text("Rejected “The U.S. officials”").wait_for()
    page.locator(f'#article-text mark[data-claim="{second.pk}"]').wait_for(state="detached")
    second.refresh_from_db()
    assert second.status == "rejected"

    page.reload()
    hedges = Claim.objects.filter(article=seed_article, label__slug="hedge", status="suggested")
    count = hedges.count()
    page.locator(f'#article-text mark[data-claim="{hedges.first().pk}"]').first.click()
    panel.get_by_role("button", name=f"Accept all {count} suggested “Hedge”").click()
    panel.get_by_text(f"Accepted {count} Hedge suggestions.").wait_for()
    assert not hedges.exists()
    assert console_problems == []


def test_hostile_article_text_runs_no_script(page, editor, db):
    hostile = (
        "<script>alert('xss')</script>\n\n<img src=x onerror=alert('img')>\n\n"
        '<a href="javascript:alert(1)">click</a> </textarea><svg onload=alert(2)>'
    )
    articles_import(records=[(1, {"title": "<img src=y onerror=alert('title')>", "text": hostile})])
    article = Article.objects.get()
    open_article(page, editor, article)
    assert page.locator("#article-text").inner_text() == hostile
    assert page.locator("#article-text script, #article-text img, #article-text svg").count() == 0
    select_text(page, "<script>alert('xss')</script>")
    page.keyboard.press("u")
    page.locator("#claim-panel").get_by_text("“<script>alert('xss')</script>”").wait_for()
    page.goto("/articles/")
    page.get_by_role("link", name="<img src=y onerror=alert('title')>").wait_for()
    # The page fixture fails the test on any dialog or page error.
