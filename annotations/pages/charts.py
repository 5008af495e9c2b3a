"""Server-rendered SVG charts for the dashboard: no JavaScript, no inline styles (the CSP
forbids them), every mark a link to the articles behind it with a <title> tooltip, and the
chart labelled for screen readers. The page's table carries the same numbers.

Built with format_html, so every label (outlet names, usernames) is escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640  # the month chart spans the page
BAR_WIDTH = 420  # a bar chart takes half of it, drawn about 1:1
LABEL_W = 130
VALUE_W = 44
BAR_H = 16
ROW_H = 22
LABEL_CHARS = 20


@dataclass(frozen=True)
class Bar:
    """One labelled value of a chart; `value` None draws no bar and says "—"."""

    label: str
    value: float | None  # in the chart's unit, 0..maximum
    display: str
    href: str
    tooltip: str = ""


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def hbar_chart(
    *, chart_id: str, title: str, description: str, bars: list[Bar], maximum: float, tone: str
) -> SafeString:
    """Horizontal bars, one row per bar, scaled to `maximum`; `tone` picks the CSS class."""
    area = BAR_WIDTH - LABEL_W - VALUE_W
    height = max(1, len(bars)) * ROW_H + 8
    rows = []
    for i, bar in enumerate(bars):
        y = 4 + i * ROW_H
        width = 0.0 if bar.value is None else max(0.0, min(1.0, bar.value / maximum)) * area
        rows.append(
            format_html(
                '<a href="{}" class="chart-row"><title>{}</title>'
                '<text x="{}" y="{}" class="chart-label" text-anchor="end">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="chart-track"></rect>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar {}"></rect>'
                '<text x="{}" y="{}" class="chart-value">{}</text></a>',
                bar.href,
                bar.tooltip or f"{bar.label}: {bar.display}",
                LABEL_W - 8,
                y + BAR_H - 4,
                _short(bar.label),
                LABEL_W,
                y,
                f"{area:.0f}",
                BAR_H,
                LABEL_W,
                y,
                f"{width:.1f}",
                BAR_H,
                tone,
                LABEL_W + area + 6,
                y + BAR_H - 4,
                bar.display,
            )
        )
    return format_html(
        '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img"'
        ' aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        chart_id,
        BAR_WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        format_html_join("", "{}", ((r,) for r in rows)),
    )


def month_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    columns: list[Bar],
    line: list[float | None],
) -> SafeString:
    """Columns (e.g. the score, 0–100) per month with a line (e.g. anonymous share, 0–100 %)
    over them, on one 0–100 scale; the months label the x axis."""
    top, bottom, left, right = 12, 36, 34, 8
    plot_h = 160
    height = top + plot_h + bottom
    n = max(1, len(columns))
    step = (WIDTH - left - right) / n
    col_w = max(2.0, step * 0.6)

    def y_of(v: float) -> float:
        return top + plot_h * (1 - max(0.0, min(100.0, v)) / 100)

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-grid"></line>'
        '<text x="{}" y="{}" class="chart-axis" text-anchor="end">{}</text>',
        (
            (left, WIDTH - right, f"{y_of(v):.1f}", f"{y_of(v):.1f}", left - 4, y_of(v) + 4, v)
            for v in (0, 25, 50, 75, 100)
        ),
    )
    # Label every month when they fit (about 48 px each), else every k-th.
    every = math.ceil(n / ((WIDTH - left - right) // 48))
    cols = []
    points = []
    for i, (col, value) in enumerate(zip(columns, line, strict=True)):
        cx = left + step * i + step / 2
        if col.value is not None:
            y = y_of(col.value)
            bar = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar score-col"></rect>',
                f"{cx - col_w / 2:.1f}",
                f"{y:.1f}",
                f"{col_w:.1f}",
                f"{top + plot_h - y:.1f}",
            )
        else:
            bar = ""
        axis = (
            format_html(
                '<text x="{}" y="{}" class="chart-axis" text-anchor="middle">{}</text>',
                f"{cx:.1f}",
                top + plot_h + 16,
                _short(col.label),
            )
            if i % every == 0
            else ""
        )
        cols.append(
            format_html(
                '<a href="{}" class="chart-row"><title>{}</title>{}{}</a>',
                col.href,
                col.tooltip or f"{col.label}: {col.display}",
                bar,
                axis,
            )
        )
        if value is not None:
            points.append((cx, y_of(value * 100)))
    polyline = (
        format_html(
            '<polyline points="{}" class="chart-line"></polyline>{}',
            " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="3" class="chart-dot"></circle>',
                ((f"{x:.1f}", f"{y:.1f}") for x, y in points),
            ),
        )
        if points
        else ""
    )
    return format_html(
        '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img"'
        ' aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}{}{}</svg>',
        chart_id,
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        grid,
        format_html_join("", "{}", ((c,) for c in cols)),
        polyline,
    )
