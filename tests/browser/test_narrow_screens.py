"""On a phone (390 px wide) no page scrolls sideways: the nav wraps, wide tables scroll in their
own box, long URLs wrap (issue 18, "Phones and narrow windows")."""

import pytest
from django.urls import reverse

from newsroom.importer import articles_import
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

LONG_URL = "https://en.wikinews.org/wiki/" + "A_very_long_title_of_a_news_story_" * 6


@pytest.mark.parametrize(
    "name", ["article_list", "article_detail", "dashboard", "review_queue", "corpus_export"]
)
def test_no_page_scrolls_sideways_at_390_px(page, admin_user, seed_article, name):
    articles_import(
        records=[(1, {"title": "A story with a long source", "text": "Words.", "url": LONG_URL})]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, admin_user.username, PASSWORD)
    args = [seed_article.pk] if name == "article_detail" else []
    page.goto(reverse(name, args=args))
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name} is {width} px wide"
    nav = page.get_by_role("navigation", name="Main")
    box = nav.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
