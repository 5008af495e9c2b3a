"""Attribution triples in the corpus export (schema 1.3): each statement's link to its cue,
each article's attributions, which claims they hold and for whom, their import, and files of
schema 1.2 importing as they did."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.exchange import export as export_module
from annotations.exchange.corpus_import import corpus_import, parse_corpus_jsonl
from annotations.exchange.export import ExportFilters, corpus_export_chunks
from annotations.models import Assignment, Claim, Label
from newsroom.importer import ImportRejected, articles_import
from newsroom.models import Article

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/export-schema.json").read_text())
FILE_1_2 = ROOT / "tests/fixtures/export/corpus-1.2.jsonl"
AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
EVERY_CLAIM = ExportFilters(include_suggestions=True)
TEXT = (
    "Zoë 👩🏽‍🔬 Okafor said the plan would be delayed. Officials denied that money was lost. "
    "A spokesperson declined to comment."
)


def export(**kwargs) -> list[dict]:
    """The export's articles (JSON Lines), each checked against docs/export-schema.json."""
    import jsonschema

    data = b"".join(corpus_export_chunks(exported_at=AT, **kwargs)).decode()
    defs = SCHEMA["$defs"]
    articles = [json.loads(line) for line in data.splitlines()[1:]]
    for article in articles:
        jsonschema.validate(article, {"$defs": defs, **defs["article"]})
    return articles


def at(text: str, phrase: str, after: str = "") -> dict[str, int]:
    start = text.index(phrase, text.index(after) if after else 0)
    return {"start": start, "end": start + len(phrase)}


def texts(article: dict) -> list[tuple[str | None, str, list[str]]]:
    """The article's attributions as (source, cue, contents) texts."""
    claims = {c["id"]: c["text"] for c in article["claims"]}
    return [
        (claims.get(a["source"]), claims[a["cue"]], [claims[key] for key in a["contents"]])
        for a in article["attributions"]
    ]


@pytest.fixture
def triples(db, editor, other_editor):
    """An article with three attributions by erin (Okafor said, Officials denied, a
    spokesperson declined to comment) and bo's statement on erin's cue."""
    report = articles_import(records=[(1, {"title": "Triples", "text": TEXT})])
    article = Article.objects.get(pk=report.created_ids[0])
    labels = {label.slug: label for label in Label.objects.all()}

    def claim(phrase: str, label: str, author=editor, **links) -> Claim:
        return Claim.objects.create(
            article=article, **at(TEXT, phrase), label=labels[label], author=author, **links
        )

    okafor = claim("Zoë 👩🏽‍🔬 Okafor", "named_source")
    said = claim("said", "reporting", source_claim=okafor)
    claim("the plan would be delayed", "statement", cue=said)
    officials = claim("Officials", "anonymous_source")
    denied = claim("denied", "denial", source_claim=officials)
    claim("money was lost", "statement", cue=denied)
    claim("lost", "statement", author=other_editor, cue=denied)
    spokesperson = claim("A spokesperson", "anonymous_source")
    claim("declined to comment", "no_comment", source_claim=spokesperson)
    # A cue without statements and not a refusal: no attribution.
    claim("would", "hedge")
    return article


def test_it_exports_each_statement_s_cue_and_the_article_s_attributions(triples):
    (article,) = export()
    by_text = {c["text"]: c for c in article["claims"]}
    assert by_text["the plan would be delayed"]["links"]["cue"] == by_text["said"]["id"]
    assert by_text["said"]["links"]["cue"] is None
    assert texts(article) == [
        ("Zoë 👩🏽‍🔬 Okafor", "said", ["the plan would be delayed"]),
        ("Officials", "denied", ["money was lost", "lost"]),
        ("A spokesperson", "declined to comment", []),
    ]
    # The source's id is its entry in the article's sources.
    sources = {s["id"]: s for s in article["sources"]}
    for attribution in article["attributions"]:
        assert attribution["source"] in sources[attribution["source_id"]]["claims"]
    # Offsets are recoverable: every id is a claim with its code-point offsets.
    okafor = by_text["Zoë 👩🏽‍🔬 Okafor"]
    assert article["text"][okafor["start"] : okafor["end"]] == "Zoë 👩🏽‍🔬 Okafor"


