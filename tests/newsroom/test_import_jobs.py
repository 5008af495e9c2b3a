"""Imports as background jobs (issue 15, case 2): the request stores the file and answers at
once; the worker checks every record (progress and errors written as it goes), then imports
all or nothing; the page and the API follow the job."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from newsroom.accounts import api_token_create
from newsroom.importer import MAX_ERRORS_KEPT
from newsroom.jobs import ERRORS_SHOWN
from newsroom.models import Article, ImportJob

UPLOAD = reverse("article_upload")


def _lines(n: int, **extra) -> bytes:
    return b"".join(
        json.dumps({"title": f"Story {i}", "text": f"Text {i}.", **extra}).encode() + b"\n"
        for i in range(1, n + 1)
    )


def test_the_upload_answers_before_the_import_runs(editor_client, editor):
    # Without the commit (tasks run on commit), nothing is imported yet: the request only
    # stored the file and queued its job.
    response = editor_client.post(UPLOAD, {"file": SimpleUploadedFile("a.jsonl", _lines(3))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.state == ImportJob.State.QUEUED and job.created_by == editor
    assert bytes(job.data) == _lines(3) and not Article.objects.exists()
    page = editor_client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for a background worker" in page
    assert f'hx-get="{job.get_absolute_url()}"' in page  # it polls itself while waiting


def test_a_job_imports_and_keeps_its_report_not_its_file(
    editor_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(UPLOAD, {"file": SimpleUploadedFile("a.jsonl", _lines(3))})
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.DONE and job.records_checked == 3
    assert job.report["created"] == 3 and bytes(job.data) == b""
    page = editor_client.get(job.get_absolute_url()).content.decode()
    assert "Imported 3 articles." in page and "hx-get" not in page  # finished: no polling


def test_a_hostile_file_of_empty_objects_is_refused_with_its_errors_capped(
    editor_client, django_capture_on_commit_callbacks
):
    lines = 5 * MAX_ERRORS_KEPT
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(UPLOAD, {"file": SimpleUploadedFile("e.jsonl", b"{}\n" * lines)})
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.REJECTED and not Article.objects.exists()
    # Two errors a line (title and text), all counted; the first few shown.
    assert job.error_count == 2 * lines and len(job.errors) == ERRORS_SHOWN
    assert job.records_checked == lines  # the bad records were read and counted too
    page = editor_client.get(job.get_absolute_url()).content.decode()
    assert f"and {2 * lines - ERRORS_SHOWN} more" in page
    assert "line 1: title: is required" in page


def test_another_editors_job_is_not_found(
    editor_client, other_editor, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(UPLOAD, {"file": SimpleUploadedFile("a.jsonl", _lines(1))})
    client.force_login(other_editor)
    assert client.get(ImportJob.objects.get().get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_the_api_takes_a_file_as_a_job_and_reports_it(client, editor, settings):
    _, secret = api_token_create(user=editor, name="bulk")
    auth = {"Authorization": f"Bearer {secret}"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("api:import_create"),
            {"file": SimpleUploadedFile("a.jsonl", _lines(2))},
            headers=auth,
        )
    assert response.status_code == 202
    job = response.json()
    assert job["state"] == "queued" and response["Location"] == job["href"]
    followed = client.get(job["href"], headers=auth).json()
    assert followed["state"] == "done" and followed["report"]["created"] == 2
    settings.UPLOAD_MAX_BYTES = 10
    too_big = client.post(
        reverse("api:import_create"),
        {"file": SimpleUploadedFile("a.jsonl", _lines(1))},
        headers=auth,
    )
    assert too_big.status_code == 413 and "the upload limit is 10" in too_big.json()["detail"]
    bad_type = client.post(
        reverse("api:import_create"),
        {"file": SimpleUploadedFile("a.html", b"<p>")},
        headers=auth,
    )
    assert bad_type.status_code == 422 and "is not a" in bad_type.json()["detail"]
