"""The rules' suggestions written by the analysis (real model), end to end: ingest, analyse,
the annotate page shows them, an editor accepts one, re-analysis keeps what was reviewed."""

import pytest
from django.urls import reverse

from annotations.analysis import analyse_articles
from annotations.claims import claim_create, suggestion_decide
from annotations.models import Claim, Label
from newsroom.importer import articles_import
from newsroom.models import Article

HTMX = {"HX-Request": "true"}


def spans(article):
    text = article.text
    return {
        (text[c.start : c.end], c.label.slug)
        for c in Claim.objects.filter(article=article).select_related("label")
    }


def suggestion(article, phrase, slug):
    start = article.text.index(phrase)
    return Claim.objects.select_related("label", "source_claim", "source_mention").get(
        article=article, start=start, end=start + len(phrase), label__slug=slug
    )


def test_the_seed_article_gets_its_sourcing_suggested(seed_article):
    found = spans(seed_article)
    assert {
        ("U.S. and Egyptian diplomatic sources", "anonymous_source"),
        ("Reuters", "outlet"),
        ("The U.S. officials", "anonymous_source"),
        ("Egyptian security sources", "anonymous_source"),
        ("Russian Defense Ministry", "named_source"),
        ("allegedly", "hedge"),
        ("declined to comment", "no_comment"),
    } <= found
    assert {c.origin for c in Claim.objects.all()} == {"rule"}
    assert {c.status for c in Claim.objects.all()} == {"suggested"}
    assert all(c.author_id is None for c in Claim.objects.all())

    # A cue links to the source that declined; a source to its entity mention.
    declined = suggestion(seed_article, "declined to comment", "no_comment")
    assert declined.source_claim is not None
    text = seed_article.text
    assert text[declined.source_claim.start : declined.source_claim.end] == "The U.S. military"
    reuters = suggestion(seed_article, "Reuters", "outlet")
    assert (reuters.source_mention.label, reuters.source_mention.start) == ("ORG", reuters.start)
    assert suggestion(seed_article, "Egyptian security sources", "anonymous_source").affiliation


def test_reanalysis_replaces_only_untouched_suggestions(seed_article, editor):
    accepted = suggestion(seed_article, "Reuters", "outlet")
    rejected = suggestion(seed_article, "The U.S. officials", "anonymous_source")
    untouched = suggestion(seed_article, "Russian Defense Ministry", "named_source")
    suggestion_decide(claim_id=accepted.pk, version=1, user=editor, accept=True)
    suggestion_decide(claim_id=rejected.pk, version=1, user=editor, accept=False)
    # The editor's own claim on a span the rules also suggest.
    egypt = suggestion(seed_article, "Egyptian security sources", "anonymous_source")
    egypt.delete()  # as if the editor's claim came first
    own = claim_create(
        article=seed_article,
        start=egypt.start,
        end=egypt.end,
        label=egypt.label,
        author=editor,
    )

    report = analyse_articles(article_ids=[seed_article.pk])

    assert report.done == [seed_article.pk] and report.suggestions > 5
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, accepted.author) == ("accepted", editor)
    assert rejected.status == "rejected"
    own.refresh_from_db()
    # Nothing reviewed or made by an editor is suggested again; the rest is new rows.
    for claim in (accepted, rejected, own):
        same = Claim.objects.filter(
            article=seed_article, start=claim.start, end=claim.end, label=claim.label
        )
        assert list(same) == [claim]
    again = suggestion(seed_article, "Russian Defense Ministry", "named_source")
    assert again.pk != untouched.pk and again.status == "suggested"
    assert not Claim.objects.filter(pk=untouched.pk).exists()


def test_the_annotate_page_shows_them_and_accepting_one_makes_a_claim(
    editor_client, editor, seed_article
):
    page = editor_client.get(seed_article.get_absolute_url()).content.decode()
    reuters = suggestion(seed_article, "Reuters", "outlet")
    assert (
        f'class="claim lab-outlet cst-suggested ent ent-ORG st-suggested" data-claim="{reuters.pk}"'
        in page
    )
    assert "suggested)</span>" in page

    response = editor_client.post(
        reverse("suggestion_review", args=[seed_article.pk, reuters.pk]),
        {"decision": "accept", "version": reuters.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    reuters.refresh_from_db()
    assert (reuters.status, reuters.origin, reuters.author) == ("accepted", "rule", editor)
    body = response.content.decode()
    assert (
        f'class="claim lab-outlet cst-accepted ent ent-ORG st-suggested" data-claim="{reuters.pk}"'
        in body
    )


@pytest.mark.parametrize(
    "text",
    [
        "The senator declined to endorse the candidate on Tuesday.",
        "The council rejected the plan after a long debate.",
        "The company did not dispute the figures published last week.",
    ],
)
def test_hard_negatives_get_no_cue(db, reference_data, text):
    articles_import(records=[(1, {"title": "Negative", "text": text})])
    article = Article.objects.get()
    analyse_articles(article_ids=[article.pk])
    assert not Claim.objects.filter(label__kind__in=["cue"]).exists()
    assert Label.objects.filter(kind="cue").count() == 3  # denial, no comment, reporting
