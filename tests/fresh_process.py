"""A Python script run in a fresh interpreter with the project's settings on a scratch SQLite
database: for what only a new process shows (what is imported or loaded at start-up)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_fresh(script: str, tmp_path: Path, *, timeout: int) -> str:
    """The script's last line of output; the test fails with its stderr if it failed."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]
