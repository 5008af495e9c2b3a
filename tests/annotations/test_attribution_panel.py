"""Attributions on the annotate page (issue 19): a statement's panel says who it rests on and
offers the cues it may be said via; a cue lists its statements; a source lists its cues with
their statements; the text draws statements beneath other claims; the history names the link.
The seed article is analysed by the real model, so its suggested triples are there."""

import re

import pytest
from django.urls import reverse

from annotations.claims import claim_create, claim_update
from annotations.history import article_history_entries
from annotations.models import Assignment, Claim, Label
from newsroom.importer import articles_import
from newsroom.models import Article

HTMX = {"HX-Request": "true"}


def at(article, phrase):
    start = article.text.index(phrase)
    return start, start + len(phrase)


def suggested(article, phrase, slug):
    """The rules' one claim of `slug` whose words begin with `phrase`."""
    (found,) = [
        c
        for c in Claim.objects.filter(article=article, label__slug=slug)
        if article.text[c.start : c.end].startswith(phrase)
    ]
    return found


def mark(article, phrase, slug, author):
    start, end = at(article, phrase)
    return claim_create(
        article=article, start=start, end=end, label=Label.objects.get(slug=slug), author=author
    )


def panel(client, claim) -> str:
    url = reverse("claim_detail", args=[claim.article_id, claim.pk])
    response = client.get(url, headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def cue_options(body: str) -> dict[int, str]:
    """The "Said via" list's options: {claim id: what the option says}."""
    found = re.search(r'<select name="cue" id="cf-cue"[^>]*>(.*?)</select>', body, re.S)
    assert found, "no Said via list"
    return {
        int(pk): words
        for pk, words in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', found[1])
    }


def chosen_cue(body: str) -> int | None:
    found = re.search(r'<select name="cue" id="cf-cue"[^>]*>(.*?)</select>', body, re.S)
    selected = re.search(r'<option value="(\d+)" selected>', found[1])
    return int(selected[1]) if selected else None


def post_edit(client, claim, **data):
    payload = {"version": claim.version, "label": claim.label.slug, "note": claim.note}
    payload.update(data)
    url = reverse("claim_edit", args=[claim.article_id, claim.pk])
    return client.post(url, payload, headers=HTMX)


# --- A statement's panel --------------------------------------------------------------------


def test_it_says_whom_a_suggested_statement_rests_on(editor_client, seed_article):
    statement = suggested(seed_article, "the United States has observed", "statement")
    body = panel(editor_client, statement)
    assert "Rests on: <strong>The U.S. officials</strong> (Anonymous source) via “said”" in body
    said = suggested(seed_article, "said", "reporting")
    assert chosen_cue(body) == said.pk
    # The text outlines its cue and the cue's source mention.
    officials = suggested(seed_article, "The U.S. officials", "anonymous_source")
    assert f'data-linked="{said.pk} {officials.pk}"' in body


def test_it_names_the_source_not_the_pronoun_that_mentions_it(editor_client, seed_article):
    statement = suggested(seed_article, "Russia also used another Egyptian base", "statement")
    body = panel(editor_client, statement)
    # "They added": "They" is a mention of the Egyptian security sources.
    assert "Rests on: <strong>Egyptian security sources</strong> (Anonymous source)" in body
    assert "via “added”" in body


def test_an_unlinked_statement_rests_on_no_one(editor_client, seed_article, editor):
    Claim.objects.filter(article=seed_article).delete()
    statement = mark(seed_article, "The apparent Russian deployments", "statement", editor)
    body = panel(editor_client, statement)
    assert "Rests on no one: link it to its cue" in body
    assert chosen_cue(body) is None
    # Opened, not just marked: nothing is preselected and the list does not take the keys.
    assert "data-focus" not in body


def test_a_statement_whose_cue_has_no_source_rests_on_no_one(editor_client, seed_article, editor):
    Claim.objects.filter(article=seed_article).delete()
    said = mark(seed_article, "said", "reporting", editor)
    statement = mark(seed_article, "the United States has observed", "statement", editor)
    assert post_edit(editor_client, statement, cue=said.pk).status_code == 200
    statement.refresh_from_db()
    body = panel(editor_client, statement)
    assert "Rests on no one: its cue “said” belongs to no source" in body
    assert chosen_cue(body) == said.pk


def test_the_cue_list_offers_the_article_s_cues_in_their_words_with_their_source(
    editor_client, seed_article
):
    statement = suggested(seed_article, "the United States has observed", "statement")
    options = cue_options(panel(editor_client, statement))
    cues = Claim.objects.filter(article=seed_article, label__kind="cue")
    assert set(options) == set(cues.values_list("pk", flat=True))
    said = suggested(seed_article, "said", "reporting")
    assert options[said.pk].startswith("said (Reporting cue) · The U.S. officials · ")
    assert "[said]" in options[said.pk]  # its words around it (context_of)
    denial = suggested(seed_article, "denied the claims", "denial")
    assert options[denial.pk].startswith("denied the claims (Denial) · Egypt · ")


def test_the_cue_list_leaves_out_other_articles_and_cues_hidden_from_the_viewer(
    client, seed_article, editor, other_editor
):
    # Double annotation: each editor sees only their own claims (not the rules' suggestions).
    for person in (editor, other_editor):
        Assignment.objects.create(article=seed_article, editor=person)
    mine = mark(seed_article, "said", "reporting", editor)
    theirs = mark(seed_article, "denied the claims", "denial", other_editor)
    articles_import(records=[(1, {"title": "Other", "text": "Ann said it rained. Bo denied it."})])
    other = Article.objects.exclude(pk=seed_article.pk).get()
    foreign = mark(other, "said", "reporting", editor)
    statement = mark(seed_article, "the United States has observed", "statement", editor)
    client.force_login(editor)
    options = cue_options(panel(client, statement))
    assert set(options) == {mine.pk}
    assert theirs.pk not in options and foreign.pk not in options


@pytest.mark.parametrize("which", ["foreign", "hidden", "not a cue"])
def test_a_foreign_or_hidden_cue_is_refused_and_nothing_is_written(
    client, seed_article, editor, other_editor, which
):
    for person in (editor, other_editor):
        Assignment.objects.create(article=seed_article, editor=person)
    statement = mark(seed_article, "the United States has observed", "statement", editor)
    if which == "foreign":
        articles_import(records=[(1, {"title": "Other", "text": "Ann said it rained."})])
        other = Article.objects.exclude(pk=seed_article.pk).get()
        cue = mark(other, "said", "reporting", editor)
    elif which == "hidden":
        cue = mark(seed_article, "said", "reporting", other_editor)
    else:
        cue = mark(seed_article, "allegedly", "hedge", editor)
    client.force_login(editor)
    history = statement.history.count()
    response = post_edit(client, statement, cue=cue.pk)
    assert response.status_code == 422
    assert "Said via" in response.content.decode()  # the panel names the field refused
    statement.refresh_from_db()
    assert (statement.cue_id, statement.version) == (None, 1)
    assert statement.history.count() == history


def test_saving_a_statement_s_panel_keeps_its_cue(editor_client, seed_article):
    statement = suggested(seed_article, "a 22-member Russian special forces unit", "statement")
    describing = suggested(seed_article, "describing", "reporting")
    body = panel(editor_client, statement)
    # Every field the panel's form posts, as the browser would post them.
    form = re.search(r'<form method="post" class="stacked claim-form".*?</form>', body, re.S)[0]
    posted = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    posted.pop("csrfmiddlewaretoken", None)
    assert "cue" not in posted  # a statement posts its cue from the list
    posted.update(label="statement", note="checked", cue=str(chosen_cue(body)))
    response = editor_client.post(
        reverse("claim_edit", args=[seed_article.pk, statement.pk]), posted, headers=HTMX
    )
    assert response.status_code == 200
    statement.refresh_from_db()
    assert (statement.note, statement.cue_id, statement.status) == (
        "checked",
        describing.pk,
        "accepted",
    )


def test_every_other_claim_s_panel_posts_its_cue_unchanged(editor_client, seed_article):
    hedge = suggested(seed_article, "Appears to", "hedge")
    body = panel(editor_client, hedge)
    assert '<input type="hidden" name="cue" value="">' in body
    assert 'id="cf-cue"' not in body


def test_relabelling_a_statement_drops_its_cue(editor_client, seed_article):
    statement = suggested(seed_article, "the story", "statement")
    assert statement.cue_id is not None
    response = post_edit(editor_client, statement, label="unattributed", cue=statement.cue_id)
    assert response.status_code == 200
    statement.refresh_from_db()
    assert (statement.label.slug, statement.cue_id) == ("unattributed", None)


def test_a_statement_just_marked_has_its_nearest_cue_preselected_not_saved(
    editor_client, seed_article, editor
):
    Claim.objects.filter(article=seed_article, label__slug="statement").delete()
    start, end = at(seed_article, "the United States has observed")
    response = editor_client.post(
        reverse("claim_new", args=[seed_article.pk]),
        {"start": start, "end": end, "label": "statement"},
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    said = suggested(seed_article, "said", "reporting")
    assert chosen_cue(body) == said.pk  # "said", just before it, not "describing" or "added"
    assert re.search(r'<select name="cue" id="cf-cue"[^>]* data-focus>', body)
    assert "Preselected: “said”" in body
    statement = Claim.objects.get(article=seed_article, label__slug="statement")
    assert statement.cue_id is None  # a suggestion: Save links it


def test_a_statement_marked_with_no_cue_in_its_paragraph_has_none_preselected(
    editor_client, seed_article
):
    start, end = at(seed_article, "The apparent Russian deployments")
    response = editor_client.post(
        reverse("claim_new", args=[seed_article.pk]),
        {"start": start, "end": end, "label": "statement"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert chosen_cue(body) is None and "Preselected" not in body
    assert re.search(r'<select name="cue" id="cf-cue"[^>]* data-focus>', body)


def test_opening_a_statement_s_panel_costs_the_same_however_many_claims(
    editor_client, seed_article, editor, django_assert_num_queries
):
    statement = suggested(seed_article, "the United States has observed", "statement")
    url = reverse("claim_detail", args=[seed_article.pk, statement.pk])
    editor_client.get(url, headers=HTMX)  # the role and permissions cached
    # The session with its user, the article, the claim, the labels, the label's open
    # suggestions (for "Accept all"), and the attribution claims (sources, cues, statements:
    # one query, annotations.pages.attributions).
    with django_assert_num_queries(6) as few:
        editor_client.get(url, headers=HTMX)
    labels = {slug: Label.objects.get(slug=slug) for slug in ("reporting", "statement", "hedge")}
    Claim.objects.bulk_create(
        Claim(article=seed_article, start=i, end=i + 2, label=labels[slug], author=editor)
        for i in range(0, 1800, 3)
        for slug in labels
    )
    with django_assert_num_queries(len(few.captured_queries)):
        body = editor_client.get(url, headers=HTMX).content.decode()
    assert len(cue_options(body)) > 600


# --- A cue's and a source's panels ---------------------------------------------------------


def test_a_cue_lists_and_outlines_its_statements_and_its_source(editor_client, seed_article):
    denial = suggested(seed_article, "denied the claims", "denial")
    statement = suggested(seed_article, "the claims of any Russian troops", "statement")
    egypt = suggested(seed_article, "Egypt", "named_source")
    body = panel(editor_client, denial)
    assert 'Statements said via it <span class="muted">(1)</span>' in body
    assert f'data-open-claim="{statement.pk}">“the claims of any Russian troops' in body
    assert f'data-linked="{egypt.pk} {statement.pk}"' in body


def test_a_source_lists_the_cues_and_statements_of_all_its_mentions(editor_client, seed_article):
    sources = suggested(seed_article, "Egyptian security sources", "anonymous_source")
    they = suggested(seed_article, "They", "anonymous_source")
    assert sources.source_id == they.source_id  # one first-class source
    body = panel(editor_client, sources)
    listed = re.search(r'<div class="attributions small">.*?</div>', body, re.S)[0]
    cues = [
        suggested(seed_article, phrase, slug)
        for phrase, slug in (
            ("describing", "reporting"),
            ("declined to discuss its mission", "no_comment"),
            ("added", "reporting"),
        )
    ]
    statements = [
        suggested(seed_article, "a 22-member Russian special forces unit", "statement"),
        suggested(seed_article, "Russia also used another Egyptian base", "statement"),
    ]
    links = [int(pk) for pk in re.findall(r'data-open-claim="(\d+)"', listed)]
    assert links == [cues[0].pk, statements[0].pk, cues[1].pk, cues[2].pk, statements[1].pk]
    assert '<span class="mention">They</span> <a' in listed  # said by the mention "They"
    linked = re.search(r'data-linked="([\d ]*)"', body)[1].split()
    assert {int(pk) for pk in linked} == {
        they.pk,
        *(c.pk for c in cues),
        *(s.pk for s in statements),
    }


def test_a_source_shows_only_what_the_viewer_may_see(client, seed_article, editor, other_editor):
    Claim.objects.filter(article=seed_article).delete()
    for person in (editor, other_editor):
        Assignment.objects.create(article=seed_article, editor=person)
    officials = mark(seed_article, "The U.S. officials", "anonymous_source", editor)
    said = mark(seed_article, "said", "reporting", editor)
    claim_update(claim_id=said.pk, version=1, user=editor, changes={"source_claim": officials})
    # The other editor's statement cannot be linked to erin's cue (hidden from bo), so it is
    # written as the rules would: bo's own, linked behind the service's back.
    theirs = mark(seed_article, "the United States has observed", "statement", other_editor)
    Claim.objects.filter(pk=theirs.pk).update(cue=said)
    client.force_login(editor)
    body = panel(client, officials)
    assert f'data-open-claim="{said.pk}"' in body
    assert f'data-open-claim="{theirs.pk}"' not in body and "no statement linked" in body


def test_the_sources_panel_names_open_their_first_mention(editor_client, seed_article):
    sources = suggested(seed_article, "Egyptian security sources", "anonymous_source")
    body = editor_client.get(seed_article.get_absolute_url()).content.decode()
    assert re.search(
        rf'<a href="\?claim={sources.pk}#claim-panel" data-open-claim="{sources.pk}"[^>]*>'
        r"Egyptian security sources</a>",
        body,
    )


# --- The text and the history --------------------------------------------------------------


def test_a_statement_is_drawn_beneath_the_claims_inside_it(editor_client, seed_article):
    body = editor_client.get(seed_article.get_absolute_url()).content.decode()
    denial = suggested(seed_article, "denied the claims", "denial")
    statement = suggested(seed_article, "the claims of any Russian troops", "statement")
    # "the claims": inside both; the denial is innermost (it opens on a click), the statement's
    # line runs beneath it, and no deeper fill (the statement has none).
    both = re.search(rf'<mark class="([^"]*)" data-claim="{denial.pk}" data-claims="([^"]*)"', body)
    pieces = [
        m
        for m in re.finditer(
            r'<mark class="([^"]*)" data-claim="(\d+)" data-claims="([^"]*)"', body
        )
        if str(statement.pk) in m[3].split()
    ]
    overlap = next(m for m in pieces if m[2] == str(denial.pk))
    assert "lab-denial" in overlap[1] and "within within-statement" in overlap[1]
    assert "claim-overlap" not in overlap[1]
    alone = next(m for m in pieces if m[2] == str(statement.pk))
    assert "kind-content" in alone[1] and "within-suggested" in alone[1]
    assert both is not None
    css = editor_client.get(reverse("label_css")).content.decode()
    assert ".within-statement { --within: #4d7c0f; }" in css


def test_the_history_names_the_cue_a_statement_is_said_via(editor_client, seed_article, editor):
    statement = suggested(seed_article, "the United States has observed", "statement")
    describing = suggested(seed_article, "describing", "reporting")
    assert post_edit(editor_client, statement, cue=describing.pk).status_code == 200
    changes = [c for e in article_history_entries(seed_article, editor) for c in e.changes]
    assert ("said via", "“said”", "“describing”") in changes
