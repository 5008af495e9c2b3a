"""What the import commands share: the input file (or stdin), a byte-counting progress bar,
and how a rejected file is reported. The commands differ only in what they import."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import CommandError, OutputWrapper
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


def rejected_error(path: Path, rejected: ImportRejected) -> CommandError:
    """The command's error for a file that imported nothing: every problem, up to a limit."""
    lines = [str(e) for e in rejected.errors[:MAX_ERRORS_SHOWN]]
    if len(rejected.errors) > MAX_ERRORS_SHOWN:
        lines.append(f"... and {len(rejected.errors) - MAX_ERRORS_SHOWN} more")
    return CommandError(
        f"Nothing was imported from {path}: {len(rejected.errors)} problem(s).\n" + "\n".join(lines)
    )
