"""Hostile input in Chromium: a corpus of XSS payloads stored everywhere users can type, then
every page that shows them opened with a dialog listener and a `window.__xss` canary.

The payloads (tests/fixtures/xss_payloads.txt) call alert() or set `window.__xss`. They go in
as article titles and texts (one batch import), outlets, label names and descriptions, claim
notes, anonymity reasons and affiliations, review comments, usernames, API token names, and
search and export filter values. The test passes when no dialog opens, the canary stays unset,
no console or page error is logged (the page fixture), no injected element or attribute is in
the DOM, and the payloads show as text where the page shows them.

It runs twice: with the strict CSP (a slip would also show as a CSP violation) and with the
CSP switched off, so that escaping alone must hold.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotations.claims import claim_create
from annotations.models import Assignment, Claim, Label, LabelKind
from annotations.review import article_comment
from newsroom.accounts import api_token_create
from newsroom.importer import articles_import
from newsroom.models import Article, Outlet
from newsroom.roles import EDITOR
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = (
    (Path(__file__).resolve().parents[1] / "fixtures" / "xss_payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
)
ARTICLES = 12  # the payloads are spread over this many articles, ~25 to a text
CANARY = "window.__xss === undefined && window.__alerted === undefined"

# Runs in every page before its own scripts: a canary for alert() besides the dialog listener.
INIT = """
(() => {
  const real = window.alert.bind(window);
  window.alert = (...args) => { window.__alerted = args; return real(...args); };
})();
"""

# Elements and attributes the payloads would add if any were parsed as markup. The app's own
# scripts are static files; it writes no inline handlers (the CSP forbids them) and no hx-on.
INJECTED = r"""() => {
  const tags = new Set(["iframe", "object", "embed", "frame", "frameset", "portal", "base",
    "math", "marquee", "keygen", "isindex", "xmp", "noembed", "plaintext", "handler",
    "animate", "set", "foreignobject", "mglyph", "maction", "video", "audio", "slot"]);
  const urlAttrs = new Set(["href", "src", "action", "formaction", "xlink:href", "data",
    "srcdoc", "background", "poster"]);
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (tags.has(tag)) found.push(`<${tag}>`);
    if (tag === "script" && !(el.getAttribute("src") || "").startsWith("/static/"))
      found.push(`<script>${el.textContent.slice(0, 40)}`);
    if (tag === "meta" && el.hasAttribute("http-equiv")) found.push("<meta http-equiv>");
    if (tag === "img" && el.closest("main")) found.push(`<img src=${el.getAttribute("src")}>`);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value;
      if (/^(data-)?(on|hx-on)/.test(name)) found.push(`${tag}[${name}]`);
      if (urlAttrs.has(name) && /^\s*(javascript|vbscript|data):/i.test(value))
        found.push(`${tag}[${name}=${value.slice(0, 40)}]`);
      if (/alert\(|__xss|evil\.example/.test(value) && !["value", "title"].includes(name)
          && !name.startsWith("data-"))
        found.push(`${tag}[${name}=${value.slice(0, 40)}]`);
    }
  }
  return found;
}"""


def _text_of(page) -> str:
    return " ".join(page.evaluate("document.body.textContent").split())


def _shown(page, payloads) -> None:
    """Each payload is on the page as text (whitespace runs collapse, as HTML shows them)."""
    text = _text_of(page)
    missing = [p for p in payloads if " ".join(p.split()) not in text]
    assert missing == [], f"{page.url}: not shown as text: {missing[:5]}"


def _clean(page) -> None:
    """No script ran and nothing was parsed as markup."""
    page.wait_for_load_state("load")
    assert page.evaluate(CANARY), f"{page.url}: a payload ran"
    injected = page.evaluate(INJECTED)
    assert injected == [], f"{page.url}: injected markup {injected[:10]}"


def _visit(page, url: str, shown=()) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    _clean(page)
    _shown(page, shown)


@pytest.fixture(params=["csp", "no-csp"])
def csp(request, settings):
    if request.param == "no-csp":
        settings.SECURE_CSP = {}
    return request.param


@pytest.fixture
def hostile(admin_user, editor):
    """Every place a user (or an imported file) can put text, filled with payloads."""
    it = iter(PAYLOADS)
    per_text = -(-len(PAYLOADS) // ARTICLES)
    texts = [PAYLOADS[i * per_text : (i + 1) * per_text] for i in range(ARTICLES)]
    records = [
        (
            n + 1,
            {
                "title": PAYLOADS[-(n + 1)],
                "outlet": PAYLOADS[n * 7 % len(PAYLOADS)][:200],
                "text": "Officials said the plan works.\n\n" + "\n\n".join(chunk),
            },
        )
        for n, chunk in enumerate(texts)
    ]
    report = articles_import(records=records, created_by=admin_user)
    articles = list(Article.objects.filter(pk__in=report.created_ids).order_by("pk"))
    assert len(articles) == ARTICLES

    label = Label.objects.create(
        slug="hostile", name=PAYLOADS[3][:80], description=PAYLOADS[4], colour="#123456",
        shortcut="z", kind=LabelKind.SOURCE, order=99,
    )  # fmt: skip
    other_label = Label.objects.create(
        slug="hostile-two", name=PAYLOADS[250][:80], description=PAYLOADS[251],
        colour="#654321", shortcut="9", kind=LabelKind.CUE, order=100,
    )  # fmt: skip
    # Usernames: the signup form allows only letters, digits and @.+-_, but an import creates
    # whatever author names the file holds, so the pages must cope with any.
    names = [PAYLOADS[0][:150], PAYLOADS[120][:150]]
    hostile_users = []
    for name in names:
        user = get_user_model().objects.create_user(username=name, password=PASSWORD)
        user.groups.add(Group.objects.get(name=EDITOR))
        hostile_users.append(user)
    api_token_create(user=admin_user, name=PAYLOADS[150][:100])

    notes = iter(PAYLOADS[::-1])
    claims = []
    for article in articles:
        start = article.text.index("Officials")
        # Spans over payload text too: the claims list and panel quote the span.
        payload_at = article.text.index("\n\n", start) + 2
        for n, (at, lab) in enumerate(
            [(start, label), (payload_at, other_label), (payload_at, label)]
        ):
            author = (admin_user, *hostile_users)[n]
            claim = claim_create(article=article, start=at, end=at + 5, label=lab, author=author)
            Claim.objects.filter(pk=claim.pk).update(
                note=next(notes), anonymity_reason=next(notes)[:300], affiliation=next(notes)[:200]
            )
            claims.append(claim)
        article_comment(article=article, user=admin_user, text=next(it))
        article_comment(article=article, user=hostile_users[0], text=next(it))
    # One article double-annotated by the two hostile-named editors (the merge view), one in
    # review (the queue), one approved (the claim panel shows read-only text, not inputs).
    for user in hostile_users:
        Assignment.objects.create(article=articles[0], editor=user, assigned_by=admin_user)
    Assignment.objects.create(article=articles[1], editor=hostile_users[1], assigned_by=admin_user)
    Article.objects.filter(pk__in=[a.pk for a in articles[1:4]]).update(status="in_review")
    Article.objects.filter(pk=articles[4].pk).update(status="approved")
    return {
        "articles": articles,
        "labels": [label, other_label],
        "users": hostile_users,
        "claims": claims,
        "records": records,
    }


def test_no_payload_runs_on_any_page(page, csp, admin_user, hostile, console_problems):
    page.add_init_script(INIT)
    log_in(page, admin_user.username, PASSWORD)
    articles = hostile["articles"]
    records = [r for _, r in hostile["records"]]
    outlets = {r["outlet"] for r in records}
    titles = [r["title"] for r in records]

    # The article list, its pages, and a search for a payload.
    page_size = 25
    _visit(page, "/articles/", shown=titles[:page_size] + sorted(outlets))
    for query in (PAYLOADS[0], PAYLOADS[-1], "{{ 7*7 }}", '"><svg onload=alert(1)>'):
        _visit(page, "/articles/?" + urlencode({"q": query}))
        assert " ".join(query.split()) in page.locator("#id_q").input_value()

    # Each article page: text, title, outlet, comments, labels; then each claim's panel.
    claims_by_article: dict[int, list[Claim]] = {}
    for claim in hostile["claims"]:
        claims_by_article.setdefault(claim.article_id, []).append(claim)
    for article in articles:
        article.refresh_from_db()
        comments = list(article.review_events.values_list("comment", flat=True).exclude(comment=""))
        _visit(
            page,
            article.get_absolute_url(),
            shown=[article.title, article.outlet.name, *comments, hostile["labels"][0].name],
        )
        assert page.locator("#article-text").inner_text() == article.text
        for claim in claims_by_article[article.pk]:
            claim.refresh_from_db()
            page.locator(f'a[data-claim-link="{claim.pk}"]').click()
            # The panel is swapped in by htmx: wait until it shows this claim's note.
            page.wait_for_function(
                """(note) => {
                  const panel = document.querySelector("#claim-panel");
                  const field = panel && panel.querySelector("[name=note]");
                  if (field) return field.value === note;
                  return !!panel && panel.textContent.includes(note);
                }""",
                arg=claim.note if article.status != "approved" else claim.note.split()[0],
            )
            _clean(page)
            if article.status == "approved":
                _shown(page, [claim.note, claim.anonymity_reason, claim.affiliation])
            else:
                panel = page.locator("#claim-panel")
                assert panel.locator("[name=note]").input_value() == claim.note
                assert panel.locator("[name=affiliation]").input_value() == claim.affiliation
            # And the same panel loaded as a page of its own (the link's fallback).
            _visit(page, f"{article.get_absolute_url()}?claim={claim.pk}")

    # History, merge, queue, dashboard and its articles, labels, export, tokens, team.
    for article in articles[:5]:
        _visit(page, f"/articles/{article.pk}/history/", shown=[article.title])
    _visit(
        page,
        f"/articles/{articles[0].pk}/merge/",
        shown=[u.username for u in hostile["users"]],
    )
    _visit(page, "/queue/", shown=[a.title for a in articles[1:4]])
    for group in ("outlet", "editor", "label", "month"):
        _visit(page, f"/dashboard/?group={group}")
        _visit(page, f"/dashboard/?group={group}&basis=estimated")
    # Nobody has finished these articles: their figures are under the Estimated tab.
    _visit(page, "/dashboard/")
    _visit(page, "/dashboard/?basis=estimated", shown=sorted(outlets)[:5])
    _visit(
        page,
        f"/dashboard/articles/?basis=estimated&outlet={articles[0].outlet_id}",
        shown=[articles[0].title],
    )
    _visit(page, f"/dashboard/articles/?editor={hostile['users'][0].pk}")
    _visit(page, f"/dashboard/articles/?basis=estimated&editor={hostile['users'][0].pk}")
    _visit(page, "/labels/", shown=[lab.name for lab in hostile["labels"]])
    for label in hostile["labels"]:
        _visit(page, f"/labels/{label.pk}/")
        assert page.locator("[name=name]").input_value() == label.name
    _visit(page, "/export/", shown=[hostile["labels"][0].name])
    _visit(page, "/accounts/tokens/", shown=[" ".join(PAYLOADS[150][:100].split())])
    _visit(page, "/team/", shown=[u.username for u in hostile["users"]])

    # Export filter values echoed back by a refused form (a bad date makes it refuse).
    for value in (PAYLOADS[9], PAYLOADS[160], "{% debug %}"):
        query = urlencode(
            {"download": "1", "outlet": value, "editor": value[:150], "published_from": "x"}
        )
        response = page.goto(f"/export/?{query}")
        assert response is not None and response.status == 400
        _clean(page)
        assert page.locator("[name=editor]").input_value() == value[:150]
        console_problems[:] = [p for p in console_problems if "status of 400" not in p]

    assert Outlet.objects.count() == len(outlets)
