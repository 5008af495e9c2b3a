"""Inter-annotator agreement on constructed cases whose answers are worked out by hand."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import pytest

from annotations import agreement as agreement_module
from annotations.agreement import Span, agreement, merge_pairs, token_offsets

# Ten tokens, one per word (and the full stop), so that spans can be written by token.
TEXT = "Officials said on Monday that the talks had failed ."
TOKENS = token_offsets(TEXT)
#  0 Officials  1 said  2 on  3 Monday  4 that  5 the  6 talks  7 had  8 failed  9 .


def words(i: int, j: int, label: str = "src") -> Span:
    """The span of tokens i..j-1 of TEXT."""
    return Span(TOKENS[i][0], TOKENS[j - 1][1], label)


def exact(value: float | None, fraction: Fraction) -> bool:
    return value is not None and Fraction(value).limit_denominator(10_000) == fraction


def test_the_fixture_text_has_ten_word_tokens():
    assert [TEXT[s:e] for s, e in TOKENS] == [
        "Officials", "said", "on", "Monday", "that", "the", "talks", "had", "failed", ".",
    ]  # fmt: skip


def test_identical_annotations_agree_perfectly():
    spans = [words(0, 2), words(4, 6, "quote")]
    result = agreement(spans, list(spans), TOKENS)
    # Each label: 1 span each side, matched → P = R = F1 = 1. Tokens per label: 2 marked by
    # both, 8 by neither → po = 1, pe = 0.2·0.2 + 0.8·0.8 = 0.68, kappa = (1 - 0.68)/0.32 = 1.
    for label in ("quote", "src"):
        item = result.label(label)
        assert (item.precision, item.recall, item.f1) == (1.0, 1.0, 1.0)
        assert item.po == 1.0 and item.pe == pytest.approx(0.68) and item.kappa == 1.0
    assert [item.label for item in result.per_label] == ["quote", "src"]  # sorted
    assert result.f1 == 1.0 and result.mean_kappa == 1.0


def test_disjoint_annotations():
    # A marks tokens 0–1, B tokens 5–6: no span overlaps → F1 = 0.
    # Tokens: both 0, only A 2, only B 2, neither 6 (n = 10).
    # po = 6/10 = 0.6; pe = 0.2·0.2 + 0.8·0.8 = 0.68; kappa = (0.6 - 0.68)/(1 - 0.68) = -0.25.
    result = agreement([words(0, 2)], [words(5, 7)], TOKENS)
    item = result.label("src")
    assert (item.matched_a, item.matched_b) == (0, 0)
    assert (item.precision, item.recall, item.f1) == (0.0, 0.0, 0.0)
    assert item.po == pytest.approx(0.6) and item.pe == pytest.approx(0.68)
    assert item.kappa == pytest.approx(-0.25)
    assert result.f1 == 0.0 and result.mean_kappa == pytest.approx(-0.25)


def test_a_partial_overlap_is_a_match_but_touching_is_not():
    # "Officials said on" against "on Monday": they share "on" → both matched, F1 = 1.
    overlapping = agreement([words(0, 3)], [words(2, 4)], TOKENS).label("src")
    assert (overlapping.matched_a, overlapping.matched_b, overlapping.f1) == (1, 1, 1.0)
    # Offsets [0, 9) and [9, 14) meet at 9 but share no code point (end exclusive).
    touching = agreement([Span(0, 9, "src")], [Span(9, 14, "src")], TOKENS).label("src")
    assert (touching.matched_a, touching.matched_b, touching.f1) == (0, 0, 0.0)
    # A's [5, 8) touches B's [0, 5) and overlaps B's [6, 7) beyond it: matched.
    beyond = agreement([Span(5, 8, "src")], [Span(0, 5, "src"), Span(6, 7, "src")], TOKENS)
    assert (beyond.label("src").matched_a, beyond.label("src").matched_b) == (1, 1)


def test_a_label_mismatch_is_not_a_match():
    # Same extent (tokens 0–2), different labels: each label has one span on one side only.
    result = agreement([words(0, 3, "src")], [words(0, 3, "quote")], TOKENS)
    src, quote = result.label("src"), result.label("quote")
    assert (src.a_count, src.b_count, src.precision, src.recall, src.f1) == (1, 0, None, 0.0, 0.0)
    assert (quote.a_count, quote.b_count, quote.precision, quote.recall) == (0, 1, 0.0, None)
    # Micro: matched 0 of 1 on each side → P = R = F1 = 0.
    assert (result.precision, result.recall, result.f1) == (0.0, 0.0, 0.0)
    # Per label one side marks 3 tokens, the other none: po = 7/10, pe = 0.3·0 + 0.7·1 = 0.7,
    # kappa = 0 (agreement exactly at chance).
    assert src.po == pytest.approx(0.7) and src.pe == pytest.approx(0.7) and src.kappa == 0.0
    assert quote.kappa == 0.0 and result.mean_kappa == 0.0


def test_one_annotator_empty():
    result = agreement([words(0, 2), words(6, 9)], [], TOKENS)
    item = result.label("src")
    # A: 2 spans, B: none → recall 0/2, precision undefined, F1 0.
    assert (item.a_count, item.b_count, item.precision, item.recall, item.f1) == (
        2, 0, None, 0.0, 0.0,
    )  # fmt: skip
    # A marks 5 tokens, B none: po = 5/10, pe = 0.5·0 + 0.5·1 = 0.5 → kappa 0.
    assert item.kappa == 0.0
    assert (result.precision, result.recall, result.f1) == (None, 0.0, 0.0)


def test_nothing_to_agree_on_is_undefined_not_perfect():
    # Neither annotator marks anything: no labels are scored at all.
    nothing = agreement([], [], TOKENS)
    assert nothing.per_label == [] and nothing.f1 is None and nothing.mean_kappa is None
    # A label asked for but unused: F1 and kappa are undefined (pe = 1, po = 1).
    unused = agreement([], [], TOKENS, labels=["src"]).label("src")
    assert (unused.f1, unused.po, unused.pe, unused.kappa) == (None, 1.0, 1.0, None)
    # Both mark every token: the spans match (F1 1), but kappa has no variation: pe = 1 → None.
    everything = agreement([Span(0, len(TEXT), "src")], [Span(0, len(TEXT), "src")], TOKENS).label(
        "src"
    )
    assert (everything.f1, everything.pe, everything.kappa) == (1.0, 1.0, None)
    # No tokens at all: po, pe and kappa are undefined; F1 does not need tokens.
    untokenised = agreement([words(0, 2)], [words(0, 2)], []).label("src")
    assert (untokenised.f1, untokenised.po, untokenised.kappa) == (1.0, None, None)


def test_kappa_from_a_hand_computed_confusion_table():
    # A marks tokens 0–3, B tokens 1–4:
    #                 B marks   B doesn't
    #   A marks          3          1        (tokens 1,2,3 | 0)
    #   A doesn't        1          5        (token 4 | 5,6,7,8,9)
    # po = (3 + 5)/10 = 0.8; pA = 0.4, pB = 0.4;
    # pe = 0.4·0.4 + 0.6·0.6 = 0.16 + 0.36 = 0.52;
    # kappa = (0.8 - 0.52)/(1 - 0.52) = 0.28/0.48 = 7/12 ≈ 0.5833.
    item = agreement([words(0, 4)], [words(1, 5)], TOKENS).label("src")
    assert item.po == pytest.approx(0.8) and item.pe == pytest.approx(0.52)
    assert exact(item.kappa, Fraction(7, 12))
    assert item.f1 == 1.0  # the spans overlap: F1 forgives what kappa counts
    # docs/agreement.md's second example: B marks tokens 5–6 instead. Table: both 0,
    # only A 4, only B 2, neither 4 → po = 0.4, pe = 0.4·0.2 + 0.6·0.8 = 0.56,
    # kappa = (0.4 - 0.56)/(1 - 0.56) = -0.16/0.44 = -4/11.
    apart = agreement([words(0, 4)], [words(5, 7)], TOKENS).label("src")
    assert apart.po == pytest.approx(0.4) and apart.pe == pytest.approx(0.56)
    assert exact(apart.kappa, Fraction(-4, 11)) and apart.f1 == 0.0


def test_kappa_is_symmetric_and_per_label_then_averaged():
    a = [words(0, 4), words(7, 9, "quote")]
    b = [words(1, 5), words(7, 9, "quote")]
    ab, ba = agreement(a, b, TOKENS), agreement(b, a, TOKENS)
    # src: 7/12 (above); quote: identical → 1; mean = (7/12 + 1)/2 = 19/24.
    assert exact(ab.mean_kappa, Fraction(19, 24))
    assert ab.mean_kappa == pytest.approx(ba.mean_kappa) and ab.f1 == ba.f1


def test_nested_spans_count_as_spans_but_cover_tokens_once():
    # A: an enclosing span over tokens 0–5 and a nested one over token 2; B: token 2 only.
    item = agreement([words(0, 6), words(2, 3)], [words(2, 3)], TOKENS).label("src")
    # Both of A's spans overlap B's, B's overlaps A's → P = 1/1, R = 2/2, F1 = 1.
    assert (item.matched_a, item.a_count, item.matched_b, item.b_count) == (2, 2, 1, 1)
    assert item.f1 == 1.0
    # Tokens: A covers 0–5 (6, the nested span adds none), B covers 2.
    # both 1, only A 5, only B 0, neither 4: po = 5/10, pe = 0.6·0.1 + 0.4·0.9 = 0.42,
    # kappa = (0.5 - 0.42)/(0.58) = 4/29 ≈ 0.138.
    assert item.po == pytest.approx(0.5) and item.pe == pytest.approx(0.42)
    assert exact(item.kappa, Fraction(4, 29))


def test_overlapping_spans_of_one_annotator():
    # A: tokens 0–2 and 2–4 (they share token 2); B: tokens 4–5.
    # Only A's second span reaches B's → R = 1/2; B's is matched → P = 1/1;
    # F1 = 2·1·(1/2)/(1 + 1/2) = 2/3.
    item = agreement([words(0, 3), words(2, 5)], [words(4, 6)], TOKENS).label("src")
    assert (item.recall, item.precision) == (0.5, 1.0)
    assert exact(item.f1, Fraction(2, 3))


def test_one_span_covering_two_of_the_other_matches_both():
    # Overlap matching is not one-to-one: B's one long span matches both of A's.
    item = agreement([words(0, 2), words(3, 5)], [words(0, 5)], TOKENS).label("src")
    assert (item.matched_a, item.matched_b, item.f1) == (2, 1, 1.0)


def test_micro_f1_pools_the_labels():
    # src: A 2 spans both matched, B 2 spans 1 matched. quote: A 1 unmatched, B 0.
    a = [words(0, 2), words(3, 4), words(8, 9, "quote")]
    b = [words(1, 2), words(6, 7), words(0, 1)]
    result = agreement(a, b, TOKENS)
    src = result.label("src")
    assert (src.matched_a, src.a_count, src.matched_b, src.b_count) == (1, 2, 2, 3)
    # Pooled: matched A 1 of 3, matched B 2 of 3 → R = 1/3, P = 2/3,
    # F1 = 2·(2/3)(1/3)/(2/3 + 1/3) = 4/9.
    assert exact(result.recall, Fraction(1, 3)) and exact(result.precision, Fraction(2, 3))
    assert exact(result.f1, Fraction(4, 9))


def test_labels_choose_and_order_what_is_scored():
    a = [words(0, 2, "src"), words(3, 4, "other")]
    result = agreement(a, [words(0, 2, "src")], TOKENS, labels=["src", "quote", "src"])
    assert [item.label for item in result.per_label] == ["src", "quote"]  # "other" left out
    assert result.f1 == 1.0 and result.mean_kappa == 1.0  # quote: None, not averaged


def test_empty_or_negative_spans_are_refused():
    with pytest.raises(ValueError, match="annotator B"):
        agreement([], [Span(3, 3, "src")], TOKENS)
    with pytest.raises(ValueError, match="annotator A"):
        merge_pairs([Span(-1, 3, "src")], [])


# --- merge_pairs ---


def test_merge_pairs_pairs_one_to_one_in_reading_order():
    a = [Span(40, 45, "src"), Span(0, 5, "src"), Span(20, 30, "quote")]
    b = [Span(43, 50, "src"), Span(2, 8, "src"), Span(22, 25, "src"), Span(41, 44, "src")]
    # [40,45) overlaps [41,44) by 3 and [43,50) by 2 → pairs with [41,44); [43,50) stays alone.
    # [20,30) "quote" overlaps [22,25) "src": different labels, both alone.
    assert merge_pairs(a, b) == [
        (Span(0, 5, "src"), Span(2, 8, "src")),
        (Span(20, 30, "quote"), None),
        (None, Span(22, 25, "src")),
        (Span(40, 45, "src"), Span(41, 44, "src")),
        (None, Span(43, 50, "src")),
    ]


def test_merge_pairs_is_greedy_by_largest_overlap():
    a = [Span(0, 10, "src"), Span(6, 20, "src")]
    b = [Span(4, 18, "src")]
    # Overlaps: [0,10)∩[4,18) = 6, [6,20)∩[4,18) = 12 → B pairs with A's second span.
    # Rows begin at 0 (A alone) and at 4 (the pair begins with B's start).
    assert merge_pairs(a, b) == [
        (Span(0, 10, "src"), None),
        (Span(6, 20, "src"), Span(4, 18, "src")),
    ]


def test_merge_pairs_ties_go_to_the_closer_then_the_earlier_span():
    # A nested claim pairs with its twin rather than with the claim enclosing it (both
    # overlap by 5, the twin differs by nothing); the enclosing claim comes first.
    outer, inner = Span(0, 20, "src"), Span(5, 10, "src")
    assert merge_pairs([outer, inner], [Span(5, 10, "src")]) == [
        (outer, None),
        (inner, Span(5, 10, "src")),
    ]
    # Equal overlap (2) and equal extent (8): the earlier span of A wins.
    a = [Span(6, 10, "src"), Span(0, 4, "src")]
    assert merge_pairs(a, [Span(2, 8, "src")]) == [
        (Span(0, 4, "src"), Span(2, 8, "src")),
        (Span(6, 10, "src"), None),
    ]


def test_merge_pairs_orders_rows_at_the_same_start_longest_first():
    a, b = [Span(0, 5, "quote")], [Span(0, 10, "src")]
    assert merge_pairs(a, b) == [(None, Span(0, 10, "src")), (Span(0, 5, "quote"), None)]
    assert merge_pairs([], []) == []


@dataclass(frozen=True)
class ClaimRef:
    start: int
    end: int
    label: str
    claim_id: int


def test_merge_pairs_hands_back_the_callers_objects():
    a, b = [ClaimRef(0, 5, "src", 1)], [ClaimRef(3, 9, "src", 2), ClaimRef(3, 9, "src", 3)]
    # Two identical claims of B are two rows: one pairs (the earlier), one stays alone.
    (x, y), (none, z) = merge_pairs(a, b)
    assert x is a[0] and y is b[0] and none is None and z is b[1]


# --- tokens and offsets ---


def test_token_offsets_keep_marks_and_joiners_with_their_characters():
    def pieces(text: str) -> list[str]:
        return [text[s:e] for s, e in token_offsets(text)]

    assert pieces("Hello, world!") == ["Hello", ",", "world", "!"]
    assert pieces("هِيَ قَالَت") == ["هِيَ", "قَالَت"]  # harakat are not \w
    assert pieces("हिन्दी समाचार") == ["हिन्दी", "समाचार"]  # nor are Devanagari vowel signs
    assert pieces("cafe\u0301 ok") == ["cafe\u0301", "ok"]  # decomposed é
    assert pieces("👨\u200d👩\u200d👧 👍🏽!") == ["👨\u200d👩\u200d👧", "👍🏽", "!"]
    assert token_offsets("") == [] and token_offsets("  \n") == []


def test_offsets_after_an_emoji_are_code_points():
    text = "👍 Officials said so."
    # The emoji is one code point (two UTF-16 units): "Officials" starts at 2, not 3.
    assert token_offsets(text) == [(0, 1), (2, 11), (12, 16), (17, 19), (19, 20)]
    tokens = token_offsets(text)
    assert text[2:11] == "Officials"
    # A span at code points [2, 11) and one at [3, 11) both cover only the token (2, 11):
    # F1 1, and kappa 1 (po 1, pe = (1·1 + 4·4)/25 = 17/25).
    item = agreement([Span(2, 11, "src")], [Span(3, 11, "src")], tokens).label("src")
    assert item.f1 == 1.0 and item.pe == pytest.approx(17 / 25) and item.kappa == 1.0
    # Offsets counted in UTF-16 units ([3, 12) for "Officials") would reach into the space
    # and still cover just that token: overlap matching tolerates being one off, but a
    # span ending at the emoji ([0, 1)) is a different token altogether.
    emoji = agreement([Span(0, 1, "src")], [Span(2, 11, "src")], tokens).label("src")
    assert emoji.f1 == 0.0


def test_offsets_in_arabic_text_are_code_points():
    text = "قال المتحدث إن المفاوضات فشلت."
    tokens = token_offsets(text)
    assert tokens == [(0, 3), (4, 11), (12, 14), (15, 24), (25, 29), (29, 30)]
    spokesman = text.index("المتحدث")  # str.index counts code points
    a = [Span(spokesman, spokesman + len("المتحدث"), "src")]
    b = [Span(*tokens[1], "src"), Span(*tokens[3], "quote")]
    result = agreement(a, b, tokens)
    assert result.label("src").f1 == 1.0 and result.label("src").kappa == 1.0
    # quote: B marks 1 of 6 tokens, A none → po = 5/6, pe = 0·(1/6) + 1·(5/6) → kappa 0.
    assert result.label("quote").kappa == 0.0
    assert result.mean_kappa == 0.5


# --- against brute force, and at scale ---


def _brute_force(a: list[Span], b: list[Span], tokens, label: str):
    def overlaps(x, y) -> bool:
        return x.start < y.end and y.start < x.end

    aa = [x for x in a if x.label == label]
    bb = [y for y in b if y.label == label]
    matched_a = sum(any(overlaps(x, y) for y in bb) for x in aa)
    matched_b = sum(any(overlaps(y, x) for x in aa) for y in bb)
    table = {(i, j): 0 for i in (0, 1) for j in (0, 1)}
    for start, end in tokens:
        token = Span(start, end, label)
        table[any(overlaps(token, x) for x in aa), any(overlaps(token, y) for y in bb)] += 1
    n = len(tokens)
    po = Fraction(table[1, 1] + table[0, 0], n)
    pa, pb = Fraction(table[1, 1] + table[1, 0], n), Fraction(table[1, 1] + table[0, 1], n)
    pe = pa * pb + (1 - pa) * (1 - pb)
    kappa = None if pe == 1 else (po - pe) / (1 - pe)
    return matched_a, matched_b, kappa


def _brute_force_pairs(a: list[Span], b: list[Span]) -> set[tuple[int, int]]:
    ranked = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            size = min(x.end, y.end) - max(x.start, y.start)
            if x.label == y.label and size > 0:
                hull = max(x.end, y.end) - min(x.start, y.start)
                ranked.append((-size, hull, x.start, y.start, x.end, y.end, i, j))
    pairs, used_a, used_b = set(), set(), set()
    for *_, i, j in sorted(ranked):
        if i not in used_a and j not in used_b:
            pairs.add((i, j))
            used_a.add(i)
            used_b.add(j)
    return pairs


@pytest.mark.parametrize("seed", range(30))
def test_agrees_with_brute_force_on_random_annotations(seed: int):
    rng = random.Random(seed)
    text = " ".join(rng.choice(["ab", "c", "def", "g,", "👍", "قال"]) for _ in range(40))
    tokens = token_offsets(text)

    def spans() -> list[Span]:
        out = []
        for _ in range(rng.randrange(0, 12)):
            start = rng.randrange(0, len(text) - 1)
            end = rng.randrange(start + 1, min(len(text), start + 25) + 1)
            out.append(Span(start, end, rng.choice(["src", "quote"])))
        return out

    a, b = spans(), spans()
    result = agreement(a, b, tokens, labels=["src", "quote"])
    for item in result.per_label:
        matched_a, matched_b, kappa = _brute_force(a, b, tokens, item.label)
        assert (item.matched_a, item.matched_b) == (matched_a, matched_b)
        assert item.kappa == (None if kappa is None else pytest.approx(float(kappa)))
    pairs = merge_pairs(a, b)
    # Every span appears exactly once, and the pairs are the all-pairs greedy's.
    assert sorted(x for x, _ in pairs if x) == sorted(a)
    assert sorted(y for _, y in pairs if y) == sorted(b)
    # Identical spans on one side are interchangeable, so compare the pairs by value.
    expected = sorted((a[i], b[j]) for i, j in _brute_force_pairs(a, b))
    assert sorted((x, y) for x, y in pairs if x and y) == expected
    starts = [min(s.start for s in pair if s) for pair in pairs]
    assert starts == sorted(starts)


@pytest.fixture
def counted(monkeypatch):
    """Count the pairs of extents the module compares (each goes through `_overlap`)."""
    calls = {"n": 0}
    overlap = agreement_module._overlap

    def counting(*args: int) -> int:
        calls["n"] += 1
        return overlap(*args)

    monkeypatch.setattr(agreement_module, "_overlap", counting)
    return calls


def test_a_thousand_spans_each_are_not_compared_all_pairs(counted):
    n = 1000
    # A's span i is [10i, 10i+6); B's span i is [10i+3, 10i+12): it overlaps A's i (by 3)
    # and A's i+1 (by 2). All-pairs would compare 1,000,000 pairs.
    a = [Span(10 * i, 10 * i + 6, "src") for i in range(n)]
    b = [Span(10 * i + 3, 10 * i + 12, "src") for i in range(n)]
    tokens = token_offsets("w " * 10_000)  # 10,000 one-letter tokens
    assert len(tokens) == 10_000

    result = agreement(a, b, tokens)
    assert result.f1 == 1.0
    assert counted["n"] == 2 * n  # one comparison per span, against the other side's union

    counted["n"] = 0
    pairs = merge_pairs(a, b)
    assert pairs == list(zip(a, b, strict=True))  # the larger overlap (3) wins every time
    assert counted["n"] == 2 * n - 1  # only the pairs that do overlap


def test_agreement_does_not_depend_on_how_much_spans_overlap(counted):
    # Every span of A overlaps every span of B: still one comparison per span.
    n = 1000
    a = [Span(i, 20_000 - i, "src") for i in range(n)]
    b = [Span(2 * i, 20_000 - 2 * i, "src") for i in range(n)]
    result = agreement(a, b, token_offsets("w " * 20_000))
    assert result.f1 == 1.0 and result.mean_kappa == 1.0  # both cover [0, 20000)
    assert counted["n"] == 2 * n
