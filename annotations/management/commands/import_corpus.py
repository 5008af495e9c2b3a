"""manage.py import_corpus FILE: bring a Newsroom export (JSON Lines or JSON) back in."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from annotations.exchange.corpus_import import corpus_import, parse_corpus_json, parse_corpus_jsonl
from newsroom.management.importing import counted, import_input, run_import, write_report


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
            report = run_import(path, corpus_import, records=records, unit=unit)
        write_report(self, report)
