"""What `make run` calls: demo data, the first admin, and finding a Python 3.12+."""

import io
import os
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from newsroom.models import Article

ROOT = Path(__file__).resolve().parent.parent.parent


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_demo_loads_the_seed_article_once():
    assert "Imported 1 article." in run("load_demo")
    assert "skipped" in run("load_demo")
    article = Article.objects.get()
    assert article.title.startswith("BREAKING: Russia Appears to Move Troops")
    assert "Khalifa Haftar" in article.text and article.outlet.name == "Reuters"


@pytest.mark.django_db
def test_ensure_admin_prints_a_working_password_once():
    output = run("ensure_admin")
    password = next(
        line.split(":", 1)[1].strip() for line in output.splitlines() if "password:" in line
    )
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert list(admin.groups.values_list("name", flat=True)) == ["admin"]
    again = run("ensure_admin")
    assert "already exists" in again and password not in again


def test_find_python_picks_an_interpreter_of_3_12_or_newer():
    result = subprocess.run(
        [ROOT / "scripts" / "find-python"], capture_output=True, text=True, check=True
    )
    version = subprocess.run(
        [result.stdout.strip(), "-c", "import sys; print(sys.version_info >= (3, 12))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "True"


def test_find_python_says_what_to_install_when_there_is_none(tmp_path):
    # A PATH with only an old python3 and no pyenv: nothing qualifies.
    old = tmp_path / "python3"
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    env = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "PYENV_ROOT": str(tmp_path / "none"),
        "HOME": str(tmp_path),
    }
    env = {k: v for k, v in env.items()}
    result = subprocess.run(
        ["bash", ROOT / "scripts" / "find-python"], capture_output=True, text=True, env=env
    )
    if result.returncode == 0 and os.path.exists(result.stdout.strip()):
        pytest.skip(f"this machine has a system Python 3.12+ at {result.stdout.strip()}")
    assert result.returncode == 1
    assert "Newsroom needs Python 3.12 or newer" in result.stderr
    assert "apt-get install python3.12" in result.stderr
