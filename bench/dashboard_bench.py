"""Benchmark the sourcing-quality dashboard and the review queue on a large corpus.

What it measures
    It builds --articles articles (default 100,000) and --claims-per-article claims each
    (default 10: a million claims) in a scratch PostgreSQL database with set-based SQL
    (INSERT … SELECT over generate_series, no ORM row by row): 20 outlets, 20 editors,
    publication dates over three years, statuses 30 % draft, 10 % in review, 10 % changes
    requested, 50 % approved (each submitted one with a submit event), the seven labels in
    proportions that differ by outlet, 80 % of the claims accepted, 15 % open suggestions,
    5 % rejected. Then it fills ArticleSourcing with the real `article_sourcing_refresh`
    (timed: what `manage.py refresh_sourcing --all` does) and, with Django's test client
    logged in as an admin, requests --repeat times each:

    - the article list (the baseline, measured in the same run);
    - the dashboard by outlet, by editor and by month, and by outlet with a status and
      month-range filter;
    - the articles behind one dashboard row (one outlet, riskiest first);
    - the review queue's first page (riskiest first), and filtered by outlet, by editor
      (submitter or assignee) and by flag.

    It prints each one's median and 90th percentile server time, its ratio to the baseline,
    its SQL queries and its page size. Figures only: it never fails on time. Target (issue):
    the dashboard and the queue under 300 ms.

The scratch database
    `<name>_dashboard_bench` on the PostgreSQL server of DATABASE_URL (or --database-url),
    dropped, created and migrated first and dropped at the end (--keep keeps it). The
    figures are for PostgreSQL; on SQLite the script refuses (the bulk load is PostgreSQL
    SQL).

Run it (from the project root; alone: it loads two cores for a minute or two)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom \\
        .venv/bin/python bench/dashboard_bench.py
    … --articles 10000 --repeat 10     # a quick run
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from scratch import ScratchDatabase  # noqa: E402
from timing import summary, timed  # noqa: E402

OUTLETS = 20
EDITORS = 20
# Label mix in per cent (cumulative bounds are computed): named, anonymous, outlet, denial,
# no comment, hedge, unattributed. Each outlet shifts anonymous up by up to 19 points.
LABEL_MIX = [
    ("named_source", 32),
    ("anonymous_source", 18),
    ("outlet", 10),
    ("denial", 8),
    ("no_comment", 5),
    ("hedge", 17),
    ("unattributed", 10),
]
SENTENCE = "Officials said the plan would go ahead. "  # 7 words


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--claims-per-article", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    database = ScratchDatabase.for_url(args.database_url, workdir, suffix="_dashboard_bench")
    if database.vendor != "postgresql":
        raise SystemExit("dashboard_bench needs PostgreSQL: set DATABASE_URL=postgres://…")
    print(f"database: {database.description}")
    database.reset(search_index=False)  # the list's search is not measured; loads faster
    os.environ.update(
        DATABASE_URL=database.url,
        DEBUG="true",
        TASKS_BACKEND="django.tasks.backends.dummy.DummyBackend",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database.drop()


def build(args: argparse.Namespace) -> tuple[list[int], list[int]]:
    """Outlets, editors, articles, claims and submit events, set-based; return the ids of
    the outlets and editors."""
    from django.db import connection

    from annotations.models import Label
    from newsroom.accounts import user_create
    from newsroom.models import Outlet

    outlets = [Outlet.objects.create(name=f"Outlet {i:02d}").pk for i in range(OUTLETS)]
    editors = [user_create(username=f"editor{i:02d}", role="editor")[0].pk for i in range(EDITORS)]
    labels = dict(Label.objects.values_list("slug", "pk"))
    n, per = args.articles, args.claims_per_article
    with connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(
            """
            INSERT INTO newsroom_article (
                title, text, outlet_id, url, byline, published_at, language, content_hash,
                status, created_by_id, created_at, updated_at, version, analysis_state,
                analysis_error)
            SELECT 'Bench article ' || i,
                   'Bench article ' || i || E'.\\n\\n' || repeat(%(sentence)s, 20 + i %% 60),
                   (%(outlets)s::int[])[1 + i %% %(n_outlets)s],
                   '', '',
                   CASE WHEN i %% 10 <> 0
                        THEN timestamptz '2022-01-01' + (i %% 1096) * interval '1 day' END,
                   'en', md5('bench article ' || i),
                   CASE WHEN i %% 10 < 3 THEN 'draft' WHEN i %% 10 = 3 THEN 'in_review'
                        WHEN i %% 10 = 4 THEN 'changes_requested' ELSE 'approved' END,
                   (%(editors)s::int[])[1 + (i * 7) %% %(n_editors)s],
                   timestamptz '2022-01-01' + (i %% 1096) * interval '1 day'
                       + (i %% 86400) * interval '1 second',
                   now() - (i %% 5000) * interval '1 minute', 1, 'done', ''
            FROM generate_series(1, %(n)s) AS i
            """,
            {
                "sentence": SENTENCE,
                "outlets": outlets,
                "n_outlets": len(outlets),
                "editors": editors,
                "n_editors": len(editors),
                "n": n,
            },
        )
        # Claim k of article a: a label from the mix (shifted by outlet), on the k-th
        # sentence's first word; 80 % accepted, 15 % suggested (no author), 5 % rejected.
        thresholds, total = [], 0
        for _, share in LABEL_MIX[:-1]:
            total += share
            thresholds.append(total)
        cur.execute(
            """
            INSERT INTO annotations_claim (
                article_id, start, "end", label_id, author_id, origin, status,
                anonymity_reason, affiliation, note, created_at, updated_at, version)
            SELECT a.id, s.start, s.start + 9, s.label_id,
                   CASE WHEN s.st = 'suggested' THEN NULL ELSE a.created_by_id END,
                   CASE WHEN s.st = 'accepted' AND s.h %% 3 = 0 THEN 'editor' ELSE 'rule' END,
                   s.st,
                   CASE WHEN s.label_id = %(anonymous)s AND s.h %% 2 = 0
                        THEN 'not authorised to speak' ELSE '' END,
                   '', '', a.created_at, a.created_at, 1
            FROM newsroom_article a
            CROSS JOIN LATERAL (
                SELECT length('Bench article ' || a.id || E'.\n\n') + 40 * k AS start,
                       (%(labels)s::int[])[1 + width_bucket(b, %(thresholds)s::int[])]
                           AS label_id,
                       h,
                       CASE WHEN h %% 20 < 16 THEN 'accepted' WHEN h %% 20 < 19 THEN 'suggested'
                            ELSE 'rejected' END AS st
                FROM generate_series(0, %(per)s - 1) AS k,
                     LATERAL (SELECT abs(hashtext(a.id || '-' || k)) AS h) AS hh,
                     LATERAL (SELECT CASE
                         WHEN h %% 100 < 50 THEN (h %% 100 + (a.outlet_id %% 20)) %% 100
                         ELSE h %% 100 END AS b) AS bb
            ) AS s
            """,
            {
                "per": per,
                "anonymous": labels["anonymous_source"],
                "labels": [labels[slug] for slug, _ in LABEL_MIX],
                "thresholds": thresholds,
            },
        )
        cur.execute(
            """
            INSERT INTO annotations_reviewevent (
                article_id, actor_id, action, status_before, status_after, comment, created_at)
            SELECT id, created_by_id, 'submit', 'draft', 'in_review', '',
                   created_at + interval '2 days'
            FROM newsroom_article WHERE status <> 'draft'
            """
        )
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM newsroom_article")
        (articles,) = cur.fetchone()
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'accepted') FROM annotations_claim"
        )
        claims, accepted = cur.fetchone()
    print(
        f"built {articles:,} articles, {claims:,} claims ({accepted:,} accepted) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return outlets, editors


def fill(articles: int) -> None:
    from django.db import connection, reset_queries

    from annotations.stats import article_sourcing_refresh, chunked
    from newsroom.models import Article

    started = time.perf_counter()
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for batch in chunked(ids, 5000):
        article_sourcing_refresh(article_ids=batch)
        reset_queries()
    seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("ANALYZE annotations_articlesourcing")
        cur.execute("SELECT count(*), sum(flag_count), avg(score) FROM annotations_articlesourcing")
        rows, flags, score = cur.fetchone()
    print(
        f"article_sourcing_refresh: {rows:,} rows in {seconds:.1f} s "
        f"({rows / seconds:,.0f} articles/s); {flags:,} flags, mean score {score:.1f}"
    )


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from newsroom.accounts import user_create

    setup_test_environment()  # lets the client see the rendered response
    outlets, editors = build(args)
    fill(args.articles)
    admin, _ = user_create(username="bench-admin", role="admin")
    client = Client()
    client.force_login(admin)

    dashboard, articles, queue = (
        reverse("dashboard"),
        reverse("dashboard_articles"),
        reverse("review_queue"),
    )
    pages = [
        ("dashboard by outlet", dashboard, {"group": "outlet"}),
        ("dashboard by editor", dashboard, {"group": "editor"}),
        ("dashboard by month", dashboard, {"group": "month"}),
        (
            "dashboard by outlet, approved 2023",
            dashboard,
            {"group": "outlet", "status": "approved", "from": "2023-01", "to": "2023-12"},
        ),
        ("articles behind one outlet row", articles, {"group": "outlet", "outlet": outlets[3]}),
        ("queue, first page", queue, {}),
        ("queue by outlet", queue, {"outlet": outlets[3]}),
        ("queue by editor", queue, {"editor": editors[1]}),
        ("queue by flag (no right of reply)", queue, {"flag": "no_right_of_reply"}),
    ]

    def get(url: str, params: dict) -> object:
        response = client.get(url, params)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def measure(url: str, params: dict) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = get(url, params)
        return len(ctx.captured_queries), len(response.content)

    list_url = reverse("article_list")
    for _ in range(2):  # warm caches: templates, the connection, PostgreSQL's buffers
        get(list_url, {})
        for _, url, params in pages:
            get(url, params)
    baseline = timed(args.repeat, lambda _: get(list_url, {}))
    base = statistics.median(baseline)
    print(f"{args.repeat} requests each, server time in this process (Django test client):")
    print(summary("article list (baseline)", baseline, None, *measure(list_url, {}), width=36))
    for name, url, params in pages:
        times = timed(args.repeat, lambda _, url=url, params=params: get(url, params))
        print(summary(name, times, base, *measure(url, params), width=36))
    print("target: dashboard and queue < 300 ms (PostgreSQL, this machine)")


if __name__ == "__main__":
    main()
