"""The annotate page's workbench on the server side: moving a span's ends, undoing the last
change, a 409 that keeps the typed edit, links named in the text and in pick-lists."""

import re

import pytest
from django.urls import reverse

from annotations.claims import ClaimConflict, ClaimRefused, claim_create, claim_undo, claim_update
from annotations.models import Claim, Label, Source, SpanStatus
from annotations.pages.annotate import context_of
from annotations.sources import source_merge
from newsroom.models import Article

HTMX = {"HX-Request": "true"}


def at(article, phrase, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = article.text.index(phrase, start + 1)
    return start, start + len(phrase)


@pytest.fixture
def seed_article(seed_article):
    """The seed article without the rules' suggestions, except where a test wants them."""
    Claim.objects.filter(article=seed_article, origin="rule").delete()
    return seed_article


def mark(article, phrase, slug, author):
    start, end = at(article, phrase)
    return claim_create(
        article=article, start=start, end=end, label=Label.objects.get(slug=slug), author=author
    )


def post_edit(client, claim, **data):
    payload = {
        "version": claim.version,
        "label": claim.label.slug,
        "note": claim.note,
        "anonymity_reason": claim.anonymity_reason,
        "affiliation": claim.affiliation,
    }
    payload.update(data)
    url = reverse("claim_edit", args=[claim.article_id, claim.pk])
    return client.post(url, payload, headers=HTMX)


def post_undo(client, article, claim_id, version=None):
    data = {"version": version} if version is not None else {}
    url = reverse("claim_undo", args=[article.pk, claim_id])
    return client.post(url, data, headers=HTMX)


# --- Moving a span's ends -------------------------------------------------------------------


def test_a_span_moves_to_whole_words_and_the_history_says_so(editor_client, seed_article, editor):
    claim = mark(seed_article, "allegedly", "hedge", editor)
    start, end = claim.start, claim.end
    # One character into the next word: the server widens to the whole token.
    response = post_edit(editor_client, claim, start=start, end=end + 2)
    assert response.status_code == 200
    assert "Saved: the span moved." in response.content.decode()
    claim.refresh_from_db()
    assert claim.start == start and claim.end > end + 2
    assert seed_article.text[claim.end - 1].isalnum() and not seed_article.text[claim.end].isalnum()
    assert claim.version == 2
    before, after = claim.history.order_by("history_id")
    assert (before.start, before.end) == (start, end) and after.end == claim.end


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0, 10**9, "not inside the text"),
        (5, 5, "start must come before its end"),
        (7, 3, "start must come before its end"),
        ("", 12, "needs both its start and its end"),
        (-1, 4, "greater than or equal to 0"),
    ],
)
def test_a_span_moved_out_of_the_text_or_inside_out_is_refused(
    editor_client, seed_article, editor, start, end, message
):
    claim = mark(seed_article, "allegedly", "hedge", editor)
    response = post_edit(editor_client, claim, start=start, end=end)
    assert response.status_code == 422
    assert message in response.content.decode()
    claim.refresh_from_db()
    assert claim.version == 1  # nothing written


def test_a_span_moved_onto_whitespace_only_is_refused(seed_article, editor):
    claim = mark(seed_article, "allegedly", "hedge", editor)
    gap = seed_article.text.index("  ") if "  " in seed_article.text else None
    space = gap if gap is not None else seed_article.text.index(" ")
    with pytest.raises(ClaimRefused, match="holds no word"):
        claim_update(
            claim_id=claim.pk,
            version=1,
            user=editor,
            changes={"start": space, "end": space + 1},
        )


# --- Undo -------------------------------------------------------------------------------------


