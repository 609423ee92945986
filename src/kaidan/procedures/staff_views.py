"""Staff pages: the procedures I work on, the form builder, publishing, the inbox and a case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaidan.accounts.models import Organization, User
from kaidan.core.errors import NotFound

from . import cases, counter, mail, selectors, services
from .forms import KIND_LABELS, ApplicationForm, FieldForm, ProcedureForm
from .models import CaseStatus, ProcedureVersion
from .schema import load, visible
from .services import ProcedureRejected

KINDS = dict(KIND_LABELS)


def _rejected(request: HttpRequest, exc: ProcedureRejected) -> None:
    for problem in exc.problems:
        messages.error(request, str(problem))


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    return str(value)


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "procedures/manage.html",
        {"rows": selectors.for_staff(actor=request.user), "nav_procedures": True},
    )


def _owners(request: HttpRequest) -> list[Organization]:
    orgs = Organization.objects.filter(kind=Organization.Kind.DEPARTMENT).order_by("code")
    return [o for o in orgs if services.can_create_in(o, actor=request.user)]


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    owners = _owners(request)
    if not owners:
        raise NotFound(detail="no organization")
    form = ProcedureForm(request.POST or None, owners=owners, initial={"owner": owners[0].pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["slug"] in selectors.RESERVED_SLUGS:
            form.add_error("slug", _("This machine name is reserved."))
        else:
            try:
                procedure = services.create_procedure(
                    actor=request.user,
                    owner=data["owner"],
                    slug=data["slug"],
                    title=data["title"],
                    kind=data["kind"],
                    **{k: data[k] for k in ("purpose", "eligibility", "bring", "fees")},
                )
            except ProcedureRejected as exc:
                form.add_error("slug", " ".join(str(p) for p in exc.problems))
            else:
                return redirect("procedures:builder", slug=procedure.slug)
    return render(request, "procedures/create.html", {"form": form, "nav_procedures": True})


@login_required
@require_http_methods(["GET", "POST"])
def builder(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = selectors.get_for_builder(slug, actor=request.user)
    info = ProcedureForm(request.POST or None, editing=True, initial=services.info(procedure))
    if request.method == "POST" and info.is_valid():
        services.update_procedure(procedure, actor=request.user, **info.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("procedures:builder", slug=slug)
    from kaidan.access.services import rights

    return render(
        request,
        "procedures/builder.html",
        {
            "procedure": procedure,
            "info": info,
            "defs": [
                (i, d, KINDS.get(d.kind.value, d.kind.value))
                for i, d in enumerate(load(procedure.draft_fields))
            ],
            "field_form": FieldForm(),
            "may_publish": rights(procedure, actor=request.user).can_manage,
            "versions": procedure.versions.select_related("published_by"),
            "unpublished": procedure.current_version is None
            or procedure.current_version.fields != procedure.draft_fields,
            "nav_procedures": True,
        },
    )


@login_required
@require_POST
def field_add(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = selectors.get_for_builder(slug, actor=request.user)
    form = FieldForm(request.POST)
    if form.is_valid():
        try:
            services.add_field(procedure, form.definition(), actor=request.user)
        except ProcedureRejected as exc:
            _rejected(request, exc)
        else:
            messages.success(request, _("Field added."))
            return redirect("procedures:builder", slug=slug)
    return render(
        request,
        "procedures/field.html",
        {"procedure": procedure, "form": form, "number": None, "nav_procedures": True},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    procedure = selectors.get_for_builder(slug, actor=request.user)
    defs = load(procedure.draft_fields)
    if not 0 <= number < len(defs):
        raise NotFound(detail=number)
    form = FieldForm(request.POST or None, initial=FieldForm.initial_from(defs[number]))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_field(procedure, number, form.definition(), actor=request.user)
        except ProcedureRejected as exc:
            _rejected(request, exc)
        else:
            messages.success(request, _("Field saved."))
            return redirect("procedures:builder", slug=slug)
    return render(
        request,
        "procedures/field.html",
        {"procedure": procedure, "form": form, "number": number, "nav_procedures": True},
    )


@login_required
@require_POST
def field_move(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    procedure = selectors.get_for_builder(slug, actor=request.user)
    services.move_field(
        procedure, number, -1 if request.POST.get("direction") == "up" else 1, actor=request.user
    )
    return redirect("procedures:builder", slug=slug)


@login_required
@require_POST
def field_remove(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    procedure = selectors.get_for_builder(slug, actor=request.user)
    services.remove_field(procedure, number, actor=request.user)
    messages.success(request, _("Field removed from the draft. Published versions keep it."))
    return redirect("procedures:builder", slug=slug)


@login_required
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The draft form as residents will see it (nothing can be sent from here)."""
    procedure = selectors.get_for_builder(slug, actor=request.user)
    version = ProcedureVersion(procedure=procedure, number=0, fields=procedure.draft_fields)
    return render(
        request,
        "procedures/preview.html",
        {"procedure": procedure, "form": ApplicationForm(version), "held": {}, "nav_procedures": True},
    )


