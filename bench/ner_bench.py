"""Benchmark the spaCy analysis: the app against raw `nlp.pipe`, then database workers.

What it measures
    It builds N real-looking news articles (default 1,000) from the real Wikinews text
    shipped in the repository (tests/fixtures/wikinews_articles.jsonl, data/demo/): each
    source article is cut by paragraphs into pieces of 500 to 800 words, and article i is
    piece i mod P with its paragraphs after the lede shuffled (seeded) and an index sentence
    in front, so every text is unique and every run builds the same articles. They are
    imported into a scratch database with `manage.py import_articles` while the tasks
    backend is django.tasks' DummyBackend, so the import queues no analysis (not timed).

    Phase 1, one process: each side runs in a fresh subprocess of its own (so memory is
    per side), over the same stored texts, with the same pipeline (`get_pipeline()`: the
    components NER and the sourcing detector need, i.e. the parse and NER) and the same
    batch size B:
    - raw: one `nlp.pipe(texts, batch_size=B)`, reading each doc's entities (offsets and
      labels) as the app does;
    - zoned: the same, one `nlp.pipe` per batch of B inside `nlp.memory_zone()`, as the app
      runs spaCy, without the database (--no-zoned skips it): it splits the gap between
      raw and app into what memory zones cost and what the app's own work costs;
    - app: the analysis task's code (`annotations.analysis.analyse.call(batch)`, i.e.
      `analyse_articles`) over every batch of B article ids, database reads and writes
      included, as a worker runs its tasks: the entities and the sourcing detector's
      suggestions (issue 5), from the same nlp.pipe pass.
    It prints words per second (whitespace-separated words), CPU seconds and the ratio
    app / raw (the target is 0.9 or more), then the resident memory after each 1,000
    articles: with memory zones the app's stays flat over 10,000 articles, while raw
    `nlp.pipe` keeps every word it has seen. Peak RSS (ru_maxrss) includes loading the
    model. Loading and a warm-up call are outside the timings. Under DEBUG Django logs
    every query of a connection (up to 9,000); the app side clears that log after each
    batch, as import_articles does, so that the figures are the app's and not DEBUG's.

    Phase 2, PostgreSQL only: every article is made pending again with no mentions and the
    analysis is queued as real tasks (`analysis_enqueue`, django_tasks_db.DatabaseBackend);
    then `manage.py db_worker --batch --no-startup-delay --no-reload --queue-name '*'` runs
    as 1 process until the queue is drained (the workers exit), and again, after the same
    reset, as 2 concurrent processes. It prints words per second for each, on the wall
    clock from starting the workers to the last exit (start-up and model loading included)
    and within the tasks (first task started to last finished), and the ratio 2 vs 1 (the
    target is 1.6 or more).

    Timings on a shared machine vary from run to run: --repeat R runs every side and worker
    count R times, in turn, and counts the fastest run of each (as timeit does), listing
    them all. It prints figures only and never fails on time; it fails if analysis fails.

The scratch database
    Never the database you work in (see bench/scratch.py): for a PostgreSQL DATABASE_URL
    (or --database-url), `<name>_nerbench` on the same server, dropped, created and
    migrated first and dropped at the end; for SQLite or none, a temporary file (phase 2 is
    skipped: concurrent workers need PostgreSQL).

Run it (from the project root)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/ner_bench.py --n 1000                 # both phases
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom DEBUG=true \\
        .venv/bin/python bench/ner_bench.py --n 10000 --no-workers   # memory over 10,000
    DEBUG=true .venv/bin/python bench/ner_bench.py --n 1000          # SQLite: phase 1

    --batch-size sets both the nlp.pipe batch and the articles per task (default: the
    configured ANALYSIS_BATCH_SIZE); --workers the worker counts of phase 2 (1,2).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from scratch import MANAGE, ScratchDatabase, child_env  # noqa: E402

SOURCES = (ROOT / "tests/fixtures/wikinews_articles.jsonl", ROOT / "data/demo/articles.jsonl")
SEED = 20_240_601
MIN_WORDS, MAX_WORDS = 500, 800
CHECKPOINT = 1_000  # articles between two memory samples
DUMMY_TASKS = "django.tasks.backends.dummy.DummyBackend"
DATABASE_TASKS = "django_tasks_db.DatabaseBackend"
RESULT_PREFIX = "NERBENCH-RESULT "
DESKS = ("world", "politics", "science", "culture", "business", "local", "sport", "health")


# --- Real-looking articles ----------------------------------------------------------------


def _words(text: str) -> int:
    return len(text.split())


def source_pieces(rng: random.Random) -> list[tuple[str, list[str]]]:
    """(title, paragraphs) pieces of 500-800 words, cut from the real articles by paragraphs.

    A long article gives several pieces (a short remainder joins the piece before it); articles
    too short for a piece of their own are gathered into round-ups.
    """
    pieces: list[tuple[str, list[str]]] = []
    shorts: list[str] = []
    for path in SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", record["text"]) if p.strip()]
            if sum(map(_words, paragraphs)) < MIN_WORDS:
                shorts.extend(paragraphs)
                continue
            pieces.extend((record["title"], piece) for piece in _cut(paragraphs, rng))
    pieces.extend(("News in brief", piece) for piece in _cut(shorts, rng))
    return pieces


def _cut(paragraphs: list[str], rng: random.Random) -> list[list[str]]:
    pieces: list[list[str]] = [[]]
    target, count = rng.randint(MIN_WORDS, MAX_WORDS), 0
    for paragraph in paragraphs:
        if count >= MIN_WORDS and count + _words(paragraph) > target:
            pieces.append([])
            target, count = rng.randint(MIN_WORDS, MAX_WORDS), 0
        pieces[-1].append(paragraph)
        count += _words(paragraph)
    if len(pieces) > 1 and count < MIN_WORDS:
        pieces[-2].extend(pieces.pop())
    return pieces


def make_articles(n: int) -> list[dict[str, str]]:
    """N unique articles (same every run): a piece, shuffled after its lede, indexed."""
    rng = random.Random(SEED)
    pieces = source_pieces(rng)
    articles = []
    for i in range(n):
        title, paragraphs = pieces[i % len(pieces)]
        lede, rest = paragraphs[0], paragraphs[1:]
        rng.shuffle(rest)
        desk = rng.choice(DESKS)
        index = f"This is report {i + 1:,} of {n:,} from the {desk} desk."
        articles.append(
            {
                "title": f"{title} ({i + 1})",
                "text": "\n\n".join([index, lede, *rest]),
                "outlet": "Wikinews",
                "language": "en",
            }
        )
    return articles


# --- Child processes ----------------------------------------------------------------------


def env_for(database: ScratchDatabase, **extra: str) -> dict[str, str]:
    """A child's environment: manage.py's on the scratch database (DEBUG on unless set), plus."""
    return {**child_env(database.url), **extra}


# --- Memory -------------------------------------------------------------------------------


def rss_mb() -> float:
    """This process's resident memory now (Linux /proc; elsewhere the peak)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, else KiB