def test_undo_of_a_new_claim_deletes_it(editor_client, seed_article, editor):
    claim = mark(seed_article, "allegedly", "hedge", editor)
    response = post_undo(editor_client, seed_article, claim.pk, claim.version)
    assert response.status_code == 200
    assert "Undone: the claim is gone." in response.content.decode()
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_undo_of_an_edit_puts_every_field_back(editor_client, seed_article, editor):
    claim = mark(seed_article, "Egyptian security sources", "anonymous_source", editor)
    response = post_edit(
        editor_client, claim, label="named_source", note="who?", affiliation="army"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'data-undo-key="z"', body) and "Saved." in body
    claim.refresh_from_db()
    assert (claim.label.slug, claim.note, claim.version) == ("named_source", "who?", 2)
    assert post_undo(editor_client, seed_article, claim.pk, 2).status_code == 200
    claim.refresh_from_db()
    assert (claim.label.slug, claim.note, claim.affiliation) == ("anonymous_source", "", "")
    assert claim.version == 3  # the undo is a change of its own, in the history
    assert claim.history.count() == 3


def test_undo_of_a_delete_brings_the_claim_back_with_its_id(editor_client, seed_article, editor):
    claim = mark(seed_article, "allegedly", "hedge", editor)
    edit = post_edit(editor_client, claim, note="keep me")
    assert edit.status_code == 200
    url = reverse("claim_remove", args=[seed_article.pk, claim.pk])
    deleted = editor_client.post(url, {"version": 2}, headers=HTMX)
    assert (
        "Deleted." in deleted.content.decode() and 'data-undo-key="z"' in deleted.content.decode()
    )
    assert post_undo(editor_client, seed_article, claim.pk).status_code == 200
    back = Claim.objects.get(pk=claim.pk)
    assert (back.start, back.end, back.note, back.author) == (
        claim.start,
        claim.end,
        "keep me",
        editor,
    )
    assert back.version == 3


def test_undo_of_a_reject_opens_the_suggestion_again(editor_client, editor, seed_article):
    label = Label.objects.get(slug="hedge")
    start, end = at(seed_article, "allegedly")
    suggestion = Claim.objects.create(
        article=seed_article,
        start=start,
        end=end,
        label=label,
        origin="rule",
        status=SpanStatus.SUGGESTED,
    )
    url = reverse("suggestion_review", args=[seed_article.pk, suggestion.pk])
    response = editor_client.post(url, {"version": 1, "decision": "reject"}, headers=HTMX)
    assert response.status_code == 200
    suggestion.refresh_from_db()
    assert suggestion.status == SpanStatus.REJECTED
    assert post_undo(editor_client, seed_article, suggestion.pk, 2).status_code == 200
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.author) == (SpanStatus.SUGGESTED, None)


def test_undo_refuses_someone_elses_change_and_a_stale_version(
    seed_article, editor, other_editor, admin_user
):
    claim = mark(seed_article, "allegedly", "hedge", editor)
    with pytest.raises(ClaimRefused, match="nothing of yours"):
        claim_undo(article_id=seed_article.pk, claim_id=claim.pk, version=1, user=other_editor)
    claim_update(claim_id=claim.pk, version=1, user=admin_user, changes={"note": "admin's"})
    # The editor's create is no longer the last change: nothing of theirs to undo.
    with pytest.raises(ClaimRefused, match="nothing of yours"):
        claim_undo(article_id=seed_article.pk, claim_id=claim.pk, version=2, user=editor)
    # The admin's undo offered at version 2, sent after another change: a conflict.
    claim_update(claim_id=claim.pk, version=2, user=admin_user, changes={"note": "again"})
    with pytest.raises(ClaimConflict):
        claim_undo(article_id=seed_article.pk, claim_id=claim.pk, version=2, user=admin_user)
    claim.refresh_from_db()
    assert claim.note == "again"


def test_undo_through_another_articles_url_changes_nothing(
    editor_client, seed_article, editor, other_article
):
    claim = mark(seed_article, "allegedly", "hedge", editor)
    response = post_undo(editor_client, other_article, claim.pk, 1)
    assert response.status_code == 422
    assert Claim.objects.filter(pk=claim.pk).exists()


@pytest.fixture
def other_article(db):
    return Article.objects.create(title="Other", text="Another text entirely.")


# --- A 409 keeps the typed edit ---------------------------------------------------------------


