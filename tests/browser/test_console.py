"""A quiet console (issue 18): no CSP violation and no htmx error on any page, as an editor and
as an admin, through the htmx actions an afternoon of annotating goes through.

Every step's problems are collected (CSP violations from the `securitypolicyviolation`
listener, htmx's error events, console errors and page errors) and the test fails once at
the end with all of them, each under the page or action that caused it.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from annotations.analysis import analyse_articles
from annotations.models import Claim
from annotations.review import article_assign
from newsroom.importer import articles_import
from newsroom.models import AnalysisState, Article
from tests.browser.conftest import log_in, select_text
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every error event htmx 2 raises (htmx's triggerErrorEvent), and what each reports about
# itself. A refusal the app answers on purpose is not among them: 409 and 422 are swapped
# as ordinary answers (base.html's htmx config).
HTMX_ERRORS = [
    "htmx:oobErrorNoTarget",
    "htmx:targetError",
    "htmx:swapError",
    "htmx:responseError",
    "htmx:sendError",
    "htmx:sendAbort",
    "htmx:timeout",
    "htmx:onLoadError",
    "htmx:evalDisallowedError",
    "htmx:invalidPath",
    "htmx:badResponseUrl",
    "htmx:syntax:error",
    "htmx:eventFilter:error",
    "htmx:historyCacheError",
    "htmx:historyCacheMissLoadError",
]
HTMX_LISTENER = """
window.__htmxErrors = [];
for (const name of HTMX_ERRORS) {
  document.addEventListener(name, (event) => {
    const d = event.detail || {};
    const target = typeof d.target === 'string' ? d.target : (d.target && d.target.id) || '';
    const path = (d.pathInfo && d.pathInfo.requestPath) || '';
    const status = (d.xhr && d.xhr.status) || '';
    window.__htmxErrors.push(`${name} target=${target} ${path} ${status}`.trim());
  });
}
""".replace("HTMX_ERRORS", json.dumps(HTMX_ERRORS))

SHORT = "The council met on Monday. A spokesman said the budget would pass."


class Console:
    """What the browser reported, step by step."""

    def __init__(self, page, console_problems: list[str]) -> None:
        self.page = page
        self.console = console_problems
        self.read = 0
        self.found: dict[str, list[str]] = {}
        self.failed: list[
            str
        ] = []  # which resources answered 4xx/5xx (the console says only that one did)
        page.context.add_init_script(HTMX_LISTENER)
        self.in_flight = 0
        self.last_activity = time.monotonic()
        page.on("request", lambda request: self._activity(+1))
        page.on("requestfinished", lambda request: self._activity(-1))
        page.on("requestfailed", lambda request: self._activity(-1))
        page.on(
            "response",
            lambda r: (
                self.failed.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )

    def _activity(self, change: int) -> None:
        self.in_flight += change
        self.last_activity = time.monotonic()

    def check(self, step: str) -> None:
        """Let requests and swaps finish, then note what this document reported so far."""
        # Playwright's "networkidle" is a state a page reaches once after loading; htmx's
        # requests come later. Wait until none is in flight and none ended for a while.
        self.page.wait_for_load_state("networkidle")
        deadline = time.monotonic() + 20
        while self.in_flight or time.monotonic() - self.last_activity < 0.4:
            assert time.monotonic() < deadline, f"{step}: requests still in flight"
            self.page.wait_for_timeout(100)
        problems = self.page.evaluate(
            "() => [...(window.__cspViolations || []), ...(window.__htmxErrors || [])]"
        )
        self.page.evaluate(
            "() => { window.__cspViolations && (window.__cspViolations.length = 0);"
            " window.__htmxErrors && (window.__htmxErrors.length = 0); }"
        )
        problems += self.console[self.read :] + self.failed
        self.read = len(self.console)
        self.failed.clear()
        if problems:
            self.found[step] = problems

    def visit(self, url: str, step: str | None = None, wait_for: str | None = None) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        if wait_for:
            self.page.locator(wait_for).first.wait_for()
        self.check(step or url)

    def assert_quiet(self) -> None:
        # Reported here, by step; the `page` fixture need not repeat them.
        self.console.clear()
        assert self.found == {}, json.dumps(self.found, indent=1, ensure_ascii=False)


@pytest.fixture
def corpus(seed_article, editor, other_editor):
    """The analysed seed article (entities and the rules' suggestions), assigned to two
    editors (so the merge page compares them), and enough short articles for a second page."""
    articles_import(
        records=[
            (n, {"title": f"Council {n}", "text": f"{SHORT} Item {n}.", "outlet": "Gazette"})
            for n in range(1, 31)
        ]
    )
    return seed_article


def annotate(console: Console, article, expected_dialogs: list[str]) -> None:
    """The annotate page's htmx actions, in the order an editor meets them."""
    page = console.page
    panel = page.locator("#claim-panel")

    # The page as it is while the analysis runs: it polls, then swaps itself in when done.
    Article.objects.filter(pk=article.pk).update(analysis_state=AnalysisState.PENDING)
    console.visit(article.get_absolute_url(), "annotate page, analysis pending")
    page.get_by_text("Waiting for analysis").wait_for()
    analyse_articles(article_ids=[article.pk])
    page.locator("#analysis:not([hx-trigger])", has_text="Pre-tagged by spaCy").wait_for()
    console.check("the analysis finishes (the page updates itself)")

    select_text(page, "U.S. officials, who spoke on condition of anonymity")
    page.keyboard.press("a")
    # A claim, or the rules' suggestion on that span accepted: either way, the panel shows it.
    panel.locator(".quote", has_text="U.S. officials").wait_for()
    console.check("mark a claim (key a)")

    console.visit(article.get_absolute_url(), "annotate page", wait_for="#article-text")
    select_text(page, "the increasing role that Russia is playing")
    page.keyboard.press("h")
    panel.locator(".quote", has_text="the increasing role").wait_for()
    console.check("mark a claim (key h)")
    panel.get_by_label("Note").fill("Checked against the wire copy.")
    panel.get_by_role("button", name="Save").click()
    panel.get_by_text("version 2").wait_for()
    console.check("edit a claim")
    expected_dialogs.append("Delete this claim?")
    panel.get_by_role("button", name="Delete claim").click()
    panel.locator(".quote").wait_for(state="detached")
    console.check("delete a claim")

    page.locator("#claims-list li:not(.suggested) [data-claim-link]").first.click()
    panel.locator(".quote").wait_for()
    console.check("open a claim from the list")
    page.locator("#article-text mark[data-claim]").first.click()
    panel.locator(".quote").wait_for()
    console.check("open a claim in the text")

    page.locator("#claims-list li.suggested [data-claim-link]").first.click()
    panel.locator("[data-review-key=y]").wait_for()
    console.check("open a suggestion")
    panel.locator("[data-review-key=y]").click()
    panel.locator(".notice").wait_for()
    console.check("accept a suggestion (button)")
    page.keyboard.press("y")
    console.check("accept a suggestion (key y)")
    page.keyboard.press("x")
    console.check("reject a suggestion (key x)")

    select_text(page, "special forces units")
    form = page.locator("#add-mention")
    form.locator("select[name=label]").select_option("ORG")
    form.get_by_role("button", name="Add entity").click()
    mention = page.locator("#mention-panel")
    mention.get_by_text("“special forces units”").wait_for()
    console.check("add an entity")
    mention.locator("select[name=label]").select_option("NORP")
    mention.get_by_role("button", name="Relabel").click()
    mention.get_by_text("NORP: “special forces units”").wait_for()
    console.check("relabel an entity")
    page.locator("#article-text mark[data-ent]").first.click()
    mention.get_by_role("button", name="Reject").wait_for()
    console.check("open an entity")
    mention.get_by_role("button", name="Reject").click()
    console.check("reject an entity")

    page.locator("#sources a.refresh").click()
    console.check("refresh the sources panel")
    page.locator("#rejected > summary").click()
    page.locator("#rejected a.refresh").click()
    console.check("refresh the rejected suggestions")

    page.keyboard.press("?")
    page.locator("#shortcuts-dialog").wait_for()
    page.keyboard.press("Escape")
    console.check("keyboard help")

    reanalyse = page.locator("#analysis").get_by_role("button", name="Re-analyse")
    if reanalyse.count():
        before = page.locator("#analysis").element_handle()
        reanalyse.click()
        page.wait_for_function("element => !element.isConnected", arg=before)
        done = page.locator("#analysis:not([hx-trigger])", has_text="Pre-tagged by spaCy")
        done.wait_for(timeout=20_000)
        console.check("re-analyse")
    # The panels the analysis swapped in must still take a claim's updates.
    select_text(page, "Egyptian security sources")
    page.keyboard.press("a")
    panel.locator(".quote", has_text="Egyptian security sources").wait_for()
    console.check("mark a claim after the analysis")

    review = page.locator("#review")
    review.get_by_placeholder("Comment on this article").fill("Looks sourced.")
    review.get_by_role("button", name="Comment").click()
    page.wait_for_load_state()
    console.check("comment (review panel)")


def lists(console: Console) -> None:
    page = console.page
    console.visit("/articles/", "article list")
    page.locator("#id_q").fill("council")
    page.locator("#results").get_by_text("matching “council”").wait_for()
    console.check("live search")
    page.locator("#id_q").fill("")
    page.locator("#results .count", has_text=re.compile(r"31 articles .*page 1 of 2")).wait_for()
    page.locator("#results").get_by_role("link", name="Older →").click()
    page.locator("#results .count", has_text="page 2 of 2").wait_for()
    console.check("article list, next page (htmx)")


def common_pages(console: Console, article) -> None:
    page = console.page
    console.visit(f"{article.get_absolute_url()}history/", "history")
    console.visit("/queue/", "queue")
    console.visit("/articles/new/", "paste")
    console.visit("/articles/upload/", "upload")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "wire.jsonl",
                "mimeType": "application/json",
                "buffer": json.dumps({"title": "Wire", "text": SHORT + " Wire."}).encode(),
            }
        ],
    )
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/imports/*/")
    page.locator("#job-status").wait_for()
    console.check("import job page")
    console.visit("/export/", "export")
    console.visit("/labels/", "labels")
    console.visit("/accounts/tokens/", "API tokens")
    console.visit("/accounts/password/", "password change")
    console.visit("/api/v1/docs", "API docs", wait_for=".swagger-ui .info .title")


def test_an_editors_session_is_quiet(page, editor, corpus, console_problems, expected_dialogs):
    console = Console(page, console_problems)
    console.visit("/accounts/login/", "login page")
    log_in(page, editor.username, PASSWORD)
    lists(console)
    annotate(console, corpus, expected_dialogs)
    common_pages(console, corpus)
    assert Claim.objects.filter(article=corpus, author=editor).count() >= 2
    console.assert_quiet()


def test_an_admins_session_is_quiet(
    page, admin_user, editor, other_editor, corpus, console_problems, expected_dialogs
):
    article_assign(article=corpus, editor_ids=[editor.pk, other_editor.pk], user=admin_user)
    console = Console(page, console_problems)
    log_in(page, admin_user.username, PASSWORD)
    lists(console)
    annotate(console, corpus, expected_dialogs)
    common_pages(console, corpus)

    console.visit("/dashboard/", "dashboard")
    for tab in page.locator("nav.tabs:not(.basis-tabs) a").all_inner_texts():
        page.locator("nav.tabs:not(.basis-tabs)").get_by_role("link", name=tab).click()
        page.wait_for_load_state()
        console.check(f"dashboard grouped: {tab}")
    page.locator("nav.basis-tabs a").last.click()
    page.wait_for_load_state()
    console.check("dashboard, the other basis")
    console.visit("/dashboard/articles/?basis=estimate", "dashboard articles")
    older = page.locator(".pagination").get_by_role("link", name="Next →")
    if older.count():
        older.click()
        page.wait_for_load_state()
        console.check("dashboard articles, next page")
    console.visit(f"{corpus.get_absolute_url()}merge/", "merge")
    console.visit("/team/", "team")
    page.get_by_label("Username").fill("newbie")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Created newbie").wait_for()
    console.check("team: create account")
    console.visit("/labels/new/", "new label")
    page.goto("/labels/")
    page.locator("table.labels a").first.click()
    page.wait_for_load_state()
    console.check("edit label")
    own_claim = Claim.objects.filter(article=corpus, author=admin_user).first()
    for url in (
        "/admin/",
        "/admin/newsroom/article/",
        f"/admin/newsroom/article/{corpus.pk}/change/",
        f"/admin/newsroom/article/{corpus.pk}/history/",
        "/admin/auth/user/",
        f"/admin/auth/user/{editor.pk}/change/",
        "/admin/annotations/label/",
        "/admin/annotations/claim/",
        f"/admin/annotations/claim/{own_claim.pk}/history/",  # with a history to list
        "/admin/entities/entitymention/",
    ):
        console.visit(url, f"site admin {url}")
    page.locator("form[action$='/logout/'] button").click()
    page.wait_for_url("**/accounts/login/")
    console.check("log out")
    console.assert_quiet()


def test_a_review_key_pressed_twice_at_once_is_quiet(page, editor, seed_article, console_problems):
    console = Console(page, console_problems)
    log_in(page, editor.username, PASSWORD)
    console.visit(seed_article.get_absolute_url(), "annotate page", wait_for="#article-text")
    page.locator("#claims-list li.suggested [data-claim-link]").first.click()
    page.locator("#claim-panel [data-review-key=x]").wait_for()
    page.keyboard.press("x")
    page.keyboard.press("x")  # before the first answer: ignored or queued, never an error
    console.check("x x")
    console.assert_quiet()
