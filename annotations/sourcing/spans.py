"""What the sourcing detector's rules share: the labels, the word classes they test, the
records they build while reading one doc (sources, cues, the doc's quotations and sentences),
the suggestions they return, and small helpers over spaCy tokens."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

NAMED, ANONYMOUS, OUTLET = "named_source", "anonymous_source", "outlet"
DENIAL, NO_COMMENT, HEDGE = "denial", "no_comment", "hedge"
UNATTRIBUTED = "unattributed"
# Attribution triples (issue 19): the reporting cue and the statement it attributes.
REPORTING, STATEMENT = "reporting", "statement"
LABELS = (NAMED, ANONYMOUS, OUTLET, DENIAL, NO_COMMENT, HEDGE, UNATTRIBUTED, REPORTING, STATEMENT)
SOURCE_LABELS = (NAMED, ANONYMOUS, OUTLET)

# Entity types a source mention can be linked to (dates, numbers and money never speak).
SOURCE_ENTITY_TYPES = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC"})
# Subject pronouns that can stand for a source, by what they can refer to.
PERSON_PRONOUNS = frozenset({"he", "she"})
PLURAL_PRONOUNS = frozenset({"they"})
THING_PRONOUNS = frozenset({"it"})
# Words that introduce the reason for anonymity ("because they were not authorised ...").
REASON_INTRODUCERS = frozenset({"because", "as", "since", "for", "citing", "given", "due"})
# Quotation marks: openers, closers, and the straight ones that toggle.
QUOTE_OPENERS = frozenset({"“", "„", "«", "``"})
QUOTE_CLOSERS = frozenset({"”", "»", "''"})
# Entity types of figures and dates: a superlative near one states a record.
FIGURE_ENTITY_TYPES = frozenset(
    {"DATE", "TIME", "CARDINAL", "PERCENT", "QUANTITY", "MONEY", "ORDINAL"}
)
# Pronouns of someone speaking: the article's own voice is in the third person.
SPEAKER_PRONOUNS = frozenset({"i", "me", "my", "we", "us", "our", "you", "your"})
QUOTE_MARKS = QUOTE_OPENERS | QUOTE_CLOSERS | {'"'}
# Dependents that belong to a source mention to the right of its head (commas, relative
# clauses and appositions do not: "The U.S. officials, who spoke on condition of anonymity").
RIGHT_DEPS = frozenset({"prep", "amod", "compound", "nummod", "conj", "cc", "case", "nmod", "poss"})
# Punctuation inside a phrase: hyphens of names ("al-Amr"), dots of abbreviations.
PHRASE_PUNCT = frozenset({"-", ".", "'", "’", "&"})
LEFT_SKIP_DEPS = frozenset({"preconj", "punct", "cc", "advmod", "mark"})
# Token attributes whose values a dependency pattern's words are checked against.
ANCHOR_ATTRS = ("LEMMA", "LOWER", "ORTH")


@dataclass(frozen=True)
class Suggestion:
    """One suggested span; offsets are code points into doc.text, end exclusive."""

    start: int
    end: int
    label: str
    anonymity_reason: str = ""
    # Index into the returned list: the source a cue belongs to, or a pronoun refers to.
    source: int | None = None
    # (start_char, end_char) of the doc.ents entity that this source mention is.
    entity: tuple[int, int] | None = None
    # For anonymous sources: the organisation or country named in the mention ("U.S.").
    affiliation: str = ""
    # Index into the returned list: for a statement, the cue that attributes it.
    cue: int | None = None


@dataclass
class _Source:
    """A source mention found in this doc (token offsets; nothing kept across calls)."""

    start: int
    end: int
    head: int
    label: str
    plural: bool = False
    person: bool = False
    pronoun: str = ""
    entity: tuple[int, int] | None = None
    affiliation: str = ""
    reason: str = ""
    antecedent: _Source | None = None


@dataclass
class _Cue:
    start: int
    end: int
    label: str
    subject: int | None  # head token of the party that denied or declined


@dataclass
class _DocContext:
    """Per-call facts about the doc: quotations, sentences, paragraphs."""

    quotes: list[tuple[int, int]] = field(default_factory=list)  # token [start, end)
    sent_starts: list[int] = field(default_factory=list)
    paragraph_breaks: list[int] = field(default_factory=list)  # char offsets of newlines

    def in_quote(self, i: int) -> bool:
        k = bisect.bisect_right(self.quotes, (i, 1 << 60)) - 1
        return k >= 0 and self.quotes[k][0] <= i < self.quotes[k][1]

    def sentence(self, i: int) -> int:
        return bisect.bisect_right(self.sent_starts, i) - 1

    def paragraph(self, char: int) -> int:
        return bisect.bisect_right(self.paragraph_breaks, char)


def _has_word(token: Token) -> bool:
    return any(ch.isalnum() for ch in token.text)


def _negated(verb: Token) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _subject_of(verb: Token) -> Token | None:
    """The subject of a verb, through the verbs it is conjoined or subordinated to."""
    for _ in range(4):
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
            if child.dep_ == "agent":
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj":
                        return grandchild
        if verb.dep_ not in ("conj", "xcomp", "advcl") or verb.head is verb:
            return None
        verb = verb.head
    return None


def _inherited_subject(verb: Token) -> Token | None:
    """The source of a reporting verb with no subject of its own: the subject (or passive
    agent) of the clause it is conjoined or subordinate to ("and said", "upon announcing")."""
    if any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl", "agent") for c in verb.children):
        return None  # it has its own subject: the ordinary patterns place it
    if any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children):
        return None  # "as reported by ...": the agent is the source
    if verb.tag_ == "VBN" and (
        any(c.dep_ == "auxpass" for c in verb.children)
        or not any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)
    ):
        return None  # a passive participle ("reported by The Guardian as ...")
    if verb.dep_ == "ccomp":
        # "Znak.com further reported its source said ...", parsed with "its source" as the
        # object of "reported": the object right before a subjectless clause is its subject.
        for sibling in verb.head.children:
            if sibling.dep_ == "dobj" and sibling.right_edge.i == verb.i - 1:
                return sibling
        return None
    if verb.dep_ != "conj" and verb.tag_ != "VBG":
        return None  # "carried out to confirm if ...": a purpose, not a statement
    for _ in range(4):
        # A participle ("quoting KCNA, the military has been placed ...") may dangle: only an
        # active subject (or an agent) is its speaker; after "upon"/"after" a passive one too.
        subjects = ("nsubj",) if verb.dep_ == "advcl" else ("nsubj", "nsubjpass")
        if verb.dep_ == "pcomp" and verb.head.dep_ == "prep":
            verb = verb.head.head
        elif verb.dep_ in ("conj", "advcl") and verb.head is not verb:
            verb = verb.head
        else:
            return None
        clause = verb.head if verb.dep_ == "conj" else verb
        if _negated(verb) or any(c.dep_ == "mark" for c in (*verb.children, *clause.children)):
            return None  # "as ... margins are thin, while noting ...": a subordinate clause
        for child in verb.children:
            if child.dep_ == "agent":
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj":
                        return grandchild
        for child in verb.children:
            if child.dep_ in subjects:
                return child
            if child.dep_ == "nsubjpass":
                return None
    return None


def _object_complement(verb: Token) -> bool:
    """'declared homosexuality a capital crime', 'named him spokesman', 'declared X as Y',
    'declaring same-sex marriages illegal': an object with an object complement (dative +
    object, an oprd, "as", or a verbless small clause) and no real clause."""
    deps = {c.dep_ for c in verb.children}
    clauses = [c for c in verb.children if c.dep_ in ("ccomp", "parataxis")]
    if clauses:
        # A verbless small clause ("declaring same-sex marriages illegal") is a complement.
        return all(c.pos_ in ("ADJ", "NOUN", "PROPN") for c in clauses)
    if "oprd" in deps or {"dative", "dobj"} <= deps:
        return True
    # "declared homosexuality as a capital crime"
    return "dobj" in deps and any(c.dep_ == "prep" and c.lower_ == "as" for c in verb.children)


def _antecedent_of_relative(head: Token) -> Token:
    """'... officials, who said': the relative pronoun stands for the noun it follows."""
    if head.tag_ in ("WP", "WDT") and head.head.dep_ == "relcl":
        return head.head.head
    return head


def _phrase_end(token: Token) -> int:
    """End (exclusive) of a token's subtree, stopping before a comma, bracket or quote."""
    end = token.i + 1
    for t in token.subtree:
        if t.i < token.i:
            continue
        if t.i > end or (t.is_punct and t.text not in PHRASE_PUNCT):
            break
        end = t.i + 1
    return end


