"""Fault injection: PostgreSQL stops (immediate shutdown, as a crash) in the middle of a
large import, in the middle of an analysis batch, and under a serving app.

Not a CI test: it starts its OWN throwaway PostgreSQL cluster (initdb into a temporary
folder, a spare port, a socket in /tmp) and stops and restarts only that one; the cluster
DATABASE_URL names is never touched. Needs the PostgreSQL server binaries
(/usr/lib/postgresql/*/bin); run as root it runs them as the `postgres` OS user.

    DEBUG=true .venv/bin/python bench/faults.py                  # 20,000 articles, port 5439
    DEBUG=true .venv/bin/python bench/faults.py --articles 5000 --only import

Checks (exit status 1 if any fails) and figures, printed; docs/reliability.md, "Faults":
  (a) import: stopped mid-transaction, nothing of it is left (articles, outlets, tasks);
      the same command then imports every article;
  (b) analysis: stopped mid-batch (`analyse --now`) and restarted after --outage seconds:
      no article half-written; the analysis waits for the database, runs the batch in
      flight again and finishes the rest (annotations.analysis, ANALYSIS_DATABASE_WAIT);
  (c) serving (gunicorn, the production server): stopped and restarted, the seconds until
      the app answers 200 again, and how many requests failed after the database was back.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MANAGE = [PYTHON, str(ROOT / "manage.py")]
DB_NAME = "newsroom_faults"
RECOVERY_TARGET = 5.0  # seconds from "database accepting connections" to a 200


class Cluster:
    """A private PostgreSQL cluster in a temporary folder."""

    def __init__(self, workdir: Path, port: int):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
        if not bins:
            raise SystemExit("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
        self.bin = Path(bins[-1])
        self.data = workdir / "pgdata"
        self.log = workdir / "postgres.log"
        self.port = port
        self.url = f"postgres://postgres@127.0.0.1:{port}/{DB_NAME}"
        self.admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(workdir, "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DB_NAME}")

    def start(self) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def crash(self) -> None:
        """Immediate shutdown: no checkpoint, every backend killed, as after a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def scalar(self, sql: str, params: tuple = ()) -> int:
        return self.query(sql, params)[0][0]


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def __call__(self, ok: bool, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            self.failed.append(what)


def manage_env(cluster: Cluster) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": cluster.url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
    }


def manage(cluster: Cluster, *args: str, **popen) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MANAGE, *args], env=manage_env(cluster), cwd=ROOT, capture_output=True, text=True
    )


def write_articles(path: Path, count: int) -> None:
    filler = ["council", "budget", "transport", "housing", "school", "hospital", "market"]
    with path.open("w") as out:
        for i in range(count):
            words = " ".join(filler[(i * 7 + k) % len(filler)] for k in range(80))
            text = (
                f"Report {i}. Angela Merkel met officials of Siemens in Berlin on Monday, "
                f"a spokesperson said. Critics, who asked not to be named, disagreed. {words} "
                f"(item {i})"
            )
            record = {
                "title": f"Fault test article {i}",
                "text": text,
                "outlet": f"Outlet {i % 50}",
                "url": f"https://example.org/faults/{i}",
            }
            out.write(json.dumps(record) + "\n")


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(psycopg.Error):
            if predicate():
                return True
        time.sleep(step)
    return False


