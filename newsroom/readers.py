"""Readers: turn a file into numbered raw records, one function per file type.

A raw record is (position, dict), or (position, RecordError) when it could not even be read;
the import engine (newsroom.importer) validates and stores them. JSON Lines is streamed, so a
file of any size reads in flat memory. The exchange formats read their files with these too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import Any

from .models import normalise_text
from .records import RecordError

UTF8_BOM = b"\xef\xbb\xbf"
# Bounds on what a JSON value may hold: a record is a few levels deep at most (the corpus
# export's deepest is 4), and no field needs a number of more digits than this. Past them
# a hostile file would cost recursion or quadratic number parsing.
MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 30


class JsonRefused(ValueError):
    """Valid JSON that Newsroom refuses to read (too deep, too large a number)."""


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise JsonRefused(
            f"holds a number of {len(digits.lstrip('-')):,} digits; at most "
            f"{MAX_NUMBER_DIGITS} are read"
        )
    return int(digits)


def _no_constant(name: str) -> float:
    raise JsonRefused(f"holds {name}, which is not a JSON number")


def load_json(text: str | bytes) -> Any:
    """`json.loads`, refusing values nested deeper than MAX_DEPTH, numbers longer than
    MAX_NUMBER_DIGITS digits and NaN/Infinity (JsonRefused); JSON errors as json's own."""
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:
        raise JsonRefused(f"is nested more than {MAX_DEPTH} levels deep") from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise JsonRefused(f"is nested more than {MAX_DEPTH} levels deep")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return value


# A raw record is (position, dict) or (position, RecordError) when it could not even be parsed.
RawRecord = tuple[int, dict[str, Any] | RecordError]


def parse_jsonl(
    lines: Iterable[bytes],
    *,
    not_object: str = "each line must be a JSON object with title and text",
) -> Iterator[RawRecord]:
    """Yield one raw record per non-blank line of a JSONL byte stream (streams any size);
    `not_object` is the error for a line that is valid JSON but not an object."""
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, RecordError(number, _not_utf8(exc, "line"))
            continue
        if not line.strip():
            continue
        try:
            value = load_json(line)
        except json.JSONDecodeError as exc:
            yield number, RecordError(number, f"invalid JSON: {exc.msg} (column {exc.pos + 1})")
            continue
        except JsonRefused as exc:
            yield number, RecordError(number, f"the line {exc}")
            continue
        if not isinstance(value, dict):
            yield number, RecordError(number, not_object)
            continue
        yield number, value


def read_json(data: bytes) -> Any:
    """A whole JSON document's value, or the RecordError (naming the file) that stops it."""
    try:
        return load_json(_decode(data))
    except UnicodeDecodeError as exc:
        return RecordError(0, _not_utf8(exc, "file"))
    except json.JSONDecodeError as exc:
        return RecordError(0, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except JsonRefused as exc:
        return RecordError(0, f"the file {exc}")


def json_items(data: bytes) -> Iterator[tuple[int, Any]]:
    """Number the items of a JSON document holding one item or a list of them (1-based), or
    yield (0, RecordError) when the document cannot be read."""
    value = read_json(data)
    if isinstance(value, RecordError):
        yield 0, value
        return
    yield from enumerate(value if isinstance(value, list) else [value], start=1)


def parse_json(data: bytes) -> Iterator[RawRecord]:
    """Yield the records of a JSON file holding one article object or a list of them."""
    for number, item in json_items(data):
        if isinstance(item, (dict, RecordError)):
            yield number, item
        else:
            yield (
                number,
                RecordError(number, "must be a JSON object with title and text", unit="record"),
            )


def parse_txt(data: bytes, filename: str) -> Iterator[RawRecord]:
    """Yield the one article of a plain-text file: first non-blank line is the title."""
    try:
        content = _decode(data)
    except UnicodeDecodeError as exc:
        yield 0, RecordError(0, _not_utf8(exc, "file"))
        return
    content = normalise_text(content)
    title, _, text = content.lstrip("\n").partition("\n")
    if not text.strip():
        # A one-paragraph file: the whole of it is the text, the file name the title.
        title, text = PurePath(filename).stem.replace("_", " ").replace("-", " "), content
    yield 1, {"title": title.strip(), "text": text.lstrip("\n")}


def _decode(data: bytes) -> str:
    return data.removeprefix(UTF8_BOM).decode("utf-8")


def _not_utf8(exc: UnicodeDecodeError, where: str) -> str:
    return f"not valid UTF-8 (byte {exc.start + 1} of the {where}); save the file as UTF-8"
