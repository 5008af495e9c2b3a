"""manage.py backup / restore on SQLite, the procedure README's "Backup and restore" gives."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def manage(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{db}")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def groups(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM auth_group")}
    finally:
        conn.close()


@pytest.fixture
def live_db(tmp_path):
    db = tmp_path / "db.sqlite3"
    result = manage(db, "migrate", "--noinput", "-v0")
    assert result.returncode == 0, result.stderr
    return db


def test_backup_while_the_app_writes_then_restore(live_db, tmp_path):
    # The "app": a connection that stays open, in WAL mode as settings configure it, whose
    # latest writes are still only in the WAL file (a plain `cp db.sqlite3` would miss them).
    app = sqlite3.connect(live_db, isolation_level=None)
    app.execute("PRAGMA journal_mode=WAL")
    app.execute("PRAGMA wal_autocheckpoint=0")
    for name in ["desk-a", "desk-b", "desk-c"]:
        app.execute("INSERT INTO auth_group (name) VALUES (?)", [name])
    assert Path(f"{live_db}-wal").stat().st_size > 0
    before = groups(live_db)

    backup = tmp_path / "saved" / "newsroom.sqlite3"
    result = manage(live_db, "backup", str(backup))
    assert result.returncode == 0, result.stderr
    assert f"Backed up the database to {backup}" in result.stdout
    assert groups(backup) == before
    assert {"desk-a", "desk-b", "desk-c"} <= before
    assert not Path(f"{backup}-wal").exists()  # one self-contained file

    # Life goes on after the backup...
    app.execute("DELETE FROM auth_group WHERE name = 'desk-a'")
    app.execute("INSERT INTO auth_group (name) VALUES ('desk-new')")
    app.close()  # ...then the app is stopped for the restore.
    assert groups(live_db) != before

    result = manage(live_db, "restore", str(backup), "--yes")
    assert result.returncode == 0, result.stderr
    assert groups(live_db) == before
    [safety] = tmp_path.glob("db.sqlite3.before-restore-*")
    assert "desk-new" in groups(safety) and "desk-a" not in groups(safety)
    # The restored database is usable by the app: migrations are all applied.
    result = manage(live_db, "migrate", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_restore_asks_first_and_refuses_what_is_not_a_newsroom_backup(live_db, tmp_path):
    backup = tmp_path / "b.sqlite3"
    assert manage(live_db, "backup", str(backup)).returncode == 0
    conn = sqlite3.connect(live_db)
    conn.execute("INSERT INTO auth_group (name) VALUES ('kept')")
    conn.commit()
    conn.close()

    result = manage(live_db, "restore", str(backup), stdin="no\n")
    assert result.returncode != 0 and "Restore cancelled; nothing changed." in result.stderr
    assert "kept" in groups(live_db)

    junk = tmp_path / "notes.sqlite3"
    junk.write_text("not a database")
    result = manage(live_db, "restore", str(junk), "--yes")
    assert result.returncode != 0 and "is not a SQLite database" in result.stderr

    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = manage(live_db, "restore", str(other), "--yes")
    assert result.returncode != 0 and "is not a Newsroom database" in result.stderr
    assert "kept" in groups(live_db)
    assert not list(tmp_path.glob("db.sqlite3.before-restore-*"))
