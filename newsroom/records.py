"""The article record: its shape and limits, checked in one place (docs/import-format.md).

`ArticleRecord` is the one validator every door uses: the paste form, the upload, the command
line, the API (whose request body is this model, refusing unknown keys) and the corpus import.
Each rule raises an error in the record's own words ("is required", "is not a valid http(s)
URL"), so a bad record is refused with the same field and message whichever way it came in.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .models import MOMENT_MAX, MOMENT_MIN, content_hash, normalise_text

TITLE_MAX = 500
BYLINE_MAX = 300
OUTLET_MAX = 200
URL_MAX = 2000
LANGUAGE_MAX = 16
PUBLISHED_AT_MAX = 40
FIELDS = ("title", "text", "outlet", "url", "byline", "published_at", "language")
REQUIRED = ("title", "text")
# What other tools and feeds call the record's fields: a file that says `date` instead of
# `published_at` is told so (newsroom.importer), not silently imported without dates.
FIELD_ALIASES = {
    "date": "published_at", "published": "published_at", "pubdate": "published_at",
    "publication_date": "published_at", "datetime": "published_at", "timestamp": "published_at",
    "body": "text", "content": "text", "article": "text", "full_text": "text",
    "headline": "title", "name": "title", "source": "outlet", "publisher": "outlet",
    "site": "outlet", "author": "byline", "authors": "byline", "link": "url", "href": "url",
    "lang": "language", "locale": "language",
}  # fmt: skip
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# Code points JSON can escape ("\ud800") but UTF-8, and so the databases, cannot hold.
_SURROGATE = re.compile("[\ud800-\udfff]")

_url_validator = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class RecordError:
    """What is wrong with one record, and where: `unit` is "line", "record", "article"…"""

    position: int
    message: str
    field: str | None = None
    unit: str = "line"

    def __str__(self) -> str:
        where = f"{self.unit} {self.position}" if self.position else "file"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


def _refuse(name: str, problem: str) -> PydanticCustomError:
    # `msg` reads on its own in the API's 422 ("title is required"); `ctx` keeps the field and
    # the problem apart, so that the other doors can say "line 4: title: is required".
    return PydanticCustomError(
        "value_error", "{field} {problem}", {"field": name, "problem": problem}
    )


def _string(value: Any, name: str, max_len: int, *, required: bool = False) -> str:
    """The rules every string key shares: type, NUL, length, and (if required) not blank."""
    if value is None or value == "":
        if required:
            raise _refuse(name, "is required")
        return ""
    if not isinstance(value, str):
        raise _refuse(name, f"must be a string, not {_json_type(value)}")
    problem = text_problem(value)
    if problem:
        raise _refuse(name, problem)
    if len(value) > max_len:
        raise _refuse(name, f"is {len(value):,} characters long; the limit is {max_len:,}")
    if required and not value.strip():
        raise _refuse(name, "is blank (only whitespace)")
    return value


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text (a NUL character, a lone surrogate), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    if value.isascii():
        return None
    try:
        # Encoding fails exactly on a lone surrogate, several times faster than searching
        # for one: the regular expression below only says where it is.
        value.encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    found = _SURROGATE.search(value)
    if found:
        return (
            f"contains a lone surrogate (U+{ord(found.group()):04X}, position "
            f"{found.start() + 1}), which is not a character; fix the text's encoding"
        )
    return None


def moment_problem(moment: datetime) -> str | None:
    """Why `moment` (time-zone aware) cannot be stored, or None."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not MOMENT_MIN <= utc <= MOMENT_MAX:
        return (
            f"is outside the dates Newsroom stores ({MOMENT_MIN.date().isoformat()} to "
            f"{MOMENT_MAX.date().isoformat()}, UTC)"
        )
    return None


def _json_type(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


# How the API documents `published_at`: it is sent as a string (a date or a date-time).
_IsoString = WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
)
# The optional keys may be sent as null: the same as leaving them out.
_Optional = WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}]})


