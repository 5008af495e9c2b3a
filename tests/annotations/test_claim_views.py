"""The annotate page's claim endpoints: create, edit, conflict, delete, permissions, escaping."""

import pytest
from django.urls import reverse

from annotations.claims import claim_create
from annotations.models import Claim, Label

HTMX = {"HX-Request": "true"}


def at(article, phrase):
    start = article.text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def seed_article(seed_article):
    """The seed article without the rules' suggestions: these tests are of the claims editors
    make (marking over an open suggestion accepts it instead: tests/annotations/test_sources.py)."""
    Claim.objects.filter(article=seed_article, origin="rule").delete()
    return seed_article


@pytest.fixture
def hedge(seed_article, editor):
    start, end = at(seed_article, "allegedly")
    return claim_create(
        article=seed_article,
        start=start,
        end=end,
        label=Label.objects.get(slug="hedge"),
        author=editor,
    )


def edit(client, claim, **data):
    payload = {
        "version": claim.version,
        "label": claim.label.slug,
        "note": "",
        "anonymity_reason": "",
        "affiliation": "",
    }
    payload.update(data)
    return client.post(
        reverse("claim_edit", args=[claim.article_id, claim.pk]), payload, headers=HTMX
    )


def test_creating_a_claim_swaps_only_what_changed(editor_client, editor, seed_article):
    start, end = at(seed_article, "Egyptian security sources")
    response = editor_client.post(
        reverse("claim_new", args=[seed_article.pk]),
        {"start": start, "end": end, "label": "anonymous_source"},
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    claim = Claim.objects.filter(origin="editor").get()
    assert (claim.start, claim.end, claim.author) == (start, end, editor)
    # The claim's panel (the swap target), its label's group of the claims list with the
    # count, and the one paragraph it is in.
    assert body.lstrip().startswith('<section id="claim-panel"')
    assert "“Egyptian security sources”" in body and 'name="anonymity_reason"' in body
    assert body.count('class="claims-group"') == 1
    assert (
        '<div class="claims-group" id="claims-group-anonymous_source" hx-swap-oob="true">' in body
    )
    assert '<h2 id="claims-count" hx-swap-oob="true">Claims <span class="muted">(1)' in body
    assert 'id="claims-empty" hx-swap-oob="true" hidden>' in body
    assert body.count('<span class="para" id="para-') == 1 and 'hx-swap-oob="true">' in body
    assert f'data-claim="{claim.pk}"' in body
    assert "failed state" not in body  # other paragraphs are not sent
    assert "<html" not in body and 'id="annotator"' not in body


def test_relabelling_updates_both_groups_and_deleting_empties_one(editor_client, hedge):
    response = edit(editor_client, hedge, label="denial")
    body = response.content.decode()
    assert response.status_code == 200
    # The claim leaves the hedge group (now empty, hidden) and joins the denial group.
    assert '<div class="claims-group" id="claims-group-hedge" hx-swap-oob="true" hidden>' in body
    denial = body[body.index('id="claims-group-denial"') :]
    assert f'data-claim-link="{hedge.pk}"' in denial[: denial.index("</div>")]
    assert body.count('class="claims-group"') == 2

    hedge.refresh_from_db()
    response = editor_client.post(
        reverse("claim_remove", args=[hedge.article_id, hedge.pk]),
        {"version": hedge.version},
        headers=HTMX,
    )
    body = response.content.decode()
    assert '<div class="claims-group" id="claims-group-denial" hx-swap-oob="true" hidden>' in body
    assert 'id="claims-empty" hx-swap-oob="true">No claims yet.' in body
    assert "(0)" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": 0, "end": 10**6, "label": "hedge"}, "is not inside the text"),
        ({"start": 40, "end": 20, "label": "hedge"}, "is not inside the text"),
        ({"start": "", "end": 4, "label": "hedge"}, "Select some text first"),
        ({"start": 0, "end": 4, "label": "gossip"}, "Unknown label"),
    ],
)
def test_bad_selections_are_refused_with_a_visible_message(
    editor_client, seed_article, data, message
):
    response = editor_client.post(reverse("claim_new", args=[seed_article.pk]), data, headers=HTMX)
    assert response.status_code == 422
    assert message in response.content.decode() and 'role="alert"' in response.content.decode()
    assert not Claim.objects.filter(origin="editor").exists()


