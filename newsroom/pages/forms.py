from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from newsroom import roles
from newsroom.ingest import BYLINE_MAX, OUTLET_MAX, TITLE_MAX, URL_MAX

UPLOAD_TYPES = {".txt": "text", ".json": "JSON", ".jsonl": "JSON Lines"}


class ArticlePasteForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        strip=False,  # stored exactly as pasted (after CR/LF normalisation)
        help_text="Paste the article exactly as published; paragraphs are kept.",
    )
    outlet = forms.CharField(
        max_length=OUTLET_MAX,
        required=False,
        help_text="The publication, e.g. Reuters. A new name creates the outlet.",
        widget=forms.TextInput(attrs={"list": "outlet-names", "autocomplete": "off"}),
    )
    url = forms.URLField(max_length=URL_MAX, required=False, label="URL", assume_scheme="https")
    byline = forms.CharField(max_length=BYLINE_MAX, required=False)
    published_at = forms.DateField(
        required=False, label="Published", widget=forms.DateInput(attrs={"type": "date"})
    )

    def record(self) -> dict[str, str]:
        """The cleaned form as an import record (the shape every door feeds the service)."""
        data = dict(self.cleaned_data)
        data["published_at"] = data["published_at"].isoformat() if data["published_at"] else ""
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="A .txt file (one article: first line is the title), a .json file (an "
        "article object or a list of them) or a .jsonl file (an article per line)."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name).suffix.lower()
        if suffix not in UPLOAD_TYPES:
            raise forms.ValidationError(
                f"“{upload.name}” is not a .txt, .json or .jsonl file.", code="type"
            )
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1e6:.1f} MB; the upload limit is "
                f"{limit / 1e6:.1f} MB. Split it, or import it on the server with: "
                "manage.py import_articles FILE.jsonl",
                code="size",
            )
        return upload


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
