"""The sourcing-quality dashboard (admins): the scorecard's figures across the corpus, by
outlet, editor or month, as SVG charts and a table, and the articles behind each row.

Aggregation is SQL over ArticleSourcing (one row per article, see annotations.stats): sums of
the SourcingCounts fields and counts of flagged articles per group in one query, then
`scorecard` per group row in Python, so a group's ratios are ratios of sums, as
docs/sourcing-quality.md defines them. Verified figures and the machine's estimates are shown
apart (the `basis` filter), never summed together.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from annotations.filters import (
    BASIS_FILTERS,
    GROUPS,
    NONE,
    VERIFIED_BASIS,
    DashboardFilterForm,
    Filters,
)
from annotations.models import ArticleSourcing, Basis
from annotations.pages.charts import Bar, hbar_chart, month_chart
from annotations.quality import SCORE_FORMULA, Figure, Scorecard, SourcingCounts, scorecard
from annotations.stats import COUNT_FIELDS, FLAG_CODES, FLAG_FIELDS, FLAG_NAMES, counts_of
from newsroom.models import Article, ArticleStatus, Outlet

CHART_ROWS = 30  # the largest groups; the table lists them all
ARTICLES_PER_PAGE = 50


def _sums() -> dict[str, Any]:
    """The aggregates of one group: every count summed, articles and flagged articles counted."""
    return {
        "articles": Count("pk"),
        **{name: Sum(name) for name in COUNT_FIELDS},
        "mean_score": Avg("score"),
        "scored": Count("pk", filter=Q(score__isnull=False)),
        "flagged": Count("pk", filter=Q(flag_count__gt=0)),
        **{column: Count("pk", filter=Q(**{column: True})) for column in FLAG_FIELDS.values()},
    }


def _narrowed(filters: Filters, *, keep_group: bool = False) -> list[tuple[str, str]]:
    """What a row's filters narrow to, in words, each with a link that drops it (at most two
    small queries: the outlet's and the editor's names)."""
    url = reverse("dashboard_articles" if keep_group else "dashboard")
    found = []
    if filters.outlet is not None:
        name = (
            "no outlet"
            if filters.outlet == NONE
            else Outlet.objects.filter(pk=filters.outlet).values_list("name", flat=True).first()
        )
        found.append((f"Outlet: {name or filters.outlet}", replace(filters, outlet=None)))
    if filters.editor is not None:
        name = (
            "nobody"
            if filters.editor == NONE
            else get_user_model()
            .objects.filter(pk=filters.editor)
            .values_list("username", flat=True)
            .first()
        )
        found.append((f"Editor: {name or filters.editor}", replace(filters, editor=None)))
    if filters.month:
        found.append((f"Month: {filters.month:%b %Y}", replace(filters, month=None)))
    if filters.flag:
        found.append((f"Flag: {FLAG_NAMES[filters.flag]}", replace(filters, flag="")))
    return [(words, f"{url}?{without.query()}") for words, without in found]


@dataclass
class GroupRow:
    """One table row: a group's summed counts, its scorecard and its flagged articles."""

    key: Any
    label: str
    card: Scorecard
    mean_score: float | None
    flagged: int
    flags: list[tuple[str, int, str]]  # (code, articles, link)
    link: str

    @property
    def counts(self) -> SourcingCounts:
        return self.card.counts

    @property
    def cells(self) -> list[tuple[str, str, str]]:
        """The six scored figures, compact for the table: (name, value, working)."""
        return [_cell(f) for f in self.card.scored_figures]

    @property
    def resting_cells(self) -> list[tuple[str, str, str]]:
        """What the words rest on, compact for its table: (name, value, working)."""
        return [_cell(f) for f in self.card.resting_figures]


def _cell(figure: Figure) -> tuple[str, str, str]:
    if figure.value is None:
        shown = "—"
    elif figure.key.endswith("_per_1000"):
        shown = f"{figure.value:.1f}"
    else:
        shown = f"{figure.value:.0%}"
    return (figure.name, shown, figure.working)


