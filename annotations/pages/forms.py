"""The pages' forms: each POST is parsed and checked by one, so a view reads "validate,
call a service, render". The services check what needs the database or the article (offsets
inside the text, who may do what); a form checks the shape of what was posted, with the
message the page shows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from annotations.filters import ArticleFilterForm, LenientForm
from annotations.models import Claim, Label, LabelKind
from annotations.review import TRANSITIONS
from entities.models import EntityMention
from entities.pipeline import ENTITY_LABELS
from newsroom.models import Article, Outlet


def first_error(form: forms.Form) -> str:
    """The message of the form's first error, in the order of its fields."""
    return next(str(message) for errors in form.errors.values() for message in errors)


def _messages(message: str) -> dict[str, str]:
    """One message for a field missing, malformed or out of range."""
    return dict.fromkeys(("required", "invalid", "min_value", "invalid_choice"), message)


class IntegerListField(forms.Field):
    """Whole numbers posted under one name (checkboxes): a list of ints, maybe empty."""

    widget = forms.MultipleHiddenInput  # reads every value posted under the name
    default_error_messages = {"invalid": "Enter whole numbers."}

    def to_python(self, value: Any) -> list[int]:
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class SelectionForm(forms.Form):
    """A selection of the text: its offsets (the services check them against the text)."""

    selection_message = "Select some text first."
    start = forms.IntegerField()
    end = forms.IntegerField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].error_messages.update(_messages(self.selection_message))


class ClaimCreateForm(SelectionForm):
    """A new claim: the selection and the label's slug, one of `labels` (no query)."""

    selection_message = "Select some text first, then press a label key."
    label = forms.ChoiceField(error_messages=_messages("Unknown label; reload the page."))

    def __init__(self, *args: Any, labels: list[Label], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labels = {label.slug: label for label in labels}
        self.fields["label"].choices = [(label.slug, label.name) for label in labels]

    def clean_label(self) -> Label:
        return self.labels[self.cleaned_data["label"]]


class ClaimVersionForm(forms.Form):
    """The version of the claim the editor read (a delete says which one it deletes)."""

    version = forms.IntegerField(
        min_value=1,
        error_messages=_messages("The form is missing the claim's version; reload the page."),
    )


class ClaimUndoForm(forms.Form):
    """Undo the editor's last change to a claim: the version it left (none after a delete)."""

    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


class SuggestionReviewForm(forms.Form):
    """Accept or reject one suggestion, at the version the editor read."""

    version = forms.IntegerField(
        min_value=1, error_messages=_messages("The form is missing the claim's version; reload.")
    )
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("reject", "Reject"), ("restore", "Restore")],
        error_messages=_messages("Choose accept, reject or restore."),
    )


class SuggestionsAcceptForm(forms.Form):
    """Accept every open suggestion of one label."""

    label = forms.ModelChoiceField(
        queryset=Label.objects.all(),
        to_field_name="slug",
        error_messages=_messages("Unknown label; reload the page."),
    )


_ENTITY_CHOICES = [(label, label) for label in ENTITY_LABELS]
_UNKNOWN_ENTITY_LABEL = {"invalid_choice": "Unknown entity label %(value)r."}


class MentionCreateForm(SelectionForm):
    """An entity an editor tags at a selection. A missing label reaches the service, which
    names it (as it names an unknown one)."""

    label = forms.ChoiceField(
        choices=_ENTITY_CHOICES, required=False, error_messages=_UNKNOWN_ENTITY_LABEL
    )


class MentionDecisionForm(forms.Form):
    """Accept, reject or relabel a mention; the service refuses what the choices allow but
    the mention does not (a missing action or label, a clash)."""

    action = forms.ChoiceField(
        choices=[("accept", "Accept"), ("reject", "Reject"), ("relabel", "Relabel")],
        required=False,
        error_messages={"invalid_choice": "Unknown action %(value)r."},
    )
    # Read only when relabelling: the service checks it then.
    label = forms.CharField(required=False, max_length=20)


class SourceMergeForm(forms.Form):
    """Merge one source into another (ids of the article's sources)."""

    source = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    into = forms.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"required": "Choose the source to merge it into."},
    )


class SourceSplitForm(forms.Form):
    """Give one mention (a claim id) a source of its own."""

    claim = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class ReviewStepForm(forms.Form):
    """A step of the review workflow, at the article version the reviewer read."""

    version = forms.IntegerField(
        min_value=1,
        error_messages=_messages("The form is missing the article's version; reload the page."),
    )
    action = forms.ChoiceField(
        choices=[(action, action) for action in TRANSITIONS],
        required=False,  # the service names a missing step as it names an unknown one
        error_messages={"invalid_choice": "Unknown step %(value)r."},
    )
    # Not stripped: the service decides what counts as an empty comment, for every caller.
    comment = forms.CharField(required=False, strip=False)


class ReviewCommentForm(forms.Form):
    """A comment on the article's review thread (the service checks its length)."""

    comment = forms.CharField(required=False, strip=False)


class ReviewAssignForm(forms.Form):
    """The editors assigned to the article (none: unassign everyone)."""

    editors = IntegerListField(
        required=False, error_messages={"invalid": "Pick editors from the list."}
    )


class MergeForm(forms.Form):
    """The claims an admin keeps when merging two editors' versions."""

    keep = IntegerListField(
        required=False, error_messages={"invalid": "Pick claims from the list."}
    )


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
    cue = forms.ModelChoiceField(queryset=None, required=False, label="Said via", empty_label="—")
    # A moved span (the page's handles and keys): code points; the service snaps them to
    # whole tokens and refuses what is outside the text. Absent: the span stays.
    start = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )
    end = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1
    )

    def __init__(self, *args, claim: Claim, user: Any, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this article's entities and the source claims `user` may see can be linked:
        # a hidden claim's id is refused exactly as one that does not exist.
        self.fields["source_mention"].queryset = claim.article.entity_mentions.all()
        self.fields["source_claim"].queryset = (
            Claim.objects.filter(article_id=claim.article_id, label__kind=LabelKind.SOURCE)
            .visible_to(user, claim.article)
            .exclude(pk=claim.pk)
        )
        self.fields["cue"].queryset = (
            Claim.objects.filter(article_id=claim.article_id, label__kind=LabelKind.CUE)
            .visible_to(user, claim.article)
            .exclude(pk=claim.pk)
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise forms.ValidationError("A moved span needs both its start and its end.")
        if start is not None and end is not None and start >= end:
            raise forms.ValidationError("A span's start must come before its end.")
        return data

    def changes(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        data.pop("version")
        data["anonymity_reason"] = data["anonymity_reason"].strip()
        if data["label"].kind != LabelKind.CONTENT:
            # Relabelled from a statement (its panel posts its cue): the link goes with it.
            data["cue"] = None
        if data["start"] is None:  # the span was not moved
            del data["start"], data["end"]
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

    field_order = ["q", "outlet", "status", "sort"]

    def words(self) -> str:
        """What the valid form searches for (empty: no search)."""
        return self.cleaned_data["q"].strip()

    def apply(self, articles: QuerySet) -> QuerySet:
        """`articles` narrowed to the outlet and status, searched for the words (ranked on
        PostgreSQL), then in the order `sort` names, if it names one."""
        return self.ordered(self.narrowed(articles).search(self.words()))

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
