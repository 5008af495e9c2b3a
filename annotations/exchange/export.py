"""Corpus export: the annotated corpus as JSON or JSON Lines, streamed in constant memory.

One generator (`corpus_export_chunks`) walks the articles in primary-key order, a chunk at a
time (keyset pagination, so no cursor stays open between chunks and memory holds one chunk),
fetches that chunk's entities, claims, assignments and review events in a handful of queries
and serialises each article deterministically. The schema is docs/export-schema.json and the
page that explains it docs/export.md.

Determinism is what makes the round trip checkable: keys are sorted, entities and claims are
in reading order with ties broken by label and author (never by database id), and links between
them use per-article ordinal ids ("e1", "c3") that an import turns back into rows, so exporting,
importing into an empty database and exporting again gives the same bytes (bar `exported_at`).
"""

from __future__ import annotations

import importlib.util
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from annotations.exchange.attributions import ClaimLinks, attributions
from annotations.models import Assignment, Claim, Label, ReviewEvent
from annotations.quality import SOURCES, SourcingCounts
from annotations.scorecards import ScoredClaim, viewer_scorecard
from annotations.sources import source_groups
from entities.models import EntityMention, SpanStatus
from entities.pipeline import model_name
from newsroom.models import AnalysisState, Article

FORMAT = "newsroom-corpus"
# 1.1: each article's `sources` and its scorecard's `basis` (a score may be null).
# 1.2: the header's filters say whether the rules' open suggestions (and rejected claims) are
# in the file (`include_suggestions`).
# 1.3: attribution triples (issue 19): each claim's `links.cue` (a statement's cue) and each
# article's `attributions` (source, cue, contents). Files of any 1.x import.
SCHEMA_VERSION = "1.3"
# Articles per chunk (five queries). Real-length texts are ~22,000 characters, held as
# Python strings of up to 4 bytes a character, with their spans and serialised lines:
# 200 keeps a chunk near 30 MB (peak memory flat and under 200 MB: docs/performance.md).
CHUNK_SIZE = 200
# Articles serialised per yielded piece of output: fewer, larger writes.
LINES_PER_PIECE = 50
JSON, JSONL = "json", "jsonl"
FORMATS = (JSON, JSONL)
COUNT_FIELDS = tuple(f.name for f in fields(SourcingCounts))
CONTENT_TYPES = {JSON: "application/json", JSONL: "application/x-ndjson"}


@dataclass(frozen=True)
class ExportFilters:
    """Which articles to export (every field optional; all given ones must hold)."""

    status: str = ""
    outlet: str = ""  # outlet name, case-insensitive
    published_from: date | None = None
    published_to: date | None = None
    labels: tuple[str, ...] = ()  # articles with a claim the file holds of one of these labels
    editor: str = ""  # articles assigned to this username or with claims they authored
    # Accepted claims only unless this is set (`exported_claims`): every format, every door.
    include_suggestions: bool = False

    def as_header(self) -> dict[str, Any]:
        """The filters as they appear in the export header (those given, and always which
        claims the file holds)."""
        out = {}
        for name, value in asdict(self).items():
            if value in ("", None, (), []) and not isinstance(value, bool):
                continue
            if isinstance(value, date):
                value = value.isoformat()
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


def exported_statuses(*, include_suggestions: bool) -> frozenset[str]:
    """Which claims an export holds, by status: the one rule for the Export page, the API and
    both commands, in every format. Accepted claims only, by default: what editors stand
    behind. With `include_suggestions`, every claim: the rules' open suggestions too, and
    the rejected ones, which Newsroom's JSON keeps with their status (the complete record)
    and the other formats, having no status to carry, leave out."""
    if include_suggestions:
        return frozenset(SpanStatus.values)
    return frozenset({SpanStatus.ACCEPTED})


def exported_claims(claims: Any, *, include_suggestions: bool) -> Any:
    """`claims` (a Claim queryset) narrowed to those an export holds (`exported_statuses`)."""
    if include_suggestions:
        return claims
    return claims.filter(status__in=exported_statuses(include_suggestions=False))


