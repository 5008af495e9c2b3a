"""Attribution triples in the other tools' formats: Citron JSON (quotes with their cue,
sources and contents, character offsets), and a statement's link to its cue as a relation in
doccano and Label Studio and by id in DocBin's user data."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import spacy
from django.core.management import CommandError, call_command
from django.urls import reverse
from spacy.tokens import DocBin

from annotations.exchange.formats.citron import citron_documents, citron_zip_chunks
from annotations.exchange.formats.docbin import docbin_bytes
from annotations.exchange.formats.doccano import doccano_lines
from annotations.exchange.formats.label_studio import label_config, label_studio_chunks
from annotations.models import Assignment, Claim, Label
from newsroom.importer import articles_import
from newsroom.models import Article

# Astral emoji (one code point each, two UTF-16 units; the first a five-code-point sequence)
# and right-to-left Arabic before every span.
TEXT = (
    "👩🏽‍🔬 تقرير عن دبي 🎉. Zoë Okafor said the plan would be delayed. "
    '"It is 🔥 late," she said. A spokesperson declined to comment.'
)


def at(text: str, phrase: str, after: str = "") -> dict[str, int]:
    start = text.index(phrase, text.index(after) if after else 0)
    return {"start": start, "end": start + len(phrase)}


@pytest.fixture
def article(db, editor):
    """Okafor said (a statement), she said (a quotation; "she" grouped with Okafor), a
    spokesperson declined to comment (nothing attributed)."""
    report = articles_import(records=[(1, {"title": "Attributed", "text": TEXT})])
    article = Article.objects.get(pk=report.created_ids[0])
    labels = {label.slug: label for label in Label.objects.all()}

    def claim(phrase: str, label: str, after: str = "", **links) -> Claim:
        return Claim.objects.create(
            article=article, **at(TEXT, phrase, after), label=labels[label], author=editor, **links
        )

    okafor = claim("Zoë Okafor", "named_source")
    said = claim("said", "reporting", source_claim=okafor)
    claim("the plan would be delayed", "statement", cue=said)
    she = claim("she", "named_source")
    she_said = claim("said", "reporting", after="she", source_claim=she)
    claim("It is 🔥 late", "statement", cue=she_said)
    spokesperson = claim("A spokesperson", "anonymous_source")
    claim("declined to comment", "no_comment", source_claim=spokesperson)
    from annotations.sources import sources_assign

    sources_assign(article_ids=[article.pk])
    return article


def spans(document: dict, quote: dict) -> tuple[list[str], str, list[str]]:
    """A quote's (sources, cue, contents) texts, each checked against the document's text."""
    text = document["text"]
    for span in [quote["cue"], *quote["sources"], *quote["contents"]]:
        assert text[span["start"] : span["end"]] == span["text"]
    return (
        [s["text"] for s in quote["sources"]],
        quote["cue"]["text"],
        [c["text"] for c in quote["contents"]],
    )


# --- Citron -----------------------------------------------------------------------------------


def test_citron_quotes_are_the_article_s_attributions_in_code_points(article):
    (document,) = citron_documents(Article.objects.all())
    assert document["id"] == article.pk and document["text"] == TEXT
    assert document["title"] == "Attributed"
    assert [spans(document, q) for q in document["quotes"]] == [
        (["Zoë Okafor"], "said", ["the plan would be delayed"]),
        (["she"], "said", ["It is 🔥 late"]),
    ]
    # Character indices as Python counts them (code points), after the emoji and the Arabic.
    quote = document["quotes"][1]
    assert quote["contents"][0] == {"text": "It is 🔥 late", **at(TEXT, "It is 🔥 late")}
    assert quote["cue"] == {"text": "said", **at(TEXT, "said", after="she")}
    # UTF-16 units (JavaScript's) would be 5 more: 👩, 🏽 and 🔬 of the scientist, 🎉, 🔥.
    start = quote["cue"]["start"]
    assert len(TEXT[:start].encode("utf-16-le")) // 2 == start + 5
    # "she" is grouped with Okafor: a coreference group, in reading order.
    assert [[s["text"] for s in group] for group in document["coreference_groups"]] == [
        ["Zoë Okafor", "she"]
    ]
    # A refusal to comment attributes nothing: no quote.
    assert all(q["cue"]["text"] != "declined to comment" for q in document["quotes"])


def test_citron_s_own_parser_maps_the_spans_onto_spacy_tokens(article):
    """Citron's reader (citron/data.py, CitronParser) maps each character of the text to its
    token and a span to the tokens of its first and last characters: done here as it does,
    the tokens give back each span's text."""
    (document,) = citron_documents(Article.objects.all())
    doc = spacy.blank("en")(document["text"])
    char_to_token = [None] * len(doc.text)
    for token in doc:
        for i in range(len(token) + len(token.whitespace_)):
            char_to_token[token.idx + i] = token.i
    for quote in document["quotes"]:
        for span in [quote["cue"], *quote["sources"], *quote["contents"]]:
            tokens = doc[char_to_token[span["start"]] : char_to_token[span["end"] - 1] + 1]
            assert tokens.text == span["text"]


def test_citron_holds_accepted_claims_only_unless_suggestions_are_asked_for(article):
    statement = Claim.objects.get(
        article=article, label__slug="statement", start=at(TEXT, "It")["start"]
    )
    Claim.objects.filter(pk=statement.pk).update(status="suggested", author=None, origin="rule")
    (document,) = citron_documents(Article.objects.all())
    assert [q["contents"][0]["text"] for q in document["quotes"]] == ["the plan would be delayed"]
    (document,) = citron_documents(Article.objects.all(), include_suggestions=True)
    assert len(document["quotes"]) == 2
    Claim.objects.filter(pk=statement.pk).update(status="rejected")
    (document,) = citron_documents(Article.objects.all(), include_suggestions=True)
    assert len(document["quotes"]) == 1


