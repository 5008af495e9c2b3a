"""The detector's rules for source mentions: where a mention starts and ends, whether it is a
named or anonymous source or another outlet, and what it is linked to."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Token

from annotations.sourcing.spans import (
    ANONYMOUS,
    LEFT_SKIP_DEPS,
    NAMED,
    OUTLET,
    PERSON_PRONOUNS,
    PLURAL_PRONOUNS,
    RIGHT_DEPS,
    SOURCE_ENTITY_TYPES,
    THING_PRONOUNS,
    _antecedent_of_relative,
    _DocContext,
    _first_ent,
    _has_word,
    _inherited_subject,
    _negated,
    _object_complement,
    _phrase_end,
    _Source,
)


class SourceRules:
    """Source-mention rules of `SourcingDetector` (a mixin: it reads the detector's word lists
    and matchers)."""

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
    ) -> int | None:
        """Add the source of a reporting pattern's match; return its head token (the key in
        `sources`), or None when the match attributes nothing."""
        if _negated(verb):
            return None  # "U.S. officials have not said why ..." attributes nothing
        if any(
            c.dep_ == "dobj" and c.lemma_.lower() in self.lex["non_speech_objects"]
            for c in verb.children
        ):
            return None  # "the virus claimed 6,606 lives"
        if verb.lemma_.lower() in self.lex["object_complement_verbs"] and _object_complement(verb):
            return None  # "countries have declared homosexuality a capital crime" is an act
        if spec.get("skip_nested") and verb.dep_ == "ccomp" and verb.head.i < verb.i:
            # "X said the United States has observed ...": the inner clause is X's claim.
            head = verb.head
            if (
                head.lemma_.lower()
                in self.lex["reporting_verbs"] | self.lex["clause_reporting_verbs"]
            ):
                return None
        if spec.get("inherit_subject"):
            # "X introduced himself ... and said ...", "upon announcing", ", saying ...".
            found = _inherited_subject(verb)
            if found is None:
                return None
            head = found
        else:
            head = doc[nodes["source"]]
        if ctx.in_quote(head.i):
            return None
        if head.i < verb.i and any(c.dep_ == "nsubj" and c.i > verb.i for c in verb.children):
            # "Institutional recipients, said Mauer, are required ...": the subject after an
            # inserted "said" is its source; the one before belongs to the main clause.
            return None
        self._add_source(doc, head, sources, outlet_tokens, ctx)
        source = sources.get(_antecedent_of_relative(head).i)
        if source is not None and source.label == NAMED and self._news_report(doc, verb, source):
            source.label = OUTLET
        return source.head if source is not None else None

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
