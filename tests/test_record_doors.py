"""One article record validator behind every door: the same bad record is refused with the same
fields and the same words through the paste form, the upload, the command line, the API and
the corpus import (newsroom.records)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations.api.schemas import ArticleIn
from annotations.exchange.corpus_import import corpus_import, parse_corpus_jsonl
from annotations.exchange.export import FORMAT, SCHEMA_VERSION
from newsroom.accounts import api_token_create
from newsroom.importer import ImportRejected
from newsroom.models import Article, ImportJob
from newsroom.records import ArticleRecord, validate_record

BAD = {
    "title": "   ",
    "text": "Body of the article.",
    "url": "javascript:alert(1)",
    "byline": "x" * 301,
    "published_at": "yesterday",
}
EXPECTED = [
    ("title", "is blank (only whitespace)"),
    ("url", "is not a valid http(s) URL"),
    ("byline", "is 301 characters long; the limit is 300"),
    ("published_at", "must be an ISO 8601 date or date-time, e.g. 2017-03-14"),
]

pytestmark = pytest.mark.django_db


def test_the_validator_names_each_bad_field():
    errors = validate_record(3, BAD)
    assert [(e.field, e.message) for e in errors] == EXPECTED
    assert str(errors[0]) == "line 3: title: is blank (only whitespace)"


def test_the_paste_form_gives_the_validators_errors(editor_client):
    response = editor_client.post(reverse("article_new"), BAD)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {field: errors[field] for field, _ in EXPECTED} == {
        field: [f"This field {message}."] for field, message in EXPECTED
    }
    assert Article.objects.count() == 0


def test_the_upload_gives_the_validators_errors(editor_client, django_capture_on_commit_callbacks):
    content = json.dumps(BAD).encode() + b"\n"
    with django_capture_on_commit_callbacks(execute=True):  # the import job runs on commit
        editor_client.post(
            reverse("article_upload"), {"file": SimpleUploadedFile("bad.jsonl", content)}
        )
    errors = ImportJob.objects.get().errors
    assert [(e["position"], e["field"], e["message"]) for e in errors] == [
        (1, f, m) for f, m in EXPECTED
    ]


def test_the_command_gives_the_validators_errors(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(BAD) + "\n")
    with pytest.raises(CommandError) as info:
        call_command("import_articles", str(path), "--no-progress")
    assert [f"line 1: {f}: {m}" for f, m in EXPECTED] == str(info.value).splitlines()[1:]


def test_the_api_body_is_the_validator_and_gives_its_errors(client, editor):
    assert issubclass(ArticleIn, ArticleRecord)
    secret = api_token_create(user=editor, name="tests")[1]
    response = client.post(
        "/api/v1/articles",
        json.dumps(BAD),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [(e["loc"], e["msg"], e["type"]) for e in detail] == [
        (["body", "payload", f], f"{f} {m}", "value_error") for f, m in EXPECTED
    ]


def test_the_corpus_import_gives_the_validators_errors():
    header = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "labels": []}
    data = b"\n".join(json.dumps(r).encode() for r in (header, {**BAD, "status": "draft"}))
    with pytest.raises(ImportRejected) as info:
        corpus_import(records=parse_corpus_jsonl(data.splitlines(keepends=True)))
    assert [(e.position, e.field, e.message) for e in info.value.errors] == [
        (2, f, m) for f, m in EXPECTED
    ]
