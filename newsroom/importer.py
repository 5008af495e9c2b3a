"""The import engine: one loop behind every way articles come in.

Every door turns its input into numbered raw records (newsroom.readers), and `import_records`
validates them (newsroom.records), skips duplicates within the file and of stored articles,
stores the rest in batches, and does it all or nothing: after the first bad record nothing more
is written but checking goes on, so that the error lists every bad line; then the transaction
is rolled back and ImportRejected raised. An import that carries more than articles (the corpus
import: entities, claims, review) plugs its own checks and storing in through an
`ImportExtension`, so the loop, the de-duplication, the batches and the report exist once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from .events import announce_articles_stored
from .models import AnalysisState, Article, Outlet
from .records import ArticleRecord, RecordError, validate_record

BATCH_SIZE = 1000
# Errors kept for the report; past this they are only counted ("and N more"), so a hostile
# file of millions of bad lines costs no more memory than one with a thousand.
MAX_ERRORS_KEPT = 1000
# Records between two progress reports of a check.
CHECK_PROGRESS_EVERY = 2000

# (position, raw dict), (position, RecordError) for what could not be read, or (position,
# ArticleRecord) for a record a form or the API has already validated.
ImportItem = tuple[int, dict[str, Any] | RecordError | ArticleRecord]


@dataclass(frozen=True)
class Skipped:
    """A record that was not imported because the article is already in the store."""

    position: int
    reason: str
    existing_id: int | None = None
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.position}: {self.reason}"


class ImportRejected(Exception):
    """The input had bad records; nothing was written. `errors` are the first
    MAX_ERRORS_KEPT of them, `total` how many there were."""

    def __init__(self, errors: list[RecordError], total: int | None = None):
        self.errors = list(errors)
        self.total = len(self.errors) if total is None else total
        super().__init__(f"{self.total} bad record(s); nothing was imported")

    @property
    def more(self) -> int:
        """How many errors were counted but not kept."""
        return self.total - len(self.errors)


class ErrorList:
    """The errors of one import: the first MAX_ERRORS_KEPT kept, all of them counted."""

    def __init__(self) -> None:
        self.kept: list[RecordError] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def extend(self, errors: Iterable[RecordError]) -> None:
        for error in errors:
            self.total += 1
            if len(self.kept) < MAX_ERRORS_KEPT:
                self.kept.append(error)

    def rejected(self) -> ImportRejected:
        return ImportRejected(self.kept, self.total)


@dataclass
class ImportReport:
    created_ids: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.created_ids)

    def summary(self) -> str:
        noun = "article" if self.created == 1 else "articles"
        text = f"Imported {self.created} {noun}"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped (already in the store)"
        return text + "."


class ImportExtension:
    """What an import adds to plain articles; this base imports just the articles.

    The engine calls `validate` on each record whose article fields are valid, and, for each
    batch of new articles, `prepare` before building them, `article_fields` for each one's
    extra fields, and `store` once they have ids, inside the batch's savepoint.
    """

    def __init__(self) -> None:
        self.report: ImportReport = ImportReport()

    @property
    def batch_size(self) -> int:
        """How many records are written at once."""
        return BATCH_SIZE

    def validate(self, position: int, raw: Any, record: ArticleRecord) -> Any:
        """Check what the record carries besides the article: its item, or RecordErrors."""
        return record

    def prepare(self, items: list[Any]) -> None:
        """Get ready to store these items' articles (e.g. find or create their users)."""

    def article_fields(self, item: Any) -> dict[str, Any]:
        """Extra fields of the item's Article (status, creator, analysis state)."""
        return {}

    def store(self, articles: list[Article], items: list[Any]) -> None:
        """Store what belongs to the new articles (which have their ids now)."""


class SeenInFile:
    """The articles one import file has given so far, by content hash and by URL: a later
    copy in the same file is skipped, naming the first."""

    def __init__(self) -> None:
        self.hashes: dict[str, int] = {}
        self.urls: dict[str, int] = {}

    def skip(self, record: ArticleRecord, position: int, report: ImportReport, unit: str) -> bool:
        """Note `record`, or, if it came earlier, add it to `report.skipped` and say so."""
        earlier = self.hashes.get(record.content_hash) or self.urls.get(record.url)
        if earlier:
            report.skipped.append(Skipped(position, f"same article as {unit} {earlier}", unit=unit))
            return True
        self.hashes[record.content_hash] = position
        if record.url:
            self.urls[record.url] = position
        return False


def _checked(
    records: Iterable[ImportItem], *, ext: ImportExtension, unit: str, errors: ErrorList
) -> Iterator[tuple[int, ArticleRecord, Any]]:
    """The records that pass every check and are not repeated within the file, in order;
    the others' errors go to `errors`, the repeats to the report's `skipped`."""
    seen = SeenInFile()
    for position, raw in records:
        if isinstance(raw, RecordError):
            errors.extend([raw])
            continue
        record = raw if isinstance(raw, ArticleRecord) else validate_record(position, raw, unit)
        if isinstance(record, list):
            errors.extend(record)
            continue
        item = ext.validate(position, raw, record)
        if isinstance(item, list):
            errors.extend(item)
            continue
        if not seen.skip(record, position, ext.report, unit):
            yield position, record, item


def check_records(
    *,
    records: Iterable[ImportItem],
    unit: str = "line",
    extension: ImportExtension | None = None,
    on_checked: Callable[[int, ErrorList], None] | None = None,
) -> ErrorList:
    """Check records as `import_records` does, writing nothing, and return their errors;
    `on_checked(records so far, errors so far)` is called as it goes. Outside a transaction,
    so that a long check holds no lock: an import job checks first, then imports."""
    ext = extension or ImportExtension()
    errors = ErrorList()
    read = 0

    def counted() -> Iterator[ImportItem]:
        # Every record read counts, the bad ones too: a file of nothing but errors shows its
        # progress as a good one does.
        nonlocal read
        for item in records:
            read += 1
            if on_checked and read % CHECK_PROGRESS_EVERY == 0:
                on_checked(read, errors)
            yield item

    for _ in _checked(counted(), ext=ext, unit=unit, errors=errors):
        pass
    if on_checked:
        on_checked(read, errors)
    return errors


