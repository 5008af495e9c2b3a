"""manage.py export_corpus: the annotated corpus as JSON Lines or JSON, to a file or stdout."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from tqdm import tqdm

from annotations.exchange.export import (
    FORMATS,
    JSON,
    JSONL,
    ExportProgress,
    articles_for_export,
    corpus_export_chunks,
)
from annotations.management.export_options import add_export_filters, export_filters


class Command(BaseCommand):
    help = (
        "Export the annotated corpus (articles, entities, claims, links, review, scorecards) "
        "in the schema of docs/export-schema.json: JSON Lines (a header line, then an article "
        "a line) or one JSON document. Accepted claims only unless --include-suggestions. "
        "Streams in constant memory; progress on stderr."
    )

    # The checks would load spaCy to inspect the model: memory an export never uses.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", type=Path, help="file to write (default: stdout, or '-')"
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="jsonl or json (default: from the file name, else jsonl)",
        )
        add_export_filters(parser)
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, output, format, no_progress, **options):
        filters = export_filters(options)
        to_stdout = output is None or str(output) == "-"
        fmt = format or (JSON if not to_stdout and output.suffix.lower() == ".json" else JSONL)
        total = None if no_progress else articles_for_export(filters).count()
        try:
            stream = sys.stdout.buffer if to_stdout else output.open("wb")
        except OSError as exc:
            raise CommandError(f"{output}: {exc.strerror}") from None
        written = 0
        with tqdm(
            total=total, unit=" articles", desc="Exporting", disable=no_progress,
            file=self.stderr._out,
        ) as bar:  # fmt: skip

            def on_chunk(n: int) -> None:
                # Under DEBUG Django logs every query: a long export would pile them up.
                reset_queries()
                bar.update(n)

            progress = ExportProgress(total=total, on_chunk=on_chunk)
            try:
                for piece in corpus_export_chunks(filters=filters, fmt=fmt, progress=progress):
                    stream.write(piece)
                    written += len(piece)
            finally:
                if not to_stdout:
                    stream.close()
                else:
                    stream.flush()
        where = "stdout" if to_stdout else str(output)
        self.stderr.write(
            f"Exported {progress.articles} article(s), {written / 1e6:,.1f} MB, to {where}."
        )
