from __future__ import annotations

from django import forms

from annotations.models import Claim, Label, LabelKind
from newsroom.models import ArticleStatus, Outlet


class ClaimForm(forms.Form):
    """An editor's changes to one claim; `version` is the one the editor read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    label = forms.ModelChoiceField(
        queryset=Label.objects.all(), empty_label=None, to_field_name="slug"
    )
    anonymity_reason = forms.CharField(
        max_length=300,
        required=False,
        help_text="Why the source is not named, as the article says.",
    )
    affiliation = forms.CharField(
        max_length=200, required=False, help_text="Whom the source speaks for."
    )
    source_count = forms.IntegerField(
        min_value=1, max_value=1000, required=False, label="Number of sources"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    source_mention = forms.ModelChoiceField(
        queryset=None, required=False, label="Source entity", empty_label="—"
    )
    source_claim = forms.ModelChoiceField(
        queryset=None, required=False, label="Belongs to source", empty_label="—"
    )

    def __init__(self, *args, claim: Claim, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this article's entities and source claims can be linked.
        self.fields["source_mention"].queryset = claim.article.entity_mentions.all()
        self.fields["source_claim"].queryset = Claim.objects.filter(
            article_id=claim.article_id, label__kind=LabelKind.SOURCE
        ).exclude(pk=claim.pk)

    def changes(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        data.pop("version")
        data["anonymity_reason"] = data["anonymity_reason"].strip()
        return data


class LabelForm(forms.ModelForm):
    class Meta:
        model = Label
        fields = ["name", "slug", "kind", "shortcut", "colour", "description", "order"]
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "description": forms.Textarea(attrs={"rows": 5}),
        }


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
