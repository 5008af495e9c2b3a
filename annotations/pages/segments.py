"""Cut article text into segments at span boundaries, exactly once, as plain data.

The text is cut at every span boundary; each piece becomes a segment naming the spans that
cover it, and the template (`annotations/_article_text.html`) writes it, escaped, as text
or one <mark>. Nothing else is emitted between pieces, so the text nodes of the container
concatenate to the stored text and the browser can turn a selection back into offsets.
Spans come in layers (entities, claims); a piece covered by several spans of one layer
shows as an overlap, and the innermost span of each layer is the one a click opens.

Paragraphs (text up to and including a run of blank lines) get a stable id, so that an
edit re-renders and swaps only the paragraphs it touched.

Segments are dicts with every key present and every value a string: the template's first
lookup (a key) then always succeeds, and no number goes through localisation. A
10,000-word page has thousands of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal, TypedDict

_PARAGRAPH_END = re.compile(r"\n{2,}")


@dataclass(frozen=True)
class Span:
    id: int
    start: int
    end: int
    css: str  # class names for the mark, built by the caller from allow-listed values
    title: str
    # Names the mark's data attributes: data-ent/data-ents, data-claim/data-claims.
    layer: Literal["ent", "claim"] = "ent"
    # A span drawn beneath the others (a statement's line, under the cues and hedges inside
    # it): these classes go on every piece it covers, innermost or not, and it makes no
    # overlap of its layer (it has no fill to deepen).
    beneath: str = ""


class Segment(TypedDict):
    """One piece of text: plain, or (`mark`) a mark naming the spans that cover it."""

    text: str
    mark: bool
    css: str
    claim: str  # the innermost claim's id, or ""
    claims: str  # the ids of every claim covering the piece, space-separated
    ent: str
    ents: str
    title: str


class Paragraph(TypedDict):
    """One paragraph: its index (the element's id) and its segments."""

    index: int
    segments: list[Segment]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph; together they cover the text exactly."""
    bounds = [0, *(m.end() for m in _PARAGRAPH_END.finditer(text)), len(text)]
    return [(lo, hi) for lo, hi in pairwise(bounds) if hi > lo] or [(0, 0)]


def paragraph(text: str, index: int, lo: int, hi: int, spans: Iterable[Span]) -> Paragraph:
    """One paragraph and its segments (spans may reach beyond it; they are clipped)."""
    return {"index": index, "segments": segments(text, spans, lo, hi)}


def text_paragraphs(text: str, spans: Iterable[Span]) -> list[Paragraph]:
    """The whole text, paragraph by paragraph (one sweep over the spans)."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.id))
    result = []
    active: list[Span] = []
    next_span = 0
    for index, (lo, hi) in enumerate(paragraphs(text)):
        active = [s for s in active if s.end > lo]
        while next_span < len(ordered) and ordered[next_span].start < hi:
            if ordered[next_span].end > lo:
                active.append(ordered[next_span])
            next_span += 1
        result.append(paragraph(text, index, lo, hi, active))
    return result


def segments(text: str, spans: Iterable[Span], lo: int = 0, hi: int | None = None) -> list[Segment]:
    """text[lo:hi] cut at every span boundary, each piece with its covering spans
    (O(n log n))."""
    hi = len(text) if hi is None else hi
    ordered = sorted(
        (s for s in spans if s.start < hi and s.end > lo), key=lambda s: (s.start, -s.end, s.id)
    )
    cuts = sorted(
        {lo, hi, *(max(s.start, lo) for s in ordered), *(min(s.end, hi) for s in ordered)}
    )
    result: list[Segment] = []
    active: list[Span] = []
    next_span = 0
    for left, right in pairwise(cuts):
        active = [s for s in active if s.end > left]
        while next_span < len(ordered) and max(ordered[next_span].start, lo) <= left:
            if ordered[next_span].end > left:
                active.append(ordered[next_span])
            next_span += 1
        piece = text[left:right]
        result.append(_segment(piece, active) if active else _plain(piece))
    return result


def _plain(piece: str) -> Segment:
    return {
        "text": piece,
        "mark": False,
        "css": "",
        "claim": "",
        "claims": "",
        "ent": "",
        "ents": "",
        "title": "",
    }


def _segment(piece: str, covering: Sequence[Span]) -> Segment:
    """A covered piece: each layer's innermost span, its overlap and every span's id."""
    found = _plain(piece)
    found["mark"] = True
    classes: list[str] = []
    for layer in ("claim", "ent"):  # the order of the classes and attributes
        spans = [s for s in covering if s.layer == layer]
        if not spans:
            continue
        inner = min(spans, key=lambda s: (s.end - s.start, s.id))
        filled = sum(not s.beneath for s in spans)
        classes.append(inner.css + (f" {layer}-overlap" if filled > 1 else ""))
        classes.extend(dict.fromkeys(s.beneath for s in spans if s.beneath))
        found[layer] = str(inner.id)
        found[layer + "s"] = " ".join(str(s.id) for s in spans)
    found["css"] = " ".join(classes)
    found["title"] = " · ".join(s.title for s in covering)
    return found


def excerpt(text: str, length: int) -> str:
    """`text` cut to `length` characters with an ellipsis (Truncator is slow on thousands)."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


CONTEXT_CHARS = 30


def context_of(text: str, span: Any) -> str:
    """A span in its sentence's words, to tell repeated names apart in a pick-list:
    “…the minister Dewar says the…”."""
    lo = max(0, span.start - CONTEXT_CHARS)
    hi = min(len(text), span.end + CONTEXT_CHARS)
    before, after = text[lo : span.start], text[span.end : hi]
    if lo > 0 and " " in before:
        before = before[before.index(" ") + 1 :]
    if hi < len(text) and " " in after:
        after = after[: after.rindex(" ")]
    words = " ".join(f"{before}[{text[span.start : span.end]}]{after}".split())
    return f"“{'…' if lo > 0 else ''}{words}{'…' if hi < len(text) else ''}”"
