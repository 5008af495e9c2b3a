"""Analysis: one spaCy pass over a batch of articles, written in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from newsroom.models import AnalysisState, Article

from .models import EntityMention
from .pipeline import ENTITY_LABELS, get_pipeline

logger = logging.getLogger(__name__)
ERROR_MAX = 2000


@dataclass
class AnalysisReport:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    mentions: int = 0


def analyse_articles(*, article_ids: Sequence[int]) -> AnalysisReport:
    """Pre-tag entities in these articles, replacing only the model's untouched suggestions.

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
        report.mentions += _analyse_batch(ids)
        report.done.extend(ids)
    except Exception as batch_error:
        if len(ids) == 1:
            _mark_failed(ids[0], batch_error)
            report.failed[ids[0]] = _describe(batch_error)
            return report
        for pk in ids:
            try:
                report.mentions += _analyse_batch([pk])
                report.done.append(pk)
            except Exception as exc:
                _mark_failed(pk, exc)
                report.failed[pk] = _describe(exc)
    return report


def _analyse_batch(ids: list[int]) -> int:
    pipeline = get_pipeline()
    rows = list(Article.objects.filter(pk__in=ids).values_list("pk", "text"))
    found: list[tuple[int, list[tuple[int, int, str]]]] = []
    # memory_zone frees the strings spaCy interns for these texts, keeping workers flat.
    with pipeline.nlp.memory_zone():
        docs = pipeline.nlp.pipe(
            (text for _, text in rows), batch_size=settings.ANALYSIS_BATCH_SIZE
        )
        for (pk, _), doc in zip(rows, docs, strict=True):
            found.append(
                (
                    pk,
                    [
                        (e.start_char, e.end_char, e.label_)
                        for e in doc.ents
                        if e.label_ in ENTITY_LABELS
                    ],
                )
            )
    return _write(found, model_name=pipeline.name, model_version=pipeline.version)


@transaction.atomic
def _write(
    found: Iterable[tuple[int, list[tuple[int, int, str]]]], *, model_name: str, model_version: str
) -> int:
    found = list(found)
    ids = [pk for pk, _ in found]
    mentions = EntityMention.objects.filter(article_id__in=ids)
    # Spans an editor created, accepted or rejected stay as they are; the model does not
    # suggest them again.
    kept = set(mentions.touched().values_list("article_id", "start", "end", "label"))
    mentions.untouched_suggestions().delete()
    new = [
        EntityMention(
            article_id=pk,
            start=start,
            end=end,
            label=label,
            model_name=model_name,
            model_version=model_version,
        )
        for pk, spans in found
        for start, end, label in spans
        if (pk, start, end, label) not in kept
    ]
    EntityMention.objects.bulk_create(new, batch_size=2000)
    Article.objects.filter(pk__in=ids).update(
        analysis_state=AnalysisState.DONE, analysed_at=timezone.now(), analysis_error=""
    )
    return len(new)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX]


def _mark_failed(pk: int, exc: BaseException) -> None:
    logger.exception("analysis of article %s failed", pk, exc_info=exc)
    Article.objects.filter(pk=pk).update(
        analysis_state=AnalysisState.FAILED, analysis_error=_describe(exc)
    )


def analysis_enqueue(*, article_ids: Sequence[int]) -> int:
    """Queue analysis tasks for these articles, a batch per task. Returns the tasks queued."""
    from .tasks import analyse

    ids = list(article_ids)
    size = settings.ANALYSIS_BATCH_SIZE
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    for batch in batches:
        analyse.enqueue(batch)
    return len(batches)


@transaction.atomic
def analysis_request(*, article_ids: Sequence[int]) -> int:
    """Mark articles pending and queue their (re-)analysis once this transaction commits."""
    ids = list(article_ids)
    Article.objects.filter(pk__in=ids).update(
        analysis_state=AnalysisState.PENDING, analysis_error=""
    )
    transaction.on_commit(lambda: analysis_enqueue(article_ids=ids))
    return len(ids)
