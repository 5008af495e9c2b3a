"""The export commands' shared options: the filters the Export page's form has, and which
claims a file holds (accepted ones unless `--include-suggestions`: the rule is
`annotations.exchange.export.exported_statuses`, the same for the page and the API)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from annotations.exchange.export import ExportFilters
from newsroom.models import ArticleStatus


def add_export_filters(parser: argparse.ArgumentParser) -> None:
    """Add the export's filters and `--include-suggestions` to a command's parser."""
    parser.add_argument("--status", choices=ArticleStatus.values, help="only articles in it")
    parser.add_argument("--outlet", help="outlet name (case-insensitive)")
    parser.add_argument("--from", dest="published_from", type=date.fromisoformat,
                        help="published on or after this date (YYYY-MM-DD)")  # fmt: skip
    parser.add_argument("--to", dest="published_to", type=date.fromisoformat,
                        help="published on or before this date (YYYY-MM-DD)")  # fmt: skip
    parser.add_argument("--label", action="append", default=[],
                        help="articles with a claim of this label (repeatable)")  # fmt: skip
    parser.add_argument("--editor", help="articles assigned to or annotated by this username")
    claims = parser.add_mutually_exclusive_group()
    claims.add_argument(
        "--include-suggestions",
        action="store_true",
        help="also the rules' open suggestions (and, in Newsroom JSON, rejected claims with "
        "their status); by default a file holds accepted claims only",
    )
    # The default since accepted-only became it; kept so that older scripts still run.
    claims.add_argument("--accepted-only", action="store_true", help=argparse.SUPPRESS)


def export_filters(options: dict[str, Any]) -> ExportFilters:
    """The filters a command's options give."""
    return ExportFilters(
        status=options["status"] or "",
        outlet=options["outlet"] or "",
        published_from=options["published_from"],
        published_to=options["published_to"],
        labels=tuple(options["label"]),
        editor=options["editor"] or "",
        include_suggestions=options["include_suggestions"],
    )
