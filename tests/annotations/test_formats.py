"""Exchange formats: spaCy DocBin export, doccano JSONL and Label Studio JSON both ways."""

import io
import json

import pytest
import spacy
from django.core.management import CommandError, call_command
from spacy.tokens import DocBin

from annotations.exchange.formats import CODEPOINT, UTF16, OffsetMap, annotated_import
from annotations.exchange.formats.docbin import docbin_bytes, docbin_export
from annotations.exchange.formats.doccano import doccano_lines, parse_doccano
from annotations.exchange.formats.label_studio import (
    label_config,
    label_studio_chunks,
    parse_label_studio,
)
from annotations.models import Claim, Label
from entities.models import EntityMention
from newsroom.importer import ImportRejected, articles_import
from newsroom.models import Article

pytestmark = pytest.mark.django_db

# An emoji of five code points (seven UTF-16 units), another astral one, and Arabic.
MIXED_TEXT = (
    "👨🏻‍🚒 Firefighters in دبي were praised. 🎉 Ahmed Hassan, a spokesman for the "
    "ministry, denied the report. Officials declined to comment."
)


def at(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def spans_of(article) -> set[tuple[int, int, str]]:
    """Every span not rejected: claims by label slug, mentions by entity label."""
    claims = article.claims.exclude(status="rejected").values_list("start", "end", "label__slug")
    mentions = article.entity_mentions.exclude(status="rejected").values_list(
        "start", "end", "label"
    )
    return {*claims, *mentions}


@pytest.fixture
def mixed_article(db, editor):
    report = articles_import(records=[(1, {"title": "Mixed", "text": MIXED_TEXT})])
    article = Article.objects.get(pk=report.created_ids[0])
    for phrase, label in [("Ahmed Hassan", "PERSON"), ("دبي", "GPE")]:
        EntityMention.objects.create(
            article=article, start=at(MIXED_TEXT, phrase)[0], end=at(MIXED_TEXT, phrase)[1],
            label=label, origin="editor", status="accepted",
        )  # fmt: skip
    for phrase, slug in [
        ("Ahmed Hassan, a spokesman for the ministry", "named_source"),
        ("denied", "denial"),
        ("Officials", "anonymous_source"),
        ("declined to comment", "no_comment"),
    ]:
        start, end = at(MIXED_TEXT, phrase)
        Claim.objects.create(
            article=article, start=start, end=end, label=Label.objects.get(slug=slug),
            author=editor,
        )  # fmt: skip
    return article


def reimport_fresh(records, **kwargs):
    """Delete every article (and so its spans), then import `records`."""
    Article.objects.all().delete()
    return annotated_import(records=records, **kwargs)


# --- Offsets --------------------------------------------------------------------------------


def test_it_converts_code_points_to_utf16_units_and_back():
    offsets = OffsetMap(MIXED_TEXT)
    for cp in range(len(MIXED_TEXT) + 1):
        unit = offsets.to_utf16(cp)
        assert unit == len(MIXED_TEXT[:cp].encode("utf-16-le")) // 2
        assert offsets.to_codepoint(unit) == cp
    # The second unit of 👨 (a surrogate pair) is no code-point boundary.
    assert offsets.to_codepoint(1) is None
    plain = OffsetMap("no astral characters here")
    assert plain.to_utf16(7) == 7 and plain.to_codepoint(7) == 7


# --- DocBin ---------------------------------------------------------------------------------


def test_it_exports_the_seed_article_as_a_docbin_with_the_same_spans(seed_article, tmp_path):
    out = tmp_path / "corpus.spacy"
    # The seed article holds only the model's and the rules' suggestions.
    report = docbin_export(Article.objects.all(), out, include_suggestions=True)
    assert report.docs == 1 and report.dropped == 0 and report.widened == 0

    # Any English vocab reads it back: no Newsroom code needed.
    (doc,) = DocBin().from_disk(out).get_docs(spacy.blank("en").vocab)
    assert doc.text == seed_article.text
    mentions = seed_article.entity_mentions.exclude(status="rejected")
    claims = seed_article.claims.exclude(status="rejected").select_related("label")
    assert mentions.exists() and claims.exists()
    assert {(e.start_char, e.end_char, e.label_) for e in doc.ents} == {
        (m.start, m.end, m.label) for m in mentions
    }
    assert sorted((s.text, s.label_) for s in doc.spans["sourcing"]) == sorted(
        (seed_article.text[c.start : c.end], c.label.slug) for c in claims
    )
    assert doc.user_data["newsroom"]["id"] == seed_article.pk
    assert doc.user_data["newsroom"]["outlet"] == seed_article.outlet.name
    assert {c["status"] for c in doc.user_data["claims"]} == {"suggested"}


def test_a_docbin_keeps_emoji_and_arabic_spans_and_widens_unaligned_ones(mixed_article):
    # A claim that ends inside a word: spaCy's char_span(alignment_mode="expand") widens it.
    start, end = at(MIXED_TEXT, "Firefighters")
    Claim.objects.create(
        article=mixed_article, start=start, end=end - 3, label=Label.objects.get(slug="hedge")
    )
    (doc,) = (
        DocBin().from_bytes(docbin_bytes(Article.objects.all())).get_docs(spacy.blank("en").vocab)
    )
    assert doc.text == MIXED_TEXT
    assert {(e.text, e.label_) for e in doc.ents} == {("Ahmed Hassan", "PERSON"), ("دبي", "GPE")}
    assert sorted((s.text, s.label_) for s in doc.spans["sourcing"]) == sorted(
        [
            ("Ahmed Hassan, a spokesman for the ministry", "named_source"),
            ("denied", "denial"),
            ("Officials", "anonymous_source"),
            ("declined to comment", "no_comment"),
            ("Firefighters", "hedge"),  # widened to the whole token
        ]
    )
    # The exact offsets are kept in user_data.
    hedge = next(c for c in doc.user_data["claims"] if c["label"] == "hedge")
    assert (hedge["start"], hedge["end"]) == (start, end - 3)


def test_docbin_export_can_shard_into_a_directory(mixed_article, tmp_path):
    articles_import(records=[(1, {"title": "Second", "text": "A second article."})])
    report = docbin_export(Article.objects.all(), tmp_path / "shards", docs_per_file=1)
    assert [p.name for p in report.files] == ["newsroom-0001.spacy", "newsroom-0002.spacy"]
    assert report.docs == 2


# --- doccano --------------------------------------------------------------------------------


def test_doccano_export_of_the_seed_article_has_the_documented_shape(seed_article):
    (line,) = list(doccano_lines(Article.objects.all(), include_suggestions=True))
    record = json.loads(line)
    assert record["text"] == seed_article.text
    assert record["title"] == seed_article.title and record["newsroom_id"] == seed_article.pk
    assert all(isinstance(s, int) and isinstance(e, int) for s, e, _ in record["label"])
    assert {tuple(item) for item in record["label"]} == spans_of(seed_article)
    starts = [s for s, _, _ in record["label"]]
    assert starts == sorted(starts)
    # The same spans for a project with relation labelling, with ids the relations use.
    assert [(e["start_offset"], e["end_offset"], e["label"]) for e in record["entities"]] == [
        tuple(item) for item in record["label"]
    ]
    assert [e["id"] for e in record["entities"]] == list(range(len(record["entities"])))


def test_doccano_offsets_are_utf16_units_by_default_or_code_points(mixed_article):
    (line,) = list(doccano_lines(Article.objects.all()))
    record = json.loads(line)
    assert {(utf16_slice(MIXED_TEXT, s, e), lab) for s, e, lab in record["label"]} == {
        (MIXED_TEXT[s:e], lab) for s, e, lab in spans_of(mixed_article)
    }
    (line,) = list(doccano_lines(Article.objects.all(), unit=CODEPOINT))
    assert {tuple(item) for item in json.loads(line)["label"]} == spans_of(mixed_article)


@pytest.mark.parametrize("unit", [UTF16, CODEPOINT])
def test_a_doccano_file_round_trips_and_reimporting_adds_nothing(mixed_article, editor, unit):
    expected = spans_of(mixed_article)
    data = "".join(doccano_lines(Article.objects.all(), unit=unit)).encode()

    report = reimport_fresh(parse_doccano(io.BytesIO(data), unit=unit), created_by=editor)
    article = Article.objects.get()
    assert (article.title, article.text) == ("Mixed", MIXED_TEXT)
    assert spans_of(article) == expected
    assert (report.articles_created, report.claims_created, report.mentions_created) == (1, 4, 2)
    assert set(article.claims.values_list("status", "origin", "author")) == {
        ("accepted", "editor", editor.pk)
    }

    again = annotated_import(records=parse_doccano(io.BytesIO(data), unit=unit), created_by=editor)
    assert (again.articles_created, again.claims_created, again.mentions_created) == (0, 0, 0)
    assert again.already_there == 6
    assert (Claim.objects.count(), EntityMention.objects.count()) == (4, 2)


def test_a_doccano_import_normalises_newlines_and_shifts_offsets(db):
    text = "Line one.\r\nSources said so.\r\nThe minister denied it."
    lines = [
        json.dumps(
            {"text": text, "label": [[*at(text, "Sources"), "anonymous_source"],
                                     [*at(text, "denied"), "DENIAL"]]}
        ).encode()
    ]  # fmt: skip
    annotated_import(records=parse_doccano(lines))
    article = Article.objects.get()
    assert article.title == "Line one."  # derived: doccano records have no title
    assert {(article.text[c.start : c.end], c.label.slug) for c in article.claims.all()} == {
        ("Sources", "anonymous_source"),
        ("denied", "denial"),
    }


def test_a_bad_doccano_file_imports_nothing_and_names_line_and_field(db):
    text = "Officials said it 🎉 happened."
    lines = [
        json.dumps({"text": text, "label": [[0, 9, "anonymous_source"]]}),  # fine
        '{"text": "broken", "label": [[0, 1, "hedge"]',
        json.dumps({"text": text, "label": [[0, 9, "gossip"]]}),
        json.dumps({"text": text, "label": [[10, 400, "hedge"]]}),
        json.dumps({"label": [[0, 3, "hedge"]]}),
        json.dumps({"text": text, "label": [[0, 9]]}),
        json.dumps({"text": text, "label": [[19, 21, "hedge"]]}),  # splits 🎉 (UTF-16)
    ]
    with pytest.raises(ImportRejected) as rejected:
        annotated_import(records=parse_doccano(line.encode() for line in lines))
    messages = [str(e) for e in rejected.value.errors]
    assert messages[0].startswith("line 2: invalid JSON")
    assert messages[1].startswith("line 3: label[0]: unknown label 'gossip'")
    assert messages[2] == "line 4: label[0]: 10–400 is not a span inside the text (0–29)"
    assert messages[3] == "line 5: text: is required (a non-blank string)"
    assert messages[4].startswith("line 6: label[0]: must be [start, end, label]")
    assert messages[5] == "line 7: label[0]: 19–21 splits an emoji (a UTF-16 surrogate pair)"
    assert len(messages) == 6
    assert not Article.objects.exists()


# --- Label Studio ---------------------------------------------------------------------------


def export_label_studio(**kwargs) -> list:
    return json.loads("".join(label_studio_chunks(Article.objects.all(), **kwargs)))


def test_label_studio_export_of_the_seed_article_has_the_documented_shape(seed_article):
    (task,) = export_label_studio(include_suggestions=True)
    assert task["data"]["text"] == seed_article.text
    assert task["data"]["title"] == seed_article.title
    # The seed article holds only the model's and the rules' suggestions: predictions.
    assert "annotations" not in task
    (prediction,) = task["predictions"]
    results = [r for r in prediction["result"] if r["type"] != "relation"]
    relations = [r for r in prediction["result"] if r["type"] == "relation"]
    # One source mentioned twice: the second Reuters points to the first, and "They" to the
    # Egyptian security sources.
    regions = {r["id"]: seed_article.text[r["value"]["start"] : r["value"]["end"]] for r in results}
    assert {(regions[r["from_id"]], regions[r["to_id"]]) for r in relations} >= {
        ("Reuters", "Reuters"),
        ("They", "Egyptian security sources"),
    }
    assert ("same_source",) in {tuple(r["labels"]) for r in relations}
    for result in results:
        assert set(result) == {"id", "from_name", "to_name", "type", "value"}
        assert result["to_name"] == "text" and result["type"] == "labels"
        value = result["value"]
        assert value["text"] == seed_article.text[value["start"] : value["end"]]
        assert len(value["labels"]) == 1
    assert {(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]) for r in results} == (
        spans_of(seed_article)
    )
    assert {r["from_name"] for r in results} == {"entity", "sourcing"}
    assert len({r["id"] for r in results}) == len(results)
    config = label_config()
    assert '<Labels name="sourcing" toName="text">' in config
    assert '<Label value="anonymous_source" background="#dc2626"/>' in config
    for kind in ("same_source", "cue_source", "source_entity"):
        assert f'<Relation value="{kind}"/>' in config