def articles_for_export(filters: ExportFilters, viewer: Any = None) -> Any:
    """The articles the filters select, as a queryset (any order).

    `viewer`: the claim filters (labels, editor) count only the claims the viewer may see, so
    a filter cannot reveal claims double annotation hides (None: a whole-corpus export).
    """
    articles = Article.objects.all()
    claims = Claim.objects.visible_to(viewer)
    if filters.status:
        articles = articles.with_status(filters.status)
    if filters.outlet:
        articles = articles.filter(outlet__name__iexact=filters.outlet)
    if filters.published_from:
        articles = articles.filter(published_at__date__gte=filters.published_from)
    if filters.published_to:
        articles = articles.filter(published_at__date__lte=filters.published_to)
    if filters.labels:
        # A claim the file holds: an article is not selected by a claim it will not carry.
        labelled = exported_claims(
            claims.filter(article=OuterRef("pk"), label__slug__in=filters.labels),
            include_suggestions=filters.include_suggestions,
        ).exclude(status=SpanStatus.REJECTED)
        articles = articles.filter(Exists(labelled))
    if filters.editor:
        assigned = Assignment.objects.filter(
            article=OuterRef("pk"), editor__username=filters.editor
        )
        authored = claims.filter(article=OuterRef("pk"), author__username=filters.editor)
        articles = articles.filter(Q(Exists(assigned)) | Q(Exists(authored)))
    return articles


def model_info() -> dict[str, str]:
    """The configured spaCy pipeline's name and version, read from its metadata (no weights)."""
    name = model_name()
    spec = importlib.util.find_spec(name) if name.isidentifier() else None
    if spec is None or not spec.submodule_search_locations:
        return {"name": name, "version": ""}
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    meta_path = package_dir / "meta.json"
    if not meta_path.is_file():
        meta_path = next(package_dir.glob("*/meta.json"), meta_path)
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return {"name": name, "version": ""}
    # The name analysis stores on each mention (entities.pipeline.get_pipeline).
    return {"name": f"{meta['lang']}_{meta['name']}", "version": meta.get("version", "")}


def export_header(filters: ExportFilters, *, exported_at: datetime | None = None) -> dict[str, Any]:
    """The export's header: format, schema version, time, label set, model and filters."""
    labels = [
        {
            "slug": label.slug,
            "name": label.name,
            "description": label.description,
            "colour": label.colour,
            "shortcut": label.shortcut,
            "kind": label.kind,
            "order": label.order,
        }
        for label in Label.objects.order_by("order", "slug")
    ]
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": _iso(exported_at or timezone.now()),
        "labels": labels,
        "model": model_info(),
        "filters": filters.as_header(),
    }


def _dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, keys sorted, non-ASCII as itself: the same bytes for the same data.

    orjson rather than the standard library: serialising is most of an export's time, and
    orjson does it several times faster, straight to UTF-8 bytes.
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat()


@dataclass
class ExportProgress:
    """Filled in as the export runs: for progress bars and the command's summary."""

    articles: int = 0
    total: int | None = None
    on_chunk: Any = field(default=None, repr=False)