def test_attributions_hold_only_the_claims_the_file_holds(triples):
    said = Claim.objects.get(article=triples, label__slug="reporting")
    said.statements.update(status="suggested", author=None, origin="rule")
    Claim.objects.filter(article=triples, label__slug="denial").update(status="rejected")
    (article,) = export()
    # Accepted claims only: the suggested statement is not in the file, so "said" attributes
    # nothing; a rejected cue is never one, and its statements link to nothing in the file.
    assert texts(article) == [("A spokesperson", "declined to comment", [])]
    by_text = {c["text"]: c for c in article["claims"]}
    assert by_text["money was lost"]["links"]["cue"] is None
    (article,) = export(filters=EVERY_CLAIM)
    assert texts(article) == [
        ("Zoë 👩🏽‍🔬 Okafor", "said", ["the plan would be delayed"]),
        ("A spokesperson", "declined to comment", []),
    ]
    by_text = {c["text"]: c for c in article["claims"]}
    assert by_text["money was lost"]["links"]["cue"] == by_text["denied"]["id"]


def test_an_editor_s_export_attributes_only_what_they_may_read(triples, editor, other_editor):
    Assignment.objects.create(article=triples, editor=editor)
    Assignment.objects.create(article=triples, editor=other_editor)
    (mine,) = export(viewer=editor)
    assert ("Officials", "denied", ["money was lost"]) in texts(mine)
    (theirs,) = export(viewer=other_editor)
    # bo sees their own statement only: its cue is erin's, hidden from them.
    assert [c["text"] for c in theirs["claims"]] == ["lost"]
    assert theirs["claims"][0]["links"]["cue"] is None and theirs["attributions"] == []
    (everything,) = export()
    assert ("Officials", "denied", ["money was lost", "lost"]) in texts(everything)


def test_the_seed_article_exports_the_us_officials_attribution(seed_article):
    (article,) = export(filters=EVERY_CLAIM)
    said_at = at(article["text"], "said", after="The U.S. officials")["start"]
    said = next(c for c in article["claims"] if c["label"] == "reporting" and c["start"] == said_at)
    (attribution,) = [a for a in article["attributions"] if a["cue"] == said["id"]]
    source, contents = texts(article)[article["attributions"].index(attribution)][0::2]
    assert source == "The U.S. officials"
    [statement] = contents
    assert statement.startswith("the United States has observed") and "Sidi Barrani" in statement
    assert attribution["source_id"] is not None


def test_the_round_trip_restores_the_cue_links(triples):
    first = b"".join(corpus_export_chunks(exported_at=AT, filters=EVERY_CLAIM))
    Article.objects.all().delete()
    corpus_import(records=parse_corpus_jsonl(io.BytesIO(first)))
    statement = Claim.objects.get(start=at(TEXT, "money was lost")["start"])
    assert statement.cue.label.slug == "denial" and statement.cue.article == statement.article
    assert b"".join(corpus_export_chunks(exported_at=AT, filters=EVERY_CLAIM)) == first


def _lines(data: bytes) -> tuple[dict, list[dict]]:
    head, *articles = (json.loads(line) for line in data.decode().splitlines())
    return head, articles


def _with_links(data: bytes, links: dict[str, dict]) -> bytes:
    """The export with these claims' links changed (by claim text)."""
    head, articles = _lines(data)
    for article in articles:
        for claim in article["claims"]:
            claim["links"].update(links.get(claim["text"], {}))
    return "\n".join(json.dumps(x, ensure_ascii=False) for x in [head, *articles]).encode()


