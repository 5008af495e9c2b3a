"""The ingestion service every door uses: validation, de-duplication, all-or-nothing."""

import json

import pytest
from django.test.utils import CaptureQueriesContext

from newsroom.importer import ImportRejected, articles_import
from newsroom.models import Article, Outlet, content_hash
from newsroom.readers import parse_json, parse_jsonl, parse_txt


def jsonl(*records) -> list[bytes]:
    return [(r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records]


def art(n: int, **extra) -> dict:
    return {"title": f"Article {n}", "text": f"Body of article {n}.\n\nSecond paragraph.", **extra}


pytestmark = pytest.mark.django_db


def test_it_imports_records_with_all_fields():
    report = articles_import(
        records=parse_jsonl(
            jsonl(
                art(
                    1,
                    outlet="Reuters",
                    url="https://example.com/a1",
                    byline="Jane Doe",
                    published_at="2017-03-14",
                    language="en-GB",
                ),
                art(2),
            )
        )
    )
    assert report.created == 2 and report.skipped == []
    a1 = Article.objects.get(title="Article 1")
    assert a1.outlet.name == "Reuters"
    assert a1.url == "https://example.com/a1"
    assert a1.byline == "Jane Doe"
    assert a1.published_at.isoformat() == "2017-03-14T00:00:00+00:00"
    assert a1.language == "en-GB"
    assert a1.content_hash == content_hash(a1.text)
    assert a1.status == "draft" and a1.version == 1


def test_it_normalises_only_line_endings():
    text = "  First line\r\nsecond\rthird\n\n\tindented 🇺🇦 é  "
    articles_import(records=[(1, {"title": "T", "text": text})])
    assert Article.objects.get().text == "  First line\nsecond\nthird\n\n\tindented 🇺🇦 é  "


def test_it_skips_articles_already_stored_by_text_or_url():
    articles_import(records=parse_jsonl(jsonl(art(1), art(2, url="https://example.com/2"))))
    report = articles_import(
        records=parse_jsonl(
            jsonl(
                art(1),  # same text
                {"title": "New title", "text": "Different text", "url": "https://example.com/2"},
                art(3),
            )
        )
    )
    assert report.created == 1
    reasons = [str(s) for s in report.skipped]
    first, second = Article.objects.order_by("pk")[:2]
    assert reasons == [
        f"line 1: already imported as article #{first.pk} (same text)",
        f"line 2: already imported as article #{second.pk} (same URL)",
    ]
    assert Article.objects.count() == 3


def test_it_skips_duplicates_within_one_file():
    report = articles_import(records=parse_jsonl(jsonl(art(1), art(1), art(2))))
    assert report.created == 2
    assert [str(s) for s in report.skipped] == ["line 2: same article as line 1"]


def test_it_reuses_outlets_case_insensitively():
    Outlet.objects.create(name="Reuters")
    articles_import(
        records=parse_jsonl(
            jsonl(art(1, outlet="reuters"), art(2, outlet="REUTERS"), art(3, outlet="AP"))
        )
    )
    assert sorted(Outlet.objects.values_list("name", flat=True)) == ["AP", "Reuters"]
    assert Article.objects.filter(outlet__name="Reuters").count() == 2


@pytest.mark.parametrize(
    "spellings", [("Agence France-Presse", "AGENCE FRANCE-PRESSE", "agence france-presse")] * 3
)
def test_a_new_outlet_written_several_ways_is_stored_as_first_written(spellings):
    # Many spellings, so that a set's arbitrary order would show up across runs.
    records = [art(i, outlet=name) for i, name in enumerate((*spellings, *spellings), start=1)]
    articles_import(records=parse_jsonl(jsonl(*records)))
    assert list(Outlet.objects.values_list("name", flat=True)) == ["Agence France-Presse"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"title": "T", "text": ""}', "line 2: text: is required"),
        (b'{"title": "T", "text": " \\n\\t "}', "line 2: text: is blank (only whitespace)"),
        (b'{"text": "Body"}', "line 2: title: is required"),
        (b'{"title": "   ", "text": "Body"}', "line 2: title: is blank (only whitespace)"),
        (b'{"title": 5, "text": "Body"}', "line 2: title: must be a string, not a number"),
        (
            b'{"title": "T", "text": "Body"',
            "line 2: invalid JSON: Expecting ',' delimiter (column 31)",
        ),
        (b'["T", "Body"]', "line 2: each line must be a JSON object with title and text"),
        (
            b'{"title": "T\xff", "text": "Body"}',
            "line 2: not valid UTF-8 (byte 13 of the line); save the file as UTF-8",
        ),
        (b'{"title": "T", "text": "a\\u0000b"}', "line 2: text: contains a NUL character"),
        (
            b'{"title": "T", "text": "B", "url": "javascript:alert(1)"}',
            "line 2: url: is not a valid http(s) URL",
        ),
        (
            b'{"title": "T", "text": "B", "published_at": "last week"}',
            "line 2: published_at: must be an ISO 8601 date or date-time, e.g. 2017-03-14",
        ),
        (
            b'{"title": "T", "text": "B", "language": "<b>"}',
            "line 2: language: must be a language code such as en, fr or pt-BR",
        ),
    ],
)
def test_it_rejects_a_bad_record_naming_line_and_field(line, expected):
    with pytest.raises(ImportRejected) as rejected:
        articles_import(records=parse_jsonl([json.dumps(art(1)).encode() + b"\n", line + b"\n"]))
    assert [str(e) for e in rejected.value.errors] == [expected]
    assert Article.objects.count() == 0


