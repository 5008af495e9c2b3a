"""Production settings: refuse weak keys, pass `check --deploy`; SQLite tuned for a worker."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
STRONG_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "key",
    [
        "",
        "short-key",
        "django-insecure-newsroom-development-key-do-not-use-in-production",
        # Long enough, but not random (issue 15, case 8): one character, a pattern, a phrase.
        "a" * 60,
        "abcdefgh" * 8,
        "correct horse battery staple " * 3,
    ],
)
def test_production_refuses_to_start_with_a_missing_default_or_short_key(key):
    result = manage("check", DEBUG="false", SECRET_KEY=key, ALLOWED_HOSTS="news.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set to a random string of at least 50 characters" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="news.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_development_runs_without_configuration():
    result = manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite tuning")
def test_sqlite_uses_wal_and_waits_for_the_write_lock():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
    # The in-memory test database cannot use WAL; check the configuration a file database gets.
    assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL pool")
def test_postgresql_uses_the_connection_pool():
    assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL pool")
@pytest.mark.django_db(transaction=True)
def test_the_pool_check_pays_a_round_trip_only_for_a_connection_that_heard_something(
    monkeypatch,
):
    import psycopg
    from psycopg_pool import ConnectionPool

    from newsroom.db_pool import check_connection

    trips = []
    real = ConnectionPool.check_connection
    monkeypatch.setattr(ConnectionPool, "check_connection", lambda c: trips.append(c) or real(c))
    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"]}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("SELECT 1").fetchall()
        check_connection(conn)  # idle and healthy: nothing to read, no round trip
        assert trips == []
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
        time.sleep(0.5)  # the termination notice arrives
        with pytest.raises(psycopg.OperationalError):
            check_connection(conn)
        assert trips == [conn]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL pool")
@pytest.mark.django_db(transaction=True)
def test_the_pool_replaces_connections_the_database_dropped():
    """After a database restart the pool must not hand out a dead connection (a 500)."""
    import psycopg

    from newsroom.db_pool import check_connection

    assert connection.settings_dict["OPTIONS"]["pool"]["check"] is check_connection
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    connection.close()  # back to the pool, alive as far as the pool knows
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
        autocommit=True,
    ) as admin:
        # Every pooled connection to the test database goes, as in a restart.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        # pg_terminate_backend only signals; wait until they are gone, as after a restart.
        for _ in range(100):
            others = admin.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if not others:
                break
            time.sleep(0.05)
    with connection.cursor() as cursor:  # the next request's first query
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection.info.backend_pid != pid


def test_the_docker_compose_environment_passes_check_deploy():
    """docker-compose.yml cannot run here (no Docker engine); its settings can be checked."""
    compose = (ROOT / "docker-compose.yml").read_text()
    env = dict(re.findall(r"^\s+(DATABASE_URL|TASKS_BACKEND): (.+)$", compose, re.MULTILINE))
    assert set(env) == {"DATABASE_URL", "TASKS_BACKEND"}
    env["DATABASE_URL"] = env["DATABASE_URL"].replace(
        "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}", "s3cret"
    )
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="news.example.org",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert "db_worker" in compose and "gunicorn newsroom.wsgi" in compose


def test_production_cookies_are_secure_httponly_and_samesite():
    code = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE, "
        "s.CSRF_COOKIE_HTTPONLY, s.CSRF_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS)"
    )
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="news.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "Lax",
        "True",
        "True",
        "Lax",
        "True",
        "31536000",
    ]


def test_the_cache_is_per_process_unless_cache_url_names_a_shared_one():
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    result = manage("shell", "-v", "0", "-c", code, DEBUG="true")
    assert result.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"
    result = manage(
        "shell", "-v", "0", "-c", code, DEBUG="true", CACHE_URL="redis://127.0.0.1:6379/1"
    )
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def test_login_failures_are_counted_in_the_database_unless_the_cache_is_chosen():
    code = "from django.conf import settings as s; print(s.AXES_HANDLER)"
    result = manage("shell", "-v", "0", "-c", code, DEBUG="true")
    assert result.stdout.strip() == "axes.handlers.database.AxesDatabaseHandler"
    result = manage("shell", "-v", "0", "-c", code, DEBUG="true", LOGIN_FAILURES_STORE="cache")
    assert result.stdout.strip() == "axes.handlers.cache.AxesCacheHandler"
    result = manage("check", DEBUG="true", LOGIN_FAILURES_STORE="redis")
    assert result.returncode != 0
    assert "LOGIN_FAILURES_STORE must be one of database, cache, not 'redis'" in result.stderr
