"""Claims: the taxonomy, creation with offset checks, edits with versions, permissions."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from annotations.claims import (
    ClaimConflict,
    ClaimRefused,
    claim_create,
    claim_delete,
    claim_update,
)
from annotations.models import Claim, Label
from entities.models import EntityMention

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_article(seed_article):
    """The seed article without the rules' suggestions: these tests are of the claims editors
    make (marking over an open suggestion accepts it instead: tests/annotations/test_sources.py)."""
    Claim.objects.filter(article=seed_article, origin="rule").delete()
    return seed_article


def label(slug: str) -> Label:
    return Label.objects.get(slug=slug)


def at(article, phrase: str) -> tuple[int, int]:
    start = article.text.index(phrase)
    return start, start + len(phrase)


def test_the_default_taxonomy_is_seeded_with_guidelines_and_keys():
    labels = {lab.slug: lab for lab in Label.objects.all()}
    assert list(labels) == [
        "named_source",
        "anonymous_source",
        "outlet",
        "denial",
        "no_comment",
        "hedge",
        "unattributed",
        "reporting",
        "statement",
    ]
    assert {lab.kind for lab in labels.values()} == {"source", "cue", "marker", "content"}
    assert len({lab.shortcut for lab in labels.values()}) == 9
    assert "a person familiar with the matter" in labels["anonymous_source"].description
    assert "declined to comment" in labels["no_comment"].description


def test_a_claim_is_snapped_to_whole_tokens_and_recorded(seed_article, editor):
    start, end = at(seed_article, "U.S. officials, who spoke on condition of anonymity")
    claim = claim_create(
        article=seed_article,
        start=start + 2,
        end=end - 3,
        label=label("anonymous_source"),
        author=editor,
    )
    assert (claim.start, claim.end) == (start, end)
    assert (claim.origin, claim.status, claim.version, claim.author) == (
        "editor",
        "accepted",
        1,
        editor,
    )
    assert claim.history.get().history_user == editor


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (5, 999_999, "not inside the text"),
        (30, 10, "not inside the text"),
        (-3, 4, "not inside the text"),
    ],
)
def test_offsets_outside_or_reversed_are_refused(seed_article, editor, start, end, message):
    with pytest.raises(ClaimRefused, match=message):
        claim_create(
            article=seed_article, start=start, end=end, label=label("hedge"), author=editor
        )
    assert not Claim.objects.filter(origin="editor").exists()


def test_a_selection_of_only_whitespace_is_refused(seed_article, editor):
    gap = seed_article.text.index("\n\n")
    with pytest.raises(ClaimRefused, match="holds no word"):
        claim_create(
            article=seed_article, start=gap, end=gap + 2, label=label("hedge"), author=editor
        )


def test_overlapping_and_nested_claims_are_allowed_but_not_the_same_one_twice(
    seed_article, editor, other_editor
):
    start, end = at(seed_article, "Egyptian security sources")
    claim_create(
        article=seed_article, start=start, end=end, label=label("anonymous_source"), author=editor
    )
    claim_create(
        article=seed_article, start=start, end=start + 8, label=label("named_source"), author=editor
    )
    claim_create(
        article=seed_article,
        start=start,
        end=end,
        label=label("anonymous_source"),
        author=other_editor,
    )
    with pytest.raises(ClaimRefused, match="already marked this span as Anonymous source"):
        claim_create(
            article=seed_article,
            start=start,
            end=end,
            label=label("anonymous_source"),
            author=editor,
        )
    assert Claim.objects.filter(origin="editor").count() == 3


def test_the_database_holds_the_span_invariants(seed_article, editor):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            article=seed_article, start=10, end=10, label=label("hedge"), author=editor
        )


def test_editing_attributes_and_links_bumps_the_version(seed_article, editor):
    source = claim_create(
        article=seed_article,
        start=at(seed_article, "Egypt denied")[0],
        end=at(seed_article, "Egypt denied")[0] + 5,
        label=label("named_source"),
        author=editor,
    )
    cue = claim_create(
        article=seed_article,
        start=at(seed_article, "denied")[0],
        end=at(seed_article, "denied")[1],
        label=label("denial"),
        author=editor,
    )
    egypt = EntityMention.objects.filter(
        article=seed_article, start=source.start, label="GPE"
    ).first()
    source = claim_update(
        claim_id=source.pk,
        version=1,
        user=editor,
        changes={
            "affiliation": "Government of Egypt",
            "source_count": 1,
            "source_mention": egypt,
            "note": "official",
        },
    )
    cue = claim_update(claim_id=cue.pk, version=1, user=editor, changes={"source_claim": source})
    assert (source.version, source.affiliation, source.source_mention) == (
        2,
        "Government of Egypt",
        egypt,
    )
    assert cue.source_claim == source and list(source.cues.all()) == [cue]


def test_a_stale_edit_is_a_conflict_that_carries_the_current_state(seed_article, editor):
    start, end = at(seed_article, "allegedly")
    claim = claim_create(
        article=seed_article, start=start, end=end, label=label("hedge"), author=editor
    )
    claim_update(claim_id=claim.pk, version=1, user=editor, changes={"note": "first tab"})
    with pytest.raises(ClaimConflict) as conflict:
        claim_update(claim_id=claim.pk, version=1, user=editor, changes={"note": "second tab"})
    assert conflict.value.current.note == "first tab" and conflict.value.current.version == 2
    claim.refresh_from_db()
    assert claim.note == "first tab"
    with pytest.raises(ClaimConflict):
        claim_delete(claim_id=claim.pk, version=1, user=editor)
    claim_delete(claim_id=claim.pk, version=2, user=editor)
    with pytest.raises(ClaimConflict) as gone:
        claim_update(claim_id=claim.pk, version=2, user=editor, changes={"note": "late"})
    assert gone.value.current is None


def test_an_editor_cannot_change_another_editors_claim_unless_admin(
    seed_article, editor, other_editor, admin_user
):
    start, end = at(seed_article, "allegedly")
    claim = claim_create(
        article=seed_article, start=start, end=end, label=label("hedge"), author=editor
    )
    with pytest.raises(PermissionDenied):
        claim_update(claim_id=claim.pk, version=1, user=other_editor, changes={"note": "mine now"})
    with pytest.raises(PermissionDenied):
        claim_delete(claim_id=claim.pk, version=1, user=other_editor)
    claim = claim_update(
        claim_id=claim.pk, version=1, user=admin_user, changes={"note": "reviewed"}
    )
    assert claim.note == "reviewed"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source_count": 0}, "between 1 and 1000"),
        ({"version": 9}, "cannot be changed: version"),
        ({"author": None}, "cannot be changed: author"),
    ],
)
def test_bad_edits_are_refused(seed_article, editor, changes, message):
    start, end = at(seed_article, "allegedly")
    claim = claim_create(
        article=seed_article, start=start, end=end, label=label("hedge"), author=editor
    )
    with pytest.raises(ClaimRefused, match=message):
        claim_update(claim_id=claim.pk, version=1, user=editor, changes=changes)
    claim.refresh_from_db()
    assert claim.version == 1


def test_only_cues_link_to_sources_in_the_same_article(seed_article, editor):
    start, end = at(seed_article, "allegedly")
    hedge = claim_create(
        article=seed_article, start=start, end=end, label=label("hedge"), author=editor
    )
    start, end = at(seed_article, "declined to comment")
    cue = claim_create(
        article=seed_article, start=start, end=end, label=label("no_comment"), author=editor
    )
    with pytest.raises(ClaimRefused, match="Only a cue"):
        claim_update(claim_id=hedge.pk, version=1, user=editor, changes={"source_claim": cue})
    with pytest.raises(ClaimRefused, match="links to a source mention"):
        claim_update(claim_id=cue.pk, version=1, user=editor, changes={"source_claim": hedge})
