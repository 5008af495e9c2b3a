"""The API's browsable docs: Swagger UI from our own static files, under the strict CSP."""

import json
from urllib.parse import urlsplit

import pytest

from newsroom.importer import articles_import
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_docs_render_offline_without_csp_errors(page, live_server, db):
    # Everything the page loads comes from the app itself: it works with no network.
    foreign = []
    page.on(
        "request",
        lambda req: (
            foreign.append(req.url)
            if urlsplit(req.url).netloc != urlsplit(live_server.url).netloc
            and not req.url.startswith("data:")
            else None
        ),
    )
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Newsroom API" in page.locator(".swagger-ui .info .title").inner_text()
    for operation in ("article_create", "article_list", "article_get", "export"):
        assert page.locator(f".opblock[id$='-{operation}']").count() == 1, operation
    assert foreign == []
    # The `page` fixture fails the test on any console error, CSP violations included.


def test_a_user_makes_a_token_and_tries_the_api_in_the_docs(page, editor):
    articles_import(records=[(1, {"title": "From the wire", "text": "Body"})])
    log_in(page, editor.username, PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Swagger")
    page.get_by_role("button", name="Make token").click()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("nrt_")

    page.get_by_role("link", name="JSON API").click()
    page.wait_for_selector(".swagger-ui .info .title")
    page.locator(".auth-wrapper .authorize").click()
    page.locator(".modal-ux input").fill(secret)
    page.locator(".modal-ux").get_by_role("button", name="Apply credentials").click()
    page.locator(".modal-ux .btn-done").click()

    operation = page.locator(".opblock[id$='-article_list']")
    operation.locator(".opblock-summary").first.click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    body = operation.locator(".live-responses-table .response-col_description pre").first
    body.wait_for()
    data = json.loads(body.inner_text())
    assert data["count"] == 1 and data["items"][0]["title"] == "From the wire"
