"""Import of Newsroom's own corpus export (JSON or JSON Lines): the round trip's way back in.

Like `newsroom.ingest.articles_import`, and with its error type: every record is validated
(the article's fields through ingest's own `validate_record`, then its entities, claims, links
and review), valid ones are written in batches inside one transaction, and after the first bad
record nothing more is written but checking goes on, so that the error lists every bad record
and field; then everything is rolled back. Articles already stored (same text or same URL) are
skipped with their annotations, so importing the same export twice adds nothing. The format is
docs/export.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.exchange.export import FORMAT, SCHEMA_VERSION
from annotations.models import Assignment, Claim, ClaimOrigin, Label, ReviewAction, ReviewEvent
from entities.models import EntityMention, SpanStatus
from entities.models import Origin as EntityOrigin
from newsroom.ingest import (
    UTF8_BOM,
    ImportRejected,
    RecordError,
    SeenInFile,
    Skipped,
    _Draft,
    _resolve_outlets,
    import_finish,
    parse_jsonl,
    validate_record,
)
from newsroom.models import AnalysisState, Article, ArticleStatus, Outlet

BATCH_SIZE = 200
SUPPORTED_MAJOR = SCHEMA_VERSION.split(".")[0]
LABEL_MAX, REASON_MAX, AFFILIATION_MAX, USERNAME_MAX = 32, 300, 200, 150
MODEL_NAME_MAX, MODEL_VERSION_MAX = 100, 40

# (position, value) where value is the parsed JSON object or a RecordError.
RawRecord = tuple[int, dict[str, Any] | RecordError]


@dataclass
class CorpusImportReport:
    created_ids: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    entities: int = 0
    claims: int = 0
    users_created: list[str] = field(default_factory=list)
    # Imported articles the export marks as not analysed: queued for analysis on commit.
    pending_analysis: list[int] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.created_ids)

    def summary(self) -> str:
        noun = "article" if self.created == 1 else "articles"
        text = (
            f"Imported {self.created} {noun} with {self.entities} entities and {self.claims} claims"
        )
        if self.skipped:
            text += f"; {len(self.skipped)} skipped (already in the store)"
        if self.users_created:
            text += (
                f"; created {len(self.users_created)} inactive user(s) for authors not in this "
                f"database: {', '.join(self.users_created[:20])}"
            )
        return text + "."


# --- Parsing ------------------------------------------------------------------------------


def parse_corpus_jsonl(lines: Iterable[bytes]) -> Iterator[RawRecord]:
    """Yield (line number, object) for each non-blank line of a JSON Lines export: the first
    is the header, the others articles (streams a file of any size)."""
    return parse_jsonl(lines, not_object="each line must be a JSON object")


def parse_corpus_json(data: bytes) -> Iterator[RawRecord]:
    """Yield the header (position 0) and then each article (1-based) of a JSON export."""
    try:
        value = json.loads(data.removeprefix(UTF8_BOM).decode("utf-8"))
    except UnicodeDecodeError as exc:
        yield 0, RecordError(0, f"not valid UTF-8 (byte {exc.start + 1})")
        return
    except json.JSONDecodeError as exc:
        yield 0, RecordError(0, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        return
    if not isinstance(value, dict) or not isinstance(value.get("articles"), list):
        yield 0, RecordError(0, "not a Newsroom export: expected an object with an articles list")
        return
    articles = value.pop("articles")
    yield 0, value
    for number, item in enumerate(articles, start=1):
        if isinstance(item, dict):
            yield number, item
        else:
            yield number, RecordError(number, "must be a JSON object", unit="article")


# --- Validation ---------------------------------------------------------------------------


@dataclass
class _Header:
    labels: set[str]


def validate_header(position: int, raw: dict[str, Any], unit: str) -> _Header | list[RecordError]:
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
    return errors or _Header(slugs)


@dataclass
class _Entity:
    key: str
    start: int
    end: int
    label: str
    origin: str
    status: str
    model_name: str
    model_version: str
    created_by: str | None


@dataclass
class _Claim:
    key: str
    start: int
    end: int
    label: str
    origin: str
    status: str
    author: str | None
    anonymity_reason: str
    affiliation: str
    source_count: int | None
    note: str
    source_mention: str | None
    source_claim: str | None
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
class _Record:
    draft: _Draft
    status: str
    created_by: str | None
    analysed: bool
    entities: list[_Entity]
    claims: list[_Claim]
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
        if max_len is not None and len(value) > max_len:
            self.err(path, f"is {len(value):,} characters long; the limit is {max_len:,}")
        return value

    def username(self, obj: dict, key: str, path: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value or len(value) > USERNAME_MAX:
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
    position: int, raw: dict[str, Any], *, unit: str, header: _Header, known_labels: set[str]
) -> _Record | list[RecordError]:
    """Check one exported article with its annotations; return it ready to store, or errors."""
    base = validate_record(position, raw, unit=unit)
    if isinstance(base, list):
        return base
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
    for i, item in enumerate(check.items(raw, "entities", "entities")):
        if (keyed := check.keyed(item, "entities", i, entity_keys)) is None:
            continue
        key, path = keyed
        span = check.span(item, path, text)
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
    claim_keys = {
        item["id"]
        for item in (raw.get("claims") if isinstance(raw.get("claims"), list) else [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    seen_claim_keys: set[str] = set()
    claim_spans: set[tuple] = set()
    for i, item in enumerate(check.items(raw, "claims", "claims")):
        if (keyed := check.keyed(item, "claims", i, seen_claim_keys)) is None:
            continue
        key, path = keyed
        span = check.span(item, path, text)
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
        if mention is not None and mention not in entity_keys:
            check.err(
                f"{path}.links.source_mention", f"{mention!r} is not an entity of this article"
            )
            mention = None
        source = links.get("source_claim")
        if source is not None and (source not in claim_keys or source == key):
            check.err(
                f"{path}.links.source_claim",
                f"{source!r} is not another claim of this article",
            )
            source = None
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
            version=version or 1,
        )
        if span:
            identity = (span, claim.label, claim.author)
            if identity in claim_spans:
                check.err(path, f"repeats the claim {claim.label} at {span[0]}-{span[1]} by "
                          f"{claim.author or 'the rules'}")  # fmt: skip
            claim_spans.add(identity)
        claims.append(claim)

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
    return _Record(
        draft=base,
        status=status,
        created_by=created_by,
        analysed=analysed,
        entities=entities,
        claims=claims,
        assignees=assignees,
        events=events,
    )


# --- The service --------------------------------------------------------------------------


@transaction.atomic
def corpus_import(
    *,
    records: Iterable[RawRecord],
    unit: str = "line",
    on_batch: Callable[[int], None] | None = None,
) -> CorpusImportReport:
    """Store a Newsroom export (header, then articles) all or nothing; articles already
    stored are skipped, so re-importing adds nothing. Raises ImportRejected listing every
    bad record and field."""
    report = CorpusImportReport()
    errors: list[RecordError] = []
    header: _Header | None = None
    known_labels = set(Label.objects.values_list("slug", flat=True))
    seen = SeenInFile()
    outlets: dict[str, Outlet] = {}
    users: dict[str, Any] = {}
    batch: list[tuple[int, _Record]] = []

    def flush() -> None:
        _store_batch(batch, report=report, outlets=outlets, users=users, unit=unit)
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    for position, raw in records:
        if isinstance(raw, RecordError):
            errors.append(raw)
            if header is None and position <= 1:
                break  # without a readable header nothing after it can be checked
            continue
        if header is None:
            checked = validate_header(position, raw, unit if position else "file")
            if isinstance(checked, list):
                errors.extend(checked)
                break
            header = checked
            continue
        record = validate_article(
            position, raw, unit=unit, header=header, known_labels=known_labels
        )
        if isinstance(record, list):
            errors.extend(record)
            continue
        draft = record.draft
        if seen.skip(draft, position, report, unit):
            continue
        if errors:
            continue  # keep checking, stop writing: the transaction will be rolled back
        batch.append((position, record))
        if len(batch) >= BATCH_SIZE:
            flush()
    if header is None and not errors:
        errors.append(RecordError(0, "the file is empty: no export header", unit="file"))
    if not errors and batch:
        flush()
    import_finish(errors, report.pending_analysis)
    return report


def _store_batch(
    batch: list[tuple[int, _Record]],
    *,
    report: CorpusImportReport,
    outlets: dict[str, Outlet],
    users: dict[str, Any],
    unit: str,
) -> None:
    existing = _existing([record.draft for _, record in batch])
    fresh: list[_Record] = []
    for position, record in batch:
        draft = record.draft
        match = existing.get(("hash", draft.content_hash)) or existing.get(("url", draft.url))
        if match:
            article_id, why = match
            report.skipped.append(
                Skipped(
                    position, f"already imported as article #{article_id} ({why})", article_id, unit
                )
            )
        else:
            fresh.append(record)
    if not fresh:
        return
    _resolve_outlets({r.draft.outlet for r in fresh if r.draft.outlet}, outlets)
    _resolve_users(set().union(*(r.usernames() for r in fresh)), users, report)

    def user(name: str | None) -> Any:
        return users[name] if name else None

    now = timezone.now()
    articles = [
        Article(
            title=r.draft.title,
            text=r.draft.text,
            content_hash=r.draft.content_hash,
            outlet=outlets[r.draft.outlet.lower()] if r.draft.outlet else None,
            url=r.draft.url,
            byline=r.draft.byline,
            published_at=r.draft.published_at,
            language=r.draft.language,
            status=r.status,
            created_by=user(r.created_by),
            analysis_state=AnalysisState.DONE if r.analysed else AnalysisState.PENDING,
            analysed_at=now if r.analysed else None,
        )
        for r in fresh
    ]
    try:
        with transaction.atomic():
            Article.objects.bulk_create(articles)
            mentions: dict[tuple[int, str], EntityMention] = {}
            for article, r in zip(articles, fresh, strict=True):
                for e in r.entities:
                    mentions[article.pk, e.key] = EntityMention(
                        article=article,
                        start=e.start,
                        end=e.end,
                        label=e.label,
                        origin=e.origin,
                        status=e.status,
                        model_name=e.model_name,
                        model_version=e.model_version,
                        created_by=user(e.created_by),
                    )
            EntityMention.objects.bulk_create(mentions.values())
            labels = {label.slug: label for label in Label.objects.all()}
            claims: dict[tuple[int, str], Claim] = {}
            for article, r in zip(articles, fresh, strict=True):
                for c in r.claims:
                    claims[article.pk, c.key] = Claim(
                        article=article,
                        start=c.start,
                        end=c.end,
                        label=labels[c.label],
                        origin=c.origin,
                        status=c.status,
                        author=user(c.author),
                        anonymity_reason=c.anonymity_reason,
                        affiliation=c.affiliation,
                        source_count=c.source_count,
                        note=c.note,
                        source_mention=mentions[article.pk, c.source_mention]
                        if c.source_mention
                        else None,
                        version=c.version,
                    )
            Claim.objects.bulk_create(claims.values())
            # Links between claims need both rows' ids: set them once every claim has one.
            linked = []
            for article, r in zip(articles, fresh, strict=True):
                for c in r.claims:
                    if c.source_claim:
                        claim = claims[article.pk, c.key]
                        claim.source_claim = claims[article.pk, c.source_claim]
                        linked.append(claim)
            Claim.objects.bulk_update(linked, ["source_claim"], batch_size=500)
            Assignment.objects.bulk_create(
                Assignment(article=article, editor=users[name])
                for article, r in zip(articles, fresh, strict=True)
                for name in r.assignees
            )
            events, times = [], []
            for article, r in zip(articles, fresh, strict=True):
                for e in r.events:
                    events.append(
                        ReviewEvent(
                            article=article,
                            actor=user(e.actor),
                            editor=user(e.editor),
                            action=e.action,
                            status_before=e.status_before,
                            status_after=e.status_after,
                            comment=e.comment,
                        )
                    )
                    times.append(e.at)
            ReviewEvent.objects.bulk_create(events)
            # created_at is auto_now_add (set on insert): put the exported times back.
            for event, at in zip(events, times, strict=True):
                event.created_at = at
            ReviewEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
    except IntegrityError as exc:
        raise ImportRejected(
            [
                RecordError(
                    0,
                    "another import stored some of these articles at the same moment; run it again",
                    unit="file",
                )
            ]
        ) from exc
    report.created_ids.extend(a.pk for a in articles)
    report.entities += len(mentions)
    report.claims += len(claims)
    report.pending_analysis.extend(
        a.pk for a in articles if a.analysis_state == AnalysisState.PENDING
    )


def _existing(drafts: list[_Draft]) -> dict[tuple[str, str], tuple[int, str]]:
    """Stored articles that these drafts duplicate, by content hash or by URL."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    hashes = [d.content_hash for d in drafts]
    for pk, h in Article.objects.filter(content_hash__in=hashes).values_list("pk", "content_hash"):
        found[("hash", h)] = (pk, "same text")
    urls = [d.url for d in drafts if d.url]
    if urls:
        for pk, url in Article.objects.filter(url__in=urls).values_list("pk", "url"):
            found[("url", url)] = (pk, "same URL")
    return found


def _resolve_users(names: set[str], cache: dict[str, Any], report: CorpusImportReport) -> None:
    """Fill `cache` with a user for every username: existing ones, else a new *inactive* one
    with no password and no role, so that authorship survives the round trip but nobody can
    log in as an imported name until an admin activates the account and gives it a role."""
    wanted = names - cache.keys()
    if not wanted:
        return
    User = get_user_model()
    for found in User.objects.filter(username__in=wanted):
        cache[found.username] = found
    missing = sorted(wanted - cache.keys())
    unusable = make_password(None)
    for created in User.objects.bulk_create(
        User(username=name, is_active=False, password=unusable) for name in missing
    ):
        cache[created.username] = created
    report.users_created.extend(missing)
