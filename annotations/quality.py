"""The sourcing-quality scorecard: figures, a transparent score and flags a reviewer acts on.

Pure Python, no database (the basis names come with the model that stores them): one
article's scorecard comes from its claims (`counts_from_claims`), an aggregate's from counts
summed in SQL (every `SourcingCounts` field is a sum over articles), and both go through the
same `scorecard`. docs/sourcing-quality.md explains every figure, weight
and flag; the reference for what a flag means is AP's and Reuters' published rules on anonymous
sources and fairness (AP: "When is it OK to use anonymous sources?" and its Statement of News
Values and Principles; Reuters: "The Essentials of Reuters sourcing", Handbook of Journalism).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

from .models import Basis
from .reliance import Reliance, reliance, resting_figures
from .sources import majority_label

NAMED, ANONYMOUS, OUTLET = "named_source", "anonymous_source", "outlet"
DENIAL, NO_COMMENT, HEDGE, UNATTRIBUTED = "denial", "no_comment", "hedge", "unattributed"
SOURCES = (NAMED, ANONYMOUS, OUTLET)
CUES = (DENIAL, NO_COMMENT)
# What an article says without putting it on the record: the party it concerns is owed a reply.
UNVERIFIED = (ANONYMOUS, OUTLET, HEDGE, UNATTRIBUTED)

# Score weights: the most each figure can subtract from 100 (they sum to 100).
ANONYMOUS_WEIGHT = 30  # anonymous sources are "the weakest sources" (Reuters); AP: vital info only
UNEXPLAINED_WEIGHT = 20  # AP: the story says why the source asked for anonymity
NO_REPLY_WEIGHT = 20  # AP/Reuters: reach those the story concerns, report their answer
OUTLET_WEIGHT = 10  # another outlet's report is secondhand, but credited and checkable
HEDGE_WEIGHT = 10  # a hedge marks a claim the article does not stand behind
UNATTRIBUTED_WEIGHT = 10  # a disputable fact with no source at all
# Rates (per 1,000 words) at which the marker penalties reach their full weight.
HEDGES_FULL_PENALTY_PER_1000 = 10.0
UNATTRIBUTED_FULL_PENALTY_PER_1000 = 5.0

# What an article's figures rest on (its `basis`): the machine's estimate from the rules' open
# suggestions while no editor has worked on it; accepted claims and the suggestions still
# open once an editor has started; accepted claims alone once none is open, or the article
# is submitted or approved. Aggregates are only ever of one basis at a time.
ESTIMATE, IN_PROGRESS, VERIFIED = Basis.ESTIMATE, Basis.IN_PROGRESS, Basis.VERIFIED
BASIS_NAMES = dict(Basis.choices)
BASIS_WORDS = {
    ESTIMATE: "the machine's estimate: no editor has worked on it yet, so these figures come "
    "from the rules' open suggestions",
    IN_PROGRESS: "in progress: an editor has started, and these figures count the accepted "
    "claims together with the rules' suggestions still open",
    VERIFIED: "verified: these figures count the claims editors accepted, with no suggestion "
    "left open (or the article is submitted or approved)",
}

# Score bands: a score at or above GOOD shows as good, at or above FAIR as fair, else poor
# (the colour every page gives a score; `score_band` is the one place that decides it).
SCORE_GOOD = 75
SCORE_FAIR = 50

# Flag thresholds.
ANONYMITY_EXPLAINED_MIN = 1.0  # every anonymous source needs its reason stated
RIGHT_OF_REPLY_MIN = 1.0  # every article with unverified claims needs a reply
OUTLET_DEPENDENT_AT = 0.5  # half or more of the sources are other outlets
HEAVY_HEDGING_AT = HEDGES_FULL_PENALTY_PER_1000
UNATTRIBUTED_TOLERATED_PER_1000 = 0.0  # an editor marked each one: any is worth a look

SCORE_FORMULA = (
    f"score = 100 − {ANONYMOUS_WEIGHT} × anonymous share"
    f" − {UNEXPLAINED_WEIGHT} × (1 − anonymity explained)"
    f" − {NO_REPLY_WEIGHT} × (1 − right of reply)"
    f" − {OUTLET_WEIGHT} × outlet dependence"
    f" − {HEDGE_WEIGHT} × min(1, hedges per 1,000 words / {HEDGES_FULL_PENALTY_PER_1000:g})"
    f" − {UNATTRIBUTED_WEIGHT} × min(1, unattributed per 1,000 words"
    f" / {UNATTRIBUTED_FULL_PENALTY_PER_1000:g}),"
    " rounded; a figure with nothing to measure (—) subtracts nothing."
)


class ClaimFacts(NamedTuple):
    """What the scorecard needs of one claim: a `values_list(*CLAIM_FACTS_FIELDS)` row."""

    pk: int
    label_slug: str
    anonymity_reason: str = ""
    source_claim_id: int | None = None
    # The mention's source (annotations.models.Source); None: a source of its own.
    source_id: int | None = None
    # Where the claim is (what the words it rests on and the sentences need) and, for a
    # statement, the cue that attributes it.
    start: int = 0
    end: int = 0
    cue_id: int | None = None


# The ORM lookups that give a ClaimFacts row, in its order.
CLAIM_FACTS_FIELDS = (
    "pk",
    "label__slug",
    "anonymity_reason",
    "source_claim_id",
    "source_id",
    "start",
    "end",
    "cue_id",
)


@dataclass(frozen=True)
class SourcingCounts:
    """Counts for one article or, summed field by field, for many."""

    words: int
    articles: int = 1
    # Distinct sources per label (a source's label: that of most of its mentions).
    named: int = 0
    anonymous: int = 0
    outlet: int = 0
    # Their mentions ("Paul Dewar", "Dewar", "she": three mentions, one source).
    named_mentions: int = 0
    anonymous_mentions: int = 0
    outlet_mentions: int = 0
    denial: int = 0
    no_comment: int = 0
    hedge: int = 0
    unattributed: int = 0
    # Anonymous sources with a non-blank anonymity_reason on one of their mentions.
    anonymous_explained: int = 0
    # Denials and no-comments that are a reply: every cue except one linked to an anonymous
    # source (AP: don't report that someone declined comment who is quoted anonymously; an
    # unnamed source declining to say more is not the party concerned answering). Unlinked cues
    # count: the label itself says a party denied or declined.
    replies: int = 0
    # Named sources some cue links to: the party replying, not a source of the story's claims.
    named_replying: int = 0
    # Articles with an anonymous source, outlet credit, hedge or unattributed assertion.
    articles_needing_reply: int = 0
    # Of those, the ones with at least one reply.
    articles_with_reply: int = 0
    # What the words rest on (annotations.reliance): the words of statements linked to a cue,
    # by the kind of the cue's source (each word once), those statements, the statements
    # linked to no cue and their other words, and the factual sentences, with those in
    # which no statement, source mention or cue appears.
    words_on_named: int = 0
    words_on_anonymous: int = 0
    words_on_outlet: int = 0
    words_on_unidentified: int = 0
    statements: int = 0
    unlinked_statements: int = 0
    unlinked_words: int = 0
    factual_sentences: int = 0
    sentences_on_no_one: int = 0

    def __add__(self, other: SourcingCounts) -> SourcingCounts:
        if not isinstance(other, SourcingCounts):
            return NotImplemented
        return SourcingCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def __radd__(self, other: object) -> SourcingCounts:
        # sum() starts from 0.
        if other == 0:
            return self
        return NotImplemented

    @property
    def sources(self) -> int:
        return self.named + self.anonymous + self.outlet

    @property
    def attributed_words(self) -> int:
        """Words of statements linked to a cue, each once."""
        return (
            self.words_on_named
            + self.words_on_anonymous
            + self.words_on_outlet
            + self.words_on_unidentified
        )

    @property
    def named_on_record(self) -> int:
        """Named sources that supply information rather than reply to it."""
        return self.named - self.named_replying


# The counts of what the words rest on, as the API's scorecard lists them: Reliance's fields,
# which are also SourcingCounts' last ones (a test holds the two in step).
RESTING_COUNTS = tuple(f.name for f in fields(Reliance))


def counts_from_claims(
    claims: Iterable[ClaimFacts], *, words: int, text: str = ""
) -> SourcingCounts:
    """One article's counts from the claims that count (`annotations.scorecards.counted`):
    sources counted once however often they are mentioned. The words statements rest on and
    the sentences need the article's `text` (without it, they are 0)."""
    claims = [ClaimFacts(*c) for c in claims]
    per_label = dict.fromkeys((*CUES, HEDGE, UNATTRIBUTED), 0)
    mentions = dict.fromkeys(SOURCES, 0)
    # A source's mentions, by its key: its id, or the claim's own for a mention without one.
    sources: dict[tuple[str, int], list[ClaimFacts]] = {}
    source_of: dict[int, tuple[str, int]] = {}
    for c in claims:
        if c.label_slug in SOURCES:
            key = ("source", c.source_id) if c.source_id is not None else ("claim", c.pk)
            sources.setdefault(key, []).append(c)
            source_of[c.pk] = key
            mentions[c.label_slug] += 1
        elif c.label_slug in per_label:
            per_label[c.label_slug] += 1
        # else: a label an admin added: not part of the scorecard
    label_of = {
        key: majority_label([m.label_slug for m in members]) for key, members in sources.items()
    }
    per_source = dict.fromkeys(SOURCES, 0)
    explained = 0
    for key, members in sources.items():
        per_source[label_of[key]] += 1
        if label_of[key] == ANONYMOUS and any(m.anonymity_reason.strip() for m in members):
            explained += 1
    replies = 0
    replied_to: set[tuple[str, int]] = set()
    for c in claims:
        if c.label_slug in CUES:
            # A link to a claim outside `claims` (e.g. a rejected one) counts as no link.
            linked = source_of.get(c.source_claim_id)
            source_label = label_of.get(linked) if linked else None
            if source_label != ANONYMOUS:
                replies += 1
            if source_label == NAMED:
                replied_to.add(linked)
    needs_reply = any({**per_source, **per_label}[slug] for slug in UNVERIFIED)
    rests = reliance(
        claims, text=text, source_label={pk: label_of[key] for pk, key in source_of.items()}
    )
    return SourcingCounts(
        words=words,
        articles=1,
        named=per_source[NAMED],
        anonymous=per_source[ANONYMOUS],
        outlet=per_source[OUTLET],
        named_mentions=mentions[NAMED],
        anonymous_mentions=mentions[ANONYMOUS],
        outlet_mentions=mentions[OUTLET],
        denial=per_label[DENIAL],
        no_comment=per_label[NO_COMMENT],
        hedge=per_label[HEDGE],
        unattributed=per_label[UNATTRIBUTED],
        anonymous_explained=explained,
        replies=replies,
        named_replying=len(replied_to),
        articles_needing_reply=int(needs_reply),
        articles_with_reply=int(needs_reply and replies > 0),
        **asdict(rests),
    )


