"""doccano JSONL for sequence labelling: `{"text": ..., "label": [[start, end, "LABEL"], ...]}`.

One JSON object per line. Export streams one line per article; the article's other fields
ride along as extra keys, which doccano keeps as the example's metadata. Import reads
doccano's exports (the `label` key, or `labels` from older versions, or the relation
project's `entities`). doccano counts offsets in UTF-16 code units unless the project
counts grapheme clusters; Newsroom converts (docs/formats.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from newsroom.models import Article
from newsroom.readers import parse_jsonl
from newsroom.records import RecordError

from . import (
    ARTICLE_FIELDS,
    UTF16,
    FormatRecord,
    OffsetMap,
    ParsedRecord,
    SpanRecord,
    article_fields,
    article_sources,
    derive_title,
    exportable,
)


def doccano_record(article: Article, *, unit: str = UTF16) -> dict:
    """One article (from `exportable`) as a doccano record: text, labelled spans in reading
    order, metadata."""
    offsets = OffsetMap(article.text) if unit == UTF16 else None

    def at(cp: int) -> int:
        return offsets.to_utf16(cp) if offsets else cp

    spans = [(m.start, m.end, m.label) for m in article.entity_mentions.all()]
    spans += [(c.start, c.end, c.label.slug) for c in article.claims.all()]
    spans.sort(key=lambda s: (s[0], -s[1], s[2]))
    return {
        "text": article.text,
        "label": [[at(start), at(end), label] for start, end, label in spans],
        "newsroom_id": article.pk,
        **article_fields(article),
        # doccano's span labelling has no way to say two spans are one party: the sources
        # travel as metadata (doccano keeps unknown keys as the example's meta).
        "sources": [
            {
                "label": g.label,
                "name": g.name,
                "spans": [[at(c.start), at(c.end)] for c in g.claims],
            }
            for g in article_sources(article)
        ],
    }


def doccano_lines(
    queryset: QuerySet[Article], *, unit: str = UTF16, accepted_only: bool = False
) -> Iterator[str]:
    """The articles as doccano JSONL, a line at a time (constant memory)."""
    for article in exportable(queryset, accepted_only=accepted_only):
        yield json.dumps(doccano_record(article, unit=unit), ensure_ascii=False) + "\n"


def parse_doccano(lines: Iterable[bytes], *, unit: str = UTF16) -> Iterator[ParsedRecord]:
    """Turn a doccano JSONL byte stream into numbered records (errors name the line)."""
    for number, raw in parse_jsonl(lines):
        if isinstance(raw, RecordError):
            yield number, raw
            continue
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip():
            # Checked here: a title derived from a missing text would be reported missing too.
            yield number, RecordError(number, "is required (a non-blank string)", field="text")
            continue
        spans = _spans(number, raw)
        if isinstance(spans, RecordError):
            yield number, spans
            continue
        yield number, FormatRecord(fields=_fields(raw), spans=spans, unit=unit)


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    fields = {name: raw[name] for name in ARTICLE_FIELDS if name in raw}
    fields["text"] = raw["text"]
    if not fields.get("title"):
        fields["title"] = derive_title(raw["text"])
    return fields


def _spans(number: int, raw: dict[str, Any]) -> list[SpanRecord] | RecordError:
    if "entities" in raw and "label" not in raw:
        # The relation-extraction project's export: entities as objects.
        key, items = "entities", raw["entities"]
    else:
        key = "label" if "label" in raw or "labels" not in raw else "labels"
        items = raw.get(key, [])
    if not isinstance(items, list):
        return RecordError(number, "must be a list of [start, end, label]", field=key)
    spans = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if isinstance(item, dict) and key == "entities":
            spans.append(
                SpanRecord(
                    item.get("start_offset"), item.get("end_offset"), item.get("label"), where
                )
            )
        elif isinstance(item, list) and len(item) == 3:
            spans.append(SpanRecord(item[0], item[1], item[2], where))
        else:
            return RecordError(
                number,
                f"must be [start, end, label], not {json.dumps(item, ensure_ascii=False)[:80]}",
                field=where,
            )
    return spans
