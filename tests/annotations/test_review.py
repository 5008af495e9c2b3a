"""The review workflow: every transition allowed and refused by role, the audit it writes,
comments, assignments and the queue, and approved articles being read-only."""

import pytest
from django.test import Client
from django.urls import reverse

from annotations.claims import ClaimRefused, claim_create
from annotations.models import Claim, Label, ReviewEvent
from entities.corrections import CorrectionRefused, mention_add
from newsroom.models import READ_ONLY, Article


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def step(client, article, action, comment="", version=None):
    article.refresh_from_db()
    data = {"action": action, "version": version or article.version, "comment": comment}
    return client.post(reverse("review_step", args=[article.pk]), data, follow=True)


def status(article) -> str:
    article.refresh_from_db()
    return article.status


def test_the_whole_round_with_every_refusal(seed_article, editor, admin_user):
    ed, ad = client_for(editor), client_for(admin_user)

    # Only admins approve, send back or reopen; a draft cannot be approved.
    assert step(ed, seed_article, "approve").status_code == 403
    assert "cannot be approved now" in step(ad, seed_article, "approve").content.decode()
    assert status(seed_article) == "draft"

    assert "now in review" in step(ed, seed_article, "submit").content.decode()
    assert "cannot be submitted" in step(ed, seed_article, "submit").content.decode()
    assert step(ed, seed_article, "send_back", "fix it").status_code == 403
    # Sending back needs a comment.
    assert "needs a comment" in step(ad, seed_article, "send_back", "  ").content.decode()
    assert status(seed_article) == "in_review"
    step(ad, seed_article, "send_back", "Name the ministry's spokesperson.")
    assert status(seed_article) == "changes_requested"

    # The editor sees the comment on the article, and resubmits.
    page = ed.get(seed_article.get_absolute_url()).content.decode()
    assert "Name the ministry&#x27;s spokesperson." in page and "ada</strong> sent back" in page
    step(ed, seed_article, "submit")
    step(ad, seed_article, "approve")
    assert status(seed_article) == "approved"
    assert step(ed, seed_article, "reopen").status_code == 403
    step(ad, seed_article, "reopen")
    assert status(seed_article) == "draft"

    events = list(
        ReviewEvent.objects.filter(article=seed_article).values_list(
            "action", "actor__username", "status_before", "status_after", "comment"
        )
    )
    assert events == [
        ("submit", "erin", "draft", "in_review", ""),
        ("send_back", "ada", "in_review", "changes_requested", "Name the ministry's spokesperson."),
        ("submit", "erin", "changes_requested", "in_review", ""),
        ("approve", "ada", "in_review", "approved", ""),
        ("reopen", "ada", "approved", "draft", ""),
    ]
    seed_article.refresh_from_db()
    assert seed_article.version == 6  # every step bumps it


def test_a_stale_step_is_refused_and_changes_nothing(seed_article, editor, admin_user):
    step(client_for(editor), seed_article, "submit")
    response = step(client_for(admin_user), seed_article, "approve", version=1)
    assert "changed since you opened it" in response.content.decode()
    assert status(seed_article) == "in_review"
    assert ReviewEvent.objects.count() == 1


def test_an_approved_article_is_read_only(seed_article, editor, admin_user):
    hedge = Label.objects.get(slug="hedge")
    start = seed_article.text.index("allegedly")
    claim = claim_create(
        article=seed_article, start=start, end=start + 9, label=hedge, author=editor
    )
    Article.objects.filter(pk=seed_article.pk).update(status="approved")
    seed_article.refresh_from_db()

    with pytest.raises(ClaimRefused, match="approved and read-only"):
        claim_create(article=seed_article, start=0, end=9, label=hedge, author=editor)
    with pytest.raises(CorrectionRefused, match="approved and read-only"):
        mention_add(article=seed_article, start=0, end=9, label="ORG", user=editor)
    ed = client_for(editor)
    edit = ed.post(
        reverse("claim_edit", args=[seed_article.pk, claim.pk]),
        {"version": claim.version, "label": "hedge", "note": "late"},
        headers={"HX-Request": "true"},
    )
    assert edit.status_code == 422 and READ_ONLY in edit.content.decode()
    claim.refresh_from_db()
    assert claim.note == ""
    page = ed.get(seed_article.get_absolute_url()).content.decode()
    # No label picker, no entity form; the page says why.
    assert 'id="claim-create"' not in page and 'id="add-mention"' not in page
    assert "read-only until an admin reopens" in page


