"""Corpus export: the schema, the round trip, filters, who sees what, the page and the command."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from annotations.exchange.corpus_import import corpus_import, parse_corpus_json, parse_corpus_jsonl
from annotations.exchange.export import SCHEMA_VERSION, ExportFilters, corpus_export_chunks
from annotations.models import Assignment, Claim, Label, ReviewAction, ReviewEvent
from entities.models import EntityMention
from newsroom.importer import articles_import
from newsroom.models import Article, Outlet

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/export-schema.json").read_text())
WIKINEWS = ROOT / "tests/fixtures/wikinews_articles.jsonl"
AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
EMOJI_TEXT = (
    "Zoë 👩🏽‍🔬 Okafor said the plan was 🔥 “long overdue”. 家族 🇺🇦 officials, who asked not "
    "to be named, said it would be delayed. A spokesperson declined to comment. e\u0301 ok."
)


# Every claim, with its status: the complete record, which round-trips byte for byte.
EVERY_CLAIM = ExportFilters(include_suggestions=True)


def export(fmt: str = "jsonl", **kwargs) -> str:
    return b"".join(corpus_export_chunks(fmt=fmt, exported_at=AT, **kwargs)).decode()


def validate(data: str, fmt: str = "jsonl") -> list[dict]:
    """Validate an export against docs/export-schema.json; return its articles."""
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    if fmt == "json":
        document = json.loads(data)
        jsonschema.validate(document, SCHEMA)
        return document["articles"]
    lines = data.splitlines()
    defs = SCHEMA["$defs"]
    header_schema = {"$defs": defs, **defs["header"]}
    article_schema = {"$defs": defs, **defs["article"]}
    jsonschema.validate(json.loads(lines[0]), header_schema)
    articles = [json.loads(line) for line in lines[1:]]
    for article in articles:
        jsonschema.validate(article, article_schema)
    return articles


def _span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def _annotate(article: Article, editor, other) -> None:
    """Entities and claims at code-point offsets, with links, attributes and statuses."""
    text = article.text
    words = [w for w in text.split() if w.isalpha() and len(w) > 3]
    labels = {label.slug: label for label in Label.objects.all()}
    first, second, third = words[0], words[1], words[2]
    e1 = EntityMention.objects.create(
        article=article, **dict(zip(("start", "end"), _span(text, first), strict=True)),
        label="PERSON", model_name="en_core_web_sm", model_version="3.8.0",
    )  # fmt: skip
    EntityMention.objects.create(
        article=article, **dict(zip(("start", "end"), _span(text, second), strict=True)),
        label="ORG", origin="editor", status="accepted", created_by=editor,
    )  # fmt: skip
    s, e = _span(text, first)
    source = Claim.objects.create(
        article=article, start=s, end=e, label=labels["named_source"], author=editor,
        source_mention=e1, affiliation="Ministry", source_count=1, version=3,
    )  # fmt: skip
    s, e = _span(text, second)
    Claim.objects.create(
        article=article, start=s, end=e, label=labels["denial"], author=editor,
        source_claim=source, note="see para 2",
    )  # fmt: skip
    s, e = _span(text, third)
    Claim.objects.create(
        article=article, start=s, end=e, label=labels["anonymous_source"], author=other,
        anonymity_reason="not authorised to speak",
    )  # fmt: skip
    Claim.objects.create(
        article=article, start=s, end=e, label=labels["anonymous_source"], author=None,
        origin="rule", status="suggested",
    )  # fmt: skip
    Claim.objects.create(
        article=article, start=s, end=e, label=labels["hedge"], author=None, origin="rule",
        status="rejected",
    )  # fmt: skip


@pytest.fixture
def corpus(seed_article, editor, other_editor, admin_user):
    """The analysed seed article, the Wikinews articles (non-Latin scripts, 100k characters)
    and an emoji article, annotated, with review states, assignments and comments."""
    lines = WIKINEWS.read_bytes().splitlines()
    records = []
    for n, line in enumerate(lines, start=1):
        raw = json.loads(line)
        records.append(
            (n, {"title": raw["title"], "text": raw["text"], "url": raw["url"],
                 "published_at": raw["date"], "outlet": "Wikinews"})
        )  # fmt: skip
    records.append((len(records) + 1, {"title": "Emoji 🎉", "text": EMOJI_TEXT, "byline": "Zoë"}))
    report = articles_import(records=records, created_by=admin_user)
    articles = list(Article.objects.filter(pk__in=report.created_ids).order_by("pk"))
    for article in articles:
        _annotate(article, editor, other_editor)
    emoji = articles[-1]
    Assignment.objects.create(article=emoji, editor=editor)
    Assignment.objects.create(article=emoji, editor=other_editor)
    ReviewEvent.objects.create(
        article=emoji, actor=admin_user, action=ReviewAction.COMMENT, comment="Check the 🔥 quote"
    )
    ReviewEvent.objects.create(
        article=emoji, actor=editor, action=ReviewAction.SUBMIT, status_before="draft",
        status_after="in_review",
    )  # fmt: skip
    Article.objects.filter(pk=emoji.pk).update(status="in_review")
    Article.objects.filter(pk=articles[0].pk).update(status="approved")
    return [seed_article, *articles]


def _empty_database() -> None:
    """What an import into a fresh install meets: migrated reference data only."""
    Article.objects.all().delete()
    Outlet.objects.all().delete()
    get_user_model().objects.all().delete()


def test_it_round_trips_byte_identical_jsonl(corpus):
    first = export(filters=EVERY_CLAIM)
    articles = validate(first)
    assert len(articles) == len(corpus)
    assert any(a["claims"] and a["entities"] for a in articles)
    # With the analysis's statements, each linked to its cue (schema 1.3), and attributions.
    assert any(c["links"]["cue"] for a in articles for c in a["claims"])
    assert any(a["attributions"] for a in articles)
    _empty_database()

    report = corpus_import(records=parse_corpus_jsonl(io.BytesIO(first.encode())))

    assert report.created == len(corpus)
    assert {"erin", "bo", "ada"} <= set(report.users_created)
    second = export(filters=EVERY_CLAIM)
    assert second == first
    # And again: the same export imports nothing the second time.
    again = corpus_import(records=parse_corpus_jsonl(io.BytesIO(first.encode())))
    assert again.created == 0 and len(again.skipped) == len(corpus)
    assert export(filters=EVERY_CLAIM) == first


def test_it_round_trips_byte_identical_json(corpus):
    first = export("json", filters=EVERY_CLAIM)
    validate(first, "json")
    _empty_database()
    corpus_import(records=parse_corpus_json(first.encode()), unit="article")
    assert export("json", filters=EVERY_CLAIM) == first


def test_it_differs_only_in_the_timestamp(db):
    later = b"".join(corpus_export_chunks(exported_at=datetime(2030, 1, 1, tzinfo=UTC))).decode()
    assert later != export()
    assert later.replace("2030-01-01T00:00:00+00:00", AT.isoformat()) == export()


def test_it_exports_code_point_offsets(corpus):
    articles = validate(export())
    emoji = next(a for a in articles if a["title"] == "Emoji 🎉")
    for span in emoji["entities"] + emoji["claims"]:
        assert emoji["text"][span["start"] : span["end"]] == span["text"]
    # Python slices by code point; UTF-16 offsets would land elsewhere after the emoji.
    okafor = next(c for c in emoji["claims"] if c["label"] == "named_source")
    assert okafor["start"] == EMOJI_TEXT.index(okafor["text"])
    non_latin = [a for a in articles if any(ord(ch) > 0x2FF for ch in a["text"])]
    assert non_latin, "the fixtures include non-Latin scripts"


def test_it_exports_links_statuses_and_review(corpus):
    articles = validate(export(filters=EVERY_CLAIM))
    emoji = next(a for a in articles if a["title"] == "Emoji 🎉")
    by_label = {c["label"]: c for c in emoji["claims"] if c["status"] != "suggested"}
    source, denial = by_label["named_source"], by_label["denial"]
    assert denial["links"]["source_claim"] == source["id"]
    mention = next(e for e in emoji["entities"] if e["id"] == source["links"]["source_mention"])
    assert mention["label"] == "PERSON" and mention["model_name"] == "en_core_web_sm"
    assert source["author"] == "erin" and source["version"] == 3
    assert source["attributes"]["affiliation"] == "Ministry"
    assert {c["status"] for c in emoji["claims"]} == {"accepted", "suggested", "rejected"}
    assert emoji["status"] == "in_review"
    assert emoji["review"]["assignees"] == ["bo", "erin"]
    assert [e["action"] for e in emoji["review"]["events"]] == ["comment", "submit"]
    assert emoji["scorecard"]["counts"]["anonymous"] == 1
    assert "score" in emoji["scorecard"]


def test_it_exports_the_label_set_and_model(corpus):
    header = json.loads(export().splitlines()[0])
    assert header["format"] == "newsroom-corpus" and header["schema_version"] == SCHEMA_VERSION
    assert SCHEMA_VERSION == "1.3"
    assert header["filters"] == {"include_suggestions": False}
    assert [label["slug"] for label in header["labels"]][:3] == [
        "named_source", "anonymous_source", "outlet",
    ]  # fmt: skip
    assert header["model"]["name"] and header["model"]["version"]
    assert header["exported_at"] == AT.isoformat()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ExportFilters(status="approved"), 1),
        (ExportFilters(status="in_review"), 1),
        (ExportFilters(outlet="wikinews"), 20),
        # 21 annotated denials; the seed article's denial and no_comment are suggestions.
        (ExportFilters(labels=("denial",)), 21),
        (ExportFilters(labels=("no_comment",)), 0),
        (ExportFilters(labels=("denial",), include_suggestions=True), 22),
        (ExportFilters(labels=("no_comment",), include_suggestions=True), 1),
        (ExportFilters(editor="bo"), 21),
        (ExportFilters(published_from=date(2020, 1, 1), published_to=date(2020, 12, 31)), None),
    ],
)
def test_it_filters(corpus, filters, expected):
    articles = validate(export(filters=filters))
    if expected is None:
        assert articles and all(a["published_at"].startswith("2020") for a in articles)
    else:
        assert len(articles) == expected
    header = json.loads(export(filters=filters).splitlines()[0])
    assert header["filters"]


def test_it_shows_an_editor_only_their_own_claims_under_double_annotation(corpus, editor):
    articles = validate(export(viewer=editor))
    emoji = next(a for a in articles if a["title"] == "Emoji 🎉")
    assert {c["author"] for c in emoji["claims"]} == {"erin"}
    wikinews = next(a for a in articles if a["outlet"] == "Wikinews")
    assert {c["author"] for c in wikinews["claims"]} == {"erin", "bo"}
    articles = validate(export(viewer=editor, filters=EVERY_CLAIM))
    wikinews = next(a for a in articles if a["outlet"] == "Wikinews")
    assert {c["author"] for c in wikinews["claims"]} == {"erin", "bo", None}


def test_it_streams_a_download_from_the_page(corpus, editor_client):
    response = editor_client.get(reverse("corpus_export"), {"format": "jsonl", "download": "1"})
    assert response.status_code == 200
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.jsonl"')
    data = b"".join(response.streaming_content).decode()
    assert len(validate(data)) == len(corpus)


def test_it_filters_from_the_page(corpus, admin_client_):
    response = admin_client_.get(
        reverse("corpus_export"), {"format": "json", "download": "1", "status": "approved"}
    )
    data = b"".join(response.streaming_content).decode()
    assert len(validate(data, "json")) == 1


def test_it_shows_the_form(db, editor_client):
    response = editor_client.get(reverse("corpus_export"))
    assert response.status_code == 200
    assert b"Export" in response.content


def test_it_rejects_a_bad_filter(db, editor_client):
    response = editor_client.get(reverse("corpus_export"), {"download": "1", "status": "nope"})
    assert response.status_code == 400


def test_it_refuses_users_without_a_role(db, client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse("corpus_export")).status_code == 403


def test_the_command_writes_a_file(corpus, tmp_path):
    out = tmp_path / "corpus.json"
    err = io.StringIO()
    call_command("export_corpus", "-o", str(out), "--no-progress", stderr=err)
    assert len(validate(out.read_text(), "json")) == len(corpus)
    assert f"Exported {len(corpus)} article(s)" in err.getvalue()


def test_the_command_filters_and_shows_progress(corpus, tmp_path):
    out = tmp_path / "corpus.jsonl"
    err = io.StringIO()
    call_command("export_corpus", "-o", str(out), "--status", "approved", stderr=err)
    assert len(validate(out.read_text())) == 1
    assert "Exporting" in err.getvalue()


def test_word_counts_come_from_the_figures_rows_and_agree_with_counting(corpus):
    """The export reads each article's word count from its figures row (counting every text
    again was a fifth of its time) and counts only where no row exists yet: the same file."""
    from annotations.models import ArticleSourcing
    from annotations.stats import article_sourcing_refresh

    ArticleSourcing.objects.all().delete()
    counted = export()
    article_sourcing_refresh(article_ids=Article.objects.values_list("pk", flat=True))
    assert ArticleSourcing.objects.count() == Article.objects.count()
    assert export() == counted
    words = [a["scorecard"]["counts"]["words"] for a in validate(counted)]
    assert words == [len(a.text.split()) for a in Article.objects.order_by("pk")]


def test_it_exports_accepted_claims_only_by_default_with_the_app_s_scorecard(corpus):
    articles = validate(export())
    assert {c["status"] for a in articles for c in a["claims"]} == {"accepted"}
    every = validate(export(filters=EVERY_CLAIM))
    assert {c["status"] for a in every for c in a["claims"]} == {
        "accepted", "suggested", "rejected",
    }  # fmt: skip
    # Ids are the file's own ordinals; links to claims left out are none; the scorecard is
    # the one the app shows, whichever claims the file holds.
    for article, full in zip(articles, every, strict=True):
        assert [c["id"] for c in article["claims"]] == [
            f"c{n}" for n in range(1, len(article["claims"]) + 1)
        ]
        ids = {c["id"] for c in article["claims"]}
        assert {c["links"]["source_claim"] for c in article["claims"]} <= ids | {None}
        assert article["scorecard"] == full["scorecard"]
        assert article["entities"] == full["entities"]
    seed = next(a for a in articles if a["title"] == corpus[0].title)
    assert seed["claims"] == [] and seed["sources"] == []
    assert seed["scorecard"]["basis"] == "estimate"


def test_the_command_exports_accepted_claims_only_unless_asked(corpus, tmp_path):
    out = tmp_path / "corpus.jsonl"
    call_command("export_corpus", "-o", str(out), "--no-progress", stderr=io.StringIO())
    header, *articles = (json.loads(line) for line in out.read_text().splitlines())
    assert header["filters"] == {"include_suggestions": False}
    assert {c["status"] for a in articles for c in a["claims"]} == {"accepted"}
    call_command(
        "export_corpus", "-o", str(out), "--no-progress", "--include-suggestions",
        stderr=io.StringIO(),
    )  # fmt: skip
    header, *articles = (json.loads(line) for line in out.read_text().splitlines())
    assert header["filters"] == {"include_suggestions": True}
    assert "suggested" in {c["status"] for a in articles for c in a["claims"]}
