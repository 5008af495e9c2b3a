"""manage.py import_corpus FILE: bring a Newsroom export (JSON Lines or JSON) back in."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import reset_queries

from annotations.exchange.corpus_import import corpus_import, parse_corpus_json, parse_corpus_jsonl
from newsroom.importer import ImportRejected
from newsroom.management.importing import MAX_ERRORS_SHOWN, counted, import_input, rejected_error


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
        json_document = path.suffix.lower() == ".json"
        with import_input(path, no_progress=no_progress, stderr=self.stderr) as (stream, bar):
            if json_document:
                data = stream.read()
                bar.update(len(data))
                records, unit = parse_corpus_json(data), "article"
            else:
                records, unit = parse_corpus_jsonl(counted(stream, bar)), "line"
            try:
                report = corpus_import(
                    records=records,
                    unit=unit,
                    # Under DEBUG Django logs every query: big INSERTs would pile up.
                    on_batch=lambda _: reset_queries(),
                )
            except ImportRejected as rejected:
                raise rejected_error(path, rejected) from None
        for skipped in report.skipped[:MAX_ERRORS_SHOWN]:
            self.stdout.write(f"skipped {skipped}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
