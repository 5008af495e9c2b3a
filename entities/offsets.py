"""The server's judgement of an editor's selection: inside the text, widened to whole tokens."""

from __future__ import annotations

from .pipeline import get_tokenizer

WINDOW = 200  # code points of context tokenised on each side of a selection


class SelectionRefused(Exception):
    """The selection cannot become a span; the message says why and what to do."""


def snap_to_tokens(text: str, start: int, end: int) -> tuple[int, int]:
    """Check code-point offsets against the text and widen them to the tokens they touch."""
    if not (0 <= start < end <= len(text)):
        raise SelectionRefused(
            f"The selection {start}–{end} is not inside the text (0–{len(text)}); reload the page."
        )
    # Tokenise only a window around the selection, cut at whitespace: the tokenizer splits on
    # whitespace first, so tokens inside the window are the same as in the whole text, and
    # a 100k-character article costs no more than a sentence.
    lo = max(0, start - WINDOW)
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    hi = min(len(text), end + WINDOW)
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    doc = get_tokenizer()(text[lo:hi])
    span = doc.char_span(start - lo, end - lo, alignment_mode="expand")
    # spaCy makes tokens of newlines and runs of spaces: a span never starts or ends on one.
    words = [t for t in span if not t.is_space] if span is not None else []
    if not words:
        raise SelectionRefused("The selection holds no word; select the words themselves.")
    first, last = words[0], words[-1]
    return lo + first.idx, lo + last.idx + len(last.text)
