"""The lists' filters: one form per list, shared where two lists are the same list.

- The articles (the list page and `GET /api/v1/articles`): `ArticleFilterForm`, their status
  and outlet, and the page's order (`sort`); the page adds its search
  (annotations.pages.forms.ArticleSearchForm).
- The export (the export page and `GET /api/v1/export`): `ExportFilterForm`, the one way a
  query string becomes `ExportFilters`; the page narrows outlet and labels to pick-lists.
- The dashboard and the articles behind a row: `DashboardFilterForm`, giving `Filters`.
- The review queue: `QueueFilterForm`.

A day or a month in a query string is read by `DayField` and `MonthField`, nowhere else. The
dashboard and the queue are lenient, as they always were: a bad value counts as absent, one
field at a time (`LenientForm`), where the other lists refuse the whole request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.dateparse import parse_date

from annotations.exchange.export import JSON, JSONL, ExportFilters
from annotations.models import Basis
from annotations.stats import FLAG_FIELDS
from newsroom.models import MOMENT_MAX, MOMENT_MIN, ArticleStatus

LABELS_HELP = (
    "Articles with a claim of any of these labels (one the file holds: accepted, or open "
    "with suggestions included)."
)
STATUS_CHOICES = [("", "All statuses"), *ArticleStatus.choices]
FLAG_CHOICES = [("", "Any flags"), *((code, code) for code in FLAG_FIELDS)]
GROUPS = {
    # group: (the key column, the column naming it, the tab's title)
    "outlet": ("article_outlet_id", "article_outlet__name", "By outlet"),
    "editor": ("editor_id", "editor__username", "By editor"),
    "month": ("month", None, "By month"),
}
NONE = "none"  # the filter value for "no outlet" / "no editor"
# The article list's orders (`sort`): a column, "-" first for the largest or latest first
# (the API's `ordering` names where both lists have the column), and what the list says.
ARTICLE_SORTS = {
    "-created_at": "newest added first",
    "created_at": "oldest added first",
    "-published_at": "newest published first",
    "published_at": "oldest published first",
    "title": "title, A to Z",
    "-title": "title, Z to A",
    "-claims": "most claims first",
    "claims": "fewest claims first",
    "status": "review status, draft to approved",
    "-status": "review status, approved to draft",
}
DEFAULT_SORT = "-created_at"  # without a search; a search ranks its matches (PostgreSQL)
# The annotation `claims` sorts by: the claims the list's viewer may see (annotations.models).
CLAIM_COUNT = "claim_count"
# The dashboard's two bases, never summed together: the figures editors verified, and the
# machine's estimates (articles nobody has worked on, and those in progress).
VERIFIED_BASIS, ESTIMATED_BASIS = "verified", "estimated"
BASIS_FILTERS = {
    VERIFIED_BASIS: ("Verified", (Basis.VERIFIED,)),
    ESTIMATED_BASIS: ("Estimated", (Basis.ESTIMATE, Basis.IN_PROGRESS)),
}


# --- Fields -----------------------------------------------------------------------------------


def parse_day(value: str) -> date | None:
    """`YYYY-MM-DD` as a date; None for anything else: an impossible date (2024-02-30), and
    one outside the days Newsroom stores (newsroom.models.MOMENT_MIN/MAX), whose "day after"
    or time-zone shift Python could not compute."""
    try:
        day = parse_date(value.strip())
    except ValueError:  # well formed but impossible
        return None
    if day is None or not MOMENT_MIN.date() <= day <= MOMENT_MAX.date():
        return None
    return day


def parse_month(value: str) -> date | None:
    """`YYYY-MM` (what the dashboard's month fields take) or a date, as the first of its
    month."""
    value = value.strip()
    parsed = parse_day(value + "-01" if len(value) == 7 else value)
    return parsed.replace(day=1) if parsed else None


class DayField(forms.Field):
    """A day, `YYYY-MM-DD`."""

    parse = staticmethod(parse_day)
    message = "Enter a date: YYYY-MM-DD."

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        parsed = self.parse(str(value))
        if parsed is None:
            raise forms.ValidationError(self.message, code="invalid")
        return parsed


class MonthField(DayField):
    """A month, `YYYY-MM` (or a day in it), as the first of the month."""

    parse = staticmethod(parse_month)
    message = "Enter a month: YYYY-MM."


MAX_ID = 2**63 - 1  # the largest id a (big) integer column holds


class IdField(forms.Field):
    """A row's id, or (with `none_value`) that word for "rows without one"."""

    def __init__(self, *, none_value: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.none_value = none_value

    def to_python(self, value: Any) -> int | str | None:
        if value in self.empty_values:
            return None
        value = str(value)
        if self.none_value and value == self.none_value:
            return value
        # Digits only, and no more than a database id can hold.
        if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
            return int(value)
        raise forms.ValidationError("Pick one from the list.", code="invalid")


SLUG = re.compile(r"[-a-zA-Z0-9_]+")
SLUG_MAX = 50


class SlugListField(forms.Field):
    """Slugs, repeated (`labels=a&labels=b`) or comma-separated (`labels=a,b`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> tuple[str, ...]:
        values = [value] if isinstance(value, str) else list(value or ())
        return tuple(s.strip() for v in values for s in str(v).split(",") if s.strip())

    def validate(self, value: tuple[str, ...]) -> None:
        super().validate(value)
        # Only a slug can name a label; anything else (a NUL byte, which PostgreSQL cannot
        # even compare) is refused here, before it reaches a query.
        for slug in value:
            if len(slug) > SLUG_MAX or not SLUG.fullmatch(slug):
                raise forms.ValidationError(
                    "Labels are given by their slugs (letters, digits, - and _), such as hedge.",
                    code="invalid",
                )


class LenientForm(forms.Form):
    """A form whose bad values are dropped one by one instead of refusing the request."""

    def values(self) -> dict[str, Any]:
        """Every field's cleaned value; a field that did not validate gets its empty value."""
        self.is_valid()
        return {
            name: self.cleaned_data.get(name, field.to_python(None))
            for name, field in self.fields.items()
        }


# --- The articles -----------------------------------------------------------------------------


class ArticleFilterForm(forms.Form):
    """The articles list's filters, the page's and the API's: a review status and an outlet;
    and the page's order (`sort`, one of ARTICLE_SORTS; the API has its own `ordering`)."""

    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    outlet = forms.IntegerField(required=False, help_text="The outlet's id.")
    sort = forms.ChoiceField(choices=[("", "Default"), *ARTICLE_SORTS.items()], required=False)

    def apply(self, articles: QuerySet) -> QuerySet:
        """`articles` narrowed to the valid form's status and outlet, in its order."""
        return self.ordered(self.narrowed(articles))

    def narrowed(self, articles: QuerySet) -> QuerySet:
        """`articles` narrowed to the valid form's status and outlet."""
        data = self.cleaned_data
        if data["outlet"] is not None:
            articles = articles.for_outlet(data["outlet"])
        if data["status"]:
            articles = articles.with_status(data["status"])
        return articles

    def ordered(self, articles: QuerySet) -> QuerySet:
        """`articles` in the valid form's order, if it names one (else as they come). By
        `claims`: by their CLAIM_COUNT annotation, which the caller makes for its viewer."""
        return articles_in_order(articles, self.cleaned_data.get("sort") or "")


def articles_in_order(articles: QuerySet, sort: str) -> QuerySet:
    """`articles` in the order `sort` (one of ARTICLE_SORTS; empty: as they come). By
    `claims`: by their CLAIM_COUNT annotation, which the caller makes for its viewer."""
    if not sort:
        return articles
    key = sort.removeprefix("-")
    key = CLAIM_COUNT if key == "claims" else key
    return articles.sorted_by(key, descending=sort.startswith("-"))


# --- The export -------------------------------------------------------------------------------


class ExportFilterForm(forms.Form):
    """The export's format and filters, the page's and the API's (`filters()` makes them)."""

    format = forms.ChoiceField(
        choices=[(JSONL, "JSON Lines (an article a line)"), (JSON, "JSON (one document)")],
        required=False,
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    outlet = forms.CharField(required=False, strip=False, help_text="Its name, any case.")
    published_from = forms.DateField(
        required=False, label="Published from", widget=forms.DateInput(attrs={"type": "date"})
    )
    published_to = forms.DateField(
        required=False, label="Published to", widget=forms.DateInput(attrs={"type": "date"})
    )
    labels = SlugListField(required=False, help_text=LABELS_HELP)
    editor = forms.CharField(
        required=False,
        max_length=150,
        help_text="Username: articles assigned to or annotated by them.",
    )
    include_suggestions = forms.BooleanField(
        required=False,
        label="Include suggestions",
        help_text=(
            "Off (the default): accepted claims only, what editors stand behind. On: the "
            "rules' open suggestions too (and, in Newsroom JSON, rejected claims with their "
            "status)."
        ),
    )

    def fmt(self) -> str:
        """The valid form's format (JSON Lines unless it asks for JSON)."""
        return self.cleaned_data["format"] or JSONL

    def filters(self) -> ExportFilters:
        """The valid form's filters."""
        data = self.cleaned_data
        return ExportFilters(
            status=data["status"],
            outlet=data["outlet"],
            published_from=data["published_from"],
            published_to=data["published_to"],
            labels=tuple(data["labels"]),
            editor=data["editor"].strip(),
            include_suggestions=data["include_suggestions"],
        )


# --- The dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters (status, month range) and a group row's (outlet, editor, month,
    flag): read by DashboardFilterForm, applied to ArticleSourcing, written back into links."""

    group: str = "outlet"
    basis: str = VERIFIED_BASIS
    status: str = ""
    since: date | None = None
    until: date | None = None
    outlet: int | str | None = None
    editor: int | str | None = None
    month: date | None = None
    flag: str = ""

    def apply(self, qs: QuerySet, *, any_basis: bool = False) -> QuerySet:
        """ArticleSourcing rows narrowed to these filters: to one basis (never both summed)
        unless `any_basis` (to count the articles of each)."""
        if not any_basis:
            qs = qs.filter(basis__in=BASIS_FILTERS[self.basis][1])
        if self.status:
            qs = qs.filter(status=self.status)
        if self.since:
            qs = qs.filter(month__gte=self.since)
        if self.until:
            qs = qs.filter(month__lte=self.until)
        if self.outlet == NONE:
            qs = qs.filter(article_outlet__isnull=True)
        elif self.outlet is not None:
            qs = qs.filter(article_outlet_id=self.outlet)
        if self.editor == NONE:
            qs = qs.filter(editor__isnull=True)
        elif self.editor is not None:
            qs = qs.filter(editor_id=self.editor)
        if self.month:
            qs = qs.filter(month=self.month)
        if self.flag:
            qs = qs.filter(**{FLAG_FIELDS[self.flag]: True})
        return qs

    def query(self) -> str:
        """The query string that gives these filters back."""
        q = QueryDict(mutable=True)
        for key, value in (
            ("group", self.group),
            ("basis", "" if self.basis == VERIFIED_BASIS else self.basis),
            ("status", self.status),
            ("from", self.since and self.since.strftime("%Y-%m")),
            ("to", self.until and self.until.strftime("%Y-%m")),
            ("outlet", self.outlet),
            ("editor", self.editor),
            ("month", self.month and self.month.strftime("%Y-%m")),
            ("flag", self.flag),
        ):
            if value not in (None, ""):
                q[key] = str(value)
        return q.urlencode()

    def for_row(self, group: str, key: Any) -> Filters:
        """These filters narrowed to one group row."""
        if group == "month":
            return replace(self, month=key)
        return replace(self, **{group: NONE if key is None else key})

    @property
    def dashboard_filters(self) -> Filters:
        """Only what the dashboard's own form sets (status and month range)."""
        return Filters(
            group=self.group,
            basis=self.basis,
            status=self.status,
            since=self.since,
            until=self.until,
        )


class DashboardFilterForm(LenientForm):
    """The dashboard's query string: `group`, `basis` (verified, the default, or estimated),
    `status`, `from`/`to` (months) and a row's
    `outlet`, `editor` (an id or `none`), `month` and `flag`."""

    group = forms.ChoiceField(choices=[(key, key) for key in GROUPS], required=False)
    basis = forms.ChoiceField(choices=[(key, key) for key in BASIS_FILTERS], required=False)
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    outlet = IdField(none_value=NONE)
    editor = IdField(none_value=NONE)
    month = MonthField(required=False)
    flag = forms.ChoiceField(choices=FLAG_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The range's keys are Python keywords, so they cannot be declared above.
        self.fields["from"] = MonthField(required=False)
        self.fields["to"] = MonthField(required=False)

    def filters(self) -> Filters:
        """The filters the query string gives."""
        data = self.values()
        return Filters(
            group=data["group"] or "outlet",
            basis=data["basis"] or VERIFIED_BASIS,
            status=data["status"],
            since=data["from"],
            until=data["to"],
            outlet=data["outlet"],
            editor=data["editor"],
            month=data["month"],
            flag=data["flag"],
        )


# --- The review queue -------------------------------------------------------------------------


class QueueFilterForm(LenientForm):
    """The queue's filters: outlet and editor (ids), flag, and submitted since/until (days)."""

    outlet = IdField()
    editor = IdField()
    flag = forms.ChoiceField(choices=FLAG_CHOICES, required=False)
    since = DayField(required=False)
    until = DayField(required=False)

    def shown(self) -> dict[str, str]:
        """The filters as the queue's form shows them back (strings; a bad value: empty)."""
        return {name: _shown(value) for name, value in self.values().items()}


def _shown(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)
