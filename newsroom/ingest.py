"""Ingestion: one service behind the paste form, the file upload and `import_articles`.

Every door turns its input into numbered raw records (`parse_*`), and `articles_import`
validates, de-duplicates and stores them in one transaction: a file with any bad record
imports nothing, and the error lists every bad line. The record shape is documented in
docs/import-format.md.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath
from queue import Full, Queue
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from .models import Article, Outlet, content_hash, normalise_text

BATCH_SIZE = 1000
TITLE_MAX = 500
BYLINE_MAX = 300
OUTLET_MAX = 200
URL_MAX = 2000
FIELDS = ("title", "text", "outlet", "url", "byline", "published_at", "language")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_url_validator = URLValidator(schemes=["http", "https"])
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RecordError:
    """What is wrong with one record, and where: `unit` is "line" or "record"."""

    position: int
    message: str
    field: str | None = None
    unit: str = "line"

    def __str__(self) -> str:
        where = f"{self.unit} {self.position}" if self.position else "file"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


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
    """The input had bad records; nothing was written."""

    def __init__(self, errors: list[RecordError]):
        self.errors = errors
        super().__init__(f"{len(errors)} bad record(s); nothing was imported")


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


# A raw record is (position, dict) or (position, RecordError) when it could not even be parsed.
RawRecord = tuple[int, dict[str, Any] | RecordError]


# --- Parsing: one function per door -------------------------------------------------------


def parse_jsonl(lines: Iterable[bytes]) -> Iterator[RawRecord]:
    """Yield one raw record per non-blank line of a JSONL byte stream (streams any size)."""
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, RecordError(number, _not_utf8(exc))
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RecordError(number, f"invalid JSON: {exc.msg} (column {exc.pos + 1})")
            continue
        if not isinstance(value, dict):
            yield number, RecordError(number, "each line must be a JSON object with title and text")
            continue
        yield number, value


def parse_json(data: bytes) -> Iterator[RawRecord]:
    """Yield the records of a JSON file holding one article object or a list of them."""
    try:
        value = json.loads(_decode(data))
    except UnicodeDecodeError as exc:
        yield 0, RecordError(0, _not_utf8(exc))
        return
    except json.JSONDecodeError as exc:
        yield 0, RecordError(0, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        return
    items = value if isinstance(value, list) else [value]
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield number, item
        else:
            yield (
                number,
                RecordError(number, "must be a JSON object with title and text", unit="record"),
            )


def parse_txt(data: bytes, filename: str) -> Iterator[RawRecord]:
    """Yield the one article of a plain-text file: first non-blank line is the title."""
    try:
        content = _decode(data)
    except UnicodeDecodeError as exc:
        yield 0, RecordError(0, _not_utf8(exc))
        return
    content = normalise_text(content)
    title, _, text = content.lstrip("\n").partition("\n")
    if not text.strip():
        # A one-paragraph file: the whole of it is the text, the file name the title.
        title, text = PurePath(filename).stem.replace("_", " ").replace("-", " "), content
    yield 1, {"title": title.strip(), "text": text.lstrip("\n")}


def _decode(data: bytes) -> str:
    return data.removeprefix(UTF8_BOM).decode("utf-8")


def _not_utf8(exc: UnicodeDecodeError) -> str:
    return f"not valid UTF-8 (byte {exc.start + 1} of the line); save the file as UTF-8"


# --- Validation ---------------------------------------------------------------------------


@dataclass
class _Draft:
    position: int
    title: str
    text: str
    content_hash: str
    outlet: str
    url: str
    byline: str
    published_at: datetime | None
    language: str


def validate_record(
    position: int, raw: dict[str, Any], unit: str = "line"
) -> _Draft | list[RecordError]:
    """Check one raw record against the documented shape; return a draft or its errors."""
    errors: list[RecordError] = []

    def err(name: str, message: str) -> None:
        errors.append(RecordError(position, message, field=name, unit=unit))

    def string(name: str, max_len: int, required: bool = False) -> str:
        value = raw.get(name)
        if value is None or value == "":
            if required:
                err(name, "is required")
            return ""
        if not isinstance(value, str):
            err(name, f"must be a string, not {_json_type(value)}")
            return ""
        if "\x00" in value:
            err(name, "contains a NUL character")
            return ""
        if len(value) > max_len:
            err(name, f"is {len(value):,} characters long; the limit is {max_len:,}")
            return ""
        if required and not value.strip():
            err(name, "is blank (only whitespace)")
            return ""
        return value

    title = " ".join(string("title", TITLE_MAX, required=True).split())
    text = normalise_text(string("text", settings.ARTICLE_MAX_CHARS, required=True))
    outlet = string("outlet", OUTLET_MAX).strip()
    url = string("url", URL_MAX).strip()
    if url:
        try:
            _url_validator(url)
        except ValidationError:
            err("url", "is not a valid http(s) URL")
    byline = " ".join(string("byline", BYLINE_MAX).split())
    language = string("language", 16).strip() or "en"
    if not _LANGUAGE.match(language):
        err("language", "must be a language code such as en, fr or pt-BR")
    published_at = None
    published = string("published_at", 40).strip()
    if published:
        try:
            published_at = datetime.fromisoformat(published)
        except ValueError:
            err("published_at", "must be an ISO 8601 date or date-time, e.g. 2017-03-14")
        else:
            if published_at.tzinfo is None:
                published_at = published_at.replace(tzinfo=UTC)
    if errors:
        return errors
    return _Draft(
        position=position,
        title=title,
        text=text,
        content_hash=content_hash(text),
        outlet=outlet,
        url=url,
        byline=byline,
        published_at=published_at,
        language=language,
    )


def _json_type(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


# --- Reading ahead ------------------------------------------------------------------------

Checked = tuple[int, _Draft | list[RecordError]]


@contextmanager
def _validated(records: Iterable[RawRecord], unit: str) -> Iterator[Iterator[Checked]]:
    """The records run through validate_record, in order (a parse error becomes a list of one).

    A stream is parsed and validated in a worker thread while the caller's thread stores the
    batches before: storing mostly waits for the database, which releases the GIL, so the two
    overlap. The worker keeps at most a couple of batches ahead, so memory stays flat, and an
    exception raised in it (a read error, say) is raised again where its record would be.
    """
    checked = (
        (position, [raw] if isinstance(raw, RecordError) else validate_record(position, raw, unit))
        for position, raw in records
    )
    if isinstance(records, Sequence) and len(records) <= BATCH_SIZE:
        yield checked  # already in memory and small: not worth a thread
        return
    with _read_ahead(checked) as ahead:
        yield ahead


_END = object()


@contextmanager
def _read_ahead(items: Iterator[Any], chunk: int = 250, depth: int = 8) -> Iterator[Iterator[Any]]:
    """Iterate `items` in a worker thread, at most `chunk * depth` items ahead of the reader."""
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(value: Any) -> bool:
        while not stop.is_set():
            try:
                queue.put(value, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def work() -> None:
        try:
            buffer = []
            for item in items:
                buffer.append(item)
                if len(buffer) >= chunk:
                    if not put(buffer):
                        return  # the reader stopped early
                    buffer = []
            if put(buffer):
                put(_END)
        except BaseException as exc:
            put(exc)

    def read() -> Iterator[Any]:
        while (got := queue.get()) is not _END:
            if isinstance(got, BaseException):
                raise got
            yield from got

    worker = threading.Thread(target=work, name="articles-import-read-ahead", daemon=True)
    worker.start()
    try:
        yield read()
    finally:
        stop.set()
        worker.join(timeout=1)  # immediate unless the reader stopped early


# --- The service --------------------------------------------------------------------------


@transaction.atomic
def articles_import(
    *,
    records: Iterable[RawRecord],
    created_by: Any = None,
    unit: str = "line",
    on_batch: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate and store articles, all or nothing; duplicates of stored ones are skipped.

    Streams: records are validated one by one and written in batches, so memory stays flat
    for files of any size. After the first bad record nothing more is written, but every
    record is still checked so that the error lists all bad lines; then the transaction is
    rolled back and ImportRejected raised.
    """
    report = ImportReport()
    errors: list[RecordError] = []
    seen_hashes: dict[str, int] = {}
    seen_urls: dict[str, int] = {}
    outlets: dict[str, Outlet] = {}
    batch: list[_Draft] = []

    def flush() -> None:
        _store_batch(batch, created_by=created_by, report=report, outlets=outlets, unit=unit)
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    with _validated(records, unit) as checked:
        for position, draft in checked:
            if isinstance(draft, list):
                errors.extend(draft)
                continue
            earlier = seen_hashes.get(draft.content_hash) or seen_urls.get(draft.url)
            if earlier:
                report.skipped.append(
                    Skipped(position, f"same article as {unit} {earlier}", unit=unit)
                )
                continue
            seen_hashes[draft.content_hash] = position
            if draft.url:
                seen_urls[draft.url] = position
            if errors:
                continue  # keep checking, stop writing: the transaction will be rolled back
            batch.append(draft)
            if len(batch) >= BATCH_SIZE:
                flush()
    if not errors and batch:
        flush()
    if errors:
        transaction.set_rollback(True)
        raise ImportRejected(errors)
    if report.created_ids:
        # New articles are pending analysis; workers pick the batches up once they exist.
        from entities.analysis import analysis_enqueue

        ids = report.created_ids
        transaction.on_commit(lambda: analysis_enqueue(article_ids=ids))
    return report


