"""The whole UI under the strict Content-Security-Policy, as served in production."""

import pytest

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/articles/",
    "/queue/",
    "/dashboard/",
    "/articles/new/",
    "/articles/upload/",
    "/export/",
    "/labels/",
    "/team/",
    "/accounts/tokens/",
    "/accounts/password/",
    "/api/v1/docs",
]


def test_no_page_violates_the_policy(page, admin_user, seed_article, console_problems):
    response = page.goto("/accounts/login/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    log_in(page, admin_user.username, PASSWORD)

    visited = []
    for url in [*PAGES, seed_article.get_absolute_url()]:
        response = page.goto(url)
        assert response.status == 200, url
        assert "unsafe-inline" not in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")
        visited.append((url, page.evaluate("window.__cspViolations")))
    # The article page's script ran (it carries the nonce): selecting text offers labels.
    page.locator("#article-text").wait_for()
    # An htmx round trip under the policy: search the article list.
    page.goto("/articles/")
    page.get_by_role("searchbox").first.fill(seed_article.title.split()[0])
    page.wait_for_load_state("networkidle")
    visited.append(("/articles/ search", page.evaluate("window.__cspViolations")))
    assert all(not violations for _, violations in visited), visited

    # The listener works and the policy is enforced: an injected inline script is blocked.
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__ran = true'; document.body.append(s); }"""
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None
    [violation] = page.evaluate("window.__cspViolations")
    assert violation.startswith("script-src")
    # Expected here: take the console errors it caused off the failure list.
    console_problems[:] = [
        p
        for p in console_problems
        if "Content Security Policy" not in p and "CSP violation" not in p
    ]