def test_label_studio_offsets_are_code_points_by_default_or_utf16(mixed_article):
    (task,) = export_label_studio()
    (annotation,) = task["annotations"]
    values = [r["value"] for r in annotation["result"]]
    assert all(MIXED_TEXT[v["start"] : v["end"]] == v["text"] for v in values)
    (task,) = export_label_studio(unit=UTF16)
    values = [r["value"] for r in task["annotations"][0]["result"]]
    assert all(utf16_slice(MIXED_TEXT, v["start"], v["end"]) == v["text"] for v in values)


@pytest.mark.parametrize("unit", [CODEPOINT, UTF16])
def test_a_label_studio_file_round_trips_and_reimporting_adds_nothing(mixed_article, unit):
    expected = spans_of(mixed_article)
    data = "".join(label_studio_chunks(Article.objects.all(), unit=unit)).encode()

    # UTF-16 offsets (older Label Studio) are recognised by the span's text and converted.
    report = reimport_fresh(parse_label_studio(data), unit="task")
    article = Article.objects.get()
    assert article.text == MIXED_TEXT and spans_of(article) == expected
    assert (report.claims_created, report.mentions_created) == (4, 2)

    again = annotated_import(records=parse_label_studio(data), unit="task")
    assert (again.articles_created, again.claims_created, again.mentions_created) == (0, 0, 0)
    assert (Article.objects.count(), Claim.objects.count()) == (1, 4)


