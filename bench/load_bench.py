"""Load benchmark: the app under gunicorn, driven over loopback by a second process.

What it measures
    It builds a scratch database (32 editors; ~1,000 articles made from the Wikinews texts
    shipped with the tests, a few of them ~10,000 words with 1,000 spans, the rest 150-1,500
    words with a span every ~12 words), collects the static files, starts gunicorn with
    production settings (DEBUG off, manifest static files, the psycopg pool) on a free
    loopback port, waits until it answers, and then, for each number of concurrent users
    (8, then 32), runs the driver in a separate process for a bounded time: --warm seconds
    not counted, then --measure seconds counted.

    Each simulated user has its own keep-alive connection and session: it logs in once
    (GET the login page, POST the form with its CSRF token), then loops, with no think
    time, over a weighted mix:

    - open an article page (GET /articles/<id>/), 40%: any of the ~1,000 articles;
    - create a claim (htmx POST /articles/<id>/claims/ with X-CSRFToken), 15%: on a random
      word of an article that is not approved, with a random label;
    - the article list (GET /articles/, 3 in 4 on page 1, else another page), 25%;
    - search (the list's live search: htmx GET /articles/?q=... into #results), 20%: one or
      two of the corpus' frequent words.

    Beside the users, one probe connection (not counted in the users' figures) requests the
    login page (the whole Django stack, no query) and a static file five times a second
    each: the baseline, measured in the same run under the same load.

    It prints, per run and per request type: requests per second, p50/p95/p99/max latency
    (client side, loopback), status counts and errors; and, per run, the server's CPU per
    request over the measured window: gunicorn's workers and every PostgreSQL process
    (Linux /proc). Once the cores are saturated that sum is what bounds the requests per
    second, and it varies far less between runs on a shared machine. `--only article,list`
    runs each request type alone, one after the other on the same server: the CPU per
    request of each. An error is any 5xx, connection
    error or timeout, and any status the request type never answers when all is well
    (e.g. a 403, or a login redirect). The one expected refusal is a claim create answered
    422 because this editor already marked that span with that label (the random spans can
    repeat): counted as "refused", not as an error. Figures only: it never fails on time.
    Target (issue 8): >= 200 requests/s at 32 users with p95 < 250 ms, zero errors, on
    PostgreSQL.

The machine
    The driver shares the machine with gunicorn and PostgreSQL. Before each run it waits
    (up to --wait-max seconds) until the 1-minute load average is below --wait-load, and
    prints the load at the start and end of each run.

The scratch database
    `<name>_loadbench` on the PostgreSQL server of DATABASE_URL (or --database-url), dropped,
    created and migrated first and dropped at the end (see bench/scratch.py). After the
    build it is vacuumed and analysed, as autovacuum would have done in a deployment (some
    servers here run without it). SQLite works too (a temporary file) but is not what the
    target is about.

Run it (from the project root)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom \\
        .venv/bin/python bench/load_bench.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from scratch import ScratchDatabase  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "wikinews_articles.jsonl"
MIX = {"article": 40, "claim": 15, "list": 25, "search": 20}
NAMES = {
    "article": "open article (GET)",
    "claim": "create claim (htmx POST)",
    "list": "article list (GET)",
    "search": "search (htmx GET)",
    "login": "baseline: login page",
    "static": "baseline: static file",
}
EXPECTED = {  # statuses each request type answers when all is well
    "article": {200},
    "claim": {200, 422},
    "list": {200},
    "search": {200},
    "login": {200},
    "static": {200},
}
PROBE_INTERVAL = 0.2  # seconds between the probe's requests (each of its two kinds)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def server_cpu(master: int | None) -> dict[str, float]:
    """CPU seconds so far of gunicorn's workers and of every PostgreSQL process (Linux /proc).

    The bench's scratch database is the only busy one, so the server's processes together are
    what its requests cost the database. Empty where /proc is missing (not Linux).
    """
    totals = {"workers": 0.0, "postgres": 0.0}
    proc = Path("/proc")
    if master is None or not proc.is_dir():
        return {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ppid, ticks = int(fields[1]), int(fields[11]) + int(fields[12])  # utime + stime
        if ppid == master:
            totals["workers"] += ticks / CLOCK_TICKS
        elif name.startswith("postgres"):
            totals["postgres"] += ticks / CLOCK_TICKS
    return totals


# --- Building the database ------------------------------------------------------------------


def fixture_paragraphs() -> list[str]:
    paragraphs = []
    with FIXTURE.open(encoding="utf-8") as stream:
        for line in stream:
            paragraphs += [p for p in json.loads(line)["text"].split("\n\n") if p.strip()]
    return paragraphs


def article_text(paragraphs: list[str], number: int, words: int) -> str:
    """Whole paragraphs from a place that depends on `number`, cycling, until `words`."""
    rng = random.Random(number)
    at = rng.randrange(len(paragraphs))
    chosen = [f"Dispatch {number}."]
    count = 0
    while count < words:
        paragraph = paragraphs[at % len(paragraphs)]
        chosen.append(paragraph)
        count += len(paragraph.split())
        at += 1
    return "\n\n".join(chosen)


def build(args: argparse.Namespace, plan_path: Path) -> None:
    """The corpus and users, in this process (Django set up on the scratch database)."""
    import django

    django.setup()
    from django.db import connections, transaction
    from django.utils import timezone

    from annotations.models import Claim, Label
    from entities.models import EntityMention
    from entities.pipeline import get_pipeline
    from newsroom.accounts import user_create
    from newsroom.importer import articles_import
    from newsroom.models import AnalysisState, Article, ArticleStatus
    from newsroom.search import search_documents_build

    started = time.perf_counter()
    rng = random.Random(8)
    users = [user_create(username=f"load-editor-{i:02d}", role="editor") for i in range(32)]
    paragraphs = fixture_paragraphs()
    sizes = [
        args.long_words if i < args.long_articles else rng.randint(150, 1500)
        for i in range(args.articles)
    ]
    records = (
        (i + 1, {"title": f"Load article {i + 1}", "text": article_text(paragraphs, i, words)})
        for i, words in enumerate(sizes)
    )
    articles_import(records=records)
    # What the `search` queue's worker does after an import in a deployment (newsroom.search):
    # without it every search would compute the documents of the newest unindexed articles.
    search_documents_build()
    articles = list(Article.objects.order_by("pk"))
    # No worker runs: the queued analyses never happen; the spans are made here instead.
    statuses = [ArticleStatus.DRAFT] * 14 + [ArticleStatus.IN_REVIEW] * 3
    statuses += [ArticleStatus.CHANGES_REQUESTED, ArticleStatus.APPROVED, ArticleStatus.APPROVED]
    now = timezone.now()
    for i, article in enumerate(articles):
        article.analysis_state = AnalysisState.DONE
        article.analysed_at = now
        article.status = ArticleStatus.DRAFT if i < args.long_articles else rng.choice(statuses)
    Article.objects.bulk_update(articles, ["analysis_state", "analysed_at", "status"])

    labels = list(Label.objects.all())
    nlp = get_pipeline().nlp
    claimable: dict[int, list[tuple[int, int]]] = {}
    total_spans = 0
    with transaction.atomic():
        for i, article in enumerate(articles):
            tokens = [t for t in nlp.make_doc(article.text) if t.is_alpha]
            spans = args.long_spans if i < args.long_articles else max(2, len(tokens) // 12)
            step = max(1, len(tokens) // spans)
            spots = [(t.idx, t.idx + len(t.text)) for t in tokens[::step]][:spans]
            EntityMention.objects.bulk_create(
                EntityMention(article=article, start=s, end=e, label="PERSON")
                for s, e in spots[::2]
            )
            Claim.objects.bulk_create(
                Claim(
                    article=article,
                    start=s,
                    end=e,
                    label=labels[j % len(labels)],
                    author=users[j % len(users)][0],
                )
                for j, (s, e) in enumerate(spots[1::2])
            )
            total_spans += len(spots)
            if article.status != ArticleStatus.APPROVED:
                words = [(t.idx, t.idx + len(t.text)) for t in tokens if len(t.text) > 2]
                claimable[article.pk] = rng.sample(words, min(len(words), 300))
    words = Counter(
        w.lower() for p in paragraphs for w in re.findall(r"[A-Za-z]{6,}", p) if w.islower()
    )
    terms = [w for w, _ in words.most_common(80)]
    plan = {
        "users": [[user.username, password] for user, password in users],
        "articles": [a.pk for a in articles],
        "claimable": {str(k): v for k, v in claimable.items()},
        "labels": [label.slug for label in labels],
        "terms": terms,
        "pages": -(-len(articles) // 25),
    }
    plan_path.write_text(json.dumps(plan))
    text_words = sum(len(a.text.split()) for a in articles)
    print(
        f"built: {len(users)} editors, {len(articles):,} articles ({args.long_articles} of "
        f"~{args.long_words:,} words with {args.long_spans:,} spans; {text_words:,} words in "
        f"all), {total_spans:,} spans, {len(labels)} labels, in "
        f"{time.perf_counter() - started:.0f} s"
    )
    with connections["default"].cursor() as cursor:
        if connections["default"].vendor == "postgresql":
            # What autovacuum does within a minute of a deployment's import (this machine's
            # server runs without it): the planner's statistics, and the full-text index's
            # pending entries merged. Without the merge every search reads them all, and the
            # planner, costing that, scans every article's document instead of the index.
            cursor.execute("VACUUM ANALYZE")
    connections.close_all()


# --- Running gunicorn -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, args: argparse.Namespace) -> dict[str, str]:
    """Production settings, except plain HTTP on loopback (no TLS redirect, cookies over http)."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
    }
    if args.pool_max:
        env["DATABASE_POOL_MAX"] = str(args.pool_max)
    return env


