"""Import of Newsroom's own corpus export (JSON or JSON Lines): the round trip's way back in.

It runs on the article import engine (`newsroom.importer.import_records`), so validation of the
article's fields, de-duplication, batches, the all-or-nothing rule and the error report are the
same as for any article import; this module adds the export header, the checks of each article's
entities, claims, links and review, and their storing once the articles have ids (a
`CorpusExtension`). Articles already stored (same text or same URL) are skipped with their
annotations, so importing the same export twice adds nothing. The format is docs/export.md.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.tasks import task
from django.utils import timezone

from annotations.exchange.corpus_records import (
    CorpusRecord,
    Header,
    validate_article,
    validate_header,
)
from annotations.models import Assignment, Claim, Label, LabelKind, ReviewEvent, Source
from annotations.sources import sources_assign
from entities.models import EntityMention
from newsroom.importer import (
    ErrorList,
    ImportExtension,
    ImportRejected,
    ImportReport,
    check_records,
    import_records,
)
from newsroom.jobs import JobSteps, import_job_create, import_report, run_import_job
from newsroom.models import AnalysisState, Article, ImportJob
from newsroom.readers import RawRecord, parse_jsonl, read_json
from newsroom.records import ArticleRecord, RecordError

BATCH_SIZE = 200


@dataclass
class CorpusImportReport(ImportReport):
    entities: int = 0
    claims: int = 0
    users_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        noun = "article" if self.created == 1 else "articles"
        text = (
            f"Imported {self.created} {noun} with {self.entities} entities and {self.claims} claims"
        )
        if self.skipped_total:
            text += f"; {self.skipped_total} skipped (already in the store)"
        if self.users_created:
            text += (
                f"; created {len(self.users_created)} inactive user(s) for authors not in this "
                f"database: {', '.join(self.users_created[:20])}"
            )
        return text + "."


# --- Parsing ------------------------------------------------------------------------------


def parse_corpus_jsonl(lines: Iterable[bytes]) -> Iterator[RawRecord]:
    """Yield (line number, object) for each non-blank line of a JSON Lines export: the first
    is the header, the others articles (streams a file of any size)."""
    return parse_jsonl(lines, not_object="each line must be a JSON object")


def parse_corpus_json(data: bytes) -> Iterator[RawRecord]:
    """Yield the header (position 0) and then each article (1-based) of a JSON export."""
    value = read_json(data)
    if isinstance(value, RecordError):
        yield 0, value
        return
    if not isinstance(value, dict) or not isinstance(value.get("articles"), list):
        yield 0, RecordError(0, "not a Newsroom export: expected an object with an articles list")
        return
    articles = value.pop("articles")
    yield 0, value
    for number, item in enumerate(articles, start=1):
        if isinstance(item, dict):
            yield number, item
        else:
            yield number, RecordError(number, "must be a JSON object", unit="article")


# --- The service --------------------------------------------------------------------------


class CorpusExtension(ImportExtension):
    """What the corpus import adds to the article engine: each article's annotations and
    review, checked per record and stored per batch once the articles have ids."""

    names_unknown_fields = False  # its records carry annotations beside the article's fields

    def __init__(self, header: Header, unit: str) -> None:
        self.report: CorpusImportReport = CorpusImportReport()
        self.header, self.unit = header, unit
        self.known_labels = dict(Label.objects.values_list("slug", "kind"))
        self.users: dict[str, Any] = {}
        self.now = timezone.now()

    @property
    def batch_size(self) -> int:
        return BATCH_SIZE

    def validate(self, position: int, raw: Any, record: ArticleRecord) -> Any:
        return validate_article(
            position,
            raw,
            record,
            unit=self.unit,
            header=self.header,
            known_labels=self.known_labels,
        )

    def prepare(self, items: list[CorpusRecord]) -> None:
        _resolve_users(set().union(*(r.usernames() for r in items)), self.users, self.report)
        self.now = timezone.now()

    def user(self, name: str | None) -> Any:
        return self.users[name] if name else None

    def article_fields(self, item: CorpusRecord) -> dict[str, Any]:
        return {
            "status": item.status,
            "created_by": self.user(item.created_by),
            "analysis_state": AnalysisState.DONE if item.analysed else AnalysisState.PENDING,
            "analysed_at": self.now if item.analysed else None,
        }

    def store(self, articles: list[Article], items: list[CorpusRecord]) -> None:
        pairs = list(zip(articles, items, strict=True))
        mentions = self._store_mentions(pairs)
        claims = self._store_claims(pairs, mentions)
        Assignment.objects.bulk_create(
            Assignment(article=article, editor=self.users[name])
            for article, r in pairs
            for name in r.assignees
        )
        self._store_events(pairs)
        self.report.entities += len(mentions)
        self.report.claims += len(claims)

    def _store_mentions(
        self, pairs: list[tuple[Article, CorpusRecord]]
    ) -> dict[tuple[int, str], EntityMention]:
        mentions = {
            (article.pk, e.key): EntityMention(
                article=article, created_by=self.user(e.created_by), **e.columns()
            )
            for article, r in pairs
            for e in r.entities
        }
        EntityMention.objects.bulk_create(mentions.values())
        return mentions

    def _store_claims(
        self,
        pairs: list[tuple[Article, CorpusRecord]],
        mentions: dict[tuple[int, str], EntityMention],
    ) -> dict[tuple[int, str], Claim]:
        labels = {label.slug: label for label in Label.objects.all()}
        claims = {
            (article.pk, c.key): Claim(
                article=article,
                start=c.start,
                end=c.end,
                label=labels[c.label],
                origin=c.origin,
                status=c.status,
                author=self.user(c.author),
                anonymity_reason=c.anonymity_reason,
                affiliation=c.affiliation,
                source_count=c.source_count,
                note=c.note,
                source_mention=mentions[article.pk, c.source_mention] if c.source_mention else None,
                version=c.version,
            )
            for article, r in pairs
            for c in r.claims
        }
        Claim.objects.bulk_create(claims.values())
        # Links between claims need both rows' ids: set them once every claim has one.
        linked = []
        for article, r in pairs:
            for c in r.claims:
                if c.source_claim or c.cue:
                    claim = claims[article.pk, c.key]
                    if c.source_claim:
                        claim.source_claim = claims[article.pk, c.source_claim]
                    if c.cue:
                        claim.cue = claims[article.pk, c.cue]
                    linked.append(claim)
        Claim.objects.bulk_update(linked, ["source_claim", "cue"], batch_size=500)
        # Sources as the file groups them (schema 1.1); mentions it leaves out (a 1.0 file)
        # are grouped by the rules, as after analysis.
        source_kind = {label.pk for label in labels.values() if label.kind == LabelKind.SOURCE}
        grouped = []
        for article, r in pairs:
            for keys in r.sources:
                members = [claims[article.pk, key] for key in keys]
                members = [c for c in members if c.label_id in source_kind]
                if not members:
                    continue
                source = Source.objects.create(article=article)
                for claim in members:
                    claim.source = source
                    grouped.append(claim)
        Claim.objects.bulk_update(grouped, ["source"], batch_size=500)
        sources_assign(article_ids=[article.pk for article, _ in pairs])
        return claims

    def _store_events(self, pairs: list[tuple[Article, CorpusRecord]]) -> None:
        events, times = [], []
        for article, r in pairs:
            for e in r.events:
                events.append(
                    ReviewEvent(
                        article=article,
                        actor=self.user(e.actor),
                        editor=self.user(e.editor),
                        action=e.action,
                        status_before=e.status_before,
                        status_after=e.status_after,
                        comment=e.comment,
                    )
                )
                times.append(e.at)
        ReviewEvent.objects.bulk_create(events)
        # created_at is auto_now_add (set on insert): put the exported times back.
        for event, at in zip(events, times, strict=True):
            event.created_at = at
        ReviewEvent.objects.bulk_update(events, ["created_at"], batch_size=500)


def corpus_import(
    *,
    records: Iterable[RawRecord],
    unit: str = "line",
    on_batch: Callable[[int], None] | None = None,
) -> CorpusImportReport:
    """Store a Newsroom export (header, then articles) all or nothing; articles already
    stored are skipped, so re-importing adds nothing. Raises ImportRejected listing every
    bad record and field."""
    header, articles = _read_header(iter(records), unit)
    extension = CorpusExtension(header, unit)
    return import_records(records=articles, unit=unit, on_batch=on_batch, extension=extension)


def _read_header(records: Iterator[RawRecord], unit: str) -> tuple[Header, Iterator[RawRecord]]:
    """The export's header, and the records after it (with any unreadable line before it);
    raises ImportRejected when there is no valid header, since nothing after it can be checked."""
    errors: list[RecordError] = []
    for position, raw in records:
        if isinstance(raw, RecordError):
            errors.append(raw)
            if position <= 1:
                break  # an unreadable first record: there is no header to read
            continue
        checked = validate_header(position, raw, unit if position else "file")
        if isinstance(checked, list):
            raise ImportRejected(errors + checked)
        return checked, chain(((e.position, e) for e in errors), records)
    raise ImportRejected(
        errors or [RecordError(0, "the file is empty: no export header", unit="file")]
    )


def _resolve_users(names: set[str], cache: dict[str, Any], report: CorpusImportReport) -> None:
    """Fill `cache` with a user for every username: existing ones, else a new *inactive* one
    with no password and no role, so that authorship survives the round trip but nobody can
    log in as an imported name until an admin activates the account and gives it a role."""
    wanted = names - cache.keys()
    if not wanted:
        return
    User = get_user_model()
    for found in User.objects.filter(username__in=wanted):
        cache[found.username] = found
    missing = sorted(wanted - cache.keys())
    unusable = make_password(None)
    for created in User.objects.bulk_create(
        User(username=name, is_active=False, password=unusable) for name in missing
    ):
        cache[created.username] = created
    report.users_created.extend(missing)


# --- As a background job (the Export page's import) ------------------------------------------


def corpus_records(data: bytes, filename: str) -> tuple[Iterator[RawRecord], str]:
    """An uploaded export's records (header first) and their unit, by the file's type."""
    if filename.lower().endswith(".jsonl"):
        return parse_corpus_jsonl(io.BytesIO(data)), "line"
    return parse_corpus_json(data), "article"


def corpus_check(
    *, records: Iterable[RawRecord], unit: str, on_checked: Callable[[int, ErrorList], None]
) -> ErrorList:
    """Check an export as `corpus_import` does, writing nothing; return its errors."""
    try:
        header, articles = _read_header(iter(records), unit)
    except ImportRejected as rejected:
        errors = ErrorList()
        errors.extend(rejected.errors)
        on_checked(0, errors)
        return errors
    extension = CorpusExtension(header, unit)
    return check_records(records=articles, unit=unit, extension=extension, on_checked=on_checked)


def _check_job(job: ImportJob, on_checked: Callable[[int, ErrorList], None]) -> ErrorList:
    records, unit = corpus_records(bytes(job.data), job.filename)
    return corpus_check(records=records, unit=unit, on_checked=on_checked)


def _store_job(job: ImportJob) -> dict[str, Any]:
    records, unit = corpus_records(bytes(job.data), job.filename)
    report = corpus_import(records=records, unit=unit)
    return import_report(
        report, entities=report.entities, claims=report.claims, users_created=report.users_created
    )


@task()
def run_corpus_import(job_id: int) -> None:
    """Background task: import an uploaded Newsroom export (an ImportJob of a corpus)."""
    run_import_job(job_id, JobSteps(check=_check_job, store=_store_job))


def corpus_import_job(*, upload: Any, created_by: Any) -> ImportJob:
    """Hand an uploaded Newsroom export to a worker (the Export page's import)."""
    return import_job_create(
        kind=ImportJob.Kind.CORPUS, upload=upload, created_by=created_by, runner=run_corpus_import
    )
