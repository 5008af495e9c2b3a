"""manage.py import_articles FILE.jsonl: stream a JSON Lines file of articles into the store."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from newsroom.importer import articles_import
from newsroom.management.importing import counted, import_input, run_import, write_report
from newsroom.readers import parse_jsonl


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
        with import_input(path, no_progress=no_progress, stderr=self.stderr) as (stream, bar):
            report = run_import(
                path, articles_import, records=parse_jsonl(counted(stream, bar)), created_by=creator
            )
        write_report(self, report)
