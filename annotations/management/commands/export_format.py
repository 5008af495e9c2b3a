"""manage.py export_format --format docbin|doccano|label-studio|citron OUT: the corpus for other
tools."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.exchange.export import articles_for_export
from annotations.exchange.formats import CODEPOINT, OFFSET_UNITS, UTF16
from annotations.exchange.formats.citron import citron_directory, citron_lines, citron_zip_chunks
from annotations.exchange.formats.docbin import docbin_export
from annotations.exchange.formats.doccano import doccano_lines
from annotations.exchange.formats.label_studio import label_config, label_studio_chunks
from annotations.management.export_options import add_export_filters, export_filters

FORMATS = ("docbin", "doccano", "label-studio", "citron")


class Command(BaseCommand):
    help = (
        "Export articles with their entity mentions and sourcing claims as a spaCy DocBin "
        "(.spacy), doccano JSONL, Label Studio JSON or Citron JSON (docs/formats.md). Accepted "
        "claims only unless --include-suggestions; rejected spans are left out. The filters "
        "are the Export page's. OUT '-' writes doccano, Label Studio or Citron (JSON Lines) to "
        "standard output. Citron: OUT a directory of one .json per article, or a .zip of them, "
        "or a .jsonl file."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="the file to write ('-' for stdout)")
        parser.add_argument("--format", required=True, choices=FORMATS)
        add_export_filters(parser)
        parser.add_argument(
            "--offsets",
            choices=OFFSET_UNITS,
            help="offset unit for doccano (default utf16) and Label Studio (default codepoint)",
        )
        parser.add_argument(
            "--docs-per-file",
            type=int,
            help="docbin: write OUT as a directory of .spacy files of this many docs each",
        )
        parser.add_argument(
            "--label-config",
            type=Path,
            help="label-studio: also write the matching labelling interface (XML) here",
        )

    def handle(self, *args, out: Path, **options):
        filters = export_filters(options)
        # The command runs with the operator's access: every claim (no viewer).
        articles = articles_for_export(filters)
        include_suggestions = filters.include_suggestions
        fmt = options["format"]
        if fmt == "docbin":
            if str(out) == "-":
                raise CommandError("A DocBin is binary: give a file name, not '-'.")
            report = docbin_export(
                articles,
                out,
                docs_per_file=options["docs_per_file"],
                include_suggestions=include_suggestions,
            )
            self.stdout.write(self.style.SUCCESS(report.summary()))
            return
        if fmt == "citron":
            if options["offsets"] not in (None, CODEPOINT):
                raise CommandError("Citron counts offsets in code points (Python's): no --offsets.")
            if self._citron(articles, out, include_suggestions=include_suggestions):
                return
            chunks = citron_lines(articles, include_suggestions=include_suggestions)
        elif fmt == "doccano":
            chunks = doccano_lines(
                articles, unit=options["offsets"] or UTF16, include_suggestions=include_suggestions
            )
        else:
            chunks = label_studio_chunks(
                articles,
                unit=options["offsets"] or CODEPOINT,
                include_suggestions=include_suggestions,
            )
            if options["label_config"]:
                options["label_config"].write_text(label_config(), encoding="utf-8")
        if str(out) == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        with out.open("w", encoding="utf-8") as stream:
            stream.writelines(chunks)
        self.stdout.write(self.style.SUCCESS(f"Wrote {out}."))

    def _citron(self, articles, out: Path, *, include_suggestions: bool) -> bool:
        """Write Citron's files (a directory, or a ZIP of it) and say so; False for JSON
        Lines ('-' or a .jsonl file), which the caller writes as the other formats."""
        suffix = out.suffix.lower()
        if str(out) == "-" or suffix == ".jsonl":
            return False
        if suffix == ".zip":
            with out.open("wb") as stream:
                for piece in citron_zip_chunks(articles, include_suggestions=include_suggestions):
                    stream.write(piece)
            self.stdout.write(self.style.SUCCESS(f"Wrote {out}."))
            return True
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} is a file: Citron's files go to a directory (or a .zip).")
        count = citron_directory(articles, out, include_suggestions=include_suggestions)
        self.stdout.write(self.style.SUCCESS(f"Wrote {count} Citron file(s) to {out}/."))
        return True