def _store_batch(
    batch: list[_Draft],
    *,
    created_by: Any,
    report: ImportReport,
    outlets: dict[str, Outlet],
    unit: str,
) -> None:
    existing = _existing(batch)
    fresh = []
    for draft in batch:
        match = existing.get(("hash", draft.content_hash)) or existing.get(("url", draft.url))
        if match:
            article_id, why = match
            report.skipped.append(
                Skipped(
                    draft.position,
                    f"already imported as article #{article_id} ({why})",
                    article_id,
                    unit,
                )
            )
        else:
            fresh.append(draft)
    _resolve_outlets({d.outlet for d in fresh if d.outlet}, outlets)
    try:
        with transaction.atomic(), connection.wrap_database_errors:
            ids = _insert_articles(fresh, outlets=outlets, created_by=created_by)
    except IntegrityError as exc:
        # Validation above covers every constraint but uniqueness against a concurrent import.
        raise ImportRejected(
            [
                RecordError(
                    0,
                    "another import stored some of these articles at the same moment; run it again",
                )
            ]
        ) from exc
    report.created_ids.extend(ids)


# Batches go through the driver's own cursor: Django's DEBUG query log would otherwise keep
# every multi-megabyte INSERT, and memory would grow with the file.


def _raw_cursor() -> Any:
    connection.ensure_connection()
    return closing(connection.connection.cursor())


