"""Ingestion: one service behind the paste form, the file upload and `import_articles`.

Every door turns its input into numbered raw records (`parse_*`), and `articles_import`
validates, de-duplicates and stores them in one transaction: a file with any bad record
imports nothing, and the error lists every bad line. The record shape is documented in
docs/import-format.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from .events import announce_articles_stored
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


def parse_jsonl(
    lines: Iterable[bytes],
    *,
    not_object: str = "each line must be a JSON object with title and text",
) -> Iterator[RawRecord]:
    """Yield one raw record per non-blank line of a JSONL byte stream (streams any size);
    `not_object` is the error for a line that is valid JSON but not an object."""
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
            yield number, RecordError(number, not_object)
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


class SeenInFile:
    """The articles one import file has given so far, by content hash and by URL: a later
    copy in the same file is skipped, naming the first."""

    def __init__(self) -> None:
        self.hashes: dict[str, int] = {}
        self.urls: dict[str, int] = {}

    def skip(self, draft: _Draft, position: int, report: Any, unit: str) -> bool:
        """Record `draft`, or, if it came earlier, add it to `report.skipped` and say so."""
        earlier = self.hashes.get(draft.content_hash) or self.urls.get(draft.url)
        if earlier:
            report.skipped.append(Skipped(position, f"same article as {unit} {earlier}", unit=unit))
            return True
        self.hashes[draft.content_hash] = position
        if draft.url:
            self.urls[draft.url] = position
        return False


def import_finish(errors: list[RecordError], new_article_ids: list[int]) -> None:
    """End an import's transaction: roll it back and raise if any record was bad, else queue
    the new articles' analysis for when it commits."""
    if errors:
        transaction.set_rollback(True)
        raise ImportRejected(errors)
    announce_articles_stored(new_article_ids)


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
    seen = SeenInFile()
    outlets: dict[str, Outlet] = {}
    batch: list[_Draft] = []

    def flush() -> None:
        _store_batch(batch, created_by=created_by, report=report, outlets=outlets, unit=unit)
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    for position, raw in records:
        if isinstance(raw, RecordError):
            errors.append(raw)
            continue
        draft = validate_record(position, raw, unit=unit)
        if isinstance(draft, list):
            errors.extend(draft)
            continue
        if seen.skip(draft, position, report, unit):
            continue
        if errors:
            continue  # keep checking, stop writing: the transaction will be rolled back
        batch.append(draft)
        if len(batch) >= BATCH_SIZE:
            flush()
    if not errors and batch:
        flush()
    # New articles are pending analysis; workers pick the batches up once they exist.
    import_finish(errors, report.created_ids)
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
    _resolve_outlets([d.outlet for d in fresh if d.outlet], outlets)
    articles = [
        Article(
            title=d.title,
            text=d.text,
            content_hash=d.content_hash,
            outlet=outlets[d.outlet.lower()] if d.outlet else None,
            url=d.url,
            byline=d.byline,
            published_at=d.published_at,
            language=d.language,
            created_by=created_by,
        )
        for d in fresh
    ]
    try:
        with transaction.atomic():
            Article.objects.bulk_create(articles)
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
    report.created_ids.extend(a.pk for a in articles)


def _existing(batch: list[_Draft]) -> dict[tuple[str, str], tuple[int, str]]:
    """Stored articles that a batch duplicates, by content hash or by URL."""
    hashes = [d.content_hash for d in batch]
    urls = [d.url for d in batch if d.url]
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


def article_create(*, created_by: Any, **fields: Any) -> tuple[Article | None, ImportReport]:
    """Store one article from the paste form through the same validation as file imports."""
    record = {name: value for name, value in fields.items() if name in FIELDS}
    report = articles_import(records=[(1, record)], created_by=created_by, unit="article")
    article = Article.objects.get(pk=report.created_ids[0]) if report.created_ids else None
    return article, report
