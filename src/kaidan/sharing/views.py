"""Sharing pages: a dataset's grants, masking and undecided state; its access log; invitations; the
auditors' export; release of documents. Views parse input, call kaidan.sharing.services and render."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kaidan.access.services import rights
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import entries_between, export_entries, record, verify
from kaidan.catalog.describe import describe_query
from kaidan.catalog.selectors import get_dataset, grid_query
from kaidan.core.errors import Forbidden
from kaidan.core.useragent import describe_user_agent
from kaidan.documents.selectors import get_document

from . import selectors, services
from .forms import (
    AcceptForm,
    AccessLogForm,
    AuditExportForm,
    ChangeGrantForm,
    GrantForm,
    InviteForm,
    MaskingForm,
    UndecidedForm,
)
from .models import Invitation

LOG_PAGE_SIZE = 50


def _apply_errors(form: Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form (by field when it names one)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# ---------------------------------------------------------------------------------------------------
# The sharing page of a dataset


@login_required
def dataset_sharing(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_dataset(name, "object.share", actor=request.user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    grant_form = GrantForm(request.POST if action == "grant" else None, dataset=dataset)
    masking_form = MaskingForm(
        request.POST if action == "masking" else None, initial={"masking": dataset.masking}, prefix="m"
    )
    undecided_form = UndecidedForm(
        request.POST if action == "undecided" else None,
        initial={"planned_release": dataset.planned_release},
        prefix="u",
    )
    if action == "grant" and grant_form.is_valid():
        row_filter = grant_form.row_filter()
        if not grant_form.errors:
            try:
                services.grant_access(
                    dataset,
                    actor=request.user,
                    organization=grant_form.cleaned_data["organization"],
                    min_role=grant_form.cleaned_data["min_role"],
                    permission=grant_form.cleaned_data["permission"],
                    clearance=grant_form.cleaned_data["clearance"],
                    row_filter=row_filter,
                )
            except ValidationError as exc:
                _apply_errors(grant_form, exc)
            else:
                messages.success(
                    request,
                    _("%(org)s now has access.") % {"org": grant_form.cleaned_data["organization"].name},
                )
                return redirect("sharing:dataset", name=dataset.name)
    elif action == "masking" and masking_form.is_valid():
        services.set_masking(dataset, masking_form.cleaned_data["masking"], actor=request.user)
        messages.success(request, _("Saved."))
        return redirect("sharing:dataset", name=dataset.name)
    elif action == "undecided" and undecided_form.is_valid():
        try:
            services.mark_undecided(
                dataset, actor=request.user, planned_release=undecided_form.cleaned_data["planned_release"]
            )
        except ValidationError as exc:
            _apply_errors(undecided_form, exc)
        else:
            messages.success(request, _("The dataset is now undecided: only your organization sees it."))
            return redirect("sharing:dataset", name=dataset.name)
    elif action == "revoke":
        grant = services.get_grant(dataset, _int(request.POST.get("grant")))
        if grant is None:
            raise Http404("grant")
        services.revoke_access(grant, actor=request.user)
        messages.success(request, _("Access of %(org)s removed.") % {"org": grant.organization.name})
        return redirect("sharing:dataset", name=dataset.name)
    return render(
        request,
        "sharing/dataset.html",
        {
            "dataset": dataset,
            "explanations": selectors.explain_grants(dataset),
            "grant_form": grant_form,
            "masking_form": masking_form,
            "undecided_form": undecided_form,
            "condition_rows": _condition_rows(grant_form),
            "rights": rights(dataset, actor=request.user),
        },
        status=400 if _has_errors(grant_form, masking_form, undecided_form) else 200,
    )


def _has_errors(*forms: Form) -> bool:
    return any(f.is_bound and f.errors for f in forms)


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _condition_rows(form: Form) -> list[tuple[Any, Any]]:
    from .forms import CONDITION_ROWS

    return [(form[f"cond{i}_field"], form[f"cond{i}_values"]) for i in range(1, CONDITION_ROWS + 1)]


@login_required
def grant_edit(request: HttpRequest, name: str, grant_id: int) -> HttpResponse:
    dataset = get_dataset(name, "object.share", actor=request.user)
    grant = services.get_grant(dataset, grant_id)
    if grant is None:
        raise Http404("grant")
    form = ChangeGrantForm(request.POST or None, dataset=dataset, grant=grant)
    if request.method == "POST" and form.is_valid():
        row_filter = form.row_filter()
        if not form.errors:
            try:
                services.change_grant(
                    grant,
                    actor=request.user,
                    permission=form.cleaned_data["permission"],
                    clearance=form.cleaned_data["clearance"],
                    row_filter=row_filter,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("sharing:dataset", name=dataset.name)
    return render(
        request,
        "sharing/grant_edit.html",
        {
            "dataset": dataset,
            "grant": grant,
            "form": form,
            "condition_rows": _condition_rows(form),
            "explanation": selectors.explain_grant(dataset, grant),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def release_dataset(request: HttpRequest, name: str) -> HttpResponse:
    """Confirm, then release an undecided dataset."""
    dataset = get_dataset(name, "object.manage", actor=request.user)
    if request.method == "POST":
        if services.release(dataset, actor=request.user):
            messages.success(
                request, _("Released: the dataset is now visible by its classification and grants.")
            )
        return redirect("sharing:dataset", name=dataset.name)
    return render(
        request,
        "sharing/release_confirm.html",
        {"obj": dataset, "action": "", "cancel": reverse("sharing:dataset", args=[dataset.name])},
    )


# ---------------------------------------------------------------------------------------------------
# Access log


def _detail_in_words(dataset: Any, detail: dict[str, Any], *, actor: Any) -> list[tuple[str, str, str]]:
    """An audit entry's detail for people: (key, text, raw for a title). Grid queries and row scopes in
    words (「地区が三宿」), browsers named (Chrome 120 / Windows); other keys as stored."""
    shown = []
    for key, value in detail.items():
        if key == "query" and isinstance(value, str):
            words = describe_query(grid_query(dataset, QueryDict(value), actor=actor))
            shown.append((_("Filter"), words, ""))
        elif key == "row_filter" and isinstance(value, list):
            shown.append((_("Rows"), selectors.describe_row_filter(dataset, value), ""))
        elif key == "user_agent":
            shown.append((pgettext("sharing", "Browser"), describe_user_agent(str(value)), str(value)))
        else:
            shown.append((key, str(value), ""))
    return shown


@login_required
def access_log(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_dataset(name, "object.audit", actor=request.user)
    kinds = [(key, label) for key, (label, _q) in selectors.ACCESS_KINDS.items()]
    form = AccessLogForm(request.GET or None, kinds=kinds)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {
            "kind": form.cleaned_data.get("kind") or "",
            "since": form.cleaned_data.get("since"),
            "until": form.cleaned_data.get("until"),
        }
    entries = selectors.access_log(dataset, **filters)
    if request.GET.get("format") == "csv" and not (form.is_bound and form.errors):
        buffer = io.StringIO()
        export_entries(buffer, "csv", entries.iterator())
        response = HttpResponse(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="{dataset.name}-access-log-{stamp}.csv"'
        return response
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.shown_detail = _detail_in_words(dataset, entry.detail, actor=request.user)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "sharing/access_log.html",
        {
            "dataset": dataset,
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------------
# Invitations


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    organizations = services.invitable_organizations(actor=request.user)
    if not organizations:
        raise PermissionDenied(_("You may not invite people."))
    form = InviteForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(
                actor=request.user,
                email=form.cleaned_data["email"],
                organization=form.cleaned_data["organization"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except Forbidden as exc:
            form.add_error("organization", str(exc))
        except OSError:  # SMTP refused or unreachable: the invitation was rolled back
            form.add_error(
                None,
                _(
                    "The e-mail could not be sent, so no invitation was made. Try again later or tell the administrator."
                ),
            )
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s. The link works once, for %(days)s days.")
                % {"email": invitation.email, "days": services.INVITATION_DAYS},
            )
            return redirect("sharing_site:invitations")
    return render(
        request,
        "sharing/invitations.html",
        {"form": form, "invitations": selectors.invitations_visible_to(actor=request.user)},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = Invitation.objects.select_related("organization").filter(pk=pk).first()
    if invitation is None or not services.invitable_roles(invitation.organization, actor=request.user):
        raise Http404("invitation")
    services.revoke_invitation(invitation, actor=request.user)
    messages.success(request, _("The invitation for %(email)s was revoked.") % {"email": invitation.email})
    return redirect("sharing_site:invitations")


@sensitive_post_parameters("password1", "password2")
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    status = invitation.status if invitation else "unknown"
    if status != Invitation.Status.PENDING:
        return render(
            request,
            "sharing/accept_invalid.html",
            {"status": status, "invitation": invitation},
            status=410 if invitation else 404,
        )
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accepted = services.accept_invitation(
                token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except LookupError:
            return render(
                request,
                "sharing/accept_invalid.html",
                {"status": "used", "invitation": invitation},
                status=410,
            )
        else:
            login(request, accepted.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! You are now a member of %(org)s.")
                % {"org": accepted.invitation.organization.name},
            )
            return redirect("core:staff_home")
    return render(
        request,
        "sharing/accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.is_bound and form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------------
# Auditors' export


def may_export_audit(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser and user.is_active)


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    if not may_export_audit(request.user):
        raise PermissionDenied(_("Only superusers may export the audit log."))
    form = AuditExportForm(request.GET if "format" in request.GET else None)
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data.get("since"), form.cleaned_data.get("until")
        fmt = form.cleaned_data["format"]
        entries = entries_between(
            selectors.start_of(since) if since else None,
            selectors.start_of(until + timedelta(days=1)) if until else None,
        )
        buffer = io.StringIO()
        export_entries(buffer, fmt, entries.iterator())
        record(
            "audit.export", None, actor=request.user, detail={"format": fmt, "since": since, "until": until}
        )
        body = ("\ufeff" if fmt == "csv" else "") + buffer.getvalue()
        response = HttpResponse(
            body.encode("utf-8"),
            content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/jsonl; charset=utf-8",
        )
        span = f"{since or 'start'}_{until or 'now'}"
        response["Content-Disposition"] = f'attachment; filename="kaidan-audit-{span}.{fmt}"'
        return response
    problems = verify()
    return render(
        request,
        "sharing/audit_export.html",
        {"form": form, "problems": problems, "count": AuditEntry.objects.count()},
        status=400 if form.is_bound and form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------------
# Undecided documents


@login_required
def document_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a document undecided (with a planned date) or release it, with confirmation."""
    document = get_document(pk, actor=request.user)
    if not rights(document, actor=request.user).allows("object.manage"):
        raise PermissionDenied(_("You do not have permission to do this."))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = UndecidedForm(
        request.POST if action == "undecided" else None,
        initial={"planned_release": document.planned_release},
        prefix="u",
    )
    if action == "undecided" and form.is_valid():
        try:
            services.mark_undecided(
                document, actor=request.user, planned_release=form.cleaned_data["planned_release"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The document is now undecided: only your organization sees it."))
            return redirect("sharing_site:document_release", pk=document.pk)
    elif action == "release":
        if services.release(document, actor=request.user):
            messages.success(request, _("Released: the document is now visible by its classification."))
        return redirect("sharing_site:document_release", pk=document.pk)
    if request.GET.get("confirm") == "release" and document.undecided:
        return render(
            request,
            "sharing/release_confirm.html",
            {
                "obj": document,
                "action": "release",
                "cancel": reverse("sharing_site:document_release", args=[pk]),
            },
        )
    return render(
        request,
        "sharing/document_release.html",
        {"document": document, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
