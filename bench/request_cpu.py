"""CPU per request, in process: this checkout against another, interleaved in one run.

What it measures
    For each checkout (this one, and --base DIR if given) a child process sets up Django on
    its own scratch database (bench/scratch.py, that checkout's migrations), loads the demo
    article (data/demo, analysed by spaCy: its entity mentions and the rules' suggestions),
    imports --articles real-length Wikinews articles (bench/wikinews.py) with --claims claims
    each (a third of them open rule suggestions) and builds the search documents. Then, with
    Django's test client and DEBUG off (as deployed), it times the process's CPU
    (time.process_time) of each request of each type:

    - list: the article list's first page, as a logged-in editor;
    - search: the list's live search (htmx GET /articles/?q=said into #results);
    - article: the demo article's page;
    - claim: a claim created on the demo article (htmx POST /articles/<id>/claims/, as the
      annotate page sends it), on one of a dozen words that no claim or suggestion overlaps,
      the labels in turn; each created claim (and its history) is deleted, untimed, after
      its request, so that every round's POSTs do the same work;
    - login: the login page, anonymous (the whole middleware stack, no query).

    The children take turns, --rounds times (each goes first in every other round), each
    round --n requests of each type (the types in turn) after a few unmeasured ones, so that
    both sides see the same machine, which is shared: a side's figures vary by 10-30% from
    round to round with other work running. It prints, per request type, the median CPU ms
    per request of each side over all rounds, new / base, and the median of the rounds' own
    new / base (the steadier figure). The login page, which no change here touches, is the
    control: its new / base says how far apart two runs of the same code land. The CPU of
    the process is the Python side of a request (Django, the templates, the database
    driver), not the database server's. Figures only: it never fails on time.

Run it (from the project root), e.g. against main's commit in another worktree
    git worktree add --detach ../base main
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom \\
        .venv/bin/python bench/request_cpu.py --base ../base
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
KINDS = ("list", "search", "article", "claim", "login")
PROTOCOL = "@@ "  # the children's lines meant for the parent (other output passes through)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="another checkout to compare with")
    parser.add_argument("--n", type=int, default=30, help="requests of each type per round")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--articles", type=int, default=60, help="Wikinews articles besides")
    parser.add_argument("--claims", type=int, default=12, help="claims per Wikinews article")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the code to run
    parser.add_argument("--suffix", default="_reqcpu", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
    else:
        parent(args)


# --- The parent: starts one child per checkout and takes the rounds in turn ----------------


def parent(args: argparse.Namespace) -> None:
    sides = {"new": ROOT}
    if args.base:
        sides = {"base": args.base.resolve(), **sides}
    children = {}
    for name, checkout in sides.items():
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            f"--child={checkout}",
            f"--suffix=_reqcpu_{name}",
            f"--n={args.n}",
            f"--articles={args.articles}",
            f"--claims={args.claims}",
            f"--database-url={args.database_url}",
        ]
        env = {**os.environ, "PYTHONPATH": str(checkout), "DEBUG": "true"}
        print(f"{name}: {checkout}", flush=True)
        children[name] = subprocess.Popen(
            command, env=env, cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
    times: dict[str, dict[str, list[float]]] = {name: {k: [] for k in KINDS} for name in sides}
    ratios: dict[str, list[float]] = {k: [] for k in KINDS}  # new / base, round by round
    try:
        for name, process in children.items():
            _answer(name, process)  # set up
        for number in range(1, args.rounds + 1):
            order = list(children.items())
            if number % 2 == 0:
                order.reverse()  # each side goes first in every other round
            medians: dict[str, dict[str, float]] = {}
            for name, process in order:
                process.stdin.write("round\n")
                process.stdin.flush()
                answer = _answer(name, process)
                medians[name] = {k: statistics.median(answer[k]) for k in KINDS}
                for kind in KINDS:
                    times[name][kind] += answer[kind]
                shown = "  ".join(f"{k} {medians[name][k]:.2f}" for k in KINDS)
                print(f"round {number} {name:>4}: {shown} (CPU ms)", flush=True)
            if args.base:
                for kind in KINDS:
                    ratios[kind].append(medians["new"][kind] / medians["base"][kind])
    finally:
        for process in children.values():
            if process.poll() is None:
                process.stdin.close()  # the child drops its database and ends
        for process in children.values():
            process.wait()
    print(f"\nmedian CPU ms per request, {args.rounds} rounds x {args.n}:")
    header = f"{'request':<10}" + "".join(f"{name:>10}" for name in sides)
    print(header + ("   new/base   median of the rounds' new/base" if args.base else ""))
    for kind in KINDS:
        overall = {name: statistics.median(times[name][kind]) for name in sides}
        line = f"{kind:<10}" + "".join(f"{overall[name]:>10.2f}" for name in sides)
        if args.base:
            line += f"   {overall['new'] / overall['base']:8.2f}"
            line += f"   {statistics.median(ratios[kind]):8.2f}"
        print(line)


def _answer(name: str, process: subprocess.Popen) -> dict:
    for line in process.stdout:
        if line.startswith(PROTOCOL):
            return json.loads(line[len(PROTOCOL) :])
        print(f"  [{name}] {line}", end="", flush=True)
    raise SystemExit(f"the {name} child ended (status {process.wait()})")


# --- A child: one checkout's code on its own scratch database -------------------------------


def child(args: argparse.Namespace) -> None:
    sys.path[:0] = [str(args.child), str(BENCH)]
    from scratch import ScratchDatabase

    workdir = Path(tempfile.mkdtemp(prefix="request-cpu-"))
    database = ScratchDatabase.for_url(args.database_url, workdir, suffix=args.suffix)
    print(f"database: {database.description}", flush=True)
    database.reset(manage=args.child / "manage.py")  # that checkout's migrations
    os.environ.update(DATABASE_URL=database.url, DEBUG="true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    try:
        serve(args)
    finally:
        from django.db import connections

        connections.close_all()
        database.drop()


def serve(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings

    # DEBUG off, as deployed (no query log, templates not checked for changes); the settings
    # were read with DEBUG on for the development secret key and static storage. Not the
    # test environment's set-up: it instruments every Django template render (a signal and a
    # copy of the context), which would tilt the comparison against Django templates.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    requests = build(args)
    say({"ready": True})
    warm = 20
    for line in sys.stdin:
        if line.strip() != "round":
            break
        say(measure(requests, args.n, warm))
        warm = 2


def say(message: dict) -> None:
    print(PROTOCOL + json.dumps(message), flush=True)


def build(args: argparse.Namespace) -> dict:
    """The data, the logged-in clients and each request type's call."""
    import wikinews
    from django.conf import settings
    from django.test import Client

    from annotations.analysis import analyse_articles
    from annotations.models import Claim, Label
    from newsroom.accounts import user_create
    from newsroom.importer import articles_import
    from newsroom.models import AnalysisState, Article, ArticleStatus
    from newsroom.readers import parse_jsonl
    from newsroom.search import search_documents_build

    records = list(enumerate(wikinews.articles(args.articles), start=1))
    articles_import(records=records)
    with (settings.BASE_DIR / "data" / "demo" / "articles.jsonl").open("rb") as stream:
        articles_import(records=parse_jsonl(stream))
    search_documents_build()
    demo = Article.objects.order_by("-pk").first()
    analyse_articles(article_ids=[demo.pk])  # spaCy here: its mentions and suggestions
    editor, _ = user_create(username="cpu-editor", role="editor")
    other, _ = user_create(username="cpu-other", role="editor")
    labels = list(Label.objects.all())
    others = list(Article.objects.exclude(pk=demo.pk).order_by("pk"))
    states = [AnalysisState.DONE] * 6 + [AnalysisState.PENDING, AnalysisState.FAILED]
    statuses = [ArticleStatus.DRAFT] * 3 + [ArticleStatus.IN_REVIEW, ArticleStatus.APPROVED]
    for n, article in enumerate(others):
        article.analysis_state = states[n % len(states)]
        article.status = statuses[n % len(statuses)]
    Article.objects.bulk_update(others, ["analysis_state", "status"])
    Claim.objects.bulk_create(
        Claim(
            article=article,
            start=10 * i,
            end=10 * i + 5,
            label=labels[i % len(labels)],
            author=None if i % 3 == 0 else (editor if n % 2 else other),
            origin="rule" if i % 3 == 0 else "editor",
            status="suggested" if i % 3 == 0 else "accepted",
        )
        for n, article in enumerate(others)
        for i in range(args.claims)
    )
    user = Client()
    user.force_login(editor)
    claim_post = _claim_post(user, demo, labels)
    anonymous = Client()
    htmx = {"HX-Request": "true", "HX-Target": "results"}
    return {
        "list": lambda: user.get("/articles/"),
        "search": lambda: user.get("/articles/", {"q": "said"}, headers=htmx),
        "article": lambda: user.get(f"/articles/{demo.pk}/"),
        "claim": claim_post,
        "login": lambda: anonymous.get("/accounts/login/"),
    }