@dataclass
class Measurement:
    """What a phase-1 child reports."""

    articles: int
    words: int
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time (the database server's is not in it)
    mentions: int = 0
    suggestions: int = 0  # the sourcing detector's (app side only)
    failed: int = 0
    start_rss_mb: float = 0.0  # after loading the model, before the timed run
    rss_mb: list[tuple[int, float]] = field(default_factory=list)  # (articles done, RSS)
    peak_rss_mb: float = 0.0

    @property
    def rate(self) -> float:
        return self.words / self.seconds


# --- Children: the code that runs inside Django, in a process of its own -------------------


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def _warm_up() -> None:
    """Load the pipeline and run it once, outside the timings (both sides alike)."""
    from entities.pipeline import get_pipeline

    nlp = get_pipeline().nlp
    with nlp.memory_zone():
        list(nlp.pipe(["Warm-up text about Jane Doe in Paris for Reuters."]))


def child_raw(batch_size: int, *, zoned: bool) -> Measurement:
    """Raw spaCy over every stored text, reading the entities: one nlp.pipe, or one per batch
    inside a memory_zone (`zoned`, what the app does, without the database)."""
    from entities.pipeline import ENTITY_LABELS, get_pipeline
    from newsroom.models import Article

    texts = list(Article.objects.order_by("pk").values_list("text", flat=True))
    _warm_up()
    nlp = get_pipeline().nlp
    result = Measurement(len(texts), sum(map(_words, texts)), start_rss_mb=rss_mb())

    def consume(docs: Iterable[Any], first: int) -> None:
        for done, doc in enumerate(docs, start=first):
            spans = [
                (e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in ENTITY_LABELS
            ]
            result.mentions += len(spans)
            if done % CHECKPOINT == 0:
                result.rss_mb.append((done, rss_mb()))

    start, cpu = time.perf_counter(), time.process_time()
    if zoned:
        for i in range(0, len(texts), batch_size):
            with nlp.memory_zone():
                consume(nlp.pipe(texts[i : i + batch_size], batch_size=batch_size), i + 1)
    else:
        consume(nlp.pipe(texts, batch_size=batch_size), 1)
    result.seconds, result.cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    result.peak_rss_mb = peak_rss_mb()
    return result


def child_app(batch_size: int) -> Measurement:
    """The app: the analysis task's code over every batch, as a worker runs it."""
    from django.db import reset_queries

    from annotations.analysis import analyse
    from newsroom.models import Article

    _reset_analysis()
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    words = sum(map(_words, Article.objects.values_list("text", flat=True).iterator()))
    _warm_up()
    result = Measurement(len(ids), words, start_rss_mb=rss_mb())
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(ids), batch_size):
        outcome = analyse.call(ids[i : i + batch_size])
        result.mentions += outcome["mentions"]
        result.suggestions += outcome["suggestions"]
        result.failed += len(outcome["failed"])
        reset_queries()  # DEBUG's query log (see the module docstring)
        done = min(i + batch_size, len(ids))
        if done // CHECKPOINT > i // CHECKPOINT:
            result.rss_mb.append((done // CHECKPOINT * CHECKPOINT, rss_mb()))
    result.seconds, result.cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    result.peak_rss_mb = peak_rss_mb()
    return result


def _reset_analysis() -> None:
    """Every article pending again, with no mentions and no task results (untimed)."""
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from annotations.models import Claim
    from entities.models import EntityMention
    from newsroom.models import AnalysisState, Article

    # The claims (the rules' suggestions; no editor works in the scratch database) first:
    # they refer to the mentions.
    tables = [connection.ops.quote_name(m._meta.db_table) for m in (Claim, EntityMention)]
    with transaction.atomic(), connection.cursor() as cursor:
        # Straight SQL: the ORM would load every row to send delete signals (history).
        # TRUNCATE leaves no dead rows behind to slow the next run's index scans.
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        Article.objects.update(
            analysis_state=AnalysisState.PENDING,
            analysis_error="",
            analysis_started_at=None,
            analysed_at=None,
        )
        DBTaskResult.objects.all().delete()


def child_queue() -> dict[str, int]:
    """Start phase 2 over (see _reset_analysis), then queue every article's analysis."""
    from annotations.analysis import analysis_enqueue
    from newsroom.models import Article

    _reset_analysis()
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    return {"articles": len(ids), "tasks": analysis_enqueue(article_ids=ids)}


def child_tally() -> dict[str, Any]:
    """After the workers: task outcomes, article states and the span of the tasks."""
    from django.db.models import Count, Max, Min
    from django_tasks_db.models import DBTaskResult

    from entities.models import EntityMention
    from newsroom.models import Article

    span = DBTaskResult.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
    # The analysis tasks; each also queues a refresh of its articles' sourcing figures, which
    # the workers run too (inside the timed span) and which must succeed as well.
    analysis = DBTaskResult.objects.filter(task_path="annotations.analysis.analyse")
    tasks = dict(analysis.values_list("status").annotate(n=Count("pk")))
    others = dict(
        DBTaskResult.objects.exclude(task_path="annotations.analysis.analyse")
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    states = dict(Article.objects.values_list("analysis_state").annotate(n=Count("pk")))
    workers = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else 0.0
    return {
        "tasks": tasks,
        "other_tasks": others,
        "articles": states,
        "mentions": EntityMention.objects.count(),
        "task_seconds": seconds,
        "workers_used": len(workers),
    }


def run_child(command: str, batch_size: int) -> None:
    _django_setup()
    if command in ("raw", "zoned"):
        result: Any = asdict(child_raw(batch_size, zoned=command == "zoned"))
    elif command == "app":
        result = asdict(child_app(batch_size))
    elif command == "queue":
        result = child_queue()
    else:
        result = child_tally()
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def call_child(command: str, database: ScratchDatabase, batch_size: int, tasks: str) -> Any:
    """Run this script as `--child COMMAND` on the scratch database; return what it reports."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", command, "--batch-size", str(batch_size)],
        cwd=ROOT,
        env=env_for(database, TASKS_BACKEND=tasks, ANALYSIS_BATCH_SIZE=str(batch_size)),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in out.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        raise SystemExit(f"child {command!r} reported nothing:\n{out}")
    return json.loads(lines[-1].removeprefix(RESULT_PREFIX))


# --- Phases -------------------------------------------------------------------------------


def import_articles(path: Path, n: int, database: ScratchDatabase) -> None:
    """Store the articles with the real command, queueing no analysis (DummyBackend)."""
    out = subprocess.run(
        [sys.executable, str(MANAGE), "import_articles", str(path), "--no-progress"],
        cwd=ROOT,
        env=env_for(database, TASKS_BACKEND=DUMMY_TASKS),
        capture_output=True,
        text=True,
    )
    if out.returncode != 0 or f"Imported {n} article" not in out.stdout:
        raise SystemExit(f"the import did not store {n} articles:\n{out.stdout}{out.stderr}")


SIDES = {
    "raw": "raw nlp.pipe",
    "zoned": "raw, zone per batch",
    "app": "app (analysis task)",
}


def phase_one(
    database: ScratchDatabase, batch_size: int, sides: list[str], repeat: int
) -> dict[str, list[Measurement]]:
    """Every run of each side, each in a fresh process of its own, the sides in turn."""
    runs: dict[str, list[Measurement]] = {side: [] for side in sides}
    for _ in range(repeat):
        for side in sides:
            run = Measurement(**call_child(side, database, batch_size, DUMMY_TASKS))
            if run.failed:
                raise SystemExit(f"the app failed to analyse {run.failed} article(s)")
            runs[side].append(run)
    return runs


@dataclass
class WorkerRun:
    workers: int
    words: int
    wall_seconds: float
    task_seconds: float
    tasks: int
    workers_used: int
    peak_rss_mb: list[float]

    @property
    def wall_rate(self) -> float:
        return self.words / self.wall_seconds

    @property
    def task_rate(self) -> float:
        return self.words / self.task_seconds


def run_workers(
    workers: int, words: int, database: ScratchDatabase, batch_size: int, logdir: Path
) -> WorkerRun:
    """Queue every article afresh, then time `workers` db_worker processes draining it."""
    queued = call_child("queue", database, batch_size, DATABASE_TASKS)
    env = env_for(database, TASKS_BACKEND=DATABASE_TASKS, ANALYSIS_BATCH_SIZE=str(batch_size))
    command = [
        sys.executable,
        str(MANAGE),
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        "--queue-name",
        "*",
    ]
    logs = [logdir / f"worker-{workers}-{i}.log" for i in range(workers)]
    peaks: list[float] = []
    start = time.perf_counter()
    processes = []
    for log in logs:
        with log.open("wb") as out:
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out))
    failed = []
    for process, log in zip(processes, logs, strict=True):
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        peaks.append(usage.ru_maxrss / 1024)
        if process.returncode:
            failed.append(f"{log.name} exited {process.returncode}:\n{log.read_text()[-3000:]}")
    wall = time.perf_counter() - start
    if failed:
        raise SystemExit("\n".join(failed))
    tally = call_child("tally", database, batch_size, DATABASE_TASKS)
    if (
        tally["tasks"] != {"SUCCESSFUL": queued["tasks"]}
        or set(tally["other_tasks"]) - {"SUCCESSFUL"}
        or tally["articles"] != {"done": queued["articles"]}
    ):
        raise SystemExit(f"{workers} worker(s) did not analyse every article: {tally}")
    return WorkerRun(
        workers=workers,
        words=words,
        wall_seconds=wall,
        task_seconds=tally["task_seconds"],
        tasks=queued["tasks"],
        workers_used=tally["workers_used"],
        peak_rss_mb=peaks,
    )


# --- Report -------------------------------------------------------------------------------


def print_phase_one(runs: dict[str, list[Measurement]], batch_size: int) -> None:
    # The fastest run of each side counts, as with timeit: the others were slowed down by
    # something else on the machine.
    results = {side: min(side_runs, key=lambda m: m.seconds) for side, side_runs in runs.items()}
    raw, app = results["raw"], results["app"]
    repeat = len(runs["raw"])
    print()
    print(
        f"Phase 1: one process, {raw.articles:,} articles, {raw.words:,} words, "
        f"{batch_size} articles per nlp.pipe batch and per task"
        + (f"; fastest of {repeat} runs each" if repeat > 1 else "")
    )
    print(
        f"{'':<22}{'seconds':>9}{'words/s':>10}{'articles/s':>12}{'CPU s':>8}{'mentions':>10}"
        f"{'RSS start':>11}{'peak RSS':>10}"
    )
    for side, m in results.items():
        print(
            f"{SIDES[side]:<22}{m.seconds:>9.1f}{m.rate:>10,.0f}{m.articles / m.seconds:>12.1f}"
            f"{m.cpu_seconds:>8.1f}{m.mentions:>10,}{m.start_rss_mb:>8.0f} MB"
            f"{m.peak_rss_mb:>7.0f} MB"
        )
    if repeat > 1:
        for side, side_runs in runs.items():
            print(f"  {SIDES[side]} runs, s: " + ", ".join(f"{m.seconds:.1f}" for m in side_runs))
    print(f"the app also wrote {app.suggestions:,} sourcing suggestions (the detector's claims)")
    print(
        f"app / raw: {app.rate / raw.rate:.2f} (target 0.9 or more); "
        f"in CPU time {raw.cpu_seconds / app.cpu_seconds:.2f}"
    )
    if "zoned" in results:
        zoned = results["zoned"]
        print(
            f"of which memory zones (zoned / raw): {zoned.rate / raw.rate:.2f}, "
            f"the app's own work (app / zoned): {app.rate / zoned.rate:.2f}"
        )
    if any(m.rss_mb for m in results.values()):
        print()
        print("Resident memory after each 1,000 articles (MB)")
        print(f"{'articles':>10}" + "".join(f"{side:>8}" for side in results))
        for row in zip(*(m.rss_mb for m in results.values()), strict=True):
            print(f"{row[0][0]:>10,}" + "".join(f"{mb:>8.0f}" for _, mb in row))
        for side, m in results.items():
            if len(m.rss_mb) > 1:
                (first, low), (last, high) = m.rss_mb[0], m.rss_mb[-1]
                print(
                    f"{side}: {high - low:+.0f} MB from {first:,} to {last:,} articles "
                    f"({(high - low) / (last - first) * 1000:+.1f} MB per 1,000)"
                )


def print_phase_two(all_runs: dict[int, list[WorkerRun]], batch_size: int) -> None:
    runs = [min(w_runs, key=lambda r: r.wall_seconds) for w_runs in all_runs.values()]
    repeat = len(next(iter(all_runs.values())))
    print()
    print(
        f"Phase 2: db_worker processes draining {runs[0].tasks} tasks of {batch_size} articles "
        f"({runs[0].words:,} words); wall = start of the workers to the last exit"
        + (f"; fastest of {repeat} runs each" if repeat > 1 else "")
    )
    print(
        f"{'workers':>7}{'wall s':>9}{'words/s':>10}{'in tasks s':>12}{'words/s':>10}"
        f"{'peak RSS per worker':>22}"
    )
    for run in runs:
        peaks = ", ".join(f"{p:.0f}" for p in run.peak_rss_mb)
        print(
            f"{run.workers:>7}{run.wall_seconds:>9.1f}{run.wall_rate:>10,.0f}"
            f"{run.task_seconds:>12.1f}{run.task_rate:>10,.0f}{peaks:>19} MB"
        )
    if repeat > 1:
        for workers, w_runs in all_runs.items():
            walls = ", ".join(f"{r.wall_seconds:.1f}" for r in w_runs)
            print(f"  {workers} worker(s) runs, wall s: {walls}")
    base = runs[0]
    for run in runs[1:]:
        print(
            f"{run.workers} vs {base.workers}: {run.wall_rate / base.wall_rate:.2f}x on the wall "
            f"clock, {run.task_rate / base.task_rate:.2f}x within the tasks "
            f"(target 1.6x or more for 2 vs 1)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="articles (default 1,000)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="server to benchmark on (default: $DATABASE_URL; SQLite if unset)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="articles per nlp.pipe batch and per task (default: ANALYSIS_BATCH_SIZE)",
    )
    parser.add_argument(
        "--workers",
        default="1,2",
        help="phase 2: worker counts to run, comma-separated, the first as the base (1,2)",
    )
    parser.add_argument(
        "--no-zoned",
        action="store_true",
        help="phase 1: skip raw nlp.pipe in a memory zone per batch (the third side)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each side (phase 1) and worker count (phase 2) this many times, in turn, "
        "and count the fastest run (default 1)",
    )
    parser.add_argument("--no-workers", action="store_true", help="skip phase 2")
    parser.add_argument("--child", choices=(*SIDES, "queue", "tally"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child, args.batch_size)
        return
    if args.n < 1:
        parser.error("--n must be at least 1")
    worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    batch_size = args.batch_size or int(os.environ.get("ANALYSIS_BATCH_SIZE", "50"))

    workdir = Path(tempfile.mkdtemp(prefix="ner-bench-"))
    database = ScratchDatabase.for_url(args.database_url, workdir, suffix="_nerbench")
    import spacy

    print(
        f"NER benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"spaCy {spacy.__version__}"
    )
    print(f"Database: {database.description}")
    print(f"DEBUG={env_for(database)['DEBUG']} in the child processes")
    try:
        articles = make_articles(args.n)
        path = workdir / "articles.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for article in articles:
                out.write(json.dumps(article, ensure_ascii=False) + "\n")
        words = sum(_words(a["text"]) for a in articles)
        print(
            f"Built {args.n:,} articles from the Wikinews fixtures: {words:,} words, "
            f"{words / args.n:,.0f} per article"
        )
        database.reset()
        import_articles(path, args.n, database)
        sides = [side for side in SIDES if side != "zoned" or not args.no_zoned]
        runs = phase_one(database, batch_size, sides, args.repeat)
        print_phase_one(runs, batch_size)
        if args.no_workers:
            pass
        elif database.vendor != "postgresql":
            print("\nPhase 2 skipped: concurrent workers need PostgreSQL.")
        else:
            words = runs["raw"][0].words
            worker_runs: dict[int, list[WorkerRun]] = {w: [] for w in worker_counts}
            for _ in range(args.repeat):
                for w in worker_counts:
                    worker_runs[w].append(run_workers(w, words, database, batch_size, workdir))
            print_phase_two(worker_runs, batch_size)
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