@dataclass
class Table:
    rows: list[GroupRow] = field(default_factory=list)
    total: GroupRow | None = None


def _label(group: str, key: Any, name: str | None) -> str:
    if group == "month":
        return key.strftime("%b %Y")
    if key is None:
        return "No outlet" if group == "outlet" else "Nobody"
    return name or str(key)


def _table(filters: Filters, group: str, rows: list[dict]) -> Table:
    """Scorecards per group row and for all of them (the counts add; one pass, no query)."""
    articles_url = reverse("dashboard_articles")
    key_column, name_column, _ = GROUPS[group]
    basis = Basis.VERIFIED if filters.basis == VERIFIED_BASIS else Basis.ESTIMATE
    table = Table()
    flag_totals = dict.fromkeys(FLAG_CODES, 0)
    weighted_score, scored = 0.0, 0  # the mean score is over articles that have one
    total = SourcingCounts(words=0, articles=0)
    for row in rows:
        key = row[key_column]
        counts = counts_of(row)
        narrowed = filters.for_row(group, key)
        link = f"{articles_url}?{narrowed.query()}"
        flags = []
        for code in FLAG_CODES:
            n = row[FLAG_FIELDS[code]]
            flag_totals[code] += n
            flags.append((code, n, f"{articles_url}?{replace(narrowed, flag=code).query()}"))
        table.rows.append(
            GroupRow(
                key=key,
                label=_label(group, key, row.get(name_column) if name_column else None),
                card=scorecard(counts, basis),
                mean_score=row["mean_score"],
                flagged=row["flagged"],
                flags=flags,
                link=link,
            )
        )
        total += counts
        weighted_score += (row["mean_score"] or 0) * row["scored"]
        scored += row["scored"]
    if table.rows:
        link = f"{articles_url}?{filters.query()}"
        table.total = GroupRow(
            key=None,
            label="All articles",
            card=scorecard(total, basis),
            mean_score=weighted_score / scored if scored else None,
            flagged=sum(r.flagged for r in table.rows),
            flags=[
                (code, n, f"{articles_url}?{replace(filters, flag=code).query()}")
                for code, n in flag_totals.items()
            ],
            link=link,
        )
    return table


def _group_rows(base: QuerySet, group: str) -> list[dict]:
    key_column, name_column, _ = GROUPS[group]
    columns = [key_column] + ([name_column] if name_column else [])
    order = [key_column] if group == "month" else [name_column, key_column]
    return list(base.values(*columns).annotate(**_sums()).order_by(*order))


def _score_text(score: int | None) -> str:
    return "no sources" if score is None else str(score)


def _charts(group: str, table: Table, months: Table) -> dict[str, Any]:
    what = {"outlet": "outlet", "editor": "editor", "month": "month"}[group]
    largest = sorted(table.rows, key=lambda r: -r.counts.articles)[:CHART_ROWS]
    if group == "month":
        largest = table.rows[-CHART_ROWS:]
    more = len(table.rows) - len(largest)
    note = f" The {len(largest)} largest of {len(table.rows)} are drawn." if more > 0 else ""
    anonymous = hbar_chart(
        chart_id="chart-anonymous",
        title=f"Anonymous share by {what}",
        description=(
            "Anonymous source mentions as a share of named and anonymous ones; the table below "
            "has the same figures." + note
        ),
        bars=[
            Bar(
                r.label,
                r.card.anonymous_share.value,
                r.card.anonymous_share.display,
                r.link,
                f"{r.label}: anonymous share {r.card.anonymous_share.display} "
                f"({r.counts.anonymous} of {r.counts.named + r.counts.anonymous})",
            )
            for r in largest
        ],
        maximum=1.0,
        tone="anonymous",
    )
    score = hbar_chart(
        chart_id="chart-score",
        title=f"Score by {what}",
        description="The score of each group's summed counts, out of 100." + note,
        bars=[
            Bar(
                r.label,
                r.card.score,
                _score_text(r.card.score),
                r.link,
                f"{r.label}: score {_score_text(r.card.score)} over {r.counts.articles} articles",
            )
            for r in largest
        ],
        maximum=100,
        tone="score",
    )
    recent = months.rows[-36:]
    trend = month_chart(
        chart_id="chart-months",
        title="Score and anonymous share by month",
        description=(
            "Columns: the month's score out of 100. Line: the month's anonymous share in per "
            "cent." + (" The last 36 months are drawn." if len(months.rows) > 36 else "")
        ),
        columns=[
            Bar(
                r.label,
                r.card.score,
                _score_text(r.card.score),
                r.link,
                f"{r.label}: score {_score_text(r.card.score)}, anonymous share "
                f"{r.card.anonymous_share.display}, {r.counts.articles} articles",
            )
            for r in recent
        ],
        line=[r.card.anonymous_share.value for r in recent],
    )
    return {"anonymous": anonymous, "score": score, "months": trend}


