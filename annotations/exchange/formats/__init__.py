"""Exchange formats: spaCy DocBin, doccano JSONL, Label Studio JSON and Citron JSON
(docs/formats.md).

Each format has its own module with an export (streamed where the format allows) and, for
doccano and Label Studio, a parser. Parsers turn a file into numbered `FormatRecord`s; the one
service here, `annotated_import`, stores them: articles through `articles_import` (same
validation, same de-duplication), then their claims and entity mentions, all in one
transaction. A file with any bad record imports nothing, and every error names the record
(line or task) and the field.
"""

from __future__ import annotations

import bisect
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from annotations.exchange.export import exported_claims
from annotations.models import Claim, ClaimOrigin, Label, LabelKind
from annotations.sources import SourceGroup, source_groups, sources_assign
from entities.models import EntityMention, Origin, SpanStatus
from entities.pipeline import ENTITY_LABELS
from newsroom.importer import ImportRejected, Skipped, articles_import
from newsroom.models import Article, content_hash, normalise_text
from newsroom.records import TITLE_MAX, RecordError

CODEPOINT, UTF16 = "codepoint", "utf16"
OFFSET_UNITS = (CODEPOINT, UTF16)
# The article fields every format carries alongside the text, as articles_import reads them.
ARTICLE_FIELDS = ("title", "outlet", "url", "byline", "published_at", "language")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
EXPORT_CHUNK = 200  # articles fetched (with their claims and mentions) per query
# The relations doccano and Label Studio exports draw (docs/formats.md): a cue (reporting,
# denial, no comment) to the source claim it belongs to; a source claim to the entity mention
# it is; a statement to the cue that attributes it.
CUE_SOURCE, SOURCE_ENTITY, STATEMENT_CUE = "cue_source", "source_entity", "statement_cue"


# --- Offsets --------------------------------------------------------------------------------


class OffsetMap:
    """Convert between code-point offsets (ours, Python's) and UTF-16 code units (JavaScript's).

    Only characters outside the Basic Multilingual Plane (most emoji, some CJK and historic
    scripts) differ: each is one code point but two UTF-16 units. A text without them maps
    to itself, at no cost.
    """

    def __init__(self, text: str):
        # Code-point positions of the astral characters, in order.
        self.astral = [m.start() for m in _ASTRAL.finditer(text)]
        self.length = len(text)

    def to_utf16(self, cp: int) -> int:
        """The UTF-16 offset of code-point offset `cp`."""
        return cp + bisect.bisect_left(self.astral, cp)

    def to_codepoint(self, unit: int) -> int | None:
        """The code-point offset of UTF-16 offset `unit`; None if it falls inside a pair."""
        # Astral character k starts at UTF-16 offset astral[k] + k: count those before `unit`.
        lo, hi = 0, len(self.astral)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.astral[mid] + mid < unit:
                lo = mid + 1
            else:
                hi = mid
        # `lo` astral characters start before `unit`; one that starts at unit - 1 is split.
        if lo and self.astral[lo - 1] + (lo - 1) == unit - 1:
            return None
        return unit - lo


def newline_map(raw: str) -> list[int] | None:
    """Positions in `raw` of the `\\r` of each `\\r\\n` (None if there is none): the code points
    that the one normalisation of stored text removes, so offsets after them shift."""
    if "\r\n" not in raw:
        return None
    return [i for i in range(len(raw) - 1) if raw[i] == "\r" and raw[i + 1] == "\n"]


def normalised_offset(removed: list[int] | None, offset: int) -> int:
    """Map an offset into the raw text to the same place in the normalised (stored) text."""
    return offset - bisect.bisect_left(removed, offset) if removed else offset


# --- Export helpers -------------------------------------------------------------------------


def exportable(
    queryset: QuerySet[Article], *, include_suggestions: bool = False, viewer: Any = None
) -> Iterator[Article]:
    """Iterate the articles with their outlet, the claims the export holds and their entity
    mentions, a chunk at a time: memory stays flat however many there are.

    Claims: those `viewer` may see (None: all, as the commands export), accepted only unless
    `include_suggestions` (`exported_claims`, the one rule); rejected ones never, since these
    formats have no status to carry. Entity mentions: all but the rejected ones, the model's
    unreviewed tags included (editors correct them by rejecting or relabelling, so few are
    ever marked accepted).
    """
    claims = exported_claims(
        Claim.objects.visible_to(viewer), include_suggestions=include_suggestions
    ).exclude(status=SpanStatus.REJECTED)
    claims = claims.select_related("label").order_by("start", "-end", "pk")
    mentions = EntityMention.objects.exclude(status=SpanStatus.REJECTED).order_by(
        "start", "-end", "pk"
    )
    articles = (
        queryset.select_related("outlet")
        .prefetch_related(
            Prefetch("claims", queryset=claims), Prefetch("entity_mentions", queryset=mentions)
        )
        .order_by("pk")
    )
    # Keyset pagination, as the JSON export: no cursor stays open while a download streams.
    last_pk = 0
    while chunk := list(articles.filter(pk__gt=last_pk)[:EXPORT_CHUNK]):
        yield from chunk
        last_pk = chunk[-1].pk


