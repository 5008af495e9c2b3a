"""The scratch database every benchmark runs in: never the database you work in.

For a PostgreSQL DATABASE_URL, `<name>_bench` (or another suffix) on the same server,
dropped, created and migrated on reset and dropped at the end; for SQLite (or none), a file
in a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "postgis"}
SEARCH_INDEX = "article_search_gin"  # created by newsroom/migrations/0002 on PostgreSQL


@dataclass
class ScratchDatabase:
    """An empty, migrated database for each run; never the one DATABASE_URL names."""

    url: str
    vendor: str  # "postgresql" or "sqlite"
    description: str
    admin_url: str = ""  # PostgreSQL: the server's maintenance database
    name: str = ""  # PostgreSQL: the scratch database's name
    path: Path | None = None  # SQLite: the scratch file

    @classmethod
    def for_url(cls, database_url: str, workdir: Path, suffix: str = "_bench") -> ScratchDatabase:
        """`suffix` names the PostgreSQL scratch database, `<name><suffix>`: benchmarks that
        may run at the same time each use their own."""
        parts = urlsplit(database_url)
        if parts.scheme in POSTGRES_SCHEMES:
            name = parts.path.lstrip("/") or "newsroom"
            scratch = f"{name}{suffix}"
            server = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
            return cls(
                url=urlunsplit(parts._replace(path=f"/{scratch}")),
                vendor="postgresql",
                description=f"PostgreSQL database {scratch!r} on {server} (scratch)",
                admin_url=urlunsplit(parts._replace(scheme="postgresql", path="/postgres")),
                name=scratch,
            )
        if parts.scheme in ("", "sqlite"):
            path = workdir / "bench.sqlite3"
            return cls(
                url=f"sqlite:///{path}",
                vendor="sqlite",
                description=f"SQLite file {path} (scratch)",
                path=path,
            )
        raise SystemExit(f"unsupported DATABASE_URL scheme {parts.scheme!r}")

    def reset(self, *, search_index: bool = True, manage: Path = MANAGE) -> None:
        """Start over: an empty database with every migration (of `manage`'s checkout)."""
        self.drop()
        if self.vendor == "postgresql":
            self._sql("CREATE DATABASE {}", self.name, admin=True)
        migrate = [sys.executable, str(manage), "migrate", "--noinput", "-v0"]
        if subprocess.run(migrate, cwd=manage.parent, env=child_env(self.url)).returncode:
            raise SystemExit(f"migrate failed on the scratch database ({self.description})")
        if not search_index and self.vendor == "postgresql":
            self._sql("DROP INDEX {}", SEARCH_INDEX)

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._sql("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name, admin=True)
        elif self.path:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _sql(self, template: LiteralString, name: str, *, admin: bool = False) -> None:
        """Run a statement naming one object, in the scratch or the maintenance database."""
        import psycopg
        from psycopg import sql

        url = (
            self.admin_url
            if admin
            else urlunsplit(urlsplit(self.url)._replace(scheme="postgresql"))
        )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL(template).format(sql.Identifier(name)))


def child_env(database_url: str) -> dict[str, str]:
    """manage.py's environment: ours on the scratch database, DEBUG on unless set (as make does)."""
    return {"DEBUG": "true", **os.environ, "DATABASE_URL": database_url}