@dataclass(frozen=True)
class Figure:
    """One figure: its value (None when its denominator is 0) and how it was worked out."""

    key: str
    name: str
    value: float | None
    formula: str
    working: str  # the formula with the numbers plugged in
    display: str  # "—" when value is None


@dataclass(frozen=True)
class Penalty:
    """What one figure subtracts from the score: weight × a fraction in [0, 1]."""

    key: str
    weight: int
    fraction: float
    points: float
    working: str


@dataclass(frozen=True)
class Flag:
    """Something a reviewer acts on: what was found, why it matters, what to do."""

    code: str
    message: str
    why: str
    action: str


@dataclass(frozen=True)
class Scorecard:
    """The figures, the score and its working, and the flags, for one article or many."""

    counts: SourcingCounts
    anonymous_share: Figure
    anonymity_explained: Figure
    right_of_reply: Figure
    outlet_dependence: Figure
    hedges_per_1000: Figure
    unattributed_per_1000: Figure
    # What the words rest on (not part of the score: docs/sourcing-quality.md says why).
    anonymous_words: Figure
    named_words: Figure
    outlet_words: Figure
    unidentified_words: Figure
    sentences_on_no_one: Figure
    penalties: tuple[Penalty, ...]
    score: int | None  # None: no attributed sources, nothing to score (never a perfect 100)
    score_working: str
    flags: tuple[Flag, ...]
    basis: str = VERIFIED

    @property
    def basis_name(self) -> str:
        return BASIS_NAMES[self.basis]

    @property
    def basis_words(self) -> str:
        return BASIS_WORDS[self.basis]

    @property
    def figures(self) -> tuple[Figure, ...]:
        """The figures in the order the page shows them: the scored ones, then what the words
        rest on."""
        return (*self.scored_figures, *self.resting_figures)

    @property
    def scored_figures(self) -> tuple[Figure, ...]:
        """The six figures the score is worked out from."""
        return (
            self.anonymous_share,
            self.anonymity_explained,
            self.right_of_reply,
            self.outlet_dependence,
            self.hedges_per_1000,
            self.unattributed_per_1000,
        )

    @property
    def resting_figures(self) -> tuple[Figure, ...]:
        """What the words rest on: the attributed words by kind, then the sentences."""
        return (
            self.anonymous_words,
            self.named_words,
            self.outlet_words,
            self.unidentified_words,
            self.sentences_on_no_one,
        )

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.flags)


