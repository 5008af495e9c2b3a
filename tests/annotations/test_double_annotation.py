"""Double annotation: two editors' claims kept apart, their agreement, the admin's merge."""

import pytest
from django.test import Client
from django.urls import reverse

from annotations.claims import claim_create
from annotations.models import Claim, Label, ReviewEvent
from annotations.review import article_assign


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mark(article, phrase, slug, author):
    start = article.text.index(phrase)
    return claim_create(
        article=article,
        start=start,
        end=start + len(phrase),
        label=Label.objects.get(slug=slug),
        author=author,
    )


@pytest.fixture
def double(seed_article, editor, other_editor, admin_user):
    Claim.objects.filter(article=seed_article).delete()  # no rule suggestions in the way
    article_assign(article=seed_article, editor_ids=[editor.pk, other_editor.pk], user=admin_user)
    erin = [
        mark(seed_article, "Egyptian security sources", "anonymous_source", editor),
        mark(seed_article, "Reuters", "outlet", editor),
    ]
    bo = [
        # Overlaps erin's: a match for F1 and a pair in the merge.
        mark(seed_article, "security sources", "anonymous_source", other_editor),
        mark(seed_article, "allegedly", "hedge", other_editor),
    ]
    return seed_article, erin, bo


def test_each_editor_sees_only_their_own_claims(double, editor, other_editor, admin_user):
    article, erin, bo = double
    page = client_for(editor).get(article.get_absolute_url()).content.decode()
    assert f'data-claim="{erin[0].pk}"' in page and f'data-claim="{bo[0].pk}"' not in page
    # Nor can they open the other's claim by its address.
    url = reverse("claim_detail", args=[article.pk, bo[0].pk])
    assert client_for(editor).get(url, headers={"HX-Request": "true"}).status_code == 404
    admin_page = client_for(admin_user).get(article.get_absolute_url()).content.decode()
    assert all(f'data-claim="{c.pk}"' in admin_page for c in (*erin, *bo))
    assert "(double annotation)" in admin_page and "Agreement and merge" in admin_page


def test_the_merge_page_shows_agreement_and_pairs(double, admin_user, editor):
    article, _, _ = double
    page = client_for(admin_user).get(reverse("article_merge", args=[article.pk]))
    body = page.content.decode()
    # anonymous_source: 1 vs 1 overlapping → matched both ways; outlet 1 vs 0; hedge 0 vs 1.
    # Micro F1 = 2·2·2 / (2·2 + 2·2)... pooled: matched_a 1 of 2, matched_b 1 of 2 → F1 0.50.
    assert "Span F1 (overlap matching): <strong>0.50</strong>" in body
    rows = body.split("<tbody>")[2].split("</tbody>")[0].count("<tr>")
    assert rows == 3  # the pair, Reuters alone, allegedly alone
    assert client_for(editor).get(reverse("article_merge", args=[article.pk])).status_code == 403


def test_merging_keeps_the_picks_and_sets_aside_the_rest(double, admin_user):
    article, erin, bo = double
    response = client_for(admin_user).post(
        reverse("article_merge", args=[article.pk]),
        {"keep": [erin[0].pk, erin[1].pk, bo[1].pk]},
        follow=True,
    )
    assert "Merged: kept 3 claims, set aside 1." in response.content.decode()
    statuses = dict(Claim.objects.filter(article=article).values_list("pk", "status"))
    assert statuses == {
        erin[0].pk: "accepted",
        erin[1].pk: "accepted",
        bo[0].pk: "rejected",
        bo[1].pk: "accepted",
    }
    rejected = Claim.objects.get(pk=bo[0].pk)
    assert rejected.history.first().history_user == admin_user
    assert "kept 3 of 4 claims" in ReviewEvent.objects.get(action="comment").comment
    # A pick that is not one of the two versions is refused, and nothing changes.
    bad = client_for(admin_user).post(
        reverse("article_merge", args=[article.pk]), {"keep": [999999]}, follow=True
    )
    assert "changed meanwhile" in bad.content.decode()