def test_citron_attributes_only_what_the_editor_may_read(article, editor, other_editor):
    said = Claim.objects.filter(article=article, label__slug="reporting").order_by("start")[0]
    Claim.objects.filter(cue=said).update(author=other_editor)
    Assignment.objects.create(article=article, editor=editor)
    Assignment.objects.create(article=article, editor=other_editor)
    (document,) = citron_documents(Article.objects.all(), viewer=editor)
    # bo's statement is hidden from erin: her "said" attributes nothing she may read.
    assert [q["contents"][0]["text"] for q in document["quotes"]] == ["It is 🔥 late"]
    (document,) = citron_documents(Article.objects.all(), viewer=other_editor)
    assert document["quotes"] == []  # bo's statement's cue is erin's


def test_the_seed_article_s_us_officials_quote_exports_to_citron(seed_article):
    (document,) = citron_documents(Article.objects.all(), include_suggestions=True)
    text = document["text"]
    said = at(text, "said", after="The U.S. officials")
    (quote,) = [q for q in document["quotes"] if q["cue"]["start"] == said["start"]]
    sources, cue, (content,) = spans(document, quote)
    assert (sources, cue) == (["The U.S. officials"], "said")
    assert content.startswith("the United States has observed") and "Sidi Barrani" in content
    # Accepted claims only, by default: the rules' suggestions are not in the file.
    (document,) = citron_documents(Article.objects.all())
    assert document["quotes"] == []


def test_the_page_downloads_a_zip_of_one_citron_file_per_article(article, admin_client_):
    articles_import(records=[(1, {"title": "Plain", "text": "Nothing is attributed here."})])
    response = admin_client_.get(reverse("corpus_export"), {"download": "1", "format": "citron"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('-citron.zip"')
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        documents = [json.loads(archive.read(name)) for name in names]
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    assert names == [f"newsroom-{pk}.json" for pk in ids]
    assert [d["id"] for d in documents] == ids
    assert len(documents[0]["quotes"]) == 2 and documents[1]["quotes"] == []


def test_the_zip_is_streamed_a_piece_at_a_time(article, monkeypatch):
    from annotations.exchange.formats import citron

    articles_import(
        records=[(n, {"title": f"More {n}", "text": f"Story {n} said nothing."}) for n in range(3)]
    )
    monkeypatch.setattr(citron, "FILES_PER_PIECE", 2)
    pieces = list(citron_zip_chunks(Article.objects.all()))
    # Two pieces of two files, then the table of contents.
    assert len(pieces) == 3 and all(pieces)
    with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as archive:
        assert len(archive.namelist()) == 4


def test_the_command_writes_citron_as_a_directory_a_zip_or_json_lines(article, tmp_path, capsys):
    call_command(
        "export_format", "--format", "citron", str(tmp_path / "citron"), stdout=io.StringIO()
    )
    (path,) = (tmp_path / "citron").iterdir()
    assert path.name == f"newsroom-{article.pk}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert len(document["quotes"]) == 2
    call_command(
        "export_format", "--format", "citron", str(tmp_path / "c.zip"), stdout=io.StringIO()
    )
    with zipfile.ZipFile(tmp_path / "c.zip") as archive:
        assert json.loads(archive.read(path.name)) == document
    out = io.StringIO()
    call_command("export_format", "--format", "citron", "-", stdout=out)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [document]
    with pytest.raises(CommandError, match="code points"):
        call_command("export_format", "--format", "citron", "-", "--offsets", "utf16")


# --- doccano, Label Studio, DocBin ---------------------------------------------------------


def test_doccano_and_label_studio_carry_a_statement_s_cue_as_a_relation(article):
    expected = {
        ("the plan would be delayed", "said", "statement_cue"),
        ("It is 🔥 late", "said", "statement_cue"),
        ("said", "Zoë Okafor", "cue_source"),
        ("said", "she", "cue_source"),
        ("declined to comment", "A spokesperson", "cue_source"),
    }
    (line,) = doccano_lines(Article.objects.all(), unit="codepoint")
    record = json.loads(line)
    text = {
        e["id"]: record["text"][e["start_offset"] : e["end_offset"]] for e in record["entities"]
    }
    assert {(text[r["from_id"]], text[r["to_id"]], r["type"]) for r in record["relations"]} == (
        expected
    )
    (task,) = json.loads("".join(label_studio_chunks(Article.objects.all())))
    (annotation,) = task["annotations"]
    text = {r["id"]: r["value"]["text"] for r in annotation["result"] if "value" in r}
    relations = {
        (text[r["from_id"]], text[r["to_id"]], r["labels"][0])
        for r in annotation["result"]
        if r["type"] == "relation" and r["labels"] != ["same_source"]
    }
    assert relations == expected
    assert '<Relation value="statement_cue"/>' in label_config()


def test_docbin_keeps_a_statement_s_cue_in_its_user_data(article):
    (doc,) = (
        DocBin().from_bytes(docbin_bytes(Article.objects.all())).get_docs(spacy.blank("en").vocab)
    )
    claims = {c["id"]: c for c in doc.user_data["claims"]}
    linked = [(c, claims[c["cue"]]) for c in claims.values() if c["cue"] is not None]
    assert sorted(
        (TEXT[c["start"] : c["end"]], TEXT[cue["start"] : cue["end"]]) for c, cue in linked
    ) == [
        ("It is 🔥 late", "said"),
        ("the plan would be delayed", "said"),
    ]
    assert all(cue["label"] == "reporting" for _, cue in linked)
