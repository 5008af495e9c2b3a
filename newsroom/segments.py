"""Render article text with highlighted spans, as segments, exactly once.

The text is cut at every span boundary; each piece is escaped and, if spans cover it,
wrapped in one <mark> naming them. Nothing else is emitted between pieces, so the text
nodes of the container concatenate to the stored text and the browser can turn a
selection back into offsets. Overlapping and nested spans become several marks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Span:
    id: int
    start: int
    end: int
    css: str  # class names for the mark, built by the caller from allow-listed values
    title: str


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
        if not active:
            parts.append(conditional_escape(piece))
        else:
            parts.append(_mark(piece, active))
    return SafeString("".join(parts))


def _mark(piece: str, covering: Sequence[Span]) -> str:
    # The innermost (shortest) span answers a click; the others are named for overlap display.
    inner = min(covering, key=lambda s: (s.end - s.start, s.id))
    classes = inner.css + (" overlap" if len(covering) > 1 else "")
    return format_html(
        '<mark class="{}" data-id="{}" data-ids="{}" title="{}">{}</mark>',
        classes,
        inner.id,
        " ".join(str(s.id) for s in covering),
        " · ".join(s.title for s in covering),
        piece,
    )
