"""Citron JSON: each article as a document of BBC R&D's quote extraction system, Citron
(https://github.com/bbc/citron, `docs/data_format.md`), to train or evaluate it, or any tool
that reads its format.

A Citron document is one JSON object, `{"text", "quotes", "coreference_groups"}`; each quote
`{"cue", "sources", "contents"}`, the cue a span and the others lists of spans, each span
`{"start", "end", "text"}`. Offsets are character indices into `text` as Python counts them
(Citron reads a file with `json.load` and maps `start`/`end` onto spaCy's tokens through
`Token.idx`: `citron/data.py`), i.e. code points, Newsroom's own unit: no conversion.

The quotes are the article's attribution triples (`annotations.exchange.attributions`, the
corpus export's `attributions`): a cue with the statements linked to it as contents and its
source mention as the one source. A refusal to comment with nothing attributed is left out,
since a Citron quote is a cue with its content. `coreference_groups` are the article's
sources of two or more mentions ("Egyptian security sources" … "They"). Citron reads the keys
it knows and ignores the rest, so each document also carries Newsroom's article id and
fields.

Citron reads a file per document, or a directory of them (`*.json`, searched recursively:
`citron/utils.py`), so the Export page downloads a ZIP of one `.json` file per article,
streamed; the command also writes that directory, or JSON Lines (a document a line).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from itertools import batched
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from annotations.exchange.attributions import ClaimLinks, attributions
from annotations.models import Claim
from newsroom.models import Article

from . import ZipPipe, article_fields, article_sources, exportable, zip_entry

# Documents per piece of the streamed ZIP: fewer, larger writes, memory still flat.
FILES_PER_PIECE = 50


def citron_document(article: Article) -> dict[str, Any]:
    """One article (from `exportable`: the claims the export holds, in reading order) as a
    Citron document."""
    text = article.text
    claims = {c.pk: c for c in article.claims.all()}

    def span(claim: Claim) -> dict[str, Any]:
        return {"start": claim.start, "end": claim.end, "text": text[claim.start : claim.end]}

    found = attributions(
        ClaimLinks(c.pk, c.label.slug, c.status, c.cue_id, c.source_claim_id)
        for c in claims.values()
    )
    quotes = [
        {
            "cue": span(claims[a.cue]),
            "sources": [span(claims[a.source])] if a.source is not None else [],
            "contents": [span(claims[key]) for key in a.contents],
        }
        for a in found
        if a.contents
    ]
    groups = [[span(c) for c in g.claims] for g in article_sources(article) if len(g.claims) > 1]
    return {
        "id": article.pk,
        "text": text,
        "quotes": quotes,
        "coreference_groups": groups,
        **article_fields(article),
    }


def citron_documents(
    queryset: QuerySet[Article], *, include_suggestions: bool = False, viewer: Any = None
) -> Iterator[dict[str, Any]]:
    """The articles as Citron documents, in id order, a chunk of articles at a time."""
    for article in exportable(queryset, include_suggestions=include_suggestions, viewer=viewer):
        yield citron_document(article)


def citron_file_name(document: dict[str, Any]) -> str:
    """The file a document is written to, in the ZIP and in the command's directory."""
    return f"newsroom-{document['id']}.json"


def _dumps(document: dict[str, Any], indent: int | None = None) -> str:
    return json.dumps(document, ensure_ascii=False, indent=indent)


def citron_lines(queryset: QuerySet[Article], **scope: Any) -> Iterator[str]:
    """The articles as JSON Lines, a Citron document a line (constant memory)."""
    for document in citron_documents(queryset, **scope):
        yield _dumps(document) + "\n"


def citron_zip_chunks(queryset: QuerySet[Article], **scope: Any) -> Iterator[bytes]:
    """The articles as a ZIP of Citron files, one `.json` per article, streamed: memory holds
    one piece of `FILES_PER_PIECE` documents, however big the corpus. Unzipped, the folder is
    what Citron's training and evaluation scripts take (`--train-path`, `--test-path`)."""
    pipe = ZipPipe()
    with zipfile.ZipFile(pipe, mode="w") as archive:
        for piece in batched(citron_documents(queryset, **scope), FILES_PER_PIECE):
            for document in piece:
                entry = zip_entry(citron_file_name(document), zipfile.ZIP_DEFLATED)
                archive.writestr(entry, _dumps(document, indent=2).encode())
            yield pipe.take()
    # Closing the archive wrote its table of contents.
    yield pipe.take()


def citron_directory(queryset: QuerySet[Article], path: Path, **scope: Any) -> int:
    """Write the articles to directory `path`, a Citron file per article; return how many."""
    path.mkdir(parents=True, exist_ok=True)
    written = 0
    for document in citron_documents(queryset, **scope):
        (path / citron_file_name(document)).write_text(_dumps(document, indent=2), encoding="utf-8")
        written += 1
    return written
