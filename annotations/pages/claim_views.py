from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotations.claims import (
    ClaimConflict,
    ClaimRefused,
    ClaimRelabel,
    claim_create,
    claim_delete,
    claim_undo,
    claim_update,
    suggestion_decide,
    suggestion_restore,
    suggestions_accept_all,
)
from annotations.models import Claim, Label, sees_every_claim, shows_to
from annotations.pages.annotate import (
    TEMPLATE,
    all_labels,
    article_or_404,
    claim_fragment_context,
    respond,
)
from annotations.pages.forms import (
    ClaimCreateForm,
    ClaimForm,
    ClaimUndoForm,
    ClaimVersionForm,
    LabelForm,
    SuggestionReviewForm,
    SuggestionsAcceptForm,
    first_error,
)
from newsroom.models import Article


def _claim_anchor(claim: Claim | None) -> str:
    return f"?claim={claim.pk}#claim-panel" if claim else ""


def _conflict_message(conflict: ClaimConflict) -> str:
    if conflict.current is None:
        return "This claim was deleted in another tab or by someone else; nothing was saved."
    who = conflict.current.history.first()
    by = f" by {who.history_user}" if who and who.history_user else ""
    return (
        f"This claim was changed{by} since you opened it (it is now at version "
        f"{conflict.current.version}). Your edit was not saved; the form shows the current state."
    )


