from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from annotations.filters import ArticleFilterForm, LenientForm
from annotations.models import Claim, Label, LabelKind
from entities.models import EntityMention
from newsroom.models import Article, Outlet


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


class ArticleSearchForm(ArticleFilterForm):
    """The article list page's search and filters: the API's status and outlet (picked from
    the outlets there are), and words to search for. Only these fields reach the query."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    outlet = forms.ModelChoiceField(
        queryset=Outlet.objects.all(), required=False, empty_label="All outlets"
    )

    field_order = ["q", "outlet", "status"]

    def words(self) -> str:
        """What the valid form searches for (empty: no search)."""
        return self.cleaned_data["q"].strip()

    def apply(self, articles: QuerySet) -> QuerySet:
        """`articles` narrowed to the outlet and status, then searched for the words."""
        return super().apply(articles).search(self.words())

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


class ArticleFocusForm(LenientForm):
    """What the article page opens on: `mention` (one of its entities) and `claim` (one of
    the claims the viewer may see); an unknown or foreign one is ignored."""

    mention = forms.ModelChoiceField(queryset=EntityMention.objects.none(), required=False)
    claim = forms.ModelChoiceField(queryset=Claim.objects.none(), required=False)

    def __init__(self, *args: Any, article: Article, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mention"].queryset = EntityMention.objects.filter(article=article)
        self.fields["claim"].queryset = (
            Claim.objects.visible_to(user, article).filter(article=article).select_related("label")
        )
