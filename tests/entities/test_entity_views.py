"""Editors correct entities on the article page: accept, reject, relabel, add; polling."""

import pytest
from django.urls import reverse

from entities.models import EntityMention

HTMX = {"HX-Request": "true"}


@pytest.fixture
def haftar(seed_article):
    return EntityMention.objects.get(
        article=seed_article, start=seed_article.text.index("Khalifa Haftar")
    )


def update(client, mention, **data):
    url = reverse("mention_update", args=[mention.article_id, mention.pk])
    return client.post(url, data, headers=HTMX)


def test_the_article_page_highlights_entities_with_a_legend(editor_client, seed_article):
    page = editor_client.get(seed_article.get_absolute_url()).content.decode()
    assert 'class="ent ent-PERSON st-suggested"' in page and ">Khalifa Haftar</mark>" in page
    assert "Pre-tagged by spaCy" in page
    assert 'hx-trigger="every 2s"' not in page  # nothing to poll for
    assert '<span class="legend-label">PERSON</span>' in page


def test_accepting_rejecting_and_relabelling_swap_the_layer_and_record_who(
    editor_client, editor, haftar
):
    response = update(editor_client, haftar, action="accept")
    assert response.status_code == 200
    body = response.content.decode()
    # The mention panel (the swap target), the entity list and the one paragraph it is in.
    assert body.lstrip().startswith('<section id="mention-panel"') and "<html" not in body
    assert '<details class="panel" id="entity-summary" hx-swap-oob="true">' in body
    assert body.count('<span class="para" id="para-') == 1 and 'id="annotator"' not in body
    assert f'class="ent ent-PERSON st-accepted" data-ent="{haftar.pk}"' in body
    haftar.refresh_from_db()
    assert (haftar.status, haftar.updated_by) == ("accepted", editor)

    update(editor_client, haftar, action="relabel", label="ORG")
    haftar.refresh_from_db()
    assert haftar.label == "ORG"

    body = update(editor_client, haftar, action="reject").content.decode()
    haftar.refresh_from_db()
    assert haftar.status == "rejected"
    # No longer highlighted in its paragraph, listed as rejected.
    assert 'id="para-' in body and f'data-ent="{haftar.pk}"' not in body
    assert 'Khalifa Haftar</s></a> <span class="muted">ORG, rejected' in body
    history = list(
        haftar.history.order_by("history_date").values_list(
            "status", "label", "history_user__username"
        )
    )
    assert history == [
        ("accepted", "PERSON", "erin"),
        ("accepted", "ORG", "erin"),
        ("rejected", "ORG", "erin"),
    ]