def corpus_export_chunks(
    *,
    filters: ExportFilters | None = None,
    fmt: str = JSONL,
    viewer: Any = None,
    progress: ExportProgress | None = None,
    exported_at: datetime | None = None,
) -> Iterator[bytes]:
    """Yield the export as pieces of UTF-8: JSON Lines (a header line, then an article a line) or
    one JSON document. `viewer`: a non-admin user sees what the article page shows them
    (double annotation hides the other editor's claims); None exports everything."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    filters = filters or ExportFilters()
    header = _dumps(export_header(filters, exported_at=exported_at))
    if fmt == JSONL:
        yield header + b"\n"
    else:
        yield header[:-1] + b',"articles":[\n'
    first = True
    for lines in _article_lines(filters, viewer, progress):
        if fmt == JSONL:
            yield b"\n".join(lines) + b"\n"
        else:
            yield (b"" if first else b",\n") + b",\n".join(lines)
            first = False
    if fmt == JSON:
        yield b"]}\n" if first else b"\n]}\n"


def _article_lines(
    filters: ExportFilters, viewer: Any, progress: ExportProgress | None
) -> Iterator[list[bytes]]:
    usernames = dict(get_user_model().objects.values_list("pk", "username"))
    label_slugs = dict(Label.objects.values_list("pk", "slug"))
    selected = articles_for_export(filters, viewer)
    statuses = exported_statuses(include_suggestions=filters.include_suggestions)
    last_pk = 0
    while True:
        rows = list(
            selected.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list(
                "pk",
                "title",
                "text",
                "content_hash",
                "outlet__name",
                "url",
                "byline",
                "published_at",
                "language",
                "status",
                "created_by_id",
                "analysis_state",
                # The article's word count as its figures' row holds it: counting the words
                # of every text again was a fifth of the export's time (docs/performance.md).
                "sourcing__words",
            )[:CHUNK_SIZE]
        )
        if not rows:
            return
        last_pk = rows[-1][0]
        lines = _serialise_chunk(rows, usernames, label_slugs, viewer, statuses)
        for start in range(0, len(lines), LINES_PER_PIECE):
            yield lines[start : start + LINES_PER_PIECE]
        if progress is not None:
            progress.articles += len(rows)
            if progress.on_chunk:
                progress.on_chunk(len(rows))


def _serialise_chunk(
    rows: list[tuple],
    usernames: dict[int, str],
    label_slugs: dict[int, str],
    viewer: Any,
    statuses: frozenset[str],
) -> list[bytes]:
    ids = [row[0] for row in rows]
    mentions: dict[int, list[tuple]] = defaultdict(list)
    for m in EntityMention.objects.filter(article_id__in=ids).values_list(
        "article_id", "pk", "start", "end", "label", "origin", "status", "model_name",
        "model_version", "created_by_id",
    ).order_by():  # fmt: skip
        mentions[m[0]].append(m)
    claims: dict[int, list[tuple]] = defaultdict(list)
    for c in Claim.objects.filter(article_id__in=ids).visible_to(viewer).values_list(
        "article_id", "pk", "start", "end", "label_id", "origin", "status", "author_id",
        "anonymity_reason", "affiliation", "source_count", "note", "source_mention_id",
        "source_claim_id", "version", "source_id", "cue_id",
    ).order_by():  # fmt: skip
        claims[c[0]].append(c)
    assignees: dict[int, list[str]] = defaultdict(list)
    for article_id, editor_id in (
        Assignment.objects.filter(article_id__in=ids)
        .values_list("article_id", "editor_id")
        .order_by()
    ):
        assignees[article_id].append(usernames.get(editor_id, ""))
    events: dict[int, list[dict]] = defaultdict(list)
    for article_id, action, actor, editor, before, after, comment, at in (
        ReviewEvent.objects.filter(article_id__in=ids)
        .values_list(
            "article_id", "action", "actor_id", "editor_id", "status_before", "status_after",
            "comment", "created_at",
        )
        .order_by("created_at", "pk")
    ):  # fmt: skip
        events[article_id].append(
            {
                "action": action,
                "actor": usernames.get(actor),
                "editor": usernames.get(editor),
                "status_before": before,
                "status_after": after,
                "comment": comment,
                "at": _iso(at),
            }
        )

    lines = []
    for (pk, title, text, sha, outlet, url, byline, published, language, status, creator,
         analysis, words) in rows:  # fmt: skip
        editors = assignees.get(pk, [])
        entity_list, entity_ids = _entities(text, mentions.get(pk, []), usernames)
        visible = claims.get(pk, [])
        exported = [c for c in visible if c[6] in statuses]
        claim_list, scored = _claims(text, exported, entity_ids, usernames, label_slugs)
        sources = _sources(claim_list, scored)
        # The scorecard is the one the viewer sees in the app, whichever claims the file holds.
        card = viewer_scorecard(
            scored if len(exported) == len(visible) else _scored(visible, label_slugs),
            words=words if words else len(text.split()),  # no figures yet: count them here
            text=text,
            viewer=viewer,
            article_status=status,
        )
        article = {
            "title": title,
            "text": text,
            "sha256": sha,
            "outlet": outlet,
            "url": url,
            "byline": byline,
            "published_at": _iso(published),
            "language": language,
            "status": status,
            "created_by": usernames.get(creator),
            "analysed": analysis == AnalysisState.DONE,
            "entities": entity_list,
            "claims": claim_list,
            "sources": sources,
            "attributions": _attributions(claim_list, sources),
            "review": {"assignees": sorted(editors), "events": events.get(pk, [])},
            "scorecard": {
                "basis": card.basis,
                "score": card.score,
                "flags": list(card.flag_codes),
                "figures": {f.key: f.value for f in card.figures},
                "counts": {name: getattr(card.counts, name) for name in COUNT_FIELDS},
            },
        }
        lines.append(_dumps(article))
    return lines


def _entities(
    text: str, rows: list[tuple], usernames: dict[int, str]
) -> tuple[list[dict], dict[int, str]]:
    # Reading order; (start, end, label) is unique per article, so the order is total.
    rows.sort(key=lambda m: (m[2], -m[3], m[4]))
    out, ids = [], {}
    for n, (_, pk, start, end, label, origin, status, model, version, creator) in enumerate(
        rows, start=1
    ):
        ids[pk] = f"e{n}"
        out.append(
            {
                "id": f"e{n}",
                "start": start,
                "end": end,
                "text": text[start:end],
                "label": label,
                "origin": origin,
                "status": status,
                "model_name": model,
                "model_version": version,
                "created_by": usernames.get(creator),
            }
        )
    return out, ids


def _claims(
    text: str,
    rows: list[tuple],
    entity_ids: dict[int, str],
    usernames: dict[int, str],
    label_slugs: dict[int, str],
) -> tuple[list[dict], list[tuple]]:
    # Reading order; (start, end, label, author) is unique per article, so the order is total.
    rows.sort(key=lambda c: (c[2], -c[3], label_slugs[c[4]], usernames.get(c[7]) or ""))
    ids = {c[1]: f"c{n}" for n, c in enumerate(rows, start=1)}
    out, scored = [], []
    for (_, pk, start, end, label_id, origin, status, author, reason, affiliation, count, note,
         mention, source, version, source_id, cue) in rows:  # fmt: skip
        slug = label_slugs[label_id]
        out.append(
            {
                "id": ids[pk],
                "start": start,
                "end": end,
                "text": text[start:end],
                "label": slug,
                "origin": origin,
                "status": status,
                "author": usernames.get(author),
                "attributes": {
                    "anonymity_reason": reason,
                    "affiliation": affiliation,
                    "source_count": count,
                    "note": note,
                },
                # A link to a row outside this export (a hidden claim) is exported as none.
                "links": {
                    "source_mention": entity_ids.get(mention),
                    "source_claim": ids.get(source),
                    # A statement's cue (1.3), named as source_claim names a source.
                    "cue": ids.get(cue),
                },
                "version": version,
            }
        )
        scored.append(
            ScoredClaim(pk, slug, reason, source, status, author, source_id, start, end, cue)
        )
    return out, scored


def _scored(rows: list[tuple], label_slugs: dict[int, str]) -> list[ScoredClaim]:
    """The scorecard's facts of claim rows (as `_serialise_chunk` fetches them)."""
    return [
        ScoredClaim(c[1], label_slugs[c[4]], c[8], c[13], c[6], c[7], c[15], c[2], c[3], c[16])
        for c in rows
    ]


