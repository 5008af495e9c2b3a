"""Backing up and restoring the database (manage.py backup / restore); see README.

SQLite is copied with SQLite's online backup API: a consistent snapshot, including writes
still in the WAL file, taken while the app and workers keep running (copying the file with
`cp` can catch it mid-write and misses the WAL). PostgreSQL is dumped with `pg_dump -Fc`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def default_path(suffix: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "backups" / f"newsroom-{stamp}{suffix}"


def check_sqlite_file(path: Path) -> None:
    """Raise BackupError unless `path` is an intact SQLite database made by Newsroom."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path} is not a SQLite database")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        [(result,)] = db.execute("PRAGMA quick_check").fetchall()
        if result != "ok":
            raise BackupError(f"{path} is damaged: {result}")
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if not {"django_migrations", "newsroom_article"} <= tables:
            raise BackupError(f"{path} is not a Newsroom database (no newsroom_article table)")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    finally:
        db.close()


def backup_sqlite(dest: Path, alias: str = "default") -> None:
    """Snapshot the live SQLite database into `dest` (written beside it, then renamed)."""
    connection = connections[alias]
    connection.ensure_connection()
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    target = sqlite3.connect(partial)
    try:
        # Copies in steps of 1024 pages; writers may commit between steps (the copy restarts
        # from a consistent state when they do), so the app need not stop.
        connection.connection.backup(target, pages=1024)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()
    os.replace(partial, dest)
    check_sqlite_file(dest)


def restore_sqlite(source: Path, alias: str = "default") -> Path | None:
    """Replace the live SQLite database's contents with `source`; return the safety copy made
    of the current database first (None for an in-memory database)."""
    check_sqlite_file(source)
    connection = connections[alias]
    name = str(connection.settings_dict["NAME"])
    safety = None
    if not connection.is_in_memory_db():
        safety = Path(name).with_name(
            f"{Path(name).name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}"
        )
        backup_sqlite(safety, alias)
    connection.ensure_connection()
    if not connection.get_autocommit():
        raise BackupError("cannot restore inside a transaction")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        src.backup(connection.connection)
    finally:
        src.close()
    return safety


def _pg_env(alias: str) -> dict[str, str]:
    s = connections[alias].settings_dict
    env = dict(os.environ)
    for var, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ]:
        if s.get(key):
            env[var] = str(s[key])
    return env


def backup_postgresql(dest: Path, alias: str = "default") -> None:
    """`pg_dump -Fc` of the database into `dest` (the connection details go in PG* variables,
    not on the command line, where other users could read the password)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not installed here (Debian: apt install postgresql-client). Or run it "
            'where it is: pg_dump -Fc --no-owner -f newsroom.dump "$DATABASE_URL"'
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 (a fixed program; the path is ours)
        [pg_dump, "--format=custom", "--no-owner", f"--file={dest}"],
        env=_pg_env(alias),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
