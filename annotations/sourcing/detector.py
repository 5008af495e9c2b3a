"""The rule-based sourcing detector: spaCy's rule matchers over the parse, patterns from data.

It suggests source mentions (named_source, anonymous_source, outlet), cues (denial,
no_comment) and markers (hedge, unattributed) for one parsed Doc. The patterns and word lists
live in `patterns/<language>.json` (see README.md next to this file); this module turns matches into
spans, decides what kind of source a mention is, and links cues and pronouns to their
sources. It never imports Django: the analysis task calls it on docs from `nlp.pipe`.
"""

from __future__ import annotations

import bisect
import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.tokens import Doc, Token

from entities.pipeline import ANALYSIS_COMPONENTS

# What the detector reads from a Doc: the components the analysis runs.
REQUIRED_COMPONENTS = ANALYSIS_COMPONENTS

NAMED, ANONYMOUS, OUTLET = "named_source", "anonymous_source", "outlet"
DENIAL, NO_COMMENT, HEDGE = "denial", "no_comment", "hedge"
UNATTRIBUTED = "unattributed"
LABELS = (NAMED, ANONYMOUS, OUTLET, DENIAL, NO_COMMENT, HEDGE, UNATTRIBUTED)
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


@functools.cache
def load_patterns(language: str = "en") -> dict[str, Any]:
    """The pattern file of a language, with every "@lexicon" reference expanded."""
    text = resources.files(__package__).joinpath("patterns", f"{language}.json").read_text("utf-8")
    data = json.loads(text)
    lexicons = {name: entry["terms"] for name, entry in data["lexicons"].items()}

    def expand(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("@"):
            return list(lexicons[value[1:]])
        if isinstance(value, list):
            return [expand(v) for v in value]
        if isinstance(value, dict):
            return {k: expand(v) for k, v in value.items()}
        return value

    for key in ("token_patterns", "dependency_patterns"):
        for entry in data[key]:
            entry["pattern"] = expand(entry["pattern"])
    return data


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


class SourcingDetector:
    """Suggests sourcing spans for parsed docs; build once per nlp (matchers use its vocab)."""

    def __init__(self, nlp: Any, language: str = "en") -> None:
        data = load_patterns(language)
        self.language = language
        self.lex = {
            name: frozenset(t.lower() for t in entry["terms"])
            for name, entry in data["lexicons"].items()
        }
        self.token_matcher = Matcher(nlp.vocab)
        self.dep_matcher = DependencyMatcher(nlp.vocab)
        self.phrase_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.families: dict[int, str] = {}
        self.specs: dict[int, dict[str, Any]] = {}
        strings = nlp.vocab.strings
        for entry in data["token_patterns"]:
            self.token_matcher.add(entry["id"], [entry["pattern"]])
            self._register(strings.add(entry["id"]), entry)
        # Which sentences can hold a dependency match: each pattern's word conditions (see
        # `_anchor_conditions`), indexed by the word, and the conditions each pattern needs.
        self._anchors: dict[str, dict[str, list[int]]] = {"LEMMA": {}, "LOWER": {}, "ORTH": {}}
        self._conditions = 0
        self._needs: list[frozenset[int]] = []
        self._dep_order: dict[int, int] = {}  # pattern key -> its position in the matcher
        for entry in data["dependency_patterns"]:
            self.dep_matcher.add(entry["id"], [entry["pattern"]])
            key = strings.add(entry["id"])
            self._register(key, entry)
            self._dep_order[key] = len(self._dep_order)
            # Node names in the order the DependencyMatcher reports their tokens.
            entry["nodes"] = [node["RIGHT_ID"] for node in entry["pattern"]]
            self._needs.append(self._anchor_conditions(entry["pattern"]))
        # The same words as string ids, per attribute in ANCHOR_ATTRS order, for Doc.to_array.
        self._anchor_index = [
            {strings.add(word): ids for word, ids in self._anchors[attr].items()}
            for attr in ANCHOR_ATTRS
        ]
        self._anchor_ids = [
            np.array(sorted(index), dtype=np.uint64) for index in self._anchor_index
        ]
        for name, entry in data["phrases"].items():
            self.phrase_matcher.add(name, [nlp.make_doc(t) for t in entry["terms"]])

    def _anchor_conditions(self, pattern: list[dict[str, Any]]) -> frozenset[int]:
        """The word conditions of a dependency pattern's nodes: a LEMMA, LOWER or ORTH value
        (or IN list) that some token of the sentence must have for the pattern to match there.
        Registers each in `self._anchors` and returns their ids; a pattern without any (none
        in the pattern file) needs nothing, so every sentence is searched for it."""
        needs = set()
        for node in pattern:
            for attr, index in self._anchors.items():
                value = node["RIGHT_ATTRS"].get(attr)
                if isinstance(value, dict):
                    if set(value) != {"IN"}:
                        continue  # NOT_IN and other operators say nothing about presence
                    value = value["IN"]
                elif isinstance(value, str):
                    value = [value]
                else:
                    continue
                condition = self._conditions
                self._conditions += 1
                needs.add(condition)
                for word in value:
                    index.setdefault(word, []).append(condition)
        return frozenset(needs)

    def _register(self, key: int, entry: dict[str, Any]) -> None:
        self.families[key] = entry["family"]
        self.specs[key] = entry

    # --- The public call ------------------------------------------------------------------

    def __call__(self, doc: Doc) -> list[Suggestion]:
        """Suggestions for one parsed doc, sorted by (start, end, label)."""
        if not len(doc):
            return []
        token_matches = self.token_matcher(doc)
        ctx = self._context(doc, token_matches)
        outlet_tokens = self._outlet_name_tokens(doc)
        sources: dict[int, _Source] = {}  # by head token
        cues: list[_Cue] = []
        hedges: list[tuple[int, int]] = []
        anonymity_sentences: set[int] = set()
        reasons: list[tuple[int, int, int]] = []  # (sentence, start char, end char)
        # Sentences with a mark of the writer's own judgement; and those where the detector
        # sees any sign of attribution (a source pattern matched, even one it then dropped).
        judged: set[int] = set()
        attributed: set[int] = set()

        for key, start, end in token_matches:
            family = self.families[key]
            if family == "hedge":
                if not ctx.in_quote(start):
                    hedges.append((start, end))
            elif family == UNATTRIBUTED:
                if not ctx.in_quote(start):
                    judged.add(ctx.sentence(start))
            elif family == "source":  # according to X
                attributed.add(ctx.sentence(start))
                if not ctx.in_quote(start):
                    found = self._according_object(doc, end)
                    if found is not None:
                        self._add_source(doc, found[0], sources, outlet_tokens, ctx, found[1:])
            elif family == "anonymity":
                anonymity_sentences.add(ctx.sentence(start))
            elif family == "anonymity_reason":
                reason = self._reason(doc, start, end, ctx)
                if reason is not None:
                    reasons.append(reason)

        for key, token_ids in self._dependency_matches(doc, ctx):
            spec = self.specs[key]
            nodes = dict(zip(spec["nodes"], token_ids, strict=True))
            family = spec["family"]
            verb = doc[nodes.get("verb", token_ids[0])]
            attributed.add(ctx.sentence(verb.i))
            if ctx.in_quote(verb.i):
                continue
            if family == "source":
                self._match_source(doc, spec, nodes, verb, sources, outlet_tokens, ctx)
            elif family == "outlet_report":
                self._match_outlet_report(doc, nodes, sources, outlet_tokens, ctx)
            elif family in (DENIAL, NO_COMMENT):
                cue = self._match_cue(doc, spec, nodes, verb)
                if cue is not None:
                    cues.append(cue)

        # The party that denied or declined is a source too ("Egypt denied ...").
        for cue in cues:
            if cue.subject is not None and not ctx.in_quote(cue.subject):
                self._add_source(doc, doc[cue.subject], sources, outlet_tokens, ctx)
                if cue.subject not in sources:
                    cue.subject = None
        ordered = sorted(sources.values(), key=lambda s: s.start)
        self._propagate_outlets(doc, ordered)
        self._apply_anonymity(doc, ordered, anonymity_sentences, reasons, ctx)
        ordered = self._resolve_pronouns(doc, ordered, ctx, outlet_tokens)
        unattributed = self._unattributed(doc, judged, attributed, ordered, cues, hedges, ctx)
        return self._assemble(doc, ordered, cues, hedges, sources, unattributed)

    def _dependency_matches(self, doc: Doc, ctx: _DocContext) -> list[tuple[int, list[int]]]:
        """What `self.dep_matcher(doc)` returns, in the same order, for less: the matcher runs
        only over the sentences that have every word condition of some pattern (runs of
        adjacent ones as one span). A match lies within one sentence (its tokens hang from one
        root), and the matcher lists matches by pattern, then by sentence, so the matches of
        the spans, shifted to doc offsets and stably sorted by pattern, are the same list."""
        values = doc.to_array(ANCHOR_ATTRS)  # one row per token: lemma, lower, orth ids
        hits = np.nonzero(
            np.isin(values[:, 0], self._anchor_ids[0])
            | np.isin(values[:, 1], self._anchor_ids[1])
            | np.isin(values[:, 2], self._anchor_ids[2])
        )[0]
        met: dict[int, set[int]] = {}  # sentence -> the conditions its tokens meet
        indexes = self._anchor_index
        for i in hits.tolist():
            conditions = met.setdefault(ctx.sentence(i), set())
            for index, value in zip(indexes, values[i].tolist(), strict=True):
                conditions.update(index.get(value, ()))
        runs: list[list[int]] = []
        starts = ctx.sent_starts
        for sentence in sorted(met):
            if not any(need <= met[sentence] for need in self._needs):
                continue
            start = starts[sentence]
            end = starts[sentence + 1] if sentence + 1 < len(starts) else len(doc)
            if runs and runs[-1][1] == start:
                runs[-1][1] = end
            else:
                runs.append([start, end])
        if len(runs) == 1 and runs[0] == [0, len(doc)]:
            return self.dep_matcher(doc)
        matches = []
        for start, end in runs:
            for key, token_ids in self.dep_matcher(doc[start:end]):
                matches.append((key, [i + start for i in token_ids]))
        matches.sort(key=lambda match: self._dep_order[match[0]])
        return matches

    # --- Unattributed assertions --------------------------------------------------------------

    def _unattributed(
        self,
        doc: Doc,
        judged: set[int],
        attributed: set[int],
        sources: list[_Source],
        cues: list[_Cue],
        hedges: list[tuple[int, int]],
        ctx: _DocContext,
    ) -> list[tuple[int, int]]:
        """Sentences that state the writer's own judgement (a certainty adverb, an evaluative
        superlative, a classifying "can be described as") with no source, cue, hedge,
        reporting word or quotation in them: (start, end) tokens, trailing punctuation off."""
        if not judged:
            return []
        blocked = set(attributed)
        blocked.update(ctx.sentence(s.head) for s in sources)
        blocked.update(ctx.sentence(c.start) for c in cues)
        blocked.update(ctx.sentence(start) for start, _end in hedges)
        speech = self.lex["reporting_verbs"] | self.lex["clause_reporting_verbs"]
        spans = []
        for sentence in sorted(judged - blocked):
            start = ctx.sent_starts[sentence]
            end = ctx.sent_starts[sentence + 1] if sentence + 1 < len(ctx.sent_starts) else len(doc)
            tokens = doc[start:end]
            if any(ctx.in_quote(t.i) or t.text in QUOTE_MARKS for t in tokens):
                continue  # a quotation in it: someone's words, or the sentence is theirs
            if any(t.pos_ == "VERB" and t.lemma_.lower() in speech for t in tokens):
                continue  # "X told ...": a reporting verb the patterns did not place
            if self._factual_superlative(tokens):
                continue
            if any(t.text == "?" for t in tokens) or self._spoken(doc, tokens[0].idx, ctx):
                continue  # a question; or a paragraph in someone's voice
            while start < end and (doc[start].is_space or doc[start].is_punct):
                start += 1
            while end > start and (doc[end - 1].is_space or doc[end - 1].is_punct):
                end -= 1
            if end > start:
                spans.append((start, end))
        return spans

    @staticmethod
    def _spoken(doc: Doc, char: int, ctx: _DocContext) -> bool:
        """A paragraph with a first- or second-person pronoun is someone speaking (an
        interview answer, a transcript), not the article's own voice."""
        k = ctx.paragraph(char)
        breaks = ctx.paragraph_breaks
        begin = breaks[k - 1] + 1 if k > 0 else 0
        end = breaks[k] if k < len(breaks) else len(doc.text)
        span = doc.char_span(begin, end, alignment_mode="expand")
        return span is not None and any(
            t.pos_ == "PRON" and t.lower_ in SPEAKER_PRONOUNS for t in span
        )

    def _factual_superlative(self, tokens: Any) -> bool:
        """A superlative with a number or date nearby states a record, not an opinion ("the
        highest since 1990"): a sentence whose only judgement is a superlative and that has a
        number or date is skipped."""
        has_stance = any(
            t.lower_ in self.lex["stance_adverbs"] or t.lower_ in ("course", "doubt")
            for t in tokens
        )
        if has_stance:
            return False
        return any(
            t.lower_ in ("ever", "recorded", "record", "since")
            or (t.lower_ != "one" and (t.like_num or t.ent_type_ in FIGURE_ENTITY_TYPES))
            for t in tokens  # "one of the most ..." is not a figure
        )

    # --- Context ----------------------------------------------------------------------------

    def _context(self, doc: Doc, token_matches: list[tuple[int, int, int]]) -> _DocContext:
        ctx = _DocContext()
        text = doc.text
        pos = text.find("\n")
        while pos != -1:
            ctx.paragraph_breaks.append(pos)
            pos = text.find("\n", pos + 1)
        ctx.sent_starts = [sent.start for sent in doc.sents]
        # Pair quotation marks within a paragraph: a quotation that runs on into the next
        # paragraph conventionally has no closing mark, so a paragraph ends it.
        open_at: int | None = None
        paragraph = -1
        for key, start, _end in token_matches:
            if self.families[key] != "quote":
                continue
            token = doc[start]
            here = ctx.paragraph(token.idx)
            if here != paragraph:
                if open_at is not None:
                    ctx.quotes.append((open_at, start))
                open_at, paragraph = None, here
            mark = token.text
            if open_at is None and mark not in QUOTE_CLOSERS:
                open_at = start
            elif open_at is not None and mark not in QUOTE_OPENERS:
                ctx.quotes.append((open_at, start + 1))
                open_at = None
        if open_at is not None:
            ctx.quotes.append((open_at, len(doc)))
        return ctx

    def _outlet_name_tokens(self, doc: Doc) -> set[int]:
        tokens: set[int] = set()
        for _key, start, end in self.phrase_matcher(doc):
            tokens.update(range(start, end))
        return tokens

    # --- Source mentions --------------------------------------------------------------------

    def _according_object(self, doc: Doc, to_end: int) -> tuple[Token, int, int] | None:
        """The source after 'according to': (head, start, end) in tokens."""
        to = doc[to_end - 1]
        for child in to.children:
            if child.dep_ == "pobj":
                return (child, *self._extent(child))
        if to_end >= len(doc):
            return None
        # 'According to Rathbun the property ...' can be parsed with 'Rathbun' as a verb:
        # take the run of capitalised words (or the noun) that starts right after 'to'.
        end = to_end
        while end < len(doc) and doc[end].is_title and not doc[end].is_punct:
            end += 1
        if end > to_end:
            return doc[end - 1], to_end, end
        following = doc[to_end]
        if following.pos_ in ("PROPN", "NOUN"):
            return (following, *self._extent(following))
        return None

    def _match_source(
        self,
        doc: Doc,
        spec: dict[str, Any],
        nodes: dict[str, int],
        verb: Token,
        sources: dict[int, _Source],
        outlet_tokens: set[int],
        ctx: _DocContext,
    ) -> None:
        if _negated(verb):
            return  # "U.S. officials have not said why ..." attributes nothing
        if any(
            c.dep_ == "dobj" and c.lemma_.lower() in self.lex["non_speech_objects"]
            for c in verb.children
        ):
            return  # "the virus claimed 6,606 lives"
        if verb.lemma_.lower() in self.lex["object_complement_verbs"] and _object_complement(verb):
            return  # "countries have declared homosexuality a capital crime" is an act
        if spec.get("skip_nested") and verb.dep_ == "ccomp" and verb.head.i < verb.i:
            # "X said the United States has observed ...": the inner clause is X's claim.
            head = verb.head
            if (
                head.lemma_.lower()
                in self.lex["reporting_verbs"] | self.lex["clause_reporting_verbs"]
            ):
                return
        if spec.get("inherit_subject"):
            # "X introduced himself ... and said ...", "upon announcing", ", saying ...".
            found = _inherited_subject(verb)
            if found is None:
                return
            head = found
        else:
            head = doc[nodes["source"]]
        if ctx.in_quote(head.i):
            return
        if head.i < verb.i and any(c.dep_ == "nsubj" and c.i > verb.i for c in verb.children):
            # "Institutional recipients, said Mauer, are required ...": the subject after an
            # inserted "said" is its source; the one before belongs to the main clause.
            return
        self._add_source(doc, head, sources, outlet_tokens, ctx)
        source = sources.get(_antecedent_of_relative(head).i)
        if source is not None and source.label == NAMED and self._news_report(doc, verb, source):
            source.label = OUTLET

    def _news_report(self, doc: Doc, verb: Token, source: _Source) -> bool:
        """'TVN24 reported he received surgery': a name that publishes a clause is an outlet."""
        if verb.lemma_.lower() not in self.lex["outlet_verbs"] or verb.tag_ == "VBN":
            return False
        if not any(c.dep_ in ("ccomp", "parataxis") for c in verb.children):
            return False  # "Apple reported a profit": a company's own figures
        head = doc[source.head]
        if head.pos_ != "PROPN" or head.ent_type_ in ("PERSON", "GPE", "NORP", "LOC"):
            return False
        span = doc[source.start : source.end]
        return not any(
            t.lower_ in self.lex["institution_words"]
            or t.lemma_.lower() in self.lex["institution_words"]
            or t.lemma_.lower() in self.lex["person_nouns"]
            for t in span
        )

    def _match_outlet_report(
        self,
        doc: Doc,
        nodes: dict[str, int],
        sources: dict[int, _Source],
        outlet_tokens: set[int],
        ctx: _DocContext,
    ) -> None:
        modifier = doc[nodes["source"]]
        if ctx.in_quote(modifier.i) or modifier.i in sources or nodes["report"] in sources:
            return  # "according to a Bloomberg report" is already one mention
        start, end = self._extent(modifier)
        if (
            modifier.lemma_.lower() in self.lex["report_credit_modifiers"]
            or (modifier.lower_ in self.lex["report_credit_modifiers"])
            or (
                modifier.pos_ == "PROPN"
                and self._outlet_kind(doc, modifier, start, end, outlet_tokens)
            )
        ):
            sources[modifier.i] = self._make_source(doc, modifier, start, end, OUTLET)

    def _add_source(
        self,
        doc: Doc,
        head: Token,
        sources: dict[int, _Source],
        outlet_tokens: set[int],
        ctx: _DocContext,
        extent: tuple[int, int] | None = None,
    ) -> None:
        head = _antecedent_of_relative(head)
        if head.i in sources:
            return
        source = self._classify(doc, head, outlet_tokens, extent)
        if source is not None:
            sources[head.i] = source

    def _extent(self, head: Token) -> tuple[int, int]:
        """Token [start, end) of the mention headed by `head`, trimmed as the gold spans are."""
        start = head.i
        for child in head.lefts:
            if child.dep_ in LEFT_SKIP_DEPS:
                continue
            start = min(start, child.left_edge.i)
            break
        end = head.i + 1
        rights = list(head.rights)
        for k, child in enumerate(rights):
            if child.left_edge.i != end:
                break  # something between the head and this dependent is not part of it
            if child.dep_ == "punct":
                # A comma belongs to the mention only inside a coordination ("A, B and C").
                following = rights[k + 1] if k + 1 < len(rights) else None
                if child.text == "," and following is not None and following.dep_ in ("conj", "cc"):
                    end = child.i + 1
                    continue
                break
            if child.dep_ not in RIGHT_DEPS:
                break
            end = _phrase_end(child)
            if end <= child.right_edge.i:
                break  # the dependent runs on past a comma: "book Rage, for which ..."
        doc = head.doc
        # No punctuation, emoji or other symbols at the edges of a mention.
        while end - 1 > start and not _has_word(doc[end - 1]):
            end -= 1
        while start < head.i and not _has_word(doc[start]):
            start += 1
        return start, end

    def _classify(
        self,
        doc: Doc,
        head: Token,
        outlet_tokens: set[int],
        extent: tuple[int, int] | None = None,
    ) -> _Source | None:
        lower = head.lower_
        if head.pos_ == "PRON" and not any(c.dep_ == "det" for c in head.children):
            if lower in PERSON_PRONOUNS | PLURAL_PRONOUNS | THING_PRONOUNS:
                return _Source(
                    head.i,
                    head.i + 1,
                    head.i,
                    "",
                    plural=lower in PLURAL_PRONOUNS,
                    person=lower in PERSON_PRONOUNS,
                    pronoun=lower,
                )
            return None  # I, we, you, who, this: not a source mention the rules can place
        if head.pos_ not in ("PROPN", "NOUN", "PRON") and head.ent_type_ not in SOURCE_ENTITY_TYPES:
            return None
        start, end = extent or self._extent(head)
        lemma = head.lemma_.lower()
        has_name = head.pos_ == "PROPN" or head.ent_type_ in SOURCE_ENTITY_TYPES
        if self._outlet_kind(doc, head, start, end, outlet_tokens):
            return self._make_source(doc, head, start, end, OUTLET)
        words = {lemma, lower}
        # "an official, John Smith, said" names the official.
        named_in_apposition = any(c.dep_ == "appos" and c.pos_ == "PROPN" for c in head.children)
        withheld = any(
            c.dep_ == "amod" and c.lower_ in self.lex["anonymity_modifiers"] for c in head.children
        )
        if withheld and not named_in_apposition:
            return self._make_source(doc, head, start, end, ANONYMOUS)  # "unnamed experts"
        if words & self.lex["anonymous_heads"] and not has_name and not named_in_apposition:
            return self._make_source(doc, head, start, end, ANONYMOUS)
        if words & self.lex["generic_heads"] and not has_name:
            return None  # critics, a poll, the report: neither right nor wrong in the guidelines
        return self._make_source(doc, head, start, end, NAMED)

    def _outlet_kind(
        self, doc: Doc, head: Token, start: int, end: int, outlet_tokens: set[int]
    ) -> bool:
        words = {head.lemma_.lower(), head.lower_}
        if head.i in outlet_tokens or head.like_url:
            return True  # a known news organisation, or a website ("Znak.com reported")
        if head.pos_ == "PROPN" and head.lower_ in self.lex["outlet_name_heads"]:
            return head.ent_type_ != "PERSON"
        if head.pos_ != "PROPN" and words & self.lex["outlet_heads"]:
            # "the WHO's website said" is the WHO's own document, not a news organisation.
            return not any(
                c.dep_ == "poss" and c.i not in outlet_tokens and c.lower_ not in ("its", "their")
                for c in head.children
            )
        if head.pos_ == "PROPN" and any(
            t.head.i == head.i
            and t.dep_ in ("compound", "amod")
            and t.lemma_.lower() in self.lex["outlet_heads"]
            for t in doc[start : head.i]
        ):
            return True  # "Hungarian daily newspaper Magyar Nemzet"
        span_words = {t.lower_ for t in doc[start:end] if t.i != head.i}
        if words & self.lex["news_agency_heads"] and span_words & self.lex["news_modifiers"]:
            return True
        if words & self.lex["report_nouns"]:
            # "a Bloomberg report": the report credits the outlet named in it.
            return any(
                t.i in outlet_tokens
                or (t.pos_ == "PROPN" and t.lower_ in self.lex["outlet_name_heads"])
                or t.lower_ in self.lex["outlet_heads"]
                for t in doc[start:end]
                if t.i != head.i
            )
        return False

    def _make_source(self, doc: Doc, head: Token, start: int, end: int, label: str) -> _Source:
        plural = head.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in head.children)
        person = head.ent_type_ == "PERSON" or (
            head.lemma_.lower() in self.lex["person_nouns"] and not plural
        )
        source = _Source(start, end, head.i, label, plural=plural, person=person)
        entities = [e for e in doc.ents[_first_ent(doc, start) :] if e.start < end]
        for ent in entities:
            if ent.start <= head.i < ent.end and ent.label_ in SOURCE_ENTITY_TYPES:
                source.entity = (ent.start_char, ent.end_char)
        if label == ANONYMOUS:
            source.affiliation = " ".join(
                e.text for e in entities if e.label_ in SOURCE_ENTITY_TYPES and e.end <= end
            )
        return source

    # --- Cues ---------------------------------------------------------------------------------

    def _match_cue(
        self, doc: Doc, spec: dict[str, Any], nodes: dict[str, int], verb: Token
    ) -> _Cue | None:
        negated = _negated(verb)
        if spec.get("negation") == "require":
            if not negated:
                return None
        elif negated:
            return None  # "did not dispute", "never denied"
        label = spec["family"]
        if label == DENIAL and (
            self._refused(verb) or (spec["id"] == "denial_deny" and not self._is_denial(verb))
        ):
            return None
        if label == NO_COMMENT and "complement" in nodes:
            complement = doc[nodes["complement"]]
            if any(c.dep_ == "auxpass" for c in complement.children):
                return None  # "declined to be named" is a request for anonymity
        cue_tokens = [doc[nodes[name]] for name in spec.get("cue_nodes", ["verb"]) if name in nodes]
        start = min(t.i for t in cue_tokens)
        end = max(t.i for t in cue_tokens) + 1
        for token in cue_tokens:
            if token.i != verb.i and token.pos_ not in ("NOUN", "PROPN"):
                # A verb complement with its object: "declined to discuss its mission".
                end = max(end, _phrase_end(token))
        if spec.get("negation") == "require":
            # Keep the auxiliary and the negation: "did not immediately provide comment".
            helpers = ("aux", "auxpass", "neg", "advmod")
            for child in verb.lefts:
                if (
                    child.dep_ in helpers
                    and child.i < start
                    and all(doc[k].dep_ in helpers for k in range(child.i, verb.i))
                ):
                    start = child.i
                    break
            # ... and what the answer was wanted for: "could not be reached for comment".
            for child in verb.rights:
                if (
                    child.dep_ == "prep"
                    and child.lower_ in ("for", "to")
                    and any(t.lemma_ in self.lex["comment_nouns"] for t in child.subtree)
                ):
                    end = max(end, _phrase_end(child))
        subject = nodes.get("source")
        if subject is None:
            found = _subject_of(verb)
            subject = found.i if found is not None else None
        return _Cue(start, end, label, subject)

    def _is_denial(self, verb: Token) -> bool:
        if any(c.dep_ in ("nsubjpass", "auxpass", "dative") for c in verb.children):
            return False  # "the team was denied visas", "denied him entry"
        for child in verb.children:
            if child.dep_ == "dobj" and child.lemma_.lower() in self.lex["deny_refusal_objects"]:
                return False
        return _subject_of(verb) is not None

    def _refused(self, verb: Token) -> bool:
        """'declined to confirm or deny': a refusal to comment, not a denial."""
        while verb.dep_ == "conj" and verb.head is not verb:
            verb = verb.head
        return verb.dep_ == "xcomp" and verb.head.lemma_.lower() in self.lex["refusal_verbs"]

    # --- Anonymity --------------------------------------------------------------------------

    def _reason(
        self, doc: Doc, start: int, end: int, ctx: _DocContext
    ) -> tuple[int, int, int] | None:
        """(sentence, start char, end char) of a stated reason for anonymity."""
        sentence = ctx.sentence(start)
        sent_start = ctx.sent_starts[sentence]
        sent_end = (
            ctx.sent_starts[sentence + 1] if sentence + 1 < len(ctx.sent_starts) else len(doc)
        )
        begin = None
        for k in range(start - 1, max(sent_start, start - 10) - 1, -1):
            if doc[k].is_punct:
                break
            if doc[k].lower_ in REASON_INTRODUCERS:
                begin = k
                break
        if begin is None:
            # Without "because"/"as" only "not authorised to ..." states a reason by itself.
            if doc[start].lower_ not in ("not", "n't", "never", "unauthorized", "unauthorised"):
                return None
            begin = start
        stop = end
        while stop < sent_end and not doc[stop].is_punct:
            stop += 1
        last = doc[stop - 1]
        return sentence, doc[begin].idx, last.idx + len(last.text)

    def _apply_anonymity(
        self,
        doc: Doc,
        sources: list[_Source],
        anonymity_sentences: set[int],
        reasons: list[tuple[int, int, int]],
        ctx: _DocContext,
    ) -> None:
        for source in sources:
            if source.label == NAMED and ctx.sentence(source.head) in anonymity_sentences:
                head = doc[source.head]
                # "a senior engineer, who spoke on condition of anonymity": unnamed and withheld.
                if head.pos_ == "NOUN" and not any(
                    t.ent_type_ == "PERSON" for t in doc[source.start : source.end]
                ):
                    source.label = ANONYMOUS
        for sentence, start_char, end_char in reasons:
            candidates = [
                s for s in sources if s.label == ANONYMOUS and ctx.sentence(s.head) == sentence
            ]
            if candidates:
                nearest = min(candidates, key=lambda s: abs(doc[s.head].idx - start_char))
                nearest.reason = nearest.reason or doc.text[start_char:end_char]

    # --- Pronouns -------------------------------------------------------------------------------

    def _propagate_outlets(self, doc: Doc, sources: list[_Source]) -> None:
        """A name the doc shows to be an outlet once ("daily Népszava") is one everywhere."""
        names = {
            doc[s.head].lower_ for s in sources if s.label == OUTLET and doc[s.head].pos_ == "PROPN"
        }
        # Also names introduced by a news word where they are not a source ("Russian newspaper
        # Novaya Gazeta published the list"), but only when some named source might reuse them.
        if any(s.label == NAMED for s in sources):
            for token in doc:
                if (
                    token.dep_ in ("compound", "amod")
                    and token.head.pos_ == "PROPN"
                    and token.lemma_.lower() in self.lex["outlet_heads"]
                ):
                    names.add(token.head.lower_)
        if not names:
            return
        for source in sources:
            head = doc[source.head]
            if source.label == NAMED and head.pos_ == "PROPN" and head.lower_ in names:
                source.label = OUTLET

    def _plural_antecedent(
        self, doc: Doc, pronoun: _Source, ctx: _DocContext, outlet_tokens: set[int]
    ) -> _Source | None:
        """For "they" with no source before it: the nearest plural subject in its sentence or
        the one before ("State prosecutors charged the suspect ..., they said")."""
        sentence = ctx.sentence(pronoun.head)
        first = ctx.sent_starts[max(0, sentence - 1)]
        for i in range(pronoun.head - 1, first - 1, -1):
            token = doc[i]
            if (
                token.dep_ in ("nsubj", "nsubjpass")
                and token.pos_ in ("NOUN", "PROPN")
                and (token.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in token.children))
                and not ctx.in_quote(i)
            ):
                return self._classify(doc, token, outlet_tokens)
        return None

    def _resolve_pronouns(
        self, doc: Doc, sources: list[_Source], ctx: _DocContext, outlet_tokens: set[int]
    ) -> list[_Source]:
        """Give each pronoun source the label of the nearest earlier source it can refer to."""
        kept: list[_Source] = []
        for source in sources:
            if not source.pronoun:
                kept.append(source)
                continue
            here = ctx.paragraph(doc[source.start].idx)
            antecedent = None
            for candidate in reversed(kept):
                if here - ctx.paragraph(doc[candidate.start].idx) > 1:
                    break  # only this paragraph and the one before
                if _fits(source, candidate):
                    antecedent = candidate
                    break
            if antecedent is not None:
                source.label = antecedent.label
                source.antecedent = antecedent.antecedent or antecedent
                source.person, source.plural = antecedent.person, antecedent.plural
                source.reason = antecedent.reason
                kept.append(source)
            elif source.pronoun in PERSON_PRONOUNS:
                source.label = NAMED  # a person the article has introduced by name
                kept.append(source)
            elif source.pronoun in PLURAL_PRONOUNS:
                found = self._plural_antecedent(doc, source, ctx, outlet_tokens)
                if found is not None:
                    source.label = found.label
                    kept.append(source)
        return kept

    # --- Output ---------------------------------------------------------------------------------

    def _assemble(
        self,
        doc: Doc,
        sources: list[_Source],
        cues: list[_Cue],
        hedges: list[tuple[int, int]],
        by_head: dict[int, _Source],
        unattributed: list[tuple[int, int]],
    ) -> list[Suggestion]:
        rows: dict[tuple[int, int, str], dict[str, Any]] = {}

        def key_of(start: int, end: int, label: str) -> tuple[int, int, str]:
            return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), label

        source_keys: dict[int, tuple[int, int, str]] = {}
        for source in sources:
            key = key_of(source.start, source.end, source.label)
            source_keys[id(source)] = key
            rows.setdefault(
                key,
                {
                    "anonymity_reason": source.reason if source.label == ANONYMOUS else "",
                    "entity": source.entity,
                    "affiliation": source.affiliation,
                    "link": source.antecedent,
                },
            )
        for cue in _merge_cues(cues):
            link = by_head.get(cue.subject) if cue.subject is not None else None
            rows.setdefault(key_of(cue.start, cue.end, cue.label), {"link": link})
        for start, end in _drop_nested(hedges):
            rows.setdefault(key_of(start, end, HEDGE), {"link": None})
        for start, end in unattributed:
            rows.setdefault(key_of(start, end, UNATTRIBUTED), {"link": None})
        ordered = sorted(rows)
        index = {key: i for i, key in enumerate(ordered)}
        result = []
        for key in ordered:
            row = rows[key]
            link = row.pop("link")
            target = source_keys.get(id(link)) if link is not None else None
            result.append(
                Suggestion(
                    key[0],
                    key[1],
                    key[2],
                    source=index.get(target) if target is not None else None,
                    **row,
                )
            )
        return result


# --- Helpers over the parse ---------------------------------------------------------------


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
