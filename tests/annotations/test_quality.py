"""The sourcing-quality scorecard: figures, score and flags, on the seed article's gold spans."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from annotations.models import Claim, Label
from annotations.quality import (
    ANONYMOUS_WEIGHT,
    CLAIM_FACTS_FIELDS,
    HEDGE_WEIGHT,
    NO_REPLY_WEIGHT,
    OUTLET_WEIGHT,
    SCORE_FORMULA,
    UNATTRIBUTED_WEIGHT,
    UNEXPLAINED_WEIGHT,
    ClaimFacts,
    SourcingCounts,
    counts_from_claims,
    scorecard,
)
from newsroom.models import Article, content_hash

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "sourcing" / "seed_gold.jsonl"


@pytest.fixture(scope="module")
def seed() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8").splitlines()[0])


@pytest.fixture(scope="module")
def seed_words(seed) -> int:
    # The app's own count (an unsaved Article: no database), which is len(text.split()).
    words = Article(title=seed["title"], text=seed["text"]).word_count
    assert words == len(seed["text"].split()) == 348
    return words


def _facts(seed: dict, links: dict[int, int] | None = None) -> list[ClaimFacts]:
    """The gold spans as claims, pk = position; `links` maps a cue's pk to its source's."""
    links = links or {}
    return [ClaimFacts(i, span["label"], "", links.get(i)) for i, span in enumerate(seed["spans"])]


def _span(seed: dict, text: str, label: str) -> int:
    (i,) = [i for i, s in enumerate(seed["spans"]) if s["text"] == text and s["label"] == label]
    return i


def _card(words: int = 1000, **counts: int):
    return scorecard(SourcingCounts(words=words, **counts))


# --- The seed article, worked out by hand -------------------------------------------------------
#
# Gold (19 spans): named 3 (Russian Defense Ministry, Egypt, The U.S. military); anonymous 4
# (U.S. and Egyptian diplomatic sources, The U.S. officials, Egyptian security sources, They);
# outlet 2 (Reuters twice); denial 1 (denied); no_comment 3 (declined to discuss its mission, did
# not immediately provide comment, declined to comment); hedge 4 (Appears, allegedly twice,
# apparent); unattributed 2. 348 words. Gold gives no anonymity reason (the "on condition of
# anonymity" note says no reason is given) and no cue-to-source links, so every cue counts as a
# reply and no named source counts as "only replying".


def test_seed_counts(seed, seed_words):
    counts = counts_from_claims(_facts(seed), words=seed_words)
    assert Counter(s["label"] for s in seed["spans"]) == {
        "named_source": 3,
        "anonymous_source": 4,
        "outlet": 2,
        "denial": 1,
        "no_comment": 3,
        "hedge": 4,
        "unattributed": 2,
    }
    assert counts == SourcingCounts(
        words=348,
        articles=1,
        named=3,
        anonymous=4,
        outlet=2,
        named_mentions=3,
        anonymous_mentions=4,
        outlet_mentions=2,
        denial=1,
        no_comment=3,
        hedge=4,
        unattributed=2,
        anonymous_explained=0,
        replies=4,  # unlinked cues all count
        named_replying=0,
        articles_needing_reply=1,  # it has anonymous sources, outlets, hedges, unattributed
        articles_with_reply=1,
    )


def test_sources_are_counted_once_however_often_they_are_mentioned(seed, seed_words):
    """The two "Reuters" are one outlet and "They" is the Egyptian security sources: the
    figures count 3 named, 3 anonymous and 1 outlet source, beside 3, 4 and 2 mentions."""
    reuters = [i for i, s in enumerate(seed["spans"]) if s["text"] == "Reuters"]
    security = _span(seed, "Egyptian security sources", "anonymous_source")
    they = _span(seed, "They", "anonymous_source")
    source_of = {i: 1 for i in reuters} | {security: 2, they: 2}
    facts = [f._replace(source_id=source_of.get(f.pk)) for f in _facts(seed)]
    counts = counts_from_claims(facts, words=seed_words)
    assert (counts.named, counts.anonymous, counts.outlet) == (3, 3, 1)
    assert (counts.named_mentions, counts.anonymous_mentions, counts.outlet_mentions) == (3, 4, 2)
    card = scorecard(counts)
    assert card.anonymous_share.working == "anonymous / (named + anonymous) = 3 / (3 + 3) = 0.50"
    assert card.outlet_dependence.working.endswith("= 1 / (3 + 3 + 1) = 0.14")


def test_a_source_is_explained_when_any_mention_gives_the_reason():
    facts = [
        ClaimFacts(1, "anonymous_source", "", None, 7),
        ClaimFacts(2, "anonymous_source", "not authorised to speak", None, 7),
        ClaimFacts(3, "anonymous_source", "", None, 8),
        ClaimFacts(4, "denial", "", 1),  # the source of mention 1: anonymous, not a reply
    ]
    counts = counts_from_claims(facts, words=100)
    assert (counts.anonymous, counts.anonymous_explained, counts.replies) == (2, 1, 0)


def test_seed_figures(seed, seed_words):
    card = scorecard(counts_from_claims(_facts(seed), words=seed_words))

    assert card.anonymous_share.value == pytest.approx(4 / 7)  # 4 / (3 + 4)
    assert card.anonymous_share.working == "anonymous / (named + anonymous) = 4 / (3 + 4) = 0.57"
    assert card.anonymous_share.display == "57%"

    assert card.anonymity_explained.value == 0.0  # 0 of 4 anonymous mentions give a reason
    assert card.anonymity_explained.working.endswith("= 0 / 4 = 0.00")

    assert card.right_of_reply.value == 1.0  # Egypt denied, three no-comments
    assert card.right_of_reply.display == "yes"
    assert "replies = 4 of 4" in card.right_of_reply.working

    assert card.outlet_dependence.value == pytest.approx(2 / 9)  # 2 / (3 + 4 + 2)
    assert card.outlet_dependence.working.endswith("= 2 / (3 + 4 + 2) = 0.22")

    assert card.hedges_per_1000.value == pytest.approx(4000 / 348)  # 11.49
    assert card.hedges_per_1000.working == "hedges × 1,000 / words = 4 × 1,000 / 348 = 11.5"
    assert card.hedges_per_1000.display == "11.5 per 1,000 words"

    assert card.unattributed_per_1000.value == pytest.approx(2000 / 348)  # 5.75
    assert card.unattributed_per_1000.display == "5.7 per 1,000 words"


def test_seed_score(seed, seed_words):
    card = scorecard(counts_from_claims(_facts(seed), words=seed_words))
    points = {p.key: p.points for p in card.penalties}
    assert points == pytest.approx(
        {
            "anonymous_share": 30 * 4 / 7,  # 17.14
            "anonymity_explained": 20 * (1 - 0),  # 20
            "right_of_reply": 20 * (1 - 1),  # 0
            "outlet_dependence": 10 * 2 / 9,  # 2.22
            "hedges_per_1000": 10 * 1,  # 11.5 per 1,000 is past the cap of 10
            "unattributed_per_1000": 10 * 1,  # 5.7 per 1,000 is past the cap of 5
        }
    )
    # 100 − 17.14 − 20 − 0 − 2.22 − 10 − 10 = 40.63
    assert card.score == 41
    assert card.score_working == "100 − 17.1 − 20.0 − 0.0 − 2.2 − 10.0 − 10.0 = 40.6 → 41"


def test_seed_flags(seed, seed_words):
    card = scorecard(counts_from_claims(_facts(seed), words=seed_words))
    assert card.flag_codes == (
        "anonymity_without_reason",
        "heavy_hedging",
        "unattributed_assertions",
    )
    by_code = {f.code: f for f in card.flags}
    assert "4 of 4 anonymous" in by_code["anonymity_without_reason"].message
    assert "2 (5.7 per 1,000 words)" in by_code["unattributed_assertions"].message
    for flag in card.flags:
        assert flag.message and flag.why and flag.action


def test_seed_with_links_as_the_detector_makes_them(seed, seed_words):
    """Each cue linked to the source that speaks it: the named sources only reply."""
    links = {
        _span(seed, "declined to discuss its mission", "no_comment"): _span(
            seed, "Egyptian security sources", "anonymous_source"
        ),
        _span(seed, "did not immediately provide comment", "no_comment"): _span(
            seed, "Russian Defense Ministry", "named_source"
        ),
        _span(seed, "denied", "denial"): _span(seed, "Egypt", "named_source"),
        _span(seed, "declined to comment", "no_comment"): _span(
            seed, "The U.S. military", "named_source"
        ),
    }
    counts = counts_from_claims(_facts(seed, links), words=seed_words)
    assert counts.replies == 3  # the anonymous Egyptian sources declining is no reply
    assert counts.named_replying == 3
    assert counts.named_on_record == 0
    card = scorecard(counts)
    assert card.right_of_reply.value == 1.0
    assert "(1 from anonymous sources)" in card.right_of_reply.working
    assert card.flag_codes[0] == "only_anonymous"
    assert "3 named only reply" in card.flags[0].message
    assert card.score == 41  # the figures follow the design's formulas; the flag says the rest


# --- counts_from_claims -------------------------------------------------------------------------


def test_anonymity_reason_must_be_non_blank():
    counts = counts_from_claims(
        [
            (1, "anonymous_source", "not authorised to speak publicly", None),  # a values_list row
            ClaimFacts(2, "anonymous_source", "   "),
            ClaimFacts(3, "anonymous_source"),
        ],
        words=100,
    )
    assert (counts.anonymous, counts.anonymous_explained) == (3, 1)


def test_cue_links():
    counts = counts_from_claims(
        [
            ClaimFacts(1, "anonymous_source"),
            ClaimFacts(2, "named_source"),
            ClaimFacts(3, "outlet"),
            ClaimFacts(4, "no_comment", "", 1),  # the anonymous source: not a reply
            ClaimFacts(5, "denial", "", 2),  # the named party: a reply
            ClaimFacts(6, "denial", "", 2),  # the same party again: replying counted once
            ClaimFacts(7, "no_comment", "", 3),  # an outlet declining: a reply
            ClaimFacts(8, "no_comment", "", 99),  # links to a claim not passed: as unlinked
        ],
        words=100,
    )
    assert (counts.denial, counts.no_comment) == (2, 3)
    assert counts.replies == 4
    assert counts.named_replying == 1
    assert counts.articles_with_reply == 1


def test_only_an_anonymous_cue_is_no_reply():
    counts = counts_from_claims(
        [ClaimFacts(1, "anonymous_source"), ClaimFacts(2, "no_comment", "", 1)], words=500
    )
    assert (counts.replies, counts.articles_needing_reply, counts.articles_with_reply) == (0, 1, 0)
    card = scorecard(counts)
    assert card.right_of_reply.value == 0.0
    assert card.right_of_reply.display == "no"
    assert "no_right_of_reply" in card.flag_codes


def test_unknown_labels_are_ignored():
    counts = counts_from_claims([ClaimFacts(1, "quote"), ClaimFacts(2, "hedge")], words=10)
    assert counts == SourcingCounts(words=10, hedge=1, articles_needing_reply=1)


def test_named_sources_alone_need_no_reply():
    counts = counts_from_claims([ClaimFacts(1, "named_source")], words=200)
    assert counts.articles_needing_reply == 0
    card = scorecard(counts)
    assert card.right_of_reply.value is None
    assert card.right_of_reply.display == "—"
    assert card.score == 100
    assert card.flags == ()


@pytest.mark.django_db
def test_claims_feed_the_scorecard_through_values_list(seed):
    """CLAIM_FACTS_FIELDS is the recipe a view uses: accepted claims only, links included."""
    article = Article.objects.create(
        title=seed["title"], text=seed["text"], content_hash=content_hash(seed["text"])
    )
    labels = {lab.slug: lab for lab in Label.objects.all()}

    def claim(text: str, slug: str, after: str = "", **kw) -> Claim:
        start = seed["text"].index(after + text) + len(after)
        return Claim.objects.create(
            article=article, start=start, end=start + len(text), label=labels[slug], **kw
        )

    egypt = claim("Egypt", "named_source", after="comment on the story, and ")
    claim("denied", "denial", source_claim=egypt)
    claim("The U.S. officials", "anonymous_source", anonymity_reason="not authorised to speak")
    claim("allegedly", "hedge", status=Claim.Status.REJECTED)
    rows = Claim.objects.for_article(article).accepted().values_list(*CLAIM_FACTS_FIELDS)
    counts = counts_from_claims(rows, words=article.word_count)
    assert counts == SourcingCounts(
        words=348,
        named=1,
        anonymous=1,
        named_mentions=1,
        anonymous_mentions=1,
        denial=1,
        anonymous_explained=1,
        replies=1,
        named_replying=1,
        articles_needing_reply=1,
        articles_with_reply=1,
    )


# --- Zero denominators --------------------------------------------------------------------------


def test_nothing_to_measure():
    card = scorecard(counts_from_claims([], words=0))
    for figure in card.figures:
        assert figure.value is None
        assert figure.display == "—"
        assert figure.working
    assert [p.points for p in card.penalties] == [0] * 6
    # No attributed source: no score (never a perfect 100), and its own flag.
    assert card.score is None and card.score_working.startswith("no attributed sources")
    assert card.flag_codes == ("no_sources",)


def test_no_sources_but_words():
    card = _card(words=400)
    assert card.anonymous_share.value is None
    assert card.outlet_dependence.value is None
    assert card.anonymity_explained.value is None
    assert card.hedges_per_1000.value == 0.0
    assert card.hedges_per_1000.display == "0.0 per 1,000 words"


# --- Aggregation --------------------------------------------------------------------------------


def test_aggregate_is_ratio_of_sums():
    a = counts_from_claims(
        [
            ClaimFacts(1, "anonymous_source", "feared reprisals"),
            ClaimFacts(2, "no_comment", "", None),
            ClaimFacts(3, "hedge"),
        ],
        words=100,
    )
    b = counts_from_claims(
        [ClaimFacts(i, "named_source") for i in range(1, 10)]
        + [ClaimFacts(10, "anonymous_source"), ClaimFacts(11, "outlet")],
        words=900,
    )
    total = a + b
    assert total == sum([a, b])  # sum() works from its start of 0
    assert (total.articles, total.words, total.named, total.anonymous) == (2, 1000, 9, 2)
    card = scorecard(total)
    # Ratio of sums, 2 / 11, not the mean of the articles' 1/1 and 1/10.
    assert card.anonymous_share.value == pytest.approx(2 / 11)
    assert card.anonymity_explained.value == pytest.approx(1 / 2)
    assert card.hedges_per_1000.value == pytest.approx(1.0)  # 1 × 1,000 / 1,000
    assert card.outlet_dependence.value == pytest.approx(1 / 12)
    # Right of reply becomes the share of articles needing one that have one: a has, b has not.
    assert (total.articles_needing_reply, total.articles_with_reply) == (2, 1)
    assert card.right_of_reply.value == 0.5
    assert card.right_of_reply.working == (
        "articles with a reply / articles needing one = 1 / 2 = 0.50"
    )
    assert card.right_of_reply.display == "1 of 2 articles (50%)"
    by_code = {f.code: f for f in card.flags}
    assert "1 of 2 articles" in by_code["no_right_of_reply"].message


def test_aggregate_of_seed_with_itself_keeps_its_ratios(seed, seed_words):
    one = counts_from_claims(_facts(seed), words=seed_words)
    card, twice = scorecard(one), scorecard(one + one)
    assert twice.counts.articles == 2
    for a, b in zip(card.figures, twice.figures, strict=True):
        assert a.value == pytest.approx(b.value)
    assert twice.score == card.score


# --- Score --------------------------------------------------------------------------------------


def test_weights_sum_to_100_and_the_formula_shows_them():
    weights = (
        ANONYMOUS_WEIGHT,
        UNEXPLAINED_WEIGHT,
        NO_REPLY_WEIGHT,
        OUTLET_WEIGHT,
        HEDGE_WEIGHT,
        UNATTRIBUTED_WEIGHT,
    )
    assert sum(weights) == 100
    for w in weights:
        assert f"{w} ×" in SCORE_FORMULA


def test_penalties_are_bounded():
    card = _card(
        words=100, anonymous=1, outlet=1, hedge=50, unattributed=50, articles_needing_reply=1
    )
    # 100 − 30 (all anonymous) − 20 (no reason) − 20 (no reply) − 5 (outlets 1 / 2) − 10 − 10
    assert card.score == 5
    many = 10**6
    extreme = _card(
        words=1,
        anonymous=many,
        outlet=many,
        hedge=many,
        unattributed=many,
        articles_needing_reply=1,
    )
    assert 0 <= extreme.score <= 100
    assert all(0 <= p.fraction <= 1 for p in extreme.penalties)


def test_score_rounds_half_up():
    # outlet dependence 1/4 → 10 × 0.25 = 2.5 points: 97.5 shows as 98.
    card = _card(named=3, outlet=1)
    assert card.score_working.endswith("= 97.5 → 98")


# --- Each flag, firing and not ------------------------------------------------------------------


def test_only_anonymous():
    assert "only_anonymous" in _card(anonymous=2).flag_codes
    assert "only_anonymous" in _card(anonymous=2, outlet=1).flag_codes  # outlets are no record
    assert "only_anonymous" not in _card(anonymous=2, named=1).flag_codes
    assert "only_anonymous" not in _card(named=1).flag_codes
    # The one named source is the party denying: the story still rests on the anonymous ones.
    assert "only_anonymous" in _card(anonymous=2, named=1, named_replying=1).flag_codes


def test_anonymity_without_reason():
    assert "anonymity_without_reason" in _card(anonymous=2, anonymous_explained=1).flag_codes
    assert "anonymity_without_reason" not in _card(anonymous=2, anonymous_explained=2).flag_codes
    assert "anonymity_without_reason" not in _card(named=2).flag_codes


def test_no_right_of_reply():
    assert "no_right_of_reply" in _card(anonymous=1, articles_needing_reply=1).flag_codes
    replied = _card(anonymous=1, replies=1, articles_needing_reply=1, articles_with_reply=1)
    assert "no_right_of_reply" not in replied.flag_codes
    assert "no_right_of_reply" not in _card(named=1).flag_codes  # no reply needed


def test_outlet_dependent():
    assert "outlet_dependent" in _card(named=1, outlet=1).flag_codes  # 1 / 2 = 0.5
    assert "outlet_dependent" not in _card(named=2, outlet=1).flag_codes  # 1 / 3


def test_heavy_hedging():
    assert "heavy_hedging" in _card(words=1000, hedge=10).flag_codes  # 10 per 1,000
    assert "heavy_hedging" not in _card(words=1000, hedge=9).flag_codes
    assert "heavy_hedging" not in _card(words=0, hedge=9).flag_codes  # no words: no rate


def test_unattributed_assertions():
    assert "unattributed_assertions" in _card(words=5000, unattributed=1).flag_codes
    assert "unattributed_assertions" not in _card(words=5000).flag_codes
