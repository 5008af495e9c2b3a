"""The rule-based sourcing detector: spaCy's rule matchers over the parse, patterns from data.

It suggests source mentions (named_source, anonymous_source, outlet), cues (denial,
no_comment) and markers (hedge, unattributed) for one parsed Doc. The patterns and word lists
live in `patterns/<language>.json` (see README.md next to this file); this module turns matches into
spans, decides what kind of source a mention is, and links cues and pronouns to their
sources. It never imports Django: the analysis task calls it on docs from `nlp.pipe`.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import numpy as np
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.tokens import Doc

from annotations.sourcing.attributions import AttributionRules
from annotations.sourcing.cues import CueRules
from annotations.sourcing.sources import SourceRules
from annotations.sourcing.spans import (  # noqa: F401 (LABELS, Suggestion: the API)
    ANCHOR_ATTRS,
    DENIAL,
    FIGURE_ENTITY_TYPES,
    LABELS,
    NO_COMMENT,
    QUOTE_CLOSERS,
    QUOTE_MARKS,
    QUOTE_OPENERS,
    SPEAKER_PRONOUNS,
    UNATTRIBUTED,
    Suggestion,
    _Cue,
    _DocContext,
    _merge_cues,
    _Source,
)
from entities.pipeline import ANALYSIS_COMPONENTS

# What the detector reads from a Doc: the components the analysis runs.
REQUIRED_COMPONENTS = ANALYSIS_COMPONENTS


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


class SourcingDetector(SourceRules, CueRules, AttributionRules):
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
        # What attributes a statement: (verb, source head) and ("according", end, source head).
        reports: list[tuple[int, int]] = []
        according: list[tuple[int, int, int]] = []

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
                        according.append((start, end, found[0].i))
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
                head = self._match_source(doc, spec, nodes, verb, sources, outlet_tokens, ctx)
                if head is not None:
                    reports.append((verb.i, head))
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
        attributions = self._attributions(doc, reports, according, _merge_cues(cues), ctx)
        return self._assemble(doc, ordered, cues, hedges, sources, unattributed, attributions)

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
