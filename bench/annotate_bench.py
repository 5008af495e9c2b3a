"""Benchmark the annotate page: server time to render it and to create one claim.

What it measures
    It builds a ~10,000-word article from the Wikinews articles shipped with the tests,
    gives it 1,000 spans (half entity mentions, half sourcing claims, spread through the
    text), then, in this process, with Django's test client against a scratch database:

    - GET the article page (the annotate page), --repeat times;
    - POST a new claim through the htmx endpoint, --repeat times (each on another word);
    - GET the article list, as the baseline measured in the same run.

    It prints the median and 90th percentile server time of each, their ratio to the
    baseline, the page size, and the SQL queries each request made. Figures only: it never
    fails on time. Targets (issue 4): page under 150 ms, claim creation under 20 ms.

The scratch database
    As bench/import_bench.py: `<name>_bench` on the PostgreSQL server of DATABASE_URL (or
    --database-url), dropped and migrated first and dropped at the end; a temporary SQLite
    file otherwise.

Run it (from the project root)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom \\
        .venv/bin/python bench/annotate_bench.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from scratch import ScratchDatabase  # noqa: E402
from timing import summary, timed  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "wikinews_articles.jsonl"


def build_text(words: int) -> str:
    """Whole paragraphs of real news text until `words` words."""
    paragraphs: list[str] = []
    count = 0
    with FIXTURE.open(encoding="utf-8") as stream:
        for line in stream:
            for paragraph in json.loads(line)["text"].split("\n\n"):
                paragraphs.append(paragraph)
                count += len(paragraph.split())
                if count >= words:
                    return "\n\n".join(paragraphs)
    return "\n\n".join(paragraphs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--spans", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--profile", action="store_true", help="also print where claim creation spends its time"
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="annotate-bench-"))
    database = ScratchDatabase.for_url(args.database_url, workdir)
    print(f"database: {database.description}")
    database.reset()
    os.environ.update(
        DATABASE_URL=database.url,
        DEBUG="true",
        # The real queue, as `make run` uses it: what a claim action enqueues (the sourcing
        # figures' refresh) is written to the database inside the timed request. No worker
        # runs, so the queued analysis of the imported article never happens: the benchmark
        # makes the spans itself.
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        database.drop()


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from annotations.models import Claim, Label
    from entities.models import EntityMention
    from entities.pipeline import get_pipeline
    from newsroom.accounts import user_create
    from newsroom.importer import articles_import
    from newsroom.models import Article

    setup_test_environment()  # lets the client see the rendered response
    text = build_text(args.words)
    articles_import(records=[(1, {"title": "Benchmark article", "text": text})])
    article = Article.objects.get()
    editor, _ = user_create(username="bench-editor", role="editor")
    tokens = [t for t in get_pipeline().nlp.make_doc(text) if t.is_alpha]
    step = max(1, len(tokens) // args.spans)
    spots = [(t.idx, t.idx + len(t.text)) for t in tokens[::step]][: args.spans]
    labels = list(Label.objects.all())
    EntityMention.objects.bulk_create(
        EntityMention(article=article, start=s, end=e, label="PERSON") for s, e in spots[::2]
    )
    Claim.objects.bulk_create(
        Claim(article=article, start=s, end=e, label=labels[i % len(labels)], author=editor)
        for i, (s, e) in enumerate(spots[1::2])
    )
    free = [(t.idx, t.idx + len(t.text)) for t in tokens[1::step]][: args.repeat + 5]
    print(
        f"article: {len(text.split()):,} words, {len(text):,} characters; "
        f"{EntityMention.objects.count()} entities + {Claim.objects.count()} claims"
    )

    client = Client()
    client.force_login(editor)
    page_url = article.get_absolute_url()
    create_url = reverse("claim_new", args=[article.pk])
    list_url = reverse("article_list")
    htmx = {"HX-Request": "true", "HX-Target": "claim-panel"}

    def measure_queries(call: Callable[[], object]) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = call()
        return len(ctx.captured_queries), len(response.content)

    for _ in range(3):  # warm caches: templates, the spaCy tokenizer, the connection
        client.get(list_url)
        client.get(page_url)
    baseline = timed(args.repeat, lambda i: client.get(list_url))
    base = statistics.median(baseline)
    page = timed(args.repeat, lambda i: client.get(page_url))

    def create(i: int) -> object:
        start, end = free[i]
        response = client.post(
            create_url, {"start": start, "end": end, "label": "hedge"}, headers=htmx
        )
        assert response.status_code == 200, response.content[:300]
        return response

    claims = timed(args.repeat, create)
    start, end = free[args.repeat]
    create_queries, create_size = measure_queries(
        lambda: client.post(
            create_url, {"start": start, "end": end, "label": "hedge"}, headers=htmx
        )
    )
    page_queries, page_size = measure_queries(lambda: client.get(page_url))
    list_queries, list_size = measure_queries(lambda: client.get(list_url))

    if args.profile:
        import cProfile
        import pstats

        start, end = free[args.repeat + 1]
        with cProfile.Profile() as profile, CaptureQueriesContext(connection) as ctx:
            client.post(create_url, {"start": start, "end": end, "label": "hedge"}, headers=htmx)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        print("its queries, slowest first (ms):")
        for query in sorted(ctx.captured_queries, key=lambda q: -float(q["time"])):
            print(f"  {float(query['time']) * 1000:6.2f}  {query['sql'][:110]}")
    print(f"{args.repeat} requests each, server time in this process (Django test client):")
    print(summary("article list (baseline)", baseline, None, list_queries, list_size))
    print(summary("annotate page GET", page, base, page_queries, page_size))
    print(summary("claim create POST (htmx)", claims, base, create_queries, create_size))
    print("targets: page < 150 ms, claim creation < 20 ms (PostgreSQL, this machine)")


if __name__ == "__main__":
    main()
