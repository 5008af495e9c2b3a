"""Playwright (Python) driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    """Live-server tests flush the database between tests; roles and labels come back."""


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are
    # still synchronous, so Django's async-safety guard would refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run scripts/ensure-chromium (make test does)."
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def console_problems() -> list[str]:
    """Console errors, page errors and dialogs seen by `page`; a test that provokes one on
    purpose removes it from this list."""
    return []


# Every document records Content-Security-Policy violations in window.__cspViolations, and
# logs them as console errors (which the `page` fixture turns into failures).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  const v = `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`;
  window.__cspViolations.push(v);
  console.error('CSP violation: ' + v);
});
"""


@pytest.fixture
def expected_dialogs() -> list[str]:
    """The beginnings of the dialogs a test expects (e.g. a deletion's "Delete the"): those
    are accepted; any other dialog is dismissed and fails the test."""
    return []


@pytest.fixture
def page(browser, live_server, request, console_problems, expected_dialogs):
    """A fresh tab; console errors (CSP violations included) and page errors fail the test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = console_problems
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def on_dialog(dialog) -> None:
        if any(dialog.message.startswith(start) for start in expected_dialogs):
            dialog.accept()
        else:
            problems.append(f"dialog: {dialog.message}")
            dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert problems == [], problems


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/articles/")


_SELECT = """(phrase) => {
  const container = document.getElementById('article-text');
  const at = container.textContent.indexOf(phrase);
  if (at < 0) return false;
  const locate = (pos) => {
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    let seen = 0;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (pos <= seen + node.data.length) return [node, pos - seen];
      seen += node.data.length;
    }
  };
  const [startNode, startOffset] = locate(at);
  const [endNode, endOffset] = locate(at + phrase.length);
  const range = document.createRange();
  range.setStart(startNode, startOffset);
  range.setEnd(endNode, endOffset);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  container.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
  return true;
}"""


def select_text(page, phrase: str) -> None:
    """Select `phrase` in the article text as a user would (it may span several marks)."""
    assert page.evaluate(_SELECT, phrase), f"{phrase!r} is not in the article text"
