"""What an article's words rest on: the statements' words by the kind of source behind them, and
the factual sentences that rest on no one (issue 19). Pure Python, no database.

Words are counted as every per-1,000-words figure counts them (`Article.word_count`,
`len(text.split())`): a word is a run of non-whitespace, and `\\S` matches exactly the
characters `str.split()` does not split on. A word belongs to a statement when any of its
characters is inside the statement's span, so a statement that cuts a word still counts it
whole, and a word inside several overlapping statements is counted once.

Sentences come from `sentences`, one fixed rule (docs/sourcing-quality.md, "What the words
rest on"): the same split on the page, the dashboard and the export.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

NAMED, ANONYMOUS, OUTLET = "named_source", "anonymous_source", "outlet"
REPORTING, DENIAL, NO_COMMENT, STATEMENT = "reporting", "denial", "no_comment", "statement"
# What a statement links to (annotations.claims._check_links: a claim of kind cue).
ATTRIBUTING_CUES = (REPORTING, DENIAL, NO_COMMENT)
# The cues whose statements someone is reported to have said: a reporting cue's (what was
# said) and a denial's (what is denied). A no comment's statement is the topic of a refusal,
# which nobody said: its words count nowhere in the attributed words.
SAYING_CUES = (REPORTING, DENIAL)
REFUSED = "refused"
SOURCE_LABELS = (NAMED, ANONYMOUS, OUTLET)
# A sentence with one of these in it rests on someone: it names a source, carries a cue, or is
# (part of) what someone is reported to have said. Hedges and unattributed markers do not.
ATTRIBUTING = (*SOURCE_LABELS, *ATTRIBUTING_CUES, STATEMENT)

# A word inside statements of different kinds counts once, for the best-identified kind:
# named, then outlet (credited, checkable), then anonymous, then a cue with no source
# identified; a word in an unlinked statement only counts as unlinked when no linked statement
# covers it. The numbers are the precedence (higher wins); 0 is no statement.
UNLINKED, UNIDENTIFIED = "unlinked", "unidentified"
RANK = {UNLINKED: 1, UNIDENTIFIED: 2, ANONYMOUS: 3, OUTLET: 4, NAMED: 5}

# A factual sentence has at least this many words.
FACTUAL_MIN_WORDS = 4
# Abbreviations after which a full stop does not end a sentence (compared case-insensitively,
# without the stop): titles before a name, and common short forms. Initialisms ("U.S.",
# "U.K.", "J.") never end one either (see `_ends_sentence`).
_ABBREVIATED = """mr mrs ms mx dr prof sr jr st mt ft gen col lt maj sgt capt cmdr adm gov sen rep
    rev hon pres supt insp det vs etc approx dept est fig inc ltd co corp bros jan feb mar apr jun
    jul aug sep sept oct nov dec"""
ABBREVIATIONS = frozenset(_ABBREVIATED.split())

_WORD = re.compile(r"\S+")
# A line break, or a possible sentence end: a run of . ! ? or …, then any closing quotes or
# brackets, then whitespace.
# (Led by a character class rather than an alternation: the scan runs ~4 times as fast.)
_BREAK = re.compile(r"[\n.!?…](?:(?<=\n)|(?<!\n)[.!?…]*[\"'”’»)\]]*(?=\s))")
# A sentence without the whitespace around it; the first non-blank line, likewise.
_CONTENT = re.compile(r"\S(?:.*\S)?", re.DOTALL)
_FIRST_LINE = re.compile(r"\s*(\S(?:[^\n]*\S)?)")
_NEXT = re.compile(r"\s*(\S)")
_INITIALISM = re.compile(r"(?:[^\W\d_]\.)+$")
_FINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")


class Fact(Protocol):
    """What this module reads of a claim (quality.ClaimFacts has it)."""

    pk: int
    label_slug: str
    source_claim_id: int | None
    start: int
    end: int
    cue_id: int | None


@dataclass(frozen=True)
class Reliance:
    """One article's statement words by kind, and its factual sentences."""

    words_on_named: int = 0
    words_on_anonymous: int = 0
    words_on_outlet: int = 0
    # Statements linked to a cue whose source is not marked (no "Belongs to source").
    words_on_unidentified: int = 0
    # Statements linked to a reporting cue or a denial (counted claims only; a no comment's
    # statement, the topic of a refusal, counts nowhere).
    statements: int = 0
    # Statements linked to no cue (or to one that does not count): not attributed.
    unlinked_statements: int = 0
    unlinked_words: int = 0
    factual_sentences: int = 0
    sentences_on_no_one: int = 0


