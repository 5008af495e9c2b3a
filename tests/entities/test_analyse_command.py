"""manage.py analyse: choose articles, queue them or run them here."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from entities.models import EntityMention
from newsroom.importer import articles_import
from newsroom.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(db):
    articles_import(
        records=[
            (n, {"title": f"T{n}", "text": f"Joe Biden flew to Tokyo on day {n}."})
            for n in range(3)
        ]
    )
    return list(Article.objects.order_by("pk"))


def run(*args) -> str:
    out = io.StringIO()
    call_command("analyse", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_by_default_it_analyses_what_was_never_analysed(
    articles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert "Queued 3 article(s) in 1 task(s)" in run()
    assert set(Article.objects.values_list("analysis_state", flat=True)) == {"done"}
    assert run() == "Nothing to analyse.\n"


def test_now_runs_in_this_process(articles):
    out = run("--article", str(articles[0].pk), "--now")
    assert "Analysed 1 article(s): 2 entity and 0 sourcing suggestion(s); 0 failed." in out
    assert EntityMention.objects.filter(article=articles[0]).exists()
    assert not EntityMention.objects.filter(article=articles[1]).exists()


def test_all_and_since_select_articles(articles):
    Article.objects.update(analysis_state="done")
    assert "Analysed 3 article(s)" in run("--all", "--now")
    Article.objects.filter(pk=articles[0].pk).update(
        created_at=timezone.now() - timezone.timedelta(days=30)
    )
    since = (timezone.now() - timezone.timedelta(days=1)).date().isoformat()
    assert "Analysed 2 article(s)" in run("--since", since, "--now")


def test_it_names_unknown_articles(articles):
    with pytest.raises(CommandError, match="No article with id 999"):
        run("--article", "999")


def test_it_shows_a_progress_bar(articles):
    err = io.StringIO()
    call_command("analyse", "--all", "--now", stdout=io.StringIO(), stderr=err)
    assert "3/3" in err.getvalue()
