"""manage.py import_articles FILE.jsonl: stream a JSON Lines file of articles into the store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from tqdm import tqdm

from newsroom.ingest import ImportRejected, articles_import, parse_jsonl

MAX_ERRORS_SHOWN = 100


class Command(BaseCommand):
    help = (
        "Import articles from a JSON Lines file (one article object per line; title and text "
        "required). All or nothing: a file with any bad line imports nothing and every bad line "
        "is listed. Articles already in the store (same text or URL) are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the .jsonl file to import ('-' for stdin)")
        parser.add_argument("--user", help="username recorded as the articles' creator")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, path: Path, user: str | None, no_progress: bool, **options):
        creator = None
        if user:
            try:
                creator = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user named {user!r}.") from None
        stream = self._open(path)
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
            try:
                report = articles_import(
                    records=parse_jsonl(_counted(stream, bar)),
                    created_by=creator,
                    # Under DEBUG Django logs every query: multi-megabyte INSERTs would pile up.
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