def test_adding_a_mention_snaps_the_selection_to_whole_tokens(editor_client, editor, seed_article):
    text = seed_article.text
    start = text.index("Sidi Barrani") + 2  # "di Barra": mid-word on both sides
    response = editor_client.post(
        reverse("mention_create", args=[seed_article.pk]),
        {"start": start, "end": start + 8, "label": "LOC"},
        headers=HTMX,
    )
    assert response.status_code == 200
    mention = EntityMention.objects.get(article=seed_article, label="LOC", origin="editor")
    assert text[mention.start : mention.end] == "Sidi Barrani"
    assert (mention.status, mention.created_by) == ("accepted", editor)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": 5, "end": 999_999, "label": "PERSON"}, "is not inside the text"),
        ({"start": 20, "end": 10, "label": "PERSON"}, "is not inside the text"),
        ({"start": -1, "end": 4, "label": "PERSON"}, "is not inside the text"),
        ({"start": "x", "end": 4, "label": "PERSON"}, "Select some text first."),
        ({"start": 0, "end": 4, "label": "DATE"}, "Unknown entity label"),
    ],
)
def test_bad_selections_are_refused_with_a_message(editor_client, seed_article, data, message):
    before = EntityMention.objects.count()
    response = editor_client.post(
        reverse("mention_create", args=[seed_article.pk]), data, headers=HTMX
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert EntityMention.objects.count() == before


def test_a_whitespace_selection_is_refused(editor_client, seed_article):
    gap = seed_article.text.index("\n\n")
    response = editor_client.post(
        reverse("mention_create", args=[seed_article.pk]),
        {"start": gap, "end": gap + 2, "label": "ORG"},
        headers=HTMX,
    )
    assert response.status_code == 422 and "holds no word" in response.content.decode()


def test_without_javascript_actions_redirect_back_to_the_article(editor_client, haftar):
    url = reverse("mention_update", args=[haftar.article_id, haftar.pk])
    response = editor_client.post(url, {"action": "accept"})
    assert response.status_code == 302 and response.url.endswith(
        f"?mention={haftar.pk}#mention-panel"
    )
    page = editor_client.get(response.url).content.decode()
    assert "“Khalifa Haftar”" in page and 'name="action" value="reject"' in page


def test_a_mention_of_another_article_is_not_found(editor_client, haftar, db):
    from newsroom.importer import articles_import
    from newsroom.models import Article

    articles_import(records=[(1, {"title": "Other", "text": "Other text"})])
    other = Article.objects.get(title="Other")
    url = reverse("mention_update", args=[other.pk, haftar.pk])
    assert editor_client.post(url, {"action": "reject"}, headers=HTMX).status_code == 404


def test_users_without_the_editor_role_cannot_correct(client, no_role_user, haftar):
    client.force_login(no_role_user)
    assert update(client, haftar, action="reject").status_code == 403
    client.logout()
    assert update(client, haftar, action="reject").status_code == 302
    haftar.refresh_from_db()
    assert haftar.status == "suggested"


def test_polling_runs_while_analysis_is_pending_and_stops_when_done(editor_client, seed_article):
    seed_article.analysis_state = "pending"
    seed_article.save()
    page = editor_client.get(seed_article.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Waiting for analysis" in page

    status_url = reverse("analysis_status", args=[seed_article.pk])
    poll = editor_client.get(status_url, headers=HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in poll and 'id="annotator"' not in poll

    seed_article.analysis_state = "done"
    seed_article.save()
    final = editor_client.get(status_url, headers=HTMX).content.decode()
    assert 'hx-trigger="every 2s"' not in final  # the swapped-in badge polls no more
    assert '<div id="annotator" class="reading-layout" hx-swap-oob="true">' in final
    assert ">Khalifa Haftar</mark>" in final


def test_a_failed_analysis_shows_the_error_and_can_be_retried(
    editor_client, seed_article, django_capture_on_commit_callbacks
):
    seed_article.analysis_state = "failed"
    seed_article.analysis_error = "RuntimeError: <boom>"
    seed_article.save()
    page = editor_client.get(seed_article.get_absolute_url()).content.decode()
    assert (
        "Analysis failed." in page and "RuntimeError: &lt;boom&gt;" in page and "Try again" in page
    )
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("reanalyse", args=[seed_article.pk]), headers=HTMX)
    seed_article.refresh_from_db()
    assert seed_article.analysis_state == "done"


def test_the_page_takes_the_same_queries_however_many_entities(
    editor_client, seed_article, django_assert_num_queries
):
    url = seed_article.get_absolute_url()
    editor_client.get(url)  # the session, and the role and permissions cached
    # 7: the article page's queries, the rejected suggestions (listed to restore) among them
    with django_assert_num_queries(7) as few:
        editor_client.get(url)
    EntityMention.objects.bulk_create(
        EntityMention(
            article=seed_article,
            start=i,
            end=i + 1,
            label="ORG",
            origin="editor",
            status="accepted",
        )
        for i in range(0, 2000, 2)
    )
    with django_assert_num_queries(len(few.captured_queries)):
        editor_client.get(url)


def test_an_analysis_whose_worker_died_stops_polling_and_can_be_rerun(editor_client, seed_article):
    from datetime import timedelta

    from django.utils import timezone

    from newsroom.models import Article

    Article.objects.filter(pk=seed_article.pk).update(
        analysis_state="running", analysis_started_at=timezone.now() - timedelta(hours=1)
    )
    page = editor_client.get(seed_article.get_absolute_url()).content.decode()
    assert "The analysis stopped" in page and 'hx-trigger="every 2s"' not in page
    assert "Re-analyse" in page
    assert list(Article.objects.needing_analysis()) == [seed_article]
    Article.objects.filter(pk=seed_article.pk).update(analysis_started_at=timezone.now())
    assert list(Article.objects.needing_analysis()) == []


def test_admins_see_the_history_of_a_mention(client, admin_user, haftar, editor):
    from entities.corrections import mention_decide

    mention_decide(mention=haftar, action="reject", user=editor)
    client.force_login(admin_user)
    page = client.get(
        reverse("admin:entities_entitymention_history", args=[haftar.pk])
    ).content.decode()
    assert "erin" in page


def test_the_article_history_shows_a_model_mention_relabelled_from_what_to_what(haftar, editor):
    """The model's mentions have no history row of their own: the first change records what
    the mention was, so the history reads PERSON → FAC, not a bare 'Entity changed'."""
    from annotations.history import article_history_entries
    from entities.corrections import mention_decide

    assert haftar.label == "PERSON" and haftar.status == "suggested"
    mention_decide(mention=haftar, action="relabel", label="ORG", user=editor)
    mention_decide(mention=haftar, action="relabel", label="FAC", user=editor)
    entries = [e for e in article_history_entries(haftar.article) if "Haftar" in e.subject]
    assert [e.changes for e in entries] == [
        [("label", "ORG", "FAC")],
        [("label", "PERSON", "ORG"), ("status", "suggested", "accepted")],
    ]
