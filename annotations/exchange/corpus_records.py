"""The checks of an exported article beyond its article fields: the export header, and each
article's status, entities, claims, links and review (docs/export.md). The corpus import
(corpus_import.py) runs them through the article import engine, after the one article
record validator (newsroom.records) has passed the article's own fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from annotations.exchange.export import FORMAT, SCHEMA_VERSION
from annotations.models import ClaimOrigin, LabelKind, ReviewAction
from entities.models import Origin as EntityOrigin
from entities.models import SpanStatus
from newsroom.models import ArticleStatus
from newsroom.records import ArticleRecord, RecordError, moment_problem, text_problem

SUPPORTED_MAJOR = SCHEMA_VERSION.split(".")[0]
LABEL_MAX, REASON_MAX, AFFILIATION_MAX, USERNAME_MAX = 32, 300, 200, 150
MODEL_NAME_MAX, MODEL_VERSION_MAX = 100, 40
CUE, CONTENT = LabelKind.CUE.value, LabelKind.CONTENT.value


@dataclass
class Header:
    """What the export header tells the articles' checks: the export's label set."""

    labels: set[str]


def validate_header(position: int, raw: dict[str, Any], unit: str) -> Header | list[RecordError]:
    """Check the export header: format, a schema version this code reads, the label set."""
    errors = []

    def err(name: str, message: str) -> None:
        errors.append(RecordError(position, message, field=name, unit=unit))

    if raw.get("format") != FORMAT:
        err("format", f"must be {FORMAT!r}: this is not a Newsroom corpus export header")
        return errors
    version = raw.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != SUPPORTED_MAJOR:
        err("schema_version", f"{version!r} is not supported; this version reads {SCHEMA_VERSION}")
    labels = raw.get("labels")
    slugs: set[str] = set()
    if not isinstance(labels, list):
        err("labels", "must be a list of labels")
    else:
        for i, label in enumerate(labels):
            if not isinstance(label, dict) or not isinstance(label.get("slug"), str):
                err(f"labels[{i}].slug", "is required (a string)")
            else:
                slugs.add(label["slug"])
    return errors or Header(slugs)


@dataclass
class _Span:
    """What an exported entity and claim share: their id in the export, offsets, label, state."""

    key: str
    start: int
    end: int
    label: str
    origin: str
    status: str


@dataclass
class _Entity(_Span):
    model_name: str
    model_version: str
    created_by: str | None

    def columns(self) -> dict[str, Any]:
        """The EntityMention's own columns, as exported."""
        return {k: v for k, v in asdict(self).items() if k not in ("key", "created_by")}


@dataclass
class _Claim(_Span):
    author: str | None
    anonymity_reason: str
    affiliation: str
    source_count: int | None
    note: str
    source_mention: str | None
    source_claim: str | None
    cue: str | None  # schema 1.3; absent before
    version: int


@dataclass
class _Event:
    action: str
    actor: str | None
    editor: str | None
    status_before: str
    status_after: str
    comment: str
    at: datetime


@dataclass
class CorpusRecord:
    """An exported article's annotations and review, checked and ready to store."""

    status: str
    created_by: str | None
    analysed: bool
    entities: list[_Entity]
    claims: list[_Claim]
    sources: list[list[str]]  # each source's mention claim keys
    assignees: list[str]
    events: list[_Event]

    def usernames(self) -> set[str]:
        names = {self.created_by, *self.assignees}
        names.update(e.created_by for e in self.entities)
        names.update(c.author for c in self.claims)
        for event in self.events:
            names.update((event.actor, event.editor))
        names.discard(None)
        return names  # type: ignore[return-value]


