"""ArticleSourcing: the per-article counts the dashboard and the queue aggregate, recomputed
from accepted claims, kept current by the on-commit task, rebuilt by a command."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command

from annotations.claims import claim_create, claim_delete, suggestion_decide
from annotations.models import ArticleSourcing, Claim, Label
from annotations.review import article_transition
from annotations.stats import article_sourcing_refresh, month_of
from newsroom.models import Article, Outlet, content_hash


def make_article(n: int, *, words: int = 100, **fields) -> Article:
    text = f"Article {n} " + "w " * (words - 2)
    return Article.objects.create(
        title=f"Article {n}", text=text, content_hash=content_hash(text), **fields
    )


def add_claim(article: Article, slug: str, at: int, **fields) -> Claim:
    """A claim on the `at`-th filler word (each "w " is two code points from offset ~10)."""
    start = len(f"Article {article.title.split()[-1]} ") + 2 * at
    return Claim.objects.create(
        article=article, start=start, end=start + 1, label=Label.objects.get(slug=slug), **fields
    )


@pytest.fixture
def outlet(db):
    return Outlet.objects.create(name="Daily Planet")


def test_verified_it_counts_accepted_claims_only_and_copies_the_article(outlet, editor):
    published = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)
    article = make_article(1, outlet=outlet, published_at=published, created_by=editor)
    named = add_claim(article, "named_source", 0, author=editor)
    add_claim(article, "anonymous_source", 1, author=editor, anonymity_reason="not authorised")
    add_claim(article, "anonymous_source", 2, author=editor)
    add_claim(article, "denial", 3, author=editor, source_claim=named)
    add_claim(article, "hedge", 4, author=editor)
    # No suggestion is open: verified, and the rejected suggestion does not count.
    add_claim(article, "unattributed", 6, origin="rule", status="rejected")

    assert article_sourcing_refresh(article_ids=[article.pk, article.pk]) == 1
    row = ArticleSourcing.objects.get()
    assert row.basis == "verified"
    assert (row.words, row.named, row.anonymous, row.outlet) == (100, 1, 2, 0)
    assert (row.denial, row.hedge, row.unattributed) == (1, 1, 0)
    assert (row.anonymous_explained, row.replies, row.named_replying) == (1, 1, 1)
    assert (row.articles_needing_reply, row.articles_with_reply) == (1, 1)
    # 100 − 30×2/3 − 20×(1 − 1/2) − 0 − 0 − 10×min(1, 10/10) − 0 = 60; the only named source
    # is the one denying: the story rests on anonymous sources.
    assert row.score == 60
    assert row.flag_only_anonymous and row.flag_anonymity_without_reason and row.flag_heavy_hedging
    assert not (row.flag_no_right_of_reply or row.flag_outlet_dependent)
    assert row.flag_count == 3
    assert (row.article_outlet_id, row.editor_id, row.status) == (outlet.pk, editor.pk, "draft")
    assert row.month == date(2024, 3, 1)  # published_at; UTC is the test TIME_ZONE
    assert row.submitted_at is None


def test_the_basis_follows_the_work_and_the_estimate_counts_open_suggestions(db, editor):
    article = make_article(1)
    suggested = add_claim(article, "anonymous_source", 1, origin="rule", status="suggested")
    add_claim(article, "named_source", 2, origin="rule", status="suggested")

    def refreshed() -> ArticleSourcing:
        article_sourcing_refresh(article_ids=[article.pk])
        return ArticleSourcing.objects.get()

    # Nobody has worked on it: the machine's estimate, from the open suggestions.
    row = refreshed()
    assert (row.basis, row.anonymous, row.named) == ("estimate", 1, 1)
    assert row.score is not None and row.score < 100
    # An editor has started, one suggestion is still open: in progress, both counted.
    add_claim(article, "hedge", 3, author=editor)
    row = refreshed()
    assert (row.basis, row.anonymous, row.named, row.hedge) == ("in_progress", 1, 1, 1)
    # The last suggestions decided: verified, only what was accepted counts.
    Claim.objects.filter(pk=suggested.pk).update(status="accepted", author=editor)
    Claim.objects.filter(label__slug="named_source").update(status="rejected")
    row = refreshed()
    assert (row.basis, row.anonymous, row.named, row.hedge) == ("verified", 1, 0, 1)


def test_an_article_with_no_source_has_no_score_and_its_own_flag(db, editor):
    untouched = make_article(1)
    hedged = make_article(2)
    add_claim(hedged, "hedge", 1, author=editor)
    article_sourcing_refresh(article_ids=[untouched.pk, hedged.pk])
    for row in ArticleSourcing.objects.all():
        assert row.score is None and row.flag_no_sources
    assert ArticleSourcing.objects.get(article=untouched).basis == "estimate"
    assert ArticleSourcing.objects.get(article=hedged).basis == "verified"


def test_month_falls_back_to_created_at_and_follows_the_time_zone(db, settings):
    article = make_article(1)
    Article.objects.filter(pk=article.pk).update(created_at=datetime(2024, 1, 31, 23, tzinfo=UTC))
    article_sourcing_refresh(article_ids=[article.pk])
    assert ArticleSourcing.objects.get().month == date(2024, 1, 1)
    settings.TIME_ZONE = "Europe/Berlin"  # 00:00 on 1 February there
    assert month_of(datetime(2024, 1, 31, 23, tzinfo=UTC)) == date(2024, 2, 1)


def test_claim_changes_and_review_steps_refresh_the_row_after_commit(
    outlet, editor, other_editor, admin_user, django_capture_on_commit_callbacks
):
    article = make_article(1, outlet=outlet, created_by=other_editor)
    anonymous = Label.objects.get(slug="anonymous_source")
    start = article.text.index("w ")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        claim = claim_create(
            article=article, start=start, end=start + 1, label=anonymous, author=editor
        )
    assert len(callbacks) == 1
    row = ArticleSourcing.objects.get()
    assert (row.anonymous, row.flag_count, row.editor_id) == (1, 3, other_editor.pk)

    suggestion = add_claim(article, "named_source", 3, origin="rule", status="suggested")
    with django_capture_on_commit_callbacks(execute=True):
        suggestion_decide(claim_id=suggestion.pk, version=1, user=editor, accept=True)
    row.refresh_from_db()
    assert (row.named, row.flag_only_anonymous) == (1, False)

    with django_capture_on_commit_callbacks(execute=True):
        article_transition(article_id=article.pk, action="submit", user=editor, version=1)
    row.refresh_from_db()
    # The last one to submit it is its editor now.
    assert (row.status, row.editor_id) == ("in_review", editor.pk)
    assert row.submitted_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        article_transition(
            article_id=article.pk,
            action="send_back",
            user=admin_user,
            version=2,
            comment="Why anonymous?",
        )
        claim.refresh_from_db()
        claim_delete(claim_id=claim.pk, version=claim.version, user=editor)
    row.refresh_from_db()
    assert (row.status, row.anonymous, row.score) == ("changes_requested", 0, 100)


def test_nothing_is_refreshed_when_the_transaction_rolls_back(
    outlet, editor, django_capture_on_commit_callbacks
):
    article = make_article(1, outlet=outlet)
    hedge = Label.objects.get(slug="hedge")
    start = article.text.index("w ")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claim_create(article=article, start=start, end=start + 1, label=hedge, author=editor)
    # Queued for the commit: the worker sees the claim, never a state before it.
    assert len(callbacks) == 1 and not ArticleSourcing.objects.exists()


def test_analysis_gives_the_seed_article_its_row(seed_article):
    row = ArticleSourcing.objects.get(article=seed_article)
    # Analysis only suggests: nobody has worked on it, so its figures are the machine's
    # estimate from those suggestions (anonymous officials, security sources), never 100.
    assert (row.words, row.basis) == (seed_article.word_count, "estimate")
    assert row.anonymous >= 2 and row.score is not None and row.score < 100


def test_the_command_fills_missing_rows_or_all(outlet, editor):
    first, second = make_article(1, outlet=outlet), make_article(2)
    article_sourcing_refresh(article_ids=[first.pk])
    add_claim(first, "hedge", 0, author=editor)
    out = io.StringIO()
    call_command("refresh_sourcing", "--no-progress", stdout=out)
    assert "Refreshed the sourcing of 1 article(s)." in out.getvalue()
    assert ArticleSourcing.objects.get(article=first).hedge == 0  # not recomputed
    call_command("refresh_sourcing", "--all", "--no-progress", stdout=out)
    assert ArticleSourcing.objects.get(article=first).hedge == 1
    assert ArticleSourcing.objects.filter(article=second).exists()
    call_command("refresh_sourcing", "--no-progress", stdout=out)
    assert "Every article has its sourcing row" in out.getvalue()
