"""Issue 15's cases, each as a named regression test: what an attacker or a careless file sent,
and how the app now answers (a clear refusal, nothing written, nobody else's page broken)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotations.models import Assignment, Claim, Label
from annotations.review import article_transition
from newsroom.accounts import api_token_create
from newsroom.importer import articles_import
from newsroom.models import ApiToken, Article, ArticleStatus, ImportJob

BAD_DATES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
ARTICLE = {"title": "T", "text": "Officials said it. The minister denied it."}


def _bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(user=user, name='t')[1]}"}


def _upload(client, name: str, content: bytes, capture) -> ImportJob:
    with capture(execute=True):
        client.post(reverse("article_upload"), {"file": SimpleUploadedFile(name, content)})
    return ImportJob.objects.latest("pk")


def _pages_answer(client, article: Article | None = None) -> None:
    """The pages a stored article shows on (issue 15, case 1) still answer."""
    urls = [reverse("article_list"), "/api/v1/articles"]
    if article is not None:
        urls.append(article.get_absolute_url())
    for url in urls:
        assert client.get(url).status_code in (200, 401), url


# --- 1. A date outside what every layer stores -----------------------------------------------


@pytest.mark.parametrize("date", BAD_DATES)
def test_1_a_bad_date_in_an_upload_is_refused_and_nothing_stored(
    editor_client, date, django_capture_on_commit_callbacks
):
    line = json.dumps({**ARTICLE, "published_at": date}).encode() + b"\n"
    job = _upload(editor_client, "a.jsonl", line, django_capture_on_commit_callbacks)
    assert job.state == ImportJob.State.REJECTED and not Article.objects.exists()
    assert job.errors[0]["field"] == "published_at"
    assert "outside the dates Newsroom stores" in job.errors[0]["message"]
    _pages_answer(editor_client)


@pytest.mark.parametrize("date", BAD_DATES)
def test_1_a_bad_date_through_the_api_is_refused(client, editor, date):
    response = client.post(
        "/api/v1/articles",
        json.dumps({**ARTICLE, "published_at": date}),
        content_type="application/json",
        headers=_bearer(editor),
    )
    assert response.status_code == 422 and not Article.objects.exists()
    assert response.json()["detail"][0]["loc"][-1] == "published_at"


@pytest.mark.parametrize("date", BAD_DATES)
def test_1_a_bad_review_date_in_a_corpus_is_refused(admin_user, date):
    from annotations.exchange.corpus_import import corpus_import
    from annotations.exchange.export import corpus_export_chunks
    from newsroom.importer import ImportRejected

    articles_import(records=[(1, ARTICLE)])
    article_transition(
        article_id=Article.objects.get().pk, action="submit", user=admin_user, version=1
    )
    header, line = b"".join(corpus_export_chunks()).splitlines()[:2]
    Article.objects.all().delete()
    record = json.loads(line)
    record["review"]["events"][0]["at"] = date
    with pytest.raises(ImportRejected) as rejected:
        corpus_import(records=[(1, json.loads(header)), (2, record)])
    assert rejected.value.errors[0].field == "review.events[0].at"
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_1_the_database_refuses_a_date_outside_the_range():
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(
            title="T",
            text="x",
            content_hash="h",
            published_at=datetime(1, 1, 1, 12, tzinfo=UTC),
        )


# --- 4. Privilege (more in tests/newsroom/test_site_admin_privileges.py) ----------------------


# --- 5. Read-only means read-only --------------------------------------------------------------


@pytest.fixture
def approved(editor, admin_user) -> Article:
    articles_import(records=[(1, ARTICLE)], created_by=editor)
    article = Article.objects.get()
    label = Label.objects.get(slug="named_source")
    Claim.objects.create(article=article, start=0, end=9, label=label, author=editor)
    Claim.objects.create(
        article=article, start=19, end=27, label=label, author=None, status="suggested",
        origin="rule",
    )  # fmt: skip
    article.status, article.version = ArticleStatus.APPROVED, 2
    article.save()
    return article


def test_5_an_approved_article_refuses_reanalysis(editor_client, approved):
    response = editor_client.post(
        reverse("reanalyse", args=[approved.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "approved and read-only" in response.content.decode()
    approved.refresh_from_db()
    assert approved.analysis_state == approved.analysis_state  # unchanged
    assert (
        not Article.objects.filter(analysis_state="pending", pk=approved.pk)
        .exclude(analysis_state=approved.analysis_state)
        .exists()
    )


def test_5_deleting_a_claim_of_an_approved_article_is_refused(editor_client, approved):
    claim = Claim.objects.get(author__isnull=False)
    response = editor_client.post(
        reverse("claim_remove", args=[approved.pk, claim.pk]),
        {"version": claim.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "read-only" in response.content.decode()
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_5_accept_all_on_an_approved_article_is_refused(editor_client, approved):
    response = editor_client.post(
        reverse("suggestions_accept", args=[approved.pk]),
        {"label": "named_source"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "read-only" in response.content.decode()
    assert Claim.objects.filter(status="suggested").count() == 1


# --- 6. Hidden means absent --------------------------------------------------------------------


def test_6_a_hidden_claim_cannot_be_linked_and_answers_as_a_missing_one(
    client, editor, other_editor, admin_user
):
    articles_import(records=[(1, ARTICLE)])
    article = Article.objects.get()
    for user in (editor, other_editor):
        Assignment.objects.create(article=article, editor=user, assigned_by=admin_user)
    labels = {label.slug: label for label in Label.objects.all()}
    hidden = Claim.objects.create(
        article=article, start=0, end=9, label=labels["named_source"], author=editor
    )
    denial = Claim.objects.create(
        article=article, start=32, end=38, label=labels["denial"], author=other_editor
    )
    client.force_login(other_editor)
    url = reverse("claim_edit", args=[article.pk, denial.pk])
    answers = []
    for source in (hidden.pk, 999_999):  # A's hidden claim, and no claim at all
        response = client.post(
            url,
            {"version": denial.version, "label": "denial", "source_claim": source, "note": ""},
            headers={"HX-Request": "true"},
        )
        answers.append((response.status_code, response.content.decode().count("Select a valid")))
    assert answers[0] == answers[1] and answers[0][0] == 422
    denial.refresh_from_db()
    assert denial.source_claim_id is None


@pytest.mark.parametrize("route", ["claim_edit", "claim_remove"])
def test_6_a_hidden_claims_id_answers_as_a_missing_ones(
    client, editor, other_editor, admin_user, route
):
    articles_import(records=[(1, ARTICLE)])
    article = Article.objects.get()
    for user in (editor, other_editor):
        Assignment.objects.create(article=article, editor=user, assigned_by=admin_user)
    hidden = Claim.objects.create(
        article=article, start=0, end=9, label=Label.objects.get(slug="named_source"),
        author=editor, note="A's private note",
    )  # fmt: skip
    client.force_login(other_editor)
    answers = []
    for claim_id in (hidden.pk, hidden.pk + 1000):
        response = client.post(
            reverse(route, args=[article.pk, claim_id]),
            {"version": 1, "label": "named_source", "note": "B was here"},
            headers={"HX-Request": "true"},
        )
        answers.append((response.status_code, response.content.decode()))
    assert answers[0] == answers[1] and answers[0][0] == 409
    assert "private note" not in answers[0][1]
    hidden.refresh_from_db()
    assert hidden.note == "A's private note"


# --- 7. Inputs that answered 500 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"title": "t", "text": "\\ud800"}\n', "lone surrogate"),
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested more than"),
        (b'{"title": "t", "text": "x", "n": ' + b"9" * 5000 + b"}\n", "digits"),
    ],
    ids=["lone-surrogate", "deep-json", "huge-integer"],
)
def test_7_hostile_json_lines_are_refused_with_their_line(
    editor_client, content, message, django_capture_on_commit_callbacks
):
    job = _upload(editor_client, "h.jsonl", content, django_capture_on_commit_callbacks)
    assert job.state == ImportJob.State.REJECTED and not Article.objects.exists()
    assert job.errors[0]["position"] == 1 and message in job.errors[0]["message"]


def test_7_hostile_json_to_the_api_is_refused_as_json(client, editor):
    headers = _bearer(editor)
    surrogate = client.post(
        "/api/v1/articles",
        '{"title": "t", "text": "\\ud800"}',
        content_type="application/json",
        headers=headers,
    )
    assert surrogate.status_code == 422 and "surrogate" in json.dumps(surrogate.json())
    deep = client.post(
        "/api/v1/articles", "[" * 100_000, content_type="application/json", headers=headers
    )
    assert deep.status_code == 400 and "detail" in deep.json()
    assert not Article.objects.exists()


def test_7_a_nul_in_a_review_comment_is_refused(editor_client):
    articles_import(records=[(1, ARTICLE)])
    article = Article.objects.get()
    editor_client.post(reverse("review_comment", args=[article.pk]), {"comment": "a\x00b"})
    assert not article.review_events.exists()


def test_7_huge_page_offset_and_date_numbers_answer(editor_client, admin_client_, editor):
    articles_import(records=[(1, ARTICLE)])
    assert editor_client.get("/articles/?q=officials&page=" + "9" * 23).status_code == 200
    assert editor_client.get("/articles/?page=" + "9" * 23).status_code == 200
    assert admin_client_.get("/queue/?until=9999-12-31").status_code == 200
    api = Client()
    response = api.get("/api/v1/articles?offset=" + "9" * 20, headers=_bearer(editor))
    assert response.status_code == 200 and response.json()["items"] == []
    since = api.get(
        "/api/v1/articles", {"since": "0001-01-01T00:00:00+14:00"}, headers=_bearer(editor)
    )
    assert since.status_code == 422 and since.json()["detail"][0]["loc"] == ["query", "since"]


def test_7_api_errors_are_json_even_unknown_paths_and_failures(
    client, editor, settings, monkeypatch
):
    settings.DEBUG = False
    headers = _bearer(editor)
    missing = client.get("/api/v1/no-such-endpoint", headers=headers)
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("annotations.api.endpoints.article_records", fail)
    articles_import(records=[(1, ARTICLE)])
    failing = Client(raise_request_exception=False)
    response = failing.get(f"/api/v1/articles/{Article.objects.get().pk}", headers=headers)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "boom" not in response.content.decode() and "detail" in response.json()


# --- 8. Tokens: expiry, and a password change or deactivation ends them ---------------------


def test_8_an_expired_token_no_longer_authenticates(client, editor):
    token, secret = api_token_create(user=editor, name="t", expires_in=timedelta(days=1))
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/articles", headers=headers).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/articles", headers=headers).status_code == 401


def test_8_a_password_change_or_deactivation_ends_the_users_tokens(client, editor):
    headers = _bearer(editor)
    assert client.get("/api/v1/articles", headers=headers).status_code == 200
    editor.set_password("a-new-and-long-password")
    editor.save()
    assert client.get("/api/v1/articles", headers=headers).status_code == 401
    headers = _bearer(editor)  # a token made after the change works
    assert client.get("/api/v1/articles", headers=headers).status_code == 200
    editor.is_active = False
    editor.save()
    assert client.get("/api/v1/articles", headers=headers).status_code == 401


def test_8_the_tokens_page_makes_expiring_tokens(editor_client):
    response = editor_client.post(reverse("api_tokens"), {"name": "cms", "expires": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_7_a_time_zone_offset_past_what_postgresql_takes_is_stored_in_utc(client, editor):
    """Found by the API fuzzing on PostgreSQL: Python takes offsets up to a day, PostgreSQL up
    to 16 hours; moments are handed to the database in UTC."""
    headers = _bearer(editor)
    response = client.post(
        "/api/v1/articles",
        json.dumps({**ARTICLE, "published_at": "2020-01-01T00:00:00+23:09"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201
    stored = Article.objects.get().published_at
    assert stored == datetime(2019, 12, 31, 0, 51, tzinfo=UTC)
    since = client.get("/api/v1/articles", {"since": "1086-07-24T08:56:39+23:09"}, headers=headers)
    assert since.status_code == 200 and since.json()["count"] == 1
