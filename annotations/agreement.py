"""Agreement between two annotators of one article, and the pairing of their claims for the merge.

Pure Python, no database: callers pass plain spans (code-point offsets into the article text,
end exclusive, and a label slug). Per label, a span F1 with overlap matching and Cohen's kappa
over tokens; overall, the micro F1 and the mean of the kappas. docs/agreement.md has the
definitions, the degenerate cases and a worked example.

Cost: sorting and sweeping, never all pairs of spans. `agreement` is
O((n + m) log(n + m) + tokens × labels); `merge_pairs` is O((n + m) log(n + m) + k log k)
where k is the number of overlapping same-label pairs (which it has to rank to be greedy).
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol


class Span(NamedTuple):
    """A claim's extent: code-point offsets into the article text (end exclusive) and label."""

    start: int
    end: int
    label: str


class SpanLike(Protocol):
    """Anything with a span's fields: `merge_pairs` hands the caller's own objects back."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def label(self) -> Hashable: ...


@dataclass(frozen=True)
class LabelAgreement:
    """The agreement of annotators A and B on one label."""

    label: str
    a_count: int  # spans of A with this label
    b_count: int
    matched_a: int  # spans of A that overlap some span of B with this label
    matched_b: int  # spans of B that overlap some span of A with this label
    precision: float | None  # matched_b / b_count (A as the reference); None when B has none
    recall: float | None  # matched_a / a_count; None when A has none
    f1: float | None  # harmonic mean of the two; 0 when one side is empty, None when both are
    po: float | None  # observed token agreement; None when there are no tokens
    pe: float | None  # token agreement expected by chance from the two marginals
    kappa: float | None  # (po - pe) / (1 - pe); None when pe == 1 (no variation to agree on)


@dataclass(frozen=True)
class Agreement:
    """Per-label agreement, the micro F1 over all labels and the mean of the labels' kappas."""

    per_label: list[LabelAgreement]
    precision: float | None  # micro: sum of matched_b / sum of b_count
    recall: float | None
    f1: float | None  # micro F1; None when neither annotator has a span
    mean_kappa: float | None  # macro: mean of the kappas that are defined; None if none is

    def label(self, slug: str) -> LabelAgreement:
        """This label's agreement (KeyError if it was not scored)."""
        for item in self.per_label:
            if item.label == slug:
                return item
        raise KeyError(slug)


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """How many code points two half-open extents share (0 when apart or only touching)."""
    # Every pair of extents this module compares goes through here, so the scale test can
    # count the comparisons instead of timing them.
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def _checked[S: SpanLike](spans: Iterable[S], side: str) -> list[S]:
    spans = list(spans)
    for span in spans:
        # An empty span overlaps nothing and covers no token, so it could only ever count
        # as a disagreement; claims cannot be empty (a check constraint), so it is a bug.
        if not 0 <= span.start < span.end:
            raise ValueError(f"annotator {side}: span {span!r} is empty or negative")
    return spans


def _by_label(spans: list[Span]) -> dict[str, list[tuple[int, int]]]:
    """The spans' extents by label, sorted by start."""
    grouped: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for span in spans:
        grouped[span.label].append((span.start, span.end))
    for extents in grouped.values():
        extents.sort()
    return grouped


