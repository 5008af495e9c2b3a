from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from newsroom import roles
from newsroom.records import (
    BYLINE_MAX,
    OUTLET_MAX,
    TITLE_MAX,
    URL_MAX,
    RecordError,
    validate_record,
)
from newsroom.uploads import ARTICLE_FILE, upload_problem


class RecordField(forms.Field):
    """A key of the article record as a form input. It leaves every rule (required, length,
    URL, date) to the one record validator, which the form's clean() runs, so that the paste
    form refuses what the other doors refuse, in the same words; `required` only labels it."""

    def validate(self, value: Any) -> None:
        """Nothing to check here: newsroom.records does it for the whole record."""


class ArticlePasteForm(forms.Form):
    title = RecordField(widget=forms.TextInput(attrs={"maxlength": TITLE_MAX}))
    text = RecordField(
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text="Paste the article exactly as published; paragraphs are kept.",
    )
    outlet = RecordField(
        required=False,
        help_text="The publication, e.g. Reuters. A new name creates the outlet.",
        widget=forms.TextInput(
            attrs={"list": "outlet-names", "autocomplete": "off", "maxlength": OUTLET_MAX}
        ),
    )
    url = RecordField(
        required=False, label="URL", widget=forms.URLInput(attrs={"maxlength": URL_MAX})
    )
    byline = RecordField(required=False, widget=forms.TextInput(attrs={"maxlength": BYLINE_MAX}))
    published_at = RecordField(
        required=False, label="Published", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        """Check the typed-in article with the record validator; keep it as `record`."""
        cleaned = super().clean()
        raw = {name: cleaned.get(name) for name in self.fields}
        record = validate_record(1, raw, unit="article")
        if isinstance(record, list):
            self.add_record_errors(record)
        else:
            cleaned["record"] = record
        return cleaned

    def add_record_errors(self, errors: list[RecordError]) -> None:
        """Show each record error on its field, or above the form when it names none."""
        for error in errors:
            if error.field in self.fields:
                self.add_error(error.field, f"This field {error.message}.")
            else:
                self.add_error(None, error.message)


class UploadFileForm(forms.Form):
    """A file to import, of the form's `kind` (type and size checked by newsroom.uploads)."""

    kind = ARTICLE_FILE
    file = forms.FileField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = upload_problem(upload.name, upload.size, self.kind)
        if problem:
            raise forms.ValidationError(problem[0], code=problem[1])
        return upload


class UploadForm(UploadFileForm):
    file = forms.FileField(
        help_text="A .txt file (one article: first line is the title), a .json file (an "
        "article object or a list of them) or a .jsonl file (an article per line)."
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=[(roles.EDITOR, "Editor"), (roles.ADMIN, "Admin")])

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.")
        return username


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What will use it, e.g. “CMS push” or “research export”.",
    )
    expires = forms.TypedChoiceField(
        choices=[("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("", "never")],
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
        label="Expires",
        help_text="A password change or deactivation also ends it; you can revoke it any time.",
    )

    def expires_in(self) -> timedelta | None:
        """How long the token lives (None: until revoked)."""
        days = self.cleaned_data.get("expires")
        return timedelta(days=days) if days else None