def _placeholders(count: int) -> str:
    mark = "?" if connection.Database.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


def _existing(batch: list[_Draft]) -> dict[tuple[str, str], tuple[int, str]]:
    """Stored articles that a batch duplicates, by content hash or by URL."""
    hashes = [d.content_hash for d in batch]
    urls = [d.url for d in batch if d.url]
    found: dict[tuple[str, str], tuple[int, str]] = {}
    with _raw_cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(*_select_where_in("content_hash", hashes))
        for pk, h in cursor.fetchall():
            found[("hash", h)] = (pk, "same text")
        if urls:
            cursor.execute(*_select_where_in("url", urls))
            for pk, url in cursor.fetchall():
                found[("url", url)] = (pk, "same URL")
    return found


def _select_where_in(name: str, values: list[str]) -> tuple[str, list[str]]:
    qn, meta = connection.ops.quote_name, Article._meta
    column = qn(meta.get_field(name).column)
    # Identifiers come from the model; values are parameters.
    sql = (
        f"SELECT {qn(meta.pk.column)}, {column} FROM {qn(meta.db_table)} "  # noqa: S608
        f"WHERE {column} IN ({_placeholders(len(values))})"
    )
    return sql, values


def _insert_articles(
    fresh: list[_Draft], *, outlets: dict[str, Outlet], created_by: Any
) -> list[int]:
    """Insert the batch's new articles with the values bulk_create would give them; their ids."""
    if not fresh:
        return []
    fields = [f for f in Article._meta.concrete_fields if not f.primary_key]
    # Every column the draft does not fill gets its default, or the time for auto_now(_add).
    fixed: dict[str, Any] = {"created_by_id": created_by.pk if created_by is not None else None}
    per_row: dict[str, Callable[[], Any]] = {}
    for f in fields:
        if f.attname in _DRAFT_COLUMNS or f.attname in fixed:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            per_row[f.attname] = timezone.now
        elif f.has_default() and callable(f.default):
            per_row[f.attname] = f.get_default
        else:
            fixed[f.attname] = f.get_default()

    def rows() -> Iterator[list[Any]]:
        for d in fresh:
            values = {
                **fixed,
                "title": d.title,
                "text": d.text,
                "content_hash": d.content_hash,
                "outlet_id": outlets[d.outlet.lower()].pk if d.outlet else None,
                "url": d.url,
                "byline": d.byline,
                "published_at": d.published_at,
                "language": d.language,
            }
            for name, make in per_row.items():
                values[name] = make()
            yield [_db_value(f, values[f.attname]) for f in fields]

    qn = connection.ops.quote_name
    table, pk_column = qn(Article._meta.db_table), Article._meta.pk.column
    columns = ", ".join(qn(f.column) for f in fields)
    with _raw_cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows: the server stores some while the next ones are sent.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, len(fresh)],
            )
            ids = sorted(pk for (pk,) in cursor.fetchall())
            with cursor.copy(f"COPY {table} ({qn(pk_column)}, {columns}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows(), strict=True):
                    copy.write_row([pk, *row])
            return ids
        sql = f"INSERT INTO {table} ({columns}) VALUES ({_placeholders(len(fields))})"  # noqa: S608
        ids = []
        for row in rows():
            cursor.execute(sql, row)
            ids.append(cursor.lastrowid)
        return ids


_DRAFT_COLUMNS = frozenset(
    {"title", "text", "content_hash", "outlet_id", "url", "byline", "published_at", "language"}
)


def _db_value(field: Any, value: Any) -> Any:
    """A value as the driver takes it (SQLite needs datetimes adapted, say)."""
    if value is None or type(value) in (str, int, bool):
        return value
    return field.get_db_prep_save(value, connection)


def _resolve_outlets(names: set[str], cache: dict[str, Outlet]) -> None:
    """Fill `cache` (keyed by lower-cased name) with an Outlet for every name, creating new ones."""
    wanted = {n.lower(): n for n in names if n.lower() not in cache}
    if not wanted:
        return
    for outlet in Outlet.objects.annotate(lname=Lower("name")).filter(lname__in=wanted):
        cache[outlet.name.lower()] = outlet
    missing = [Outlet(name=name) for key, name in wanted.items() if key not in cache]
    for outlet in Outlet.objects.bulk_create(missing):
        cache[outlet.name.lower()] = outlet


def article_create(*, created_by: Any, **fields: Any) -> tuple[Article | None, ImportReport]:
    """Store one article from the paste form through the same validation as file imports."""
    record = {name: value for name, value in fields.items() if name in FIELDS}
    report = articles_import(records=[(1, record)], created_by=created_by, unit="article")
    article = Article.objects.get(pk=report.created_ids[0]) if report.created_ids else None
    return article, report