def _share(key: str, name: str, formula: str, parts: str, num: int, den: int) -> Figure:
    if den == 0:
        return Figure(key, name, None, formula, f"{formula} = {parts}: nothing to measure", "—")
    value = num / den
    return Figure(key, name, value, formula, f"{formula} = {parts} = {value:.2f}", f"{value:.0%}")


def _rate(key: str, name: str, label: str, count: int, words: int) -> Figure:
    formula = f"{label} × 1,000 / words"
    if words == 0:
        return Figure(key, name, None, formula, f"{formula} = {count} × 1,000 / 0: no words", "—")
    value = count * 1000 / words
    working = f"{formula} = {count} × 1,000 / {words:,} = {value:.1f}"
    return Figure(key, name, value, formula, working, f"{value:.1f} per 1,000 words")


def _right_of_reply(c: SourcingCounts) -> Figure:
    name = "Right of reply"
    if c.articles == 1:
        formula = "a denial or no comment not from an anonymous source, when the article needs one"
        cues = c.denial + c.no_comment
        if not c.articles_needing_reply:
            working = "no anonymous source, outlet, hedge or unattributed assertion: none needed"
            return Figure("right_of_reply", name, None, formula, working, "—")
        value = float(c.articles_with_reply)
        working = (
            f"replies = {c.replies} of {cues} denial/no-comment cues"
            f" ({cues - c.replies} from anonymous sources) → {'yes' if value else 'no'}"
        )
        return Figure("right_of_reply", name, value, formula, working, "yes" if value else "no")
    figure = _share(
        "right_of_reply",
        name,
        "articles with a reply / articles needing one",
        f"{c.articles_with_reply} / {c.articles_needing_reply}",
        c.articles_with_reply,
        c.articles_needing_reply,
    )
    if figure.value is None:
        return figure
    return Figure(
        figure.key,
        name,
        figure.value,
        figure.formula,
        figure.working,
        f"{c.articles_with_reply} of {c.articles_needing_reply} articles ({figure.value:.0%})",
    )