@transaction.atomic
def import_records(
    *,
    records: Iterable[ImportItem],
    unit: str = "line",
    created_by: Any = None,
    on_batch: Callable[[int], None] | None = None,
    extension: ImportExtension | None = None,
) -> Any:
    """Validate and store records all or nothing; duplicates are skipped; returns the report.

    Streams: records are validated one by one and written in batches, so memory stays flat
    for files of any size. Raises ImportRejected listing the bad records and fields (the
    first MAX_ERRORS_KEPT of them, with how many there were in all).
    """
    ext = extension or ImportExtension()
    errors = ErrorList()
    outlets: dict[str, Outlet] = {}
    batch: list[tuple[int, ArticleRecord, Any]] = []
    pending: list[int] = []

    def flush() -> None:
        stored = _store_batch(batch, ext=ext, created_by=created_by, outlets=outlets, unit=unit)
        pending.extend(a.pk for a in stored if a.analysis_state == AnalysisState.PENDING)
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    for checked in _checked(records, ext=ext, unit=unit, errors=errors):
        if errors:
            continue  # keep checking, stop writing: the transaction will be rolled back
        batch.append(checked)
        if len(batch) >= ext.batch_size:
            flush()
    if not errors and batch:
        flush()
    if errors:
        transaction.set_rollback(True)
        raise errors.rejected()
    # New articles are pending analysis; workers pick them up once the import commits.
    announce_articles_stored(pending)
    return ext.report


def _store_batch(
    batch: list[tuple[int, ArticleRecord, Any]],
    *,
    ext: ImportExtension,
    created_by: Any,
    outlets: dict[str, Outlet],
    unit: str,
) -> list[Article]:
    existing = _existing([record for _, record, _ in batch])
    fresh: list[tuple[ArticleRecord, Any]] = []
    for position, record, item in batch:
        match = existing.get(("hash", record.content_hash)) or existing.get(("url", record.url))
        if match:
            article_id, why = match
            reason = f"already imported as article #{article_id} ({why})"
            ext.report.skipped.append(Skipped(position, reason, article_id, unit))
        else:
            fresh.append((record, item))
    if not fresh:
        return []
    _resolve_outlets([record.outlet for record, _ in fresh if record.outlet], outlets)
    items = [item for _, item in fresh]
    ext.prepare(items)
    articles = [
        Article(
            **{
                "title": r.title,
                "text": r.text,
                "content_hash": r.content_hash,
                "outlet": outlets[r.outlet.lower()] if r.outlet else None,
                "url": r.url,
                "byline": r.byline,
                "published_at": r.published_at,
                "language": r.language,
                "created_by": created_by,
                **ext.article_fields(item),
            }
        )
        for r, item in fresh
    ]
    try:
        with transaction.atomic():
            Article.objects.bulk_create(articles)
            ext.store(articles, items)
    except IntegrityError as exc:
        # Validation covers every constraint but uniqueness against a concurrent import.
        message = "another import stored some of these articles at the same moment; run it again"
        raise ImportRejected([RecordError(0, message, unit="file")]) from exc
    ext.report.created_ids.extend(a.pk for a in articles)
    return articles


def _existing(records: list[ArticleRecord]) -> dict[tuple[str, str], tuple[int, str]]:
    """Stored articles that a batch duplicates, by content hash or by URL."""
    hashes = [r.content_hash for r in records]
    urls = [r.url for r in records if r.url]
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for pk, h in Article.objects.filter(content_hash__in=hashes).values_list("pk", "content_hash"):
        found[("hash", h)] = (pk, "same text")
    if urls:
        for pk, url in Article.objects.filter(url__in=urls).values_list("pk", "url"):
            found[("url", url)] = (pk, "same URL")
    return found


def _resolve_outlets(names: list[str], cache: dict[str, Outlet]) -> None:
    """Fill `cache` (keyed by lower-cased name) with an Outlet for every name, creating new ones.

    A new outlet written several ways in one file is stored as first written (`names` is in
    file order), so the same file always gives the same spelling."""
    wanted: dict[str, str] = {}
    for name in names:
        if name.lower() not in cache:
            wanted.setdefault(name.lower(), name)
    if not wanted:
        return
    for outlet in Outlet.objects.annotate(lname=Lower("name")).filter(lname__in=wanted):
        cache[outlet.name.lower()] = outlet
    missing = [Outlet(name=name) for key, name in wanted.items() if key not in cache]
    for outlet in Outlet.objects.bulk_create(missing):
        cache[outlet.name.lower()] = outlet


def articles_import(
    *,
    records: Iterable[ImportItem],
    created_by: Any = None,
    unit: str = "line",
    on_batch: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import plain articles (paste, upload, import_articles, load_demo, the formats)."""
    return import_records(records=records, created_by=created_by, unit=unit, on_batch=on_batch)


def article_create(
    *, created_by: Any, record: ArticleRecord | dict[str, Any]
) -> tuple[Article | None, ImportReport]:
    """Store one article (the paste form, the API) through the same engine as file imports;
    returns it, or None with the report naming the stored article it duplicates."""
    report = articles_import(records=[(1, record)], created_by=created_by, unit="article")
    article = Article.objects.get(pk=report.created_ids[0]) if report.created_ids else None
    return article, report