def gunicorn_command(port: int, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "newsroom.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)]
    if args.threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(args.threads)]
    command += ["--backlog", "256", "--log-level", "warning", "--timeout", "60"]
    return command


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
            raise SystemExit(f"gunicorn answers the login page with {status}")
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within a minute")


def wait_for_quiet(limit: float, longest: float) -> None:
    load = os.getloadavg()[0]
    print(f"load average (1 min): {load:.2f}", flush=True)
    deadline = time.monotonic() + longest
    while load >= limit and time.monotonic() < deadline:
        time.sleep(10)
        load = os.getloadavg()[0]
        print(f"  waiting for load < {limit}: {load:.2f}", flush=True)
    if load >= limit:
        print(f"  load still {load:.2f} after {longest:.0f} s: measuring anyway", flush=True)


# --- The driver (its own process) -----------------------------------------------------------


@dataclass
class Sample:
    kind: str
    started: float
    seconds: float
    status: int  # 0: connection error or timeout


@dataclass
class Session:
    """One user: a keep-alive connection and its cookies."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        if response.will_close:
            self.conn.close()
            self.conn = None
        return response.status, content

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise SystemExit(f"login page: status {status}, no CSRF token")
        form = {"username": username, "password": password, "next": "/articles/"}
        form["csrfmiddlewaretoken"] = token.group(1).decode()
        status, _ = self.request("POST", "/accounts/login/", urlencode(form))
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username} failed: status {status}")


class Driver:
    def __init__(self, plan: dict, port: int, users: int, seed: int, master: int | None = None):
        self.plan, self.port, self.users, self.seed = plan, port, users, seed
        self.master = master  # gunicorn's master process, for the server's CPU
        self.mix = MIX
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.stop_at = 0.0
        self.claim_articles = [int(k) for k in plan["claimable"]]

    def record(self, kind: str, call) -> None:
        started = time.perf_counter()
        try:
            status, _ = call()
        except (OSError, http.client.HTTPException):
            status = 0
        sample = Sample(kind, started, time.perf_counter() - started, status)
        with self.lock:
            self.samples.append(sample)

    def one(self, session: Session, rng: random.Random) -> None:
        kind = rng.choices(list(self.mix), weights=list(self.mix.values()))[0]
        plan = self.plan
        if kind == "article":
            path = f"/articles/{rng.choice(plan['articles'])}/"
            self.record(kind, lambda: session.request("GET", path))
        elif kind == "claim":
            article = rng.choice(self.claim_articles)
            start, end = rng.choice(plan["claimable"][str(article)])
            body = urlencode({"start": start, "end": end, "label": rng.choice(plan["labels"])})
            headers = {
                "HX-Request": "true",
                "HX-Target": "claim-panel",
                "X-CSRFToken": session.cookies.get("csrftoken", ""),
            }
            path = f"/articles/{article}/claims/"
            self.record(kind, lambda: session.request("POST", path, body, headers))
        elif kind == "list":
            page = 1 if rng.random() < 0.75 else rng.randint(2, plan["pages"])
            path = "/articles/" if page == 1 else f"/articles/?page={page}"
            self.record(kind, lambda: session.request("GET", path))
        else:
            terms = rng.sample(plan["terms"], rng.choice([1, 1, 2]))
            path = "/articles/?" + urlencode({"q": " ".join(terms)})
            headers = {"HX-Request": "true", "HX-Target": "results"}
            self.record(kind, lambda: session.request("GET", path, headers=headers))

    def user(self, number: int, ready: threading.Barrier) -> None:
        rng = random.Random(self.seed * 1000 + number)
        username, password = self.plan["users"][number]
        session = Session(self.port)
        session.login(username, password)
        ready.wait()
        while time.perf_counter() < self.stop_at:
            self.one(session, rng)

    def probe(self, ready: threading.Barrier) -> None:
        """The baseline: the login page and a static file, at a fixed rate, one connection."""
        session = Session(self.port)
        _, page = session.request("GET", "/accounts/login/")
        static = re.search(rb'href="(/static/[^"]+\.css)"', page)
        static_path = static.group(1).decode() if static else "/static/favicon.svg"
        session.cookies.clear()  # anonymous, as a first visit
        ready.wait()
        while time.perf_counter() < self.stop_at:
            self.record("login", lambda: session.request("GET", "/accounts/login/"))
            session.cookies.clear()
            self.record("static", lambda: session.request("GET", static_path))
            time.sleep(PROBE_INTERVAL)

    def run(self, warm: float, measure: float) -> dict:
        clock: dict[str, float] = {}

        def go() -> None:  # once every user has logged in, before any thread goes on
            clock["begin"] = time.perf_counter()
            self.stop_at = clock["begin"] + warm + measure

        ready = threading.Barrier(self.users + 2, action=go)
        threads = [
            threading.Thread(target=self.user, args=(i, ready), daemon=True)
            for i in range(self.users)
        ]
        threads.append(threading.Thread(target=self.probe, args=(ready,), daemon=True))
        for thread in threads:
            thread.start()
        cpu_before = os.times()
        ready.wait()
        begin = clock["begin"]
        time.sleep(warm)
        server_before, server_begin = server_cpu(self.master), time.perf_counter()
        for thread in threads:
            thread.join()
        server_after, server_end = server_cpu(self.master), time.perf_counter()
        cpu = os.times()
        counted = [s for s in self.samples if begin + warm <= s.started < begin + warm + measure]
        return {
            "samples": counted,
            "measure": measure,
            "driver_cpu": (cpu.user + cpu.system) - (cpu_before.user + cpu_before.system),
            "elapsed": time.perf_counter() - begin,
            # Over the measured window and the last requests in flight (they end within ~0.3 s).
            "server_cpu": {k: server_after[k] - server_before[k] for k in server_after},
            "server_seconds": server_end - server_begin,
        }


def percentile(sorted_ms: list[float], p: int) -> float:
    if len(sorted_ms) < 2:
        return sorted_ms[0] if sorted_ms else 0.0
    return statistics.quantiles(sorted_ms, n=100, method="inclusive")[p - 1]


def report(users: int, result: dict, warm: float) -> tuple[str, dict]:
    samples: list[Sample] = result["samples"]
    measure = result["measure"]
    lines = [
        f"{users} users: {warm:.0f} s warm-up (not counted), then {measure:.0f} s measured; "
        f"driver CPU {result['driver_cpu'] / result['elapsed'] * 100:.0f}% of one core"
    ]
    header = (
        f"  {'request':<26}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}  statuses"
    )
    lines.append(header)
    summary: dict = {"users": users}

    def row(name: str, group: list[Sample]) -> dict:
        ms = sorted(s.seconds * 1000 for s in group)
        statuses = Counter(s.status for s in group)
        text = ", ".join(f"{k or 'conn-err'}: {v}" for k, v in sorted(statuses.items()))
        figures = {
            "count": len(group),
            "rps": len(group) / measure,
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
            "max": ms[-1] if ms else 0.0,
        }
        lines.append(
            f"  {name:<26}{figures['count']:>7}{figures['rps']:>8.1f}{figures['p50']:>9.1f}"
            f"{figures['p95']:>9.1f}{figures['p99']:>9.1f}{figures['max']:>9.1f}  {text}"
        )
        return figures

    mix = [s for s in samples if s.kind in MIX]
    summary["all"] = row("all (the users' mix)", mix)
    if result.get("server_cpu") and mix:
        # CPU per request of the whole server: what bounds its throughput once the cores are
        # busy, and steadier than requests/s on a shared machine. The probe's requests count.
        served = len(samples) * result["server_seconds"] / measure
        cpu = {k: v * 1000 / served for k, v in result["server_cpu"].items()}
        summary["cpu_ms"] = cpu
        lines.insert(
            1,
            f"  server CPU per request: gunicorn workers {cpu['workers']:.2f} ms, PostgreSQL "
            f"{cpu['postgres']:.2f} ms, total {cpu['workers'] + cpu['postgres']:.2f} ms",
        )
    for kind in [*MIX, "login", "static"]:
        summary[kind] = row(NAMES[kind], [s for s in samples if s.kind == kind])
    errors = Counter(
        s.kind
        for s in samples
        if s.status == 0 or s.status >= 500 or s.status not in EXPECTED[s.kind]
    )
    refused = sum(1 for s in samples if s.kind == "claim" and s.status == 422)
    summary["errors"] = sum(errors.values())
    summary["refused"] = refused
    detail = ", ".join(f"{NAMES[k]}: {v}" for k, v in errors.items()) or "none"
    lines.append(
        f"  errors: {summary['errors']} ({detail}); claims refused as duplicates (422, "
        f"expected): {refused}"
    )
    return "\n".join(lines), summary


def drive(args: argparse.Namespace) -> None:
    plan = json.loads(Path(args.drive).read_text())
    driver = Driver(plan, args.port, args.users, seed=args.users, master=args.server_pid)
    if args.only:  # one request type alone: its own CPU per request
        driver.mix = {args.only: 1}
    result = driver.run(args.warm, args.measure)
    text, summary = report(args.users, result, args.warm)
    print(text, flush=True)
    if args.summary:
        Path(args.summary).write_text(json.dumps(summary))


# --- The orchestra --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--users", default="8,32", help="concurrent users per run, in order")
    parser.add_argument("--warm", type=float, default=30)
    parser.add_argument("--measure", type=float, default=60)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--long-articles", type=int, default=10)
    parser.add_argument("--long-words", type=int, default=10_000)
    parser.add_argument("--long-spans", type=int, default=1000)
    # Requests here are CPU-bound (short database waits): more sync workers than cores + 1
    # only add switching (measured: 3 workers beat 5 and 6 on 2 cores). The README's too.
    parser.add_argument("--workers", type=int, default=cores + 1)
    parser.add_argument("--threads", type=int, default=1, help=">1: gthread workers")
    parser.add_argument("--pool-max", type=int, default=0, help="DATABASE_POOL_MAX (0: default)")
    parser.add_argument("--wait-load", type=float, default=0.8)
    parser.add_argument("--wait-max", type=float, default=600)
    parser.add_argument("--keep-server", action="store_true", help=argparse.SUPPRESS)
    # The driver's own process (run by this script, not by hand).
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--summary", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        help="request types run alone, one after the other (e.g. article,list): the CPU per "
        "request of each",
    )
    args = parser.parse_args(argv)
    if args.only and not set(args.only.split(",")) <= set(MIX):
        parser.error(f"--only takes some of {', '.join(MIX)}, comma-separated")
    if args.drive:
        args.users = int(args.users)
        drive(args)
        return

    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    database = ScratchDatabase.for_url(args.database_url, workdir, suffix="_loadbench")
    print(f"database: {database.description}")
    database.reset()
    os.environ.update(
        DATABASE_URL=database.url, DEBUG="true", TASKS_BACKEND="django_tasks_db.DatabaseBackend"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still stop gunicorn, drop the DB
    server = None
    try:
        plan_path = workdir / "plan.json"
        build(args, plan_path)
        env = server_env(database.url, args)
        collect = [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"]
        subprocess.run(collect, cwd=ROOT, env=env, check=True)
        port = free_port()
        command = gunicorn_command(port, args)
        pool = args.pool_max or 10
        print(
            f"server: {' '.join(command[2:])} (DEBUG off, pool max {pool} per worker, "
            f"{cores} cores)",
            flush=True,
        )
        server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        wait_ready(port, server)
        summaries = []
        onlies = args.only.split(",") if args.only else [""]
        for users, only in [(int(u), o) for u in args.users.split(",") for o in onlies]:
            wait_for_quiet(args.wait_load, args.wait_max)
            if only:
                print(f"only: {NAMES[only]}", flush=True)
            summary_path = workdir / f"summary-{users}-{only}.json"
            drive_command = [sys.executable, __file__, "--drive", str(plan_path)]
            drive_command += ["--port", str(port), "--users", str(users)]
            drive_command += ["--warm", str(args.warm), "--measure", str(args.measure)]
            drive_command += ["--summary", str(summary_path), "--server-pid", str(server.pid)]
            drive_command += ["--only", only] if only else []
            load_before = os.getloadavg()[0]
            subprocess.run(drive_command, cwd=ROOT, check=True)
            print(
                f"  load average (1 min): {load_before:.2f} at the start, "
                f"{os.getloadavg()[0]:.2f} at the end",
                flush=True,
            )
            summaries.append(json.loads(summary_path.read_text()))
        for summary in summaries:
            if summary["users"] == 32 and not args.only:
                ok = summary["all"]["rps"] >= 200 and summary["all"]["p95"] < 250
                ok = ok and summary["errors"] == 0
                print(
                    f"target (32 users: >= 200 req/s, p95 < 250 ms, no errors): "
                    f"{'met' if ok else 'missed'} ({summary['all']['rps']:.0f} req/s, "
                    f"p95 {summary['all']['p95']:.0f} ms, {summary['errors']} errors)"
                )
        if args.keep_server:
            print(f"server kept on port {port}, plan {plan_path}; Enter stops it", flush=True)
            input()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        database.drop()


if __name__ == "__main__":
    main()
