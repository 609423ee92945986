"""The residents' pages (no login): the list, a procedure's page, the form, the confirmation, the status.

Smartphone first. Every post keeps what was typed (a draft behind a private resume link), so nothing is
lost to an error, a closed tab or a time-out: there is none. Abuse guards (kaidan.procedures.guard) never
drop input either: a refused post shows the form again with the answers.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kaidan.audit.middleware import client_address
from kaidan.core.errors import NotFound

from . import applications, guard, selectors
from .forms import ApplicationForm, LookupForm
from .models import CaseStatus, Draft, Procedure, Submission
from .postal import lookup as postal_lookup
from .schema import FieldDef, Kind, display_value, visible

logger = logging.getLogger(__name__)
SESSION_FOUND = "kaidan.procedures.found"


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "procedures/index.html", {"procedures": selectors.published()})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = selectors.get_published(slug)
    return render(request, "procedures/detail.html", {"procedure": procedure})


def _form_page(
    request: HttpRequest,
    procedure: Procedure,
    form: ApplicationForm,
    draft: Draft | None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {
        "procedure": procedure,
        "form": form,
        "draft": draft,
        "held": form.held,
        "max_mb": max_upload_mb(),
        "resume_token": applications.resume_token(draft) if draft is not None else "",
        "resume_url": request.build_absolute_uri(
            reverse("procedures:resume", args=[applications.resume_token(draft)])
        )
        if draft is not None
        else "",
        "retention_days": applications.draft_retention_days(),
        "kept_until": draft.updated_at + timedelta(days=applications.draft_retention_days())
        if draft is not None
        else None,
        **extra,
    }
    return render(request, "procedures/apply.html", context, status=status)


def _post_form(request: HttpRequest, procedure: Procedure, draft: Draft | None) -> HttpResponse:
    """Keep the answers (a draft), then go on to the confirmation or show what to fix."""
    version = draft.version if draft is not None else procedure.current_version
    assert version is not None
    held = applications.held_files(draft)
    form = ApplicationForm(version, data=request.POST, files=request.FILES, held=held)
    if guard.is_bot(request.POST) or not guard.allow("save", client_address(request)):
        return _form_page(request, procedure, form, draft, status=429, refused=True)
    draft = applications.save_draft(procedure, draft, form.raw())
    file_errors: dict[str, str] = {}
    for d in form.defs:
        upload = request.FILES.get(d.key)
        if d.kind is Kind.FILE and upload is not None:
            try:
                applications.hold_file(draft, d.key, upload)
            except ValidationError as exc:
                file_errors[d.key] = " ".join(exc.messages)
    held = applications.held_files(draft)
    form = ApplicationForm(version, data=request.POST, held=held)
    if request.POST.get("action") == "save":
        messages.success(request, _("Saved. Use the private link below to come back and go on."))
        return redirect("procedures:resume", token=applications.resume_token(draft))
    valid = form.is_valid()
    for key, error in file_errors.items():
        form.add_error(key, error)
        valid = False
    if guard.too_fast(str(request.POST.get(guard.TRAP, ""))):
        return _form_page(request, procedure, form, draft, status=429, too_fast=True)
    if not valid:
        return _form_page(request, procedure, form, draft, status=400)
    return redirect("procedures:confirm", token=applications.resume_token(draft))


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = selectors.get_published(slug)
    if request.method == "POST":
        return _post_form(request, procedure, None)
    assert procedure.current_version is not None
    return _form_page(request, procedure, ApplicationForm(procedure.current_version), None)


def _draft(token: str) -> Draft:
    draft = applications.find_draft(token)
    if draft is None or draft.clerk_id is not None:  # a counter draft opens only on the clerk's pages
        raise NotFound(detail="draft")
    return draft


@never_cache
@require_http_methods(["GET", "POST"])
def resume(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(token)
    if draft.submission_id is not None:
        return _already(request, draft)
    if request.method == "POST":
        return _post_form(request, draft.procedure, draft)
    data = ApplicationForm.data_from(draft.version, draft.answers)
    form = ApplicationForm(draft.version, initial=data, held=applications.held_files(draft))
    form.initial.setdefault(guard.TRAP, guard.stamp())
    return _form_page(request, draft.procedure, form, draft)


def _already(request: HttpRequest, draft: Draft) -> HttpResponse:
    submission = Submission.objects.get(pk=int(draft.submission_id or 0))
    return render(
        request, "procedures/already.html", {"submission": submission, "procedure": draft.procedure}
    )


def answer_rows(
    defs: list[FieldDef], answers: dict[str, Any], raw: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(label, answer as text) of the fields shown, for confirmation and status pages."""
    rows = []
    shown_by = raw if raw is not None else answers
    for d in defs:
        if not visible(d, shown_by):
            continue
        rows.append((d.label, display_value(d, answers.get(d.key), _("Yes"), _("No"))))
    return rows


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(token)
    if draft.submission_id is not None:
        return _already(request, draft)
    held = applications.held_files(draft)
    form = ApplicationForm(
        draft.version, data=ApplicationForm.data_from(draft.version, draft.answers), held=held
    )
    if not form.is_valid():
        return redirect("procedures:resume", token=token)
    answers = form.answers()
    for key, attachment in held.items():
        answers[key] = {"filename": attachment.filename}
    context = {
        "procedure": draft.procedure,
        "draft": draft,
        "token": token,
        "rows": answer_rows(form.defs, answers, draft.answers),
        "email": form.cleaned_data["contact_email"],
    }
    if request.method == "POST":
        if not guard.allow("submit", client_address(request)):
            return render(request, "procedures/confirm.html", {**context, "refused": True}, status=429)
        try:
            submission, status_token = applications.submit(
                draft, form.answers(), email=form.cleaned_data["contact_email"]
            )
        except applications.AlreadySubmitted:
            return _already(request, draft)
        except DatabaseError:
            logger.exception("an application could not be stored (draft %s)", draft.pk)
            return render(request, "procedures/confirm.html", {**context, "failed": True}, status=503)
        response = redirect("procedures:status", token=status_token)
        response["Location"] += "?new=1"
        return response
    return render(request, "procedures/confirm.html", context)


