"""Benchmark the article list: its pages, orders and searches, in process.

What it measures
    In a scratch database (bench/scratch.py) it imports N real-length articles
    (bench/wikinews.py; default 2,000; search documents built on PostgreSQL), gives each
    --claims claims (a third of them open rule suggestions), assigns two editors to one article
    in ten (double annotation, where an editor counts only their own claims), then GETs with
    Django's test client, --repeat times each, as an editor and as an admin:

    - the list's first page (newest first), and sorted by claims, title and review status;
    - searches: a frequent word, a rare one, and "Gdansk" / "Gdańsk" (accents aside).

    It prints the median and 90th percentile server time of each, the queries it made and
    the page's size. Figures only: it never fails on time.

    --checkout DIR runs another checkout's code (e.g. the commit before a change) with the
    same requests; an order it does not know is ignored there, as any unknown parameter.

Run it (from the project root)
    DEBUG=true .venv/bin/python bench/list_bench.py --n 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/list_bench.py --n 2000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import wikinews  # noqa: E402
from scratch import ScratchDatabase  # noqa: E402
from timing import summary, timed  # noqa: E402

REQUESTS = [
    ("list, newest first", {}),
    ("list by most claims", {"sort": "-claims"}),
    ("list by title", {"sort": "title"}),
    ("list by review status", {"sort": "status"}),
    ("search: said", {"q": "said"}),
    ("search: Gdansk", {"q": "Gdansk"}),
    ("search: Gdańsk", {"q": "Gdańsk"}),
    ("search: zebra crossing", {"q": "zebra crossing"}),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="articles (default 2,000)")
    parser.add_argument("--claims", type=int, default=30, help="claims per article")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the code to run")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.checkout.resolve()))
    workdir = Path(tempfile.mkdtemp(prefix="list-bench-"))
    database = ScratchDatabase.for_url(args.database_url, workdir, suffix="_listbench")
    print(f"database: {database.description}; code: {args.checkout.resolve()}")
    database.reset(manage=args.checkout.resolve() / "manage.py")  # that code's migrations
    os.environ.update(DATABASE_URL=database.url, DEBUG="true")
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
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from annotations.models import Assignment, Claim, Label
    from newsroom.accounts import user_create
    from newsroom.importer import articles_import
    from newsroom.models import Article
    from newsroom.search import search_documents_build

    setup_test_environment()
    records = list(enumerate(wikinews.articles(args.n), start=1))
    records[0][1]["title"] = "Shipyard strike spreads in Gdańsk"  # something to find
    for start in range(0, len(records), 500):
        articles_import(records=records[start : start + 500])
    search_documents_build()  # PostgreSQL: every document built, as a worker leaves them
    editor, _ = user_create(username="bench-editor", role="editor")
    other, _ = user_create(username="bench-other", role="editor")
    admin, _ = user_create(username="bench-admin", role="admin")
    labels = list(Label.objects.all())
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    claims = []
    for n, pk in enumerate(ids):
        for i in range(args.claims):
            rule = i % 3 == 0
            claims.append(
                Claim(
                    article_id=pk,
                    start=10 * i,
                    end=10 * i + 5,
                    label=labels[i % len(labels)],
                    author=None if rule else (editor if n % 2 else other),
                    origin="rule" if rule else "editor",
                    status="suggested" if rule else "accepted",
                )
            )
    Claim.objects.bulk_create(claims, batch_size=2000)
    Assignment.objects.bulk_create(
        Assignment(article_id=pk, editor=user) for pk in ids[::10] for user in (editor, other)
    )
    print(f"{len(ids):,} articles, {len(claims):,} claims, {len(ids[::10])} double-annotated")

    url = reverse("article_list")
    for user in (editor, admin):
        client = Client()
        client.force_login(user)
        client.get(url)  # the session, role and permissions cached
        print(f"\nas {user.username}:")
        for name, params in REQUESTS:
            queries: list[str] = []
            with connection.execute_wrapper(partial(_counted, queries)):
                response = client.get(url, params)
            assert response.status_code == 200, (name, response.status_code)
            times = timed(args.repeat, lambda _, c=client, p=params: c.get(url, p))
            print(summary(name, times, None, len(queries), len(response.content)))


def _counted(queries: list[str], execute, sql, params, many, context):
    queries.append(sql)
    return execute(sql, params, many, context)


if __name__ == "__main__":
    main()