def article_sources(article: Article) -> list[SourceGroup]:
    """The article's sources among its exported claims (from `exportable`): each once, its
    `claims` the mention Claim objects, in reading order."""
    return source_groups(
        (c, article.text[c.start : c.end], c.label.slug, c.source_id)
        for c in article.claims.all()
        if c.label.kind == LabelKind.SOURCE
    )


def article_links(article: Article) -> list[tuple[str, Claim, Claim | EntityMention]]:
    """The article's links between exported spans (from `exportable`), as the relations
    doccano and Label Studio draw: (type, from, to), in the reading order of `from`. A link
    to a span the export leaves out (a suggestion, a rejected or hidden span) is none."""
    claims = {c.pk: c for c in article.claims.all()}
    mentions = {m.pk: m for m in article.entity_mentions.all()}
    links: list[tuple[str, Claim, Claim | EntityMention]] = []
    for claim in claims.values():
        if claim.source_claim_id in claims:
            links.append((CUE_SOURCE, claim, claims[claim.source_claim_id]))
        if claim.source_mention_id in mentions:
            links.append((SOURCE_ENTITY, claim, mentions[claim.source_mention_id]))
        if claim.cue_id in claims:
            links.append((STATEMENT_CUE, claim, claims[claim.cue_id]))
    return links


def zip_entry(name: str, compress_type: int) -> zipfile.ZipInfo:
    """A ZIP member named `name`, dated now (the ZIPs of DocBin and Citron downloads)."""
    info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
    info.compress_type = compress_type
    return info


class ZipPipe(io.RawIOBase):
    """A write-only stream that hands over what was written to it: zipfile writes a ZIP to
    a stream it cannot seek, and the download sends each piece on."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def article_fields(article: Article) -> dict[str, Any]:
    """The article's own fields, in the shape `articles_import` reads back."""
    return {
        "title": article.title,
        "outlet": article.outlet.name if article.outlet else "",
        "url": article.url,
        "byline": article.byline,
        "published_at": article.published_at.isoformat() if article.published_at else "",
        "language": article.language,
    }


# --- Import ---------------------------------------------------------------------------------


@dataclass
class SpanRecord:
    """One labelled span as a file states it; `where` names it in errors."""

    start: Any
    end: Any
    label: Any
    where: str
    # Label Studio repeats the span's text: it tells code points from UTF-16 units.
    text: str | None = None


@dataclass
class FormatRecord:
    """An article and its spans as one record of a file states them."""

    fields: dict[str, Any]
    spans: list[SpanRecord]
    # CODEPOINT, UTF16, or None: decide per span from its text (Label Studio).
    unit: str | None = CODEPOINT


ParsedRecord = tuple[int, FormatRecord | RecordError]


@dataclass
class FormatImportReport:
    articles_created: int = 0
    articles_skipped: list[Skipped] = field(default_factory=list)  # the first ones
    articles_skipped_total: int = 0
    claims_created: int = 0
    mentions_created: int = 0
    suggestions_accepted: int = 0
    already_there: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"Imported {self.articles_created} article(s), {self.claims_created} claim(s) and "
            f"{self.mentions_created} entity mention(s)"
        )
        if self.articles_skipped_total:
            text += f"; {self.articles_skipped_total} article(s) already in the store"
        if self.suggestions_accepted:
            text += f"; {self.suggestions_accepted} matching suggestion(s) accepted"
        if self.already_there:
            text += f"; {self.already_there} span(s) already marked"
        return text + "."


@dataclass
class _Span:
    start: int
    end: int
    label: Label | str  # a Label makes a claim, a string an entity mention