def scenario_import(cluster: Cluster, workdir: Path, count: int, check: Checks) -> None:
    print(f"\n(a) import of {count:,} articles, PostgreSQL stopped mid-import")
    source = workdir / "articles.jsonl"
    write_articles(source, count)
    print(f"  file: {source.stat().st_size / 1e6:.1f} MB")
    env = manage_env(cluster)
    cmd = [*MANAGE, "import_articles", str(source), "--no-progress"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The heap grows with uncommitted rows: stop once a good part of the file is written.
    empty = cluster.scalar("SELECT pg_total_relation_size('newsroom_article')")
    target = empty + count * 1100 * 0.4
    reached = wait_for(
        lambda: cluster.scalar("SELECT pg_total_relation_size('newsroom_article')") >= target,
        timeout=600,
    )
    written = cluster.scalar("SELECT pg_total_relation_size('newsroom_article')") - empty
    cluster.crash()
    crashed_at = time.monotonic() - started
    _, err = proc.communicate(timeout=120)
    print(
        f"  stopped after {crashed_at:.1f} s with {written / 1e6:.1f} MB of uncommitted rows;"
        f" import exited {proc.returncode}: {err.decode().strip().splitlines()[-1:]}"
    )
    check(reached and proc.returncode != 0, "the import was interrupted and exited non-zero")
    cluster.start()
    check(
        cluster.scalar("SELECT count(*) FROM newsroom_article") == 0
        and cluster.scalar("SELECT count(*) FROM newsroom_outlet") == 0
        and cluster.scalar("SELECT count(*) FROM django_tasks_database_dbtaskresult") == 0,
        "after restart: 0 articles, 0 outlets, 0 queued tasks (rolled back completely)",
    )
    started = time.monotonic()
    rerun = manage(cluster, "import_articles", str(source), "--no-progress")
    took = time.monotonic() - started
    stored = cluster.scalar("SELECT count(*) FROM newsroom_article")
    print(f"  re-run: {took:.1f} s, {rerun.stdout.strip()!r}")
    check(rerun.returncode == 0 and stored == count, f"re-run imported all {count:,} articles")


def scenario_analysis(cluster: Cluster, batches: int, outage: float, check: Checks) -> None:
    size = 50
    print(f"\n(b) analysis of {batches} batches of {size} (analyse --now), stopped mid-run")
    ids = [
        r[0]
        for r in cluster.query(
            "SELECT id FROM newsroom_article ORDER BY id LIMIT %s", (batches * size,)
        )
    ]
    # The import queued the whole store for the workers; none runs here.
    cluster.query("DELETE FROM django_tasks_database_dbtaskresult")
    cmd = [*MANAGE, "analyse", "--now", "--no-progress", *(f"--article={pk}" for pk in ids)]
    env = {**manage_env(cluster), "ANALYSIS_BATCH_SIZE": str(size)}
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    states = "SELECT analysis_state, count(*) FROM newsroom_article WHERE id = ANY(%s) GROUP BY 1"

    def second_batch_running() -> bool:
        found = dict(cluster.query(states, (ids,)))
        return found.get("done", 0) >= size and found.get("running", 0) > 0

    reached = wait_for(second_batch_running, timeout=600)
    time.sleep(0.3)  # into the batch: spaCy is running or the write is under way
    cluster.crash()
    time.sleep(outage)
    cluster.start()
    back = time.monotonic()
    _, err = proc.communicate(timeout=900)
    took = time.monotonic() - back
    tail = err.decode().strip().splitlines()[-1:]
    print(f"  database down {outage:.0f} s; analyse exited {proc.returncode} {took:.1f} s later")
    if proc.returncode:
        print(f"  last error line: {tail}")
    check(reached, "the analysis was interrupted mid-batch")
    found = dict(cluster.query(states, (ids,)))
    print(f"  states after: {found}")
    half = cluster.scalar(
        "SELECT count(*) FROM newsroom_article a WHERE a.id = ANY(%s)"
        " AND a.analysis_state <> 'done' AND (EXISTS (SELECT 1 FROM entities_entitymention m"
        " WHERE m.article_id = a.id) OR EXISTS (SELECT 1 FROM annotations_claim c"
        " WHERE c.article_id = a.id))",
        (ids,),
    )
    check(half == 0, "no article half-written")
    check(
        proc.returncode == 0 and found == {"done": len(ids)},
        "the batch in flight ran again once the database was back, and the rest after it",
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, cookie: str, timeout: float = 15) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return 0


def outage_once(
    cluster: Cluster, url: str, cookie: str, outage: float, busy: bool, check: Checks
) -> None:
    """One outage: requests keep coming while the database is down (`busy`), or none do,
    so that the pools still hold the connections the restart killed."""
    print(f"  - outage with {'requests all along' if busy else 'no request while down'}")
    for _ in range(20):  # both workers, their pools filled
        get(url, cookie)
    cluster.crash()
    down_at = time.monotonic()
    during = []
    while time.monotonic() - down_at < outage:
        if busy:
            t = time.monotonic()
            during.append((get(url, cookie), round(time.monotonic() - t, 2)))
        else:
            time.sleep(0.1)
    cluster.start()
    up_at = time.monotonic()
    after = []
    first_ok = None
    while time.monotonic() - up_at < 30:
        status = get(url, cookie)
        after.append(status)
        if status == 200 and first_ok is None:
            first_ok = time.monotonic() - up_at
        if first_ok is not None and len(after) >= 40:
            break
        time.sleep(0.05)
    failed_after = [s for s in after if s != 200]
    if busy:
        print(f"    while down: {len(during)} requests, (status, seconds): {during[:6]}")
    first = "never" if first_ok is None else f"{first_ok:.2f} s"
    print(
        f"    after restart: first 200 in {first}; {len(after)} requests,"
        f" {len(failed_after)} not 200: {failed_after}"
    )
    check(
        first_ok is not None and first_ok <= RECOVERY_TARGET,
        f"serving again within {RECOVERY_TARGET:.0f} s of the database coming back",
    )
    check(not failed_after, "no request failed once the database was back")


def scenario_serving(cluster: Cluster, workdir: Path, outage: float, check: Checks) -> None:
    print(f"\n(c) gunicorn serving; PostgreSQL stopped for {outage:.0f} s and restarted")
    login = manage(
        cluster,
        "shell",
        "-c",
        "from django.test import Client; from newsroom.accounts import user_create; "
        "u, _ = user_create(username='faults', role='admin'); c = Client(); c.force_login(u); "
        "print(c.cookies['sessionid'].value)",
    )
    cookie = f"sessionid={login.stdout.strip().splitlines()[-1]}"
    port = free_port()
    gunicorn = Path(PYTHON).with_name("gunicorn")
    log = (workdir / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "newsroom.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60"],
        env=manage_env(cluster),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/articles/"
    try:
        if not wait_for(lambda: get(url, cookie, timeout=2) == 200, timeout=60, step=0.2):
            check(False, "gunicorn answered 200 before the fault")
            return
        for busy in (True, False):
            outage_once(cluster, url, cookie, outage, busy, check)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--batches", type=int, default=6, help="analysis batches of 50")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds the database is down")
    parser.add_argument("--port", type=int, default=5439)
    parser.add_argument("--only", choices=["import", "analysis", "serving"], action="append")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder")
    args = parser.parse_args()
    only = set(args.only or ["import", "analysis", "serving"])
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-faults-"))
    cluster = Cluster(workdir, args.port)
    check = Checks()
    try:
        cluster.init()
        print(f"private cluster: {cluster.bin.parent.name}, {cluster.url} (data in {workdir})")
        migrated = manage(cluster, "migrate", "--noinput", "-v0")
        if migrated.returncode:
            raise SystemExit(migrated.stderr)
        if only & {"import", "analysis"}:
            scenario_import(cluster, workdir, args.articles, check)
        if "analysis" in only:
            scenario_analysis(cluster, args.batches, args.outage, check)
        if "serving" in only:
            scenario_serving(cluster, workdir, args.outage, check)
    finally:
        cluster.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{'all checks passed' if not check.failed else 'FAILED: ' + '; '.join(check.failed)}")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