def test_a_label_studio_import_accepts_matching_suggestions_and_skips_predictions(seed_article):
    data = "".join(label_studio_chunks(Article.objects.all(), include_suggestions=True)).encode()
    tasks = json.loads(data)
    suggestions = tasks[0].pop("predictions")[0]["result"]
    claim = next(r for r in suggestions if r["from_name"] == "sourcing")
    tasks[0]["annotations"] = [{"result": [claim]}, {"was_cancelled": True, "result": suggestions}]
    before = Claim.objects.count()

    report = annotated_import(records=parse_label_studio(json.dumps(tasks).encode()), unit="task")
    assert report.suggestions_accepted == 1 and report.claims_created == 0
    assert len(report.articles_skipped) == 1
    value = claim["value"]
    accepted = Claim.objects.get(start=value["start"], end=value["end"])
    assert accepted.status == "accepted" and accepted.version == 2
    assert Claim.objects.count() == before


def test_a_bad_label_studio_file_imports_nothing_and_names_task_and_field(db):
    def task(start, end, label, text="Officials"):
        return {
            "data": {"text": "Officials said so."},
            "annotations": [{"result": [{"from_name": "sourcing", "to_name": "text",
                "type": "labels", "value": {"start": start, "end": end, "text": text,
                "labels": [label]}}]}],
        }  # fmt: skip

    tasks = [
        task(0, 9, "anonymous_source"),  # fine
        task(0, 9, "rumour"),
        task(0, 4, "hedge"),  # "Offi" is not "Officials"
        {"data": {"title": "No text"}},
        "not a task",
    ]
    with pytest.raises(ImportRejected) as rejected:
        annotated_import(records=parse_label_studio(json.dumps(tasks).encode()), unit="task")
    assert [str(e) for e in rejected.value.errors] == [
        "task 2: annotations[0].result[0].value: unknown label 'rumour'; known labels: "
        "named_source, anonymous_source, outlet, denial, no_comment, hedge, unattributed, "
        "reporting, statement, PERSON, ORG, GPE, LOC, NORP, FAC, EVENT, PRODUCT",
        "task 3: annotations[0].result[0].value: 0–4 does not slice the text to 'Officials', "
        "neither as code points nor as UTF-16 units",
        "task 4: data.text: is required (a non-blank string)",
        "task 5: must be a JSON object with data.text",
    ]
    with pytest.raises(ImportRejected) as rejected:
        annotated_import(records=parse_label_studio(b'[{"data": {"text": "x"}'), unit="task")
    assert str(rejected.value.errors[0]).startswith("file: invalid JSON at line 1, column")
    assert not Article.objects.exists()


