"""The paste form: one door to the ingestion service."""

import pytest
from django.urls import reverse

from newsroom.models import Article

URL = reverse("article_new")


def post(client, **overrides):
    data = {"title": "Minister resigns", "text": "Line one.\r\n\r\nLine two.", "outlet": "Reuters"}
    data.update(overrides)
    return client.post(URL, data)


def test_it_shows_the_form(editor_client):
    response = editor_client.get(URL)
    assert response.status_code == 200
    assert b'name="title"' in response.content and b'name="text"' in response.content


def test_it_creates_an_article_and_opens_it(editor_client, editor):
    response = post(
        editor_client, url="https://example.com/x", byline="Sam Lee", published_at="2024-05-01"
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response.url == article.get_absolute_url()
    assert article.text == "Line one.\n\nLine two."
    assert article.created_by == editor
    assert (article.outlet.name, article.byline) == ("Reuters", "Sam Lee")
    assert article.published_at.date().isoformat() == "2024-05-01"


def test_pasting_the_same_text_again_adds_nothing_and_says_so(editor_client):
    post(editor_client)
    response = post(editor_client, title="Other title", text="Line one.\n\nLine two.")
    assert Article.objects.count() == 1
    assert response.url == Article.objects.get().get_absolute_url()
    page = editor_client.get(response.url)
    assert "already in the store" in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"text": ""}, "text", "This field is required."),
        ({"text": "   \n  "}, "text", "This field is blank (only whitespace)."),
        ({"url": "not a url"}, "url", "This field is not a valid http(s) URL."),
        ({"text": "a\x00b"}, "text", "This field contains a NUL character."),
    ],
)
def test_it_refuses_bad_input_and_keeps_what_was_typed(editor_client, overrides, field, message):
    response = post(editor_client, **overrides)
    assert response.status_code == 200
    assert Article.objects.count() == 0
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["form"]["title"].value() == overrides.get("title", "Minister resigns")


def test_hostile_text_is_escaped_on_the_article_page(editor_client):
    response = post(
        editor_client, title="<script>alert(1)</script>", text="<img src=x onerror=alert(1)>"
    )
    page = editor_client.get(response.url).content.decode()
    assert "<img src=x onerror" not in page and "<script>alert(1)" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
