"""The API's request and response schemas: what the OpenAPI document describes."""

import re
from datetime import UTC, date, datetime
from typing import Any, Literal

from django import forms
from ninja import Field, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict, field_validator

from annotations.filters import ArticleFilterForm, ExportFilterForm
from entities.models import SpanStatus
from newsroom.models import AnalysisState, ArticleStatus
from newsroom.records import ArticleRecord, moment_problem

# --- Schemas --------------------------------------------------------------------------------


class Error(Schema):
    detail: Any = Field(description="A message, or (422) a list of {loc, msg, type} field errors.")


class ArticleIn(ArticleRecord):
    """One article, in the record shape of docs/import-format.md; unknown fields are refused.

    The body is the one article record validator itself (newsroom.records): a 422 names each
    bad field with the same words the paste form and the file imports use."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ArticleCreated(Schema):
    id: int = Field(description="The new article, or the stored one it duplicates.")
    created: bool
    duplicate: str | None = Field(
        None, description="Why nothing was added (same text or same URL as a stored article)."
    )
    href: str = Field(description="The article in this API.")
    analysis_state: AnalysisState


class OutletOut(Schema):
    id: int
    name: str


class ArticleSummary(Schema):
    id: int
    title: str
    outlet: OutletOut | None
    url: str
    byline: str
    published_at: datetime | None
    language: str
    status: ArticleStatus = Field(description="Where the article stands in the review workflow.")
    analysis_state: AnalysisState
    created_by: str | None = Field(description="Username of who added it.")
    created_at: datetime
    updated_at: datetime
    version: int
    href: str


class EntityOut(Schema):
    id: int
    start: int
    end: int
    text: str = Field(description="text[start:end]")
    label: str = Field(description="spaCy's label: PERSON, ORG, GPE, LOC, NORP, FAC, ...")
    origin: str = Field(description="model (spaCy) or editor")
    status: SpanStatus
    model_name: str
    model_version: str


class ClaimAttributes(Schema):
    anonymity_reason: str
    affiliation: str
    source_count: int | None


class ClaimOut(Schema):
    id: int
    start: int
    end: int
    text: str = Field(description="text[start:end]")
    label: str = Field(description="The sourcing label's slug, e.g. anonymous_source")
    label_kind: str = Field(description="source, cue, marker or content (a statement)")
    origin: str = Field(description="editor, or rule (a suggestion of the rules)")
    status: SpanStatus = Field(description="A suggestion's review: suggested, accepted, rejected")
    author: str | None = Field(description="Username; null for the rules' suggestions.")
    attributes: ClaimAttributes
    note: str
    source_mention_id: int | None = Field(description="The entity that is the source.")
    source_claim_id: int | None = Field(description="For a cue: the source claim it belongs to.")
    cue_id: int | None = Field(
        description=(
            "For a statement: the cue (a reporting cue, a denial, a no comment) that attributes "
            "it; with the cue's source_claim_id, an attribution (source, cue, content)."
        )
    )
    version: int


class ReviewEventOut(Schema):
    action: str
    actor: str | None
    status_before: str
    status_after: str
    comment: str
    editor: str | None = Field(description="Whom an assignment concerns.")
    created_at: datetime


class ReviewOut(Schema):
    status: ArticleStatus
    assignees: list[str]
    double_annotated: bool
    events: list[ReviewEventOut] = Field(description="The review thread, oldest first.")


class FigureOut(Schema):
    key: str
    name: str
    value: float | None = Field(description="null when there is nothing to measure")
    display: str
    working: str


class FlagOut(Schema):
    code: str
    message: str
    action: str


class ScorecardOut(Schema):
    basis: Literal["estimate", "in_progress", "verified"] = Field(
        description="What the figures rest on: `estimate` (no editor has worked on the "
        "article: the rules' open suggestions, the machine's estimate), `in_progress` (an "
        "editor has started: accepted claims and the suggestions still open) or `verified` "
        "(accepted claims, no suggestion open, or the article submitted or approved)"
    )
    score: int | None = Field(
        description="0-100; null when the article has no attributed source (flag no_sources)"
    )
    score_working: str
    formula: str
    figures: list[FigureOut] = Field(
        description="The six scored figures, then what the words rest on (not scored): "
        "anonymous_words, named_words, outlet_words, unidentified_words (shares of the "
        "attributed statement words) and sentences_on_no_one (docs/sourcing-quality.md)"
    )
    flags: list[FlagOut]
    counts: dict[str, int]


class SourceOut(Schema):
    id: int | None = Field(description="null for a mention not grouped yet")
    label: str = Field(description="The label most of its mentions carry")
    name: str = Field(description="Its first mention that is not a pronoun")
    claims: list[int] = Field(description="The ids of its mention claims, in reading order")


class ArticleDetail(ArticleSummary):
    text: str
    content_hash: str
    analysed_at: datetime | None
    entities: list[EntityOut] = Field(description="Every mention, rejected ones included.")
    claims: list[ClaimOut] = Field(
        description="The sourcing claims you may see, rejected suggestions included: with two "
        "or more editors assigned, an editor sees only their own."
    )
    sources: list[SourceOut] = Field(
        description="The article's sources among the claims you may see: its source mentions "
        "grouped by the party they refer to, each source once (rejected mentions left out)."
    )
    review: ReviewOut
    scorecard: ScorecardOut = Field(
        description="Sourcing quality from the claims its basis counts (the machine's estimate "
        "from open suggestions, or accepted claims: all of them for an admin, your own for an "
        "editor, as on the article page); docs/sourcing-quality.md explains it."
    )


# The list's filters as OpenAPI documents them (a docstring here would show in the document):
# status and outlet are read by the articles list's form (ArticleFilterForm, which the list page
# builds on), `since` is the API's.
# A date, as a date-time starts: what the date parameters must be (not a number of seconds).
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class ArticleFilters(Schema):
    status: ArticleStatus | None = Field(None, description="Only articles in this review state.")
    outlet: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Only articles of this outlet (its id)."
    )
    since: datetime | None = Field(
        None, description="Only articles added at or after this moment (ISO 8601; UTC if no zone)."
    )

    @field_validator("since", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        # Pydantic would also take a number of seconds: the parameter is documented ISO 8601.
        if isinstance(value, str) and not ISO_DAY.match(value):
            raise ValueError("must be an ISO 8601 date-time, e.g. 2024-05-01T09:00:00+00:00")
        return value

    def apply(self, articles):
        form = validated_form(
            ArticleFilterForm({"status": self.status or "", "outlet": self.outlet})
        )
        articles = form.apply(articles)
        if self.since is not None:
            since = self.since if self.since.tzinfo else self.since.replace(tzinfo=UTC)
            problem = moment_problem(since)
            if problem:
                raise ValidationError(
                    [{"type": "value_error", "loc": ["query", "since"], "msg": f"since {problem}"}]
                )
            # In UTC: Python takes offsets up to a day, PostgreSQL only up to 16 hours.
            articles = articles.filter(created_at__gte=since.astimezone(UTC))
        return articles


ORDERINGS = ("created_at", "published_at", "updated_at", "title", "id")
Ordering = Literal[
    "created_at",
    "-created_at",
    "published_at",
    "-published_at",
    "updated_at",
    "-updated_at",
    "title",
    "-title",
    "id",
    "-id",
]


class ExportQuery(Schema):
    format: Literal["jsonl", "json"] = Field(
        "jsonl", description="JSON Lines (a header line, then an article a line) or one document."
    )
    status: ArticleStatus | None = Field(None, description="Only articles in this review state.")
    outlet: str | None = Field(None, description="Only this outlet (its name, any case).")
    published_from: date | None = Field(None, description="Published on or after (YYYY-MM-DD).")
    published_to: date | None = Field(None, description="Published on or before (YYYY-MM-DD).")
    labels: str | None = Field(
        None, description="Comma-separated label slugs: articles with a claim of one of them."
    )
    editor: str | None = Field(
        None, description="A username: articles assigned to them or with claims they made."
    )
    include_suggestions: bool = Field(
        False,
        description=(
            "false (the default): accepted claims only. true: every claim with its status, "
            "the rules' open suggestions and rejected claims included."
        ),
    )

    @field_validator("published_from", "published_to", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        if isinstance(value, str) and not ISO_DAY.fullmatch(value.strip()):
            raise ValueError("must be a date, YYYY-MM-DD")
        return value

    def form(self) -> ExportFilterForm:
        """The export form, validated, of these parameters."""
        return validated_form(ExportFilterForm(self.model_dump(exclude_none=True)))


def validated_form[FormT: forms.Form](form: FormT) -> FormT:
    """`form`, valid; else its errors as the API reports bad parameters (422, each naming its
    query parameter, as the schemas' own checks do)."""
    if not form.is_valid():
        raise ValidationError(
            [
                {"type": "value_error", "loc": ["query", name], "msg": " ".join(errors)}
                for name, errors in form.errors.items()
            ]
        )
    return form


class ImportErrorOut(Schema):
    position: int = Field(description="The line or record number (0: the file as a whole).")
    unit: str = Field(description="line, record or file")
    field: str | None
    message: str


class ImportJobOut(Schema):
    """An import job: a file being checked and imported by a background worker."""

    id: int
    href: str = Field(description="This job in the API: poll it until `finished`.")
    page: str = Field(description="The job's page in the app, with the same progress.")
    filename: str
    state: str = Field(
        description="queued, checking, storing, then done, rejected (the file has problems: "
        "nothing was imported) or failed"
    )
    finished: bool
    records_checked: int
    error_count: int = Field(description="Problems found; `errors` lists the first of them.")
    errors: list[ImportErrorOut]
    report: dict[str, Any] = Field(
        description="When done: summary, created (count), created_ids (the first ones), "
        "skipped_count and skipped (the first ones, with the stored article's id)."
    )