# --- Commands -------------------------------------------------------------------------------


def test_the_commands_export_and_import_each_format(mixed_article, tmp_path):
    expected = spans_of(mixed_article)
    out = io.StringIO()
    call_command("export_format", tmp_path / "c.spacy", format="docbin", stdout=out)
    assert "Wrote 1 doc(s) with 6 span(s)" in out.getvalue()
    call_command("export_format", tmp_path / "c.jsonl", format="doccano", stdout=out)
    call_command(
        "export_format", tmp_path / "c.json", format="label-studio",
        label_config=tmp_path / "config.xml", stdout=out,
    )  # fmt: skip
    assert "<Text" in (tmp_path / "config.xml").read_text()

    for fmt, name in [("doccano", "c.jsonl"), ("label-studio", "c.json")]:
        Article.objects.all().delete()
        out = io.StringIO()
        call_command("import_format", tmp_path / name, format=fmt, user="erin", stdout=out)
        assert "Imported 1 article(s), 4 claim(s) and 2 entity mention(s)." in out.getvalue()
        assert spans_of(Article.objects.get()) == expected

    (tmp_path / "bad.jsonl").write_text('{"text": "x", "label": [[0, 5, "hedge"]]}\n')
    with pytest.raises(CommandError, match=r"line 1: label\[0\]: 0–5 is not a span"):
        call_command("import_format", tmp_path / "bad.jsonl", format="doccano")