def test_a_conflict_keeps_the_typed_edit_to_reapply_in_one_action(
    editor_client, seed_article, editor
):
    claim = mark(seed_article, "Egyptian security sources", "anonymous_source", editor)
    assert post_edit(editor_client, claim, note="from tab one").status_code == 200
    stale = post_edit(
        editor_client, claim, note="typed in tab two", affiliation="the army", label="named_source"
    )
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Your edit, not saved" in body and "typed in tab two" in body
    assert "(now Anonymous source)" in body
    # The re-apply form carries the typed values over the current version.
    form = body[body.index('class="reapply-form"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert fields["version"] == "2" and fields["note"] == "typed in tab two"
    assert fields["label"] == "named_source" and fields["affiliation"] == "the army"
    claim.refresh_from_db()
    again = editor_client.post(
        reverse("claim_edit", args=[claim.article_id, claim.pk]), fields, headers=HTMX
    )
    assert again.status_code == 200
    claim.refresh_from_db()
    assert (claim.note, claim.label.slug, claim.affiliation) == (
        "typed in tab two",
        "named_source",
        "the army",
    )


# --- Links in the text and in the pick-lists ---------------------------------------------------


def test_a_cue_and_its_source_name_each_other_for_the_text_to_draw(
    editor_client, seed_article, editor
):
    source = mark(seed_article, "Egyptian security sources", "anonymous_source", editor)
    cue = mark(seed_article, "denied", "denial", editor)
    assert post_edit(editor_client, cue, source_claim=source.pk).status_code == 200
    detail = reverse("claim_detail", args=[seed_article.pk, cue.pk])
    body = editor_client.get(detail, headers=HTMX).content.decode()
    assert f'data-linked="{source.pk}"' in body
    detail = reverse("claim_detail", args=[seed_article.pk, source.pk])
    body = editor_client.get(detail, headers=HTMX).content.decode()
    assert f'data-linked="{cue.pk}"' in body


def test_the_link_pick_list_tells_repeated_names_apart_by_their_words(
    editor_client, seed_article, editor
):
    text = seed_article.text
    first, second = [m.span() for m in re.finditer(r"\bEgypt\b", text)][:2]
    label = Label.objects.get(slug="named_source")
    for start, end in (first, second):
        claim_create(article=seed_article, start=start, end=end, label=label, author=editor)
    cue = mark(seed_article, "denied", "denial", editor)
    body = editor_client.get(
        reverse("claim_detail", args=[seed_article.pk, cue.pk]), headers=HTMX
    ).content.decode()
    options = re.findall(r"<option value=\"\d+\"[^>]*>(Egypt \(Named source\)[^<]*)</option>", body)
    assert len(options) == 2 and options[0] != options[1]
    assert all("[Egypt]" in option for option in options)
    # Each option shows the words around its own mention.
    for option, (_start, end) in zip(options, (first, second), strict=True):
        assert text[end : end + 12].split()[0] in option


def test_context_of_cuts_at_words_and_marks_the_span():
    text = "The minister said on Monday that Dewar says the plan is sound and will go ahead."

    class Span:
        start = text.index("Dewar")
        end = start + len("Dewar")

    shown = context_of(text, Span)
    assert "[Dewar]" in shown and shown.startswith("“…") and shown.endswith("…”")
    words = shown.strip("“”…").replace("[", "").replace("]", "").split()
    assert words and all(word in text.split() for word in words)  # whole words only
    assert len(shown) < len(text)


# --- What the review of the workbench found -----------------------------------------------


def test_undo_drops_a_link_to_a_claim_deleted_since(editor_client, seed_article, editor):
    source = mark(seed_article, "Egyptian security sources", "anonymous_source", editor)
    cue = mark(seed_article, "denied", "denial", editor)
    assert post_edit(editor_client, cue, source_claim=source.pk).status_code == 200
    cue.refresh_from_db()
    assert post_edit(editor_client, cue, source_claim=source.pk, note="later").status_code == 200
    url = reverse("claim_remove", args=[seed_article.pk, source.pk])
    assert editor_client.post(url, {"version": source.version}, headers=HTMX).status_code == 200
    response = post_undo(editor_client, seed_article, cue.pk, 3)
    assert response.status_code == 200
    cue.refresh_from_db()
    assert (cue.note, cue.source_claim_id) == ("", None)  # the link to a gone claim dropped


def test_undo_after_a_merge_regroups_instead_of_restoring_a_deleted_source(
    editor_client, seed_article, editor
):
    claim = mark(seed_article, "Egyptian security sources", "anonymous_source", editor)
    assert post_edit(editor_client, claim, affiliation="army").status_code == 200
    other = mark(seed_article, "The U.S. officials", "anonymous_source", editor)
    claim.refresh_from_db()
    other.refresh_from_db()
    merged = source_merge(
        article=seed_article, source_id=claim.source_id, into_id=other.source_id, user=editor
    )
    assert merged == 1
    assert post_undo(editor_client, seed_article, claim.pk, 2).status_code == 200
    claim.refresh_from_db()
    assert claim.affiliation == "" and Source.objects.filter(pk=claim.source_id).exists()


def test_a_moved_source_mention_is_grouped_afresh(editor_client, seed_article, editor):
    first, second = [m.span() for m in re.finditer(r"\bRussian\b", seed_article.text)][:2]
    label = Label.objects.get(slug="named_source")
    a = claim_create(article=seed_article, start=first[0], end=first[1], label=label, author=editor)
    b = claim_create(
        article=seed_article, start=second[0], end=second[1], label=label, author=editor
    )
    assert a.source_id == b.source_id  # one name, one source
    start, end = at(seed_article, "Egyptian security sources")
    assert post_edit(editor_client, b, start=start, end=end).status_code == 200
    b.refresh_from_db()
    assert b.source_id != a.source_id


def test_a_span_moved_onto_the_editors_claim_of_another_label_is_refused(
    editor_client, seed_article, editor
):
    hedge = mark(seed_article, "allegedly", "hedge", editor)
    other = mark(seed_article, "Egyptian security sources", "anonymous_source", editor)
    response = post_edit(editor_client, hedge, start=other.start, end=other.end)
    assert response.status_code == 422
    assert "You already marked this span as Anonymous source" in response.content.decode()
    hedge.refresh_from_db()
    assert (hedge.start, hedge.version) == (at(seed_article, "allegedly")[0], 1)


def test_an_undo_is_not_undone(editor_client, seed_article, editor):
    claim = mark(seed_article, "allegedly", "hedge", editor)
    assert post_edit(editor_client, claim, note="typed").status_code == 200
    assert post_undo(editor_client, seed_article, claim.pk, 2).status_code == 200
    again = post_undo(editor_client, seed_article, claim.pk, 3)
    assert again.status_code == 422 and "That was an undo already" in again.content.decode()
    claim.refresh_from_db()
    assert (claim.note, claim.version) == ("", 3)


def test_undo_of_the_first_review_of_a_bulk_written_suggestion(editor_client, seed_article):
    """The rules write suggestions in bulk, without history: the first change of one records
    it as the rules made it first, so the undo has something to go back to."""
    start, end = at(seed_article, "allegedly")
    (suggestion,) = Claim.objects.bulk_create(
        [
            Claim(
                article=seed_article,
                start=start,
                end=end,
                label=Label.objects.get(slug="hedge"),
                origin="rule",
                status=SpanStatus.SUGGESTED,
            )
        ]
    )
    assert not suggestion.history.exists()
    url = reverse("suggestion_review", args=[seed_article.pk, suggestion.pk])
    assert (
        editor_client.post(url, {"version": 1, "decision": "accept"}, headers=HTMX).status_code
        == 200
    )
    assert post_undo(editor_client, seed_article, suggestion.pk, 2).status_code == 200
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.author) == (SpanStatus.SUGGESTED, None)
    first = suggestion.history.order_by("history_id").first()
    assert (first.history_type, first.history_user, first.status) == ("+", None, "suggested")
