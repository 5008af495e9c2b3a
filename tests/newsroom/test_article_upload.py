"""The upload form: .txt, .json and .jsonl files, imported by a background job whose page
shows the outcome (the task runs when the upload commits: tests run tasks immediately)."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import TestCase
from django.urls import reverse

from newsroom.models import Article, ImportJob

URL = reverse("article_upload")


def upload(client, name: str, content: bytes):
    """Upload a file and, once its job has run, open the job's page (where the upload
    redirects); a refused upload's own answer otherwise."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(URL, {"file": SimpleUploadedFile(name, content)})
    if response.status_code != 302:
        return response
    assert response.url.startswith("/imports/")
    return client.get(response.url)


def three_articles() -> bytes:
    return b"".join(
        json.dumps({"title": f"Story {n}", "text": f"Text of story {n}.", "outlet": "AP"}).encode()
        + b"\n"
        for n in (1, 2, 3)
    )


def test_it_imports_a_jsonl_file_and_lists_what_it_added(editor_client, editor):
    response = upload(editor_client, "batch.jsonl", three_articles())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Imported 3 articles." in page
    for article in Article.objects.all():
        assert article.get_absolute_url() in page
        assert article.created_by == editor


def test_uploading_it_again_adds_nothing_and_says_so(editor_client):
    upload(editor_client, "batch.jsonl", three_articles())
    response = upload(editor_client, "batch.jsonl", three_articles())
    assert Article.objects.count() == 3
    assert "Imported 0 articles; 3 skipped (already in the store)." in response.content.decode()


def test_it_imports_json_and_txt_files(editor_client):
    upload(editor_client, "one.json", json.dumps({"title": "J", "text": "From JSON."}).encode())
    upload(editor_client, "story.txt", "Headline\n\nBody ✓".encode())
    assert sorted(Article.objects.values_list("title", "text")) == [
        ("Headline", "Body ✓"),
        ("J", "From JSON."),
    ]


def test_a_file_with_bad_lines_imports_nothing_and_lists_every_bad_line(editor_client):
    content = three_articles() + b'{"title": "no text"}\n{broken\n' + b'{"text": "x"}\n'
    response = upload(editor_client, "bad.jsonl", content)
    page = response.content.decode()
    assert Article.objects.count() == 0
    assert "Nothing was imported from “bad.jsonl”" in page
    assert "line 4: text: is required" in page
    assert "line 5: invalid JSON" in page
    assert "line 6: title: is required" in page


def test_a_file_that_is_not_utf8_is_refused(editor_client):
    content = (
        json.dumps({"title": "Caf\u00e9", "text": "x"})
        .encode("latin-1")
        .replace(b"\\u00e9", b"\xe9")
    )
    response = upload(editor_client, "latin1.jsonl", content)
    assert Article.objects.count() == 0
    assert "line 1: not valid UTF-8" in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(editor_client, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = upload(editor_client, "big.jsonl", three_articles())
    assert response.status_code == 413
    assert Article.objects.count() == 0 and not ImportJob.objects.exists()
    page = response.content.decode()
    # The refusal states the same limit as the page does before the upload.
    limit = filesizeformat(100)
    assert f"the upload limit is {limit}" in page
    assert f"Up to {limit}" in editor_client.get(URL).content.decode()
    assert "manage.py import_articles" in page


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(editor_client, settings):
    settings.UPLOAD_MAX_BYTES = 100
    body = b"x" * (100 + 65 * 1024)
    response = editor_client.post(
        URL, data=body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )
    assert response.status_code == 413
    assert f"the upload limit is {filesizeformat(100)}" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_other_file_types_are_refused(editor_client):
    response = upload(editor_client, "page.html", b"<script>alert(1)</script>")
    assert Article.objects.count() == 0
    assert "is not a .txt, .json or .jsonl file" in response.content.decode()