def test_doccano_and_docbin_carry_the_sources(seed_article):
    """doccano as metadata (its span labelling cannot group spans), DocBin in user_data."""
    (line,) = list(doccano_lines(Article.objects.all(), unit=CODEPOINT, include_suggestions=True))
    record = json.loads(line)
    text = seed_article.text
    named = {s["name"]: [text[a:b] for a, b in s["spans"]] for s in record["sources"]}
    assert named["Reuters"] == ["Reuters", "Reuters"]
    assert named["Egyptian security sources"] == ["Egyptian security sources", "They"]
    data = docbin_bytes(Article.objects.all(), include_suggestions=True)
    (doc,) = DocBin().from_bytes(data).get_docs(spacy.blank("en").vocab)
    claims = {c["id"]: c for c in doc.user_data["claims"]}
    reuters = next(s for s in doc.user_data["sources"] if s["name"] == "Reuters")
    assert len(reuters["claims"]) == 2 and reuters["label"] == "outlet"
    assert {claims[pk]["source"] for pk in reuters["claims"]} != {None}


# --- Links as relations; accepted claims only by default ------------------------------------

SOURCE = "Ahmed Hassan, a spokesman for the ministry"
LINKS = {
    ("denied", SOURCE, "cue_source"),
    ("declined to comment", "Officials", "cue_source"),
    (SOURCE, "Ahmed Hassan", "source_entity"),
}


def link(article) -> None:
    """The mixed article's cues linked to their sources, the named source to its entity."""
    claims = {article.text[c.start : c.end]: c for c in article.claims.all()}
    mention = article.entity_mentions.get(label="PERSON")
    Claim.objects.filter(pk=claims["denied"].pk).update(source_claim=claims[SOURCE])
    Claim.objects.filter(pk=claims["declined to comment"].pk).update(
        source_claim=claims["Officials"]
    )
    Claim.objects.filter(pk=claims[SOURCE].pk).update(source_mention=mention)


def doccano_relations(record: dict) -> set[tuple[str, str, str]]:
    """(from text, to text, type) of a doccano record's relations, through its entity ids."""
    text = {
        e["id"]: utf16_slice(record["text"], e["start_offset"], e["end_offset"])
        for e in record["entities"]
    }
    return {(text[r["from_id"]], text[r["to_id"]], r["type"]) for r in record["relations"]}


def label_studio_relations(results: list[dict]) -> set[tuple[str, str, str]]:
    text = {r["id"]: r["value"]["text"] for r in results if r["type"] == "labels"}
    return {
        (text[r["from_id"]], text[r["to_id"]], r["labels"][0])
        for r in results
        if r["type"] == "relation"
    }


def test_doccano_carries_the_links_as_relations_between_its_entity_ids(mixed_article, editor):
    link(mixed_article)
    (line,) = list(doccano_lines(Article.objects.all()))
    record = json.loads(line)
    assert doccano_relations(record) == LINKS
    assert [r["id"] for r in record["relations"]] == list(range(len(LINKS)))
    labels = {e["id"]: e["label"] for e in record["entities"]}
    assert {(labels[r["from_id"]], labels[r["to_id"]]) for r in record["relations"]} == {
        ("denial", "named_source"),
        ("no_comment", "anonymous_source"),
        ("named_source", "PERSON"),
    }
    # The file still imports (relations are not read back: the spans are).
    expected = spans_of(mixed_article)
    reimport_fresh(parse_doccano(io.BytesIO(line.encode())), created_by=editor)
    assert spans_of(Article.objects.get()) == expected