def _union(extents: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The union of extents sorted by start, as disjoint sorted (starts, ends)."""
    # A span overlaps some span of a set exactly when it overlaps the set's union, and the
    # union is disjoint and sorted, so one binary search per span replaces all the pairs.
    starts: list[int] = []
    ends: list[int] = []
    for start, end in extents:
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _matched(extents: list[tuple[int, int]], union: tuple[list[int], list[int]]) -> int:
    """How many of `extents` overlap the union."""
    starts, ends = union
    count = 0
    for start, end in extents:
        # The first piece of the union that ends after this span starts is the only one
        # that can overlap it: the pieces after it start after that end.
        i = bisect_right(ends, start)
        if i < len(ends) and _overlap(start, end, starts[i], ends[i]):
            count += 1
    return count


def _covered(tokens: list[tuple[int, int]], union: tuple[list[int], list[int]]) -> bytearray:
    """For each token (sorted by start), 1 if it overlaps the union, else 0."""
    starts, ends = union
    covered = bytearray(len(tokens))
    i = 0
    for t, (start, end) in enumerate(tokens):
        # Pieces that end before this token starts end before every later token starts.
        while i < len(ends) and ends[i] <= start:
            i += 1
        if i < len(ends) and starts[i] < end:
            covered[t] = 1
    return covered


def _f1(matched_a: int, a_count: int, matched_b: int, b_count: int) -> float | None:
    if a_count + b_count == 0:
        return None
    if not matched_a:  # no match at all, including one side being empty
        return 0.0
    # 2PR / (P + R) with P = matched_b / b_count and R = matched_a / a_count, in integers so
    # that hand-computed fractions compare exactly.
    return 2 * matched_a * matched_b / (matched_a * b_count + matched_b * a_count)


def _kappa(
    both: int, only_a: int, only_b: int, neither: int
) -> tuple[float | None, float | None, float | None]:
    """(po, pe, kappa) from a 2×2 token confusion table."""
    n = both + only_a + only_b + neither
    if n == 0:
        return None, None, None
    a_yes, b_yes = both + only_a, both + only_b
    agree = both + neither
    chance = a_yes * b_yes + (n - a_yes) * (n - b_yes)  # pe × n²
    po, pe = agree / n, chance / (n * n)
    if chance == n * n:
        # Both marked every token, or (the usual case) neither marked any: po is 1 too, and
        # kappa measures agreement beyond chance, of which there is none to measure.
        return po, pe, None
    return po, pe, (n * agree - chance) / (n * n - chance)


def agreement(
    a: Iterable[Span],
    b: Iterable[Span],
    tokens: Sequence[tuple[int, int]],
    labels: Sequence[str] | None = None,
) -> Agreement:
    """Span F1 (overlap matching) and token kappa of annotators A and B, per label and overall."""
    a_by, b_by = _by_label(_checked(a, "A")), _by_label(_checked(b, "B"))
    # Without `labels`, the labels either annotator used; with them, those in that order
    # (spans of other labels are left out, labels nobody used score None).
    order = sorted(a_by.keys() | b_by.keys()) if labels is None else list(dict.fromkeys(labels))
    # The coverage sweep walks the tokens in order; any tokenisation's offsets will do.
    ordered_tokens = sorted((start, end) for start, end in tokens)
    n = len(ordered_tokens)
    per_label = []
    for label in order:
        a_extents, b_extents = a_by.get(label, []), b_by.get(label, [])
        a_union, b_union = _union(a_extents), _union(b_extents)
        matched_a, matched_b = _matched(a_extents, b_union), _matched(b_extents, a_union)
        a_cov, b_cov = _covered(ordered_tokens, a_union), _covered(ordered_tokens, b_union)
        a_yes, b_yes = sum(a_cov), sum(b_cov)
        both = sum(x & y for x, y in zip(a_cov, b_cov, strict=True))
        po, pe, kappa = _kappa(both, a_yes - both, b_yes - both, n - a_yes - b_yes + both)
        a_count, b_count = len(a_extents), len(b_extents)
        per_label.append(
            LabelAgreement(
                label=label,
                a_count=a_count,
                b_count=b_count,
                matched_a=matched_a,
                matched_b=matched_b,
                precision=matched_b / b_count if b_count else None,
                recall=matched_a / a_count if a_count else None,
                f1=_f1(matched_a, a_count, matched_b, b_count),
                po=po,
                pe=pe,
                kappa=kappa,
            )
        )
    # Micro: pool the counts, so a label with many claims weighs more than a rare one.
    matched_a = sum(x.matched_a for x in per_label)
    matched_b = sum(x.matched_b for x in per_label)
    a_count = sum(x.a_count for x in per_label)
    b_count = sum(x.b_count for x in per_label)
    kappas = [x.kappa for x in per_label if x.kappa is not None]
    return Agreement(
        per_label=per_label,
        precision=matched_b / b_count if b_count else None,
        recall=matched_a / a_count if a_count else None,
        f1=_f1(matched_a, a_count, matched_b, b_count),
        mean_kappa=sum(kappas) / len(kappas) if kappas else None,
    )


def merge_pairs[S: SpanLike](a: Iterable[S], b: Iterable[S]) -> list[tuple[S | None, S | None]]:
    """Pair A's spans one-to-one with overlapping same-label spans of B, in reading order."""
    a_list, b_list = _checked(a, "A"), _checked(b, "B")
    sides = (a_list, b_list)

    # Sweep each label's spans by start, keeping the spans not yet ended on each side in a
    # heap by end: every span still in the other side's heap overlaps the new one, so this
    # finds each overlapping pair once (when the later of the two arrives) and no other.
    events: dict[Hashable, list[tuple[int, int, int]]] = defaultdict(list)
    for side, spans in enumerate(sides):
        for i, span in enumerate(spans):
            events[span.label].append((span.start, side, i))
    candidates: list[tuple[int, int, int, int, int, int, int, int]] = []
    for label_events in events.values():
        label_events.sort()
        active: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])
        for start, side, i in label_events:
            span = sides[side][i]
            other = active[1 - side]
            while other and other[0][0] <= start:
                heapq.heappop(other)
            for _, j in other:
                o = sides[1 - side][j]
                x, y = (span, o) if side == 0 else (o, span)
                size = _overlap(x.start, x.end, y.start, y.end)
                hull = max(x.end, y.end) - min(x.start, y.start)
                ai, bi = (i, j) if side == 0 else (j, i)
                # Largest overlap first; at equal overlap the pair that differs least (so a
                # nested claim pairs with its twin, not with the claim enclosing it), then
                # the earlier span of A, then of B.
                candidates.append((-size, hull, x.start, y.start, x.end, y.end, ai, bi))
            heapq.heappush(active[side], (span.end, i))

    candidates.sort()
    a_partner: dict[int, int] = {}
    b_taken: set[int] = set()
    for *_, ai, bi in candidates:
        if ai not in a_partner and bi not in b_taken:
            a_partner[ai] = bi
            b_taken.add(bi)

    # Reading order: by where the row begins; at the same beginning the longer row first
    # (an enclosing claim before those nested in it), then pairs, A alone, B alone.
    rows: list[tuple[tuple[int, int, int, int], tuple[S | None, S | None]]] = []
    for ai, x in enumerate(a_list):
        if ai in a_partner:
            y = b_list[a_partner[ai]]
            key = (min(x.start, y.start), -max(x.end, y.end), 0, ai)
            rows.append((key, (x, y)))
        else:
            rows.append(((x.start, -x.end, 1, ai), (x, None)))
    for bi, y in enumerate(b_list):
        if bi not in b_taken:
            rows.append(((y.start, -y.end, 2, bi), (None, y)))
    rows.sort(key=lambda row: row[0])
    return [pair for _, pair in rows]


