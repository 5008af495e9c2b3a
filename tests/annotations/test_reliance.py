"""What the words rest on (annotations/reliance.py, issue 19): statement words by the kind of
source behind their cue, and factual sentences resting on no one; pure first, then stored,
aggregated and shown, then the seed article with the real model."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from annotations.exchange.export import corpus_export_chunks
from annotations.filters import ESTIMATED_BASIS
from annotations.models import ArticleSourcing, Claim, Label
from annotations.quality import ClaimFacts, SourcingCounts, counts_from_claims, scorecard
from annotations.reliance import factual_sentences, headline, sentences, word_spans
from annotations.scorecards import ScoredClaim, viewer_scorecard
from annotations.stats import article_sourcing_refresh, counts_of
from newsroom.models import Article, Outlet, content_hash


def words_in(text: str, phrase: str) -> int:
    """The words of `phrase`, which is in `text`."""
    assert phrase in text
    return len(phrase.split())


def admin_user_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def n_words(phrase: str) -> int:
    return len(phrase.split())


class Marks:
    """Claims on phrases of a text, numbered in the order they are made."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.facts: list[ClaimFacts] = []

    def mark(self, phrase: str, slug: str, *, nth: int = 0, **links) -> int:
        start = -1
        for _ in range(nth + 1):
            start = self.text.index(phrase, start + 1)
        pk = len(self.facts) + 1
        fields = {"start": start, "end": start + len(phrase), **links}
        self.facts.append(ClaimFacts(pk, slug, **fields))
        return pk

    def counts(self) -> SourcingCounts:
        return counts_from_claims(self.facts, words=len(self.text.split()), text=self.text)


def triple(m: Marks, source: str, slug: str, cue: str, statement: str, **source_fields) -> int:
    """A source mention, its reporting cue and the statement; the statement's pk."""
    s = m.mark(source, slug, **source_fields)
    c = m.mark(cue, "reporting", source_claim_id=s)
    return m.mark(statement, "statement", cue_id=c)


TEXT = (
    "Officials said the army moved three units north overnight. "
    "Jane Roe said the claim was false. "
    "Reuters reported that the base was empty. "
    "It was said that more troops would follow soon. "
    "The weather was cold all week in the region."
)


# --- words by kind --------------------------------------------------------------------------


def test_it_counts_statement_words_by_the_kind_of_their_cues_source():
    m = Marks(TEXT)
    triple(m, "Officials", "anonymous_source", "said", "the army moved three units north overnight")
    triple(m, "Jane Roe", "named_source", "said", "the claim was false", nth=0)
    triple(m, "Reuters", "outlet", "reported", "the base was empty")
    # A cue nobody linked to a source: "It was said that ...".
    cue = m.mark("was said", "reporting")
    m.mark("more troops would follow soon", "statement", cue_id=cue)
    c = m.counts()
    assert c.words_on_anonymous == words_in(TEXT, "the army moved three units north overnight")
    assert c.words_on_named == words_in(TEXT, "the claim was false")
    assert c.words_on_outlet == words_in(TEXT, "the base was empty")
    assert c.words_on_unidentified == words_in(TEXT, "more troops would follow soon")
    assert c.statements == 4
    assert c.attributed_words == sum(
        words_in(TEXT, p)
        for p in (
            "the army moved three units north overnight",
            "the claim was false",
            "the base was empty",
            "more troops would follow soon",
        )
    )
    card = scorecard(c)
    shares = [f.value for f in card.resting_figures[:4]]
    assert sum(shares) == pytest.approx(1.0)
    working = card.anonymous_words.working
    assert f"{c.words_on_anonymous} of {c.attributed_words} words in 4 statements" in working
    assert card.anonymous_words.display == f"{c.words_on_anonymous / c.attributed_words:.0%}"


