"""Analysis: one spaCy pass over a batch of articles, written in one transaction."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Field
from django.tasks import task
from django.utils import timezone

from annotations.events import announce_claims_changed
from annotations.suggestions import suggestions_replace
from entities.models import EntityMention
from entities.pipeline import ENTITY_LABELS, get_pipeline
from newsroom.models import READ_ONLY, AnalysisState, Article, ArticleStatus

if TYPE_CHECKING:  # the detector imports spaCy: web processes never need it
    from annotations.sourcing import SourcingDetector, Suggestion

logger = logging.getLogger(__name__)
ERROR_MAX = 2000


class AnalysisRefused(Exception):
    """The analysis cannot be run on these articles; the message says why."""


@dataclass
class AnalysisReport:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    mentions: int = 0
    suggestions: int = 0

    def add(self, written: tuple[int, int]) -> None:
        self.mentions += written[0]
        self.suggestions += written[1]


# Errors that mean the database connection is gone, not that this batch is bad.
DATABASE_GONE = (OperationalError, InterfaceError)


def analyse_articles(*, article_ids: Sequence[int], retry_when_back: bool = True) -> AnalysisReport:
    """Pre-tag entities and suggest sourcing claims in these articles, replacing only the
    model's and the rules' untouched suggestions.

    The batch goes through spaCy in one `nlp.pipe` pass and is written in one transaction,
    so a worker that dies mid-batch leaves the articles as they were. If the batch fails,
    each article is retried alone so that one bad article cannot fail the others; those that
    still fail are marked failed with the error.
    """
    report = AnalysisReport()
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return report
    Article.objects.filter(pk__in=ids).update(
        analysis_state=AnalysisState.RUNNING, analysis_started_at=timezone.now(), analysis_error=""
    )
    try:
        report.add(_analyse_batch(ids))
        report.done.extend(ids)
    except DATABASE_GONE:
        # The database went away mid-batch (a restart, a failover). The batch is one
        # transaction, so nothing of it was written; retrying article by article would only
        # fail again. Wait for the database and run the batch again, once. If it does not
        # come back in time the articles stay `running` and are picked up as stalled.
        if retry_when_back and _database_back(within=settings.ANALYSIS_DATABASE_WAIT):
            logger.warning("database back: analysing articles %s again", ids)
            return analyse_articles(article_ids=ids, retry_when_back=False)
        raise
    except Exception as batch_error:
        if len(ids) == 1:
            _mark_failed(ids[0], batch_error)
            report.failed[ids[0]] = _describe(batch_error)
            return report
        for pk in ids:
            try:
                report.add(_analyse_batch([pk]))
                report.done.append(pk)
            except Exception as exc:
                _mark_failed(pk, exc)
                report.failed[pk] = _describe(exc)
    return report


@functools.cache
def sourcing_detector() -> SourcingDetector:
    """The rule-based sourcing detector, built once per process on the pipeline's vocab."""
    # Imported here, not at the top: the detector imports spaCy, which web processes (they
    # import this module for its task) must not pay for at start-up.
    from annotations.sourcing import SourcingDetector

    pipeline = get_pipeline()
    return SourcingDetector(pipeline.nlp, language=pipeline.nlp.meta["lang"])


def _analyse_batch(ids: list[int]) -> tuple[int, int]:
    pipeline = get_pipeline()
    detector = sourcing_detector()
    rows = list(Article.objects.filter(pk__in=ids).values_list("pk", "text"))
    found: list[tuple[int, list[tuple[int, int, str]]]] = []
    suggested: list[tuple[int, list[Suggestion]]] = []
    # memory_zone frees the strings spaCy interns for these texts, keeping workers flat;
    # nothing of a Doc is kept past it (the detector returns plain offsets).
    with pipeline.nlp.memory_zone():
        docs = pipeline.nlp.pipe(
            (text for _, text in rows), batch_size=settings.ANALYSIS_BATCH_SIZE
        )
        for (pk, _), doc in zip(rows, docs, strict=True):
            ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            found.append((pk, [e for e in ents if e[2] in ENTITY_LABELS]))
            suggested.append((pk, detector(doc)))
    pipeline.warm_tokenizer(text for _, text in rows)
    return _write(found, suggested, model_name=pipeline.name, model_version=pipeline.version)


