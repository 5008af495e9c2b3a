"""Sources: which source mentions refer to the same person, group or organisation.

An article's source-label claims (named, anonymous, outlet) are its *mentions*; a `Source`
groups those that refer to the same party, so that the figures count sources, not mentions
(docs/sourcing-quality.md, "Sources"). The rules, measured on the development data
(`bench/estimate_accuracy.py`):

- a pronoun mention ("They added") joins the mention the detector resolved it to; a "he" or
  "she" it left unresolved joins the nearest named source before it;
- mentions with the same words (case, punctuation and a leading "the" aside) and the same
  label are one source ("Reuters" … "Reuters", "Egyptian security sources" twice);
- a named source given by part of a fuller name joins it when exactly one fuller name ends
  or starts with it ("Paul Dewar" … "Dewar", "Mr Dewar"); with two candidates ("Paul Dewar",
  "Ann Dewar") it stays on its own for an editor to merge.

Definite descriptions ("the minister" for a named minister) are not grouped: the parse
rarely supports it and a wrong merge hides a source; editors merge them on the page.
Editors' merges and splits are kept: only mentions without a source are grouped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from newsroom.models import Article, check_editable

from .models import Claim, LabelKind, Source, SpanStatus, claim_visibility

NAMED = "named_source"
PRONOUNS = frozenset(
    [
        "he",
        "she",
        "they",
        "him",
        "her",
        "them",
        "his",
        "hers",
        "their",
        "theirs",
        "it",
        "its",
        "we",
        "us",
        "i",
        "me",
        "you",
    ]
)
SINGULAR_PERSONS = frozenset(("he", "she", "him", "her"))
# Words that precede a name without being part of it.
HONORIFICS = frozenset(
    ["mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "lady", "the", "a", "an"]
)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Mention:
    """What grouping needs of one source mention."""

    key: Any  # the claim's id (or any hashable in tests)
    text: str
    label: str  # the label's slug
    source: Any = None  # the Source it already belongs to, if any
    antecedent: Any = None  # the key of the mention a pronoun refers to


def name_words(text: str) -> tuple[str, ...]:
    """The words that name: casefolded, honorifics and articles in front dropped."""
    words = [w.casefold() for w in _WORD.findall(text)]
    while words and words[0] in HONORIFICS:
        words.pop(0)
    return tuple(words)


def is_pronoun(text: str) -> bool:
    return text.strip().casefold() in PRONOUNS


def majority_label(labels: Sequence[str]) -> str:
    """A source's label: the one most of its mentions carry; on a tie, the first's."""
    if len(labels) == 1:  # most sources: no tally needed (the export runs this per source)
        return labels[0]
    tally = Counter(labels)
    top = max(tally.values())
    return next(label for label in labels if tally[label] == top)


@dataclass(frozen=True)
class SourceGroup:
    """One source as the page, the API and the export show it."""

    source_id: int | None  # None: a mention with no source yet, shown as its own
    label: str
    name: str
    claims: tuple  # its mention claims' keys, in reading order


def source_groups(mentions: Iterable[tuple[Any, str, str, int | None]]) -> list[SourceGroup]:
    """The sources of these mentions ((claim key, text, label slug, source id), in reading
    order, rejected ones left out), each once, in reading order of its first mention."""
    members: dict[Any, list[tuple[Any, str, str]]] = {}
    for key, text, label, source_id in mentions:
        group_key = source_id if source_id is not None else ("claim", key)
        members.setdefault(group_key, []).append((key, text, label))
    return [
        SourceGroup(
            source_id=None if isinstance(group_key, tuple) else group_key,
            label=majority_label([label for _, _, label in rows]),
            name=display_name(text for _, text, _ in rows),
            claims=tuple(key for key, _, _ in rows),
        )
        for group_key, rows in members.items()
    ]


def display_name(texts: Iterable[str]) -> str:
    """A source's name: its first mention (in reading order) that is not a pronoun."""
    texts = list(texts)
    return next((t for t in texts if not is_pronoun(t)), texts[0] if texts else "")


