"""Benchmark `manage.py import_articles` on real-length news, against the database's own speed.

What it measures
    It writes N articles (default 10,000) as JSON Lines: the Wikinews articles shipped with
    the tests, cycled and made unique (bench/wikinews.py; ~22,000 characters each, 43 MB per
    2,000), then imports them with the real command, `python manage.py import_articles FILE
    --no-progress`, run as a fresh subprocess:

    - once with an empty file (start-up cost: Python, Django, settings, the connection),
    - with the first N/10 articles,
    - with all N,

    each time into an empty scratch database. For each run it prints the wall-clock time,
    articles per second (with start-up, and without: minus the empty-file run) and the peak
    resident memory of the import process (ru_maxrss from os.wait4).

    Then the database's own baseline, in the same run, on the same rows: the N/10 and the N
    rows' title and text written into a bare table with the server's default settings, by
    this process, with rows built in memory (no JSON parsing): PostgreSQL `COPY bare (title,
    text) FROM STDIN` (psycopg's `cursor.copy`); SQLite one transaction of `executemany`
    INSERTs into a new file. It prints the baseline's rate and the import's rate (without
    start-up) as a fraction of it. Figures only: it never fails on time. manage.py runs with
    DEBUG=true unless DEBUG is set, as under make.

    --checkout DIR runs another checkout's manage.py (its own code and migrations) on the same
    file: the way to measure the code before a change against the code after it, back to back.

The scratch database
    Never the database you work in. If DATABASE_URL (or --database-url) is PostgreSQL, a
    database named `<name>_bench` on the same server is dropped, created and migrated before
    each run, and dropped at the end; if it is SQLite or unset, a new temporary file is
    migrated for each run. The script prints which database it used.

Run it (from the project root)
    DEBUG=true .venv/bin/python bench/import_bench.py                # SQLite, N = 10,000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/import_bench.py --n 100000            # PostgreSQL
    make bench-import BENCH_ARGS="--n 2000 --keep"

    --keep keeps the generated JSONL files (their path is printed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
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


# --- Measuring ----------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    articles: int
    seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.articles / self.seconds


def run_import(
    label: str, path: Path, expected: int, database: ScratchDatabase, manage: Path
) -> Run:
    """Import `path` with the real command in a fresh process; time it and read its peak RSS."""
    env = child_env(database.url)
    command = [sys.executable, str(manage), "import_articles", str(path), "--no-progress"]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=manage.parent, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    noun = "article" if expected == 1 else "articles"
    if process.returncode != 0 or f"Imported {expected} {noun}." not in output:
        raise SystemExit(f"{label}: the import did not store {expected} {noun}:\n{output}")
    return Run(label, expected, seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB


def baseline(database: ScratchDatabase, n: int, workdir: Path) -> float:
    """Seconds the database takes to store n rows' (title, text) in a bare table."""
    rows = ((a["title"], a["text"]) for a in wikinews.articles(n))
    if database.vendor == "postgresql":
        import psycopg

        url = urlunsplit(urlsplit(database.url)._replace(scheme="postgresql"))
        with psycopg.connect(url) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_bare")
            conn.execute("CREATE TABLE bench_bare (title text, text text)")
            conn.commit()
            start = time.perf_counter()
            copy_sql = "COPY bench_bare (title, text) FROM STDIN"
            with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            seconds = time.perf_counter() - start
            conn.execute("DROP TABLE bench_bare")
            conn.commit()
        return seconds
    path = workdir / "bare.sqlite3"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TABLE bare (title text, text text)")
        conn.commit()
        start = time.perf_counter()
        with conn:
            conn.executemany("INSERT INTO bare (title, text) VALUES (?, ?)", rows)
        return time.perf_counter() - start
    finally:
        conn.close()
        path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="articles (default 10,000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated JSONL files")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="server to benchmark on (default: $DATABASE_URL; SQLite if unset)",
    )
    parser.add_argument(
        "--checkout",
        type=Path,
        default=ROOT,
        help="project checkout whose manage.py imports (default: this one)",
    )
    args = parser.parse_args(argv)
    if args.n < 10:
        parser.error("--n must be at least 10")
    manage = args.checkout.resolve() / MANAGE.name
    if not manage.is_file():
        parser.error(f"no manage.py in {args.checkout}")

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    database = ScratchDatabase.for_url(args.database_url, workdir)
    small = args.n // 10
    big_file, small_file, empty_file = (
        workdir / f"articles-{args.n}.jsonl",
        workdir / f"articles-{small}.jsonl",
        workdir / "empty.jsonl",
    )
    print(f"import_articles benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"Code: {manage.parent}")
    print(f"Database: {database.description}; emptied and migrated before each run")
    print(f"DEBUG={child_env(database.url)['DEBUG']} in manage.py")
    try:
        start = time.perf_counter()
        size = wikinews.write_jsonl(big_file, args.n)
        wikinews.write_jsonl(small_file, small)
        empty_file.write_bytes(b"")
        print(
            f"Wrote {args.n:,} Wikinews articles, cycled ({size / 1e6:,.0f} MB, "
            f"{size / args.n / 1000:.1f} kB each) in {time.perf_counter() - start:.1f} s"
        )
        runs = []
        for label, path, count in (
            ("start-up", empty_file, 0),
            ("N/10", small_file, small),
            ("N", big_file, args.n),
        ):
            database.reset(manage=manage)
            runs.append(run_import(label, path, count, database, manage))
        bare = {count: baseline(database, count, workdir) for count in (small, args.n)}
    finally:
        database.drop()
        if args.keep:
            empty_file.unlink(missing_ok=True)
            print(f"Kept the generated files in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    startup, tenth, full = runs
    how = "COPY FROM STDIN" if database.vendor == "postgresql" else "executemany INSERT"
    print()
    print(
        f"{'run':<10}{'articles':>10}{'seconds':>10}{'articles/s':>12}"
        f"{'w/o start-up':>14}{'peak RSS':>11}{'baseline/s':>12}{'ratio':>8}"
    )
    for run in runs:
        rate = net = base = ratio = "-"
        if run.articles:
            rate = f"{run.rate:,.0f}"
            net_rate = run.articles / max(run.seconds - startup.seconds, 1e-3)
            base_rate = run.articles / bare[run.articles]
            net, base = f"{net_rate:,.0f}", f"{base_rate:,.0f}"
            ratio = f"{net_rate / base_rate:.2f}"
        print(
            f"{run.label:<10}{run.articles:>10,}{run.seconds:>10.2f}{rate:>12}{net:>14}"
            f"{run.peak_rss_mb:>8.0f} MB{base:>12}{ratio:>8}"
        )
    print()
    print(f"baseline: title and text into a bare table ({how}), same rows, this process")
    print(
        f"N vs N/10: rate x{full.rate / tenth.rate:.2f}, "
        f"peak memory x{full.peak_rss_mb / tenth.peak_rss_mb:.2f} (near 1: flat with N)"
    )
    print(
        "Targets (docs/performance.md): PostgreSQL >= 0.5 x the baseline; SQLite >= 2 x the "
        "code before issue 17; peak memory under 250 MB, within 1.15 x from N/10 to N."
    )


if __name__ == "__main__":
    main()
