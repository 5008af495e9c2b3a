"""The first requests after a start: what a fresh web process makes its first users wait for.

What it measures
    Issue 18 found three actions slow the first time after a start: creating an account on
    the Team page (5.4 s), the first "Add entity" (3.4 s) and the API docs (2.8 s). This
    benchmark starts the app as it is deployed (gunicorn, one sync worker, production
    settings: DEBUG off, manifest static files) on a scratch database holding one admin and
    one real-length Wikinews article, and times, client side over loopback:

    - start-up: from starting gunicorn until its worker serves a static file (the app is
      loaded: settings, apps, middleware; no view has run);
    - the first login page, the login itself, the first article list;
    - the article list again, --repeat times: the baseline, "normal page time", measured in
      the same run by the same server;
    - then each slow spot twice, first and second time: the Team page's "Create account",
      the annotate page and its "Add entity" (htmx), the API docs page and the OpenAPI
      document its script then loads.

    It prints, per action, the first and the second time and the first time as a multiple of
    the baseline (the median of the repeated article list), the median over --rounds fresh
    starts. Figures only: it never fails on time.

Before and after
    --checkout DIR runs another checkout's code (its manage.py, migrations and gunicorn app)
    on its own scratch database, e.g. the commit before a change exported with
    `git archive <commit> | tar -x -C /tmp/before`. Run both back to back and compare the
    ratios: the machines are shared, so absolute times drift between runs.

Run it (from the project root)
    .venv/bin/python bench/first_requests.py [--rounds 3] [--checkout /tmp/before]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from load_bench import Session, free_port, server_env  # noqa: E402
from scratch import ScratchDatabase, child_env  # noqa: E402
from wikinews import article  # noqa: E402

# Run by the checkout's manage.py shell: one admin with a known password, one article.
SETUP = """
import json
from django.contrib.auth import get_user_model
from newsroom.accounts import user_create
from newsroom.importer import articles_import
from newsroom.models import Article
record = json.loads(open({record!r}, encoding="utf-8").read())
user, _ = user_create(username="bench-admin", role="admin")
user.set_password({password!r})
user.save()
articles_import(records=[(1, record)])
print(json.dumps({{"article": Article.objects.get().pk}}))
"""
PASSWORD = "bench-password-not-secret"  # noqa: S105 (a scratch database's throwaway user)
STATIC = "/static/favicon.svg"
# Capitalised words of the article: what an editor would tag as an entity.
WORD = re.compile(r"\b[A-Z][a-z]{3,}\b")


def prepare(manage: Path, database: ScratchDatabase, workdir: Path) -> dict:
    """Migrate the scratch database, store the admin and the article, collect static files."""
    database.reset(manage=manage)
    record = article(1)
    record_path = workdir / "record.json"
    record_path.write_text(json.dumps(record), encoding="utf-8")
    code = SETUP.format(record=str(record_path), password=PASSWORD)
    env = {**child_env(database.url), "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    out = subprocess.run(
        [sys.executable, str(manage), "shell", "-c", code],
        cwd=manage.parent,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    plan = json.loads(out.strip().splitlines()[-1])
    words = [(m.start(), m.end()) for m in WORD.finditer(record["text"])]
    plan["words"] = words[len(words) // 3 :][:40]  # away from the title-like first lines
    collect = [sys.executable, str(manage), "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, cwd=manage.parent, env=production_env(database.url), check=True)
    return plan


def production_env(database_url: str) -> dict[str, str]:
    return server_env(database_url, SimpleNamespace(pool_max=0))


def csrf_token(page: bytes) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found.group(1).decode()


def timed(session: Session, method: str, path: str, expect: int, **kwargs) -> tuple[float, bytes]:
    started = time.perf_counter()
    status, body = session.request(method, path, **kwargs)
    ms = (time.perf_counter() - started) * 1000
    if status != expect:
        raise SystemExit(f"{method} {path}: status {status}, expected {expect}: {body[:300]!r}")
    return ms, body


def worker_rss_mb(master: int) -> float:
    """The resident memory of gunicorn's (one) worker, in MB (Linux)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    status = Path(f"/proc/{children[0]}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024


