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

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower

from .bulk_insert import bulk_insert
from .events import announce_articles_stored
from .models import AnalysisState, Article, Outlet
from .records import FIELDS, ArticleRecord, RecordError, field_suggestion, validate_record
from .search import search_documents_queue

BATCH_SIZE = 1000
# Errors kept for the report; past this they are only counted ("and N more"), so a hostile
# file of millions of bad lines costs no more memory than one with a thousand.
MAX_ERRORS_KEPT = 1000
# Distinct unknown field names an import's report names (past them: "and others"); each name
# is cut to IGNORED_NAME_MAX characters, since the file chose it.
IGNORED_SHOWN = 10
IGNORED_NAME_MAX = 40
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
    # The first MAX_ERRORS_KEPT records skipped; `skipped_total` counts them all, so that
    # re-importing a file of a million stored articles keeps a thousand, not a million.
    skipped: list[Skipped] = field(default_factory=list)
    skipped_total: int = 0

    # Keys of the records that the import format has no field for, with how many records had
    # each (the first IGNORED_SHOWN names): a file that says `date` for `published_at` is told.
    ignored: dict[str, int] = field(default_factory=dict)
    ignored_others: bool = False

    @property
    def created(self) -> int:
        return len(self.created_ids)

    def skip(self, skipped: Skipped) -> None:
        """Note a record left out because its article is already in the store."""
        self.skipped_total += 1
        if len(self.skipped) < MAX_ERRORS_KEPT:
            self.skipped.append(skipped)

    def note_ignored(self, names: Iterable[str]) -> None:
        for name in names:
            shown = name[:IGNORED_NAME_MAX]
            if shown in self.ignored or len(self.ignored) < IGNORED_SHOWN:
                self.ignored[shown] = self.ignored.get(shown, 0) + 1
            else:
                self.ignored_others = True

    def ignored_summary(self) -> str:
        """What the file held that was not imported, in words (empty when nothing)."""
        if not self.ignored:
            return ""
        names = []
        for name, count in self.ignored.items():
            records = "record" if count == 1 else "records"
            hint = field_suggestion(name)
            names.append(
                f"“{name}” ({count} {records}" + (f"; did you mean {hint}?)" if hint else ")")
            )
        others = ", and others" if self.ignored_others else ""
        return (
            "Not imported, as the import format has no such field (docs/import-format.md): "
            + ", ".join(names)
            + others
            + "."
        )

    def summary(self) -> str:
        noun = "article" if self.created == 1 else "articles"
        text = f"Imported {self.created} {noun}"
        if self.skipped_total:
            text += f"; {self.skipped_total} skipped (already in the store)"
        return " ".join(part for part in (text + ".", self.ignored_summary()) if part)


class ImportExtension:
    """What an import adds to plain articles; this base imports just the articles.

    The engine calls `validate` on each record whose article fields are valid, and, for each
    batch of new articles, `prepare` before building them, `article_fields` for each one's
    extra fields, and `store` once they have ids, inside the batch's savepoint.
    """

    # Whether keys the article record has no field for are named in the report: the corpus
    # import's records carry their annotations beside the article's fields.
    names_unknown_fields = True

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


class StoredPositions:
    """Where in the file each article this import stored came from, by id: how a copy in a
    later batch, which the database finds among the rows this import stored (`_existing`),
    is reported as "same article as line N". Two arrays of 8-byte numbers, not a dictionary
    of every hash and URL (~300 bytes an article): memory that does not grow with the file.
    """

    def __init__(self) -> None:
        self._ids = array("q")
        self._positions = array("q")

    def add(self, stored: list[tuple[int, int]]) -> None:
        """Note a batch's stored (id, position) pairs."""
        # Ids come from one sequence, so each batch's are above the last one's.
        for pk, position in sorted(stored):
            self._ids.append(pk)
            self._positions.append(position)

    def position_of(self, pk: int) -> int | None:
        """Where in the file the article with id `pk` came from, if this import stored it."""
        i = bisect_left(self._ids, pk)
        return self._positions[i] if i < len(self._ids) and self._ids[i] == pk else None


_KNOWN = frozenset(FIELDS)


