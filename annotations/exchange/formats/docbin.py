"""spaCy DocBin export: the corpus as `.spacy` files for training and analysis in spaCy.

One Doc per article, tokenised by the product's own pipeline (`nlp.make_doc`), so tokens are
those the offsets were snapped to and `doc.text` is the stored text. Entity mentions go into
`doc.ents` (and all of them, overlaps included, into `doc.spans["entities"]`); claims go into
`doc.spans["sourcing"]` with the label slug as span label. Rejected spans are left out.
`doc.user_data` keeps the article's fields and every span with its exact offsets, status,
origin and attributes. See docs/formats.md.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import batched
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from entities.pipeline import get_pipeline
from newsroom.models import Article

from . import EXPORT_CHUNK, ZipPipe, article_fields, article_sources, exportable, zip_entry

if TYPE_CHECKING:
    from spacy.tokens import Doc, DocBin, Span

SOURCING_KEY = "sourcing"
ENTITIES_KEY = "entities"
# Docs per .spacy file in the Export page's ZIP: the most a download holds in memory at once.
# A DocBin holds ~2 MB per real-length article until serialised: 50 keep a download's peak
# ~180 MB above a worker's, flat with the corpus (bench/docbin_download_bench.py).
ZIP_SHARD = 50


@dataclass
class DocBinReport:
    docs: int = 0
    spans: int = 0
    # Spans whose offsets are not token boundaries, widened to the tokens they touch.
    widened: int = 0
    # Spans that touch no token (whitespace only): in user_data, not in ents or spans.
    dropped: int = 0
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Wrote {self.docs} doc(s) with {self.spans} span(s) to {len(self.files)} file(s)"
        if self.widened or self.dropped:
            text += (
                f"; {self.widened} span(s) widened to token boundaries, {self.dropped} dropped "
                "(their exact offsets are in user_data)"
            )
        return text + "."


def article_doc(nlp: Any, article: Article, report: DocBinReport) -> Doc:
    """The article as a Doc: tokens, entities, sourcing spans, user data."""
    # spaCy is imported where a DocBin is made, as entities.pipeline loads it: the URLconf
    # reaches this module through the Export page, and manage.py's start-up and the
    # commands that only move data never pay for spaCy (docs/performance.md, "Start-up").
    from spacy.util import filter_spans

    doc = nlp.make_doc(article.text)
    mentions = list(article.entity_mentions.all())
    claims = list(article.claims.all())
    entity_spans = [s for m in mentions if (s := _span(doc, m.start, m.end, m.label, report))]
    claim_spans = [s for c in claims if (s := _span(doc, c.start, c.end, c.label.slug, report))]
    # doc.ents cannot overlap: the longest span wins (spaCy's filter_spans); the spans group
    # keeps them all.
    doc.ents = filter_spans(entity_spans)
    doc.spans[ENTITIES_KEY] = entity_spans
    doc.spans[SOURCING_KEY] = claim_spans
    doc.user_data["newsroom"] = {"id": article.pk, "status": article.status} | article_fields(
        article
    )
    doc.user_data["entities"] = [
        {
            "id": m.pk,
            "start": m.start,
            "end": m.end,
            "label": m.label,
            "status": m.status,
            "origin": m.origin,
        }
        for m in mentions
    ]
    doc.user_data["claims"] = [
        {
            "id": c.pk,
            "start": c.start,
            "end": c.end,
            "label": c.label.slug,
            "status": c.status,
            "origin": c.origin,
            "anonymity_reason": c.anonymity_reason,
            "affiliation": c.affiliation,
            "source_count": c.source_count,
            "source_claim": c.source_claim_id,
            "source_mention": c.source_mention_id,
            "cue": c.cue_id,
            "source": c.source_id,
        }
        for c in claims
    ]
    # Sources: each once, with its label, a name and its mention claims' ids (the spans
    # group cannot say which spans are one party; user_data can).
    doc.user_data["sources"] = [
        {"label": g.label, "name": g.name, "claims": [c.pk for c in g.claims]}
        for g in article_sources(article)
    ]
    report.docs += 1
    return doc


def _span(doc: Doc, start: int, end: int, label: str, report: DocBinReport) -> Span | None:
    # "expand" widens a span that starts or ends inside a token to the whole token; a span
    # of whitespace between tokens has no token to widen to and comes back None.
    span = doc.char_span(start, end, label=label, alignment_mode="expand")
    if span is None:
        report.dropped += 1
        return None
    if (span.start_char, span.end_char) != (start, end):
        report.widened += 1
    report.spans += 1
    return span


def docbin_build(
    queryset: QuerySet[Article],
    report: DocBinReport | None = None,
    *,
    include_suggestions: bool = False,
    viewer: Any = None,
) -> DocBin:
    """One DocBin holding these articles (a DocBin lives in memory: shard big corpora)."""
    from spacy.tokens import DocBin  # not at start-up: see article_doc

    report = report if report is not None else DocBinReport()
    nlp = get_pipeline().nlp
    docbin = DocBin(store_user_data=True)
    articles = exportable(queryset, include_suggestions=include_suggestions, viewer=viewer)
    for chunk in batched(articles, EXPORT_CHUNK):
        # The DocBin copies what it needs from each Doc, so the strings the tokenizer
        # interned for this chunk can be freed (as the analysis does).
        with nlp.memory_zone():
            for article in chunk:
                docbin.add(article_doc(nlp, article, report))
    return docbin


def docbin_export(
    queryset: QuerySet[Article],
    path: Path,
    *,
    docs_per_file: int | None = None,
    include_suggestions: bool = False,
) -> DocBinReport:
    """Write the articles to `path` (a .spacy file); with `docs_per_file`, `path` is a
    directory of numbered .spacy files (spaCy reads a directory as one corpus)."""
    report = DocBinReport()
    path = Path(path)
    if not docs_per_file:
        docbin_build(queryset, report, include_suggestions=include_suggestions).to_disk(path)
        report.files.append(path)
        return report
    path.mkdir(parents=True, exist_ok=True)
    for number, shard in enumerate(_shards(queryset, docs_per_file), start=1):
        target = path / shard_name(number)
        shard_qs = Article.objects.filter(pk__in=shard)
        docbin_build(shard_qs, report, include_suggestions=include_suggestions).to_disk(target)
        report.files.append(target)
    return report


def docbin_bytes(queryset: QuerySet[Article], *, include_suggestions: bool = False) -> bytes:
    """The articles as the bytes of one .spacy file."""
    return docbin_build(queryset, include_suggestions=include_suggestions).to_bytes()


def docbin_zip_chunks(
    queryset: QuerySet[Article],
    *,
    docs_per_file: int = ZIP_SHARD,
    include_suggestions: bool = False,
    viewer: Any = None,
) -> Iterator[bytes]:
    """The articles as a ZIP of numbered .spacy files of `docs_per_file` docs each (the
    command's `--docs-per-file` layout), streamed a file at a time.

    A DocBin cannot be written a doc at a time: it is built whole and then serialised. So the
    download is shards, and memory holds one shard (its docs, then its bytes), however big
    the corpus. The shards are compressed already (DocBin.to_bytes), so they are stored as
    they are; the ZIP is written for a stream (sizes after each file, zipfile's own way).
    """
    pipe = ZipPipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for number, shard in enumerate(_shards(queryset, docs_per_file), start=1):
            docbin = docbin_build(
                Article.objects.filter(pk__in=shard),
                include_suggestions=include_suggestions,
                viewer=viewer,
            )
            data = docbin.to_bytes()
            del docbin
            archive.writestr(zip_entry(shard_name(number), zipfile.ZIP_STORED), data)
            del data
            yield pipe.take()
    # Closing the archive wrote its table of contents.
    yield pipe.take()


def shard_name(number: int) -> str:
    """The name of the `number`th .spacy file of a sharded export."""
    return f"newsroom-{number:04d}.spacy"


def _shards(queryset: QuerySet[Article], size: int) -> Iterator[list[int]]:
    """The articles' ids, `size` at a time in id order (keyset pagination: no open cursor)."""
    last_pk = 0
    ids = queryset.order_by("pk").values_list("pk", flat=True)
    while shard := list(ids.filter(pk__gt=last_pk)[:size]):
        yield shard
        last_pk = shard[-1]