@login_required
@require_POST
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = selectors.get_for_builder(slug, actor=request.user)
    try:
        version = services.publish(procedure, actor=request.user)
    except ProcedureRejected as exc:
        _rejected(request, exc)
    else:
        messages.success(request, _("Version %(number)s is published.") % {"number": version.number})
    return redirect("procedures:builder", slug=slug)


@login_required
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = selectors.get_for_cases(slug, actor=request.user)
    status = request.GET.get("status", "")
    if status not in CaseStatus.values:
        status = ""
    return render(
        request,
        "procedures/inbox.html",
        {
            "procedure": procedure,
            "cases": cases.inbox(procedure, actor=request.user, status=status),
            "status": status,
            "statuses": CaseStatus.choices,
            "may_serve": counter.may_serve(procedure, actor=request.user),
            "nav_procedures": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    procedure = selectors.get_for_cases(slug, actor=request.user)
    if request.method == "POST":
        action = request.POST.get("action", "")
        text = request.POST.get("text", "").strip()
        if action == "status":
            cases.change_status(procedure, pk, request.POST.get("status", ""), text, actor=request.user)
            messages.success(request, _("Status changed."))
        elif action == "correction" and text:
            cases.request_correction(procedure, pk, text, actor=request.user)
            messages.success(request, _("The applicant was asked to correct the application."))
        elif action == "comment" and text:
            cases.comment(procedure, pk, text, actor=request.user)
            messages.success(request, _("Comment added."))
        elif action == "resend" and request.POST.get("notice", "").isdigit():
            cases.send_notice_again(procedure, pk, int(request.POST["notice"]), actor=request.user)
            messages.success(request, _("The e-mail is being sent again."))
        elif action == "assign":
            chosen = request.POST.get("assignee", "")
            assignee = User.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
            cases.assign(procedure, pk, assignee, actor=request.user)
            messages.success(request, _("Assignment saved."))
        else:
            messages.error(request, _("Enter a text first."))
        return redirect("procedures:case", slug=slug, pk=pk)
    view = cases.get_case(procedure, pk, actor=request.user)
    given = {d.key: value for d, value, _shown_to_reader in view.answers}
    view.answers = [  # a conditional field not asked (and so empty) is left out, as on the resident's page
        (d, _shown(value), shown)
        for d, value, shown in view.answers
        if value is not None or visible(d, given)
    ]
    return render(
        request,
        "procedures/case.html",
        {
            "procedure": procedure,
            "case": view,
            "submission": view.submission,
            "status_choices": [(s, CaseStatus(s).label) for s in view.next_statuses],
            "assignable": cases.assignable(procedure, actor=request.user) if view.can_edit else [],
            "notices": view.submission.notices.all(),
            "max_attempts": mail.MAX_ATTEMPTS,
            "may_request_correction": view.can_edit
            and view.submission.status not in (CaseStatus.COMPLETED, CaseStatus.REJECTED),
            "nav_procedures": True,
        },
    )