def _checked(
    records: Iterable[ImportItem],
    *,
    ext: ImportExtension,
    unit: str,
    errors: ErrorList,
) -> Iterator[tuple[int, ArticleRecord, Any]]:
    """The records that pass every check, in order; the others' errors go to `errors`."""
    for position, raw in records:
        if isinstance(raw, RecordError):
            errors.extend([raw])
            continue
        record = raw if isinstance(raw, ArticleRecord) else validate_record(position, raw, unit)
        if isinstance(record, list):
            errors.extend(record)
            continue
        if ext.names_unknown_fields and isinstance(raw, dict):
            ext.report.note_ignored(key for key in raw if key not in _KNOWN)
        item = ext.validate(position, raw, record)
        if isinstance(item, list):
            errors.extend(item)
            continue
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
    stored_at = StoredPositions()
    _plan_each_lookup()

    def flush() -> None:
        stored = _store_batch(
            batch, ext=ext, created_by=created_by, outlets=outlets, unit=unit, stored_at=stored_at
        )
        pending.extend(a.pk for a, _ in stored if a.analysis_state == AnalysisState.PENDING)
        stored_at.add([(a.pk, position) for a, position in stored])
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
    # New articles are pending analysis and search indexing; workers pick them up once the
    # import commits.
    announce_articles_stored(pending)
    if ext.report.created_ids:
        search_documents_queue()
    return ext.report


def _store_batch(
    batch: list[tuple[int, ArticleRecord, Any]],
    *,
    ext: ImportExtension,
    created_by: Any,
    outlets: dict[str, Outlet],
    unit: str,
    stored_at: StoredPositions,
) -> list[tuple[Article, int]]:
    """Store the batch's new articles (and the extension's rows); returns them with their
    positions. Articles already stored, by this import or before it, and copies of an
    earlier record of the batch are skipped."""
    existing = _existing([record for _, record, _ in batch])
    fresh: list[tuple[int, ArticleRecord, Any]] = []
    in_batch: dict[tuple[str, str], int] = {}  # ("hash" or "url", value) → position
    for position, record, item in batch:
        keys = [("hash", record.content_hash)] + ([("url", record.url)] if record.url else [])
        copy_of = next((in_batch[k] for k in keys if k in in_batch), None)
        if copy_of is None:
            in_batch.update(dict.fromkeys(keys, position))
        match = next((existing[k] for k in keys if k in existing), None)
        if not match and not copy_of:
            fresh.append((position, record, item))
            continue
        earlier = copy_of or stored_at.position_of(match[0])
        if earlier:
            ext.report.skip(Skipped(position, f"same article as {unit} {earlier}", unit=unit))
        else:
            article_id, why = match
            reason = f"already imported as article #{article_id} ({why})"
            ext.report.skip(Skipped(position, reason, article_id, unit))
    if not fresh:
        return []
    _resolve_outlets([record.outlet for _, record, _ in fresh if record.outlet], outlets)
    items = [item for _, _, item in fresh]
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
        for _, r, item in fresh
    ]
    try:
        with transaction.atomic():
            bulk_insert(articles)
            ext.store(articles, items)
    except IntegrityError as exc:
        # Validation covers every constraint but uniqueness against a concurrent import.
        message = "another import stored some of these articles at the same moment; run it again"
        raise ImportRejected([RecordError(0, message, unit="file")]) from exc
    ext.report.created_ids.extend(a.pk for a in articles)
    return [(article, position) for article, (position, _, _) in zip(articles, fresh, strict=True)]


def _plan_each_lookup() -> None:
    """PostgreSQL: plan each duplicate lookup for the table as it is now, for the rest of the
    import's transaction.

    The lookups are the same statement every batch, so the server-side prepared statement's
    generic plan, made while the table was still small (a sequential scan), stayed while the
    import grew the table: each batch then read every row it had stored, and 100,000 articles
    imported at 900 a second instead of 2,200 (docs/performance.md)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def _existing(records: list[ArticleRecord]) -> dict[tuple[str, str], tuple[int, str]]:
    """Stored articles that a batch duplicates, by content hash or by URL."""
    hashes = [r.content_hash for r in records]
    urls = [r.url for r in records if r.url]
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for pk, h in Article.objects.filter(content_hash__in=hashes).values_list("pk", "content_hash"):
        found[("hash", h)] = (pk, "same text")
    if urls:
        # `url <> ''` spelled out: SQLite uses the partial unique index on URLs only when the
        # query repeats its condition; without it every batch scanned the whole table.
        stored = Article.objects.filter(url__in=urls).exclude(url="")
        for pk, url in stored.values_list("pk", "url"):
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