@require_POST
@permission_required("annotations.add_claim", raise_exception=True)
def claim_new(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_or_404(pk)
    labels = all_labels()  # the form checks the label and the response shows them: one query
    form = ClaimCreateForm(request.POST, labels=labels)
    if not form.is_valid():
        return _refuse(request, article, first_error(form))
    try:
        claim = claim_create(article=article, author=request.user, **form.cleaned_data)
    except ClaimRelabel as relabel:  # the editor's claim on this span, offered to relabel
        return _refuse(request, article, str(relabel), claim=relabel.existing)
    except ClaimRefused as refused:
        return _refuse(request, article, str(refused))
    notice = "Saved."
    if getattr(claim, "accepted_suggestion", False):
        notice = (
            f"The rules had suggested “{article.text[claim.start : claim.end]}” as "
            f"{claim.label.name}: that suggestion is accepted, with what the rule filled in, "
            "instead of a second claim."
        )
    return _done(
        request,
        article,
        claim,
        touched=[(claim.start, claim.end)],
        groups={claim.label_id},
        labels=labels,
        notice=notice,
        fresh=True,  # a statement just marked: its nearest cue is preselected to link
        **_undo_of(claim, getattr(claim, "folded_suggestion", None)),
    )


@require_GET
@permission_required("annotations.view_claim", raise_exception=True)
def claim_detail(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    article = article_or_404(pk)
    claims = Claim.objects.visible_to(request.user, article).select_related("label")
    claim = get_object_or_404(claims, pk=claim_id, article=article)
    if not request.htmx:
        return redirect(article.get_absolute_url() + _claim_anchor(claim))
    context = claim_fragment_context(article, request.user, claim=claim, touched=[])
    return render(request, f"{TEMPLATE}#claim-panel", context)


@require_POST
@permission_required("annotations.change_claim", raise_exception=True)
def claim_edit(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    article = article_or_404(pk)
    claim = (
        Claim.objects.visible_to(request.user, article)
        .select_related("label", "article")
        .filter(pk=claim_id, article=article)
        .first()
    )
    if claim is None:
        # Deleted under the editor (another tab or editor): a conflict, as claim_remove says.
        # A claim hidden from them gets the same answer: hidden means absent.
        return _conflict(request, article, ClaimConflict(None))
    label_before, span_before = claim.label_id, (claim.start, claim.end)
    form = ClaimForm(request.POST, claim=claim, user=request.user)
    if not form.is_valid():
        # Every field's errors: the panel shows them above the form.
        errors = "; ".join(
            f"{form.fields[f].label or f}: {' '.join(e)}" if f in form.fields else " ".join(e)
            for f, e in form.errors.items()
        )
        return _refuse(request, article, errors, claim=claim)
    try:
        claim = claim_update(
            claim_id=claim.pk,
            version=form.cleaned_data["version"],
            user=request.user,
            changes=form.changes(),
        )
    except ClaimConflict as conflict:
        # The edit typed is kept beside the current state, to re-apply with one action.
        return _conflict(request, article, conflict, unsaved=form.cleaned_data)
    except ClaimRefused as refused:
        return _refuse(request, article, str(refused), claim=claim)
    return _done(
        request,
        article,
        claim,
        touched=[span_before, (claim.start, claim.end)],
        groups={label_before, claim.label_id},
        notice="Saved." if span_before == (claim.start, claim.end) else "Saved: the span moved.",
        undo=claim,
    )


@require_POST
@permission_required("annotations.delete_claim", raise_exception=True)
def claim_remove(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    article = article_or_404(pk)
    form = ClaimVersionForm(request.POST)
    if not form.is_valid():
        return _refuse(request, article, first_error(form))
    # A claim hidden from the user is as absent as a deleted one: the service answers both
    # with the same conflict.
    found = (
        Claim.objects.visible_to(request.user, article)
        .filter(pk=claim_id, article=article)
        .only("start", "end", "label_id", "author_id")
        .first()
    )
    try:
        claim_delete(claim_id=claim_id, version=form.cleaned_data["version"], user=request.user)
    except ClaimConflict as conflict:
        return _conflict(request, article, conflict)
    except ClaimRefused as refused:
        return _refuse(request, article, str(refused))
    if found is None:
        return _done(request, article, None, touched=[], groups=set())
    return _done(
        request,
        article,
        None,
        touched=[(found.start, found.end)],
        groups={found.label_id},
        notice="Deleted.",
        undo_deleted=claim_id,
    )


@require_POST
@permission_required("annotations.change_claim", raise_exception=True)
def claim_revert(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    """Undo the editor's last change to a claim (the panel's Undo, key z)."""
    article = article_or_404(pk)
    form = ClaimUndoForm(request.POST)
    if not form.is_valid():
        return _refuse(request, article, first_error(form))
    before = (
        Claim.objects.visible_to(request.user, article)
        .filter(pk=claim_id, article=article)
        .only("start", "end", "label_id")
        .first()
    )
    try:
        claim = claim_undo(
            article_id=article.pk,
            claim_id=claim_id,
            version=form.cleaned_data["version"],
            user=request.user,
        )
    except ClaimConflict as conflict:
        return _conflict(request, article, conflict)
    except ClaimRefused as refused:
        return _refuse(request, article, str(refused))
    touched = [(c.start, c.end) for c in (before, claim) if c is not None]
    groups = {c.label_id for c in (before, claim) if c is not None}
    return _done(
        request,
        article,
        claim,
        touched=touched,
        groups=groups,
        notice="Undone." if claim is not None else "Undone: the claim is gone.",
    )


@require_POST
@permission_required("annotations.change_claim", raise_exception=True)
def suggestion_review(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    """Accept or reject one suggestion; the panel then opens the next one."""
    article = article_or_404(pk)
    claim = get_object_or_404(Claim.objects.select_related("label"), pk=claim_id, article=article)
    _check_visible(request, article, claim)
    form = SuggestionReviewForm(request.POST)
    if not form.is_valid():
        # Without a version the panel cannot show the claim as the editor saw it.
        shown = None if "version" in form.errors else claim
        return _refuse(request, article, first_error(form), claim=shown)
    decision = form.cleaned_data["decision"]
    accept = decision == "accept"
    try:
        if decision == "restore":
            restored = suggestion_restore(
                claim_id=claim.pk, version=form.cleaned_data["version"], user=request.user
            )
            return _done(
                request,
                article,
                restored,
                touched=[(claim.start, claim.end)],
                groups={claim.label_id},
                notice="Restored: the suggestion is open again.",
            )
        decided = suggestion_decide(
            claim_id=claim.pk,
            version=form.cleaned_data["version"],
            user=request.user,
            accept=accept,
        )
    except ClaimConflict as conflict:
        return _conflict(request, article, conflict)
    except ClaimRefused as refused:
        return _refuse(request, article, str(refused), claim=claim)
    # The next open suggestion as the claims list shows them (by label, then reading order),
    # so that y/x work down the list the editor sees; after the last, back to the first.
    after = (
        Claim.objects.for_article(article)
        .suggested()
        .visible_to(request.user, article)
        .select_related("label")
    )
    upcoming = after.next_in_list(decided) or after.in_list_order().first()
    return _done(
        request,
        article,
        upcoming or (decided if accept else None),
        touched=[(claim.start, claim.end)],
        groups={claim.label_id},
        decided=decided,
        **_undo_of(decided, claim.pk if decided.pk != claim.pk else None),
    )


@require_POST
@permission_required("annotations.change_claim", raise_exception=True)
def suggestions_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept every open suggestion of one label in the article."""
    article = article_or_404(pk)
    if not sees_every_claim(request.user, article):
        # Suggestions are hidden from editors while each annotates on their own.
        raise Http404("No suggestions to accept.")
    form = SuggestionsAcceptForm(request.POST)
    if not form.is_valid():
        return _refuse(request, article, first_error(form))
    label = form.cleaned_data["label"]
    try:
        accepted = suggestions_accept_all(article=article, label=label, user=request.user)
    except ClaimRefused as refused:
        return _refuse(request, article, str(refused))
    return _done(
        request,
        article,
        None,
        touched=[(c.start, c.end) for c in accepted],
        groups={label.pk},
        decided_count=len(accepted),
        decided_label=label,
    )


def _undo_of(claim: Claim, folded: int | None) -> dict[str, Any]:
    """What the panel's Undo reverts: the claim's last change, or, where a suggestion was
    folded into the editor's own claim (and deleted), the suggestion's deletion."""
    return {"undo_deleted": folded} if folded is not None else {"undo": claim}


def _check_visible(request: HttpRequest, article: Article, claim: Claim) -> None:
    """A claim double annotation hides from the user is not there for them (as on the page
    and in claim_detail): 404 before any answer could show it or any change could touch it."""
    if not shows_to(claim, request.user, article):
        raise Http404("No such claim.")


def _done(
    request: HttpRequest,
    article: Article,
    claim: Claim | None,
    *,
    touched: list[tuple[int, int]],
    groups: set[int],
    **done: Any,
) -> HttpResponse:
    """The answer to a claim action that changed the text ranges `touched` and the claims
    list's groups of the label ids `groups`; `done` says what a review did (for the panel's
    message) or passes the labels the view already has. The sources panel refreshes itself
    on the `claims-changed` event."""
    response = respond(
        request,
        article,
        update="claim-update",
        claim=claim,
        touched=touched,
        labels_touched=groups,
        anchor=_claim_anchor(claim),
        **done,
    )
    if request.htmx:
        response["HX-Trigger"] = "claims-changed"
    return response


def _refuse(
    request: HttpRequest, article: Article, error: str, *, claim: Claim | None = None
) -> HttpResponse:
    return respond(
        request,
        article,
        update="claim-update",
        status=422,
        claim=claim,
        error=error,
        touched=[],
        anchor=_claim_anchor(claim),
    )


def _conflict(
    request: HttpRequest,
    article: Article,
    conflict: ClaimConflict,
    *,
    unsaved: dict[str, Any] | None = None,
) -> HttpResponse:
    current = conflict.current
    return respond(
        request,
        article,
        update="claim-update",
        status=409,
        claim=current,
        conflict=_conflict_message(conflict),
        unsaved=unsaved if current is not None else None,
        touched=[(current.start, current.end)] if current else [],
        # Rare, and the other tab may have moved the claim to any label: refresh every group.
        labels_touched=set(Label.objects.values_list("pk", flat=True)),
        anchor=_claim_anchor(current),
    )


@require_GET
@permission_required("annotations.view_label", raise_exception=True)
def label_list(request: HttpRequest) -> HttpResponse:
    return render(request, "annotations/label_list.html", {"labels": Label.objects.all()})


@require_http_methods(["GET", "POST"])
@permission_required("annotations.change_label", raise_exception=True)
def label_edit(request: HttpRequest, label_id: int | None = None) -> HttpResponse:
    label = get_object_or_404(Label, pk=label_id) if label_id else None
    form = LabelForm(request.POST or None, instance=label)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Saved the label “{saved.name}”.")
        return redirect("label_list")
    return render(request, "annotations/label_edit.html", {"form": form, "label": label})


@require_GET
@cache_control(max_age=60)
def label_css(request: HttpRequest) -> HttpResponse:
    """Label colours as a stylesheet: colours are data, and the CSP forbids inline styles."""
    rules = [
        # --within: a statement's line, drawn beneath the claims inside it (annotate._beneath).
        f".lab-{label.slug} {{ --claim: {label.colour}; }}\n"
        f".within-{label.slug} {{ --within: {label.colour}; }}"
        for label in Label.objects.all()
        # The model validates colours as #rrggbb and slugs as slugs; skip anything else.
        if label.colour[1:].isalnum() and label.slug.replace("_", "").replace("-", "").isalnum()
    ]
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
