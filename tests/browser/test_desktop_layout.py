"""On a 1440 px desktop: the dashboard's tables fit their cards with every heading whole, its
month fields are plain text fields that say their format, and the queue's filters keep their
Filter button on their line (issue 18, "Phones and narrow windows")."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotations.models import Claim, Label
from annotations.stats import article_sourcing_refresh
from newsroom.models import Article, Outlet, content_hash
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
LONG_OUTLET = "The Australian Broadcasting Corporation's Regional News Service"


@pytest.fixture
def scored(editor):
    """Articles of two outlets (one with a long name) in review, with figures."""
    outlets = [Outlet.objects.create(name=LONG_OUTLET), Outlet.objects.create(name="AP")]
    labels = {label.slug: label for label in Label.objects.all()}
    ids = []
    for n in range(6):
        text = f"Report {n}. " + "Officials said the talks went on. " * 30
        article = Article.objects.create(
            title=f"Report {n}",
            text=text,
            content_hash=content_hash(text),
            outlet=outlets[n % 2],
            status="in_review",
        )
        slugs = ["named_source", "anonymous_source", "outlet", "denial", "hedge", "unattributed"]
        Claim.objects.bulk_create(
            Claim(article=article, start=2 * i, end=2 * i + 1, label=labels[slug], author=editor)
            for i, slug in enumerate(slugs[: n + 1] * 3)
        )
        ids.append(article.pk)
    article_sourcing_refresh(article_ids=ids)


def test_the_dashboard_tables_fit_their_cards_with_every_heading_whole(page, admin_user, scored):
    page.set_viewport_size(DESKTOP)
    log_in(page, admin_user.username, PASSWORD)
    for group in ("outlet", "editor", "month"):
        page.goto(f"{reverse('dashboard')}?group={group}")
        # The figures, what the words rest on and the flags, each in its own box.
        boxes = page.eval_on_selector_all(
            ".table-scroll", "boxes => boxes.map(b => [b.scrollWidth, b.clientWidth])"
        )
        assert len(boxes) == 3
        for scroll, client in boxes:
            assert scroll <= client, f"by {group}: a table is {scroll} px in a {client} px card"
        cut = page.evaluate(
            """() => [...document.querySelectorAll('.dashboard-table th, .dashboard-table td')]
                .filter(cell => cell.scrollWidth > cell.clientWidth)
                .map(cell => cell.textContent.trim())"""
        )
        assert cut == [], f"by {group}: cut {cut}"
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_the_month_fields_say_their_format_and_keep_what_was_typed(page, admin_user, scored):
    page.set_viewport_size(DESKTOP)
    log_in(page, admin_user.username, PASSWORD)
    page.goto(reverse("dashboard"))
    since, until = page.get_by_label("From month"), page.get_by_label("to", exact=True)
    for field in (since, until):
        assert field.get_attribute("type") == "text"  # no "--------- ----" to puzzle over
        assert field.get_attribute("placeholder") == "YYYY-MM"
        assert field.input_value() == ""
    since.fill("2020-01")
    until.fill("2099-12")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**from=2020-01**")
    expect(since).to_have_value("2020-01")
    expect(until).to_have_value("2099-12")
    assert "All articles matching: 6" in page.locator("#total-title").inner_text()
    # A month in another shape is stopped by the browser, which names the format.
    since.fill("Jan 2020")
    page.get_by_role("button", name="Filter").click()
    assert since.evaluate("field => field.validity.patternMismatch")
    assert "2020-01" in page.url


def test_the_queue_filter_button_stays_on_its_line(page, admin_user, editor, scored):
    page.set_viewport_size(DESKTOP)
    log_in(page, admin_user.username, PASSWORD)
    page.goto(reverse("review_queue"))
    outlet = page.locator("#f-outlet")
    button = page.locator(".queue-filters").get_by_role("button", name="Filter")
    expect(outlet.locator("option", has_text=LONG_OUTLET)).to_be_attached()
    first, last = outlet.bounding_box(), button.bounding_box()
    assert abs((first["y"] + first["height"] / 2) - (last["y"] + last["height"] / 2)) < 4
    form = page.locator(".queue-filters").bounding_box()
    assert last["x"] + last["width"] <= form["x"] + form["width"] + 1