def test_editing_attributes_saves_them_and_bumps_the_version(editor_client, seed_article, editor):
    start, end = at(seed_article, "U.S. officials, who spoke on condition of anonymity")
    claim = claim_create(
        article=seed_article,
        start=start,
        end=end,
        label=Label.objects.get(slug="anonymous_source"),
        author=editor,
    )
    response = edit(
        editor_client,
        claim,
        anonymity_reason="not authorised to speak",
        affiliation="US government",
        source_count=2,
        note="<b>check</b>",
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.version, claim.anonymity_reason, claim.affiliation, claim.source_count) == (
        2,
        "not authorised to speak",
        "US government",
        2,
    )
    assert "&lt;b&gt;check&lt;/b&gt;" in response.content.decode()


def test_a_stale_edit_gets_409_and_the_current_state(editor_client, hedge):
    assert edit(editor_client, hedge, note="from tab one").status_code == 200
    response = edit(editor_client, hedge, note="from tab two")  # still carries version 1
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed by erin since you opened it" in body and "now at version 2" in body
    assert ">from tab one</textarea>" in body
    hedge.refresh_from_db()
    assert hedge.note == "from tab one"


def test_deleting_needs_the_current_version(editor_client, hedge):
    url = reverse("claim_remove", args=[hedge.article_id, hedge.pk])
    edit(editor_client, hedge, note="changed")
    assert editor_client.post(url, {"version": 1}, headers=HTMX).status_code == 409
    assert editor_client.post(url, {"version": 2}, headers=HTMX).status_code == 200
    assert not Claim.objects.filter(origin="editor").exists()
    gone = editor_client.post(url, {"version": 2}, headers=HTMX)
    assert gone.status_code == 409 and "was deleted" in gone.content.decode()


def test_editing_a_claim_deleted_in_another_tab_gets_409_not_404(editor_client, hedge):
    url = reverse("claim_remove", args=[hedge.article_id, hedge.pk])
    assert editor_client.post(url, {"version": 1}, headers=HTMX).status_code == 200
    response = edit(editor_client, hedge, note="too late")
    assert response.status_code == 409 and "was deleted" in response.content.decode()
    assert not Claim.objects.filter(pk=hedge.pk).exists()


def test_another_editor_cannot_change_or_delete_it_but_an_admin_can(
    client, other_editor, admin_user, hedge
):
    client.force_login(other_editor)
    assert edit(client, hedge, note="mine").status_code == 403
    assert (
        client.post(
            reverse("claim_remove", args=[hedge.article_id, hedge.pk]), {"version": 1}, headers=HTMX
        ).status_code
        == 403
    )
    page = client.get(hedge.article.get_absolute_url() + f"?claim={hedge.pk}").content.decode()
    assert "Only its author or an admin can change this claim." in page
    client.force_login(admin_user)
    assert edit(client, hedge, note="reviewed").status_code == 200


def test_without_javascript_actions_redirect_back_to_the_claim(editor_client, hedge):
    payload = {"version": 1, "label": "hedge", "note": "plain form"}
    response = editor_client.post(reverse("claim_edit", args=[hedge.article_id, hedge.pk]), payload)
    assert response.status_code == 302 and response.url.endswith(f"?claim={hedge.pk}#claim-panel")


def test_links_only_to_this_articles_sources(editor_client, seed_article, editor, hedge, db):
    from newsroom.importer import articles_import
    from newsroom.models import Article

    articles_import(records=[(1, {"title": "Other", "text": "Officials said nothing."})])
    other = claim_create(
        article=Article.objects.get(title="Other"),
        start=0,
        end=9,
        label=Label.objects.get(slug="anonymous_source"),
        author=editor,
    )
    start, end = at(seed_article, "declined to comment")
    cue = claim_create(
        article=seed_article,
        start=start,
        end=end,
        label=Label.objects.get(slug="no_comment"),
        author=editor,
    )
    response = edit(editor_client, cue, source_claim=other.pk)
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()


