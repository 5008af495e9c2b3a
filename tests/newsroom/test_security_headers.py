"""The Content-Security-Policy on every kind of response, cookies' attributes, upload limits."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse

from newsroom.importer import articles_import
from newsroom.models import Article
from tests.conftest import PASSWORD

HTMX = {"HX-Request": "true"}


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(response) -> dict[str, list[str]]:
    csp = policy(response)
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert "unsafe-hashes" not in header and "*" not in header
    assert csp["script-src"][0] == "'self'"
    assert all(v == "'self'" or v.startswith("'nonce-") for v in csp["script-src"])
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    return csp


@pytest.fixture
def article(db):
    articles_import(records=[(1, {"title": "A title", "text": "Some text.\n\nMore text."})])
    return Article.objects.get()


def test_full_pages_fragments_and_errors_all_carry_the_strict_policy(
    editor_client, article, client
):
    pages = [
        editor_client.get(reverse("article_list")),
        editor_client.get(reverse("article_new")),
        editor_client.get(reverse("article_upload")),
        editor_client.get(reverse("review_queue")),
        editor_client.get(reverse("corpus_export")),
        editor_client.get(reverse("label_list")),
        editor_client.get(reverse("api_tokens")),
        editor_client.get(article.get_absolute_url()),
        # htmx fragments
        editor_client.get(reverse("article_list"), {"q": "text"}, headers=HTMX),
        editor_client.get(reverse("analysis_status", args=[article.pk]), headers=HTMX),
        # errors
        editor_client.get("/no-such-page/"),
        editor_client.get(reverse("team")),  # 403 for an editor
        client.get(reverse("login")),
    ]
    assert [r.status_code for r in pages] == [200] * 10 + [404, 403, 200]
    for response in pages:
        assert_strict(response)


def test_the_article_page_script_carries_a_fresh_nonce_matching_the_header(editor_client, article):
    nonces = []
    for _ in range(2):
        response = editor_client.get(article.get_absolute_url())
        csp = assert_strict(response)
        [nonce] = [v[len("'nonce-") : -1] for v in csp["script-src"] if v.startswith("'nonce-")]
        html = response.content.decode()
        # Every script is an external file of ours; none is inline.
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(re.search(r'\ssrc="/static/', s) for s in scripts), scripts
        assert f'nonce="{nonce}"' in html
        assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None
        assert " style=" not in html and "<style" not in html
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_no_template_has_inline_script_style_or_event_handlers():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    for path in root.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        assert not re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"<[a-z][^>]*\sstyle=", text), path
        assert not re.search(r"<[a-z][^>]*\son[a-z]+=", text), path
        assert "javascript:" not in text, path


# --- Cookies ----------------------------------------------------------------------------------


def test_session_and_csrf_cookies_are_secure_httponly_and_samesite(client, editor, settings):
    # What production sets (see test_settings for the settings rendered with DEBUG off).
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain http
    response = client.get(reverse("login"))
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        reverse("login"), {"username": "erin", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


# --- Upload limits ----------------------------------------------------------------------------


def test_a_paste_larger_than_the_request_limit_is_refused_and_nothing_stored(
    editor_client, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = editor_client.post(
        reverse("article_new"), {"title": "Big", "text": "x" * 2000, "outlet": ""}
    )
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()
    assert_strict(response)
    assert not Article.objects.exists()


def test_an_article_longer_than_the_limit_is_refused_and_nothing_stored(editor_client, settings):
    settings.ARTICLE_MAX_CHARS = 50
    response = editor_client.post(
        reverse("article_new"), {"title": "Long", "text": "word " * 20, "outlet": ""}
    )
    assert response.status_code in {200, 422}
    assert "50" in response.content.decode()
    assert not Article.objects.exists()


def test_a_corpus_file_over_the_upload_limit_is_refused_and_nothing_stored(admin_client_, settings):
    settings.UPLOAD_MAX_BYTES = 100
    upload = SimpleUploadedFile("corpus.jsonl", b'{"title": "x"}\n' * 20)
    response = admin_client_.post(reverse("corpus_import"), {"file": upload})
    assert response.status_code == 413
    page = response.content.decode()
    # The same limit as the page states before the upload (filesizeformat, as the article
    # upload), and the command for larger files.
    limit = filesizeformat(100)
    assert f"the upload limit is {limit}" in page and "manage.py import_corpus" in page
    assert f"Up to {limit}" in admin_client_.get(reverse("corpus_export")).content.decode()
    assert not Article.objects.exists()


HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options")


def test_static_files_and_the_bad_host_page_carry_the_security_headers(settings, db):
    """Issue 15, case 8: every response the app serves carries them."""
    settings.ALLOWED_HOSTS = ["testserver"]
    # WhiteNoise serves from the finders (as under runserver) in a client made after this.
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()
    static = client.get("/static/favicon.svg")
    bad_host = client.get("/accounts/login/", headers={"Host": "evil.example"})
    assert static.status_code == 200 and bad_host.status_code == 400
    for response in (static, bad_host):
        for header in HEADERS:
            assert header in response, (response.status_code, header)
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