@transaction.atomic
def annotated_import(
    *, records: Iterable[ParsedRecord], created_by: Any = None, unit: str = "line"
) -> FormatImportReport:
    """Store the articles of a converted file and their claims and entity mentions, all or
    nothing; re-importing the same file adds nothing.

    A span's label is a sourcing Label slug (it becomes a claim, accepted, by `created_by`)
    or one of spaCy's entity labels the product tags (an entity mention, accepted, origin
    editor). Offsets are checked against the text but kept exactly: they are not snapped.
    """
    labels = {label.slug: label for label in Label.objects.all()}
    labels_ci = {slug.lower(): label for slug, label in labels.items()}
    errors: list[RecordError] = []
    wanted: list[tuple[int, str, list[_Span]]] = []  # (position, content hash, spans)

    def articles() -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
        for position, record in records:
            if isinstance(record, RecordError):
                yield position, record
                continue
            raw = record.fields.get("text")
            if isinstance(raw, str) and raw:
                spans = _check_spans(position, raw, record, labels, labels_ci, unit, errors)
                wanted.append((position, content_hash(normalise_text(raw)), spans))
            yield position, record.fields

    try:
        articles_report = articles_import(records=articles(), created_by=created_by, unit=unit)
    except ImportRejected as rejected:
        total = rejected.total + len(errors)
        raise ImportRejected(_sorted(rejected.errors + errors), total) from None
    if errors:
        raise ImportRejected(_sorted(errors))
    report = FormatImportReport(
        articles_created=articles_report.created,
        articles_skipped=articles_report.skipped,
        articles_skipped_total=articles_report.skipped_total,
    )
    _store_spans(wanted, created_by=created_by, report=report, unit=unit)
    return report


def _sorted(errors: list[RecordError]) -> list[RecordError]:
    return sorted(errors, key=lambda e: e.position)


def _check_spans(
    position: int,
    raw: str,
    record: FormatRecord,
    labels: dict[str, Label],
    labels_ci: dict[str, Label],
    unit: str,
    errors: list[RecordError],
) -> list[_Span]:
    """Validate a record's spans against its text; return them as code points into the
    normalised text, appending an error (naming the span) for each bad one."""
    removed = newline_map(raw)
    offsets = OffsetMap(raw) if record.unit != CODEPOINT else None
    spans = []

    def err(where: str, message: str) -> None:
        errors.append(RecordError(position, message, field=where, unit=unit))

    for span in record.spans:
        label = _resolve_label(span.label, labels, labels_ci)
        if label is None:
            known = ", ".join([*labels, *ENTITY_LABELS])
            err(span.where, f"unknown label {span.label!r}; known labels: {known}")
            continue
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (span.start, span.end)):
            err(span.where, "start and end must be whole numbers")
            continue
        located = _locate(raw, span, record.unit, offsets)
        if isinstance(located, str):
            err(span.where, located)
            continue
        start, end = located
        spans.append(
            _Span(normalised_offset(removed, start), normalised_offset(removed, end), label)
        )
    return spans


def _locate(
    raw: str, span: SpanRecord, unit: str | None, offsets: OffsetMap | None
) -> tuple[int, int] | str:
    """The span's code-point offsets into `raw`, or what is wrong with them."""
    start, end = span.start, span.end
    if unit == UTF16 or (unit is None and not _matches(raw, start, end, span.text)):
        assert offsets is not None
        cp_start, cp_end = offsets.to_codepoint(start), offsets.to_codepoint(end)
        if unit is None and (
            cp_start is None or cp_end is None or not _matches(raw, cp_start, cp_end, span.text)
        ):
            return (
                f"{start}–{end} does not slice the text to {span.text!r}, neither as code "
                "points nor as UTF-16 units"
            )
        if cp_start is None or cp_end is None:
            return f"{start}–{end} splits an emoji (a UTF-16 surrogate pair)"
        start, end = cp_start, cp_end
    if not 0 <= start < end <= len(raw):
        return f"{span.start}–{span.end} is not a span inside the text (0–{len(raw)})"
    if not raw[start:end].strip():
        return f"{span.start}–{span.end} holds only whitespace"
    return start, end


def _matches(raw: str, start: int, end: int, text: str | None) -> bool:
    return text is None or (0 <= start < end <= len(raw) and raw[start:end] == text)


def _resolve_label(
    value: Any, labels: dict[str, Label], labels_ci: dict[str, Label]
) -> Label | str | None:
    """A sourcing Label for a slug, an entity label string for spaCy's, else None."""
    if not isinstance(value, str):
        return None
    if value in labels:
        return labels[value]
    if value in ENTITY_LABELS:
        return value
    if value.lower() in labels_ci:
        return labels_ci[value.lower()]
    if value.upper() in ENTITY_LABELS:
        return value.upper()
    return None


