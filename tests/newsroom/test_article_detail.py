"""The article page: readable text, paragraphs kept, exactly as stored."""

import re

from django.urls import reverse

from newsroom.importer import articles_import
from newsroom.models import Article


def test_it_shows_the_text_with_paragraphs_and_metadata(editor_client):
    text = "First paragraph.\n\nSecond paragraph with ‘quotes’ and 😀.\n\nمرحبا بالعالم"
    articles_import(
        records=[
            (
                1,
                {
                    "title": "A title",
                    "text": text,
                    "outlet": "Reuters",
                    "byline": "Kim",
                    "url": "https://example.com/a",
                },
            )
        ]
    )
    article = Article.objects.get()
    page = editor_client.get(article.get_absolute_url()).content.decode()
    # Paragraph wrappers add no characters: the text inside the container is the stored text.
    inner = page.split(f'data-mention-url="/articles/{article.pk}/entities/0/">', 1)[1].split(
        "</div>", 1
    )[0]
    assert re.sub(r"<[^>]+>", "", inner) == text
    assert inner.count('<span class="para"') == 3
    assert "Reuters" in page and "Kim" in page and 'href="https://example.com/a"' in page


def test_a_missing_article_is_a_404(editor_client):
    assert editor_client.get(reverse("article_detail", args=[999])).status_code == 404


def test_the_page_api_and_export_show_one_scorecard(db, editor, other_editor, admin_user):
    """One scorecard rule (annotations.scorecards): the page (from the claims it already
    loaded), the API and the export give the same figures, for an editor, another editor
    and an admin, on a single and a double-annotated article."""
    import orjson

    from annotations.api.representation import article_records
    from annotations.exchange.export import corpus_export_chunks
    from annotations.models import Assignment, Claim, Label
    from annotations.pages.annotate import article_or_404, article_scorecard
    from annotations.pages.claim_rows import claim_rows
    from entities.models import SpanStatus

    text = "Officials said it. A source denied it. Critics allegedly agreed. " * 4
    articles_import(records=[(1, {"title": "T", "text": text})])
    article = Article.objects.get()
    labels = {label.slug: label for label in Label.objects.all()}
    made = []
    plan = [
        ("named_source", editor, SpanStatus.ACCEPTED, ""),
        ("anonymous_source", editor, SpanStatus.ACCEPTED, "not authorised to speak"),
        ("anonymous_source", other_editor, SpanStatus.ACCEPTED, ""),
        ("denial", editor, SpanStatus.ACCEPTED, ""),
        ("hedge", other_editor, SpanStatus.ACCEPTED, ""),
        ("named_source", None, SpanStatus.SUGGESTED, ""),
        ("unattributed", None, SpanStatus.ACCEPTED, ""),  # an accepted rule suggestion
        ("anonymous_source", editor, SpanStatus.REJECTED, ""),
        ("no_comment", admin_user, SpanStatus.ACCEPTED, ""),
    ]
    for i, (slug, author, status, reason) in enumerate(plan):
        made.append(
            Claim.objects.create(
                article=article,
                start=i * 5,
                end=i * 5 + 4,
                label=labels[slug],
                author=author,
                status=status,
                anonymity_reason=reason,
                source_claim=made[0] if slug in ("denial", "no_comment") else None,
            )
        )
    cards = []
    for double in (False, True):
        if double:
            Assignment.objects.create(article=article, editor=editor)
            Assignment.objects.create(article=article, editor=other_editor)
        page_article = article_or_404(article.pk)
        for user in (editor, other_editor, admin_user):
            rows = claim_rows(page_article, list(labels.values()), user)
            from_rows = article_scorecard(page_article, user, rows)
            assert from_rows == article_scorecard(page_article, user), (double, user)
            api = article_records([Article.objects.get(pk=article.pk)], user)[0]["scorecard"]
            assert api["score"] == from_rows.score, (double, user)
            assert api["counts"]["anonymous"] == from_rows.counts.anonymous
            assert api["counts"]["named"] == from_rows.counts.named
            lines = b"".join(corpus_export_chunks(viewer=user)).splitlines()
            exported = orjson.loads(lines[1])["scorecard"]
            assert exported["score"] == from_rows.score, (double, user)
            assert exported["counts"]["words"] == from_rows.counts.words
            assert exported["counts"]["denial"] == from_rows.counts.denial
            assert exported["counts"]["hedge"] == from_rows.counts.hedge
            cards.append(from_rows.counts)
    assert len({(c.named, c.anonymous, c.denial, c.hedge) for c in cards}) > 1  # they differ