_PIECE = re.compile(r"(?P<word>\w+)|[^\w\s]")
_JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner


def _is_mark(char: str) -> bool:
    # Combining marks (Arabic harakat, Devanagari vowel signs, variation selectors), the
    # joiners, and emoji skin-tone modifiers belong to the character before them; Python's
    # \w does not match them, so the plain pattern would cut words and emoji apart.
    return (
        unicodedata.category(char).startswith("M")
        or char in _JOINERS
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )


def token_offsets(text: str) -> list[tuple[int, int]]:
    """The (start, end) code-point offsets of `text`'s tokens: words and single other symbols."""
    # A token is a run of word characters (\w) or one other non-space character, together
    # with the combining marks attached to it; a word goes on after a mark inside it
    # ("كَتَبَ", "हिन्दी"), and anything goes on after a joiner (emoji sequences).
    # Deterministic and model-free: tokens only weigh the text for kappa.
    tokens: list[tuple[int, int]] = []
    token_is_word = False
    last = ""  # the previous piece's last character
    for match in _PIECE.finditer(text):
        start, end = match.span()
        is_word = match.lastgroup == "word"
        adjacent = bool(tokens) and tokens[-1][1] == start
        glue = adjacent and (
            (not is_word and _is_mark(match.group()))
            or last in _JOINERS
            or (is_word and token_is_word and _is_mark(last))
        )
        if glue:
            tokens[-1] = (tokens[-1][0], end)
        else:
            tokens.append((start, end))
            token_is_word = is_word
        last = text[end - 1]
    return tokens
