"""Scoring sourcing suggestions against gold spans, as the development data's README says.

Per label: a predicted span is a true positive when it overlaps a gold span of the same label
in the same text; a gold span is found when some prediction of its label overlaps it;
predictions that overlap an ignore span are not counted. Precision, recall and F1 per label,
and their macro average over the labels the data carries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str = ""


@dataclass
class LabelScore:
    label: str
    gold: int = 0  # gold spans
    found: int = 0  # gold spans some prediction overlaps
    predicted: int = 0  # counted predictions (not overlapping an ignore span)
    correct: int = 0  # counted predictions that overlap a gold span

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Errors:
    """What went wrong in one text, for --show-errors."""

    record_id: str
    text: str
    false_positives: list[Span] = field(default_factory=list)
    false_negatives: list[Span] = field(default_factory=list)


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def score_record(
    gold: Iterable[Span],
    predicted: Iterable[Span],
    ignore: Iterable[Span],
    scores: dict[str, LabelScore],
) -> tuple[list[Span], list[Span]]:
    """Add one text's counts to `scores` (by label); returns its (false positives, misses)."""
    gold, predicted, ignore = list(gold), list(predicted), list(ignore)
    false_positives, misses = [], []
    for span in gold:
        score = scores.setdefault(span.label, LabelScore(span.label))
        score.gold += 1
        if any(p.label == span.label and overlaps(p, span) for p in predicted):
            score.found += 1
        else:
            misses.append(span)
    for span in predicted:
        if any(overlaps(span, i) for i in ignore):
            continue
        score = scores.setdefault(span.label, LabelScore(span.label))
        score.predicted += 1
        if any(g.label == span.label and overlaps(span, g) for g in gold):
            score.correct += 1
        else:
            false_positives.append(span)
    return false_positives, misses


def macro_f1(scores: dict[str, LabelScore], labels: Iterable[str]) -> float:
    """Mean F1 over `labels` (0.0 when there are none)."""
    values = [scores[label].f1 if label in scores else 0.0 for label in labels]
    return sum(values) / len(values) if values else 0.0


def read_gold(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a gold JSONL file: id, text, spans, ignore_spans (offsets are code points)."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            for span in record.get("spans", []):
                if record["text"][span["start"] : span["end"]] != span.get("text", ""):
                    raise ValueError(f"{path}:{number}: span text does not match its offsets")
            yield record


def gold_spans(record: dict[str, Any]) -> tuple[list[Span], list[Span]]:
    """(gold spans, ignore spans) of a record."""
    spans = [Span(s["start"], s["end"], s["label"]) for s in record.get("spans", [])]
    ignore = [Span(s["start"], s["end"]) for s in record.get("ignore_spans", [])]
    return spans, ignore
