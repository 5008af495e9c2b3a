"""Benchmark `manage.py export_corpus` on real-length news, against the database's own speed.

What it measures
    It builds a corpus of N articles (default 10,000): the Wikinews articles shipped with the
    tests, cycled and made unique (bench/wikinews.py; ~22,000 characters each), stored with
    PostgreSQL's COPY, with S spans each (default 40, spread over the text: half entity
    mentions, half sourcing claims, every fourth claim a cue linked to the claim before it
    and every named source linked to its entity; set-based SQL) and each article's figures
    row (`manage.py refresh_sourcing`, as analysis leaves it), then exports it with the
    real command, `python manage.py export_corpus -o FILE.jsonl --no-progress`, run as a
    fresh subprocess:

    - with a filter that selects nothing (start-up cost: Python, Django, the connection),
    - with the first N/10 articles in the database,
    - with all N,

    and prints for each the wall-clock time, the file's size, megabytes per second (with
    start-up, and without: minus the empty run) and the peak resident memory of the export
    process (ru_maxrss from os.wait4).

    Then the database's own baseline, in the same run, on the same rows: `COPY (SELECT id,
    title, text FROM newsroom_article ORDER BY id) TO STDOUT`, read by this process with
    psycopg, for the N/10 and the N articles; it prints its MB/s and the export's MB/s
    (without start-up) as a fraction of it. The export writes more than the baseline reads
    (entities, claims, sources, scorecards): each is measured in its own bytes. Figures only:
    it never fails on time. manage.py runs with DEBUG=true unless DEBUG is set, as under make.

The scratch database
    Never the database you work in: `<name>_export_bench` on the PostgreSQL server of
    DATABASE_URL (or --database-url), dropped, created and migrated first and dropped at the
    end. PostgreSQL only: the target is for a team's server.

Run it (from the project root)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/export_bench.py                     # N = 10,000
    ... bench/export_bench.py --n 100000 --keep                    # keep the files
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wikinews
from scratch import MANAGE, ScratchDatabase, child_env

ROOT = Path(__file__).resolve().parent.parent
# Progress lines show as they happen, also when the output goes to a file.
sys.stdout.reconfigure(line_buffering=True)
ARTICLE_COLUMNS = (
    "title", "text", "outlet_id", "url", "byline", "published_at", "language", "content_hash",
    "status", "created_at", "updated_at", "version", "analysis_state", "analysis_error",
    "analysed_at",
)  # fmt: skip
STATUSES = ("draft", "in_review", "changes_requested", "approved")


def build_corpus(url: str, first: int, last: int, spans: int) -> None:
    """Store articles first..last (numbers, not ids) with their spans."""
    import hashlib
    from datetime import UTC, datetime

    import psycopg

    mentions, claims = spans // 2, spans - spans // 2
    now = datetime.now(UTC)
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET LOCAL synchronous_commit = off")
        outlet = conn.execute(
            "INSERT INTO newsroom_outlet (name, domain) VALUES (%s, '') "
            "ON CONFLICT DO NOTHING RETURNING id",
            [wikinews.OUTLET],
        ).fetchone()
        if outlet is None:
            outlet = conn.execute(
                "SELECT id FROM newsroom_outlet WHERE name = %s", [wikinews.OUTLET]
            ).fetchone()
        before = conn.execute("SELECT coalesce(max(id), 0) FROM newsroom_article").fetchone()[0]
        copy_sql = f"COPY newsroom_article ({', '.join(ARTICLE_COLUMNS)}) FROM STDIN"
        with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for number in range(first, last + 1):
                a = wikinews.article(number)
                digest = hashlib.sha256(a["text"].encode()).hexdigest()
                copy.write_row((
                    a["title"], a["text"], outlet[0], a["url"], "", a["published_at"], "en",
                    digest, STATUSES[number % 4], now, now, 1, "done", "", now,
                ))  # fmt: skip
        # Spans spread evenly over each text, 12 code points long.
        conn.execute(
            f"""
            INSERT INTO entities_entitymention (
                article_id, start, "end", label, origin, status, model_name, model_version,
                created_by_id, updated_by_id, created_at, updated_at)
            SELECT a.id, s.start, s.start + 12,
                (ARRAY['PERSON','ORG','GPE','NORP'])[1 + mod(i, 4)], 'model',
                (ARRAY['suggested','accepted'])[1 + mod(i, 2)], 'en_core_web_sm', '3.8.0',
                NULL, NULL, now(), now()
            FROM newsroom_article a, generate_series(0, {mentions - 1}) i,
                LATERAL (SELECT (length(a.text) - 60) * i / {spans} AS start) s
            WHERE a.id > %(before)s::bigint
            """,  # noqa: S608 (numbers and constants only)
            {"before": before},
        )
        conn.execute(
            f"""
            WITH labels AS (SELECT array_agg(id ORDER BY "order", slug) AS ids
                            FROM annotations_label)
            INSERT INTO annotations_claim (
                article_id, start, "end", label_id, author_id, origin, status,
                anonymity_reason, affiliation, source_count, note, source_mention_id,
                source_claim_id, created_at, updated_at, version)
            SELECT a.id, s.start, s.start + 25,
                (SELECT ids FROM labels)[1 + mod(i, 7)], NULL,
                (ARRAY['rule','editor'])[1 + mod(i, 2)],
                (ARRAY['suggested','accepted','accepted'])[1 + mod(i, 3)],
                CASE WHEN mod(i, 7) = 1 THEN 'not authorised to speak' ELSE '' END,
                '', NULL, '', NULL, NULL, now(), now(), 1
            FROM newsroom_article a, generate_series(0, {claims - 1}) i,
                LATERAL (SELECT (length(a.text) - 60) * (i + {mentions}) / {spans} AS start) s
            WHERE a.id > %(before)s::bigint
            """,  # noqa: S608 (numbers and constants only)
            {"before": before},
        )
        # Links: every seventh claim (a named source) to the entity with the same rank; the
        # claims four and five in seven (denial, no comment) to the claim before them.
        conn.execute(
            """
            WITH m AS (SELECT id, article_id, row_number() OVER w AS n FROM entities_entitymention
                       WHERE article_id > %(before)s::bigint
                       WINDOW w AS (PARTITION BY article_id ORDER BY start)),
                 c AS (SELECT id, article_id, row_number() OVER w AS n FROM annotations_claim
                       WHERE article_id > %(before)s::bigint
                       WINDOW w AS (PARTITION BY article_id ORDER BY start))
            UPDATE annotations_claim t SET source_mention_id = m.id
            FROM c JOIN m ON m.article_id = c.article_id AND m.n = c.n
            WHERE t.id = c.id AND mod(c.n - 1, 7) = 0
            """,
            {"before": before},
        )
        conn.execute(
            """
            WITH c AS (SELECT id, article_id, row_number() OVER w AS n,
                              lag(id) OVER w AS previous FROM annotations_claim
                       WHERE article_id > %(before)s::bigint
                       WINDOW w AS (PARTITION BY article_id ORDER BY start))
            UPDATE annotations_claim t SET source_claim_id = c.previous
            FROM c WHERE t.id = c.id AND mod(c.n - 1, 7) IN (3, 4)
            """,
            {"before": before},
        )
        conn.commit()
        conn.execute("ANALYZE")


def refresh_figures(url: str) -> None:
    """Every article's figures row, as analysis leaves it (the real command)."""
    command = [sys.executable, str(MANAGE), "refresh_sourcing", "--all", "--no-progress"]
    subprocess.run(command, cwd=ROOT, env=child_env(url), check=True, capture_output=True)