class _Checker:
    """Collects the errors of one record, each naming its field path."""

    def __init__(self, position: int, unit: str):
        self.position, self.unit = position, unit
        self.errors: list[RecordError] = []

    def err(self, name: str, message: str) -> None:
        self.errors.append(RecordError(self.position, message, field=name, unit=self.unit))

    def string(self, obj: dict, key: str, path: str, max_len: int | None = None) -> str:
        value = obj.get(key, "")
        if value is None:
            return ""
        if not isinstance(value, str):
            self.err(path, "must be a string")
            return ""
        problem = text_problem(value)
        if problem:
            self.err(path, problem)
            return ""
        if max_len is not None and len(value) > max_len:
            self.err(path, f"is {len(value):,} characters long; the limit is {max_len:,}")
        return value

    def username(self, obj: dict, key: str, path: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, str)
            or not value
            or len(value) > USERNAME_MAX
            or text_problem(value)
        ):
            self.err(path, f"must be a username (1 to {USERNAME_MAX} characters) or null")
            return None
        return value

    def choice(self, obj: dict, key: str, path: str, choices: list[str]) -> str:
        value = obj.get(key)
        if value not in choices:
            self.err(path, f"{value!r} is not one of {', '.join(choices)}")
            return choices[0]
        return value

    def integer(self, value: Any, path: str, minimum: int = 0) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.err(path, f"must be a whole number of at least {minimum}")
            return None
        return value

    def items(self, obj: dict, key: str, path: str) -> list:
        value = obj.get(key, [])
        if not isinstance(value, list):
            self.err(path, "must be a list")
            return []
        return value

    def keyed(self, item: Any, collection: str, i: int, seen: set[str]) -> tuple[str, str] | None:
        """An entry of an article's `collection` with an id unique in it: (id, its path for
        errors), recording the id in `seen`; None (with the error) when it is not."""
        path = f"{collection}[{i}]"
        if not isinstance(item, dict):
            self.err(path, "must be an object")
            return None
        key = item.get("id")
        if not isinstance(key, str) or not key or key in seen:
            self.err(f"{path}.id", f"must be a string unique among the article's {collection}")
            return None
        seen.add(key)
        return key, f"{path} ({key})"

    def entries(
        self, raw: dict, collection: str, text: str, seen: set[str]
    ) -> Iterator[tuple[dict, str, str, tuple[int, int] | None]]:
        """Each entry of the article's `collection` that is an object with a unique id, as
        (entry, id, its path for errors, its span or None when the offsets are bad)."""
        for i, item in enumerate(self.items(raw, collection, collection)):
            if (keyed := self.keyed(item, collection, i, seen)) is not None:
                key, path = keyed
                yield item, key, path, self.span(item, path, text)

    def span(self, item: dict, path: str, text: str) -> tuple[int, int] | None:
        start = self.integer(item.get("start"), f"{path}.start")
        end = self.integer(item.get("end"), f"{path}.end", minimum=1)
        if start is None or end is None:
            return None
        if not start < end <= len(text):
            self.err(
                f"{path}.start",
                f"offsets {start}-{end} are outside the text ({len(text):,} code points) or empty",
            )
            return None
        quoted = item.get("text")
        if quoted is not None and quoted != text[start:end]:
            self.err(
                f"{path}.text",
                f"{quoted!r} is not the text at {start}-{end} ({text[start:end]!r}); "
                "offsets are code points into the article's text",
            )
            return None
        return start, end


