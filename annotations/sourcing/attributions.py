"""The detector's rules for attribution triples (issue 19): for each reporting verb or phrase
the source patterns placed ("said", "told", "describing", "according to") and each denial or
refusal to comment, the statement it attributes.

A statement is a direct quotation (the words inside its marks, the quotation before the cue,
after it, or both when the cue interrupts it, also when it runs over several sentences) or,
without one, the reported clause: the verb's complement clause ("said [the United States has
observed ...]"), the clause a parenthetical cue sits in ("The move, [officials said], is ..."),
the rest of the sentence after or around "according to X", or the object of a verb that
states it ("describing [a 22-member unit]", "denied [the claims of ...]"). The words that
decide which verb reads its object as the statement are data (`object_statement_verbs` in the
pattern file); so are the reporting verbs themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from annotations.sourcing.spans import (
    DENIAL,
    NO_COMMENT,
    QUOTE_MARKS,
    REPORTING,
    _Cue,
    _DocContext,
)

# Dependents of a verb that are never part of what it reports.
NOT_CONTENT_DEPS = frozenset(
    {"punct", "cc", "conj", "nsubj", "nsubjpass", "aux", "auxpass", "neg", "advmod", "mark",
     "agent", "npadvmod", "dative", "prt", "advcl", "expl"}
)  # fmt: skip
# Dependents of a reporting verb that are clauses of their own, not the verb's own words.
OWN_CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "parataxis", "conj", "advcl", "dobj", "oprd"})


@dataclass
class _Attribution:
    """One cue with its source (head token, a key of the detector's sources) and the token
    spans of what it attributes."""

    cue: tuple[int, int]
    label: str
    source: int | None
    contents: list[tuple[int, int]] = field(default_factory=list)


class AttributionRules:
    """Attribution rules of `SourcingDetector` (a mixin, as `SourceRules` and `CueRules`)."""

    lex: dict[str, frozenset[str]]

    def _attributions(
        self,
        doc: Doc,
        reports: list[tuple[int, int]],
        according: list[tuple[int, int, int]],
        cues: list[_Cue],
        ctx: _DocContext,
    ) -> list[_Attribution]:
        """`reports`: (verb, source head) of the reporting patterns that placed a source;
        `according`: ("according" token, end of "according to", source head); `cues`: the
        denials and refusals. Attributions without a statement are dropped, but for refusals
        to comment, which need none."""
        found: list[_Attribution] = []
        seen: set[int] = set()
        for verb_i, head in reports:
            if verb_i in seen:
                continue
            seen.add(verb_i)
            verb = doc[verb_i]
            contents = self._quotations(doc, verb, ctx) or self._reported_clause(doc, verb)
            if contents:
                found.append(_Attribution((verb_i, verb_i + 1), REPORTING, head, contents))
        for start, end, head in according:
            contents = self._according_content(doc, doc[start], end)
            if contents:
                found.append(_Attribution((start, end), REPORTING, head, contents))
        for cue in cues:
            verb = doc[cue.start]
            if cue.label == DENIAL:
                # What is denied may overlap the cue ("denied [the claims] of ..."): both kept.
                contents = self._reported_clause(doc, verb, denial=True)
            else:
                contents = self._topic(doc, cue)
            if cue.label == NO_COMMENT or contents:
                found.append(_Attribution((cue.start, cue.end), cue.label, cue.subject, contents))
        return found

    # --- Direct quotations ----------------------------------------------------------------

    def _quotations(self, doc: Doc, verb: Token, ctx: _DocContext) -> list[tuple[int, int]]:
        """The quotations a reporting verb closes or introduces: one just before it ('"...,"
        he said', '"...," said Smith'), one just after it ('said: "..."', '"A," he said,
        "B."'). Nothing but punctuation and the verb's own words (its subject, "on Monday")
        may stand between. A verb with a reported clause of its own outside quotation marks
        ("He added that ...") reports that clause instead."""
        if any(c.dep_ == "ccomp" and not ctx.in_quote(c.i) for c in verb.children):
            return []
        # The verb's own words: its subject, adverbials, the one told; not a clause of its
        # own, which would make a quotation beyond it a partial quotation inside that clause.
        own = {
            t.i
            for child in verb.children
            if child.dep_ not in OWN_CLAUSE_DEPS
            or (child.dep_ == "dobj" and verb.lemma_.lower() in self.lex["recipient_verbs"])
            for t in child.subtree
            if not ctx.in_quote(t.i)
        }
        contents = []
        for start, end in ctx.quotes:
            if end <= verb.i:
                near = self._only_between(doc, end, verb.i, own)
            elif start > verb.i:
                near = self._only_between(doc, verb.i + 1, start, own)
            else:
                near = False  # the verb is inside this quotation
            inner = _trim(doc, start, end) if near else None
            if inner is not None:
                contents.append(inner)
        return contents

    @staticmethod
    def _only_between(doc: Doc, start: int, end: int, own: set[int]) -> bool:
        """Only punctuation and tokens of `own` in [start, end)."""
        return all(t.is_punct or t.is_space or t.i in own for t in doc[start:end])

    # --- Reported clauses -----------------------------------------------------------------

    def _reported_clause(
        self, doc: Doc, verb: Token, denial: bool = False
    ) -> list[tuple[int, int]]:
        clauses = [c for c in verb.children if c.dep_ == "ccomp"]
        if clauses:
            # The clause after the verb ("X said [Y]"); one before it only without one after
            # ("[Y], X said"): a fronted phrase is sometimes parsed as a clause too.
            after = [c for c in clauses if c.i > verb.i]
            clause = after[0] if after else clauses[-1]
            end = self._runs_on(doc, verb, clause.right_edge.i + 1)
            inner = _trim(doc, clause.left_edge.i, end)
            return [inner] if inner is not None else []
        if verb.dep_ == "parataxis" and verb.head.i != verb.i:
            return self._around(doc, verb.head, {t.i for t in verb.subtree})
        lemma = verb.lemma_.lower()
        if denial or lemma in self.lex["object_statement_verbs"]:
            if lemma in self.lex["recipient_verbs"]:
                return []
            rights = [
                c
                for c in verb.rights
                if c.dep_ not in NOT_CONTENT_DEPS and not (c.dep_ == "prep" and c.i == verb.i + 1)
            ]
            objects = [c for c in rights if c.dep_ in ("dobj", "xcomp", "oprd", "attr")]
            if not objects:
                return []
            first = objects[0]
            last = rights[-1]
            end = last.right_edge.i + 1 if last.i >= first.i else first.right_edge.i + 1
            inner = _trim(doc, first.left_edge.i, end)
            return [inner] if inner is not None else []
        return []

    def _runs_on(self, doc: Doc, verb: Token, end: int) -> int:
        """Where a reported clause ends: a clause the parser hung on the reporting verb right
        after it (", but there are no ...", ", so it is not ...") still belongs to what was
        said, unless it reports again ("and added ...")."""
        speech = self.lex["reporting_verbs"] | self.lex["clause_reporting_verbs"]
        for child in verb.rights:
            if child.i < end or child.dep_ not in ("conj", "advcl"):
                continue
            if child.left_edge.i > end and not all(
                t.is_punct or t.dep_ == "cc" for t in doc[end : child.left_edge.i]
            ):
                break
            if child.lemma_.lower() in speech or not any(
                c.dep_ in ("nsubj", "nsubjpass", "expl") for c in child.children
            ):
                break  # "and added ...", or a second act of the same subject ("and left")
            end = child.right_edge.i + 1
        return end

    def _around(self, doc: Doc, head: Token, skip: set[int]) -> list[tuple[int, int]]:
        """The clause headed by `head` without the tokens in `skip` (a cue inserted in it):
        one span before the cue and one after, each trimmed."""
        tokens = sorted(t.i for t in head.subtree if t.i not in skip)
        if not tokens:
            return []
        spans: list[tuple[int, int]] = []
        run_start = previous = tokens[0]
        for i in tokens[1:]:
            if i != previous + 1:
                spans.append((run_start, previous + 1))
                run_start = i
            previous = i
        spans.append((run_start, previous + 1))
        return [inner for s, e in spans if (inner := _trim(doc, s, e)) is not None]

    def _according_content(self, doc: Doc, according: Token, to_end: int) -> list[tuple[int, int]]:
        """ "According to X, Y" and "Y, according to X": the clause the phrase modifies,
        without the phrase (its subtree, X included)."""
        phrase = {t.i for t in according.subtree} | set(range(according.i, to_end))
        head = according.head
        while head.dep_ not in ("ROOT", "ccomp", "conj") and head.head.i != head.i:
            head = head.head
        if head.i in phrase:
            return []
        return self._around(doc, head, phrase)

    def _topic(self, doc: Doc, cue: _Cue) -> list[tuple[int, int]]:
        """What a refusal to comment was about: "on the story", "about the deal", "refused to
        answer [whether ...]"."""
        for token in doc[cue.start : cue.end]:
            for child in token.children:
                if child.dep_ == "ccomp":
                    inner = _trim(doc, child.left_edge.i, child.right_edge.i + 1)
                    return [inner] if inner is not None else []
                if child.dep_ == "prep" and child.lower_ in self.lex["topic_prepositions"]:
                    objects = [c for c in child.children if c.dep_ == "pobj"]
                    if objects:
                        inner = _trim(doc, objects[0].left_edge.i, objects[0].right_edge.i + 1)
                        return [inner] if inner is not None else []
        return []


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Tokens [start, end) without the quotation marks, punctuation, spaces and the
    complementizer "that" at either end; None when nothing is left."""
    while start < end and (
        doc[start].is_punct
        or doc[start].is_space
        or doc[start].text in QUOTE_MARKS
        or (doc[start].dep_ == "mark" and doc[start].lower_ in ("that", "whether", "if"))
    ):
        start += 1
    while end > start and (
        doc[end - 1].is_punct or doc[end - 1].is_space or doc[end - 1].text in QUOTE_MARKS
    ):
        end -= 1
    return (start, end) if end > start else None
