from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from . import roles
from .ingest import BYLINE_MAX, OUTLET_MAX, TITLE_MAX, URL_MAX
from .models import ArticleStatus, Outlet

UPLOAD_TYPES = {".txt": "text", ".json": "JSON", ".jsonl": "JSON Lines"}


class ArticleFilterForm(forms.Form):
    """The list page's search and filters; only these fields reach the query."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    outlet = forms.ModelChoiceField(
        queryset=Outlet.objects.all(), required=False, empty_label="All outlets"
    )
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *ArticleStatus.choices], required=False
    )

    # The page writes the two selects from these (value, label, selected) triples: Django's
    # widget templates took longer than the rest of the filter form, and the outlet field
    # would read the outlets through a server-side cursor (three round trips on PostgreSQL).
    def outlet_options(self) -> list[tuple[str, str, bool]]:
        outlets = Outlet.objects.order_by("name").values_list("pk", "name")
        return self._options("outlet", [("", "All outlets"), *outlets])

    def status_options(self) -> list[tuple[str, str, bool]]:
        return self._options("status", self.fields["status"].choices)

    def _options(self, name: str, choices: list) -> list[tuple[str, str, bool]]:
        chosen = self[name].value()
        chosen = "" if chosen is None else str(chosen)
        return [(str(value), str(label), str(value) == chosen) for value, label in choices]


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
