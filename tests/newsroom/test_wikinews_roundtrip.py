"""Long articles in several scripts survive the trip through the database unchanged."""

import hashlib
import json
from pathlib import Path

import pytest

from newsroom.importer import articles_import
from newsroom.models import Article
from newsroom.readers import parse_jsonl

FIXTURE = Path(__file__).parent.parent / "fixtures" / "wikinews_articles.jsonl"


@pytest.mark.django_db
def test_every_wikinews_article_keeps_every_character():
    expected = {}
    with FIXTURE.open("rb") as stream:
        for line in stream:
            record = json.loads(line)
            expected[record["url"]] = record
    with FIXTURE.open("rb") as stream:
        report = articles_import(records=parse_jsonl(stream))
    assert report.created == len(expected) == 20

    scripts_seen = set()
    for article in Article.objects.all():
        record = expected[article.url]
        # The fixture texts have no CR, so normalisation must leave them byte-identical.
        assert len(article.text) == record["n_codepoints"]
        assert len(article.text.encode("utf-16-le")) // 2 == record["n_utf16_units"]
        assert hashlib.sha256(article.text.encode("utf-8")).hexdigest() == record["sha256_utf8"]
        assert article.title == record["title"]
        scripts_seen |= {_script(ch) for ch in article.text}
    assert {"arabic", "cyrillic", "devanagari", "hangul"} <= scripts_seen
    assert max(len(t) for t in Article.objects.values_list("text", flat=True)) > 100_000


def _script(ch: str) -> str:
    cp = ord(ch)
    for name, lo, hi in [
        ("cyrillic", 0x400, 0x4FF),
        ("arabic", 0x600, 0x6FF),
        ("devanagari", 0x900, 0x97F),
        ("hangul", 0xAC00, 0xD7AF),
    ]:
        if lo <= cp <= hi:
            return name
    return "other"