def test_it_gives_a_statement_the_label_of_the_source_its_mention_belongs_to():
    """A cue linked to a mention of a first-class Source: the Source's label (most of its
    mentions') decides, as it does for the source counts."""
    text = "Minister Ray and two aides, the aides said, insisted the aides knew the plan well."
    m = Marks(text)
    named = m.mark("Minister Ray", "named_source", source_id=7)
    m.mark("the aides", "anonymous_source", source_id=7)
    m.mark("the aides", "anonymous_source", nth=1, source_id=7)
    cue = m.mark("insisted", "reporting", source_claim_id=named)
    m.mark("the aides knew the plan well.", "statement", cue_id=cue)
    c = m.counts()
    assert (c.anonymous, c.named) == (1, 0)
    assert (c.words_on_anonymous, c.words_on_named) == (
        n_words("the aides knew the plan well."),
        0,
    )


def test_unlinked_statements_are_not_attributed_but_said_apart():
    m = Marks(TEXT)
    triple(m, "Jane Roe", "named_source", "said", "the claim was false")
    m.mark("the base was empty", "statement")  # no cue
    m.mark("more troops would follow soon", "statement", cue_id=999)  # a cue that does not count
    c = m.counts()
    assert c.attributed_words == c.words_on_named == n_words("the claim was false")
    assert c.statements == 1
    assert c.unlinked_statements == 2
    assert c.unlinked_words == n_words("the base was empty more troops would follow soon")
    card = scorecard(c)
    assert card.named_words.value == 1.0
    assert "not counted" in card.named_words.working
    assert f"{c.unlinked_words} words of 2 statements linked to no cue" in card.named_words.working


def test_overlapping_statements_count_each_word_once_for_the_best_identified_source():
    text = "Aides and Ms. Roe said the minister resigned on Monday after the vote."
    m = Marks(text)
    aides = m.mark("Aides", "anonymous_source")
    roe = m.mark("Ms. Roe", "named_source")
    said_aides = m.mark("said", "reporting", source_claim_id=aides)
    # Two statements over the same words and more: the overlap counts once, for Roe.
    m.mark("the minister resigned on Monday after the vote", "statement", cue_id=said_aides)
    said_roe = m.mark("said", "denial", source_claim_id=roe)
    m.mark("the minister resigned", "statement", cue_id=said_roe)
    c = m.counts()
    union = n_words("the minister resigned on Monday after the vote")
    assert c.attributed_words == union
    assert c.words_on_named == n_words("the minister resigned")
    assert c.words_on_anonymous == union - c.words_on_named
    assert c.statements == 2


def test_a_statement_that_cuts_a_word_counts_it_whole_and_a_refusals_topic_counts_nowhere():
    text = "The ministry declined to discuss the deployment, officials said it was large."
    m = Marks(text)
    ministry = m.mark("The ministry", "named_source")
    refusal = m.mark("declined to discuss", "no_comment", source_claim_id=ministry)
    m.mark("the deployment", "statement", cue_id=refusal)
    officials = m.mark("officials", "anonymous_source")
    said = m.mark("said", "reporting", source_claim_id=officials)
    start = text.index("it was large") + 1  # "t was large": cuts "it"
    m.facts.append(ClaimFacts(99, "statement", start=start, end=start + 10, cue_id=said))
    c = m.counts()
    assert c.words_on_anonymous == n_words("it was large.")
    assert c.words_on_named == 0  # nobody said "the deployment": it is what was refused
    assert c.statements == 1 and c.unlinked_statements == 0


def test_without_statements_or_text_the_word_figures_have_nothing_to_measure():
    m = Marks(TEXT)
    triple(m, "Jane Roe", "named_source", "said", "the claim was false")
    card = scorecard(counts_from_claims(m.facts, words=9))  # no text: nothing to count in
    assert all(f.value is None and f.display == "—" for f in card.resting_figures[:4])
    assert "nothing to measure" in card.anonymous_words.working


# --- sentences ------------------------------------------------------------------------------


def test_the_splitter_keeps_abbreviations_and_initialisms_inside_a_sentence():
    text = (
        "Dr. Smith met Mr. Jones in the U.S. capital on Jan. 5 at 10 a.m. sharp, approx. ten "
        'minutes late. He said "No." Then he left! Was it over? Yes… it was. No. 10 agreed.\n'
        "A new line starts a new sentence without a stop\nThe end."
    )
    found = [text[s:e] for s, e in sentences(text)]
    assert found == [
        "Dr. Smith met Mr. Jones in the U.S. capital on Jan. 5 at 10 a.m. sharp, approx. ten "
        "minutes late.",
        'He said "No."',
        "Then he left!",
        "Was it over?",
        "Yes…",
        "it was.",
        "No. 10 agreed.",
        "A new line starts a new sentence without a stop",
        "The end.",
    ]