def one_round(manage: Path, database: ScratchDatabase, plan: dict, n: int, repeat: int) -> dict:
    """Start gunicorn, time the first requests, stop it; milliseconds by action."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--log-level", "warning", "--timeout", "120"]
    started = time.perf_counter()
    server = subprocess.Popen(
        command, cwd=manage.parent, env=production_env(database.url), start_new_session=True
    )
    times: dict[str, float] = {}
    try:
        probe = Session(port)
        while True:  # the port is bound before the worker has loaded the app: ask it a file
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited with status {server.returncode}")
            try:
                if probe.request("GET", STATIC)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        times["start-up (until a static file is served)"] = (time.perf_counter() - started) * 1000
        memory = {"worker memory after start-up, MB": worker_rss_mb(server.pid)}

        user = Session(port)
        times["login page (first request)"], page = timed(user, "GET", "/accounts/login/", 200)
        form = {"username": "bench-admin", "password": PASSWORD, "next": "/articles/"}
        form["csrfmiddlewaretoken"] = csrf_token(page)
        times["log in (one password check)"], _ = timed(
            user, "POST", "/accounts/login/", 302, body=urlencode(form)
        )
        times["article list, first"], _ = timed(user, "GET", "/articles/", 200)
        lists = [timed(user, "GET", "/articles/", 200)[0] for _ in range(repeat)]
        times["baseline: article list (median)"] = statistics.median(lists)

        _, page = timed(user, "GET", "/team/", 200)
        for which in ("first", "second"):
            form = {"username": f"bench-{n}-{which}", "role": "editor", "email": ""}
            form["csrfmiddlewaretoken"] = csrf_token(page)
            times[f"Team: create account, {which}"], page = timed(
                user, "POST", "/team/", 200, body=urlencode(form)
            )

        article_url = f"/articles/{plan['article']}/"
        times["annotate page, first"], page = timed(user, "GET", article_url, 200)
        htmx = {"HX-Request": "true", "HX-Target": "mention-panel", "X-CSRFToken": csrf_token(page)}
        for which, (start, end) in zip(("first", "second"), plan["words"][::7], strict=False):
            body = urlencode({"start": start, "end": end, "label": "PERSON"})
            times[f"Add entity, {which}"], _ = timed(
                user, "POST", f"{article_url}entities/", 200, body=body, headers=htmx
            )

        for which in ("first", "second"):
            times[f"API docs page, {which}"], _ = timed(user, "GET", "/api/v1/docs", 200)
            times[f"OpenAPI document, {which}"], _ = timed(user, "GET", "/api/v1/openapi.json", 200)
        memory["worker memory at the end, MB"] = worker_rss_mb(server.pid)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    return times | memory


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh starts (default 3)")
    parser.add_argument("--repeat", type=int, default=15, help="baseline requests per start")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the code to run")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args(argv)
    manage = args.checkout.resolve() / "manage.py"
    if not manage.exists():
        parser.error(f"no manage.py in {args.checkout}")

    workdir = Path(tempfile.mkdtemp(prefix="first-requests-"))
    database = ScratchDatabase.for_url(args.database_url, workdir, suffix="_firstbench")
    print(f"code: {manage.parent}\ndatabase: {database.description}", flush=True)
    try:
        plan = prepare(manage, database, workdir)
        rounds = []
        for n in range(args.rounds):
            rounds.append(one_round(manage, database, plan, n, args.repeat))
            print(f"  round {n + 1}: done", flush=True)
    finally:
        database.drop()

    baseline = statistics.median(r["baseline: article list (median)"] for r in rounds)
    print(f"\nmedian of {args.rounds} fresh starts (gunicorn, 1 worker, production settings):")
    for name in rounds[0]:
        ms = statistics.median(r[name] for r in rounds)
        spread = ", ".join(f"{r[name]:.0f}" for r in rounds)
        if name.endswith("MB"):
            print(f"  {name:<42} {ms:8.1f} MB  {'':<18} ({spread})")
            continue
        ratio = "" if name.startswith("baseline") else f"{ms / baseline:6.1f} x baseline"
        print(f"  {name:<42} {ms:8.1f} ms  {ratio:<18} ({spread})")


if __name__ == "__main__":
    main()
