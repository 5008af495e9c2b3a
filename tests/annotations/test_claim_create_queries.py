"""The queries of a claim's creation, compiled once (annotations.claims, newsroom.prepared):
each gives the row its plain queryset gives, for the viewer who sees every claim and for the
one who sees only their own, and the label list's HTML follows an edit of a label."""

import pytest

from annotations.claims import _OWN_OTHER_LABEL, _SUGGESTION_EVERY, _SUGGESTION_OWN
from annotations.models import Claim, Label, SpanStatus, authored_by
from newsroom.models import Article


@pytest.fixture
def spans(db, editor, other_editor):
    article = Article.objects.create(title="Queries", text="One two three four five six seven.")
    cue, source = Label.objects.get(slug="reporting"), Label.objects.get(slug="named_source")
    made = {
        # The rules' suggestions of `cue`: two over "two three", one elsewhere.
        "suggested": [
            Claim.objects.create(
                article=article, start=s, end=e, label=cue, status=SpanStatus.SUGGESTED
            )
            for s, e in [(4, 13), (8, 13), (24, 28)]
        ],
        # The editor's own suggestion-status claim, and their claims of "four" with two labels.
        "own": Claim.objects.create(
            article=article, start=4, end=7, label=cue, author=editor, status="suggested"
        ),
        "four": [
            Claim.objects.create(article=article, start=14, end=18, label=label, author=editor)
            for label in (cue, source)
        ],
        "rejected": Claim.objects.create(
            article=article,
            start=14,
            end=18,
            label=Label.objects.get(slug="anonymous_source"),
            author=editor,
            status=SpanStatus.REJECTED,
        ),
        "other": Claim.objects.create(
            article=article, start=14, end=18, label=cue, author=other_editor
        ),
    }
    return article, cue, source, made


def test_it_finds_the_suggestion_over_a_span_as_the_queryset_does(spans, editor):
    article, cue, _, made = spans
    for start, end in [(4, 13), (9, 12), (0, 3), (20, 30), (4, 7)]:
        span = {"article": article.pk, "label": cue.pk, "start": start, "end": end}
        plain = (
            Claim.objects.for_article(article)
            .suggested()
            .filter(label=cue, start__lt=end, end__gt=start)
        )
        assert _SUGGESTION_EVERY.first(**span) == plain.first()
        own = plain.filter(authored_by(editor.pk)).first()
        assert _SUGGESTION_OWN.first(**span, author=editor.pk) == own
    assert (
        _SUGGESTION_EVERY.first(article=article.pk, label=cue.pk, start=9, end=12)
        in (made["suggested"][:2])
    )
    assert (
        _SUGGESTION_OWN.first(article=article.pk, label=cue.pk, start=0, end=13, author=editor.pk)
        == made["own"]
    )


def test_it_finds_the_authors_other_label_on_the_span_as_the_queryset_does(
    spans, editor, other_editor
):
    article, cue, source, made = spans
    for author, label, exclude in [
        (editor, cue, None),
        (editor, source, None),
        (editor, cue, made["four"][1].pk),
        (other_editor, source, None),
        (other_editor, cue, None),
    ]:
        plain = (
            Claim.objects.select_related("label")
            .filter(article_id=article.pk, start=14, end=18, author=author)
            .exclude(label=label)
            .exclude(status=SpanStatus.REJECTED)
            .exclude(pk=exclude)
            .first()
        )
        prepared = _OWN_OTHER_LABEL.first(
            article=article.pk,
            label=label.pk,
            start=14,
            end=18,
            author=author.pk,
            exclude=exclude or 0,
        )
        assert prepared == plain
        if prepared is not None:
            assert prepared.label.name == plain.label.name
    assert (
        _OWN_OTHER_LABEL.first(
            article=article.pk, label=cue.pk, start=14, end=18, author=editor.pk, exclude=0
        )
        == made["four"][1]
    )


def test_it_writes_the_label_lists_afresh_after_a_label_is_edited(db):
    from annotations.pages.annotate import all_labels, label_html

    before = label_html(all_labels())
    label = Label.objects.get(slug="reporting")
    label.description = "Said <b>& done</b>"
    label.save()
    after = label_html(all_labels())
    assert "Said &lt;b&gt;&amp; done&lt;/b&gt;" in after["buttons"]
    assert "Said &lt;b&gt;&amp; done&lt;/b&gt;" in after["guide"]
    assert "Said &lt;b&gt;" not in before["buttons"]