def test_it_rejects_text_over_the_limit(settings):
    settings.ARTICLE_MAX_CHARS = 10
    with pytest.raises(ImportRejected) as rejected:
        articles_import(records=[(1, {"title": "T", "text": "x" * 11})])
    assert str(rejected.value.errors[0]) == "line 1: text: is 11 characters long; the limit is 10"


def test_a_file_with_any_bad_record_imports_nothing_and_lists_every_bad_line(monkeypatch):
    monkeypatch.setattr(
        "newsroom.importer.BATCH_SIZE", 2
    )  # bad lines arrive after batches were written
    lines = [*jsonl(art(1), art(2), art(3), {"title": "no text"}, art(5), art(6)), b"not json\n"]
    with pytest.raises(ImportRejected) as rejected:
        articles_import(records=parse_jsonl(lines))
    assert [e.position for e in rejected.value.errors] == [4, 7]
    assert Article.objects.count() == 0
    assert Outlet.objects.count() == 0


def test_blank_lines_are_ignored_but_counted():
    report = articles_import(
        records=parse_jsonl([b"\n", json.dumps(art(1)).encode() + b"\n", b"  \n"])
    )
    assert report.created == 1
    with pytest.raises(ImportRejected) as rejected:
        articles_import(records=parse_jsonl([b"\n", b"\n", b"{oops\n"]))
    assert rejected.value.errors[0].position == 3


def test_a_utf8_bom_is_not_part_of_the_first_record():
    report = articles_import(records=parse_jsonl([b"\xef\xbb\xbf" + json.dumps(art(1)).encode()]))
    assert report.created == 1


def test_json_files_hold_one_object_or_a_list():
    assert (
        articles_import(records=parse_json(json.dumps(art(1)).encode()), unit="record").created == 1
    )
    report = articles_import(
        records=parse_json(json.dumps([art(2), art(3)]).encode()), unit="record"
    )
    assert report.created == 2
    with pytest.raises(ImportRejected) as rejected:
        articles_import(
            records=parse_json(json.dumps([art(4), 7, {"title": "x"}]).encode()), unit="record"
        )
    assert [str(e) for e in rejected.value.errors] == [
        "record 2: must be a JSON object with title and text",
        "record 3: text: is required",
    ]
    with pytest.raises(ImportRejected) as rejected:
        articles_import(records=parse_json(b'[{"title": "a",\n "text": }]'), unit="record")
    assert str(rejected.value.errors[0]).startswith("file: invalid JSON at line 2, column 10")


def test_txt_files_take_the_first_line_as_title():
    articles_import(
        records=parse_txt(b"\r\nHeadline here\r\n\r\nBody one.\r\n\r\nBody two.\r\n", "a.txt")
    )
    article = Article.objects.get()
    assert article.title == "Headline here"
    assert article.text == "Body one.\n\nBody two.\n"


def test_a_one_line_txt_file_is_titled_after_the_file():
    articles_import(records=parse_txt(b"Just one paragraph of news.", "breaking_news-today.txt"))
    article = Article.objects.get()
    assert (article.title, article.text) == ("breaking news today", "Just one paragraph of news.")


def test_copies_in_later_batches_name_the_first_line(monkeypatch):
    """Across batches the database finds the copy among the rows this import stored, and
    the report names the line that stored it, as within a batch."""
    monkeypatch.setattr("newsroom.importer.BATCH_SIZE", 2)
    records = jsonl(
        art(1, url="https://example.com/1"),
        art(2),
        art(3),
        art(1),  # same text as line 1, two batches later
        {"title": "Other", "text": "Other text", "url": "https://example.com/1"},  # same URL
        art(2),
    )
    report = articles_import(records=parse_jsonl(records))
    assert report.created == 3
    assert [str(s) for s in report.skipped] == [
        "line 4: same article as line 1",
        "line 5: same article as line 1",
        "line 6: same article as line 2",
    ]
    assert all(s.existing_id is None for s in report.skipped)