def validate_article(
    position: int,
    raw: dict[str, Any],
    base: ArticleRecord,
    *,
    unit: str,
    header: Header,
    known_labels: dict[str, str],
) -> CorpusRecord | list[RecordError]:
    """Check what an exported article carries besides its fields (`base`, already valid):
    its status, entities, claims and review; return them ready to store, or the errors.
    `known_labels`: this database's labels, each slug's kind."""
    check = _Checker(position, unit)
    text = base.text
    if raw.get("sha256") not in (None, base.content_hash):
        check.err("sha256", "does not match the text (SHA-256 of its UTF-8 bytes)")
    status = check.choice(raw, "status", "status", ArticleStatus.values)
    created_by = check.username(raw, "created_by", "created_by")
    analysed = raw.get("analysed", False)
    if not isinstance(analysed, bool):
        check.err("analysed", "must be true or false")

    entities: list[_Entity] = []
    entity_keys: set[str] = set()
    entity_spans: set[tuple] = set()
    for item, key, path, span in check.entries(raw, "entities", text, entity_keys):
        label = check.string(item, "label", f"{path}.label", LABEL_MAX)
        if not label:
            check.err(f"{path}.label", "is required")
        entity = _Entity(
            key=key,
            start=span[0] if span else 0,
            end=span[1] if span else 0,
            label=label,
            origin=check.choice(item, "origin", f"{path}.origin", EntityOrigin.values),
            status=check.choice(item, "status", f"{path}.status", SpanStatus.values),
            model_name=check.string(item, "model_name", f"{path}.model_name", MODEL_NAME_MAX),
            model_version=check.string(
                item, "model_version", f"{path}.model_version", MODEL_VERSION_MAX
            ),
            created_by=check.username(item, "created_by", f"{path}.created_by"),
        )
        if span and label:
            if (span, label) in entity_spans:
                check.err(path, f"repeats the entity {label} at {span[0]}-{span[1]}")
            entity_spans.add((span, label))
        entities.append(entity)

    claims: list[_Claim] = []
    # Each claim id's label, for the links to check what they point to.
    claim_labels = {
        item["id"]: item["label"] if isinstance(item.get("label"), str) else None
        for item in (raw.get("claims") if isinstance(raw.get("claims"), list) else [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    claim_keys = claim_labels.keys()
    seen_claim_keys: set[str] = set()
    claim_spans: set[tuple] = set()
    for item, key, path, span in check.entries(raw, "claims", text, seen_claim_keys):
        label = item.get("label")
        if not isinstance(label, str) or label not in header.labels:
            check.err(f"{path}.label", f"{label!r} is not in the export's label set")
        elif label not in known_labels:
            check.err(
                f"{path}.label",
                f"{label!r} is not a label in this database; an admin can add it under Labels",
            )
        attributes = item.get("attributes") or {}
        if not isinstance(attributes, dict):
            check.err(f"{path}.attributes", "must be an object")
            attributes = {}
        links = item.get("links") or {}
        if not isinstance(links, dict):
            check.err(f"{path}.links", "must be an object")
            links = {}
        source_count = attributes.get("source_count")
        if source_count is not None:
            source_count = check.integer(source_count, f"{path}.attributes.source_count", minimum=0)
            if source_count is not None and source_count > 32767:
                check.err(f"{path}.attributes.source_count", "is more than 32,767")
        mention = links.get("source_mention")
        # Ids are strings: anything else (a list would not even hash) is no entity's.
        if mention is not None and (not isinstance(mention, str) or mention not in entity_keys):
            check.err(
                f"{path}.links.source_mention", f"{mention!r} is not an entity of this article"
            )
            mention = None
        source = links.get("source_claim")
        if source is not None and (
            not isinstance(source, str) or source not in claim_keys or source == key
        ):
            check.err(
                f"{path}.links.source_claim",
                f"{source!r} is not another claim of this article",
            )
            source = None
        cue = _cue(check, path, key, links, claim_labels, known_labels)
        version = check.integer(item.get("version", 1), f"{path}.version", minimum=1)
        claim = _Claim(
            key=key,
            start=span[0] if span else 0,
            end=span[1] if span else 0,
            label=label if isinstance(label, str) else "",
            origin=check.choice(item, "origin", f"{path}.origin", ClaimOrigin.values),
            status=check.choice(item, "status", f"{path}.status", SpanStatus.values),
            author=check.username(item, "author", f"{path}.author"),
            anonymity_reason=check.string(
                attributes, "anonymity_reason", f"{path}.attributes.anonymity_reason", REASON_MAX
            ),
            affiliation=check.string(
                attributes, "affiliation", f"{path}.attributes.affiliation", AFFILIATION_MAX
            ),
            source_count=source_count,
            note=check.string(attributes, "note", f"{path}.attributes.note"),
            source_mention=mention,
            source_claim=source,
            cue=cue,
            version=version or 1,
        )
        if span:
            identity = (span, claim.label, claim.author)
            if identity in claim_spans:
                check.err(path, f"repeats the claim {claim.label} at {span[0]}-{span[1]} by "
                          f"{claim.author or 'the rules'}")  # fmt: skip
            claim_spans.add(identity)
        claims.append(claim)

    sources = _sources(check, raw, {c.key for c in claims})

    review = raw.get("review") or {}
    if not isinstance(review, dict):
        check.err("review", "must be an object")
        review = {}
    assignees = []
    for i, name in enumerate(check.items(review, "assignees", "review.assignees")):
        if not isinstance(name, str) or not name or len(name) > USERNAME_MAX or name in assignees:
            check.err(f"review.assignees[{i}]", "must be a username, listed once")
        else:
            assignees.append(name)
    events = []
    for i, item in enumerate(check.items(review, "events", "review.events")):
        path = f"review.events[{i}]"
        if not isinstance(item, dict):
            check.err(path, "must be an object")
            continue
        action = check.choice(item, "action", f"{path}.action", ReviewAction.values)
        comment = check.string(item, "comment", f"{path}.comment")
        if action == ReviewAction.COMMENT and not comment:
            check.err(f"{path}.comment", "a comment event needs its text")
        at = None
        if not isinstance(item.get("at"), str):
            check.err(f"{path}.at", "is required: an ISO 8601 date-time")
        else:
            try:
                at = datetime.fromisoformat(item["at"])
            except ValueError:
                check.err(f"{path}.at", "must be an ISO 8601 date-time")
            else:
                if at.tzinfo is None:
                    at = at.replace(tzinfo=UTC)
                problem = moment_problem(at)
                if problem:
                    check.err(f"{path}.at", problem)
                    at = None
                else:
                    at = at.astimezone(UTC)  # PostgreSQL takes offsets up to 16 hours only
        events.append(
            _Event(
                action=action,
                actor=check.username(item, "actor", f"{path}.actor"),
                editor=check.username(item, "editor", f"{path}.editor"),
                status_before=check.string(item, "status_before", f"{path}.status_before", 20),
                status_after=check.string(item, "status_after", f"{path}.status_after", 20),
                comment=comment,
                at=at or timezone.now(),
            )
        )
    if check.errors:
        return check.errors
    return CorpusRecord(
        status=status,
        created_by=created_by,
        analysed=analysed,
        entities=entities,
        claims=claims,
        sources=sources,
        assignees=assignees,
        events=events,
    )


def _cue(
    check: _Checker,
    path: str,
    key: str,
    links: dict[str, Any],
    claim_labels: dict[str, str | None],
    label_kinds: dict[str, str],
) -> str | None:
    """A claim's `links.cue` (schema 1.3; absent before): a cue of this article, linked from
    a statement, as the claim service allows (annotations.claims)."""
    cue = links.get("cue")
    if cue is None:
        return None
    if not isinstance(cue, str) or cue == key or label_kinds.get(claim_labels.get(cue)) != CUE:
        check.err(f"{path}.links.cue", f"{cue!r} is not another claim of this article, a cue")
        return None
    if label_kinds.get(claim_labels.get(key)) != CONTENT:
        check.err(f"{path}.links.cue", "only a statement links to a cue")
        return None
    return cue


def _sources(check: _Checker, raw: dict[str, Any], claim_keys: set[str]) -> list[list[str]]:
    """The article's sources (schema 1.1; absent in 1.0 files): each its mention claims'
    ids, every claim in one source at most."""
    sources: list[list[str]] = []
    grouped: set[str] = set()
    for i, item in enumerate(check.items(raw, "sources", "sources")):
        path = f"sources[{i}]"
        members = item.get("claims") if isinstance(item, dict) else None
        if not isinstance(members, list) or not members:
            check.err(f"{path}.claims", "must list the ids of its mention claims")
            continue
        kept = []
        for j, key in enumerate(members):
            if not isinstance(key, str) or key not in claim_keys:
                check.err(f"{path}.claims[{j}]", f"{key!r} is not a claim of this article")
            elif key in grouped:
                check.err(f"{path}.claims[{j}]", f"{key!r} is already in another source")
            else:
                grouped.add(key)
                kept.append(key)
        sources.append(kept)
    return sources
