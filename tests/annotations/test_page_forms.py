"""The pages' forms: a missing or malformed field is refused with the page's message (422 on
the annotate page's actions, a message on the review panel), and nothing changes."""

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import Claim, Label, ReviewEvent
from annotations.pages.forms import (
    ClaimCreateForm,
    MentionCreateForm,
    MentionDecisionForm,
    ReviewAssignForm,
    ReviewStepForm,
    first_error,
)
from entities.models import EntityMention

HTMX = {"HX-Request": "true"}
SELECT = "Select some text first, then press a label key."
CLAIM_VERSION = "The form is missing the claim&#x27;s version; reload"
ARTICLE_VERSION = "The form is missing the article&#x27;s version; reload the page."


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"end": 4, "label": "hedge"}, SELECT),
        ({"start": "4.5", "end": 9, "label": "hedge"}, SELECT),
        ({"start": 0, "end": "nine", "label": "hedge"}, SELECT),
        ({"start": "x", "end": 4, "label": "gossip"}, SELECT),  # offsets first, as the page asks
        ({"start": 0, "end": 4}, "Unknown label; reload the page."),
        ({"start": 0, "end": 4, "label": "gossip"}, "Unknown label; reload the page."),
    ],
)
def test_claim_create_form_refusals(db, data, message):
    form = ClaimCreateForm(data, labels=list(Label.objects.all()))
    assert not form.is_valid() and first_error(form) == message


def test_claim_create_form_gives_the_label_itself(db):
    labels = list(Label.objects.all())
    form = ClaimCreateForm({"start": "3", "end": "9", "label": labels[1].slug}, labels=labels)
    assert form.is_valid()
    assert form.cleaned_data == {"start": 3, "end": 9, "label": labels[1]}


@pytest.mark.parametrize(
    ("form", "data", "message"),
    [
        (MentionCreateForm, {"start": "", "end": 4, "label": "ORG"}, "Select some text first."),
        (
            MentionCreateForm,
            {"start": 0, "end": 4, "label": "DATE"},
            "Unknown entity label 'DATE'.",
        ),
        (MentionDecisionForm, {"action": "delete"}, "Unknown action 'delete'."),
        (ReviewStepForm, {"action": "submit"}, ARTICLE_VERSION.replace("&#x27;", "'")),
        (
            ReviewStepForm,
            {"action": "submit", "version": "v2"},
            "The form is missing the article's version; reload the page.",
        ),
        (ReviewStepForm, {"action": "publish", "version": 1}, "Unknown step 'publish'."),
        (ReviewAssignForm, {"editors": ["1", "two"]}, "Pick editors from the list."),
    ],
)
def test_other_forms_refusals(db, form, data, message):
    bound = form(data)
    assert not bound.is_valid() and first_error(bound) == message


def test_a_missing_entity_label_or_step_is_left_to_the_service_which_names_it(db):
    # The services refuse an empty label or step with the same words as an unknown one.
    assert MentionCreateForm({"start": 0, "end": 4}).is_valid()
    assert ReviewStepForm({"version": 3}).is_valid()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"end": 4, "label": "hedge"}, SELECT),
        ({"start": 0, "end": "4;", "label": "hedge"}, SELECT),
        ({"start": 0, "end": 4, "label": ""}, "Unknown label; reload the page."),
    ],
)
def test_claim_new_refuses_bad_fields(editor_client, seed_article, data, message):
    before = Claim.objects.count()
    response = editor_client.post(reverse("claim_new", args=[seed_article.pk]), data, headers=HTMX)
    assert response.status_code == 422 and message in response.content.decode()
    assert Claim.objects.count() == before


@pytest.mark.parametrize("version", [None, "", "one", "0"])
def test_claim_remove_refuses_a_missing_or_bad_version(editor_client, seed_article, version):
    claim = Claim.objects.filter(article=seed_article).first()
    data = {} if version is None else {"version": version}
    url = reverse("claim_remove", args=[seed_article.pk, claim.pk])
    response = editor_client.post(url, data, headers=HTMX)
    assert response.status_code == 422 and CLAIM_VERSION in response.content.decode()
    assert Claim.objects.filter(pk=claim.pk).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "accept"}, CLAIM_VERSION),
        ({"decision": "accept", "version": "x"}, CLAIM_VERSION),
        ({"version": 1}, "Choose accept, reject or restore."),
        ({"version": 1, "decision": "maybe"}, "Choose accept, reject or restore."),
    ],
)
def test_suggestion_review_refuses_bad_fields(editor_client, seed_article, data, message):
    claim = Claim.objects.filter(article=seed_article, status="suggested").first()
    assert claim is not None  # the analysis suggests some
    url = reverse("suggestion_review", args=[seed_article.pk, claim.pk])
    response = editor_client.post(url, data, headers=HTMX)
    assert response.status_code == 422 and message in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "suggested"


@pytest.mark.parametrize("data", [{}, {"label": "gossip"}])
def test_suggestions_accept_refuses_an_unknown_label(admin_user, seed_article, data):
    suggested = Claim.objects.filter(article=seed_article, status="suggested").count()
    url = reverse("suggestions_accept", args=[seed_article.pk])
    response = client_for(admin_user).post(url, data, headers=HTMX)
    assert response.status_code == 422
    assert "Unknown label; reload the page." in response.content.decode()
    assert Claim.objects.filter(article=seed_article, status="suggested").count() == suggested


@pytest.mark.parametrize(
    ("data", "message"),
    [({"action": "delete"}, "Unknown action &#x27;delete&#x27;."), ({}, "Unknown action")],
)
def test_mention_update_refuses_an_unknown_action(editor_client, seed_article, data, message):
    mention = EntityMention.objects.filter(article=seed_article).first()
    url = reverse("mention_update", args=[seed_article.pk, mention.pk])
    response = editor_client.post(url, data, headers=HTMX)
    assert response.status_code == 422 and message in response.content.decode()
    assert EntityMention.objects.get(pk=mention.pk).status == mention.status


def test_review_step_without_a_version_says_so_on_the_panel(editor_client, seed_article):
    url = reverse("review_step", args=[seed_article.pk])
    response = editor_client.post(url, {"action": "submit", "version": "?"}, follow=True)
    assert ARTICLE_VERSION in response.content.decode()
    seed_article.refresh_from_db()
    assert seed_article.status == "draft" and not ReviewEvent.objects.exists()


def test_review_assign_refuses_ids_that_are_not_numbers(admin_user, seed_article):
    url = reverse("review_assign", args=[seed_article.pk])
    response = client_for(admin_user).post(url, {"editors": ["x"]}, follow=True)
    assert "Pick editors from the list." in response.content.decode()
    assert not seed_article.assignments.exists()


def test_merge_refuses_ids_that_are_not_numbers(admin_user, seed_article):
    url = reverse("article_merge", args=[seed_article.pk])
    response = client_for(admin_user).post(url, {"keep": ["1", "x"]})
    assert response.status_code == 200 and "Pick claims from the list." in response.content.decode()
