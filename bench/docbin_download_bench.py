"""Peak memory of the Export page's spaCy DocBin download on real-length news.

Why
    A DocBin cannot be written a doc at a time: it is built whole, then serialised. The Export
    page therefore sends a ZIP of .spacy files of 50 articles each, one at a time
    (`annotations.exchange.formats.docbin.docbin_zip_chunks`; `--shard N` tries another
    size). This prints what that costs in memory as the corpus grows, beside one DocBin of
    everything built whole (what `manage.py export_format --format docbin` does without
    `--docs-per-file`; `--skip-whole` leaves that run out).

What it measures
    It builds a corpus of N articles (default 1,000; the Wikinews articles shipped with the
    tests, cycled: ~22,000 characters each, 40 spans each, as `export_bench.py` builds them)
    in a scratch PostgreSQL database, then for each run starts a fresh process which loads
    Django and the spaCy pipeline (the baseline a web worker has: its peak resident memory
    is printed first), then either streams the page's download of the first K articles to a
    sink that only counts bytes (K = 200, N/2, N), or builds one DocBin of all N and
    serialises it. It prints each run's peak resident memory (ru_maxrss) and the bytes
    written. Figures only: it never fails on a number.

Run it (from the project root)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/docbin_download_bench.py            # N = 1,000
    ... bench/docbin_download_bench.py --n 2000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_bench import build_corpus
from scratch import ScratchDatabase, child_env

ROOT = Path(__file__).resolve().parent.parent
sys.stdout.reconfigure(line_buffering=True)


def child(mode: str, limit: int, shard: int) -> None:
    """In a fresh process: load Django and spaCy, run one export, print its figures."""
    import resource

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from annotations.exchange.formats.docbin import ZIP_SHARD, docbin_build, docbin_zip_chunks
    from entities.pipeline import get_pipeline
    from newsroom.models import Article

    get_pipeline().nlp.make_doc("Warm up the tokenizer.")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    articles = Article.objects.filter(pk__in=Article.objects.order_by("pk")[:limit].values("pk"))
    written = 0
    if mode == "zip":
        for piece in docbin_zip_chunks(
            articles, docs_per_file=shard or ZIP_SHARD, include_suggestions=True
        ):
            written += len(piece)
    else:
        written = len(docbin_build(articles, include_suggestions=True).to_bytes())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"baseline_kb": baseline, "peak_kb": peak, "bytes": written}))


def run(database_url: str, mode: str, limit: int, shard: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(limit), str(shard)],
        cwd=ROOT,
        env=child_env(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="articles in the corpus")
    parser.add_argument("--spans", type=int, default=40, help="spans per article")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--shard", type=int, default=0, help="docs per .spacy file (default: the page's)"
    )
    parser.add_argument("--skip-whole", action="store_true", help="skip the whole-DocBin run")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    with tempfile.TemporaryDirectory() as workdir:
        scratch = ScratchDatabase.for_url(args.database_url, Path(workdir), "_docbin_bench")
        if scratch.vendor != "postgresql":
            raise SystemExit("PostgreSQL only (the corpus is built with COPY): set DATABASE_URL")
        print(f"Building {args.n:,} articles with {args.spans} spans each in {scratch.description}")
        scratch.reset(search_index=False)
        try:
            build_corpus(urlunsplit(urlsplit(scratch.url)._replace(scheme="postgresql")), 1,
                         args.n, args.spans)  # fmt: skip
            print(f"{'run':<34} {'articles':>8} {'MB out':>8} {'baseline':>9} {'peak':>9}")
            runs = [("ZIP of .spacy shards (the page)", "zip", k)
                    for k in sorted({min(200, args.n), args.n // 2, args.n})]  # fmt: skip
            if not args.skip_whole:
                runs.append(("one DocBin, built whole", "whole", args.n))
            for title, mode, limit in runs:
                figures = run(scratch.url, mode, limit, args.shard)
                print(
                    f"{title:<34} {limit:>8,} {figures['bytes'] / 1e6:>8.1f} "
                    f"{figures['baseline_kb'] / 1024:>7.0f}MB {figures['peak_kb'] / 1024:>7.0f}MB"
                )
        finally:
            scratch.drop()


if __name__ == "__main__":
    main()