def test_the_page_takes_the_same_queries_however_many_claims(
    editor_client, seed_article, editor, django_assert_num_queries
):
    url = seed_article.get_absolute_url()
    editor_client.get(url)  # the role and permissions cached
    # The session with its user, the article, mentions, labels, review events, claims and
    # the rejected suggestions (listed to restore).
    with django_assert_num_queries(7) as few:
        editor_client.get(url)
    label = Label.objects.get(slug="hedge")
    Claim.objects.bulk_create(
        Claim(article=seed_article, start=i, end=i + 3, label=label, author=editor)
        for i in range(0, 2000, 2)
    )
    with django_assert_num_queries(len(few.captured_queries)):
        response = editor_client.get(url)
    assert response.content.decode().count("data-claim=") >= 1000


def test_creating_a_claim_costs_the_same_however_many_claims(
    editor_client, seed_article, editor, django_assert_num_queries
):
    url = reverse("claim_new", args=[seed_article.pk])

    def create(phrase: str) -> str:
        start, end = at(seed_article, phrase)
        data = {"start": start, "end": end, "label": "hedge"}
        return editor_client.post(url, data, headers=HTMX).content.decode()

    editor_client.get(seed_article.get_absolute_url())  # the role and permissions cached
    # 12: the two that keep duplicates out (an open suggestion of the label over the span;
    # the editor's own claim of another label on it) are among them.
    with django_assert_num_queries(12) as few:
        small = create("allegedly")
    label = Label.objects.get(slug="denial")
    # 1,000 claims in the first 1,003 characters, none in the paragraph the next one is in.
    Claim.objects.bulk_create(
        Claim(article=seed_article, start=i, end=i + 3, label=label, author=editor)
        for i in range(1000)
    )
    with django_assert_num_queries(len(few.captured_queries)):
        large = create("Hillary Clinton")
    # The response does not carry the 1,000 claims of the other label either.
    assert abs(len(large) - len(small)) < 2000 and "claims-group-denial" not in large


def test_hostile_text_renders_as_text_on_the_annotate_page(editor_client, editor, db):
    from newsroom.importer import articles_import
    from newsroom.models import Article

    text = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> "
        '<a href="javascript:alert(3)">x</a> </textarea>{{ 7|add:1 }}'
    )
    articles_import(records=[(1, {"title": "<svg onload=alert(4)>", "text": text})])
    article = Article.objects.get()
    claim_create(
        article=article, start=0, end=25, label=Label.objects.get(slug="hedge"), author=editor
    )
    page = editor_client.get(article.get_absolute_url() + "?claim=1").content.decode()
    for raw in ("<script>alert(1)", "<img src=x", 'href="javascript:', "<svg onload"):
        assert raw not in page
    assert "&lt;/textarea&gt;{{ 7|add:1 }}" in page


def test_admins_manage_labels_and_editors_only_read_them(client, editor, admin_user):
    client.force_login(editor)
    assert client.get(reverse("label_list")).status_code == 200
    hedge = Label.objects.get(slug="hedge")
    assert client.get(reverse("label_edit", args=[hedge.pk])).status_code == 403
    client.force_login(admin_user)
    data = {
        "name": "Hedge",
        "slug": "hedge",
        "kind": "marker",
        "shortcut": "h",
        "colour": "#112233",
        "description": "Unverified.",
        "order": 5,
    }
    assert client.post(reverse("label_edit", args=[hedge.pk]), data).status_code == 302
    css = client.get(reverse("label_css")).content.decode()
    assert ".lab-hedge { --claim: #112233; }" in css
    bad = client.post(
        reverse("label_edit", args=[hedge.pk]),
        {**data, "colour": "red;}body{display:none", "shortcut": "a"},
    )
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert "colour" in errors and "shortcut" in errors  # 'a' belongs to Anonymous source