def group(mentions: Sequence[Mention]) -> list[int]:
    """A group number per mention: mentions with the same number are one source. Mentions
    that already have a source keep it (and others may join it)."""
    parent = list(range(len(mentions)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    index = {m.key: i for i, m in enumerate(mentions)}
    by_source: dict[Any, int] = {}
    for i, m in enumerate(mentions):
        if m.source is not None:
            join(i, by_source.setdefault(m.source, i))
    fixed = {i for i, m in enumerate(mentions) if m.source is not None}
    words = [name_words(m.text) for m in mentions]
    for i, m in enumerate(mentions):
        if i in fixed:
            continue
        if m.antecedent in index:
            join(i, index[m.antecedent])
            continue
        if is_pronoun(m.text):
            # "he"/"she" the detector left unresolved: the nearest named source before it,
            # as news writing uses them ("Blankenship said … he added").
            if m.label == NAMED and m.text.strip().casefold() in SINGULAR_PERSONS:
                before = [j for j in range(i) if _names_a_person(mentions, words, j, m.label)]
                if before:
                    join(i, before[-1])
            continue
        if not words[i]:
            continue
        same = [j for j in range(len(mentions)) if j != i and _same(mentions, words, i, j)]
        if len({find(j) for j in same if j in fixed}) > 1:
            continue  # two sources an editor keeps apart under one name: theirs to choose
        for j in same:
            join(i, j)
        fuller = {find(j) for j in range(len(mentions)) if _part_of(mentions, words, i, j)}
        if len(fuller) == 1:
            target = fuller.pop()
            kept = {find(j) for j in fixed}
            # Never join two sources that already exist (an editor may have split them).
            if not (find(i) in kept and target in kept):
                join(i, target)
    return [find(i) for i in range(len(mentions))]


def _names_a_person(
    mentions: Sequence[Mention], words: list[tuple[str, ...]], j: int, label: str
) -> bool:
    return mentions[j].label == label and bool(words[j]) and not is_pronoun(mentions[j].text)


def _same(mentions: Sequence[Mention], words: list[tuple[str, ...]], i: int, j: int) -> bool:
    return mentions[i].label == mentions[j].label and words[i] == words[j]


def _part_of(mentions: Sequence[Mention], words: list[tuple[str, ...]], i: int, j: int) -> bool:
    """Mention i names a named source by part of mention j's fuller name."""
    a, b = words[i], words[j]
    if mentions[i].label != NAMED or mentions[j].label != NAMED or not a or len(a) >= len(b):
        return False
    return b[-len(a) :] == a or b[: len(a)] == a


# --- In the database ----------------------------------------------------------------------


def sources_assign(
    *,
    article_ids: Iterable[int],
    links: dict[int, int] | None = None,
    only: Collection[int] | None = None,
    texts: dict[int, str] | None = None,
) -> dict[int, int]:
    """Give every source mention of these articles that has no source one: an existing
    source's, or a new one (grouping, above). `links`: pronoun claim id → the claim id of
    the mention it refers to. `only`: the claims to give a source (the one an editor just
    saved): no other row is written, so concurrent edits lock nothing but their own claim.
    `texts`: article texts the caller already holds (else they are read).
    Returns the source id given to each claim id. Call inside the transaction that wrote
    the claims."""
    links = links or {}
    assigned: dict[int, int] = {}
    claims = (
        Claim.objects.filter(article_id__in=set(article_ids), label__kind=LabelKind.SOURCE)
        .exclude(status=SpanStatus.REJECTED)
        .select_related("label")
        .only("pk", "article_id", "start", "end", "source_id", "label__slug")
        .order_by("article_id", "start", "pk")
    )
    by_article: dict[int, list[Claim]] = {}
    for claim in claims:
        by_article.setdefault(claim.article_id, []).append(claim)
    waiting = {pk for pk, rows in by_article.items() if any(c.source_id is None for c in rows)}
    # Each text once (not joined to every claim row: a long article has hundreds).
    texts = dict(texts or {})
    unread = waiting - texts.keys()
    if unread:
        texts.update(Article.objects.filter(pk__in=unread).values_list("pk", "text"))
    for article_id, rows in by_article.items():
        if article_id not in waiting:
            continue
        text = texts[article_id]
        mentions = [
            Mention(c.pk, text[c.start : c.end], c.label.slug, c.source_id, links.get(c.pk))
            for c in rows
        ]
        groups: dict[int, list[Claim]] = {}
        for claim, number in zip(rows, group(mentions), strict=True):
            groups.setdefault(number, []).append(claim)
        changed = []
        for members in groups.values():
            todo = [c for c in members if c.source_id is None and (only is None or c.pk in only)]
            if not todo:
                continue
            existing = next((c.source_id for c in members if c.source_id is not None), None)
            if existing is None:
                existing = Source.objects.create(article_id=article_id).pk
            for claim in todo:
                claim.source_id = assigned[claim.pk] = existing
                changed.append(claim)
        Claim.objects.bulk_update(changed, ["source"])
    return assigned


def sources_prune(*, article_ids: Iterable[int]) -> int:
    """Delete the sources of these articles that no longer have a mention."""
    empty = Source.objects.filter(article_id__in=set(article_ids), mentions__isnull=True)
    return empty.delete()[0]


class SourceRefused(Exception):
    """The merge or split cannot be made; the message says why."""


@transaction.atomic
def source_merge(*, article: Any, source_id: int, into_id: int, user: Any) -> int:
    """Move the mentions of source `source_id` that `user` sees into source `into_id` (of
    the same article); return how many moved. The emptied source is deleted."""
    check_editable(article, error=SourceRefused)
    if source_id == into_id:
        raise SourceRefused(
            "Choose two different sources: the one to merge and the one to merge it into."
        )
    found = set(
        Source.objects.filter(article=article, pk__in=[source_id, into_id]).values_list(
            "pk", flat=True
        )
    )
    if found != {source_id, into_id}:
        raise SourceRefused("That source is not in this article any more; reload the page.")
    moved = (
        Claim.objects.filter(article=article, source_id=source_id)
        .filter(claim_visibility(user, article))
        .update(source_id=into_id)
    )
    sources_prune(article_ids=[article.pk])
    return moved


@transaction.atomic
def source_split(*, article: Any, claim_id: int, user: Any) -> Source:
    """Give one mention a source of its own (it was wrongly grouped)."""
    check_editable(article, error=SourceRefused)
    claim = (
        Claim.objects.filter(article=article, pk=claim_id, label__kind=LabelKind.SOURCE)
        .filter(claim_visibility(user, article))
        .select_for_update()
        .first()
    )
    if claim is None:
        raise SourceRefused("That mention is not in this article any more; reload the page.")
    if claim.source_id is not None and not (
        Claim.objects.filter(source_id=claim.source_id).exclude(pk=claim.pk).exists()
    ):
        raise SourceRefused("This mention is already a source of its own.")
    source = Source.objects.create(article=article)
    Claim.objects.filter(pk=claim.pk).update(source=source)
    sources_prune(article_ids=[article.pk])
    return source
