"""Counter mode pages (書かない窓口): look up, prefill, the resident's check screen, submit on their behalf."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kaidan.catalog.selectors import get_dataset

from . import applications, counter, selectors, sheet
from .forms import ApplicationForm
from .models import Draft, Procedure
from .views import answer_rows


@login_required
def lookup(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = selectors.get_for_cases(slug, actor=request.user)
    counter.require(procedure, actor=request.user)
    datasets = counter.source_datasets(actor=request.user)
    chosen = request.GET.get("dataset", "")
    text = request.GET.get("q", "").strip()[:200]
    page = None
    if chosen and text:
        page = counter.search(get_dataset(chosen, actor=request.user), text, actor=request.user)
    return render(
        request,
        "procedures/counter.html",
        {
            "procedure": procedure,
            "datasets": datasets,
            "chosen": chosen,
            "q": text,
            "page": page,
            "nav_procedures": True,
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = selectors.get_for_cases(slug, actor=request.user)
    row = request.POST.get("row", "")
    draft = counter.start(
        procedure,
        actor=request.user,
        dataset_name=request.POST.get("dataset", ""),
        row_id=int(row) if row.isdigit() else None,
    )
    return redirect("procedures:counter_form", slug=slug, token=applications.resume_token(draft))


@login_required
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    procedure = selectors.get_for_cases(slug, actor=request.user)
    draft = counter.find(procedure, token, actor=request.user)
    held = applications.held_files(draft)
    if request.method == "POST":
        bound = ApplicationForm(draft.version, data=request.POST, held=held, email_required=False)
        draft = applications.save_draft(procedure, draft, bound.raw())
        file_errors: dict[str, str] = {}
        for d in bound.defs:
            upload = request.FILES.get(d.key)
            if upload is not None and d.kind == "file":
                try:
                    applications.hold_file(draft, d.key, upload)
                except ValidationError as exc:
                    file_errors[d.key] = " ".join(exc.messages)
        bound = ApplicationForm(
            draft.version, data=request.POST, held=applications.held_files(draft), email_required=False
        )
        valid = bound.is_valid()
        for key, error in file_errors.items():
            bound.add_error(key, error)
            valid = False
        if valid:
            return redirect("procedures:counter_check", slug=slug, token=token)
        status = 400
    else:
        bound = ApplicationForm(
            draft.version,
            initial=ApplicationForm.data_from(draft.version, draft.answers),
            held=held,
            email_required=False,
        )
        status = 200
    prefilled = {key for source in draft.sources for key in source.get("fields", [])}
    return render(
        request,
        "procedures/counter_form.html",
        {
            "procedure": procedure,
            "form": bound,
            "draft": draft,
            "token": token,
            "held": bound.held,
            "prefilled": sorted(prefilled),
            "nav_procedures": True,
        },
        status=status,
    )


def _checked(
    request: HttpRequest, slug: str, token: str
) -> tuple[Procedure, Draft, ApplicationForm, dict[str, Any]] | None:
    """The counter draft and its answers when they are complete (None: back to the form)."""
    procedure = selectors.get_for_cases(slug, actor=request.user)
    draft = counter.find(procedure, token, actor=request.user)
    held = applications.held_files(draft)
    bound = ApplicationForm(
        draft.version,
        data=ApplicationForm.data_from(draft.version, draft.answers),
        held=held,
        email_required=False,
    )
    if not bound.is_valid():
        return None
    shown = {**bound.answers(), **{key: {"filename": a.filename} for key, a in held.items()}}
    return procedure, draft, bound, shown


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The screen the resident reads and confirms (large, plain): then the clerk submits for them."""
    checked = _checked(request, slug, token)
    if checked is None:
        return redirect("procedures:counter_form", slug=slug, token=token)
    procedure, draft, bound, shown = checked
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        submission = counter.submit(
            draft, bound.answers(), bound.cleaned_data.get("contact_email") or "", actor=request.user
        )
        messages.success(
            request,
            _("Submitted at the counter. Receipt number: %(receipt)s") % {"receipt": submission.receipt},
        )
        return redirect("procedures:case", slug=slug, pk=submission.pk)
    return render(
        request,
        "procedures/counter_check.html",
        {
            "procedure": procedure,
            "token": token,
            "rows": answer_rows(bound.defs, shown, draft.answers),
            "email": bound.cleaned_data.get("contact_email") or "",
            "sources": draft.sources,
            "need_confirm": request.method == "POST",
            "sheet": sheet.available(),
            "nav_procedures": True,
        },
    )


@login_required
@never_cache
def check_sheet(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The check screen as a printed sheet (PDF, Japanese font embedded) the resident checks and signs."""
    checked = _checked(request, slug, token)
    if checked is None:
        return redirect("procedures:counter_form", slug=slug, token=token)
    procedure, draft, bound, shown = checked
    try:
        pdf = sheet.confirmation_sheet(
            title=procedure.title,
            rows=answer_rows(bound.defs, shown, draft.answers),
            email=bound.cleaned_data.get("contact_email") or "",
        )
    except sheet.NoFont:
        return HttpResponse(
            _("No Japanese font is installed on the server: use the check screen."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="confirmation-{draft.pk}.pdf"'
    return response