def _sources(claims: list[dict], scored: list[ScoredClaim]) -> list[dict]:
    """The article's sources: each once, with its label, a display name and its mention
    claims' ids, in reading order of their first mention (rejected mentions left out)."""
    groups = source_groups(
        (claim["id"], claim["text"], facts.label_slug, facts.source_id)
        for claim, facts in zip(claims, scored, strict=True)
        if facts.label_slug in SOURCES and facts.status != SpanStatus.REJECTED
    )
    return [
        {"id": f"s{n}", "label": g.label, "name": g.name, "claims": list(g.claims)}
        for n, g in enumerate(groups, start=1)
    ]


def _attributions(claims: list[dict], sources: list[dict]) -> list[dict]:
    """The article's attribution triples among the claims the file holds, in reading order of
    their cues: the cue's claim id, its source mention's claim id and that source's id among
    the article's `sources` (each null when the file has none), its statements' claim ids."""
    source_of = {key: source["id"] for source in sources for key in source["claims"]}
    found = attributions(
        ClaimLinks(c["id"], c["label"], c["status"], c["links"]["cue"], c["links"]["source_claim"])
        for c in claims
    )
    return [
        {
            "cue": a.cue,
            "source": a.source,
            "source_id": source_of.get(a.source),
            "contents": list(a.contents),
        }
        for a in found
    ]
