"""Importing Newsroom's own export: all or nothing, idempotent, errors naming record and field."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations.exchange import corpus_import as service
from annotations.exchange.corpus_import import corpus_import, parse_corpus_json, parse_corpus_jsonl
from annotations.exchange.export import FORMAT, SCHEMA_VERSION
from annotations.models import Assignment, Claim, ReviewEvent
from entities.models import EntityMention
from newsroom.importer import ImportRejected
from newsroom.models import AnalysisState, Article, ImportJob

TEXT = "Zoë 👩🏽‍🔬 Okafor said the plan would be delayed. Officials denied it. 東京 agreed."


def header(**overrides) -> dict:
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": "2025-01-01T00:00:00+00:00",
        "labels": [{"slug": s} for s in ("named_source", "anonymous_source", "denial", "hedge")],
        "model": {"name": "en_core_web_sm", "version": "3.8.0"},
        "filters": {},
        **overrides,
    }


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def article(n: int = 1, **overrides) -> dict:
    text = TEXT + f" ({n})"
    s1, e1 = span(text, "Okafor")
    s2, e2 = span(text, "Officials denied it")
    return {
        "title": f"Story {n}",
        "text": text,
        "outlet": "Wire",
        "url": f"https://example.com/{n}",
        "byline": "",
        "published_at": "2024-05-01T00:00:00+00:00",
        "language": "en",
        "status": "approved",
        "created_by": "ada",
        "analysed": True,
        "entities": [
            {
                "id": "e1",
                "start": s1,
                "end": e1,
                "text": "Okafor",
                "label": "PERSON",
                "origin": "model",
                "status": "accepted",
                "model_name": "en_core_web_sm",
                "model_version": "3.8.0",
                "created_by": None,
            },
        ],
        "claims": [
            {
                "id": "c1",
                "start": s1,
                "end": e1,
                "text": "Okafor",
                "label": "named_source",
                "origin": "editor",
                "status": "accepted",
                "author": "erin",
                "attributes": {
                    "anonymity_reason": "",
                    "affiliation": "",
                    "source_count": 1,
                    "note": "",
                },
                "links": {"source_mention": "e1", "source_claim": None},
                "version": 2,
            },
            {
                "id": "c2",
                "start": s2,
                "end": e2,
                "text": "Officials denied it",
                "label": "denial",
                "origin": "rule",
                "status": "suggested",
                "author": None,
                "attributes": {
                    "anonymity_reason": "",
                    "affiliation": "",
                    "source_count": None,
                    "note": "",
                },
                "links": {"source_mention": None, "source_claim": "c1"},
                "version": 1,
            },
        ],
        "review": {
            "assignees": ["erin"],
            "events": [
                {
                    "action": "approve",
                    "actor": "ada",
                    "editor": None,
                    "status_before": "in_review",
                    "status_after": "approved",
                    "comment": "",
                    "at": "2024-06-01T10:00:00+00:00",
                },
            ],
        },
        "scorecard": {"score": 100, "flags": [], "figures": {}, "counts": {}},
        **overrides,
    }


def jsonl(*records: dict, head: dict | None = None) -> bytes:
    lines = [json.dumps(head or header(), ensure_ascii=False)]
    lines += [json.dumps(r, ensure_ascii=False) for r in records]
    return ("\n".join(lines) + "\n").encode()


def run(data: bytes):
    return corpus_import(records=parse_corpus_jsonl(io.BytesIO(data)))


def rejected(data: bytes) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        run(data)
    assert not Article.objects.exists()
    assert not Claim.objects.exists()
    assert not EntityMention.objects.exists()
    return [str(e) for e in info.value.errors]


def test_it_imports_everything(db, editor):
    report = run(jsonl(article(1), article(2)))
    assert report.created == 2 and report.entities == 2 and report.claims == 4
    stored = Article.objects.order_by("pk").first()
    assert stored.status == "approved" and stored.analysis_state == AnalysisState.DONE
    assert stored.outlet.name == "Wire" and stored.created_by.username == "ada"
    source, denial = Claim.objects.filter(article=stored).order_by("start")
    assert stored.text[source.start : source.end] == "Okafor"
    assert source.author == editor and source.version == 2 and source.source_count == 1
    assert source.source_mention.label == "PERSON"
    assert denial.source_claim == source and denial.author is None and denial.origin == "rule"
    assert Assignment.objects.get(article=stored).editor == editor
    event = ReviewEvent.objects.get(article=stored)
    assert event.created_at.isoformat() == "2024-06-01T10:00:00+00:00"


def test_it_creates_unknown_authors_inactive_without_a_password(db, editor):
    report = run(jsonl(article()))
    assert report.users_created == ["ada"]
    ada = get_user_model().objects.get(username="ada")
    assert not ada.is_active and not ada.has_usable_password()
    assert not ada.groups.exists()
    assert get_user_model().objects.get(username="erin").is_active


def test_it_is_idempotent(db):
    data = jsonl(article(1), article(2))
    run(data)
    again = run(data)
    assert again.created == 0 and len(again.skipped) == 2
    assert "already imported as article" in str(again.skipped[0])
    assert Article.objects.count() == 2 and Claim.objects.count() == 4


def test_it_imports_a_repeated_article_once(db):
    report = run(jsonl(article(1), article(1)))
    assert report.created == 1 and str(report.skipped[0]) == "line 3: same article as line 2"


def test_it_rejects_broken_json_naming_the_line(db):
    data = jsonl(article(1)) + b'{"title": "broken",\n' + jsonl(article(3)).split(b"\n", 1)[1]
    errors = rejected(data)
    assert errors == ["line 3: invalid JSON: Expecting property name enclosed in double quotes "
                      "(column 21)"]  # fmt: skip


def test_it_rejects_offsets_outside_the_text(db):
    bad = article(2)
    bad["claims"][0]["end"] = 10_000
    errors = rejected(jsonl(article(1), bad))
    assert errors[0].startswith("line 3: claims[0] (c1).start: offsets ")
    assert "outside the text" in errors[0]


def test_it_rejects_text_that_does_not_match_the_offsets(db):
    # UTF-16 offsets (as a browser counts) land elsewhere after the emoji.
    bad = article(1)
    text = bad["text"]
    utf16_start = len(text[: text.index("Okafor")].encode("utf-16-le")) // 2
    bad["entities"][0].update(start=utf16_start, end=utf16_start + 6)
    errors = rejected(jsonl(bad))
    assert errors[0].startswith("line 2: entities[0] (e1).text: 'Okafor' is not the text at")


def test_it_rejects_unknown_labels(db):
    bad = article(1)
    bad["claims"][0]["label"] = "rumour"
    assert rejected(jsonl(bad)) == [
        "line 2: claims[0] (c1).label: 'rumour' is not in the export's label set"
    ]
    head = header(labels=[*header()["labels"], {"slug": "rumour"}])
    assert rejected(jsonl(bad, head=head)) == [
        "line 2: claims[0] (c1).label: 'rumour' is not a label in this database; an admin can "
        "add it under Labels"
    ]


def test_it_rejects_a_bad_record_in_the_middle_after_writing_earlier_batches(db, monkeypatch):
    # Batches of one: the first article is written before the bad one is read, and rolled back.
    monkeypatch.setattr(service, "BATCH_SIZE", 1)
    bad = article(2, status="published")
    bad["claims"][1]["links"]["source_claim"] = "c9"
    errors = rejected(jsonl(article(1), bad, article(3)))
    assert errors == [
        "line 3: status: 'published' is not one of draft, in_review, changes_requested, approved",
        "line 3: claims[1] (c2).links.source_claim: 'c9' is not another claim of this article",
    ]
    assert not get_user_model().objects.exists()


def test_it_lists_every_bad_record(db):
    errors = rejected(jsonl(article(1, title=""), article(2), article(3, entities="x")))
    assert errors == [
        "line 2: title: is required",
        "line 4: entities: must be a list",
        "line 4: claims[0] (c1).links.source_mention: 'e1' is not an entity of this article",
    ]


def test_it_rejects_a_file_without_a_header(db):
    data = b"\n".join(json.dumps(article(n)).encode() for n in (1, 2))
    errors = rejected(data)
    assert errors == [
        "line 1: format: must be 'newsroom-corpus': this is not a Newsroom corpus export header"
    ]


def test_it_rejects_a_newer_major_version(db):
    errors = rejected(jsonl(article(1), head=header(schema_version="2.0")))
    assert errors == [
        f"line 1: schema_version: '2.0' is not supported; this version reads {SCHEMA_VERSION}"
    ]


def test_it_rejects_an_empty_file(db):
    assert rejected(b"") == ["file: the file is empty: no export header"]


def test_it_names_the_article_in_a_json_document(db):
    document = {**header(), "articles": [article(1), article(2, sha256="0" * 64)]}
    with pytest.raises(ImportRejected) as info:
        corpus_import(records=parse_corpus_json(json.dumps(document).encode()), unit="article")
    assert [str(e) for e in info.value.errors] == [
        "article 2: sha256: does not match the text (SHA-256 of its UTF-8 bytes)"
    ]
    with pytest.raises(ImportRejected) as info:
        corpus_import(records=parse_corpus_json(b'{"articles": [}'), unit="article")
    assert str(info.value.errors[0]).startswith("file: invalid JSON at line 1, column 15")


def test_the_command_imports_and_reports(db, tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(jsonl(article(1)))
    out = io.StringIO()
    call_command("import_corpus", str(path), "--no-progress", stdout=out)
    assert "Imported 1 article with 1 entities and 2 claims" in out.getvalue()
    call_command("import_corpus", str(path), "--no-progress", stdout=out)
    assert "skipped line 2: already imported" in out.getvalue()


def test_the_command_names_the_problems(db, tmp_path):
    path = tmp_path / "corpus.json"
    bad = article(1)
    bad["entities"][0]["start"] = -1
    path.write_text(json.dumps({**header(), "articles": [bad]}))
    with pytest.raises(CommandError) as info:
        call_command("import_corpus", str(path), "--no-progress")
    assert "Nothing was imported" in str(info.value)
    assert "article 1: entities[0] (e1).start: must be a whole number of at least 0" in str(
        info.value
    )


def test_the_upload_form_imports_for_admins(db, admin_client_, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("corpus.jsonl", jsonl(article(1)))
    with django_capture_on_commit_callbacks(execute=True):  # the job's task runs on commit
        response = admin_client_.post(reverse("corpus_import"), {"file": upload})
    assert response.status_code == 302  # to the import job's page
    assert "Imported 1 article" in admin_client_.get(response.url).content.decode()
    assert Article.objects.count() == 1


def test_the_upload_form_shows_the_errors(db, admin_client_, django_capture_on_commit_callbacks):
    bad = article(1)
    bad["claims"][0]["label"] = "rumour"
    upload = SimpleUploadedFile("corpus.jsonl", jsonl(bad))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            reverse("corpus_import"), {"file": upload}, HTTP_HX_REQUEST="true"
        )
    job_url = response["HX-Redirect"]  # htmx follows it to the job's page
    assert ImportJob.objects.get().state == ImportJob.State.REJECTED
    # The job's page, polled by htmx: the status fragment only.
    content = admin_client_.get(job_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Nothing was imported" in content and "rumour" in content
    assert "<h1>" not in content
    assert not Article.objects.exists()


def test_the_upload_form_is_for_admins_only(db, editor_client):
    upload = SimpleUploadedFile("corpus.jsonl", jsonl(article(1)))
    assert editor_client.post(reverse("corpus_import"), {"file": upload}).status_code == 403
    page = editor_client.get(reverse("corpus_export")).content.decode()
    assert "Import an export" not in page


def _with_second_mention(record: dict, sources: list | None) -> dict:
    """The record with a second mention of Okafor (c3, at the end of the text)."""
    text = record["text"] + " Okafor"
    third = dict(record["claims"][0], id="c3", start=len(text) - 6, end=len(text))
    record = dict(record, text=text, claims=[*record["claims"], third])
    if sources is not None:
        record["sources"] = sources
    return record


def test_sources_are_stored_as_the_file_groups_them(db):
    """Schema 1.1: the file's grouping is kept, even one the rules would not make."""
    kept_apart = [{"id": "s1", "claims": ["c1"]}, {"id": "s2", "claims": ["c3"]}]
    run(jsonl(_with_second_mention(article(1), kept_apart)))
    okafor = Claim.objects.filter(label__slug="named_source")
    assert okafor.count() == 2 and len(set(okafor.values_list("source_id", flat=True))) == 2


def test_a_file_without_sources_is_grouped_by_the_rules(db):
    """A 1.0 file: the two Okafor mentions become one source."""
    run(jsonl(_with_second_mention(article(1), None), head=header(schema_version="1.0")))
    okafor = Claim.objects.filter(label__slug="named_source")
    (source,) = set(okafor.values_list("source_id", flat=True))
    assert source is not None


def test_bad_sources_are_refused_with_their_line(db):
    twice = [{"id": "s1", "claims": ["c1", "c3"]}, {"id": "s2", "claims": ["c3", "c9"]}]
    errors = rejected(jsonl(_with_second_mention(article(1), twice)))
    assert errors == [
        "line 2: sources[1].claims[0]: 'c3' is already in another source",
        "line 2: sources[1].claims[1]: 'c9' is not a claim of this article",
    ]
