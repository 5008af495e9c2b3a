"""The server's judgement of an editor's selection: inside the text, widened to whole tokens."""

from __future__ import annotations

from .pipeline import get_pipeline


class SelectionRefused(Exception):
    """The selection cannot become a span; the message says why and what to do."""


def snap_to_tokens(text: str, start: int, end: int) -> tuple[int, int]:
    """Check code-point offsets against the text and widen them to the tokens they touch."""
    if not (0 <= start < end <= len(text)):
        raise SelectionRefused(
            f"The selection {start}–{end} is not inside the text (0–{len(text)}); reload the page."
        )
    span = get_pipeline().nlp.make_doc(text).char_span(start, end, alignment_mode="expand")
    if span is None or not span.text.strip():
        raise SelectionRefused("The selection holds no word; select the words themselves.")
    return span.start_char, span.end_char
