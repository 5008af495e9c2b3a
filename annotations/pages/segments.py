"""Render article text with highlighted spans, as segments, exactly once.

The text is cut at every span boundary; each piece is escaped and, if spans cover it,
wrapped in one <mark> naming them. Nothing else is emitted between pieces, so the text
nodes of the container concatenate to the stored text and the browser can turn a
selection back into offsets. Spans come in layers (entities, claims); a piece covered by
several spans of one layer shows as an overlap, and the innermost span of each layer is
the one a click opens.

Paragraphs (text up to and including a run of blank lines) are wrapped in an element with
a stable id, so that an edit re-renders and swaps only the paragraphs it touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from django.utils.safestring import SafeString

_PARAGRAPH_END = re.compile(r"\n{2,}")


@dataclass(frozen=True)
class Span:
    id: int
    start: int
    end: int
    css: str  # class names for the mark, built by the caller from allow-listed values
    title: str
    layer: str = "ent"  # becomes the data attribute naming the span: data-ent, data-claim


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph; together they cover the text exactly."""
    bounds = [0, *(m.end() for m in _PARAGRAPH_END.finditer(text)), len(text)]
    return [(lo, hi) for lo, hi in pairwise(bounds) if hi > lo] or [(0, 0)]


def render_paragraph(
    text: str, index: int, lo: int, hi: int, spans: Iterable[Span], *, oob: bool = False
) -> SafeString:
    """One paragraph's wrapper and its segments (spans may reach beyond it; they are clipped).

    `oob` marks it for htmx to swap in place of the paragraph with the same id.
    """
    swap = ' hx-swap-oob="true"' if oob else ""
    # `index` is an int and the segments are escaped: the whole is safe.
    return SafeString(
        f'<span class="para" id="para-{int(index)}"{swap}>{render_segments(text, spans, lo, hi)}'
        "</span>"
    )


def render_text(text: str, spans: Iterable[Span]) -> SafeString:
    """The whole text, paragraph by paragraph (one sweep over the spans)."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.id))
    parts = []
    active: list[Span] = []
    next_span = 0
    for index, (lo, hi) in enumerate(paragraphs(text)):
        active = [s for s in active if s.end > lo]
        while next_span < len(ordered) and ordered[next_span].start < hi:
            if ordered[next_span].end > lo:
                active.append(ordered[next_span])
            next_span += 1
        parts.append(render_paragraph(text, index, lo, hi, active))
    # Every part is render_paragraph output, so the join is safe.
    return SafeString("".join(parts))


def render_segments(
    text: str, spans: Iterable[Span], lo: int = 0, hi: int | None = None
) -> SafeString:
    """text[lo:hi] as escaped HTML with a <mark> per covered segment (O(n log n))."""
    hi = len(text) if hi is None else hi
    ordered = sorted(
        (s for s in spans if s.start < hi and s.end > lo), key=lambda s: (s.start, -s.end, s.id)
    )
    cuts = sorted(
        {lo, hi, *(max(s.start, lo) for s in ordered), *(min(s.end, hi) for s in ordered)}
    )
    parts: list[str] = []
    active: list[Span] = []
    next_span = 0
    for left, right in pairwise(cuts):
        active = [s for s in active if s.end > left]
        while next_span < len(ordered) and max(ordered[next_span].start, lo) <= left:
            if ordered[next_span].end > left:
                active.append(ordered[next_span])
            next_span += 1
        piece = text[left:right]
        parts.append(_mark(piece, active) if active else escape(piece))
    # Every part is escaped text or a _mark, so the join is safe.
    return SafeString("".join(parts))


def _mark(piece: str, covering: Sequence[Span]) -> str:
    """One <mark>. Built with html.escape on every value, not format_html: an article page
    holds thousands of these and format_html's lazy-string checks were a third of its time.
    """
    classes: list[str] = []
    data: list[str] = []
    for layer in sorted({s.layer for s in covering}):
        spans = [s for s in covering if s.layer == layer]
        inner = min(spans, key=lambda s: (s.end - s.start, s.id))
        classes.append(inner.css + (f" {layer}-overlap" if len(spans) > 1 else ""))
        ids = " ".join(str(int(s.id)) for s in spans)
        data.append(f'data-{escape(layer)}="{int(inner.id)}" data-{escape(layer)}s="{ids}"')
    title = " · ".join(s.title for s in covering)
    return (
        f'<mark class="{escape(" ".join(classes))}" {" ".join(data)} title="{escape(title)}">'
        f"{escape(piece)}</mark>"
    )
