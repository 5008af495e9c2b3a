"""Snapping a selection to tokens looks at a window, and agrees with the whole text."""

import random

import pytest

from entities.offsets import SelectionRefused, snap_to_tokens
from entities.pipeline import get_pipeline


def whole_text_snap(text: str, start: int, end: int) -> tuple[int, int] | None:
    span = get_pipeline().nlp.make_doc(text).char_span(start, end, alignment_mode="expand")
    words = [t for t in span if not t.is_space] if span is not None else []
    if not words:
        return None
    return words[0].idx, words[-1].idx + len(words[-1].text)


@pytest.mark.parametrize(
    ("text", "selected", "expected"),
    [
        ("ءءء\nNext line", "ءءء\n", "ءءء"),
        ("Officials said\n\nThe", "said\n\nThe", "said\n\nThe"),
        ("a\tword\there", "\tword\t", "word"),
        ("first  \n  second", "  \n  second", "second"),
    ],
)
def test_a_span_never_starts_or_ends_on_whitespace(text, selected, expected):
    start = text.index(selected)
    got = snap_to_tokens(text, start, start + len(selected))
    assert text[got[0] : got[1]] == expected


def test_the_window_gives_the_same_tokens_as_the_whole_text():
    rng = random.Random(7)
    words = [
        "U.S.",
        "officials,",
        "who",
        "spoke",
        "(on",
        "condition)",
        "e-mail",
        "don't",
        "😀",
        "Café",
        "“quoted”",
        "$1.5bn",
        "—",
        "co-operate.",
    ]
    text = " ".join(rng.choice(words) for _ in range(3000))
    for _ in range(300):
        start = rng.randrange(0, len(text) - 20)
        end = start + rng.randrange(1, 20)
        expected = whole_text_snap(text, start, end)
        if expected is None:
            with pytest.raises(SelectionRefused):
                snap_to_tokens(text, start, end)
        else:
            assert snap_to_tokens(text, start, end) == expected


def test_a_text_without_whitespace_still_snaps():
    text = "名古屋市は" * 200
    assert snap_to_tokens(text, 10, 12) == whole_text_snap(text, 10, 12)
