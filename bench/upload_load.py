"""Large uploads leave the web workers free: the login page's latency while three 20 MB
uploads are checked and imported, against the same page with nothing running.

What it does
    Builds a scratch database (bench/scratch.py), makes an editor, starts gunicorn with
    production settings (as bench/load_bench.py does: 3 workers by default) and one task
    worker (`manage.py db_worker`), then:

    1. baseline: requests the login page (the whole Django stack) every 0.1 s for
       --baseline seconds and keeps the latencies;
    2. uploads three files of about --megabytes MB each at once, from three logged-in
       sessions: two of `{}` lines (millions of bad records) and one of valid tiny articles
       (hundreds of thousands), and times each upload request;
    3. while the worker checks and imports them, requests the login page every 0.1 s, until
       every job has finished or --max-wait seconds have passed;
    4. prints the upload requests' times, the login page's p50/p95/max during the jobs and
       in the baseline, their ratio, and each job's outcome (state, records checked, errors,
       seconds).

    Figures only: it never fails on time (the machines are shared and noisy).

Run it (from the project root)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom .venv/bin/python bench/upload_load.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from load_bench import Session, free_port, gunicorn_command, server_env, wait_ready  # noqa: E402
from scratch import ScratchDatabase, child_env  # noqa: E402

PASSWORD = "upload-bench-password-123"  # noqa: S105 (a scratch account)
PROBE_EVERY = 0.1


def empty_objects(megabytes: float) -> bytes:
    return b"{}\n" * int(megabytes * 1e6 / 3)


def tiny_articles(megabytes: float) -> bytes:
    lines, size, n = [], 0, 0
    while size < megabytes * 1e6:
        n += 1
        line = json.dumps({"title": f"T{n}", "text": f"Tiny article number {n}."}).encode()
        lines.append(line + b"\n")
        size += len(line) + 1
    return b"".join(lines)


def multipart(field: str, filename: str, content: bytes, token: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), boundary


def upload(port: int, username: str, name: str, content: bytes, out: dict) -> None:
    session = Session(port)
    session.login(username, PASSWORD)
    _, page = session.request("GET", "/articles/upload/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body, boundary = multipart("file", name, content, token)
    cookies = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request(
        "POST",
        "/articles/upload/",
        body=body,
        headers={"Cookie": cookies, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    out[name] = {"status": response.status, "seconds": time.perf_counter() - started}


def probe(port: int, until: threading.Event, latencies: list[float]) -> None:
    session = Session(port)
    while not until.is_set():
        started = time.perf_counter()
        status, _ = session.request("GET", "/accounts/login/")
        if status == 200:
            latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(PROBE_EVERY)


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "no answers"
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"n={len(ordered)} p50={statistics.median(ordered):.1f} ms p95={p95:.1f} ms "
        f"max={ordered[-1]:.1f} ms"
    )


def manage(db: ScratchDatabase, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(db.url),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def jobs(db: ScratchDatabase) -> list[dict]:
    code = (
        "import json; from newsroom.models import ImportJob; print(json.dumps(list("
        "ImportJob.objects.values('filename','state','records_checked','error_count',"
        "'started_at','finished_at')), default=str))"
    )
    return json.loads(manage(db, "shell", "-c", code).strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--megabytes", type=float, default=19.5)
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of baseline")
    parser.add_argument("--max-wait", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--pool-max", type=int, default=0)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="upload-bench-"))
    db = ScratchDatabase.for_url(args.database_url, workdir, suffix="_uploadbench")
    print(f"database: {db.description}", flush=True)
    db.reset()
    for name in ("erin", "bo", "cy"):
        manage(
            db,
            "shell",
            "-c",
            "from newsroom.accounts import user_create; "
            f"u, _ = user_create(username={name!r}, role='editor'); "
            f"u.set_password({PASSWORD!r}); u.save()",
        )
    files = {
        "empty-1.jsonl": empty_objects(args.megabytes),
        "empty-2.jsonl": empty_objects(args.megabytes),
        "tiny-articles.jsonl": tiny_articles(args.megabytes),
    }
    for name, content in files.items():
        print(f"{name}: {len(content) / 1e6:.1f} MB, {content.count(b'\n'):,} lines", flush=True)

    port = free_port()
    env = server_env(db.url, args)
    web = subprocess.Popen(gunicorn_command(port, args), cwd=ROOT, env=env)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*"], cwd=ROOT, env=env
    )
    try:
        wait_ready(port, web)
        baseline: list[float] = []
        stop = threading.Event()
        prober = threading.Thread(target=probe, args=(port, stop, baseline))
        prober.start()
        time.sleep(args.baseline)
        stop.set()
        prober.join()

        during: list[float] = []
        stop = threading.Event()
        prober = threading.Thread(target=probe, args=(port, stop, during))
        prober.start()
        uploads: dict = {}
        threads = [
            threading.Thread(target=upload, args=(port, user, name, content, uploads))
            for user, (name, content) in zip(("erin", "bo", "cy"), files.items(), strict=True)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        while time.monotonic() - started < args.max_wait:
            states = [j["state"] for j in jobs(db)]
            if len(states) == len(files) and all(
                s in ("done", "rejected", "failed") for s in states
            ):
                break
            time.sleep(2)
        stop.set()
        prober.join()
        print("\nupload requests (the web request only stores the file):")
        for name, result in uploads.items():
            print(f"  {name}: HTTP {result['status']} in {result['seconds']:.2f} s")
        print(f"\nlogin page, nothing running:   {summary(baseline)}")
        print(f"login page, while jobs ran:    {summary(during)}")
        if baseline and during:
            ratio = statistics.median(during) / statistics.median(baseline)
            print(f"p50 while jobs ran / baseline: {ratio:.2f}")
        print("\njobs:")
        for job in jobs(db):
            print(
                f"  {job['filename']}: {job['state']}, {job['records_checked']:,} checked, "
                f"{job['error_count']:,} errors, started {job['started_at']}, "
                f"finished {job['finished_at']}"
            )
    finally:
        for process in (web, worker):
            process.terminate()
            process.wait(timeout=30)
        db.drop()


if __name__ == "__main__":
    main()
