"""manage.py import_corpus FILE: bring a Newsroom export (JSON Lines or JSON) back in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from tqdm import tqdm

from annotations.corpus_import import corpus_import, parse_corpus_json, parse_corpus_jsonl
from newsroom.ingest import ImportRejected

MAX_ERRORS_SHOWN = 100


class Command(BaseCommand):
    help = (
        "Import a Newsroom corpus export (.jsonl: header line then an article a line, streamed; "
        ".json: one document) with its entities, claims, links and review. All or nothing: a "
        "file with any bad record imports nothing and every bad record and field is listed. "
        "Articles already stored (same text or URL) are skipped, so re-importing adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the export file ('-' for JSON Lines on stdin)")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, path: Path, no_progress: bool, **options):
        stream = self._open(path)
        json_document = path.suffix.lower() == ".json"
        size = None if str(path) == "-" else os.fstat(stream.fileno()).st_size
        with (
            stream,
            tqdm(
                total=size,
                unit="B",
                unit_scale=True,
                desc=f"Importing {path.name}",
                disable=no_progress,
                file=self.stderr._out,
            ) as bar,
        ):
            if json_document:
                data = stream.read()
                bar.update(len(data))
                records, unit = parse_corpus_json(data), "article"
            else:
                records, unit = parse_corpus_jsonl(_counted(stream, bar)), "line"
            try:
                report = corpus_import(
                    records=records,
                    unit=unit,
                    # Under DEBUG Django logs every query: big INSERTs would pile up.
                    on_batch=lambda _: reset_queries(),
                )
            except ImportRejected as rejected:
                lines = [str(e) for e in rejected.errors[:MAX_ERRORS_SHOWN]]
                if len(rejected.errors) > MAX_ERRORS_SHOWN:
                    lines.append(f"... and {len(rejected.errors) - MAX_ERRORS_SHOWN} more")
                raise CommandError(
                    f"Nothing was imported from {path}: {len(rejected.errors)} problem(s).\n"
                    + "\n".join(lines)
                ) from None
        for skipped in report.skipped[:MAX_ERRORS_SHOWN]:
            self.stdout.write(f"skipped {skipped}")
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _open(self, path: Path) -> BinaryIO:
        if str(path) == "-":
            return os.fdopen(os.dup(0), "rb")
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        return path.open("rb")


def _counted(stream: BinaryIO, bar: tqdm) -> Iterator[bytes]:
    for line in stream:
        bar.update(len(line))
        yield line
