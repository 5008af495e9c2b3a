"""Render article text with highlighted spans, as segments, exactly once.

The text is cut at every span boundary; each piece is escaped and, if spans cover it,
wrapped in one <mark> naming them. Nothing else is emitted between pieces, so the text
nodes of the container concatenate to the stored text and the browser can turn a
selection back into offsets. Spans come in layers (entities, claims); a piece covered by
several spans of one layer shows as an overlap, and the innermost span of each layer is
the one a click opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Span:
    id: int
    start: int
    end: int
    css: str  # class names for the mark, built by the caller from allow-listed values
    title: str
    layer: str = "ent"  # becomes the data attribute naming the span: data-ent, data-claim


def render_segments(text: str, spans: Iterable[Span]) -> SafeString:
    """The whole text as escaped HTML with a <mark> per covered segment (O(n log n))."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.id))
    cuts = sorted({0, len(text), *(s.start for s in ordered), *(s.end for s in ordered)})
    parts: list[str] = []
    active: list[Span] = []
    next_span = 0
    for left, right in pairwise(cuts):
        active = [s for s in active if s.end > left]
        while next_span < len(ordered) and ordered[next_span].start <= left:
            if ordered[next_span].end > left:
                active.append(ordered[next_span])
            next_span += 1
        piece = text[left:right]
        parts.append(_mark(piece, active) if active else conditional_escape(piece))
    # Every part is escaped text or format_html output, so the join is safe.
    return SafeString("".join(parts))


def _mark(piece: str, covering: Sequence[Span]) -> str:
    classes: list[str] = []
    data: list[tuple[str, int, str, str]] = []
    for layer in sorted({s.layer for s in covering}):
        spans = [s for s in covering if s.layer == layer]
        inner = min(spans, key=lambda s: (s.end - s.start, s.id))
        classes.append(inner.css + (f" {layer}-overlap" if len(spans) > 1 else ""))
        data.append((layer, inner.id, layer, " ".join(str(s.id) for s in spans)))
    return format_html(
        '<mark class="{}" {} title="{}">{}</mark>',
        " ".join(classes),
        format_html_join(" ", 'data-{}="{}" data-{}s="{}"', data),
        " · ".join(s.title for s in covering),
        piece,
    )
