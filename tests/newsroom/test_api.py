"""The JSON API: tokens, permissions, each endpoint's success and refusals, the OpenAPI document."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from annotations.models import Assignment, Claim, Label
from annotations.pages.annotate import article_scorecard
from entities.models import EntityMention
from newsroom.accounts import api_token_create, api_token_revoke
from newsroom.importer import articles_import
from newsroom.models import ApiToken, Article, Outlet

ARTICLES = "/api/v1/articles"
EXPORT = "/api/v1/export"
OPENAPI = "/api/v1/openapi.json"
DOCS = "/api/v1/docs"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def token_for(user) -> str:
    return api_token_create(user=user, name="tests")[1]


@pytest.fixture
def editor_token(editor):
    return token_for(editor)


@pytest.fixture
def admin_token(admin_user):
    return token_for(admin_user)


def add(**record):
    record = {"title": "Title", "text": "Some text.", **record}
    report = articles_import(records=[(1, record)], created_by=record.pop("created_by", None))
    return Article.objects.get(pk=report.created_ids[0])


def post(client, secret, payload, **extra):
    return client.post(
        ARTICLES, json.dumps(payload), content_type="application/json", headers=bearer(secret)
    )


def get(client, url, secret, **params):
    return client.get(url, params, headers=bearer(secret))


def jsonl(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in body.splitlines()]


# --- Authentication and permissions -----------------------------------------------------------

ENDPOINTS = [("get", ARTICLES), ("get", f"{ARTICLES}/{{id}}"), ("post", ARTICLES), ("get", EXPORT)]


def call(client, method, url, article, headers=None):
    url = url.format(id=article.pk)
    if method == "post":
        body = json.dumps({"title": "New", "text": "New text."})
        return client.post(url, body, content_type="application/json", headers=headers or {})
    return client.get(url, headers=headers or {})


@pytest.fixture
def article(editor):
    return add(created_by=editor)


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_it_refuses_requests_without_a_token(client, article, method, url):
    response = call(client, method, url, article)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="newsroom"'
    assert "Bearer" in response.json()["detail"]
    assert Article.objects.count() == 1


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_it_refuses_a_bad_revoked_or_inactive_token(client, article, editor, method, url):
    bad = ["nrt_not-a-real-token", "not even the format", token_for(editor)[:-1]]
    revoked_token, revoked = api_token_create(user=editor, name="old")
    api_token_revoke(token=revoked_token)
    for secret in [*bad, revoked]:
        assert call(client, method, url, article, bearer(secret)).status_code == 401, secret
    other = token_for(editor)
    editor.is_active = False
    editor.save()
    assert call(client, method, url, article, bearer(other)).status_code == 401
    assert call(client, method, url, article, {"Authorization": "Basic abc"}).status_code == 401
    assert Article.objects.count() == 1


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_a_session_is_not_a_token(editor_client, article, method, url):
    # A logged-in browser's cookie must not authenticate API calls (no CSRF on the API).
    assert call(editor_client, method, url, article).status_code == 401


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_a_user_without_a_role_is_forbidden(client, article, no_role_user, method, url):
    response = call(client, method, url, article, bearer(token_for(no_role_user)))
    assert response.status_code == 403
    assert "permission" in response.json()["detail"]
    assert Article.objects.count() == 1


def test_a_reader_may_read_but_not_create(client, article, no_role_user):
    no_role_user.user_permissions.add(Permission.objects.get(codename="view_article"))
    secret = token_for(no_role_user)
    assert get(client, ARTICLES, secret).status_code == 200
    assert get(client, f"{ARTICLES}/{article.pk}", secret).status_code == 200
    response = post(client, secret, {"title": "T", "text": "Body two"})
    assert response.status_code == 403
    assert "newsroom.add_article" in response.json()["detail"]


def test_a_token_acts_as_its_user_and_records_its_use(client, editor, editor_token):
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    response = post(client, editor_token, {"title": "T", "text": "Body"})
    assert Article.objects.get(pk=response.json()["id"]).created_by == editor
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Only the hash is stored.
    assert editor_token not in {token.secret_hash, token.prefix}
    assert editor_token.startswith(token.prefix)


# --- POST /articles ---------------------------------------------------------------------------


def test_it_creates_an_article(client, editor, editor_token):
    payload = {
        "title": "  Minister   denies report ",
        "text": "Line one\r\nLine two 😀",
        "outlet": "Daily Planet",
        "url": "https://example.org/a",
        "byline": "Lois Lane",
        "published_at": "2017-03-14",
        "language": "en",
    }
    response = post(client, editor_token, payload)
    assert response.status_code == 201, response.content
    data = response.json()
    article = Article.objects.get()
    assert response["Location"] == f"{ARTICLES}/{article.pk}"
    assert data == {
        "id": article.pk,
        "created": True,
        "duplicate": None,
        "href": f"{ARTICLES}/{article.pk}",
        "analysis_state": "pending",
    }
    assert article.title == "Minister denies report"
    assert article.text == "Line one\nLine two 😀"
    assert article.outlet.name == "Daily Planet"
    assert article.published_at.isoformat() == "2017-03-14T00:00:00+00:00"
    assert article.created_by == editor


def test_it_reports_a_duplicate_instead_of_adding_it(client, editor_token, article):
    response = post(client, editor_token, {"title": "Other title", "text": article.text})
    assert response.status_code == 200
    data = response.json()
    assert data["created"] is False and data["id"] == article.pk
    assert "same text" in data["duplicate"]
    response = post(
        client, editor_token, {"title": "T", "text": "Different", "url": "https://x.org/1"}
    )
    assert response.status_code == 201
    response = post(
        client, editor_token, {"title": "T", "text": "Changed", "url": "https://x.org/1"}
    )
    assert response.status_code == 200 and "same URL" in response.json()["duplicate"]
    assert Article.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "Body"}, "title"),
        ({"title": "T"}, "text"),
        ({"title": 5, "text": "Body"}, "title"),
        ({"title": "T", "text": ["a list"]}, "text"),
        ({"title": "   ", "text": "Body"}, "title"),
        ({"title": "T", "text": "Body", "url": "javascript:alert(1)"}, "url"),
        ({"title": "T", "text": "Body", "published_at": "yesterday"}, "published_at"),
        ({"title": "T", "text": "Body", "language": "<b>"}, "language"),
        ({"title": "x" * 501, "text": "Body"}, "title"),
        ({"title": "T", "text": "Body", "titel": "typo"}, "titel"),
        ({"title": "T", "text": "nul \x00 byte"}, "text"),
    ],
)
def test_it_refuses_a_bad_payload_naming_the_field(client, editor_token, payload, field):
    response = post(client, editor_token, payload)
    assert response.status_code == 422, response.content
    errors = response.json()["detail"]
    assert any(error["loc"][-1] == field for error in errors), errors
    assert all(error["msg"] for error in errors)
    assert Article.objects.count() == 0


def test_it_applies_the_ingest_size_limit(client, editor_token, settings):
    settings.ARTICLE_MAX_CHARS = 20
    response = post(client, editor_token, {"title": "T", "text": "x" * 21})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "payload", "text"]
    assert "the limit is 20" in error["msg"]
    assert post(client, editor_token, {"title": "T", "text": "x" * 20}).status_code == 201


def test_it_refuses_a_body_over_the_request_limit(client, editor_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(client, editor_token, {"title": "T", "text": "x" * 2000})
    assert response.status_code == 413
    assert "1,000 bytes" in response.json()["detail"]
    assert Article.objects.count() == 0


@pytest.mark.parametrize("body", ["not json", "[]", '"a string"', ""])
def test_it_refuses_a_body_that_is_not_an_article_object(client, editor_token, body):
    response = client.post(
        ARTICLES, body, content_type="application/json", headers=bearer(editor_token)
    )
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"].startswith("application/json")
    assert Article.objects.count() == 0


# --- GET /articles ----------------------------------------------------------------------------


def test_it_lists_articles_a_page_at_a_time(client, editor_token):
    for n in range(30):
        add(title=f"Article {n:02}", text=f"Text {n}")
    response = get(client, ARTICLES, editor_token)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 30 and len(data["items"]) == 25
    assert data["items"][0]["title"] == "Article 29"  # newest first
    assert "text" not in data["items"][0]
    page = get(client, ARTICLES, editor_token, limit=10, offset=25).json()
    assert [a["title"] for a in page["items"]] == [f"Article {n:02}" for n in range(4, -1, -1)]
    for bad in [{"limit": 101}, {"limit": 0}, {"offset": -1}, {"limit": "ten"}]:
        response = get(client, ARTICLES, editor_token, **bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"][-1] == next(iter(bad))


def test_it_filters_the_list(client, editor_token):
    planet = add(title="Planet", text="one", outlet="Daily Planet")
    add(title="Bugle", text="two", outlet="Daily Bugle")
    approved = add(title="Approved", text="three")
    Article.objects.filter(pk=approved.pk).update(status="approved")
    old = add(title="Old", text="four")
    Article.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))

    def titles(**params):
        response = get(client, ARTICLES, editor_token, **params)
        assert response.status_code == 200, response.content
        return {a["title"] for a in response.json()["items"]}

    assert titles(outlet=planet.outlet_id) == {"Planet"}
    assert titles(status="approved") == {"Approved"}
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert titles(since=since) == {"Planet", "Bugle", "Approved"}
    assert titles(since=since, status="draft") == {"Planet", "Bugle"}
    for bad in [{"status": "published"}, {"outlet": "Planet"}, {"since": "last week"}]:
        response = get(client, ARTICLES, editor_token, **bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"][-1] == next(iter(bad))


def test_it_orders_the_list_by_allow_listed_fields_only(client, editor_token):
    for title in ["b", "a", "c"]:
        add(title=title, text=f"text {title}")

    def titles(ordering):
        return [
            a["title"]
            for a in get(client, ARTICLES, editor_token, ordering=ordering).json()["items"]
        ]

    assert titles("title") == ["a", "b", "c"]
    assert titles("-title") == ["c", "b", "a"]
    assert titles("id") == ["b", "a", "c"]
    assert titles("published_at") == ["c", "a", "b"]  # all null: newest id first
    for bad in ["text", "content_hash", "created_by__password", "?"]:
        response = get(client, ARTICLES, editor_token, ordering=bad)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == "ordering"


def test_the_list_does_not_grow_in_queries_with_the_page(
    client, editor, editor_token, django_assert_max_num_queries
):
    for n in range(20):
        add(title=f"A{n}", text=f"t{n}", outlet=f"Outlet {n % 3}", created_by=editor)
    # Token with the access stamp, its last use, role and permissions (cold cache), count,
    # page, and the login throttle's check of the client's address (newsroom.throttle).
    with django_assert_max_num_queries(6):
        assert len(get(client, ARTICLES, editor_token).json()["items"]) == 20


# --- GET /articles/{id} -----------------------------------------------------------------------


@pytest.fixture
def annotated(editor, other_editor):
    """An article whose spans follow an emoji and a combining mark (several UTF-16 units)."""
    text = "😀 Café́ news. A senior official, who was not authorised to speak, said it. Bo denied."
    article = add(title="Annotated", text=text, outlet="Planet", created_by=editor)
    official = text.index("A senior official")
    anonymous = Claim.objects.create(
        article=article,
        start=official,
        end=official + len("A senior official"),
        label=Label.objects.get(slug="anonymous_source"),
        author=editor,
        anonymity_reason="not authorised to speak",
        source_count=1,
    )
    bo = text.index("Bo")
    mention = EntityMention.objects.create(
        article=article, start=bo, end=bo + 2, label="PERSON", model_name="en_core_web_sm"
    )
    named = Claim.objects.create(
        article=article,
        start=bo,
        end=bo + 2,
        label=Label.objects.get(slug="named_source"),
        author=other_editor,
        source_mention=mention,
    )
    denied = text.index("denied")
    Claim.objects.create(
        article=article,
        start=denied,
        end=denied + len("denied"),
        label=Label.objects.get(slug="denial"),
        author=other_editor,
        source_claim=named,
    )
    Claim.objects.create(
        article=article,
        start=0,
        end=1,
        label=Label.objects.get(slug="hedge"),
        origin="rule",
        status="rejected",
    )
    return article, anonymous


def test_a_statement_names_the_cue_that_attributes_it(client, admin_token, annotated):
    article, anonymous = annotated
    said = Claim.objects.create(
        article=article, **_at(article.text, "said"), label=Label.objects.get(slug="reporting"),
        source_claim=anonymous,
    )  # fmt: skip
    statement = Claim.objects.create(
        article=article, **_at(article.text, "it."), label=Label.objects.get(slug="statement"),
        cue=said,
    )  # fmt: skip
    claims = {
        c["id"]: c for c in get(client, f"{ARTICLES}/{article.pk}", admin_token).json()["claims"]
    }
    assert claims[statement.pk]["cue_id"] == said.pk
    assert claims[statement.pk]["label_kind"] == "content"
    assert claims[said.pk]["source_claim_id"] == anonymous.pk and claims[said.pk]["cue_id"] is None
    # The schema documents it.
    schema = client.get(OPENAPI).json()["components"]["schemas"]["ClaimOut"]
    assert "cue_id" in schema["required"]
    assert "attributes it" in schema["properties"]["cue_id"]["description"]


def _at(text: str, phrase: str) -> dict[str, int]:
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase)}


def test_it_returns_an_article_with_its_annotations(client, admin_user, admin_token, annotated):
    article, anonymous = annotated
    response = get(client, f"{ARTICLES}/{article.pk}", admin_token)
    assert response.status_code == 200
    data = response.json()
    assert data["text"] == article.text
    assert data["outlet"] == {"id": article.outlet_id, "name": "Planet"}
    assert data["created_by"] == "erin"
    assert data["status"] == data["review"]["status"] == "draft"
    claims = {c["label"]: c for c in data["claims"]}
    assert set(claims) == {"anonymous_source", "named_source", "denial", "hedge"}
    anon = claims["anonymous_source"]
    # Code points: the emoji before it is one, not two (UTF-16) or four (UTF-8).
    assert anon["start"] == anonymous.start == article.text.index("A senior")
    assert anon["text"] == "A senior official" == article.text[anon["start"] : anon["end"]]
    assert anon["author"] == "erin" and anon["origin"] == "editor" and anon["status"] == "accepted"
    assert anon["attributes"] == {
        "anonymity_reason": "not authorised to speak",
        "affiliation": "",
        "source_count": 1,
    }
    assert anon["label_kind"] == "source"
    assert claims["denial"]["source_claim_id"] == claims["named_source"]["id"]
    [entity] = data["entities"]
    assert claims["named_source"]["source_mention_id"] == entity["id"]
    assert entity | {"id": 0} == {
        "id": 0,
        "start": article.text.index("Bo"),
        "end": article.text.index("Bo") + 2,
        "text": "Bo",
        "label": "PERSON",
        "origin": "model",
        "status": "suggested",
        "model_name": "en_core_web_sm",
        "model_version": "",
    }
    assert claims["hedge"]["status"] == "rejected" and claims["hedge"]["author"] is None
    expected = article_scorecard(article, admin_user)
    card = data["scorecard"]
    assert card["score"] == expected.score
    assert card["counts"]["anonymous"] == 1 and card["counts"]["named"] == 1
    assert [f["key"] for f in card["figures"]] == [f.key for f in expected.figures]
    assert [f["code"] for f in card["flags"]] == list(expected.flag_codes)


def test_an_editors_scorecard_counts_their_own_claims(client, editor, editor_token, annotated):
    article, _ = annotated
    card = get(client, f"{ARTICLES}/{article.pk}", editor_token).json()["scorecard"]
    expected = article_scorecard(article, editor)
    assert card["score"] == expected.score
    assert card["counts"]["anonymous"] == 1 and card["counts"]["named"] == 0


def test_double_annotation_hides_other_editors_claims(
    client, editor, other_editor, admin_user, editor_token, admin_token, annotated
):
    article, _ = annotated
    for user in (editor, other_editor):
        Assignment.objects.create(article=article, editor=user, assigned_by=admin_user)
    data = get(client, f"{ARTICLES}/{article.pk}", editor_token).json()
    assert {c["author"] for c in data["claims"]} == {"erin"}
    assert data["review"]["double_annotated"] is True
    assert data["review"]["assignees"] == ["erin", "bo"]
    data = get(client, f"{ARTICLES}/{article.pk}", admin_token).json()
    assert {c["author"] for c in data["claims"]} == {"erin", "bo", None}
    # The export applies the same rule.
    [_, line] = jsonl(get(client, EXPORT, editor_token))
    assert {c["author"] for c in line["claims"]} == {"erin"}


def test_it_includes_the_review_thread(client, editor, editor_token, article):
    from annotations.review import article_comment, article_transition

    article_transition(article_id=article.pk, action="submit", user=editor, version=1)
    article_comment(article=article, user=editor, text="Ready <b>now</b>")
    review = get(client, f"{ARTICLES}/{article.pk}", editor_token).json()["review"]
    assert review["status"] == "in_review"
    assert [(e["action"], e["actor"]) for e in review["events"]] == [
        ("submit", "erin"),
        ("comment", "erin"),
    ]
    assert review["events"][1]["comment"] == "Ready <b>now</b>"


def test_an_unknown_article_is_a_404(client, editor_token):
    response = get(client, f"{ARTICLES}/999999", editor_token)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Not Found")
    assert get(client, f"{ARTICLES}/abc", editor_token).status_code == 422


def test_hostile_text_comes_back_as_json_text(client, editor_token):
    hostile = {
        "title": '<script>alert("t")</script>',
        "text": '<img src=x onerror=alert(1)> & </script><!-- \u2028 "quoted"',
        "byline": "<b>Mallory</b>",
    }
    created = post(client, editor_token, hostile).json()
    response = get(client, created["href"], editor_token)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    data = response.json()
    for field, value in hostile.items():
        assert data[field] == value
    assert b"&lt;" not in response.content  # not HTML-escaped: JSON is not HTML


def test_the_detail_takes_a_fixed_number_of_queries(
    client, admin_token, annotated, django_assert_max_num_queries
):
    article, _ = annotated
    # The login throttle's check of the address, token with the access stamp, its last use,
    # role and permissions (one query, cold cache), article, mentions, assignees, claims,
    # events.
    with django_assert_max_num_queries(9):
        assert get(client, f"{ARTICLES}/{article.pk}", admin_token).status_code == 200


# --- GET /export ------------------------------------------------------------------------------


def test_it_exports_the_corpus_in_the_versioned_schema(client, admin_token, annotated):
    from tests.annotations.test_export import validate

    article, _ = annotated
    others = [add(title=f"Plain {n}", text=f"plain {n}") for n in range(4)]
    response = get(client, EXPORT, admin_token)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("application/x-ndjson")
    body = b"".join(response.streaming_content).decode()
    header = json.loads(body.splitlines()[0])
    assert header["format"] == "newsroom-corpus" and header["schema_version"]
    articles = validate(body)  # against docs/export-schema.json
    assert [a["title"] for a in articles] == [article.title, *(a.title for a in others)]
    # The same bytes as the export the app's own page and command make, bar the timestamp.
    [exported] = [a for a in articles if a["title"] == article.title]
    assert exported["text"] == article.text
    assert {c["label"] for c in exported["claims"]} >= {"anonymous_source", "named_source"}

    document = get(client, EXPORT, admin_token, format="json")
    assert document["Content-Type"].startswith("application/json")
    assert len(validate(b"".join(document.streaming_content).decode(), "json")) == 5


def test_the_export_takes_its_filters(client, editor_token, annotated):
    article, _ = annotated
    add(title="Other", text="other", outlet="Bugle")
    lines = jsonl(get(client, EXPORT, editor_token, outlet=article.outlet.name.upper()))
    assert [line["title"] for line in lines[1:]] == [article.title]
    assert lines[0]["filters"] == {
        "outlet": article.outlet.name.upper(),
        "include_suggestions": False,
    }
    assert jsonl(get(client, EXPORT, editor_token, status="approved"))[1:] == []
    assert [
        a["title"]
        for a in jsonl(get(client, EXPORT, editor_token, labels="denial,named_source"))[1:]
    ] == [article.title]
    response = get(client, EXPORT, editor_token, status="nope")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "status"
    bad_date = get(client, EXPORT, editor_token, published_from="yesterday")
    assert bad_date.status_code == 422
    # A label that is no slug (a NUL byte: PostgreSQL cannot compare it) is refused, not a 500.
    for bad in ("hedge\x00", "no such label!", "x" * 51):
        response = get(client, EXPORT, editor_token, labels=bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"][-1] == "labels"


# --- OpenAPI and docs -------------------------------------------------------------------------


def test_the_openapi_document_is_served(client, db):
    response = client.get(OPENAPI)
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Newsroom API" and schema["info"]["version"] == "1"
    assert set(schema["paths"]) == {
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/export",
        "/api/v1/imports",
        "/api/v1/imports/{job_id}",
    }
    assert set(schema["paths"]["/api/v1/articles"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/imports"]) == {"post"}
    [scheme] = schema["components"]["securitySchemes"].values()
    assert scheme == {"type": "http", "scheme": "bearer"}
    export = schema["paths"]["/api/v1/export"]["get"]["responses"]["200"]["content"]
    assert {"application/x-ndjson", "application/json"} <= set(export)


def test_the_docs_page_is_served_from_our_own_static_files(client, db):
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    csp = response["Content-Security-Policy"]
    # Swagger UI needs no inline script: not even a nonce is handed out.
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_the_api_root_is_not_a_login_redirect(client, db):
    assert client.get("/api/v1/").status_code == 404


# --- The tokens page and command --------------------------------------------------------------


def test_a_user_makes_a_token_shown_once(editor_client, editor):
    url = reverse("api_tokens")
    response = editor_client.post(url, {"name": "CMS push"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    assert token.user == editor and token.name == "CMS push"
    html = response.content.decode()
    start = html.index('id="new-token">') + len('id="new-token">')
    secret = html[start : html.index("<", start)]
    assert secret.startswith("nrt_") and len(secret) > 40
    assert token.secret_hash != secret
    listing = editor_client.get(url).content.decode()
    assert secret not in listing and token.prefix in listing


def test_a_made_token_authenticates_and_revoking_it_stops_that(editor_client, client, editor):
    token, secret = api_token_create(user=editor, name="script")
    assert get(client, ARTICLES, secret).status_code == 200
    response = editor_client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked
    assert get(client, ARTICLES, secret).status_code == 401
    assert "revoked" in editor_client.get(reverse("api_tokens")).content.decode()


def test_nobody_revokes_anothers_token(editor_client, other_editor):
    token, _ = api_token_create(user=other_editor, name="theirs")
    assert editor_client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    assert editor_client.get(reverse("api_token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert not token.revoked
    assert "theirs" not in editor_client.get(reverse("api_tokens")).content.decode()


def test_the_tokens_page_needs_a_login(client, db):
    url = reverse("api_tokens")
    assert client.get(url).status_code == 302
    assert client.post(url, {"name": "x"}).status_code == 302
    assert ApiToken.objects.count() == 0


def test_a_token_needs_a_name(editor_client):
    response = editor_client.post(reverse("api_tokens"), {"name": "  "})
    assert response.status_code == 200 and ApiToken.objects.count() == 0


def test_the_command_prints_a_working_token(client, editor):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "erin", "--name", "cron", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert "shown only once" in err.getvalue()
    assert ApiToken.objects.get().name == "cron"
    assert get(client, ARTICLES, secret).status_code == 200


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named"):
        call_command("create_api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_outlets_are_created_through_ingest(client, editor_token):
    post(client, editor_token, {"title": "T", "text": "x", "outlet": "planet"})
    post(client, editor_token, {"title": "T", "text": "y", "outlet": "PLANET"})
    assert Outlet.objects.count() == 1


def test_an_operator_revokes_a_token_in_the_site_admin(client, editor, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    token, secret = api_token_create(user=editor, name="leaked")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:newsroom_apitoken_changelist"))
    assert listing.status_code == 200 and token.prefix in listing.content.decode()
    assert token.secret_hash not in listing.content.decode()
    response = client.post(
        reverse("admin:newsroom_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    client.logout()
    assert get(client, ARTICLES, secret).status_code == 401
