"""manage.py import_format --format doccano|label-studio FILE: articles with their spans."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.exchange.formats import OFFSET_UNITS, UTF16, annotated_import
from annotations.exchange.formats.doccano import parse_doccano
from annotations.exchange.formats.label_studio import parse_label_studio
from newsroom.importer import ImportRejected
from newsroom.management.importing import MAX_ERRORS_SHOWN, rejected_error


class Command(BaseCommand):
    help = (
        "Import articles with their labelled spans from doccano JSONL or a Label Studio JSON "
        "export (docs/formats.md). Sourcing label slugs become claims, spaCy entity labels "
        "entity mentions. All or nothing; re-importing the same file adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", required=True, choices=("doccano", "label-studio"))
        parser.add_argument("--user", help="username recorded as author of the claims")
        parser.add_argument(
            "--offsets",
            choices=OFFSET_UNITS,
            default=UTF16,
            help="doccano: the unit of the file's offsets (default utf16, doccano's own)",
        )

    def handle(self, *args, path: Path, user: str | None, offsets: str, **options):
        creator = None
        if user:
            creator = get_user_model().objects.filter(username=user).first()
            if creator is None:
                raise CommandError(f"No user named {user!r}.")
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        fmt = options["format"]
        try:
            if fmt == "doccano":
                with path.open("rb") as stream:
                    report = annotated_import(
                        records=parse_doccano(stream, unit=offsets), created_by=creator
                    )
            else:
                report = annotated_import(
                    records=parse_label_studio(path.read_bytes()), created_by=creator, unit="task"
                )
        except ImportRejected as rejected:
            raise rejected_error(path, rejected) from None
        for note in report.notes[:MAX_ERRORS_SHOWN]:
            self.stdout.write(note)
        self.stdout.write(self.style.SUCCESS(report.summary()))