def _status_page(request: HttpRequest, submission: Submission, here: str) -> HttpResponse:
    defs = [FieldDef.from_dict(f) for f in submission.version.fields]
    form = None
    returned = submission.status == CaseStatus.RETURNED
    # the files already sent stay unless the applicant chooses another (the form says so)
    held = {a.field_key: a for a in submission.files.order_by("pk")} if returned else {}
    if returned:
        raw = ApplicationForm.raw_from_answers(submission.version, submission.answers)
        if request.method == "POST":
            form = ApplicationForm(
                submission.version,
                data=request.POST,
                files=request.FILES,
                held=held,
                email_required=False,
            )
            form.fields.pop(guard.TRAP)
            if guard.is_bot(request.POST) or not guard.allow("save", client_address(request)):
                form.add_error(None, _("We could not accept this right now. Please try again in a while."))
            elif form.is_valid():
                try:
                    applications.correct(submission, form.answers(), form.uploads())
                except ValidationError as exc:
                    form.add_error(None, " ".join(exc.messages))
                else:
                    messages.success(request, _("Thank you. Your correction was received."))
                    return HttpResponseRedirect(here)
        else:
            form = ApplicationForm(
                submission.version,
                initial=ApplicationForm.data_from(submission.version, raw, ""),
                held=held,
                email_required=False,
            )
        form.fields.pop("contact_email", None)
    context = {
        "submission": submission,
        "procedure": submission.procedure,
        "rows": answer_rows(defs, submission.answers),
        "events": applications.public_events(submission),
        "form": form,
        "held": held,
        "new": request.GET.get("new") == "1",
        "here": here,
    }
    return render(
        request, "procedures/status.html", context, status=400 if form is not None and form.errors else 200
    )


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, token: str) -> HttpResponse:
    submission = applications.find_by_token(token)
    if submission is None:
        raise NotFound(detail="status")
    return _status_page(request, submission, reverse("procedures:status", args=[token]))


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Status by receipt number + e-mail (rate-limited; the same answer for a wrong number or address)."""
    form = LookupForm(request.POST or None)
    not_found = refused = False
    if request.method == "POST":
        if not guard.allow("lookup", client_address(request)):
            refused = True
        elif form.is_valid():
            submission = applications.find_by_receipt(
                form.cleaned_data["receipt"], form.cleaned_data["email"]
            )
            if submission is not None:
                found = set(request.session.get(SESSION_FOUND, []))
                request.session[SESSION_FOUND] = sorted(found | {submission.pk})
                return redirect("procedures:found", pk=submission.pk)
            not_found = True
    return render(
        request,
        "procedures/lookup.html",
        {"form": form, "not_found": not_found, "refused": refused},
        status=429 if refused else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def found(request: HttpRequest, pk: int) -> HttpResponse:
    if pk not in request.session.get(SESSION_FOUND, []):
        raise NotFound(detail="found")
    submission = Submission.objects.select_related("procedure", "version").filter(pk=pk).first()
    if submission is None:
        raise NotFound(detail="found")
    return _status_page(request, submission, reverse("procedures:found", args=[pk]))


@require_http_methods(["GET"])
def postal(request: HttpRequest) -> JsonResponse:
    """{"address": …} for ?code=1540001 from the ward's postal-code dataset (rate-limited), else 404."""
    if not guard.allow("postal", client_address(request)):
        return JsonResponse({"error": "rate"}, status=429)
    address = postal_lookup(str(request.GET.get("code", ""))[:20], actor=request.user)
    if address is None:
        return JsonResponse({"address": None}, status=404)
    return JsonResponse({"address": address})


def max_upload_mb() -> int:
    return int(getattr(settings, "PROCEDURES_MAX_UPLOAD_SIZE", applications.DEFAULT_MAX_UPLOAD)) // (
        1024 * 1024
    )