def _bases(filters: Filters) -> list[tuple[str, str, int, str]]:
    """Each basis the dashboard shows apart: (key, name, articles, link), with these filters
    (one query)."""
    rows = filters.apply(ArticleSourcing.objects.all(), any_basis=True)
    counts = rows.aggregate(
        **{key: Count("pk", filter=Q(basis__in=bases)) for key, (_, bases) in BASIS_FILTERS.items()}
    )
    return [
        (key, name, counts[key], f"{reverse('dashboard')}?{replace(filters, basis=key).query()}")
        for key, (name, _) in BASIS_FILTERS.items()
    ]


@require_GET
@permission_required("newsroom.review_article", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Sourcing quality by outlet, editor or month (admins): charts, a table, drill-down links."""
    filters = DashboardFilterForm(request.GET).filters()
    group = filters.group
    base = filters.apply(ArticleSourcing.objects.all())
    table = _table(filters, group, _group_rows(base, group))
    if group == "month":
        months = table
    else:
        months = _table(replace(filters, group="month"), "month", _group_rows(base, "month"))
    tabs = [
        (key, title, f"{reverse('dashboard')}?{replace(filters, group=key).query()}")
        for key, (_, _, title) in GROUPS.items()
    ]
    context = {
        "bases": _bases(filters),
        "unscored": Article.objects.filter(sourcing__isnull=True).count(),
        "filters": filters,
        "group": group,
        "group_title": GROUPS[group][2],
        "tabs": tabs,
        "narrowed": _narrowed(filters),
        "table": table,
        "charts": _charts(group, table, months) if table.rows else None,
        "statuses": ArticleStatus.choices,
        "flag_names": [(code, FLAG_NAMES[code]) for code in FLAG_CODES],
        "score_formula": SCORE_FORMULA,
    }
    return render(request, "annotations/dashboard.html", context)


@require_GET
@permission_required("newsroom.review_article", raise_exception=True)
def dashboard_articles(request: HttpRequest) -> HttpResponse:
    """The articles behind a dashboard row, riskiest first, with each one's score and flags."""
    filters = DashboardFilterForm(request.GET).filters()
    rows = (
        filters.apply(ArticleSourcing.objects.all())
        .select_related("article", "article_outlet", "editor")
        .defer("article__text")
        .by_risk()
    )
    page = Paginator(rows, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.flag_names = [FLAG_NAMES[c] for c, col in FLAG_FIELDS.items() if getattr(row, col)]
    context = {
        "narrowed": _narrowed(filters, keep_group=True),
        "filters": filters,
        "page": page,
        "query": filters.query(),
        "back": f"{reverse('dashboard')}?{filters.dashboard_filters.query()}",
        "flag_name": FLAG_NAMES.get(filters.flag, ""),
        "status_name": dict(ArticleStatus.choices).get(filters.status, ""),
    }
    return render(request, "annotations/dashboard_articles.html", context)
