"""What an uploaded file may be: its type and its size, stated and refused in one way by the
Upload page, the Export page's import and the API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat


@dataclass(frozen=True)
class UploadKind:
    """A kind of file the app takes: its suffixes, in words, and the command for a larger one."""

    suffixes: tuple[str, ...]
    described: str
    command: str


ARTICLE_FILE = UploadKind(
    (".txt", ".json", ".jsonl"), ".txt, .json or .jsonl", "manage.py import_articles FILE.jsonl"
)
CORPUS_FILE = UploadKind((".jsonl", ".json"), ".jsonl or .json", "manage.py import_corpus FILE")


def upload_limit() -> str:
    """The upload limit in words, as every upload page states it ("20.0 MB")."""
    return filesizeformat(settings.UPLOAD_MAX_BYTES)


def too_large(size: int, command: str) -> str:
    """The refusal of an upload of `size` bytes: the limit as the pages state it, and the
    command that imports a larger file on the server."""
    return (
        f"The file is {filesizeformat(size)}; the upload limit is {upload_limit()}. Split it, "
        f"or import it on the server with: {command}"
    )


def upload_problem(name: str, size: int, kind: UploadKind) -> tuple[str, str] | None:
    """Why a file of this name and size cannot be uploaded as `kind`, with its code ("type",
    "size": the pages answer 413 for the latter), or None."""
    if PurePath(name).suffix.lower() not in kind.suffixes:
        return f"“{name}” is not a {kind.described} file.", "type"
    if size > settings.UPLOAD_MAX_BYTES:
        return too_large(size, kind.command), "size"
    return None
