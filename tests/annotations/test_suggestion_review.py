"""Reviewing the rules' suggestions: accept, reject, accept all of a label, keys reserved."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from annotations.claims import suggestion_decide
from annotations.models import Claim, Label
from annotations.pages.forms import LabelForm

HTMX = {"HX-Request": "true"}


def suggest(article, phrase, slug):
    """A suggestion as the analysis writes it: no author, origin rule, status suggested."""
    start = article.text.index(phrase)
    return Claim.objects.create(
        article=article,
        start=start,
        end=start + len(phrase),
        label=Label.objects.get(slug=slug),
        origin="rule",
        status="suggested",
    )


def review(client, claim, decision, version=None):
    url = reverse("suggestion_review", args=[claim.article_id, claim.pk])
    data = {"decision": decision, "version": version or claim.version}
    return client.post(url, data, headers=HTMX)


@pytest.fixture
def suggestions(seed_article):
    # A known set: the seed article's own suggestions from the analysis are replaced.
    Claim.objects.filter(article=seed_article).delete()
    return [
        suggest(seed_article, "allegedly", "hedge"),
        suggest(seed_article, "Reuters", "outlet"),
        suggest(seed_article, "apparent", "hedge"),
    ]


def test_the_page_shows_suggestions_dimmed_and_counted(editor_client, seed_article, suggestions):
    page = editor_client.get(seed_article.get_absolute_url()).content.decode()
    assert f'class="claim lab-hedge cst-suggested" data-claim="{suggestions[0].pk}"' in page
    assert '<span class="muted suggested-count">(2 suggested)</span>' in page
    assert f'<li class="suggested"><a href="?claim={suggestions[0].pk}#claim-panel"' in page

    opened = editor_client.get(f"{seed_article.get_absolute_url()}?claim={suggestions[0].pk}")
    panel = opened.content.decode()
    assert "suggested by the sourcing rules" in panel
    assert 'data-review-key="y"><kbd>y</kbd> Accept' in panel
    assert 'data-review-key="x"><kbd>x</kbd> Reject' in panel
    assert "Accept all 2 suggested “Hedge”" in panel


def test_accepting_makes_it_the_editors_claim_and_opens_the_next(
    editor_client, editor, suggestions
):
    first, _, apparent = suggestions
    response = review(editor_client, first, "accept")
    assert response.status_code == 200
    first.refresh_from_db()
    assert (first.status, first.author, first.origin, first.version) == (
        "accepted",
        editor,
        "rule",
        2,
    )
    assert first.history.first().history_user == editor
    body = response.content.decode()
    # The next suggestion in the list's order (the same label first) is open, and the page
    # scrolls to it.
    assert f'data-flash="{apparent.pk}"' in body and "“apparent”" in body
    assert "Accepted “allegedly” (Hedge). Next suggestion:" in body
    # Its paragraph shows the claim accepted; the hedge group counts one suggestion left.
    assert f'class="claim lab-hedge cst-accepted" data-claim="{first.pk}"' in body
    assert 'id="claims-group-hedge" hx-swap-oob="true"' in body and "(1 suggested)" in body


def test_rejecting_hides_it_and_keeps_it_rejected(editor_client, editor, seed_article, suggestions):
    first = suggestions[0]
    response = review(editor_client, first, "reject")
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == "rejected" and first.author is None
    page = editor_client.get(seed_article.get_absolute_url()).content.decode()
    assert f'data-claim="{first.pk}"' not in page
    # Reviewing it again is refused with the reason.
    again = review(editor_client, first, "accept", version=first.version)
    assert again.status_code == 422 and "already rejected" in again.content.decode()


def test_a_stale_review_gets_409(editor_client, suggestions):
    response = review(editor_client, suggestions[0], "accept", version=7)
    assert response.status_code == 409
    suggestions[0].refresh_from_db()
    assert suggestions[0].status == "suggested"


def test_accept_all_takes_every_suggestion_of_one_label(
    editor_client, editor, seed_article, suggestions
):
    response = editor_client.post(
        reverse("suggestions_accept", args=[seed_article.pk]), {"label": "hedge"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Accepted 2 Hedge suggestions." in response.content.decode()
    statuses = dict(Claim.objects.values_list("label__slug", "status").order_by("start"))
    hedges = Claim.objects.filter(label__slug="hedge")
    assert {(c.status, c.author) for c in hedges} == {("accepted", editor)}
    assert statuses["outlet"] == "suggested"  # another label: untouched


def test_accepting_a_suggestion_the_editor_already_has_folds_it(editor, seed_article, suggestions):
    first = suggestions[0]
    # The editor's own claim on the suggestion's span, made before the suggestion was (marking
    # it now would accept the suggestion instead: tests/annotations/test_sources.py).
    own = Claim.objects.create(
        article=seed_article, start=first.start, end=first.end, label=first.label, author=editor
    )
    kept = suggestion_decide(claim_id=first.pk, version=1, user=editor, accept=True)
    assert kept == own and not Claim.objects.filter(pk=first.pk).exists()


def test_saving_a_suggestion_accepts_it(editor_client, editor, suggestions):
    first = suggestions[0]
    data = {
        "version": 1,
        "label": "hedge",
        "note": "checked",
        "anonymity_reason": "",
        "affiliation": "",
    }
    url = reverse("claim_edit", args=[first.article_id, first.pk])
    assert editor_client.post(url, data, headers=HTMX).status_code == 200
    first.refresh_from_db()
    assert (first.status, first.author, first.note) == ("accepted", editor, "checked")


def test_the_rules_cannot_suggest_the_same_span_and_label_twice(seed_article, suggestions):
    with pytest.raises(IntegrityError):
        suggest(seed_article, "allegedly", "hedge")


def test_a_user_without_a_role_cannot_review(client, no_role_user, seed_article, suggestions):
    client.force_login(no_role_user)
    assert review(client, suggestions[0], "accept").status_code == 403
    url = reverse("suggestions_accept", args=[seed_article.pk])
    assert client.post(url, {"label": "hedge"}, headers=HTMX).status_code == 403
    assert set(Claim.objects.values_list("status", flat=True)) == {"suggested"}


@pytest.mark.parametrize("key", ["y", "x", "j", "k", "z"])
def test_the_review_keys_cannot_become_label_keys(db, key):
    form = LabelForm(
        data={
            "name": "Rumour",
            "slug": "rumour",
            "kind": "marker",
            "shortcut": key,
            "colour": "#112233",
            "description": "Hearsay.",
            "order": 9,
        }
    )
    assert not form.is_valid()
    assert "the annotate page's own" in form.errors["shortcut"][0]


def test_y_and_x_move_down_the_list_as_it_is_shown(editor_client, seed_article):
    """The list groups suggestions by label (then reading order); after a decision the panel
    opens the next one in that order, not the next in the text."""
    listed = list(Claim.objects.filter(article=seed_article).suggested().in_list_order())
    assert len({c.label_id for c in listed}) > 1
    opened = []
    for claim in listed[:-1]:
        response = editor_client.post(
            reverse("suggestion_review", args=[seed_article.pk, claim.pk]),
            {"decision": "reject", "version": claim.version},
            headers={"HX-Request": "true"},
        )
        opened.append(response.context["selected_claim"].pk)
    assert opened == [c.pk for c in listed[1:]]


def test_a_rejected_suggestion_is_listed_and_can_be_restored(editor_client, seed_article):
    claim = Claim.objects.filter(article=seed_article).suggested().first()
    review = reverse("suggestion_review", args=[seed_article.pk, claim.pk])
    editor_client.post(review, {"decision": "reject", "version": 1}, headers={"HX-Request": "true"})
    page = editor_client.get(seed_article.get_absolute_url())
    assert [c.pk for c in page.context["rejected_suggestions"]] == [claim.pk]
    assert 'name="decision" value="restore"' in page.content.decode()
    response = editor_client.post(
        review, {"decision": "restore", "version": 2}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Restored" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.author, claim.version) == ("suggested", None, 3)
    again = editor_client.post(
        review, {"decision": "restore", "version": 3}, headers={"HX-Request": "true"}
    )
    assert again.status_code == 422 and "Only a rejected suggestion" in again.content.decode()
    assert editor_client.get(seed_article.get_absolute_url()).context["rejected_suggestions"] == []


def test_deleting_a_claim_asks_first(editor_client, seed_article, editor):
    claim = Claim.objects.filter(article=seed_article).suggested().first()
    page = editor_client.get(
        reverse("claim_detail", args=[seed_article.pk, claim.pk]), headers={"HX-Request": "true"}
    )
    assert 'hx-confirm="Delete this claim? This cannot be undone."' in page.content.decode()
