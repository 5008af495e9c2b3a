"""Property tests for offsets: random Unicode text (emoji with ZWJ sequences, skin tones and
flags, combining marks, Arabic and Hebrew, CJK, CR, LF and CRLF) through ingest, claim
creation, export and import keeps every span's text.

Each example runs inside a transaction that is rolled back, so examples never see each other's
rows; the function-scoped `db` fixture is set up once per test, which is what Hypothesis's
health check warns about and why it is suppressed here.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotations.claims import ClaimRefused, claim_create
from annotations.exchange.corpus_import import corpus_import, parse_corpus_json, parse_corpus_jsonl
from annotations.exchange.export import corpus_export_chunks
from annotations.models import Claim, Label
from newsroom.importer import articles_import
from newsroom.models import Article, Outlet
from newsroom.readers import parse_jsonl

AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
SETTINGS = {
    "deadline": None,
    "database": None,  # no .hypothesis directory in the work tree
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

EMOJI = [
    "🔥", "🎉", "👍🏿", "👋🏻", "👩🏽‍🔬", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏾‍🤝‍🧑🏼", "❤️", "1️⃣",
    "🇺🇦", "🇯🇵", "🇧🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👁️‍🗨️", "🫠",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "\n", "\r", "\r\n", "\n\n", "\r\n\r\n", "\r\r\n", "\t", "\u00a0"]
# Marks that steer reading order without being letters: RLM, LRM, RLE/PDF, RLI/PDI.
BIDI = ["\u200f", "\u200e", "\u202b", "\u202c", "\u2067", "\u2069"]


def _script(lo: int, hi: int, max_size: int = 8) -> st.SearchStrategy[str]:
    return st.text(st.characters(min_codepoint=lo, max_codepoint=hi), min_size=1, max_size=max_size)


ascii_word = st.from_regex(r"[A-Za-z]{1,10}[.,;:!?\"')]?", fullmatch=True)
combining = st.builds(
    lambda base, marks: base + marks,
    st.sampled_from("aeiouAEnsc"),
    st.text(st.characters(min_codepoint=0x300, max_codepoint=0x36F), min_size=1, max_size=3),
)
arabic = _script(0x621, 0x64A) | st.builds(
    lambda w, h: w + h,
    _script(0x621, 0x64A),
    _script(0x64B, 0x652, 2),  # with harakat
)
hebrew = _script(0x5D0, 0x5EA)
cjk = _script(0x4E00, 0x4FFF, 4) | _script(0x3041, 0x3096, 4)
piece = st.one_of(
    ascii_word,
    ascii_word,
    st.sampled_from(EMOJI),
    combining,
    arabic,
    hebrew,
    cjk,
    st.builds(lambda mark, word: mark + word, st.sampled_from(BIDI), arabic | hebrew),
)
raw_text = st.builds(
    lambda lead, parts: lead + "".join(p + s for p, s in parts),
    st.sampled_from(["", "\r\n", "\n", "\r", " "]),
    st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), min_size=1, max_size=40),
)


def normalise(text: str) -> str:
    """The one documented normalisation, written out independently of the product's."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\r":
            out.append("\n")
            i += 2 if text[i + 1 : i + 2] == "\n" else 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _jsonl(records: list[dict]) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records))


def _ingest(texts: list[str], author=None) -> list[Article]:
    """Through the file door: JSON Lines bytes, parsed and imported."""
    records = [{"title": f"Story {n}", "text": t} for n, t in enumerate(texts)]
    report = articles_import(records=parse_jsonl(_jsonl(records)), created_by=author)
    return list(Article.objects.filter(pk__in=report.created_ids).order_by("pk"))


class _Rollback(Exception):
    pass


def _isolated(body) -> None:
    """Run `body` in a transaction that is always rolled back."""
    try:
        with transaction.atomic():
            body()
            raise _Rollback
    except _Rollback:
        pass


@settings(max_examples=100, **SETTINGS)
@given(raw=raw_text)
def test_ingest_normalises_exactly_cr_and_crlf_to_lf(db, raw):
    assume(raw.strip())

    def body():
        (article,) = _ingest([raw])
        expected = normalise(raw)
        assert article.text == expected
        assert "\r" not in article.text
        assert len(article.text) == len(raw) - raw.count("\r\n")
        # Nothing but line ends changed: the same characters, in the same order.
        assert article.text.replace("\n", "") == raw.replace("\r", "").replace("\n", "")

    _isolated(body)


