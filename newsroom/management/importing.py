"""What the import commands share: the input file (or stdin), a byte-counting progress bar,
how the import runs, and how its report or a rejected file is shown. The commands differ
only in what they import."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import reset_queries
from tqdm import tqdm

from newsroom.importer import ImportRejected

MAX_ERRORS_SHOWN = 100


@contextmanager
def import_input(path: Path, *, no_progress: bool, stderr: OutputWrapper) -> Iterator[Any]:
    """Open `path` ('-' for stdin) and yield (stream, bar): a tqdm bar counting its bytes."""
    if str(path) == "-":
        stream: BinaryIO = os.fdopen(os.dup(0), "rb")
    elif not path.is_file():
        raise CommandError(f"{path}: no such file.")
    else:
        stream = path.open("rb")
    size = None if str(path) == "-" else os.fstat(stream.fileno()).st_size
    with (
        stream,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=f"Importing {path.name}",
            disable=no_progress,
            file=stderr._out,
        ) as bar,
    ):
        yield stream, bar


def counted(stream: BinaryIO, bar: tqdm) -> Iterator[bytes]:
    """The stream's lines, moving the bar as they are read."""
    for line in stream:
        bar.update(len(line))
        yield line


def run_import(path: Path, service: Callable[..., Any], **arguments: Any) -> Any:
    """Run an import service for a command: its report, or the CommandError listing every
    problem when the file imported nothing."""
    try:
        # Under DEBUG Django logs every query: multi-megabyte INSERTs would pile up.
        return service(on_batch=lambda _: reset_queries(), **arguments)
    except ImportRejected as rejected:
        raise rejected_error(path, rejected) from None


def write_report(command: BaseCommand, report: Any) -> None:
    """Print what an import skipped (up to a limit) and its summary."""
    for skipped in report.skipped[:MAX_ERRORS_SHOWN]:
        command.stdout.write(f"skipped {skipped}")
    command.stdout.write(command.style.SUCCESS(report.summary()))


def rejected_error(path: Path, rejected: ImportRejected) -> CommandError:
    """The command's error for a file that imported nothing: every problem, up to a limit."""
    lines = [str(e) for e in rejected.errors[:MAX_ERRORS_SHOWN]]
    if rejected.total > MAX_ERRORS_SHOWN:
        lines.append(f"... and {rejected.total - MAX_ERRORS_SHOWN:,} more")
    return CommandError(
        f"Nothing was imported from {path}: {rejected.total:,} problem(s).\n" + "\n".join(lines)
    )
