"""Attributions on the annotate page (issue 19): who a statement rests on and the cues it
may be said via, a cue's statements, a source's cues with their statements, and the claims
the text outlines as linked to the open one.

A triple is (source, cue, statements): a statement's `cue`, the cue's `source_claim` (a
source mention), that mention's first-class `Source`. Everything here comes from one query
of the article's source, cue and statement claims that the viewer may see (the one
visibility rule, `visible_to`), made only when the open claim is of one of those kinds.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypedDict

from annotations.models import Claim, Label, LabelKind
from annotations.sources import display_name, majority_label
from entities.models import SpanStatus

from .segments import context_of, excerpt, paragraphs

LINKED_KINDS = (LabelKind.SOURCE, LabelKind.CUE, LabelKind.CONTENT)
_FIELDS = ("pk", "start", "end", "status", "label_id", "source_claim_id", "source_id", "cue_id")


class Part(NamedTuple):
    """One claim of an attribution: no model instance, no join."""

    pk: int
    start: int
    end: int
    status: str
    label: Label
    source_claim_id: int | None
    source_id: int | None
    cue_id: int | None


class Line(TypedDict):
    """A claim the panel names and links to."""

    pk: int
    text: str
    label: str


class Attribution(TypedDict):
    """One cue of a source (said by its mention `mention`) and the statements said via it."""

    cue: Line
    mention: str
    statements: list[Line]


class Source(NamedTuple):
    name: str
    label: str  # the label's name: Anonymous source, Named source, Outlet


def attribution_context(
    article: Any, user: Any, claim: Claim | None, labels: list[Label], *, fresh: bool = False
) -> dict[str, Any]:
    """What the claim panel shows of the open claim's attributions, and the claims the text
    outlines as linked to it (`linked_claims`). `fresh`: the editor has just marked it; a
    statement with no cue then has the nearest cue of its paragraph preselected (saved only
    when they save)."""
    found: dict[str, Any] = {
        "linked_claims": [],
        "cue_options": [],
        "cue_chosen": None,
        "cue_suggested": None,
        "cue_focus": False,
        "rests_on": None,
        "rests_on_cue": "",
        "cue_statements": [],
        "attributions": [],
    }
    if claim is None or claim.label.kind not in LINKED_KINDS:
        return found
    text = article.text
    parts = _parts(article, user, labels)
    by_id = {p.pk: p for p in parts}
    shown = [p for p in parts if p.status != SpanStatus.REJECTED]
    if claim.label.kind == LabelKind.CONTENT:
        found.update(_statement(text, claim, by_id, shown, fresh))
    elif claim.label.kind == LabelKind.CUE:
        statements = [p for p in shown if p.cue_id == claim.pk]
        source = by_id.get(claim.source_claim_id) if claim.source_claim_id else None
        found["linked_claims"] = [*([source.pk] if source else []), *(p.pk for p in statements)]
        found["cue_statements"] = [_line(text, p) for p in statements]
    else:
        found.update(_source(text, claim, by_id, shown))
    return found


def _parts(article: Any, user: Any, labels: list[Label]) -> list[Part]:
    """The article's source, cue and statement claims `user` may see, in reading order;
    rejected ones too (a statement may still be linked to a cue rejected since)."""
    by_id = {label.pk: label for label in labels}
    rows = (
        Claim.objects.for_article(article)
        .visible_to(user, article)
        .filter(label__kind__in=LINKED_KINDS)
        .values_list(*_FIELDS)
    )
    return [
        Part(pk, start, end, status, by_id[label_id], *rest)
        for pk, start, end, status, label_id, *rest in rows
    ]


def _statement(
    text: str, claim: Claim, by_id: dict[int, Part], shown: list[Part], fresh: bool
) -> dict[str, Any]:
    """A statement's panel: the cues it may be said via, the one chosen, who it rests on."""
    sources = _sources(text, shown)
    cues = [p for p in shown if p.label.kind == LabelKind.CUE]
    current = by_id.get(claim.cue_id) if claim.cue_id else None
    if current is not None and current not in cues:
        cues.append(current)  # rejected since: still offered, so that a save keeps the link
    suggested = _nearest(text, claim, cues) if current is None and fresh else None
    chosen = current or suggested
    found: dict[str, Any] = {
        "cue_options": [
            {
                "pk": cue.pk,
                "text": text[cue.start : cue.end],
                "label": cue.label.name,
                "rejected": cue.status == SpanStatus.REJECTED,
                "source": _source_of(cue, by_id, sources)[0].name,
                "context": context_of(text, cue),
            }
            for cue in cues
        ],
        "cue_chosen": chosen.pk if chosen else None,
        "cue_focus": fresh,  # just marked: the list takes the keys (arrows choose, Enter saves)
        "cue_suggested": (
            {"pk": suggested.pk, "text": text[suggested.start : suggested.end]}
            if suggested
            else None
        ),
    }
    if current is not None:
        source, mention = _source_of(current, by_id, sources)
        found["linked_claims"] = [current.pk, *([mention.pk] if mention else [])]
        found["rests_on_cue"] = text[current.start : current.end]
        if mention is not None:
            found["rests_on"] = {**source._asdict(), "cue": found["rests_on_cue"]}
    return found