@st.composite
def selections(draw, length: int, max_count: int = 6) -> list[tuple[int, int]]:
    out = []
    for _ in range(draw(st.integers(1, max_count))):
        start = draw(st.integers(0, length - 1))
        end = draw(st.integers(start + 1, min(length, start + 40)))
        out.append((start, end))
    return out


@settings(max_examples=75, **SETTINGS)
@given(raw=raw_text, data=st.data())
def test_claims_snap_to_tokens_that_contain_the_selection(db, raw, data):
    assume(raw.strip())
    label = Label.objects.get(slug="named_source")

    def body():
        (article,) = _ingest([raw])
        text = article.text
        for start, end in data.draw(selections(len(text))):
            try:
                claim = claim_create(
                    article=article, start=start, end=end, label=label, author=None
                )
            except ClaimRefused:
                # Only a selection without a word (or one already marked) is refused.
                if text[start:end].strip():
                    assert Claim.objects.filter(article=article).exists()
                continue
            claim.refresh_from_db()
            # The selection's words (its edges' whitespace aside: that is no token, or a
            # token of its own) lie inside the snapped span, which slices the stored text.
            selected = text[start:end]
            first = start + len(selected) - len(selected.lstrip())
            last = end - (len(selected) - len(selected.rstrip()))
            assert 0 <= claim.start <= first < last <= claim.end <= len(text)
            span = text[claim.start : claim.end]
            # A span never starts or ends on whitespace (a newline is a token of its own).
            assert span.strip() == span
            assert span[first - claim.start : last - claim.start] == text[first:last]
            # And the stored article is the one the offsets were taken from.
            assert Article.objects.get(pk=article.pk).text[claim.start : claim.end] == span

    _isolated(body)


def _export(fmt: str) -> bytes:
    return b"".join(corpus_export_chunks(fmt=fmt, exported_at=AT))


def _spans(export: bytes, fmt: str) -> list[tuple[str, list[tuple[int, int, str]]]]:
    if fmt == "json":
        articles = json.loads(export)["articles"]
    else:
        articles = [json.loads(line) for line in export.splitlines()[1:]]
    return [(a["text"], [(c["start"], c["end"], c["text"]) for c in a["claims"]]) for a in articles]


@settings(max_examples=50, **SETTINGS)
@given(
    raws=st.lists(raw_text, min_size=1, max_size=3),
    fmt=st.sampled_from(["jsonl", "json"]),
    notes=st.lists(raw_text, min_size=3, max_size=3),
    data=st.data(),
)
def test_export_and_import_keep_every_span(db, raws, fmt, notes, data):
    assume(all(r.strip() for r in raws))
    assume(len({normalise(r) for r in raws}) == len(raws))  # duplicates are skipped on ingest
    labels = list(Label.objects.order_by("slug"))

    def body():
        author = get_user_model().objects.create_user(username="erin")
        articles = _ingest(raws, author=author)
        made = 0
        for article in articles:
            for n, (start, end) in enumerate(data.draw(selections(len(article.text)))):
                label = labels[n % len(labels)]
                try:
                    claim = claim_create(
                        article=article, start=start, end=end, label=label, author=author
                    )
                except ClaimRefused:
                    continue
                # Free-text attributes carry the same hostile Unicode (CR included: only
                # article text is normalised).
                Claim.objects.filter(pk=claim.pk).update(
                    note=notes[n % 3], anonymity_reason=notes[(n + 1) % 3][:300]
                )
                made += 1
        first = _export(fmt)
        spans = _spans(first, fmt)
        assert sum(len(s) for _, s in spans) == made
        for text, claims in spans:
            assert all(text[start:end] == quoted for start, end, quoted in claims)

        # Into an empty database (reference data only), then out again: the same bytes.
        Article.objects.all().delete()
        Outlet.objects.all().delete()
        get_user_model().objects.all().delete()
        parse = parse_corpus_json(first) if fmt == "json" else parse_corpus_jsonl(io.BytesIO(first))
        report = corpus_import(records=parse, unit="article" if fmt == "json" else "line")
        assert report.created == len(raws)
        for claim in Claim.objects.select_related("article"):
            assert claim.article.text[claim.start : claim.end].strip()
        assert _spans(_export(fmt), fmt) == spans
        assert _export(fmt) == first

    _isolated(body)
