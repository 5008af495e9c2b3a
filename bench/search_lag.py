"""How soon imported articles are searchable on PostgreSQL, with a search worker running.

What it measures
    In a scratch database (`<name>_searchlag` on the server of DATABASE_URL), it starts one
    `manage.py db_worker --queue-name search` (the worker README's deployment runs), imports
    N real-length articles (bench/wikinews.py; default 2,000) with `import_articles`, and from
    the moment the command returns polls until no article is left without its search
    document, then checks that a search for the last article's closing line finds it. It
    prints both times. Figures only: it never fails on time.

Run it (from the project root)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/search_lag.py --n 2000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wikinews
from scratch import MANAGE, ROOT, ScratchDatabase, child_env

PENDING = "SELECT count(*) FROM newsroom_article WHERE search_document IS NULL"
FOUND = """SELECT count(*) FROM newsroom_article
           WHERE search_document @@ websearch_to_tsquery('newsroom_english', %s)"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="articles (default 2,000)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--timeout", type=float, default=600, help="give up after (seconds)")
    args = parser.parse_args(argv)
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql", "pgsql", "psql"):
        parser.error("needs a PostgreSQL DATABASE_URL (or --database-url)")
    import psycopg

    workdir = Path(tempfile.mkdtemp(prefix="search-lag-"))
    database = ScratchDatabase.for_url(args.database_url, workdir, suffix="_searchlag")
    env = {**child_env(database.url), "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    url = urlunsplit(urlsplit(database.url)._replace(scheme="postgresql"))
    worker = None
    try:
        database.reset()
        path = workdir / "articles.jsonl"
        wikinews.write_jsonl(path, args.n)
        worker = subprocess.Popen(
            [sys.executable, str(MANAGE), "db_worker", "--queue-name", "search",
             "--interval", "0.5"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(3)  # the worker's start-up
        start = time.perf_counter()
        command = [sys.executable, str(MANAGE), "import_articles", str(path), "--no-progress"]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        committed = time.perf_counter()
        print(f"imported {args.n:,} articles in {committed - start:.1f} s")
        last = wikinews.article(args.n)["text"].strip().splitlines()[-1]
        with psycopg.connect(url, autocommit=True) as conn:
            while (left := conn.execute(PENDING).fetchone()[0]) > 0:
                if time.perf_counter() - committed > args.timeout:
                    raise SystemExit(f"{left:,} documents still missing after {args.timeout} s")
                time.sleep(0.2)
            built = time.perf_counter() - committed
            found = conn.execute(FOUND, [f'"{last}"']).fetchone()[0]
        print(
            f"every search document built {built:.1f} s after the import returned "
            f"({args.n / built:,.0f} articles/s); a search for the last article's closing "
            f"line ({last!r}) finds {found} article(s)"
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
