"""doccano JSONL: `{"text": ..., "label": [[start, end, "LABEL"], ...], "entities": [...],
"relations": [...]}`.

One JSON object per line. Export streams one line per article, with its spans both as
sequence labelling reads them (`label`) and as relation extraction does (`entities` with ids,
and the links between them as `relations`); the article's other fields ride along as extra
keys, which doccano keeps as the example's metadata. Import reads
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
    SOURCE_ENTITY,
    UTF16,
    FormatRecord,
    OffsetMap,
    ParsedRecord,
    SpanRecord,
    article_fields,
    article_links,
    article_sources,
    derive_title,
    exportable,
)


def doccano_record(article: Article, *, unit: str = UTF16) -> dict:
    """One article (from `exportable`) as a doccano record: text, labelled spans in reading
    order (as sequence labelling's `label` and as relation extraction's `entities`), the
    links as `relations`, metadata."""
    offsets = OffsetMap(article.text) if unit == UTF16 else None

    def at(cp: int) -> int:
        return offsets.to_utf16(cp) if offsets else cp

    spans: list[tuple[int, int, str, tuple[str, int]]] = [
        (m.start, m.end, m.label, ("e", m.pk)) for m in article.entity_mentions.all()
    ]
    spans += [(c.start, c.end, c.label.slug, ("c", c.pk)) for c in article.claims.all()]
    spans.sort(key=lambda s: (s[0], -s[1], s[2]))
    # doccano's span and relation ids are whole numbers: a span's is its place in the list.
    span_id = {key: n for n, (_, _, _, key) in enumerate(spans)}
    relations = [
        {
            "id": n,
            "from_id": span_id["c", source.pk],
            "to_id": span_id["e" if kind == SOURCE_ENTITY else "c", target.pk],
            "type": kind,
        }
        for n, (kind, source, target) in enumerate(article_links(article))
    ]
    return {
        "text": article.text,
        # A sequence-labelling project reads `label`; one with relation labelling (doccano's
        # "JSONL (Relation)") reads `entities` and `relations`. Each keeps the other as meta.
        "label": [[at(start), at(end), label] for start, end, label, _ in spans],
        "entities": [
            {"id": n, "start_offset": at(start), "end_offset": at(end), "label": label}
            for n, (start, end, label, _) in enumerate(spans)
        ],
        "relations": relations,
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
    queryset: QuerySet[Article],
    *,
    unit: str = UTF16,
    include_suggestions: bool = False,
    viewer: Any = None,
) -> Iterator[str]:
    """The articles as doccano JSONL, a line at a time (constant memory)."""
    articles = exportable(queryset, include_suggestions=include_suggestions, viewer=viewer)
    for article in articles:
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