def test_the_splitter_gives_offsets_into_the_text_and_skips_blank_lines():
    text = "  Headline without a stop  \n\n  First one here. Second one there.  \n"
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Headline without a stop",
        "First one here.",
        "Second one there.",
    ]
    assert headline(text) == spans[0]
    assert headline("It starts with a sentence.\nMore.") is None


def test_factual_sentences_leave_out_the_headline_questions_and_short_ones():
    text = (
        "Troops Move Near The Border\n"
        "The army moved three units north. Why did it move them now? Nobody knows. "
        '"Will they stay?" The base holds two hundred soldiers.'
    )
    assert [text[s:e] for s, e in factual_sentences(text)] == [
        "The army moved three units north.",
        "The base holds two hundred soldiers.",
    ]


def test_a_sentence_rests_on_no_one_without_a_statement_source_or_cue():
    text = (
        "Officials said the army moved north. "
        "The army allegedly crossed the river at night. "
        "Jane Roe called it a lie in a long speech. "
        "The claim, it was said, is old news now. "
        "The weather was cold all week in the region. "
        "Critics think the move is a clear provocation."
    )
    m = Marks(text)
    m.mark("Officials", "anonymous_source")
    m.mark("allegedly", "hedge")  # a hedge does not say on whom a sentence rests
    m.mark("Jane Roe", "named_source")
    m.mark("it was said", "reporting")
    m.mark("the move is a clear provocation.", "statement")  # unlinked, but someone's words
    c = m.counts()
    assert c.factual_sentences == 6
    # On no one: the hedged sentence and the weather.
    assert c.sentences_on_no_one == 2
    figure = scorecard(c).sentences_on_no_one
    assert figure.display == "2 of 6"
    assert figure.working.startswith("2 of 6 factual sentences rest on no one")


def test_word_spans_are_the_words_str_split_counts():
    text = "a\u2003b\x1cc\u00a0d  e\n\tf\u200bg"
    assert [text[s:e] for s, e in word_spans(text)] == text.split()


# --- basis, aggregates ----------------------------------------------------------------------


def _scored(text: str, status: str, author=None) -> list[ScoredClaim]:
    """Anonymous source, its cue and statement, all of one status."""

    def at(phrase):
        s = text.index(phrase)
        return s, s + len(phrase)

    return [
        ScoredClaim(1, "anonymous_source", "", None, status, author, None, *at("Officials")),
        ScoredClaim(2, "reporting", "", 1, status, author, None, *at("said")),
        ScoredClaim(3, "statement", "", None, status, author, None, *at("the army moved"), 2),
    ]


def test_the_estimate_counts_open_suggestions_and_verified_counts_accepted_claims_only(db, editor):
    text = "Officials said the army moved three units north overnight."
    estimate = viewer_scorecard(
        _scored(text, "suggested"), words=8, text=text, viewer=None, article_status="draft"
    )
    assert estimate.basis == "estimate"
    assert estimate.counts.words_on_anonymous == 3
    # Rejected suggestions make it verified: none of them counts.
    verified = viewer_scorecard(
        _scored(text, "suggested"),
        words=8,
        text=text,
        viewer=None,
        article_status="in_review",
    )
    assert verified.basis == "verified"
    assert verified.counts.attributed_words == 0
    assert verified.counts.sentences_on_no_one == verified.counts.factual_sentences == 1


def test_summed_counts_give_ratios_of_sums():
    a = Marks(TEXT)
    triple(a, "Officials", "anonymous_source", "said", "the army moved three units north overnight")
    b = Marks(TEXT)
    triple(b, "Jane Roe", "named_source", "said", "the claim was false")
    ca, cb = a.counts(), b.counts()
    total = scorecard(ca + cb)
    assert total.counts.attributed_words == ca.attributed_words + cb.attributed_words
    assert total.anonymous_words.value == pytest.approx(
        ca.words_on_anonymous / (ca.attributed_words + cb.attributed_words)
    )
    assert total.counts.factual_sentences == ca.factual_sentences + cb.factual_sentences