def _penalty(key: str, weight: int, fraction: float | None, how: str) -> Penalty:
    if fraction is None:
        return Penalty(key, weight, 0.0, 0.0, "nothing to measure → 0")
    fraction = min(1.0, max(0.0, fraction))
    points = weight * fraction
    return Penalty(key, weight, fraction, points, f"{weight} × {how} = {points:.1f}")


def _penalties(s: dict[str, Figure]) -> tuple[Penalty, ...]:
    anon, expl, reply = (
        s[k].value for k in ("anonymous_share", "anonymity_explained", "right_of_reply")
    )
    outlet, hedges, unattr = (
        s[k].value for k in ("outlet_dependence", "hedges_per_1000", "unattributed_per_1000")
    )

    def inv(v: float | None) -> float | None:
        return None if v is None else 1 - v

    def capped(v: float | None, full: float) -> float | None:
        return None if v is None else min(1.0, v / full)

    return (
        _penalty("anonymous_share", ANONYMOUS_WEIGHT, anon, f"{anon or 0:.2f}"),
        _penalty("anonymity_explained", UNEXPLAINED_WEIGHT, inv(expl), f"(1 − {expl or 0:.2f})"),
        _penalty("right_of_reply", NO_REPLY_WEIGHT, inv(reply), f"(1 − {reply or 0:.2f})"),
        _penalty("outlet_dependence", OUTLET_WEIGHT, outlet, f"{outlet or 0:.2f}"),
        _penalty(
            "hedges_per_1000",
            HEDGE_WEIGHT,
            capped(hedges, HEDGES_FULL_PENALTY_PER_1000),
            f"min(1, {hedges or 0:.1f} / {HEDGES_FULL_PENALTY_PER_1000:g})",
        ),
        _penalty(
            "unattributed_per_1000",
            UNATTRIBUTED_WEIGHT,
            capped(unattr, UNATTRIBUTED_FULL_PENALTY_PER_1000),
            f"min(1, {unattr or 0:.1f} / {UNATTRIBUTED_FULL_PENALTY_PER_1000:g})",
        ),
    )


