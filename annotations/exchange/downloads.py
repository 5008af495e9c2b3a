"""Every format the corpus leaves Newsroom in, as the Export page offers them: what each is
for, and its bytes, streamed.

The page and the commands share the writers (`export.py` for Newsroom's own JSON, `formats/`
for the others), the filters (`ExportFilters`) and the rule of which claims a file holds
(`export.exported_statuses`: accepted ones unless suggestions are asked for). What the page
adds is who is asking: the viewer sees what they may read in the app
(`Claim.objects.visible_to`), in every format.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from annotations.exchange.export import (
    JSON,
    JSONL,
    ExportFilters,
    articles_for_export,
    corpus_export_chunks,
)
from annotations.exchange.formats import CODEPOINT, UTF16
from annotations.exchange.formats.citron import citron_zip_chunks
from annotations.exchange.formats.docbin import ZIP_SHARD, docbin_zip_chunks
from annotations.exchange.formats.doccano import doccano_lines
from annotations.exchange.formats.label_studio import label_studio_chunks

DOCBIN, DOCCANO, LABEL_STUDIO, CITRON = "docbin", "doccano", "label-studio", "citron"


@dataclass(frozen=True)
class DownloadFormat:
    """One format on the Export page: its form value, name, file and what reads it."""

    key: str
    name: str
    suffix: str  # the downloaded file's name ends with it
    content_type: str
    reader: str  # what reads it, and how
    offsets: str  # the unit of its start and end offsets


DOWNLOAD_FORMATS: dict[str, DownloadFormat] = {
    f.key: f
    for f in (
        DownloadFormat(
            JSONL,
            "Newsroom JSON Lines",
            ".jsonl",
            "application/x-ndjson; charset=utf-8",
            "Everything Newsroom holds, in the documented schema (below): a header line, then "
            "an article a line with its entities, claims (attributes, links, status), sources, "
            "review and scorecard. Any JSON Lines reader; comes back in with Import below.",
            "code points",
        ),
        DownloadFormat(
            JSON,
            "Newsroom JSON",
            ".json",
            "application/json; charset=utf-8",
            "The same as one JSON document. A reader takes it whole: for a big corpus, JSON Lines.",
            "code points",
        ),
        DownloadFormat(
            DOCBIN,
            "spaCy DocBin",
            "-docbin.zip",
            "application/zip",
            f"For training and analysis in spaCy: a ZIP of .spacy files ({ZIP_SHARD} articles "
            "each); unzip it and give spaCy the folder, which it reads as one corpus. Entities "
            'in doc.ents, claims in doc.spans["sourcing"], attributes and links in '
            "doc.user_data. Export only.",
            "code points (spaCy's)",
        ),
        DownloadFormat(
            DOCCANO,
            "doccano JSONL",
            "-doccano.jsonl",
            "application/x-ndjson; charset=utf-8",
            "For doccano: import as JSONL into a sequence-labelling project, or as JSONL "
            "(Relation) into one with relation labelling to get the links as relations. "
            "Comes back in with manage.py import_format.",
            "UTF-16 units (doccano's)",
        ),
        DownloadFormat(
            LABEL_STUDIO,
            "Label Studio JSON",
            "-label-studio.json",
            "application/json; charset=utf-8",
            "Tasks for Label Studio: accepted spans as annotations, suggestions as "
            "predictions, links as relations. Set the project up with the labelling "
            "interface (XML) that matches it. Comes back in with manage.py import_format.",
            "code points (Label Studio's)",
        ),
        DownloadFormat(
            CITRON,
            "Citron JSON",
            "-citron.zip",
            "application/zip",
            "Attributions for BBC R&D's quote extractor Citron, to train or evaluate it or "
            "another tool: a ZIP of one .json file per article, its quotes (cue, sources, "
            "contents as spans) and its sources of several mentions as coreference groups. "
            "Unzip it and give Citron the folder. Export only.",
            "code points (Citron's, Python's)",
        ),
    )
}


def corpus_download(*, fmt: str, filters: ExportFilters, viewer: Any) -> Iterator[bytes]:
    """The corpus the filters select, as `viewer` may read it, in format `fmt` (a key of
    DOWNLOAD_FORMATS), as pieces of bytes: memory stays flat however big it is."""
    if fmt in (JSONL, JSON):
        return corpus_export_chunks(filters=filters, fmt=fmt, viewer=viewer)
    articles = articles_for_export(filters, viewer)
    scope = {"include_suggestions": filters.include_suggestions, "viewer": viewer}
    if fmt == DOCBIN:
        return docbin_zip_chunks(articles, **scope)
    if fmt == DOCCANO:
        return _utf8(doccano_lines(articles, unit=UTF16, **scope))
    if fmt == LABEL_STUDIO:
        return _utf8(label_studio_chunks(articles, unit=CODEPOINT, **scope))
    if fmt == CITRON:
        return citron_zip_chunks(articles, **scope)
    raise ValueError(f"unknown export format {fmt!r}")


def _utf8(pieces: Iterable[str]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece.encode()