def _claim_post(user, demo, labels: list) -> object:
    """The claim request: a POST, then (untimed, by `measure`) the claim's deletion."""
    import itertools
    import re

    from annotations.models import Claim

    taken = list(Claim.objects.filter(article=demo).values_list("start", "end"))
    words = [
        (m.start(), m.end())
        for m in re.finditer(r"(?<![\w-])[a-z]{4,}(?![\w-])", demo.text)  # whole lower-case words
        if not any(s < m.end() and m.start() < e for s, e in taken)
    ][::7][:12]
    assert len(words) == 12, "the demo article has too few free words"
    spans = itertools.cycle(itertools.product(words, labels))
    url = f"/articles/{demo.pk}/claims/"
    headers = {"HX-Request": "true", "HX-Target": "claim-panel"}

    def post():
        (start, end), label = next(spans)
        response = user.post(
            url, {"start": start, "end": end, "label": label.slug}, headers=headers
        )
        post.made = (start, end, label.pk)
        return response

    def undo():
        start, end, label = post.made
        claims = Claim.objects.filter(article=demo, start=start, end=end, label_id=label)
        assert claims.count() == 1, f"the POST made no claim at {start}-{end}"
        Claim.history.filter(article_id=demo.pk, start=start, end=end).delete()
        claims.delete()

    post.undo = undo
    return post


def measure(requests: dict, n: int, warm: int) -> dict[str, list[float]]:
    """CPU ms of `n` requests of each type, the types taking turns, after `warm` unmeasured
    ones of each (caches filled; on PostgreSQL psycopg prepares a statement on its fifth
    run)."""
    for kind in KINDS:
        for _ in range(warm):
            response = requests[kind]()
            assert response.status_code == 200, (kind, response.status_code)
            getattr(requests[kind], "undo", lambda: None)()
    gc.collect()
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for _ in range(n):
        for kind in KINDS:
            started = time.process_time()
            requests[kind]()
            times[kind].append((time.process_time() - started) * 1000)
            getattr(requests[kind], "undo", lambda: None)()
    return times


if __name__ == "__main__":
    main()