def _flags(c: SourcingCounts, s: dict[str, Figure]) -> tuple[Flag, ...]:
    flags = []
    if c.sources == 0:
        flags.append(
            Flag(
                "no_sources",
                "No attributed sources: no named, anonymous or outlet source is marked"
                + ("." if c.articles == 1 else f" in any of these {c.articles} articles."),
                "A story with no source says nothing about where its facts come from: it "
                "gets no score rather than a perfect one.",
                "Mark the story's sources, or, if it truly has none, check that every fact in "
                "it was witnessed or confirmed by the newsroom's own reporters.",
            )
        )
    if c.anonymous > 0 and c.named_on_record <= 0:
        replying = f" ({c.named_replying} named only reply)" if c.named_replying else ""
        flags.append(
            Flag(
                "only_anonymous",
                f"Rests only on anonymous sources: {c.anonymous} anonymous, "
                f"no named source on the record{replying}.",
                "AP and Reuters: a named source is always preferable; anonymous sources are the "
                "weakest, used only for information that is vital and unavailable on the record.",
                "Get the information on the record (a named source or a document), or have an "
                "editor confirm it is vital and unavailable otherwise and say so in the story.",
            )
        )
    explained = s["anonymity_explained"].value
    if explained is not None and explained < ANONYMITY_EXPLAINED_MIN:
        flags.append(
            Flag(
                "anonymity_without_reason",
                f"Anonymity without a reason: {c.anonymous - c.anonymous_explained} of "
                f"{c.anonymous} anonymous sources are given no reason.",
                "AP: the story says why the source asked for anonymity and describes the "
                "source's vantage point, so readers can judge what the source is in a position "
                "to know.",
                "State why each source could not be named and what they are placed to know, "
                "or name them.",
            )
        )
    reply = s["right_of_reply"].value
    if reply is not None and reply < RIGHT_OF_REPLY_MIN:
        missing = c.articles_needing_reply - c.articles_with_reply
        where = (
            "the article reports unverified claims but nobody they concern denies or declines"
            if c.articles == 1
            else f"{missing} of {c.articles_needing_reply} articles with unverified claims "
            "carry no denial or no comment"
        )
        flags.append(
            Flag(
                "no_right_of_reply",
                f"No right of reply: {where}.",
                "AP and Reuters: make a real effort to reach anyone the story portrays "
                "negatively and report their answer; an anonymous source declining to say more "
                "is not a reply.",
                "Ask the party the claims are about for comment and report the answer, or that "
                "they declined or could not be reached.",
            )
        )
    outlet = s["outlet_dependence"].value
    if outlet is not None and outlet >= OUTLET_DEPENDENT_AT:
        flags.append(
            Flag(
                "outlet_dependent",
                f"Outlet-dependent: {c.outlet} of {c.sources} sources "
                f"({outlet:.0%}) are other news organisations.",
                "Another outlet's report is secondhand; Reuters and AP credit it and, "
                "wherever possible, confirm it independently before relying on it.",
                "Confirm the credited reporting with sources of your own, or say it could not "
                "be independently verified.",
            )
        )
    hedges = s["hedges_per_1000"].value
    if hedges is not None and hedges >= HEAVY_HEDGING_AT:
        flags.append(
            Flag(
                "heavy_hedging",
                f"Heavy hedging: {c.hedge} hedges, {hedges:.1f} per 1,000 words "
                f"(flagged from {HEAVY_HEDGING_AT:g}).",
                "A hedge ('allegedly', 'appears to') marks a claim the article does not stand "
                "behind; AP attributes disputable facts to a source instead.",
                "Attribute each hedged claim to its source, verify it and drop the hedge, or "
                "cut it.",
            )
        )
    unattr = s["unattributed_per_1000"].value
    if unattr is not None and unattr > UNATTRIBUTED_TOLERATED_PER_1000:
        flags.append(
            Flag(
                "unattributed_assertions",
                f"Unattributed assertions: {c.unattributed} ({unattr:.1f} per 1,000 words).",
                "AP attributes any disputable fact not witnessed or confirmed by its own "
                "reporters; Reuters sources every statement that is not established fact.",
                "Attribute each marked assertion to a source, label it as opinion, or cut it.",
            )
        )
    return tuple(flags)


