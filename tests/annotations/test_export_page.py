"""The Export page's downloads in every format: what each file is, which claims it holds by
default and for whom, and the links it carries as relations."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
import spacy
from django.urls import reverse
from spacy.tokens import DocBin

from annotations.exchange.downloads import DOWNLOAD_FORMATS
from annotations.exchange.formats.docbin import docbin_zip_chunks
from annotations.models import Assignment, Claim, Label
from entities.models import EntityMention
from newsroom.importer import articles_import
from newsroom.models import Article

TEXT = (
    "Ahmed Hassan, a spokesman for the ministry, denied the report. Officials declined to "
    "comment. 🎉 The ministry said nothing more."
)
SOURCE = "Ahmed Hassan, a spokesman for the ministry"
FORMATS = [
    # (format, content type, file name ends)
    ("jsonl", "application/x-ndjson; charset=utf-8", '.jsonl"'),
    ("json", "application/json; charset=utf-8", '.json"'),
    ("docbin", "application/zip", '-docbin.zip"'),
    ("doccano", "application/x-ndjson; charset=utf-8", '-doccano.jsonl"'),
    ("label-studio", "application/json; charset=utf-8", '-label-studio.json"'),
]
KEYS = [key for key, _, _ in FORMATS]
SLUGS = {"named_source", "anonymous_source", "denial", "no_comment"}


def at(text: str, phrase: str) -> dict[str, int]:
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase)}


@pytest.fixture
def articles(db, editor, other_editor):
    """Two articles with the same claims: erin's source and its denial (linked, the source to
    its entity), bo's anonymous source, the rules' open "no comment". The second is
    double-annotated (erin and bo assigned), so each editor sees only their own claims."""
    report = articles_import(
        records=[
            (1, {"title": "Shared", "text": TEXT}),
            (2, {"title": "Double", "text": TEXT + " Again."}),  # not a duplicate
        ]
    )
    shared, double = Article.objects.filter(pk__in=report.created_ids).order_by("pk")
    labels = {label.slug: label for label in Label.objects.all()}
    for article in (shared, double):
        mention = EntityMention.objects.create(
            article=article, **at(TEXT, "Ahmed Hassan"), label="PERSON", origin="editor",
            status="accepted",
        )  # fmt: skip
        source = Claim.objects.create(
            article=article, **at(TEXT, SOURCE), label=labels["named_source"], author=editor,
            source_mention=mention,
        )  # fmt: skip
        Claim.objects.create(
            article=article, **at(TEXT, "denied"), label=labels["denial"], author=editor,
            source_claim=source,
        )  # fmt: skip
        Claim.objects.create(
            article=article, **at(TEXT, "Officials"), label=labels["anonymous_source"],
            author=other_editor,
        )  # fmt: skip
        Claim.objects.create(
            article=article, **at(TEXT, "declined to comment"), label=labels["no_comment"],
            origin="rule", status="suggested",
        )  # fmt: skip
    Assignment.objects.create(article=double, editor=editor)
    Assignment.objects.create(article=double, editor=other_editor)
    return shared, double


def download(client, fmt: str, **params):
    response = client.get(reverse("corpus_export"), {"download": "1", "format": fmt, **params})
    assert response.status_code == 200, response.content[:500]
    return response, b"".join(response.streaming_content)


def claim_labels(fmt: str, body: bytes) -> list[set[str]]:
    """The sourcing labels each article of a download holds, in article order."""
    if fmt == "jsonl":
        _, *lines = body.decode().splitlines()
        return [{c["label"] for c in json.loads(line)["claims"]} for line in lines]
    if fmt == "json":
        return [{c["label"] for c in a["claims"]} for a in json.loads(body)["articles"]]
    if fmt == "doccano":
        lines = body.decode().splitlines()
        return [{label for _, _, label in json.loads(line)["label"]} & SLUGS for line in lines]
    if fmt == "label-studio":
        return [
            {
                r["value"]["labels"][0]
                for results in task.get("annotations", []) + task.get("predictions", [])
                for r in results["result"]
                if r["type"] == "labels"
            }
            & SLUGS
            for task in json.loads(body)
        ]
    return [{s.label_ for s in doc.spans["sourcing"]} for doc in docbin_docs(body)]


def docbin_docs(body: bytes) -> list:
    vocab = spacy.blank("en").vocab
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return [
            doc
            for name in sorted(archive.namelist())
            for doc in DocBin().from_bytes(archive.read(name)).get_docs(vocab)
        ]


@pytest.mark.parametrize(("fmt", "content_type", "name_end"), FORMATS)
def test_it_streams_every_format_as_an_attachment(
    articles, admin_client_, fmt, content_type, name_end
):
    response, body = download(admin_client_, fmt)
    assert response.streaming
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith('attachment; filename="newsroom-corpus-')
    assert response["Content-Disposition"].endswith(name_end)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(claim_labels(fmt, body)) == 2


@pytest.mark.parametrize("fmt", KEYS)
def test_every_format_holds_accepted_claims_only_unless_suggestions_are_asked_for(
    articles, admin_client_, fmt
):
    accepted = {"named_source", "denial", "anonymous_source"}
    _, body = download(admin_client_, fmt)
    assert claim_labels(fmt, body) == [accepted, accepted]
    _, body = download(admin_client_, fmt, include_suggestions="on")
    assert claim_labels(fmt, body) == [accepted | {"no_comment"}] * 2


@pytest.mark.parametrize("fmt", KEYS)
def test_an_editor_gets_what_they_may_read(articles, editor_client, fmt):
    _, body = download(editor_client, fmt, include_suggestions="on")
    shared, double = claim_labels(fmt, body)
    assert shared == {"named_source", "denial", "anonymous_source", "no_comment"}
    # Double annotation: erin's own claims only, not bo's nor the rules' suggestion.
    assert double == {"named_source", "denial"}


def test_the_filters_apply_to_every_format(articles, admin_client_):
    for fmt in KEYS:
        _, body = download(admin_client_, fmt, labels="no_comment")
        assert claim_labels(fmt, body) == []  # only a suggestion has that label
        _, body = download(admin_client_, fmt, labels="no_comment", include_suggestions="on")
        assert len(claim_labels(fmt, body)) == 2


def test_doccano_and_label_studio_downloads_carry_the_links_as_relations(articles, admin_client_):
    expected = {("denied", SOURCE, "cue_source"), (SOURCE, "Ahmed Hassan", "source_entity")}
    _, body = download(admin_client_, "doccano")
    for line in body.decode().splitlines():
        record = json.loads(line)
        # Offsets are UTF-16 units; these spans come before the emoji, so they are the same.
        text = {
            e["id"]: record["text"][e["start_offset"] : e["end_offset"]] for e in record["entities"]
        }
        assert {
            (text[r["from_id"]], text[r["to_id"]], r["type"]) for r in record["relations"]
        } == expected
    _, body = download(admin_client_, "label-studio")
    for task in json.loads(body):
        (annotation,) = task["annotations"]
        text = {r["id"]: r["value"]["text"] for r in annotation["result"] if "value" in r}
        relations = [r for r in annotation["result"] if r["type"] == "relation"]
        assert {(text[r["from_id"]], text[r["to_id"]], r["labels"][0]) for r in relations} >= (
            expected
        )


def test_the_docbin_zip_holds_one_spacy_file_per_shard(articles):
    pieces = list(docbin_zip_chunks(Article.objects.all(), docs_per_file=1))
    # A piece per shard, then the ZIP's table of contents: sent as each is ready.
    assert len(pieces) == 3 and all(pieces)
    with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as archive:
        assert archive.namelist() == ["newsroom-0001.spacy", "newsroom-0002.spacy"]
        assert archive.testzip() is None
    docs = docbin_docs(b"".join(pieces))
    assert [doc.user_data["newsroom"]["title"] for doc in docs] == ["Shared", "Double"]
    assert [doc.text for doc in docs] == [TEXT, TEXT + " Again."]


def test_the_page_describes_every_format(db, editor_client):
    response = editor_client.get(reverse("corpus_export"))
    assert response.status_code == 200
    page = response.content.decode()
    for fmt in DOWNLOAD_FORMATS.values():
        assert f'<option value="{fmt.key}"' in page
        assert f"<dt>{fmt.name}</dt>" in page
    assert "UTF-16 units (doccano&#x27;s)" in page
    # Accepted claims only unless ticked: the box is not ticked.
    (box,) = re.findall(r'<input type="checkbox" name="include_suggestions"[^>]*>', page)
    assert "checked" not in box
    assert reverse("label_studio_config") in page


def test_the_label_studio_config_matches_the_export(db, editor_client):
    response = editor_client.get(reverse("label_studio_config"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    config = response.content.decode()
    assert '<Label value="denial"' in config
    for kind in ("same_source", "cue_source", "source_entity"):
        assert f'<Relation value="{kind}"/>' in config


def test_an_unknown_format_is_refused_with_the_form(db, editor_client):
    response = editor_client.get(reverse("corpus_export"), {"download": "1", "format": "xlsx"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


def test_users_without_a_role_get_nothing(db, client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(reverse("corpus_export"), {"download": "1", "format": "docbin"})
    assert response.status_code == 403
    assert client.get(reverse("label_studio_config")).status_code == 403
