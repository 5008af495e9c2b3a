"""The export page: a filter form that streams the corpus as a download, and the upload form
that imports a Newsroom export back (admins)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from annotations.exchange.corpus_import import corpus_import_job
from annotations.exchange.downloads import DOWNLOAD_FORMATS, corpus_download
from annotations.exchange.export import SCHEMA_VERSION
from annotations.exchange.formats.label_studio import label_config
from annotations.filters import ExportFilterForm
from annotations.models import Label
from newsroom.models import Outlet
from newsroom.pages.forms import UploadFileForm
from newsroom.pages.views import body_too_large
from newsroom.uploads import CORPUS_FILE, upload_limit

TEMPLATE = "annotations/export.html"


class ExportForm(ExportFilterForm):
    """The export's filters (the API's, annotations.filters) with the page's pick-lists: every
    format there is, an outlet and labels chosen from those there are."""

    format = forms.ChoiceField(
        choices=[(f.key, f.name) for f in DOWNLOAD_FORMATS.values()],
        required=False,
        help_text="What each is for: under the form.",
    )

    outlet = forms.ModelChoiceField(
        queryset=Outlet.objects.all(),
        required=False,
        empty_label="All outlets",
        to_field_name="name",
    )
    labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Articles with a claim (not rejected) of any of these labels.",
    )

    def clean_outlet(self) -> str:
        outlet = self.cleaned_data["outlet"]
        return outlet.name if outlet else ""

    def clean_labels(self) -> tuple[str, ...]:
        return tuple(label.slug for label in self.cleaned_data["labels"])


class CorpusUploadForm(UploadFileForm):
    kind = CORPUS_FILE
    file = forms.FileField(help_text="A Newsroom export: .jsonl or .json.")


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def corpus_export(request: HttpRequest) -> HttpResponse:
    """The export page; with `download`, the filtered corpus streamed as an attachment in the
    format asked for.

    Editors and admins may export what they may read in the app: everything, except that an
    editor on a double-annotated article gets only their own claims, as on its page. Accepted
    claims only, unless suggestions are asked for.
    """
    form = ExportForm(request.GET if "download" in request.GET else None)
    if form.is_bound and form.is_valid():
        fmt = DOWNLOAD_FORMATS[form.fmt()]
        chunks = corpus_download(fmt=fmt.key, filters=form.filters(), viewer=request.user)
        name = f"newsroom-corpus-{timezone.now():%Y%m%d-%H%M%S}{fmt.suffix}"
        return _attachment(StreamingHttpResponse(chunks, content_type=fmt.content_type), name)
    status = 400 if form.is_bound else 200
    return render(request, TEMPLATE, _context(request, form), status=status)


@require_GET
@permission_required("newsroom.view_article", raise_exception=True)
def label_studio_config(request: HttpRequest) -> HttpResponse:
    """The Label Studio labelling interface (XML) that matches the Label Studio export."""
    response = HttpResponse(label_config(), content_type="application/xml; charset=utf-8")
    return _attachment(response, "newsroom-label-studio-config.xml")


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@permission_required("newsroom.review_article", raise_exception=True)
def corpus_upload(request: HttpRequest) -> HttpResponse:
    """Take an uploaded Newsroom export and hand it to a task worker, which imports it all or
    nothing (admins: it sets review statuses); the answer is the job's page."""
    if refusal := body_too_large(request, CORPUS_FILE.command):
        return refusal
    upload_form = CorpusUploadForm(request.POST, request.FILES)
    if upload_form.is_valid():
        job = corpus_import_job(upload=upload_form.cleaned_data["file"], created_by=request.user)
        if request.htmx:
            return HttpResponseClientRedirect(job.get_absolute_url())
        return redirect(job)
    context = _context(request, ExportForm(), upload_form=upload_form)
    status = 413 if upload_form.has_error("file", "size") else 422
    template = TEMPLATE + "#import-result" if request.htmx else TEMPLATE
    return render(request, template, context, status=status)


def _context(request: HttpRequest, form: ExportForm, upload_form=None) -> dict:
    return {
        "form": form,
        "formats": DOWNLOAD_FORMATS.values(),
        "schema_version": SCHEMA_VERSION,
        "upload_form": upload_form or CorpusUploadForm(),
        "may_import": request.user.has_perm("newsroom.review_article"),
        "limit": upload_limit(),
    }