# --- stored, aggregated, shown ----------------------------------------------------------------


def _article(title: str, text: str, outlet: Outlet, **fields) -> Article:
    return Article.objects.create(
        title=title, text=text, content_hash=content_hash(text), outlet=outlet, **fields
    )


def _claim(article, phrase, slug, **fields) -> Claim:
    start = article.text.index(phrase)
    return Claim.objects.create(
        article=article,
        start=start,
        end=start + len(phrase),
        label=Label.objects.get(slug=slug),
        **fields,
    )


@pytest.fixture
def two_bases(editor):
    """One verified article (in review, accepted claims) and one the machine's estimate (open
    suggestions only), same outlet."""
    outlet = Outlet.objects.create(name="Herald")
    done = _article("Done", TEXT, outlet, status="in_review")
    officials = _claim(done, "Officials", "anonymous_source", author=editor)
    said = _claim(done, "said", "reporting", author=editor, source_claim=officials)
    _claim(done, "the army moved three units north overnight", "statement", author=editor, cue=said)
    roe = _claim(done, "Jane Roe", "named_source", author=editor)
    said_roe = _claim(done, "said the claim", "reporting", author=editor, source_claim=roe)
    Claim.objects.filter(pk=said_roe.pk).update(end=said_roe.start + 4)
    _claim(done, "the claim was false", "statement", author=editor, cue=said_roe)
    new = _article("New", TEXT + " Fine.", outlet)
    kw = {"status": "suggested", "origin": "rule"}
    reuters = _claim(new, "Reuters", "outlet", **kw)
    reported = _claim(new, "reported", "reporting", source_claim=reuters, **kw)
    _claim(new, "the base was empty", "statement", cue=reported, **kw)
    article_sourcing_refresh(article_ids=[done.pk, new.pk])
    return done, new


def test_the_row_holds_the_counts_the_article_has_and_the_bases_stay_apart(two_bases, admin_user):
    done, new = two_bases
    rows = {r.article_id: r for r in ArticleSourcing.objects.all()}
    assert (rows[done.pk].basis, rows[new.pk].basis) == ("verified", "estimate")
    d = counts_of(rows[done.pk])
    assert d.words_on_anonymous == n_words("the army moved three units north overnight")
    assert d.words_on_named == n_words("the claim was false")
    assert d.statements == 2
    n = counts_of(rows[new.pk])
    assert (n.words_on_outlet, n.statements) == (n_words("the base was empty"), 1)
    assert d.factual_sentences == n.factual_sentences == len(factual_sentences(TEXT))

    client = admin_user_client(admin_user)
    verified = client.get(reverse("dashboard"), {"group": "outlet"}).context["table"].total
    assert verified.counts.articles == 1
    assert verified.counts.attributed_words == d.attributed_words  # the estimate not added
    assert verified.card.outlet_words.value == 0
    estimated = client.get(reverse("dashboard"), {"group": "outlet", "basis": ESTIMATED_BASIS})
    total = estimated.context["table"].total
    assert (total.counts.articles, total.counts.words_on_outlet) == (1, n.words_on_outlet)
    html = estimated.content.decode()
    assert "100% of attributed words rest on other outlets: 4 of 4 words in 1 statement" in html
    assert "What the words rest on" in html


def test_a_dashboard_group_sums_the_articles_counts(two_bases, admin_user, editor):
    done, _ = two_bases
    twin = _article("Twin", TEXT + " More.", done.outlet, status="in_review")
    officials = _claim(twin, "Officials", "anonymous_source", author=editor)
    said = _claim(twin, "said", "reporting", author=editor, source_claim=officials)
    _claim(twin, "the army moved three units north overnight", "statement", author=editor, cue=said)
    article_sourcing_refresh(article_ids=[twin.pk])
    rows = admin_user_client(admin_user).get(reverse("dashboard"), {"group": "outlet"})
    herald = rows.context["table"].rows[0]
    one, two = (counts_of(ArticleSourcing.objects.get(article=a)) for a in (done, twin))
    assert herald.counts.words_on_anonymous == one.words_on_anonymous + two.words_on_anonymous
    assert herald.card.anonymous_words.value == pytest.approx(
        (one.words_on_anonymous + two.words_on_anonymous)
        / (one.attributed_words + two.attributed_words)
    )
    cells = {name: (shown, working) for name, shown, working in herald.resting_cells}
    shown, working = cells["Words on anonymous sources"]
    assert shown == f"{herald.card.anonymous_words.value:.0%}"
    assert working == herald.card.anonymous_words.working
    html = rows.content.decode()
    assert "What the words rest on, by outlet" in html
    assert f'title="{working}"' in html


