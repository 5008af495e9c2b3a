"""Imports as background jobs: an upload is stored and answered at once; a task worker
checks and imports it, and the page follows its progress.

A web request only stores the file (`import_job_create`); the worker (`run_import_job`)
checks every record first, outside any transaction, writing how many it has checked and
the errors it has found as it goes, so a hostile file keeps a worker busy, never a web
process, and holds no database lock while it is read. Only a file without errors is then
imported, all or nothing, through the one import engine (newsroom.importer). Each kind of
file brings its own reading and storing (`JobSteps`): plain articles here
(`run_article_import`), a Newsroom corpus export in annotations.exchange.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from .importer import ErrorList, ImportRejected, ImportReport, articles_import, check_records
from .models import Article, ImportJob, ImportJobState
from .readers import RawRecord, parse_json, parse_jsonl, parse_txt
from .records import RecordError
from .roles import is_admin

logger = logging.getLogger(__name__)
# Errors the job's page lists as they are found (the report counts them all).
ERRORS_SHOWN = 200
# Articles of a finished import the page links to.
CREATED_SHOWN = 100
# A job checking or storing for this long lost its worker.
JOB_STALLED_AFTER = timedelta(minutes=30)
FAILURE_MAX = 2000


@dataclass(frozen=True)
class JobSteps:
    """How one kind of file is checked and imported: `check(job, on_checked)` returns its
    errors, writing nothing; `store(job)` imports it (raising ImportRejected) and returns
    the report as the job keeps it."""

    check: Callable[[ImportJob, Callable[[int, ErrorList], None]], ErrorList]
    store: Callable[[ImportJob], dict[str, Any]]


@transaction.atomic
def import_job_create(*, kind: str, upload: Any, created_by: Any, runner: Any) -> ImportJob:
    """Store an uploaded file (checked by newsroom.uploads) as a job of `kind` and queue
    `runner` (a task taking the job's id) for when this transaction commits."""
    data = upload.read()
    job = ImportJob.objects.create(
        kind=kind, filename=upload.name[:255], size=len(data), data=data, created_by=created_by
    )
    transaction.on_commit(lambda: runner.enqueue(job.pk))
    return job


def run_import_job(job_id: int, steps: JobSteps) -> None:
    """Check, then import, the job's file; every outcome is written to the job."""
    # Take the job only if it is still waiting: a job runs once.
    taken = ImportJob.objects.filter(pk=job_id, state=ImportJobState.QUEUED).update(
        state=ImportJobState.CHECKING, started_at=timezone.now()
    )
    if not taken:
        return
    job = ImportJob.objects.get(pk=job_id)

    def on_checked(count: int, errors: ErrorList) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            records_checked=count, error_count=errors.total, errors=_shown(errors.kept)
        )

    try:
        errors = steps.check(job, on_checked)
        if errors:
            _finish(job_id, ImportJobState.REJECTED)
            return
        ImportJob.objects.filter(pk=job_id).update(state=ImportJobState.STORING)
        report = steps.store(job)
    except ImportRejected as rejected:
        _finish(
            job_id,
            ImportJobState.REJECTED,
            error_count=rejected.total,
            errors=_shown(rejected.errors),
        )
    except Exception as exc:
        logger.exception("import job %s failed", job_id)
        message = f"{type(exc).__name__}: {exc}"[:FAILURE_MAX]
        _finish(job_id, ImportJobState.FAILED, message=message)
    else:
        _finish(job_id, ImportJobState.DONE, report=report)


def _finish(job_id: int, state: str, **fields: Any) -> None:
    # The file is not needed once the job ends: its bytes go, its report stays.
    ImportJob.objects.filter(pk=job_id).update(
        state=state, finished_at=timezone.now(), data=b"", **fields
    )


def _shown(errors: Iterable[RecordError]) -> list[dict[str, Any]]:
    return [
        {"position": e.position, "unit": e.unit, "field": e.field, "message": e.message}
        for e, _ in zip(errors, range(ERRORS_SHOWN), strict=False)
    ]


def import_report(report: ImportReport, **extra: Any) -> dict[str, Any]:
    """An import's report as a job keeps it (JSON)."""
    return {
        "summary": report.summary(),
        "created": report.created,
        "created_ids": report.created_ids[:CREATED_SHOWN],
        "skipped_count": report.skipped_total,
        "skipped": [
            {"text": str(s), "existing_id": s.existing_id} for s in report.skipped[:ERRORS_SHOWN]
        ],
        **extra,
    }


def jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    """The jobs `user` may follow: their own; an admin, every one."""
    jobs = ImportJob.objects.defer("data")
    return jobs if is_admin(user) else jobs.filter(created_by=user)


def job_stalled(job: ImportJob) -> bool:
    """Whether the worker of an unfinished job seems to have died."""
    return (
        not job.finished
        and job.started_at is not None
        and timezone.now() - job.started_at > JOB_STALLED_AFTER
    )


# --- Plain articles (.jsonl, .json, .txt) ---------------------------------------------------


def article_records(data: bytes, filename: str) -> tuple[Iterable[RawRecord], str]:
    """An uploaded article file's records and their unit, by the file's type."""
    name = filename.lower()
    if name.endswith(".jsonl"):
        return parse_jsonl(io.BytesIO(data)), "line"
    if name.endswith(".json"):
        return parse_json(data), "record"
    return parse_txt(data, filename), "file"


def _check_articles(job: ImportJob, on_checked: Callable[[int, ErrorList], None]) -> ErrorList:
    records, unit = article_records(bytes(job.data), job.filename)
    return check_records(records=records, unit=unit, on_checked=on_checked)


def _store_articles(job: ImportJob) -> dict[str, Any]:
    records, unit = article_records(bytes(job.data), job.filename)
    report = articles_import(records=records, created_by=job.created_by, unit=unit)
    return import_report(report)


ARTICLE_STEPS = JobSteps(check=_check_articles, store=_store_articles)


@task()
def run_article_import(job_id: int) -> None:
    """Background task: import an uploaded article file (an ImportJob of plain articles)."""
    run_import_job(job_id, ARTICLE_STEPS)


def article_import_job(*, upload: Any, created_by: Any) -> ImportJob:
    """Hand an uploaded article file to a worker (the Upload page, the API)."""
    return import_job_create(
        kind=ImportJob.Kind.ARTICLES,
        upload=upload,
        created_by=created_by,
        runner=run_article_import,
    )


def created_articles(job: ImportJob) -> list[Article]:
    """The first articles a finished job created, for its page to link to."""
    ids = job.report.get("created_ids", [])
    return list(
        Article.objects.filter(pk__in=ids).select_related("outlet").defer("text").order_by("pk")
    )