def _fits(pronoun: _Source, candidate: _Source) -> bool:
    if pronoun.pronoun in PLURAL_PRONOUNS:
        return candidate.plural
    if pronoun.pronoun in PERSON_PRONOUNS:
        return candidate.person and not candidate.plural
    return not candidate.person and not candidate.plural and candidate.label != ANONYMOUS


def _first_ent(doc: Doc, start: int) -> int:
    """Index of the first entity ending after token `start` (entities are sorted)."""
    ents = doc.ents
    lo, hi = 0, len(ents)
    while lo < hi:
        mid = (lo + hi) // 2
        if ents[mid].end <= start:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _merge_cues(cues: list[_Cue]) -> list[_Cue]:
    """One cue where patterns overlap ("denied" and "denied the claims"): the longest."""
    kept: list[_Cue] = []
    for cue in sorted(cues, key=lambda c: (c.start - c.end, c.start, c.label)):
        same = [k for k in kept if k.label == cue.label and k.start < cue.end and cue.start < k.end]
        if same:
            if same[0].subject is None:
                same[0].subject = cue.subject
            continue
        kept.append(cue)
    return kept


def _drop_nested(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Hedge spans without those inside a longer one ('said to' inside 'is said to')."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if kept and kept[-1][0] <= start and end <= kept[-1][1]:
            continue
        kept.append((start, end))
    return kept