def word_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each word, as `text.split()` gives them."""
    return [m.span() for m in _WORD.finditer(text)]


def _ends_sentence(text: str, stop: int, after: int) -> bool:
    """Whether the punctuation run at `text[stop]` ends a sentence (`after`: the offset just
    past the run and its closing quotes): a ! ? or … always does; a full stop does unless the
    next word starts with a lower-case letter or a digit ("approx. ten", "No. 5") or the word
    it closes is an abbreviation or an initialism."""
    if text[stop] != ".":
        return True
    following = _NEXT.match(text, after)
    if following and (following[1].islower() or following[1].isdigit()):
        return False
    word_start = stop
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    # The word with its stop, leading quotes and brackets aside ('"Dr.' is "Dr.").
    word = text[word_start : stop + 1].lstrip("\"'“‘«([")
    if _INITIALISM.match(word):
        return False
    return word[:-1].lower() not in ABBREVIATIONS


def sentences(text: str) -> list[tuple[int, int]]:
    """The text's sentences as (start, end) offsets, leading and trailing whitespace aside.

    The rule: a line break ends a sentence (headlines, paragraphs and list items are lines);
    within a line, a sentence ends after a run of . ! ? or … (with any closing quotes or
    brackets after it) that is followed by whitespace, except a full stop before a word that
    starts with a lower-case letter or a digit, or closing an abbreviation (`ABBREVIATIONS`:
    "Dr.", "Mr.", "Jan.") or an initialism ("U.S.", "J.").
    """
    out: list[tuple[int, int]] = []
    start = 0
    # One pass over the text (the export computes this for every article it writes).
    for m in _BREAK.finditer(text):
        if m[0] == "\n":
            end, following = m.start(), m.end()
        elif _ends_sentence(text, m.start(), m.end()):
            end = following = m.end()
        else:
            continue
        found = _CONTENT.search(text, start, end)
        if found:
            out.append(found.span())
        start = following
    found = _CONTENT.search(text, start)
    if found:
        out.append(found.span())
    return out


def headline(text: str) -> tuple[int, int] | None:
    """The headline line: the text's first non-blank line when it does not end like a sentence
    (. ! ? or …, with any closing quotes or brackets): "BREAKING: Russia Appears to Move ...".
    None when the text opens with a sentence."""
    first = _FIRST_LINE.match(text)
    if first is None or _FINAL.search(first[1]):
        return None
    return first.span(1)


# The article page and every claim saved on it ask for the same texts' sentences again and
# again (half a millisecond of CPU on a long article). A few dozen texts: the ones being read.
@lru_cache(maxsize=32)
def factual_sentences(text: str) -> tuple[tuple[int, int], ...]:
    """The sentences the figure counts: at least FACTUAL_MIN_WORDS words, not a question (its
    last character, closing quotes and brackets aside, is not "?") and not in the headline."""
    head = headline(text)
    out = []
    for start, end in sentences(text):
        if head is not None and start < head[1] and end > head[0]:
            continue
        sentence = text[start:end]
        if len(sentence.split(None, FACTUAL_MIN_WORDS - 1)) < FACTUAL_MIN_WORDS:
            continue
        if sentence.rstrip("\"'”’»)]").endswith("?"):
            continue
        out.append((start, end))
    return tuple(out)


def _kind_of_statement(
    statement: Fact, by_pk: Mapping[int, Fact], source_label: Mapping[int, str]
) -> str:
    cue = by_pk.get(statement.cue_id) if statement.cue_id is not None else None
    if cue is None or cue.label_slug not in ATTRIBUTING_CUES:
        return UNLINKED  # no cue, or one that does not count (rejected, hidden, not a cue)
    if cue.label_slug not in SAYING_CUES:
        return REFUSED
    label = source_label.get(cue.source_claim_id) if cue.source_claim_id is not None else None
    return label if label in SOURCE_LABELS else UNIDENTIFIED


def _words_by_rank(text: str, spans: Sequence[tuple[int, int, int]]) -> dict[int, int]:
    """How many words each rank claims: spans are (start, end, rank); a word takes the
    highest rank of the spans it overlaps."""
    if not spans:
        return {}
    cover = bytearray(len(text))
    for start, end, rank in sorted(spans, key=lambda s: s[2]):
        start, end = max(0, start), min(len(text), end)
        if start < end:
            cover[start:end] = bytes([rank]) * (end - start)
    counts: dict[int, int] = {}
    # Only the words of the covered stretches, each widened to whole words, then merged (so
    # that a word two stretches cut is read once).
    for start, end in _merged(_widened(text, s, e) for s, e, _ in spans):
        ranks = set(cover[start:end]) - {0}
        if len(ranks) == 1:  # most stretches: one statement, or several of one kind
            rank = ranks.pop()
            counts[rank] = counts.get(rank, 0) + len(text[start:end].split())
            continue
        for m in _WORD.finditer(text, start, end):
            rank = max(cover[m.start() : m.end()])
            if rank:
                counts[rank] = counts.get(rank, 0) + 1
    return counts


def _widened(text: str, start: int, end: int) -> tuple[int, int]:
    start, end = min(max(0, start), len(text)), min(len(text), end)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while 0 < end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif start < end:
            out.append((start, end))
    return out


def reliance(claims: Sequence[Fact], *, text: str, source_label: Mapping[int, str]) -> Reliance:
    """The article's Reliance from the claims that count and its `text`; `source_label` maps
    each counted source mention's pk to its source's label (the label the scorecard gives the
    source it belongs to)."""
    by_pk = {c.pk: c for c in claims}
    spans, statements, unlinked = [], 0, 0
    for c in claims:
        if c.label_slug != STATEMENT:
            continue
        kind = _kind_of_statement(c, by_pk, source_label)
        if kind == REFUSED:
            continue
        if kind == UNLINKED:
            unlinked += 1
        else:
            statements += 1
        spans.append((c.start, c.end, RANK[kind]))
    by_rank = _words_by_rank(text, spans)
    words = {kind: by_rank.get(rank, 0) for kind, rank in RANK.items()}
    # Sentences: does any attributing claim overlap each factual sentence?
    marks = _merged((c.start, c.end) for c in claims if c.label_slug in ATTRIBUTING)
    mark_starts = [m[0] for m in marks]
    factual = factual_sentences(text)
    on_no_one = 0
    for start, end in factual:
        # The last merged mark starting before the sentence ends is the only one that can
        # reach into it (marks are disjoint and sorted).
        i = bisect_left(mark_starts, end) - 1
        if i < 0 or marks[i][1] <= start:
            on_no_one += 1
    return Reliance(
        words_on_named=words[NAMED],
        words_on_anonymous=words[ANONYMOUS],
        words_on_outlet=words[OUTLET],
        words_on_unidentified=words[UNIDENTIFIED],
        statements=statements,
        unlinked_statements=unlinked,
        unlinked_words=words[UNLINKED],
        factual_sentences=len(factual),
        sentences_on_no_one=on_no_one,
    )


# --- Figures (quality.Figure's fields: key, name, value, formula, working, display) ----------

FigureParts = tuple[str, str, float | None, str, str, str]


class Counts(Protocol):
    """What the figures read of quality.SourcingCounts (for one article or summed)."""

    words_on_named: int
    words_on_anonymous: int
    words_on_outlet: int
    words_on_unidentified: int
    statements: int
    unlinked_statements: int
    unlinked_words: int
    factual_sentences: int
    sentences_on_no_one: int

    @property
    def attributed_words(self) -> int: ...


# The attributed-words figures: (key, name, count field, what the words rest on).
WORD_FIGURES = (
    ("anonymous_words", "Words on anonymous sources", "words_on_anonymous", "anonymous sources"),
    ("named_words", "Words on named sources", "words_on_named", "named sources"),
    ("outlet_words", "Words on other outlets", "words_on_outlet", "other outlets"),
    (
        "unidentified_words",
        "Words on a cue with no source",
        "words_on_unidentified",
        "a cue whose source is not marked",
    ),
)


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _words_share(c: Counts, key: str, name: str, field: str, rests_on: str) -> FigureParts:
    count, total = getattr(c, field), c.attributed_words
    formula = f"{field} / attributed statement words"
    unlinked = (
        f"; not counted: {_plural(c.unlinked_words, 'word')} of "
        f"{_plural(c.unlinked_statements, 'statement')} linked to no cue"
        if c.unlinked_statements
        else ""
    )
    if total == 0:
        working = f"no statement linked to a cue: nothing to measure{unlinked}"
        return (key, name, None, formula, working, "—")
    value = count / total
    working = (
        f"{value:.0%} of attributed words rest on {rests_on}: {count:,} of "
        f"{_plural(total, 'word')} in {_plural(c.statements, 'statement')}{unlinked}"
    )
    return (key, name, value, formula, working, f"{value:.0%}")


def _sentences_on_no_one(c: Counts) -> FigureParts:
    name = "Factual sentences resting on no one"
    formula = "factual sentences with no statement, source mention or cue / factual sentences"
    n, of = c.sentences_on_no_one, c.factual_sentences
    if of == 0:
        working = "no factual sentence (4 words or more, not a question, not the headline)"
        return ("sentences_on_no_one", name, None, formula, working, "—")
    value = n / of
    working = (
        f"{n:,} of {_plural(of, 'factual sentence')} rest on no one (no statement, source "
        f"mention or cue in them) = {value:.2f}"
    )
    return ("sentences_on_no_one", name, value, formula, working, f"{n:,} of {of:,}")


def resting_figures(c: Counts) -> list[FigureParts]:
    """The attributed words' shares by kind, then the sentences resting on no one."""
    return [_words_share(c, key, *rest) for key, *rest in WORD_FIGURES] + [_sentences_on_no_one(c)]
