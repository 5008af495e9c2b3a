"""The article page: readable text, paragraphs kept, exactly as stored."""

import re

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
    # Paragraph wrappers add no characters: the text inside the container is the stored text.
    inner = page.split(f'data-mention-url="/articles/{article.pk}/entities/0/">', 1)[1].split(
        "</div>", 1
    )[0]
    assert re.sub(r"<[^>]+>", "", inner) == text
    assert inner.count('<span class="para"') == 3
    assert "Reuters" in page and "Kim" in page and 'href="https://example.com/a"' in page


def test_a_missing_article_is_a_404(editor_client):
    assert editor_client.get(reverse("article_detail", args=[999])).status_code == 404
