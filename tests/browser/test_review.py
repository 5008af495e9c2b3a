"""The review round in Chromium: submit, send back with a comment, resubmit, approve."""

import pytest

from newsroom.models import Article
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_submit_send_back_resubmit_approve(browser, live_server, editor, admin_user, seed_article):
    url = seed_article.get_absolute_url()
    contexts = [browser.new_context(base_url=live_server.url) for _ in range(2)]
    ed, ad = (c.new_page() for c in contexts)
    log_in(ed, editor.username, PASSWORD)
    log_in(ad, admin_user.username, PASSWORD)
    review = "#review"

    ed.goto(url)
    ed.locator(review).get_by_role("button", name="Submit for review").click()
    ed.get_by_text("the article is now in review").wait_for()

    # The admin finds it in the queue and sends it back with a comment.
    ad.goto("/queue/")
    ad.get_by_role("link", name=seed_article.title).click()
    panel = ad.locator(review)
    panel.get_by_placeholder("What needs changing (required)").fill(
        "Say who the Egyptian security sources are, as far as you can."
    )
    panel.get_by_role("button", name="Send back").click()
    ad.get_by_text("the article went back to its editor with changes requested").wait_for()

    # The editor sees the comment on the article and resubmits.
    ed.goto(url)
    ed.locator(review).get_by_text("Say who the Egyptian security sources are").wait_for()
    assert "Changes requested" in ed.locator(review).inner_text()
    ed.locator(review).get_by_role("button", name="Submit for review").click()
    ed.get_by_text("the article is now in review").wait_for()

    ad.goto(url)
    ad.locator(review).get_by_role("button", name="Approve").click()
    ad.get_by_text("the article is now approved").wait_for()
    assert Article.objects.get(pk=seed_article.pk).status == "approved"
    # Approved: the editor's page has no label picker any more.
    ed.goto(url)
    ed.get_by_text("read-only until an admin reopens").wait_for()
    assert ed.locator("#claim-create").count() == 0
    for context in contexts:
        context.close()