class ArticleRecord(BaseModel):
    """One article, in the record shape of docs/import-format.md; other keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    title: str = Field(
        description=f"Required; at most {TITLE_MAX} characters; runs of white space "
        "become one space.",
        examples=["Minister denies report"],
    )
    text: str = Field(
        description="Required; stored exactly as sent after `\\r\\n` and `\\r` become `\\n`; "
        "at most ARTICLE_MAX_CHARS code points (1,000,000 unless configured otherwise); "
        "no NUL character.",
    )
    outlet: Annotated[str, _Optional] = Field(
        "",
        description=f"Outlet name (at most {OUTLET_MAX} characters), matched "
        "case-insensitively; a new name creates the outlet.",
    )
    url: Annotated[str, _Optional] = Field(
        "",
        description=f"An http(s) URL (at most {URL_MAX:,} characters); re-sending an "
        "article's URL adds nothing.",
    )
    byline: Annotated[str, _Optional] = Field("", description=f"At most {BYLINE_MAX} characters.")
    language: Annotated[str, _Optional] = Field(
        "en", description="A language code such as en, fr, pt-BR; en by default."
    )
    published_at: Annotated[datetime | None, _IsoString] = Field(
        None,
        description="ISO 8601 date or date-time; UTC when it names no time zone.",
        examples=["2017-03-14T09:30:00+00:00"],
    )

    @model_validator(mode="before")
    @classmethod
    def _absent_is_empty(cls, data: Any) -> Any:
        # A missing title or text is refused in the record's words ("is required"), as an empty
        # one is, rather than with pydantic's generic "Field required".
        if isinstance(data, dict) and not all(name in data for name in REQUIRED):
            data = {**dict.fromkeys(REQUIRED), **data}
        return data

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        return " ".join(_string(value, "title", TITLE_MAX, required=True).split())

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return normalise_text(_string(value, "text", settings.ARTICLE_MAX_CHARS, required=True))

    @field_validator("outlet", mode="before")
    @classmethod
    def _outlet(cls, value: Any) -> str:
        return _string(value, "outlet", OUTLET_MAX).strip()

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: Any) -> str:
        url = _string(value, "url", URL_MAX).strip()
        if url:
            try:
                _url_validator(url)
            except DjangoValidationError:
                raise _refuse("url", "is not a valid http(s) URL") from None
        return url

    @field_validator("byline", mode="before")
    @classmethod
    def _byline(cls, value: Any) -> str:
        return " ".join(_string(value, "byline", BYLINE_MAX).split())

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> str:
        language = _string(value, "language", LANGUAGE_MAX).strip() or "en"
        if not _LANGUAGE.match(language):
            raise _refuse("language", "must be a language code such as en, fr or pt-BR")
        return language

    @field_validator("published_at", mode="before")
    @classmethod
    def _published_at(cls, value: Any) -> datetime | None:
        if isinstance(value, datetime):
            return value  # already checked: a record validated once, passed on
        published = _string(value, "published_at", PUBLISHED_AT_MAX).strip()
        if not published:
            return None
        try:
            moment = datetime.fromisoformat(published)
        except ValueError:
            raise _refuse(
                "published_at", "must be an ISO 8601 date or date-time, e.g. 2017-03-14"
            ) from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        problem = moment_problem(moment)
        if problem:
            raise _refuse("published_at", problem)
        # In UTC: Python takes offsets up to a day, PostgreSQL only up to 16 hours.
        return moment.astimezone(UTC)

    @cached_property
    def content_hash(self) -> str:
        """The SHA-256 of the normalised text: how a stored duplicate is recognised."""
        return content_hash(self.text)


def field_suggestion(name: str) -> str | None:
    """The record field an unknown key probably meant (`date` → published_at), or None."""
    key = name.strip().lower()
    if key in FIELD_ALIASES:
        return FIELD_ALIASES[key]
    close = difflib.get_close_matches(key, FIELDS, n=1, cutoff=0.8)
    return close[0] if close else None


def validate_record(
    position: int, raw: dict[str, Any], unit: str = "line"
) -> ArticleRecord | list[RecordError]:
    """Check one raw record against the documented shape; return it clean, or its errors."""
    try:
        return ArticleRecord.model_validate(raw)
    except ValidationError as exc:
        return record_errors(exc, position, unit)


def record_errors(exc: ValidationError, position: int, unit: str) -> list[RecordError]:
    """The record's errors as RecordErrors (field, then what is wrong), in the order the
    fields are checked."""
    errors = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        name = ctx.get("field") or ".".join(str(part) for part in error["loc"]) or None
        errors.append(RecordError(position, ctx.get("problem", error["msg"]), name, unit))
    return errors
