"""Benchmark `manage.py export_corpus`: megabytes per second and peak memory of a JSONL export.

What it measures
    It builds a corpus of N articles (default 100,000; ~4.5 KB of text each, with accents,
    CJK and emoji so the UTF-8 encoder works, every text unique) with S spans each (default
    40: half entity mentions, half sourcing claims, every fourth claim a cue linked to the
    source before it and every source linked to its entity) directly in PostgreSQL with
    set-based SQL (INSERT ... SELECT over generate_series: seconds, not hours of ORM calls),
    then exports it with the real command, `python manage.py export_corpus -o FILE.jsonl
    --no-progress`, run as a fresh subprocess:

    - with a filter that selects nothing (start-up cost: Django, settings, connection),
    - with the first N/10 articles in the database,
    - with all N,

    and prints for each the wall-clock time, the file's size, megabytes per second (with
    start-up, and without: minus the empty run), and the peak resident memory of the export
    process (ru_maxrss from os.wait4), then the N against N/10 ratios: a memory ratio near 1
    means memory does not grow with the corpus. It prints figures only and never fails on
    time. manage.py runs with DEBUG=true unless DEBUG is set, as under make.

The scratch database
    Never the database you work in: `<name>_export_bench` on the PostgreSQL server of
    DATABASE_URL (or --database-url), dropped, created and migrated first and dropped at the
    end. The full-text GIN index is dropped there (export never searches; it only slows the
    bulk insert). PostgreSQL only: the target is for a team's server.

Run it (from the project root)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/export_bench.py                     # N = 100,000
    ... bench/export_bench.py --n 10000 --keep                     # quick; keep the files
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
from scratch import MANAGE, ScratchDatabase, child_env

ROOT = Path(__file__).resolve().parent.parent
# Progress lines show as they happen, also when the output goes to a file.
sys.stdout.reconfigure(line_buffering=True)

# Sentences the texts are drawn from (by arithmetic on the article and sentence number).
SENTENCES = (
    "Amelia Okafor, the finance minister, said on Tuesday that the budget would be delayed.",
    '"This plan is long overdue, and people in Lagos deserve better," said Chloé Moreau.',
    "According to figures published by the National Statistics Office, 4,210 workers were "
    "laid off in 2023.",
    "Officials in São Paulo, who asked not to be named because they were not authorised to "
    "speak, said the talks had stalled.",
    "The ministry declined to comment on the report.",
    "Zoë Nakamura 👩🏽‍🔬 described the rail upgrade as “a step in the right direction”.",
    "東京の当局者は、計画が遅れる可能性があると述べた。",
    "Критики, в том числе Дмитрий Петров, говорят, что план обойдётся дороже. 🔥",
    "The plan allegedly breached commitments made in 2019, opposition members said.",
    "It was not immediately clear whether the Port Authority had been consulted.",
    "Siobhán O'Brien of the Red Cross said 1,200 families had been rehoused since March.",
    "Mehmet Yilmaz told Reuters in an interview in Ankara that the figures were accurate.",
    "A spokesperson for the mayor denied that the cost had been underestimated by €40 million.",
    "The announcement comes a week after the collapse of talks in Brussels. 🇪🇺",
)
SENTENCES_PER_TEXT = 48


def _sql_literal_array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def build_corpus(url: str, first: int, last: int, spans: int) -> None:
    """Insert articles first..last (numbers, not ids) with their spans, in set-based SQL."""
    import psycopg

    n_sent = len(SENTENCES)
    mentions, claims = spans // 2, spans - spans // 2
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET LOCAL synchronous_commit = off")
        conn.execute(
            "INSERT INTO newsroom_outlet (name, domain) SELECT 'Outlet ' || g, '' "
            "FROM generate_series(1, 20) g ON CONFLICT DO NOTHING"
        )
        before = conn.execute("SELECT coalesce(max(id), 0) FROM newsroom_article").fetchone()[0]
        # Each text: the article number, then sentences picked by (g, i) arithmetic.
        conn.execute(
            f"""
            WITH s AS (SELECT {_sql_literal_array(SENTENCES)} AS a),
            t AS (
                SELECT g, 'Report ' || g || '. ' || array_to_string(ARRAY(
                    SELECT (SELECT a FROM s)[1 + mod(g * 7 + i * i * 13 + i, {n_sent})]
                    FROM generate_series(1, {SENTENCES_PER_TEXT}) i
                ), ' ') || E'\\n' AS text
                FROM generate_series(%(first)s::int, %(last)s::int) g
            )
            INSERT INTO newsroom_article (
                title, text, outlet_id, url, byline, published_at, language, content_hash,
                status, created_by_id, created_at, updated_at, version, analysis_state,
                analysis_error, analysis_started_at, analysed_at)
            SELECT 'Story number ' || g, text,
                (SELECT min(id) FROM newsroom_outlet) + mod(g, 20),
                'https://news.example/' || g, 'By Staff', timestamptz '2015-01-01' + g * interval
                '37 minutes', 'en', encode(sha256(convert_to(text, 'UTF8')), 'hex'),
                (ARRAY['draft','in_review','changes_requested','approved'])[1 + mod(g, 4)],
                NULL, now(), now(), 1, 'done', '', NULL, now()
            FROM t ORDER BY g
            """,  # noqa: S608 (numbers and constants only)
            {"first": first, "last": last},
        )
        # Spans every 100 code points; the first sentence is longer than that on every text.
        conn.execute(
            f"""
            INSERT INTO entities_entitymention (
                article_id, start, "end", label, origin, status, model_name, model_version,
                created_by_id, updated_by_id, created_at, updated_at)
            SELECT a.id, i * 100, i * 100 + 12,
                (ARRAY['PERSON','ORG','GPE','NORP'])[1 + mod(i, 4)], 'model',
                (ARRAY['suggested','accepted'])[1 + mod(i, 2)], 'en_core_web_sm', '3.8.0',
                NULL, NULL, now(), now()
            FROM newsroom_article a, generate_series(0, {mentions - 1}) i
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
            SELECT a.id, i * 100 + 20, i * 100 + 45,
                (SELECT ids FROM labels)[1 + mod(i, 7)], NULL,
                (ARRAY['rule','editor'])[1 + mod(i, 2)],
                (ARRAY['suggested','accepted','accepted'])[1 + mod(i, 3)],
                CASE WHEN mod(i, 7) = 1 THEN 'not authorised to speak' ELSE '' END,
                '', NULL, '', NULL, NULL, now(), now(), 1
            FROM newsroom_article a, generate_series(0, {claims - 1}) i
            WHERE a.id > %(before)s::bigint
            """,  # noqa: S608 (numbers and constants only)
            {"before": before},
        )
        # Links: a named source (label 1) to the entity just before it; a cue (labels 4
        # and 5: denial, no comment) to the claim before it.
        conn.execute(
            """
            UPDATE annotations_claim c SET source_mention_id = m.id
            FROM entities_entitymention m
            WHERE c.article_id > %(before)s::bigint AND m.article_id = c.article_id
              AND m.start = c.start - 20 AND mod((c.start - 20) / 100, 7) = 0
            """,
            {"before": before},
        )
        conn.execute(
            """
            UPDATE annotations_claim c SET source_claim_id = p.id
            FROM annotations_claim p
            WHERE c.article_id > %(before)s::bigint AND p.article_id = c.article_id
              AND p.start = c.start - 100 AND mod((c.start - 20) / 100, 7) IN (3, 4)
            """,
            {"before": before},
        )
        conn.commit()
        conn.execute("ANALYZE")


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
    parser.add_argument("--n", type=int, default=100_000, help="articles (default 100,000)")
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
    runs = []
    try:
        database.reset(search_index=False)
        start = time.perf_counter()
        build_corpus(psql_url, 1, small, args.spans)
        print(
            f"Built {small:,} articles x {args.spans} spans in {time.perf_counter() - start:.1f} s"
        )
        runs.append(run_export("start-up", workdir / "none.jsonl", 0, database.url,
                               ["--outlet", "no such outlet"]))  # fmt: skip
        runs.append(run_export("N/10", workdir / f"corpus-{small}.jsonl", small, database.url, []))
        start = time.perf_counter()
        build_corpus(psql_url, small + 1, args.n, args.spans)
        print(
            f"Built {args.n - small:,} more articles in {time.perf_counter() - start:.1f} s "
            f"({args.n:,} in all)"
        )
        runs.append(run_export("N", workdir / f"corpus-{args.n}.jsonl", args.n, database.url, []))
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
        f"{'w/o start-up':>14}{'peak RSS':>11}"
    )
    for run in runs:
        rate, net = "-", "-"
        if run.articles:
            rate = f"{run.rate:.1f}"
            net = f"{run.megabytes / max(run.seconds - startup.seconds, 1e-3):.1f}"
        print(
            f"{run.label:<10}{run.articles:>10,}{run.megabytes:>9,.0f}{run.seconds:>10.2f}"
            f"{rate:>8}{net:>14}{run.peak_rss_mb:>8.0f} MB"
        )
    print()
    print(
        f"N vs N/10: rate x{full.rate / tenth.rate:.2f}, "
        f"peak memory x{full.peak_rss_mb / tenth.peak_rss_mb:.2f} (near 1: flat with N)"
    )
    print("Target on PostgreSQL, 2 cores: >= 30 MB/s; peak memory under 200 MB, flat.")


if __name__ == "__main__":
    main()