def test_a_cue_link_to_anything_but_a_cue_of_the_article_is_refused_with_its_line(triples):
    data = b"".join(corpus_export_chunks(exported_at=AT))
    _, (article,) = _lines(data)
    ids = {c["text"]: c["id"] for c in article["claims"]}
    bad = _with_links(
        data,
        {
            "the plan would be delayed": {"cue": "c99"},
            "money was lost": {"cue": ids["Officials"]},
            "Officials": {"cue": ids["denied"]},
        },
    )
    Article.objects.all().delete()
    with pytest.raises(ImportRejected) as info:
        corpus_import(records=parse_corpus_jsonl(io.BytesIO(bad)))
    index = {c["text"]: n for n, c in enumerate(article["claims"])}

    def where(text: str) -> str:
        return f"line 2: claims[{index[text]}] ({ids[text]}).links.cue"

    assert [str(e) for e in info.value.errors] == [
        f"{where('the plan would be delayed')}: 'c99' is not another claim of this article, a cue",
        f"{where('Officials')}: only a statement links to a cue",
        f"{where('money was lost')}: {ids['Officials']!r} is not another claim of this "
        "article, a cue",
    ]
    assert not Article.objects.exists()


def test_links_that_are_not_ids_are_refused_not_a_crash(triples):
    data = b"".join(corpus_export_chunks(exported_at=AT))
    weird = {"source_mention": ["e1"], "source_claim": {"id": "c1"}, "cue": ["c2"]}
    bad = _with_links(data, {"the plan would be delayed": weird})
    Article.objects.all().delete()
    with pytest.raises(ImportRejected) as info:
        corpus_import(records=parse_corpus_jsonl(io.BytesIO(bad)))
    assert [e.field.rsplit(".", 1)[1] for e in info.value.errors] == [
        "source_mention",
        "source_claim",
        "cue",
    ]


def test_a_schema_1_2_file_imports_as_it_did(db):
    """A file the export wrote before 1.3 (tests/fixtures/export/corpus-1.2.jsonl, every
    claim, statements without their links): it imports, and exporting again gives the same
    file but for the version and what 1.3 adds (no cue links, since it had none, the
    attributions its refusals to comment make, and the scorecard's new figures)."""
    old = FILE_1_2.read_bytes()
    old_head, old_articles = _lines(old)
    assert old_head["schema_version"] == "1.2"
    report = corpus_import(records=parse_corpus_jsonl(io.BytesIO(old)))
    assert report.created == 2 and report.claims == 18
    assert not Claim.objects.filter(cue__isnull=False).exists()

    head, articles = _lines(b"".join(corpus_export_chunks(exported_at=AT, filters=EVERY_CLAIM)))
    assert head == {**old_head, "schema_version": "1.3"}
    for article in articles:
        assert all(claim["links"].pop("cue") is None for claim in article["claims"])
        attributions = article.pop("attributions")
        assert all(a["contents"] == [] for a in attributions)
    for new, old in zip(articles, old_articles, strict=True):
        # 1.3's scorecard adds what the words rest on: every 1.2 count and figure unchanged.
        card, old_card = new.pop("scorecard"), old.pop("scorecard")
        for part in ("counts", "figures"):
            assert card.pop(part).items() >= old_card.pop(part).items()
        assert card == old_card
    assert articles == old_articles


def test_the_export_takes_five_queries_a_chunk_whatever_it_holds(triples, monkeypatch):
    articles_import(
        records=[(n, {"title": f"More {n}", "text": f"{TEXT} ({n})"}) for n in range(1, 5)]
    )
    for article in Article.objects.exclude(pk=triples.pk):
        for claim in Claim.objects.filter(article=triples).order_by("pk"):
            Claim.objects.create(
                article=article,
                start=claim.start,
                end=claim.end,
                label=claim.label,
                author=claim.author,
            )
    monkeypatch.setattr(export_module, "CHUNK_SIZE", 2)
    with CaptureQueriesContext(connection) as ctx:
        articles = export(filters=EVERY_CLAIM)
    assert len(articles) == 5
    # The header's label set, then usernames and label slugs, once; per chunk of 2 articles:
    # the articles, their entities, claims (links and attributions included), assignments
    # and review events; then the empty chunk that ends it.
    assert len(ctx.captured_queries) == 3 + 5 * 3 + 1
