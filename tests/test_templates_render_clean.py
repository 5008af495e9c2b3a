"""No template syntax leaks into a page: a Django comment `{# ... #}` spans one line only,
and one written over several lines shows as text (the annotate page's sidebar once did)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LEAKS = ("{#", "#}", "{%", "%}", "{{", "}}")


def test_no_django_template_has_a_comment_over_several_lines():
    for path in TEMPLATES.rglob("*.html"):
        if "jinja2" in path.parts:
            continue  # Jinja2's comments may span lines
        for match in re.finditer(r"\{#(.*?)#\}|\{#", path.read_text(), flags=re.S):
            assert match.group(0) != "{#" and "\n" not in match.group(0), (
                f"{path.relative_to(TEMPLATES)}: a {{# #}} comment over several lines shows as "
                "text; use {% comment %}"
            )


@pytest.mark.parametrize(
    "name",
    [
        "article_list",
        "article_detail",
        "review_queue",
        "dashboard",
        "corpus_export",
        "article_upload",
    ],
)
def test_pages_show_no_template_syntax(admin_client_, seed_article, name):
    args = [seed_article.pk] if name == "article_detail" else []
    response = admin_client_.get(reverse(name, args=args))
    assert response.status_code == 200
    page = response.content.decode()
    leaked = [token for token in LEAKS if token in page]
    assert not leaked, leaked