def test_label_studio_carries_the_links_as_relations(mixed_article):
    link(mixed_article)
    (task,) = export_label_studio()
    (annotation,) = task["annotations"]
    assert label_studio_relations(annotation["result"]) == LINKS
    for relation in (r for r in annotation["result"] if r["type"] == "relation"):
        assert relation["direction"] == "right"
    # DocBin keeps the links by id in user_data.
    (doc,) = (
        DocBin().from_bytes(docbin_bytes(Article.objects.all())).get_docs(spacy.blank("en").vocab)
    )
    source = next(c for c in doc.user_data["claims"] if c["label"] == "named_source")
    person = next(e for e in doc.user_data["entities"] if e["label"] == "PERSON")
    assert source["source_mention"] == person["id"]
    expected = spans_of(mixed_article)
    data = "".join(label_studio_chunks(Article.objects.all())).encode()
    reimport_fresh(parse_label_studio(data), unit="task")
    assert spans_of(Article.objects.get()) == expected


def test_suggestions_and_links_to_them_are_left_out_unless_asked_for(mixed_article):
    link(mixed_article)
    Claim.objects.filter(article=mixed_article, label__slug="anonymous_source").update(
        status="suggested", author=None, origin="rule"
    )
    accepted_only = LINKS - {("declined to comment", "Officials", "cue_source")}

    record = json.loads(next(doccano_lines(Article.objects.all())))
    assert "anonymous_source" not in {label for _, _, label in record["label"]}
    assert doccano_relations(record) == accepted_only
    record = json.loads(next(doccano_lines(Article.objects.all(), include_suggestions=True)))
    assert doccano_relations(record) == LINKS

    (task,) = export_label_studio()
    assert "predictions" not in task
    assert label_studio_relations(task["annotations"][0]["result"]) == accepted_only
    # With suggestions: the suggestion is a prediction, so the accepted cue's link to it
    # cannot be drawn (Label Studio relates regions of one result list only).
    (task,) = export_label_studio(include_suggestions=True)
    predicted = task["predictions"][0]["result"]
    assert {r["value"]["text"] for r in predicted} == {"Officials"}
    assert label_studio_relations(task["annotations"][0]["result"]) == accepted_only

    (doc,) = (
        DocBin().from_bytes(docbin_bytes(Article.objects.all())).get_docs(spacy.blank("en").vocab)
    )
    assert "anonymous_source" not in {s.label_ for s in doc.spans["sourcing"]}
    # Entity mentions are spaCy's tags: the model's unreviewed ones stay in.
    EntityMention.objects.filter(label="GPE").update(status="suggested", origin="model")
    record = json.loads(next(doccano_lines(Article.objects.all())))
    assert "GPE" in {label for _, _, label in record["label"]}


def test_the_command_exports_accepted_claims_only_unless_asked(mixed_article, tmp_path):
    Claim.objects.filter(article=mixed_article, label__slug="hedge").delete()
    Claim.objects.create(
        article=mixed_article, start=0, end=1, label=Label.objects.get(slug="hedge"),
        origin="rule", status="suggested",
    )  # fmt: skip

    def labels(*options) -> set[str]:
        out = tmp_path / "c.jsonl"
        call_command("export_format", out, "--format", "doccano", *options, stdout=io.StringIO())
        return {label for _, _, label in json.loads(out.read_text())["label"]}

    assert "hedge" not in labels()
    assert "hedge" not in labels("--accepted-only")  # the old flag: now the default
    assert "hedge" in labels("--include-suggestions")
    with pytest.raises(CommandError):
        labels("--accepted-only", "--include-suggestions")
    out = io.StringIO()
    call_command("export_format", tmp_path / "c.spacy", format="docbin", stdout=out)
    assert "Wrote 1 doc(s) with 6 span(s)" in out.getvalue()
    call_command(
        "export_format", tmp_path / "c.spacy", format="docbin", include_suggestions=True,
        stdout=out,
    )  # fmt: skip
    assert "Wrote 1 doc(s) with 7 span(s)" in out.getvalue()