def scorecard(counts: SourcingCounts, basis: str = VERIFIED) -> Scorecard:
    """The figures, score and flags for one article's counts or a sum of many, all of one
    `basis` (ESTIMATE, IN_PROGRESS or VERIFIED)."""
    c = counts
    figures = {
        "anonymous_share": _share(
            "anonymous_share",
            "Anonymous share",
            "anonymous / (named + anonymous)",
            f"{c.anonymous} / ({c.named} + {c.anonymous})",
            c.anonymous,
            c.named + c.anonymous,
        ),
        "anonymity_explained": _share(
            "anonymity_explained",
            "Anonymity explained",
            "anonymous with a reason / anonymous",
            f"{c.anonymous_explained} / {c.anonymous}",
            c.anonymous_explained,
            c.anonymous,
        ),
        "right_of_reply": _right_of_reply(c),
        "outlet_dependence": _share(
            "outlet_dependence",
            "Outlet dependence",
            "outlet / (named + anonymous + outlet)",
            f"{c.outlet} / ({c.named} + {c.anonymous} + {c.outlet})",
            c.outlet,
            c.sources,
        ),
        "hedges_per_1000": _rate("hedges_per_1000", "Hedges", "hedges", c.hedge, c.words),
        "unattributed_per_1000": _rate(
            "unattributed_per_1000",
            "Unattributed assertions",
            "unattributed",
            c.unattributed,
            c.words,
        ),
    }
    penalties = _penalties(figures)
    resting = {parts[0]: Figure(*parts) for parts in resting_figures(c)}
    raw = 100 - sum(p.points for p in penalties)
    score: int | None = math.floor(raw + 0.5)  # half up: 40.5 shows as 41, as a reader would
    working = "100 − " + " − ".join(f"{p.points:.1f}" for p in penalties) + f" = {raw:.1f}"
    working += f" → {score}"
    if c.sources == 0:
        score, working = None, "no attributed sources: nothing to score"
    return Scorecard(
        counts=c,
        **figures,
        **resting,
        penalties=penalties,
        score=score,
        score_working=working,
        flags=_flags(c, figures),
        basis=basis,
    )


def score_band(score: float | None) -> str:
    """`good`, `fair` or `poor`: the band a score shows in; `none` when there is no score (an
    article with no attributed sources)."""
    if not isinstance(score, int | float):
        return "none"
    if score >= SCORE_GOOD:
        return "good"
    return "fair" if score >= SCORE_FAIR else "poor"