def test_the_in_file_check_holds_one_batch_not_the_file(monkeypatch):
    """Memory flat in the file's size: what the check keeps per article stored is two
    8-byte numbers (id, line); hashes and URLs are kept for the current batch only."""
    from newsroom import importer

    monkeypatch.setattr("newsroom.importer.BATCH_SIZE", 5)
    batches, kept = [], []
    original = importer.StoredPositions.add

    def spy(self, stored):
        batches.append(len(stored))
        kept.append(self)
        original(self, stored)

    monkeypatch.setattr(importer.StoredPositions, "add", spy)
    report = articles_import(
        records=parse_jsonl(jsonl(*(art(n, url=f"https://example.com/{n}") for n in range(23))))
    )
    assert report.created == 23
    assert batches == [5, 5, 5, 5, 3]
    positions = kept[0]
    assert [a.itemsize for a in vars(positions).values()] == [8, 8]  # nothing else kept
    assert [positions.position_of(pk) for pk in report.created_ids] == list(range(1, 24))


def test_skipped_records_are_counted_past_those_kept(monkeypatch):
    monkeypatch.setattr("newsroom.importer.MAX_ERRORS_KEPT", 3)
    articles_import(records=parse_jsonl(jsonl(*(art(n) for n in range(10)))))
    report = articles_import(records=parse_jsonl(jsonl(*(art(n) for n in range(10)))))
    assert report.created == 0
    assert len(report.skipped) == 3 and report.skipped_total == 10
    assert report.summary() == "Imported 0 articles; 10 skipped (already in the store)."


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql", reason="PostgreSQL's plan cache"
)
def test_duplicate_lookups_are_planned_for_the_table_as_it_grows():
    """The lookups run as the same prepared statement every batch: a generic plan made while
    the table was small (a sequential scan) made a 100,000-article import quadratic."""
    from django.db import connection

    from newsroom.importer import ImportExtension, import_records

    class Spy(ImportExtension):
        modes: list[str] = []

        def prepare(self, items):
            with connection.cursor() as cursor:
                cursor.execute("SHOW plan_cache_mode")
                self.modes.append(cursor.fetchone()[0])

    import_records(records=parse_jsonl(jsonl(art(1), art(2))), extension=Spy())
    assert Spy.modes == ["force_custom_plan"]


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "sqlite",
    reason="PostgreSQL's planner may scan a table of one row; its plan cache: the test above",
)
def test_the_duplicate_lookups_use_the_indexes():
    """A lookup that scans the table makes an import quadratic in the store's size: on SQLite
    the URL lookup did (the partial index needs its condition repeated in the query)."""
    from django.db import connection

    from newsroom.importer import _existing
    from newsroom.records import validate_record

    articles_import(records=parse_jsonl(jsonl(art(1, url="https://example.com/1"))))
    record = validate_record(1, art(2, url="https://example.com/2"))
    with CaptureQueriesContext(connection) as queries:
        _existing([record])
    assert len(queries.captured_queries) == 2
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "SCAN newsroom_article" not in plan, plan


def test_fields_the_format_does_not_have_are_named_with_what_they_probably_meant():
    """A file that says `date` for `published_at` imported 43 articles without dates and
    without a word; the report now says what it left out."""
    records = [
        art(1, date="2020-05-01", source="AP"),
        art(2, date="2020-05-02", Titel="typo"),
        art(3),
    ]
    report = articles_import(records=parse_jsonl(jsonl(*records)))
    assert report.created == 3
    assert report.ignored == {"date": 2, "source": 1, "Titel": 1}
    assert report.summary() == (
        "Imported 3 articles. Not imported, as the import format has no such field "
        "(docs/import-format.md): “date” (2 records; did you mean published_at?), "
        "“source” (1 record; did you mean outlet?), “Titel” (1 record; did you mean title?)."
    )


def test_a_hostile_file_of_invented_fields_costs_a_bounded_report(monkeypatch):
    monkeypatch.setattr("newsroom.importer.IGNORED_SHOWN", 2)
    records = [art(n, **{f"k{n}" + "x" * 100: 1}) for n in range(5)]
    report = articles_import(records=parse_jsonl(jsonl(*records)))
    assert len(report.ignored) == 2 and report.ignored_others
    assert all(len(name) <= 40 for name in report.ignored)
    assert report.summary().endswith(", and others.")


def test_validated_records_and_known_fields_name_nothing():
    report = articles_import(
        records=parse_jsonl(jsonl(art(1, outlet="AP", url="https://e.com/1", language="en")))
    )
    assert report.ignored == {} and report.summary() == "Imported 1 article."
