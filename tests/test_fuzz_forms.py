"""Hypothesis over the HTML forms (issue 15): the paste form, claims, entities, comments,
review steps and every list's filters take whatever a browser can send, and answer a page,
a redirect or a refusal: never a 500, and a refusal writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.models import Claim, Label, ReviewEvent
from entities.models import EntityMention
from newsroom.importer import articles_import
from newsroom.models import Article

# Text a browser can post: any character UTF-8 can carry (NUL, controls, right-to-left,
# emoji, combining marks), short or long; and the numbers people and scripts send.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
NUMBER = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "0", "-1", "1e9", "NaN", "٣", "9" * 40, "1.5", " 3 "]),
    TEXT,
)
DATE = st.one_of(
    st.dates().map(str),
    st.sampled_from(["9999-12-31", "0001-01-01", "2024-13", "2024-02-30"]),
    TEXT,
)
# The same examples on every run, so that CI does not pass or fail by luck.
FUZZ = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
HTMX = {"HX-Request": "true"}
ARTICLE_TEXT = "Officials said the minister denied it. ☃️ مرحبا بالعالم. A spokesman declined."


@pytest.fixture
def article(editor) -> Article:
    articles_import(records=[(1, {"title": "Fuzz", "text": ARTICLE_TEXT})], created_by=editor)
    return Article.objects.get()


def _ok(response) -> int:
    assert response.status_code < 500, response.content[:500]
    return response.status_code


@FUZZ
@given(title=TEXT, text=TEXT, outlet=TEXT, url=TEXT, byline=TEXT, published_at=DATE)
def test_the_paste_form(editor_client, title, text, outlet, url, byline, published_at):
    before = Article.objects.count()
    data = dict(title=title, text=text, outlet=outlet, url=url, byline=byline)
    data["published_at"] = published_at
    status = _ok(editor_client.post(reverse("article_new"), data))
    if status != 302:
        assert Article.objects.count() == before  # refused: nothing stored


@FUZZ
@given(start=NUMBER, end=NUMBER, label=st.one_of(TEXT, st.sampled_from(["named_source", "hedge"])))
def test_marking_a_claim(editor_client, article, start, end, label):
    before = Claim.objects.count()
    response = editor_client.post(
        reverse("claim_new", args=[article.pk]),
        {"start": start, "end": end, "label": label},
        headers=HTMX,
    )
    if _ok(response) != 200:
        assert Claim.objects.count() == before


@FUZZ
@given(
    version=NUMBER,
    label=st.one_of(TEXT, st.just("anonymous_source")),
    reason=TEXT,
    affiliation=TEXT,
    count=NUMBER,
    note=TEXT,
    mention=NUMBER,
    source=NUMBER,
)
def test_editing_a_claim(
    editor_client, editor, article, version, label, reason, affiliation, count, note, mention,
    source,
):  # fmt: skip
    claim = Claim.objects.get_or_create(
        article=article,
        start=0,
        end=9,
        label=Label.objects.get(slug="named_source"),
        author=editor,
    )[0]
    response = editor_client.post(
        reverse("claim_edit", args=[article.pk, claim.pk]),
        {
            "version": version,
            "label": label,
            "anonymity_reason": reason,
            "affiliation": affiliation,
            "source_count": count,
            "note": note,
            "source_mention": mention,
            "source_claim": source,
        },
        headers=HTMX,
    )
    if _ok(response) != 200:
        after = Claim.objects.get(pk=claim.pk)
        assert after.version == claim.version and after.note == claim.note


@FUZZ
@given(start=NUMBER, end=NUMBER, label=st.one_of(TEXT, st.just("ORG")), action=TEXT)
def test_entity_actions(editor_client, article, start, end, label, action):
    before = EntityMention.objects.count()
    created = editor_client.post(
        reverse("mention_create", args=[article.pk]),
        {"start": start, "end": end, "label": label},
        headers=HTMX,
    )
    if _ok(created) != 200:
        assert EntityMention.objects.count() == before
    mention = EntityMention.objects.first()
    if mention is not None:
        _ok(
            editor_client.post(
                reverse("mention_update", args=[article.pk, mention.pk]),
                {"action": action, "label": label},
                headers=HTMX,
            )
        )


@FUZZ
@given(comment=TEXT, action=TEXT, version=NUMBER)
def test_comments_and_review_steps(editor_client, article, comment, action, version):
    events = ReviewEvent.objects.count()
    _ok(editor_client.post(reverse("review_comment", args=[article.pk]), {"comment": comment}))
    if "\x00" in comment or not comment.strip():
        assert ReviewEvent.objects.count() == events  # refused: nothing written
    _ok(
        editor_client.post(
            reverse("review_step", args=[article.pk]),
            {"action": action, "version": version, "comment": comment},
        )
    )


@FUZZ
@given(
    q=TEXT,
    outlet=NUMBER,
    status=TEXT,
    page=NUMBER,
    editor=NUMBER,
    flag=TEXT,
    since=DATE,
    until=DATE,
    group=TEXT,
)
def test_every_lists_filters(
    admin_user, article, q, outlet, status, page, editor, flag, since, until, group
):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    lists = [
        (reverse("article_list"), {"q": q, "outlet": outlet, "status": status, "page": page}),
        (reverse("review_queue"), {"outlet": outlet, "editor": editor, "flag": flag,
                                   "since": since, "until": until, "page": page}),
        (reverse("dashboard"), {"group": group, "status": status, "from": since, "to": until}),
        (reverse("dashboard_articles"), {"outlet": outlet, "editor": editor, "month": since,
                                         "flag": flag, "page": page}),
        (reverse("corpus_export"), {"download": "1", "status": status, "outlet": q,
                                    "published_from": since, "published_to": until,
                                    "labels": flag, "editor": q}),
        (reverse("article_history", args=[article.pk]), {"page": page}),
    ]  # fmt: skip
    for url, params in lists:
        response = client.get(url, params)
        assert response.status_code < 500, (url, params)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)  # an export fails while it streams, if at all
