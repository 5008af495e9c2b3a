"""Scoring attribution triples (source, cue, content) against gold, and the detector's
suggestions read as triples; `bench/eval_attributions.py` prints what this computes.

An attribution is `{"source": [[start, end], ...], "cue": [[start, end], ...], "content":
[[start, end], ...]}` (code points into the record's text, end exclusive), the shape of
tests/fixtures/attributions/ and of the bench's predictions file.

- Cue, source and content F1, each over the record's spans of that part (a span listed by two
  attributions counts once): **exact** when start and end are equal, **overlap** when the
  two share a character (precision counts the predictions that overlap a gold span, recall
  the gold spans a prediction overlaps, as bench/eval_sourcing.py scores).
- **Triple F1**: a predicted attribution matches a gold one when their cues overlap, their
  sources overlap (or both have none), and the prediction's content covers at least half of
  the words of the gold content (a gold attribution without content words, such as "declined
  to comment", needs none); one to one, greedily in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Span = tuple[int, int]
PARTS = ("cue", "source", "content")
CUE_LABELS = ("reporting", "denial", "no_comment")
WORD = re.compile(r"\w+")


@dataclass
class Counts:
    """True positives against predicted and gold totals (precision and recall differ when
    matching is by overlap: tp_predicted counts predictions, tp_gold gold spans)."""

    tp_predicted: int = 0
    tp_gold: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.tp_predicted += other.tp_predicted
        self.tp_gold += other.tp_gold
        self.predicted += other.predicted
        self.gold += other.gold

    @property
    def precision(self) -> float:
        return self.tp_predicted / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def suggested_attributions(suggestions: Sequence[Any]) -> list[dict[str, list[list[int]]]]:
    """The detector's suggestions as attributions: one per cue (reporting, denial, no
    comment) with the source it links to and the statements that link to it."""
    contents: dict[int, list[list[int]]] = {}
    for s in suggestions:
        if s.label == "statement" and s.cue is not None:
            contents.setdefault(s.cue, []).append([s.start, s.end])
    found = []
    for i, s in enumerate(suggestions):
        if s.label not in CUE_LABELS:
            continue
        source = suggestions[s.source] if s.source is not None else None
        found.append(
            {
                "source": [[source.start, source.end]] if source is not None else [],
                "cue": [[s.start, s.end]],
                "content": sorted(contents.get(i, [])),
            }
        )
    return found


def _spans(attributions: Iterable[dict[str, Any]], part: str) -> list[Span]:
    return sorted({(int(s), int(e)) for a in attributions for s, e in a.get(part, [])})


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def span_counts(predicted: list[Span], gold: list[Span], exact: bool) -> Counts:
    """Spans of one part of one record. Exact: the spans both lists hold. Overlap: the
    predictions that overlap some gold span, and the gold spans some prediction overlaps."""
    if exact:
        matched = len(set(predicted) & set(gold))
        return Counts(matched, matched, len(predicted), len(gold))
    return Counts(
        sum(1 for p in predicted if any(_overlaps(p, g) for g in gold)),
        sum(1 for g in gold if any(_overlaps(p, g) for p in predicted)),
        len(predicted),
        len(gold),
    )


def _words(text: str, spans: Iterable[Sequence[int]]) -> set[int]:
    """Start offsets of the words inside `spans`."""
    found = set()
    for start, end in spans:
        for m in WORD.finditer(text, start, end):
            found.add(m.start())
    return found


def _any_overlap(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]]) -> bool:
    return any(_overlaps((x[0], x[1]), (y[0], y[1])) for x in a for y in b)


def triple_matches(text: str, predicted: dict[str, Any], gold: dict[str, Any]) -> bool:
    """The triple rule: cues overlap, sources overlap (or both empty), and the predicted
    content covers at least half of the gold content's words."""
    if not _any_overlap(predicted["cue"], gold["cue"]):
        return False
    has_source = bool(gold["source"] or predicted["source"])
    if has_source and not _any_overlap(predicted["source"], gold["source"]):
        return False
    wanted = _words(text, gold["content"])
    if not wanted:
        return True
    covered = wanted & _words(text, predicted["content"])
    return 2 * len(covered) >= len(wanted)


def triple_counts(text: str, predicted: list[dict], gold: list[dict]) -> Counts:
    used: set[int] = set()
    for p in predicted:
        match = next(
            (k for k, g in enumerate(gold) if k not in used and triple_matches(text, p, g)), None
        )
        if match is not None:
            used.add(match)
    return Counts(len(used), len(used), len(predicted), len(gold))


def score(records: Iterable[tuple[str, list[dict], list[dict]]]) -> dict[str, Counts]:
    """Totals over (text, predicted, gold) records: "<part> exact", "<part> overlap" for
    cue, source and content, and "triple"."""
    totals = {f"{part} {mode}": Counts() for part in PARTS for mode in ("exact", "overlap")}
    totals["triple"] = Counts()
    for text, predicted, gold in records:
        for part in PARTS:
            p, g = _spans(predicted, part), _spans(gold, part)
            totals[f"{part} exact"].add(span_counts(p, g, exact=True))
            totals[f"{part} overlap"].add(span_counts(p, g, exact=False))
        totals["triple"].add(triple_counts(text, predicted, gold))
    return totals
