"""The article page: readable text, paragraphs kept, exactly as stored."""

from django.urls import reverse

from newsroom.ingest import articles_import
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
    assert f'data-mention-url="/articles/{article.pk}/entities/0/">{text}</div>' in page
    assert "Reuters" in page and "Kim" in page and 'href="https://example.com/a"' in page


def test_a_missing_article_is_a_404(editor_client):
    assert editor_client.get(reverse("article_detail", args=[999])).status_code == 404