@transaction.atomic
def _write(
    found: list[tuple[int, list[tuple[int, int, str]]]],
    suggested: list[tuple[int, list[Suggestion]]],
    *,
    model_name: str,
    model_version: str,
) -> tuple[int, int]:
    """Entities first, then the sourcing suggestions that link to them, then the state.

    An article approved since it was queued is read-only: nothing of it is written, and its
    analysis is marked failed with the reason."""
    given = [pk for pk, _ in found]
    approved = set(
        Article.objects.select_for_update()
        .filter(pk__in=given, status=ArticleStatus.APPROVED)
        .values_list("pk", flat=True)
    )
    if approved:
        Article.objects.filter(pk__in=approved).update(
            analysis_state=AnalysisState.FAILED, analysis_error=READ_ONLY
        )
        found = [(pk, spans) for pk, spans in found if pk not in approved]
        suggested = [(pk, s) for pk, s in suggested if pk not in approved]
    ids = [pk for pk, _ in found]
    mentions = EntityMention.objects.filter(article_id__in=ids)
    # Spans an editor created, accepted or rejected stay as they are; the model does not
    # suggest them again.
    kept = set(mentions.touched().values_list("article_id", "start", "end", "label"))
    mentions.untouched_suggestions().delete()
    new = [
        (pk, start, end, label)
        for pk, spans in found
        for start, end, label in spans
        if (pk, start, end, label) not in kept
    ]
    _insert_suggestions(new, model_name=model_name, model_version=model_version)
    claims = suggestions_replace(found=suggested)
    announce_claims_changed(*ids)
    Article.objects.filter(pk__in=ids).update(
        analysis_state=AnalysisState.DONE, analysed_at=timezone.now(), analysis_error=""
    )
    return len(new), claims


# The columns that differ from one suggestion to the next; see _insert_suggestions.
SPAN_FIELDS = ("article", "start", "end", "label")


def _insert_suggestions(
    spans: list[tuple[int, int, int, str]], *, model_name: str, model_version: str
) -> None:
    """Insert the model's suggestions (article id, start, end, label): the rows bulk_create
    would write, without building and preparing an EntityMention per span, which cost more
    than the rest of the write put together.

    Every column but those four is prepared once, by its own field, from one template
    mention (defaults, auto_now timestamps, the model's name), so a field added to
    EntityMention is filled here as bulk_create would fill it. PostgreSQL gets one
    INSERT ... SELECT FROM UNNEST of four arrays; other databases one executemany.
    """
    if not spans:
        return
    meta = EntityMention._meta
    template = EntityMention(model_name=model_name, model_version=model_version)
    varying = [meta.get_field(name) for name in SPAN_FIELDS]
    constant = [f for f in meta.concrete_fields if not f.primary_key and f not in varying]
    values = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in constant]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in (*varying, *constant))
    insert = f"INSERT INTO {quote(meta.db_table)} ({columns})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{_base_type(f)}[]" for f in varying)
            constants = ", ".join(f"%s::{_base_type(f)}" for f in constant)
            # Only the model's own table and column names go into the SQL text.
            sql = f"{insert} SELECT u.*, {constants} FROM UNNEST({arrays}) AS u"  # noqa: S608
            columns_of_spans = [list(column) for column in zip(*spans, strict=True)]
            cursor.execute(sql, [*values, *columns_of_spans])
        else:
            marks = ", ".join(["%s"] * (len(varying) + len(constant)))
            cursor.executemany(f"{insert} VALUES ({marks})", [(*s, *values) for s in spans])


def _base_type(field: Field) -> str:
    """The column's type without its length (varchar, not varchar(32)): nothing is truncated."""
    return field.db_type(connection).split("(")[0]


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX]


def _database_back(*, within: float) -> bool:
    """Whether the database answers again within `within` seconds (polling each second)."""
    deadline = time.monotonic() + within
    while True:
        connection.close()  # the broken connection goes; the next query opens another
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except DATABASE_GONE:
            if time.monotonic() >= deadline:
                return False
            time.sleep(1)


def _mark_failed(pk: int, exc: BaseException) -> None:
    logger.exception("analysis of article %s failed", pk, exc_info=exc)
    Article.objects.filter(pk=pk).update(
        analysis_state=AnalysisState.FAILED, analysis_error=_describe(exc)
    )


@task()
def analyse(article_ids: list[int]) -> dict[str, object]:
    """Pre-tag a batch of articles with spaCy (see annotations.analysis.analyse_articles)."""
    report = analyse_articles(article_ids=article_ids)
    return {
        "done": report.done,
        "failed": report.failed,
        "mentions": report.mentions,
        "suggestions": report.suggestions,
    }


def analysis_enqueue(*, article_ids: Sequence[int]) -> int:
    """Queue analysis tasks for these articles, a batch per task. Returns the tasks queued."""
    ids = list(article_ids)
    size = settings.ANALYSIS_BATCH_SIZE
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    for batch in batches:
        analyse.enqueue(batch)
    return len(batches)


@transaction.atomic
def analysis_request(*, article_ids: Sequence[int]) -> int:
    """Mark articles pending and queue their (re-)analysis once this transaction commits.

    Approved articles are read-only and left out; asking for nothing else is refused
    (AnalysisRefused, with the read-only message)."""
    given = list(article_ids)
    ids = list(
        Article.objects.filter(pk__in=given)
        .exclude(status=ArticleStatus.APPROVED)
        .values_list("pk", flat=True)
    )
    if given and not ids:
        raise AnalysisRefused(READ_ONLY)
    Article.objects.filter(pk__in=ids).update(
        analysis_state=AnalysisState.PENDING, analysis_error=""
    )
    transaction.on_commit(lambda: analysis_enqueue(article_ids=ids))
    return len(ids)