def baseline(url: str, articles: int) -> tuple[float, float]:
    """(seconds, MB) of `COPY (SELECT id, title, text ...) TO STDOUT` over the first articles."""
    import psycopg
    from psycopg import sql

    # COPY takes no parameters: the number goes in as a literal.
    query = sql.SQL(
        "COPY (SELECT id, title, text FROM newsroom_article ORDER BY id LIMIT {}) TO STDOUT"
    ).format(sql.Literal(articles))
    size = 0
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        start = time.perf_counter()
        with cursor.copy(query) as copy:
            for block in copy:
                size += len(block)
        return time.perf_counter() - start, size / 1e6


@dataclass
class Run:
    label: str
    articles: int
    seconds: float
    megabytes: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.megabytes / self.seconds


def run_export(label: str, path: Path, articles: int, url: str, extra: list[str]) -> Run:
    """Export with the real command in a fresh process; time it and read its peak RSS."""
    command = [sys.executable, str(MANAGE), "export_corpus", "-o", str(path), "--no-progress"]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command + extra, cwd=ROOT, env=child_env(url), stdout=out, stderr=out
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        output = out.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0 or f"Exported {articles} article" not in output:
        raise SystemExit(f"{label}: the export did not write {articles} articles:\n{output}")
    size = path.stat().st_size / 1e6
    return Run(label, articles, seconds, size, usage.ru_maxrss / 1024)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="articles (default 10,000)")
    parser.add_argument("--spans", type=int, default=40, help="spans per article (default 40)")
    parser.add_argument("--keep", action="store_true", help="keep the exported files")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL server to benchmark on (default: $DATABASE_URL)",
    )
    args = parser.parse_args(argv)
    if args.n < 10:
        parser.error("--n must be at least 10")
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql", "pgsql", "psql"):
        parser.error("needs a PostgreSQL DATABASE_URL (or --database-url)")

    workdir = Path(tempfile.mkdtemp(prefix="export-bench-"))
    database = ScratchDatabase.for_url(args.database_url, workdir, suffix="_export_bench")
    psql_url = urlunsplit(urlsplit(database.url)._replace(scheme="postgresql"))
    small = args.n // 10
    print(f"export_corpus benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"Database: {database.description}")
    print(f"DEBUG={child_env(database.url)['DEBUG']} in manage.py")
    runs, bare = [], {}
    try:
        database.reset()
        start = time.perf_counter()
        build_corpus(psql_url, 1, small, args.spans)
        refresh_figures(database.url)
        print(
            f"Built {small:,} articles x {args.spans} spans in {time.perf_counter() - start:.1f} s"
        )
        runs.append(run_export("start-up", workdir / "none.jsonl", 0, database.url,
                               ["--outlet", "no such outlet"]))  # fmt: skip
        runs.append(run_export("N/10", workdir / f"corpus-{small}.jsonl", small, database.url, []))
        bare[small] = baseline(psql_url, small)
        start = time.perf_counter()
        build_corpus(psql_url, small + 1, args.n, args.spans)
        refresh_figures(database.url)
        print(
            f"Built {args.n - small:,} more articles in {time.perf_counter() - start:.1f} s "
            f"({args.n:,} in all)"
        )
        runs.append(run_export("N", workdir / f"corpus-{args.n}.jsonl", args.n, database.url, []))
        bare[args.n] = baseline(psql_url, args.n)
    finally:
        database.drop()
        if args.keep:
            print(f"Kept the exported files in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    startup, tenth, full = runs
    print()
    print(
        f"{'run':<10}{'articles':>10}{'MB':>9}{'seconds':>10}{'MB/s':>8}"
        f"{'w/o start-up':>14}{'peak RSS':>11}{'COPY MB/s':>11}{'ratio':>8}"
    )
    for run in runs:
        rate = net = base = ratio = "-"
        if run.articles:
            rate = f"{run.rate:.1f}"
            net_rate = run.megabytes / max(run.seconds - startup.seconds, 1e-3)
            seconds, megabytes = bare[run.articles]
            net, base = f"{net_rate:.1f}", f"{megabytes / seconds:.1f}"
            ratio = f"{net_rate / (megabytes / seconds):.2f}"
        print(
            f"{run.label:<10}{run.articles:>10,}{run.megabytes:>9,.0f}{run.seconds:>10.2f}"
            f"{rate:>8}{net:>14}{run.peak_rss_mb:>8.0f} MB{base:>11}{ratio:>8}"
        )
    print()
    print("baseline: COPY (SELECT id, title, text FROM newsroom_article ...) TO STDOUT, same rows")
    print(
        f"N vs N/10: rate x{full.rate / tenth.rate:.2f}, "
        f"peak memory x{full.peak_rss_mb / tenth.peak_rss_mb:.2f} (near 1: flat with N)"
    )
    print(
        "Targets (docs/performance.md): >= 0.5 x the baseline; peak memory under 200 MB, flat in N."
    )


if __name__ == "__main__":
    main()
