"""The detector's rules for cues and links: denials and "no comment", the reason given for
anonymity, pronouns resolved to their source, and the suggestions assembled in the end."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Token

from annotations.sourcing.attributions import _Attribution
from annotations.sourcing.spans import (
    ANONYMOUS,
    DENIAL,
    HEDGE,
    NAMED,
    NO_COMMENT,
    OUTLET,
    PERSON_PRONOUNS,
    PLURAL_PRONOUNS,
    REASON_INTRODUCERS,
    REPORTING,
    STATEMENT,
    UNATTRIBUTED,
    Suggestion,
    _Cue,
    _DocContext,
    _drop_nested,
    _fits,
    _merge_cues,
    _negated,
    _phrase_end,
    _Source,
    _subject_of,
)


class CueRules:
    """Cue and linking rules of `SourcingDetector` (a mixin, as `SourceRules`)."""

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
        attributions: list[_Attribution],
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
        # Attributions: a reporting cue links to its source like a denial; each statement to
        # its cue (the merged cue row that holds the cue's first word, for denials).
        statement_cues: dict[tuple[int, int, str], tuple[int, int, str]] = {}
        for attribution in attributions:
            start, end = attribution.cue
            if attribution.label == REPORTING:
                link = by_head.get(attribution.source) if attribution.source is not None else None
                cue_key = key_of(start, end, REPORTING)
                rows.setdefault(cue_key, {"link": link})
            else:
                char = doc[start].idx
                cue_key = next(
                    (k for k in rows if k[2] == attribution.label and k[0] <= char < k[1]), None
                )
                if cue_key is None:
                    continue
            for c_start, c_end in attribution.contents:
                key = key_of(c_start, c_end, STATEMENT)
                if key not in rows:
                    rows[key] = {"link": None}
                    statement_cues[key] = cue_key
        ordered = sorted(rows)
        index = {key: i for i, key in enumerate(ordered)}
        result = []
        for key in ordered:
            row = rows[key]
            link = row.pop("link")
            target = source_keys.get(id(link)) if link is not None else None
            cue_key = statement_cues.get(key)
            result.append(
                Suggestion(
                    key[0],
                    key[1],
                    key[2],
                    source=index.get(target) if target is not None else None,
                    cue=index.get(cue_key) if cue_key is not None else None,
                    **row,
                )
            )
        return result


# --- Helpers over the parse ---------------------------------------------------------------
