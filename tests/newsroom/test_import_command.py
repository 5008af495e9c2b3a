"""manage.py import_articles: the command-line door, for large files."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from newsroom.models import Article

pytestmark = pytest.mark.django_db


def write(tmp_path, *records) -> str:
    path = tmp_path / "articles.jsonl"
    path.write_bytes(
        b"".join(r if isinstance(r, bytes) else json.dumps(r).encode() + b"\n" for r in records)
    )
    return str(path)


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_articles", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_it_imports_a_file_and_reports(tmp_path, editor):
    path = write(tmp_path, {"title": "A", "text": "a"}, {"title": "B", "text": "b"})
    assert "Imported 2 articles." in run(path, "--user", editor.username)
    assert set(Article.objects.values_list("created_by__username", flat=True)) == {editor.username}


def test_re_importing_adds_nothing_and_names_each_skipped_line(tmp_path):
    path = write(tmp_path, {"title": "A", "text": "a"}, {"title": "B", "text": "b"})
    run(path)
    output = run(path)
    assert Article.objects.count() == 2
    assert "skipped line 1: already imported as article" in output
    assert "Imported 0 articles; 2 skipped (already in the store)." in output


def test_a_bad_file_imports_nothing_and_lists_every_bad_line(tmp_path):
    path = write(tmp_path, {"title": "A", "text": "a"}, b"{nope\n", {"title": "C"}, b"\xff\xfe\n")
    with pytest.raises(CommandError) as error:
        run(path)
    message = str(error.value)
    assert "Nothing was imported" in message and "4 problem" not in message
    assert "line 2: invalid JSON" in message
    assert "line 3: text: is required" in message
    assert "line 4: not valid UTF-8" in message
    assert Article.objects.count() == 0


def test_it_names_a_missing_file_and_an_unknown_user(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run(write(tmp_path, {"title": "A", "text": "a"}), "--user", "ghost")


def test_it_shows_a_progress_bar(tmp_path):
    err = io.StringIO()
    call_command(
        "import_articles",
        write(tmp_path, {"title": "A", "text": "a"}),
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "Importing articles.jsonl" in err.getvalue() and "100%" in err.getvalue()
