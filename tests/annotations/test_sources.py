"""Sources: mentions grouped by the party they refer to (annotations/sources.py), counted once,
merged and split by editors."""

from __future__ import annotations

import pytest

from annotations.claims import claim_create, claim_delete, claim_update
from annotations.models import Claim, Label, Source
from annotations.sources import (
    Mention,
    SourceRefused,
    display_name,
    group,
    source_merge,
    source_split,
)
from newsroom.models import Article, ArticleStatus, content_hash

NAMED, ANON, OUTLET = "named_source", "anonymous_source", "outlet"


def groups_of(*mentions: Mention) -> list[set]:
    numbers = group(mentions)
    out: dict[int, set] = {}
    for m, n in zip(mentions, numbers, strict=True):
        out.setdefault(n, set()).add(m.key)
    return sorted(out.values(), key=min)


def test_surnames_and_repeats_join_the_fuller_name():
    assert groups_of(
        Mention(1, "Paul Dewar", NAMED),
        Mention(2, "Dewar", NAMED),
        Mention(3, "Mr. Dewar", NAMED),
        Mention(4, "Reuters", OUTLET),
        Mention(5, "reuters", OUTLET),
        Mention(6, "Diane Holmes", NAMED),
    ) == [{1, 2, 3}, {4, 5}, {6}]


def test_an_ambiguous_surname_stays_on_its_own():
    assert groups_of(
        Mention(1, "Paul Dewar", NAMED),
        Mention(2, "Ann Dewar", NAMED),
        Mention(3, "Dewar", NAMED),
    ) == [{1}, {2}, {3}]


def test_a_pronoun_joins_only_its_antecedent_and_labels_keep_sources_apart():
    assert groups_of(
        Mention(1, "Egyptian security sources", ANON),
        Mention(2, "They", ANON, antecedent=1),
        Mention(3, "they", ANON),  # no antecedent: nobody to join
        Mention(4, "Egypt", NAMED),
        Mention(5, "Egypt", OUTLET),
    ) == [{1, 2}, {3}, {4}, {5}]


def test_an_unresolved_he_or_she_joins_the_nearest_named_source_before_it():
    assert groups_of(
        Mention(1, "he", NAMED),  # nobody before it: on its own
        Mention(2, "Anna Blankenship", NAMED),
        Mention(3, "Officials", ANON),
        Mention(4, "Tom Pierce", NAMED),
        Mention(5, "she", NAMED),
        Mention(6, "they", ANON),  # only he and she
    ) == [{1}, {2}, {3}, {4, 5}, {6}]


def test_sources_editors_kept_apart_are_not_joined_again():
    assert groups_of(
        Mention(1, "Dewar", NAMED, source="a"),
        Mention(2, "Dewar", NAMED, source="b"),
        Mention(3, "Dewar", NAMED),
    ) == [{1}, {2}, {3}]
    assert groups_of(Mention(1, "Paul Dewar", NAMED, source="a"), Mention(2, "Dewar", NAMED)) == [
        {1, 2}
    ]


def test_a_display_name_is_the_first_mention_that_is_not_a_pronoun():
    assert display_name(["they", "Egyptian security sources", "They"]) == (
        "Egyptian security sources"
    )
    assert display_name(["She"]) == "She"


def test_the_seed_articles_sources(seed_article):
    """After analysis with the real model: the two "Reuters" are one source, and "They"
    belongs to the "Egyptian security sources"."""
    text = seed_article.text
    mentions = Claim.objects.filter(article=seed_article, label__kind="source")
    by_text: dict[str, set[int | None]] = {}
    for claim in mentions:
        by_text.setdefault(text[claim.start : claim.end], set()).add(claim.source_id)
    assert None not in set().union(*by_text.values())
    (reuters,) = by_text["Reuters"]
    assert mentions.filter(source_id=reuters).count() == 2
    (security,) = by_text["Egyptian security sources"]
    assert by_text["They"] == {security}
    assert Source.objects.filter(article=seed_article).count() == len(
        {s for ids in by_text.values() for s in ids}
    )


@pytest.fixture
def article(db):
    text = "Paul Dewar said no. Officials said yes. Dewar added more. She left."
    return Article.objects.create(title="Dewar", text=text, content_hash=content_hash(text))


def mark(article, phrase: str, slug: str, user, after: str = "") -> Claim:
    start = article.text.index(after + phrase) + len(after)
    return claim_create(
        article=article,
        start=start,
        end=start + len(phrase),
        label=Label.objects.get(slug=slug),
        author=user,
    )


def test_marking_a_surname_joins_its_source_and_relabelling_or_deleting_leaves_it(article, editor):
    paul = mark(article, "Paul Dewar", NAMED, editor)
    dewar = mark(article, "Dewar", NAMED, editor, after="yes. ")
    assert paul.source_id is not None and dewar.source_id == paul.source_id
    officials = mark(article, "Officials", ANON, editor)
    assert officials.source_id not in (None, paul.source_id)
    added = mark(article, "added", NAMED, editor)  # a wrong mark: its own source
    assert added.source_id not in (None, paul.source_id)
    hedge = Label.objects.get(slug="hedge")
    changed = claim_update(claim_id=added.pk, version=1, user=editor, changes={"label": hedge})
    assert changed.source_id is None
    # Its source is left with no mention: it shows and counts nowhere (a save does not delete
    # it: that would lock the article's sources against other editors' saves).
    mentioned = Source.objects.filter(article=article, mentions__isnull=False).distinct()
    assert mentioned.count() == 2
    claim_delete(claim_id=officials.pk, version=1, user=editor)
    assert list(mentioned.all()) == [paul.source]
    assert article_sources_of(article) == {"Paul Dewar": ["Paul Dewar", "Dewar"]}


