"""The dashboard's numbers on a small corpus worked out by hand, its permissions, links and
charts; the queue ordered by risk; both in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from annotations.claims import suggestion_decide
from annotations.models import ArticleSourcing, Assignment, Claim, Label, ReviewEvent
from annotations.stats import article_sourcing_refresh
from newsroom.models import Article, Outlet, content_hash

JAN = datetime(2024, 1, 15, 12, tzinfo=UTC)
FEB = datetime(2024, 2, 15, 12, tzinfo=UTC)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_article(n: int, *, words: int, **fields) -> Article:
    text = f"Article {n} " + "w " * (words - 2)
    return Article.objects.create(
        title=f"Article {n}", text=text, content_hash=content_hash(text), **fields
    )


def add_claims(article: Article, *specs: tuple[str, str], author=None) -> None:
    """One accepted claim per (label slug, anonymity reason), on successive filler words."""
    offset = len(f"{article.title} ")
    labels = {label.slug: label for label in Label.objects.all()}
    Claim.objects.bulk_create(
        Claim(
            article=article,
            start=offset + 2 * i,
            end=offset + 2 * i + 1,
            label=labels[slug],
            author=author,
            anonymity_reason=reason,
        )
        for i, (slug, reason) in enumerate(specs)
    )


@pytest.fixture
def corpus(editor, other_editor):
    """Two outlets, two editors, two months; per article (worked out in the comments):

    a1 Herald, erin, Jan, 100 words: named, anonymous with a reason, unlinked denial → 85
    a2 Herald, bo,   Feb, 200 words: 2 anonymous without a reason, a hedge → 25, 3 flags
    a3 Courier, added by bo but submitted by erin, Feb, 100 words: named, outlet → 75, 2 flags
    a4 Courier, bo,  Jan (created_at; no published_at), 100 words: no claims → no score,
    its own flag (no attributed sources), never 100; plus an open suggestion, which does not
    count: all four are in review, so their figures are verified (accepted claims).
    """
    herald, courier = Outlet.objects.create(name="Herald"), Outlet.objects.create(name="Courier")
    a1 = make_article(1, words=100, outlet=herald, published_at=JAN, created_by=editor)
    a2 = make_article(2, words=200, outlet=herald, published_at=FEB, created_by=other_editor)
    a3 = make_article(3, words=100, outlet=courier, published_at=FEB, created_by=other_editor)
    a4 = make_article(4, words=100, outlet=courier, created_by=other_editor)
    Article.objects.filter(pk=a4.pk).update(created_at=datetime(2024, 1, 20, tzinfo=UTC))
    add_claims(
        a1,
        ("named_source", ""),
        ("anonymous_source", "not authorised"),
        ("denial", ""),
        author=editor,
    )
    add_claims(
        a2, ("anonymous_source", ""), ("anonymous_source", ""), ("hedge", ""), author=other_editor
    )
    add_claims(a3, ("named_source", ""), ("outlet", ""), author=editor)
    Claim.objects.create(
        article=a4,
        start=10,
        end=11,
        label=Label.objects.get(slug="anonymous_source"),
        status="suggested",
        origin="rule",
    )
    ReviewEvent.objects.create(
        article=a3, actor=editor, action="submit", status_before="draft", status_after="in_review"
    )
    Article.objects.filter(pk__in=[a2.pk, a3.pk, a1.pk, a4.pk]).update(status="in_review")
    article_sourcing_refresh(article_ids=[a1.pk, a2.pk, a3.pk, a4.pk])
    return {"herald": herald, "courier": courier, "a1": a1, "a2": a2, "a3": a3, "a4": a4}


def table(client, **params):
    response = client.get(reverse("dashboard"), params)
    assert response.status_code == 200
    t = response.context["table"]
    return {row.label: row for row in t.rows}, t.total, response.content.decode()


def figures(row) -> tuple:
    return tuple(cell[1] for cell in row.cells)


def test_the_article_scores_are_what_the_hand_computation_says(corpus):
    scores = dict(ArticleSourcing.objects.values_list("article__title", "score"))
    assert scores == {"Article 1": 85, "Article 2": 25, "Article 3": 75, "Article 4": None}
    assert set(ArticleSourcing.objects.values_list("basis", flat=True)) == {"verified"}


def test_by_outlet(corpus, admin_user):
    rows, total, html = table(client_for(admin_user), group="outlet")
    assert list(rows) == ["Courier", "Herald"]
    herald, courier = rows["Herald"], rows["Courier"]
    c = herald.counts
    assert (c.articles, c.words, c.named, c.anonymous, c.outlet, c.denial, c.hedge) == (
        2,
        300,
        1,
        3,
        0,
        1,
        1,
    )
    # 3/4 anonymous; 1/3 explained; 1 of 2 articles owing a reply has one; 0 of 4 outlet;
    # 1 hedge × 1,000 / 300 words; 100 − 22.5 − 13.3 − 10 − 0 − 3.3 − 0 = 50.8 → 51.
    assert figures(herald) == ("75%", "33%", "50%", "0%", "3.3", "0.0")
    assert herald.card.score == 51
    assert herald.mean_score == 55  # (85 + 25) / 2
    assert herald.flagged == 1
    assert [n for _, n, _ in herald.flags] == [0, 1, 1, 1, 0, 0, 0]
    # Courier: 0/1 anonymous; nothing to explain; 0 of 1 replied; 1/2 outlet → 100 − 20 − 5.
    # a4 has no source: no score of its own (the mean is a3's alone), and its flag.
    assert figures(courier) == ("0%", "—", "0%", "50%", "0.0", "0.0")
    assert (courier.card.score, courier.mean_score, courier.flagged) == (75, 75, 2)
    assert [n for _, n, _ in courier.flags] == [1, 0, 0, 1, 1, 0, 0]
    # All four: 3/5 anonymous, 1/3 explained, 1/3 replied, 1/6 outlet, 2 hedges per 1,000:
    # 100 − 18 − 13.3 − 13.3 − 1.7 − 2 = 51.7 → 52.
    assert total.counts.articles == 4 and total.card.score == 52
    assert figures(total) == ("60%", "33%", "33%", "17%", "2.0", "0.0")
    assert total.mean_score == pytest.approx(185 / 3)  # a4 has no score
    assert [n for _, n, _ in total.flags] == [1, 1, 1, 2, 1, 0, 0]
    # The table carries them, each row links to its articles.
    articles_url = reverse("dashboard_articles")
    assert f'href="{articles_url}?group=outlet&amp;outlet={corpus["herald"].pk}"' in html
    assert ">51</span>" in html and ">55<" in html  # Herald's mean score


def test_by_editor_uses_the_last_submitter(corpus, admin_user, editor):
    rows, _, _ = table(client_for(admin_user), group="editor")
    assert list(rows) == ["bo", "erin"]
    erin, bo = rows["erin"], rows["bo"]
    assert erin.counts.articles == bo.counts.articles == 2  # a3 counts for erin, who submitted
    # erin: 1/3 anonymous → 10; explained; 1 of 2 replied → 10; 1/4 outlet → 2.5: 77.5 → 78.
    assert (erin.card.score, figures(erin)) == (78, ("33%", "100%", "50%", "25%", "0.0", "0.0"))
    # bo: 2/2 → 30; 0/2 explained → 20; 0 of 1 → 20; hedges 3.3 per 1,000 → 3.3: 26.7 → 27.
    assert (bo.card.score, figures(bo)) == (27, ("100%", "0%", "0%", "0%", "3.3", "0.0"))


def test_by_month_with_filters(corpus, admin_user):
    client = client_for(admin_user)
    rows, _, html = table(client, group="month")
    assert list(rows) == ["Jan 2024", "Feb 2024"]
    jan, feb = rows["Jan 2024"], rows["Feb 2024"]
    assert (jan.counts.articles, jan.card.score) == (2, 85)  # a4 by its created_at
    # Feb: 2/3 → 20; 0/2 explained → 20; 0 of 2 → 20; 1/4 outlet → 2.5; 3.3 hedges → 3.3.
    assert (feb.counts.articles, feb.card.score) == (2, 34)
    assert "month=2024-02" in feb.link

    rows, total, _ = table(client, group="outlet", **{"from": "2024-02", "to": "2024-02"})
    assert {k: r.counts.articles for k, r in rows.items()} == {"Courier": 1, "Herald": 1}
    rows, total, html = table(client, group="outlet", status="approved")
    assert not rows and total is None and "match these filters" in html
    # A row's filters narrow the dashboard too: one outlet, by month.
    rows, total, html = table(client, group="month", outlet=corpus["herald"].pk)
    assert total.counts.articles == 2 and "Outlet: Herald" in html


def test_the_charts_are_svg_with_titles_and_links(corpus, admin_user):
    _, _, html = table(client_for(admin_user), group="outlet")
    assert html.count("<svg") == 3
    assert 'role="img"' in html and '<title id="chart-anonymous-title">' in html
    assert "<title>Herald: anonymous share 75% (3 of 4)</title>" in html
    assert "style=" not in html and "<script" not in html.split("</head>")[1]


def test_names_are_escaped(corpus, admin_user):
    Outlet.objects.filter(pk=corpus["herald"].pk).update(name="<b>Herald</b>")
    article_sourcing_refresh(article_ids=[corpus["a1"].pk])
    _, _, html = table(client_for(admin_user), group="outlet")
    assert "<b>Herald" not in html and "&lt;b&gt;Herald" in html


def test_the_articles_behind_a_row(corpus, admin_user):
    client = client_for(admin_user)
    response = client.get(
        reverse("dashboard_articles"), {"outlet": corpus["herald"].pk, "month": "2024-02"}
    )
    html = response.content.decode()
    assert [r.article.title for r in response.context["page"].object_list] == ["Article 2"]
    assert "Outlet: Herald" in html and "Month: Feb 2024" in html and "No right of reply" in html
    flagged = client.get(reverse("dashboard_articles"), {"flag": "no_right_of_reply"})
    # Riskiest first: 3 flags (25), then 2 flags (75).
    titles = [r.article.title for r in flagged.context["page"].object_list]
    assert titles == ["Article 2", "Article 3"]


def test_only_admins_see_it(corpus, editor, admin_user):
    ed = client_for(editor)
    assert ed.get(reverse("dashboard")).status_code == 403
    assert ed.get(reverse("dashboard_articles")).status_code == 403
    assert 'href="/dashboard/"' not in ed.get(reverse("article_list")).content.decode()
    assert (
        'href="/dashboard/"' in client_for(admin_user).get(reverse("article_list")).content.decode()
    )
    anonymous = Client().get(reverse("dashboard"))
    assert anonymous.status_code == 302


def test_the_dashboard_takes_a_fixed_number_of_queries(
    corpus, admin_user, django_assert_num_queries
):
    client = client_for(admin_user)
    client.get(reverse("dashboard"))  # warm the session
    # the session with its user (role and permissions cached: newsroom.roles), articles per
    # basis, articles with no figures yet, by outlet, by month
    with django_assert_num_queries(5):
        client.get(reverse("dashboard"), {"group": "outlet"})
    with django_assert_num_queries(4):  # by month once
        client.get(reverse("dashboard"), {"group": "month"})
    more = [
        make_article(10 + i, words=50, outlet=Outlet.objects.create(name=f"O{i}")) for i in range(5)
    ]
    article_sourcing_refresh(article_ids=[a.pk for a in more])
    with django_assert_num_queries(5):
        client.get(reverse("dashboard"), {"group": "editor"})
    with django_assert_num_queries(3):  # the page's count and rows
        client.get(reverse("dashboard_articles"))


def test_the_queue_is_ordered_by_risk(corpus, admin_user):
    response = client_for(admin_user).get(reverse("review_queue"))
    titles = [a.title for a in response.context["page"].object_list]
    # 3 flags, 2 flags, 1 (a4: no attributed sources), then none.
    assert titles == ["Article 2", "Article 3", "Article 4", "Article 1"]
    html = response.content.decode()
    assert "riskiest first" in html and "Anonymity without a reason" in html
    assert '<span class="score score-poor">25</span>' in html


def test_the_queue_filters(corpus, admin_user, editor, other_editor):
    client = client_for(admin_user)

    def titles(**params):
        response = client.get(reverse("review_queue"), params)
        return [a.title for a in response.context["page"].object_list]

    assert titles(outlet=corpus["courier"].pk) == ["Article 3", "Article 4"]
    # erin: added a1, submitted a3.
    assert titles(editor=editor.pk) == ["Article 3", "Article 1"]
    assert titles(editor=other_editor.pk) == ["Article 2", "Article 4"]
    assert titles(flag="outlet_dependent") == ["Article 3"]
    # Submitted: a3's submit event is today; the others have no event, so their last change.
    Article.objects.filter(pk=corpus["a2"].pk).update(updated_at=datetime(2024, 3, 1, tzinfo=UTC))
    assert "Article 2" not in titles(since="2025-01-01")
    assert titles(until="2024-03-01") == ["Article 2"]
    assert titles(since="2024-02-30")  # an impossible date is ignored


def test_an_unscored_article_waits_last(corpus, admin_user):
    late = make_article(9, words=10, status="in_review")
    response = client_for(admin_user).get(reverse("review_queue"))
    assert [a.title for a in response.context["page"].object_list][-1] == late.title
    assert "Not scored yet" in response.content.decode()


def test_the_queue_takes_a_fixed_number_of_queries(corpus, admin_user, django_assert_num_queries):
    client = client_for(admin_user)
    Assignment.objects.create(article=corpus["a1"], editor=admin_user)
    client.get(reverse("review_queue"))
    # session with its user (role and permissions cached), mine, count, page, not started,
    # outlets, editors
    with django_assert_num_queries(7):
        page = client.get(reverse("review_queue"), {"editor": admin_user.pk, "since": "2024-01-01"})
    assert [a.title for a in page.context["page"].object_list] == ["Article 1"]  # assigned
    more = [make_article(20 + i, words=30, status="in_review") for i in range(6)]
    article_sourcing_refresh(article_ids=[a.pk for a in more])
    with django_assert_num_queries(7):
        client.get(reverse("review_queue"))


def test_the_seed_article_shows_its_anonymous_sourcing_and_its_denial(
    seed_article, editor, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    rows, total, html = table(client)
    # Analysed, not worked on: no verified figures; the machine's estimate, apart.
    assert total is None and "Verified: 0 articles" in html and "Estimated: 1 article" in html
    rows, total, _ = table(client, basis="estimated")
    assert total.counts.articles == 1 and total.counts.anonymous >= 2
    assert total.card.basis == "estimate"

    with django_capture_on_commit_callbacks(execute=True):
        for claim in Claim.objects.filter(article=seed_article).suggested():
            suggestion_decide(claim_id=claim.pk, version=claim.version, user=editor, accept=True)

    rows, total, html = table(client)
    (row,) = rows.values()
    assert row.counts.anonymous >= 3 and row.counts.denial >= 1
    assert f"{row.counts.named} / {row.counts.anonymous} / {row.counts.outlet}" in html
    listing = client.get(reverse("dashboard_articles")).content.decode()
    assert seed_article.title in listing
    assert f"{row.counts.denial} / {row.counts.no_comment}" in listing