# --- the seed article, analysed by the real model ---------------------------------------------


def test_the_seed_articles_estimate_rests_mostly_on_anonymous_sources(seed_article, admin_user):
    row = ArticleSourcing.objects.get(article=seed_article)
    assert row.basis == "estimate"
    c = counts_of(row)
    # Every statement the detector suggests comes with its cue and the cue's source.
    suggested = Claim.objects.filter(article=seed_article, label__slug="statement")
    assert suggested.exists() and not suggested.filter(cue__isnull=True).exists()
    assert c.unlinked_statements == 0 and c.words_on_unidentified == 0
    # The news is the anonymous officials' (the named parties only deny and decline).
    assert c.words_on_anonymous > c.attributed_words / 2
    assert c.words_on_named > 0
    text = seed_article.text
    factual = [text[s:e] for s, e in factual_sentences(text)]
    assert not any(s.startswith("BREAKING") or s.endswith("?") for s in factual)
    assert c.factual_sentences == len(factual)
    # The article's own unsourced lines are among those resting on no one.
    assert 0 < c.sentences_on_no_one < c.factual_sentences
    response = admin_user_client(admin_user).get(reverse("article_detail", args=[seed_article.pk]))
    html = response.content.decode()
    card = scorecard(c, row.basis)
    assert card.anonymous_words.working in html.replace("&#x27;", "'")
    assert card.sentences_on_no_one.working in html


def test_the_export_carries_the_figures_and_counts(seed_article, admin_user):
    data = b"".join(corpus_export_chunks(viewer=None)).decode()
    card = json.loads(data.splitlines()[-1])["scorecard"]
    row = counts_of(ArticleSourcing.objects.get(article=seed_article))
    assert card["counts"]["words_on_anonymous"] == row.words_on_anonymous
    assert card["counts"]["sentences_on_no_one"] == row.sentences_on_no_one
    assert card["figures"]["anonymous_words"] == pytest.approx(
        row.words_on_anonymous / row.attributed_words
    )


def test_a_word_two_statements_cut_counts_once():
    text = "Officials said the redeployment was planned."
    m = Marks(text)
    officials = m.mark("Officials", "anonymous_source")
    said = m.mark("said", "reporting", source_claim_id=officials)
    word = text.index("redeployment")
    # "the rede" and "ployment was planned.": both cut "redeployment".
    m.facts.append(ClaimFacts(90, "statement", start=text.index("the"), end=word + 4, cue_id=said))
    m.facts.append(ClaimFacts(91, "statement", start=word + 6, end=len(text), cue_id=said))
    c = m.counts()
    assert c.words_on_anonymous == n_words("the redeployment was planned.")
    assert c.statements == 2


def test_sourcing_counts_end_with_the_reliance_fields_in_their_order():
    """SourcingCounts carries Reliance's counts as its last fields (the export's `counts`
    keys keep that order); the API's list of them is read off Reliance."""
    from dataclasses import fields

    from annotations.quality import RESTING_COUNTS
    from annotations.reliance import Reliance

    names = [f.name for f in fields(SourcingCounts)]
    assert names[-len(RESTING_COUNTS) :] == [f.name for f in fields(Reliance)]
    assert RESTING_COUNTS == (
        "words_on_named",
        "words_on_anonymous",
        "words_on_outlet",
        "words_on_unidentified",
        "statements",
        "unlinked_statements",
        "unlinked_words",
        "factual_sentences",
        "sentences_on_no_one",
    )