def article_sources_of(article) -> dict[str, list[str]]:
    from annotations.pages.annotate import all_labels, article_sources
    from annotations.pages.claim_rows import claim_rows

    rows = claim_rows(article, all_labels(), None)
    return {g.name: [t for _, t in g.claims] for g in article_sources(article.text, rows)}


def test_merge_and_split(article, editor, other_editor):
    paul = mark(article, "Paul Dewar", NAMED, editor)
    officials = mark(article, "Officials", ANON, editor)
    she = mark(article, "She", NAMED, editor)
    assert she.source_id == paul.source_id  # the nearest named source before "She"
    assert Source.objects.filter(article=article).count() == 2
    moved = source_merge(
        article=article, source_id=officials.source_id, into_id=paul.source_id, user=editor
    )
    assert moved == 1
    officials.refresh_from_db()
    assert officials.source_id == paul.source_id
    assert Source.objects.filter(article=article).count() == 1
    with pytest.raises(SourceRefused, match="two different sources"):
        source_merge(article=article, source_id=paul.source_id, into_id=paul.source_id, user=editor)
    own = source_split(article=article, claim_id=she.pk, user=editor)
    she.refresh_from_db()
    assert she.source_id == own.pk != paul.source_id
    with pytest.raises(SourceRefused, match="already a source of its own"):
        source_split(article=article, claim_id=she.pk, user=editor)
    # Another article's source, or an approved article: refused, nothing written.
    other = Article.objects.create(title="O", text="Someone said.", content_hash="0" * 64)
    with pytest.raises(SourceRefused, match="not in this article"):
        source_merge(article=other, source_id=she.source_id, into_id=paul.source_id, user=editor)
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.APPROVED)
    article.refresh_from_db()
    with pytest.raises(SourceRefused):
        source_merge(article=article, source_id=she.source_id, into_id=paul.source_id, user=editor)
    assert Source.objects.filter(article=article).count() == 2


def test_the_page_shows_each_source_once_and_merges_and_splits_through_forms(
    seed_article, editor_client, no_role_user
):
    from django.test import Client
    from django.urls import reverse

    page = editor_client.get(seed_article.get_absolute_url())
    sources = page.context["sources"]
    names = [s.name for s in sources]
    assert names.count("Reuters") == 1 and "They" not in names
    html = page.content.decode()
    assert 'id="sources"' in html and "Egyptian security sources" in html
    reuters = next(s for s in sources if s.name == "Reuters")
    security = next(s for s in sources if s.name == "Egyptian security sources")
    assert len(reuters.claims) == 2 and [t for _, t in security.claims][-1] == "They"

    merge = reverse("sources_merge", args=[seed_article.pk])
    split = reverse("sources_split", args=[seed_article.pk])
    response = editor_client.post(
        merge, {"source": reuters.source_id, "into": security.source_id}, follow=True
    )
    assert "Merged: 2 mentions moved." in response.content.decode()
    merged = next(s for s in response.context["sources"] if s.source_id == security.source_id)
    assert len(merged.claims) == 4
    they = merged.claims[-1][0]
    response = editor_client.post(split, {"claim": they}, follow=True)
    assert "Split off" in response.content.decode()
    assert len(response.context["sources"]) == len(sources)  # one gone, one made
    # Bad input: a message, nothing changed; no role or logged out: refused.
    for data in ({"source": "x", "into": "1"}, {"source": 10**30, "into": 1}, {}):
        response = editor_client.post(merge, data, follow=True)
        assert response.status_code == 200 and response.context["messages"]
    assert editor_client.post(split, {"claim": 10**9}, follow=True).status_code == 200
    nobody = Client()
    assert nobody.post(split, {"claim": they}).status_code == 302  # to the login page
    nobody.force_login(no_role_user)
    assert nobody.post(split, {"claim": they}).status_code == 403
    # The panel alone, for htmx's refresh; without htmx, the page.
    panel = editor_client.get(
        reverse("article_sources", args=[seed_article.pk]), HTTP_HX_REQUEST="true"
    )
    assert panel.status_code == 200 and panel.content.decode().lstrip().startswith("<details")
    plain = editor_client.get(reverse("article_sources", args=[seed_article.pk]))
    assert plain.status_code == 302 and plain["Location"].endswith("#sources")


def test_marking_over_a_suggestion_accepts_it_instead_of_a_second_claim(
    seed_article, editor_client, editor
):
    from django.urls import reverse

    suggestion = Claim.objects.filter(article=seed_article, label__slug=ANON).suggested().first()
    before = Claim.objects.filter(article=seed_article).count()
    inner = seed_article.text.index(" ", suggestion.start) + 1  # from its second word on
    response = editor_client.post(
        reverse("claim_new", args=[seed_article.pk]),
        {"start": inner, "end": suggestion.end, "label": ANON},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "that suggestion is accepted" in response.content.decode()
    assert Claim.objects.filter(article=seed_article).count() == before
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.author) == ("accepted", editor)


def test_a_second_label_on_the_same_span_offers_the_first_to_relabel(article, editor, client):
    from django.urls import reverse

    paul = mark(article, "Paul Dewar", NAMED, editor)
    client.force_login(editor)
    response = client.post(
        reverse("claim_new", args=[article.pk]),
        {"start": paul.start, "end": paul.end, "label": ANON},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "You already marked this span as Named source" in html
    assert f'value="{paul.version}"' in html and "Paul Dewar" in html  # its panel, to relabel
    assert Claim.objects.filter(article=article).count() == 1