def _store_spans(
    wanted: list[tuple[int, str, list[_Span]]],
    *,
    created_by: Any,
    report: FormatImportReport,
    unit: str,
) -> None:
    """Create the claims and mentions the records ask for, skipping those already there."""
    by_hash: dict[str, int] = {}
    hashes = list({h for _, h, spans in wanted if spans})
    for i in range(0, len(hashes), 500):
        by_hash.update(
            Article.objects.filter(content_hash__in=hashes[i : i + 500]).values_list(
                "content_hash", "pk"
            )
        )
    claims: dict[tuple[int, int, int, int], Claim] = {}
    mentions: dict[tuple[int, int, int, str], EntityMention] = {}
    for position, digest, spans in wanted:
        article_id = by_hash.get(digest)
        if article_id is None:
            if spans:
                # Skipped as a duplicate by URL of a stored article with another text: the
                # offsets are into this text, not the stored one.
                report.notes.append(
                    f"{unit} {position}: its article is stored with a different text (same "
                    "URL); its spans were not imported"
                )
            continue
        for s in spans:
            if isinstance(s.label, Label):
                claims.setdefault(
                    (article_id, s.start, s.end, s.label.pk),
                    Claim(
                        article_id=article_id,
                        start=s.start,
                        end=s.end,
                        label=s.label,
                        author=created_by,
                        origin=ClaimOrigin.EDITOR,
                        status=SpanStatus.ACCEPTED,
                    ),
                )
            else:
                mentions.setdefault(
                    (article_id, s.start, s.end, s.label),
                    EntityMention(
                        article_id=article_id,
                        start=s.start,
                        end=s.end,
                        label=s.label,
                        origin=Origin.EDITOR,
                        status=SpanStatus.ACCEPTED,
                        created_by=created_by,
                        updated_by=created_by,
                    ),
                )
    article_ids = {key[0] for key in claims} | {key[0] for key in mentions}
    _create_claims(claims, article_ids, created_by, report)
    _create_mentions(mentions, article_ids, created_by, report)


def _create_claims(
    claims: dict[tuple[int, int, int, int], Claim],
    article_ids: set[int],
    user: Any,
    report: FormatImportReport,
) -> None:
    accept = []
    for existing in _in_chunks(Claim.objects.all(), article_ids):
        key = (existing.article_id, existing.start, existing.end, existing.label_id)
        if key not in claims:
            continue
        # A span and label already marked stays as it is: that is what makes re-import a
        # no-op. An open rule suggestion of it is accepted, as the file says it holds.
        del claims[key]
        if existing.status == SpanStatus.SUGGESTED:
            existing.status, existing.author = SpanStatus.ACCEPTED, user
            existing.version += 1
            accept.append(existing)
        else:
            report.already_there += 1
    if accept:
        bulk_update_with_history(accept, Claim, ["status", "author", "version"], default_user=user)
    if claims:
        bulk_create_with_history(list(claims.values()), Claim, default_user=user)
    # The formats carry no grouping Newsroom reads back: the rules group the new mentions.
    sources_assign(article_ids=article_ids)
    report.suggestions_accepted += len(accept)
    report.claims_created = len(claims)


def _create_mentions(
    mentions: dict[tuple[int, int, int, str], EntityMention],
    article_ids: set[int],
    user: Any,
    report: FormatImportReport,
) -> None:
    accept = []
    for existing in _in_chunks(EntityMention.objects.all(), article_ids):
        key = (existing.article_id, existing.start, existing.end, existing.label)
        if key not in mentions:
            continue
        del mentions[key]
        if existing.status == SpanStatus.SUGGESTED:
            existing.status, existing.updated_by = SpanStatus.ACCEPTED, user
            accept.append(existing)
        else:
            report.already_there += 1
    if accept:
        bulk_update_with_history(accept, EntityMention, ["status", "updated_by"], default_user=user)
    if mentions:
        bulk_create_with_history(list(mentions.values()), EntityMention, default_user=user)
    report.suggestions_accepted += len(accept)
    report.mentions_created = len(mentions)


def _in_chunks(queryset: QuerySet, article_ids: set[int]) -> Iterator[Any]:
    """The rows of these articles, a few hundred articles per query (databases cap the
    number of parameters a query may have)."""
    ids = sorted(article_ids)
    for i in range(0, len(ids), 500):
        yield from queryset.filter(article_id__in=ids[i : i + 500])


def derive_title(text: str) -> str:
    """A title for a record that has none (doccano and Label Studio need none): the text's
    first non-blank line, shortened."""
    line = next((ln for ln in normalise_text(text).split("\n") if ln.strip()), "")
    title = " ".join(line.split())
    limit = min(TITLE_MAX, 120)
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