def test_comments_thread_escaped_and_refused_when_empty(seed_article, editor):
    ed = client_for(editor)
    url = reverse("review_comment", args=[seed_article.pk])
    ed.post(url, {"comment": "<script>alert(1)</script> check para 3"})
    assert "Write a comment first" in ed.post(url, {"comment": " "}, follow=True).content.decode()
    page = ed.get(seed_article.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; check para 3" in page
    assert "<script>alert(1)" not in page
    assert ReviewEvent.objects.get().action == "comment"


def test_assignment_limits_who_submits_and_fills_the_queue(
    seed_article, editor, other_editor, admin_user
):
    ad, ed, other = client_for(admin_user), client_for(editor), client_for(other_editor)
    url = reverse("review_assign", args=[seed_article.pk])
    assert ed.post(url, {"editors": [editor.pk]}).status_code == 403
    ad.post(url, {"editors": [editor.pk]})
    assert list(seed_article.assignments.values_list("editor__username", flat=True)) == ["erin"]

    assert step(other, seed_article, "submit").status_code == 403  # not assigned
    queue = ed.get(reverse("review_queue")).content.decode()
    assert seed_article.title in queue
    assert seed_article.title not in other.get(reverse("review_queue")).content.decode()

    step(ed, seed_article, "submit")
    admin_queue = ad.get(reverse("review_queue")).content.decode()
    assert "1 article waiting" in admin_queue and seed_article.title in admin_queue
    filtered = ad.get(reverse("review_queue"), {"editor": other_editor.pk}).content.decode()
    assert "Nothing waits for review with these filters" in filtered

    # Two assignees: double annotation; unassigning is recorded too.
    ad.post(url, {"editors": [editor.pk, other_editor.pk]})
    ad.post(url, {"editors": [other_editor.pk]})
    actions = list(
        ReviewEvent.objects.filter(action__in=["assign", "unassign"]).values_list(
            "action", "editor__username"
        )
    )
    assert actions == [("assign", "erin"), ("assign", "bo"), ("unassign", "erin")]


def test_the_history_shows_steps_and_claim_changes_before_and_after(
    seed_article, editor, admin_user
):
    hedge = Label.objects.get(slug="hedge")
    start = seed_article.text.index("allegedly")
    # The rules' suggestion of it gone, the editor adds the claim (not accepts a suggestion).
    Claim.objects.filter(article=seed_article, start=start, label=hedge).delete()
    claim = claim_create(
        article=seed_article, start=start, end=start + 9, label=hedge, author=editor
    )
    ed = client_for(editor)
    ed.post(
        reverse("claim_edit", args=[seed_article.pk, claim.pk]),
        {"version": claim.version, "label": "denial", "note": "checked"},
        headers={"HX-Request": "true"},
    )
    step(ed, seed_article, "submit")
    history = ed.get(reverse("article_history", args=[seed_article.pk])).content.decode()
    assert "Submitted for review" in history and "Draft → In review" in history
    assert "Claim changed" in history and "label:</span> Hedge → Denial" in history
    assert "note:</span> — → checked" in history and "Claim added" in history
    assert Claim.objects.filter(pk=claim.pk, label__slug="denial").exists()


def test_the_article_page_shows_the_scorecard_of_the_claims_that_count(
    seed_article, editor, other_editor, admin_user
):
    from annotations.claims import suggestion_decide, suggestions_accept_all

    ad = client_for(admin_user)
    untouched = ad.get(seed_article.get_absolute_url())
    # Nobody has worked on it: the machine's estimate from the open suggestions, never 100.
    assert untouched.context["scorecard"].basis == "estimate"
    assert untouched.context["scorecard"].score < 100
    assert "Machine estimate</strong>: the machine&#x27;s estimate" in untouched.content.decode()
    for slug in ("anonymous_source", "named_source", "denial", "no_comment", "outlet"):
        suggestions_accept_all(
            article=seed_article, label=Label.objects.get(slug=slug), user=editor
        )
    # The rest (hedges, unattributed) rejected: no suggestion open, the figures are verified.
    for claim in Claim.objects.filter(article=seed_article).suggested():
        suggestion_decide(claim_id=claim.pk, version=claim.version, user=editor, accept=False)
    page = ad.get(seed_article.get_absolute_url()).content.decode()
    # The seed rests on unnamed officials (3 sources: the diplomatic sources, the U.S.
    # officials, the Egyptian security sources, whom "They" refers to), its 3 named sources
    # only reply (the ministry's no comment, Egypt's denial, the military's no comment), and
    # no reason is given. Reuters, credited twice, is one outlet.
    assert "anonymous / (named + anonymous) = 3 / (3 + 3) = 0.50" in page
    assert "anonymous with a reason / anonymous = 0 / 3" in page
    assert "outlet / (named + anonymous + outlet) = 1 / (3 + 3 + 1) = 0.14" in page
    assert "Rests only on anonymous sources" in page and "Anonymity without a reason" in page
    # 100 − 30 × 3/6 − 20 × 1 − 0 − 10 × 1/7 = 63.6
    assert '<span class="score score-fair">64</span>' in page
    # The editor who accepted them sees the same (they are hers); another editor sees none.
    assert (
        "= 3 / (3 + 3)" in client_for(editor).get(seed_article.get_absolute_url()).content.decode()
    )
    other = client_for(other_editor).get(seed_article.get_absolute_url()).content.decode()
    assert "anonymous / (named + anonymous) = 0 / (0 + 0): nothing to measure" in other


def test_the_seed_article_is_verified_once_every_suggestion_is_decided(seed_article, editor):
    from annotations.claims import suggestion_decide

    client = client_for(editor)
    assert client.get(seed_article.get_absolute_url()).context["scorecard"].basis == "estimate"
    suggestions = list(Claim.objects.filter(article=seed_article).suggested().order_by("pk"))
    first, rest = suggestions[0], suggestions[1:]
    suggestion_decide(claim_id=first.pk, version=first.version, user=editor, accept=False)
    card = client.get(seed_article.get_absolute_url()).context["scorecard"]
    assert card.basis == "in_progress"
    for claim in rest:
        accept = claim.label.slug != "hedge"
        suggestion_decide(claim_id=claim.pk, version=claim.version, user=editor, accept=accept)
    response = client.get(seed_article.get_absolute_url())
    card = response.context["scorecard"]
    assert card.basis == "verified" and card.counts.hedge == 0
    assert "Verified</strong>: verified" in response.content.decode()
    # The API says the same.
    from newsroom.accounts import api_token_create

    secret = api_token_create(user=editor, name="tests")[1]
    api = client.get(
        f"/api/v1/articles/{seed_article.pk}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.json()["scorecard"]["basis"] == "verified"


def test_the_history_shows_a_suggestion_being_accepted(seed_article, editor):
    from annotations.claims import suggestion_decide

    reuters = Claim.objects.filter(article=seed_article, label__slug="outlet").first()
    suggestion_decide(claim_id=reuters.pk, version=1, user=editor, accept=True)
    history = client_for(editor).get(reverse("article_history", args=[seed_article.pk]))
    assert "status:</span> suggested → accepted" in history.content.decode()


def test_work_sent_back_shows_in_the_editors_queue_first(seed_article, editor, admin_user):
    """Nobody assigned the article: she submitted it, and the queue tells her it came back."""
    ed, ad = client_for(editor), client_for(admin_user)
    other = Article.objects.create(title="Assigned draft", text="Words.", content_hash="x" * 64)
    other.assignments.create(editor=editor)
    assert seed_article.title not in ed.get(reverse("review_queue")).content.decode()
    step(ed, seed_article, "submit")
    assert seed_article.title not in ed.get(reverse("review_queue")).content.decode()
    sent = step(ad, seed_article, "send_back", comment="Name the second source").content.decode()
    assert "the article went back to its editor with changes requested" in sent
    queue = ed.get(reverse("review_queue"))
    mine = list(queue.context["mine"])
    assert [a.title for a in mine] == [seed_article.title, "Assigned draft"]  # sent back first
    assert "back to you" in queue.content.decode()
    # With why, and from whom: the admin's comment when sending it back.
    assert "Name the second source" in queue.content.decode()
    assert f"— {admin_user.username}, when sending it back" in queue.content.decode()
    # Submitted again, it leaves her list until it comes back.
    step(ed, seed_article, "submit")
    assert [a.title for a in ed.get(reverse("review_queue")).context["mine"]] == ["Assigned draft"]


def test_the_history_names_what_a_link_points_to(seed_article, editor):
    """A cue linked to its source showed as "belongs to source: — → 23" (an id)."""
    from annotations.claims import claim_update
    from annotations.history import article_history_entries

    text = seed_article.text
    named, denial_label = (Label.objects.get(slug=s) for s in ("named_source", "denial"))
    at = text.index("Russian Defense Ministry")
    ministry = claim_create(article=seed_article, start=at, end=at + 24, label=named, author=editor)
    at = text.index("denied the claims")
    denial = claim_create(
        article=seed_article, start=at, end=at + 17, label=denial_label, author=editor
    )
    claim_update(
        claim_id=denial.pk, version=denial.version, user=editor, changes={"source_claim": ministry}
    )
    links = [
        change
        for entry in article_history_entries(seed_article)
        for change in entry.changes
        if change[0] == "belongs to source"
    ]
    assert links and links[0][2] == "“Russian Defense Ministry”"
    assert links[0][1] in ("—", "“Egypt”")  # the rules linked the denial to Egypt