def _source(text: str, claim: Claim, by_id: dict[int, Part], shown: list[Part]) -> dict[str, Any]:
    """A source mention's panel: the attributions of its source (every mention of the same
    first-class source: "Egyptian security sources … describing", "They added")."""
    key = _key(by_id[claim.pk]) if claim.pk in by_id else ("claim", claim.pk)
    mentions = {p.pk for p in shown if p.label.kind == LabelKind.SOURCE and _key(p) == key}
    attributions: list[Attribution] = []
    for cue in shown:
        if cue.label.kind == LabelKind.CUE and cue.source_claim_id in mentions:
            mention = by_id[cue.source_claim_id]
            attributions.append(
                {
                    "cue": _line(text, cue),
                    "mention": excerpt(text[mention.start : mention.end], 60),
                    "statements": [_line(text, p) for p in shown if p.cue_id == cue.pk],
                }
            )
    linked = [pk for pk in sorted(mentions) if pk != claim.pk]
    for attribution in attributions:
        linked.append(attribution["cue"]["pk"])
        linked.extend(line["pk"] for line in attribution["statements"])
    return {"linked_claims": linked, "attributions": attributions}


def _key(part: Part) -> Any:
    """Which source a mention is of: its first-class source, or itself while it has none."""
    return part.source_id if part.source_id is not None else ("claim", part.pk)


def _sources(text: str, shown: list[Part]) -> dict[Any, Source]:
    """Each source's name and label, as the sources panel gives them (annotations.sources):
    its first mention that is not a pronoun, the label most of its mentions carry."""
    members: dict[Any, list[Part]] = {}
    for p in shown:
        if p.label.kind == LabelKind.SOURCE:
            members.setdefault(_key(p), []).append(p)
    found = {}
    for key, rows in members.items():
        slug = majority_label([p.label.slug for p in rows])
        name = display_name(text[p.start : p.end] for p in rows)
        found[key] = Source(name, next(p.label.name for p in rows if p.label.slug == slug))
    return found


def _source_of(
    cue: Part, by_id: dict[int, Part], sources: dict[Any, Source]
) -> tuple[Source, Part | None]:
    """The source a cue belongs to and its mention; (empty, None) when it belongs to none
    the viewer may see."""
    mention = by_id.get(cue.source_claim_id) if cue.source_claim_id else None
    if mention is None or _key(mention) not in sources:
        return Source("", ""), None
    return sources[_key(mention)], mention


def _nearest(text: str, claim: Claim, cues: list[Part]) -> Part | None:
    """The open cue nearest the statement in its paragraph (one it overlaps first)."""
    lo, hi = next(((a, b) for a, b in paragraphs(text) if a <= claim.start < b), (0, len(text)))
    near = [
        (max(0, cue.start - claim.end, claim.start - cue.end), cue.start, cue)
        for cue in cues
        if lo <= cue.start < hi and cue.status != SpanStatus.REJECTED
    ]
    return min(near, key=lambda found: found[:2])[2] if near else None


def _line(text: str, part: Part) -> Line:
    return {
        "pk": part.pk,
        "text": excerpt(text[part.start : part.end], 80),
        "label": part.label.name,
    }
