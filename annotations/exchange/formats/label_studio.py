"""Label Studio JSON: a list of tasks, each `{"data": {"text": ...}, "annotations": [...]}`.

Export: accepted spans are a task's annotation, suggested ones its predictions (Label
Studio's name for machine pre-annotations), so editors in Label Studio review them as they
would here. Claims use the `sourcing` labels control, entity mentions the `entity` one; the
links are relations (`same_source`, `cue_source`, `source_entity`, `statement_cue`);
`label_config()` is the matching labelling interface. The list is streamed in pieces.

Import reads the annotations (not the predictions, nor cancelled annotations) of a Label
Studio export. Label Studio counts `start`/`end` in code points, as Newsroom does; older
versions counted UTF-16 units, so a span whose `value.text` only matches as UTF-16 units is
converted (docs/formats.md has the sources).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import quoteattr

from django.db.models import QuerySet

from annotations.models import Label, SpanStatus
from entities.pipeline import ENTITY_LABELS
from newsroom.models import Article
from newsroom.readers import json_items
from newsroom.records import RecordError

from . import (
    ARTICLE_FIELDS,
    CODEPOINT,
    CUE_SOURCE,
    SOURCE_ENTITY,
    STATEMENT_CUE,
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

TEXT_NAME = "text"
SOURCING_NAME = "sourcing"
ENTITY_NAME = "entity"
# The relation between a source's later mentions and its first: one party, named again.
SAME_SOURCE = "same_source"
RELATIONS = (SAME_SOURCE, CUE_SOURCE, SOURCE_ENTITY, STATEMENT_CUE)
MODEL_VERSION = "newsroom"


def label_config() -> str:
    """The Label Studio labelling interface (XML) that matches this export."""
    sourcing = "\n".join(
        f"    <Label value={quoteattr(label.slug)} background={quoteattr(label.colour)}/>"
        for label in Label.objects.all()
    )
    entities = "\n".join(f"    <Label value={quoteattr(name)}/>" for name in ENTITY_LABELS)
    relations = "\n".join(f'    <Relation value="{kind}"/>' for kind in RELATIONS)
    return (
        "<View>\n"
        f'  <Labels name="{ENTITY_NAME}" toName="{TEXT_NAME}">\n{entities}\n  </Labels>\n'
        f'  <Labels name="{SOURCING_NAME}" toName="{TEXT_NAME}">\n{sourcing}\n  </Labels>\n'
        f"  <Relations>\n{relations}\n  </Relations>\n"
        f'  <Text name="{TEXT_NAME}" value="$text"/>\n'
        "</View>\n"
    )


def label_studio_task(article: Article, *, unit: str = CODEPOINT) -> dict[str, Any]:
    """One article (from `exportable`) as a Label Studio task."""
    offsets = OffsetMap(article.text) if unit == UTF16 else None
    accepted: list[dict[str, Any]] = []
    suggested: list[dict[str, Any]] = []

    def region(rid: str, name: str, start: int, end: int, label: str) -> dict[str, Any]:
        return {
            "id": rid,
            "from_name": name,
            "to_name": TEXT_NAME,
            "type": "labels",
            "value": {
                "start": offsets.to_utf16(start) if offsets else start,
                "end": offsets.to_utf16(end) if offsets else end,
                "text": article.text[start:end],
                "labels": [label],
            },
        }

    for m in article.entity_mentions.all():
        target = accepted if m.status == SpanStatus.ACCEPTED else suggested
        target.append(region(f"e{m.pk}", ENTITY_NAME, m.start, m.end, m.label))
    for c in article.claims.all():
        target = accepted if c.status == SpanStatus.ACCEPTED else suggested
        target.append(region(f"c{c.pk}", SOURCING_NAME, c.start, c.end, c.label.slug))
    # Relations join two regions of one result list (the accepted annotation, or the
    # predictions): a source's later mentions to its first ("same source"), a cue to its
    # source, a source claim to its entity mention, a statement to its cue.
    placed = {r["id"]: target for target in (accepted, suggested) for r in target}
    pairs = []
    for g in article_sources(article):
        first, *rest = (f"c{c.pk}" for c in g.claims)
        pairs += [(SAME_SOURCE, other, first) for other in rest]
    pairs += [
        (kind, f"c{source.pk}", f"{'e' if kind == SOURCE_ENTITY else 'c'}{target.pk}")
        for kind, source, target in article_links(article)
    ]
    for kind, from_id, to_id in pairs:
        if placed.get(from_id) is not None and placed.get(from_id) is placed.get(to_id):
            placed[from_id].append(
                {
                    "type": "relation",
                    "from_id": from_id,
                    "to_id": to_id,
                    "direction": "right",
                    "labels": [kind],
                }
            )
    task: dict[str, Any] = {
        "data": {TEXT_NAME: article.text, "newsroom_id": article.pk, **article_fields(article)}
    }
    if accepted:
        task["annotations"] = [{"result": accepted}]
    if suggested:
        task["predictions"] = [{"model_version": MODEL_VERSION, "result": suggested}]
    return task


def label_studio_chunks(
    queryset: QuerySet[Article],
    *,
    unit: str = CODEPOINT,
    include_suggestions: bool = False,
    viewer: Any = None,
) -> Iterator[str]:
    """The articles as one Label Studio JSON array, a task at a time (constant memory)."""
    yield "["
    separator = "\n"
    for article in exportable(queryset, include_suggestions=include_suggestions, viewer=viewer):
        yield separator + json.dumps(label_studio_task(article, unit=unit), ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def parse_label_studio(data: bytes) -> Iterator[ParsedRecord]:
    """Turn a Label Studio JSON export into numbered records (errors name the task)."""
    for number, task in json_items(data):
        yield number, task if isinstance(task, RecordError) else _record(number, task)


def _error(number: int, message: str, field: str | None = None) -> RecordError:
    return RecordError(number, message, field=field, unit="task")


def _record(number: int, task: Any) -> FormatRecord | RecordError:
    if not isinstance(task, dict):
        return _error(number, "must be a JSON object with data.text")
    # Label Studio also takes tasks without the "data" wrapper.
    data = task.get("data", task)
    if not isinstance(data, dict):
        return _error(number, "must be an object holding the text", "data")
    text = data.get(TEXT_NAME)
    if not isinstance(text, str) or not text.strip():
        return _error(number, "is required (a non-blank string)", "data.text")
    fields = {name: data[name] for name in ARTICLE_FIELDS if name in data}
    fields["text"] = text
    if not fields.get("title"):
        fields["title"] = derive_title(text)
    spans: list[SpanRecord] = []
    # "completions" is what Label Studio before 1.0 called annotations.
    key = "annotations" if "annotations" in task else "completions"
    annotations = task.get(key) or []
    if not isinstance(annotations, list):
        return _error(number, "must be a list", key)
    for a, annotation in enumerate(annotations):
        if not isinstance(annotation, dict):
            return _error(number, "must be an object with a result list", f"{key}[{a}]")
        if annotation.get("was_cancelled"):
            continue
        results = annotation.get("result") or []
        if not isinstance(results, list):
            return _error(number, "must be a list", f"{key}[{a}].result")
        for r, result in enumerate(results):
            where = f"{key}[{a}].result[{r}]"
            # Other result types (choices, relations, text areas) have no span to import.
            if not isinstance(result, dict) or result.get("type") != "labels":
                continue
            value = result.get("value")
            labels = value.get("labels") if isinstance(value, dict) else None
            if not isinstance(labels, list) or not labels:
                return _error(number, "must hold start, end and a list of labels", where + ".value")
            snippet = value.get("text")
            for label in labels:
                spans.append(
                    SpanRecord(
                        value.get("start"),
                        value.get("end"),
                        label,
                        where + ".value",
                        text=snippet if isinstance(snippet, str) else None,
                    )
                )
    # unit None: code points, or UTF-16 units where only they match the span's text.
    return FormatRecord(fields=fields, spans=spans, unit=None)
