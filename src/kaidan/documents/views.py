"""Pages of the document library. Anyone may see public (公開) documents; everything else needs a login."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kaidan.access.levels import Level
from kaidan.access.services import can, rights
from kaidan.accounts.models import Membership, Organization, Role
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import list_datasets
from kaidan.core.errors import NotFound
from kaidan.core.http import attachment_header
from kaidan.values.messages import Message, gettext_noop

from . import selectors, services
from .files import human_size, max_upload_size
from .forms import EditForm, UploadForm, VersionForm
from .models import Document

PREVIEW_CHARS = 2000
PAGE_SIZE = 50


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "documents/not_found.html", status=404)


def _upload_owners(user: Any) -> list[Organization]:
    """Organizations the user may create documents for: editor and above (all, for superusers)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return list(Organization.objects.order_by("kind", "code"))
    memberships = Membership.objects.filter(user=user).select_related("organization")
    return [m.organization for m in memberships if Role.rank(m.role) >= Role.rank(Role.EDITOR)]


def _too_large_request(request: HttpRequest) -> bool:
    """Refuse a request body far above the limit before reading it all."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_upload_size() + 1024 * 1024


def _size_error() -> str:
    limit = human_size(max_upload_size())
    return Message(gettext_noop("The file is too large; the limit is %(limit)s."), limit=limit).bilingual()


def _apply_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    """Documents the visitor may see, filtered by dataset, owner organization and classification."""
    dataset = owner = None
    classification = request.GET.get("classification") or ""
    if name := request.GET.get("dataset"):
        dataset = Dataset.objects.filter(name=name).first()
        if dataset is None or not can("object.view", dataset, actor=request.user):
            return _not_found(request)
    if code := request.GET.get("owner"):
        owner = Organization.objects.filter(code=code).first()
        if owner is None:
            return _not_found(request)
    if classification and classification not in Level.values:
        classification = ""
    documents = selectors.visible_documents(
        actor=request.user, dataset=dataset, owner=owner, classification=classification
    )
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    owners, datasets = selectors.filter_choices(actor=request.user)
    if owner is not None and owner not in owners:
        owners.append(owner)
    if dataset is not None and dataset not in datasets:
        datasets.append(dataset)
    query = request.GET.copy()
    query.pop("page", None)
    can_upload = request.user.is_authenticated and bool(_upload_owners(request.user))
    return render(
        request,
        "documents/list.html",
        {
            "documents": selectors.confirm_readable(page.object_list, actor=request.user),
            "page": page,
            "query": query.urlencode(),
            "dataset": dataset,
            "owner": owner,
            "classification": classification,
            "filtered": bool(dataset or owner or classification),
            "levels": Level.choices,
            "owners": owners,
            "datasets": datasets,
            "can_upload": can_upload,
            "nav_documents": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest) -> HttpResponse:
    owners = _upload_owners(request.user)
    if not owners:
        return render(request, "documents/cannot_upload.html", status=403)
    datasets = list_datasets(actor=request.user)
    initial: dict[str, Any] = {}
    if name := request.GET.get("dataset"):
        initial["dataset"] = next((d.pk for d in datasets if d.name == name), None)
    if request.method == "POST" and _too_large_request(request):
        form = UploadForm(owners=owners, datasets=datasets, initial=initial)
        return _render_new(request, form, status=413, request_error=_size_error())
    form = UploadForm(
        request.POST or None, request.FILES or None, owners=owners, datasets=datasets, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.upload_document(
                actor=request.user,
                owner=data["owner"],
                title=data["title"],
                file=data["file"],
                classification=data["classification"],
                restriction_reason=data["restriction_reason"],
                dataset=data["dataset"],
                record_id=data["record_id"],
                description=data["description"],
                undecided=data["undecided"],
                planned_release=data["planned_release"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The document was uploaded."))
            return redirect(document)
    status = 400 if form.is_bound and form.errors else 200
    return _render_new(request, form, status=status)


def _render_new(request: HttpRequest, form: UploadForm, status: int, request_error: str = "") -> HttpResponse:
    context = {
        "form": form,
        "max_size": max_upload_size(),
        "nav_documents": True,
        "request_error": request_error,
    }
    return render(request, "documents/new.html", context, status=status)


@require_http_methods(["GET", "POST"])
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        document = selectors.get_document(pk, actor=request.user)
    except NotFound:
        return _not_found(request)
    viewer_rights = rights(document, actor=request.user)
    may_edit = viewer_rights.can_edit
    form = None
    status = 200
    request_error = ""
    if may_edit:
        if request.method == "POST" and _too_large_request(request):
            form = VersionForm()
            request_error = _size_error()
            status = 413
        else:
            form = VersionForm(request.POST or None, request.FILES or None)
            if request.method == "POST" and form.is_valid():
                try:
                    version = services.add_version(
                        actor=request.user,
                        document=document,
                        file=form.cleaned_data["file"],
                        comment=form.cleaned_data["comment"],
                    )
                except ValidationError as error:
                    _apply_errors(form, error)
                else:
                    messages.success(
                        request, _("Version %(number)d was uploaded.") % {"number": version.number}
                    )
                    return redirect(document)
            if form.is_bound and form.errors:
                status = 400
    elif request.method == "POST":
        raise PermissionDenied
    services.record_restricted_view(document, actor=request.user)
    current = selectors.current_version_of(document)
    preview = current.extracted_text[:PREVIEW_CHARS] if current else ""
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "shown_dataset": selectors.shown_dataset(document, actor=request.user),
            "versions": selectors.versions_of(document),
            "current": current,
            "preview": preview,
            "preview_truncated": bool(current and len(current.extracted_text) > PREVIEW_CHARS),
            "preview_chars": PREVIEW_CHARS,
            "form": form,
            "may_edit": may_edit,
            "rights": viewer_rights,
            "may_manage": viewer_rights.allows("object.manage"),
            "may_delete": viewer_rights.allows("object.delete"),
            "may_audit": viewer_rights.allows("object.audit"),
            "nav_documents": True,
            "request_error": request_error,
        },
        status=status,
    )


def _document_or_404(request: HttpRequest, pk: int) -> Document | None:
    try:
        return selectors.get_document(pk, actor=request.user)
    except NotFound:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change title, description and classification: managers of the owner organization only."""
    document = _document_or_404(request, pk)
    if document is None:
        return _not_found(request)
    if not can("object.manage", document, actor=request.user):
        raise PermissionDenied(_("Only managers of the owner organization can change this document."))
    form = EditForm(request.POST or None, document=document)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_document(
                actor=request.user,
                document=document,
                title=data["title"],
                description=data["description"],
                classification=data["classification"],
                restriction_reason=data["restriction_reason"],
                undecided=data["undecided"],
                planned_release=data["planned_release"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The document was changed."))
            return redirect(document)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "documents/edit.html",
        {"document": document, "form": form, "nav_documents": True},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for confirmation, then delete (managers of the owner organization only)."""
    document = _document_or_404(request, pk)
    if document is None:
        return _not_found(request)
    if not can("object.delete", document, actor=request.user):
        raise PermissionDenied(_("Only managers of the owner organization can delete this document."))
    if request.method == "POST":
        services.delete_document(actor=request.user, document=document)
        messages.success(request, _("The document “%(title)s” was deleted.") % {"title": document.title})
        return redirect("documents:list")
    return render(
        request,
        "documents/delete.html",
        {"document": document, "versions": selectors.versions_of(document), "nav_documents": True},
    )


@login_required
@require_GET
def document_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """Who did what with a document; a deleted document's trail stays visible to superusers."""
    try:
        document, entries = selectors.audit_trail_of(pk, actor=request.user)
    except NotFound:
        return _not_found(request)
    return render(
        request,
        "documents/audit.html",
        {"document": document, "entries": entries, "nav_documents": True},
    )


@require_GET
def download(request: HttpRequest, pk: int, number: int | None = None) -> HttpResponseBase:
    try:
        document = selectors.get_document(pk, actor=request.user)
        opened = services.open_version_for_download(actor=request.user, document=document, number=number)
    except NotFound:
        return _not_found(request)
    response = FileResponse(opened.file, as_attachment=True, content_type=opened.content_type)
    response["Content-Disposition"] = attachment_header(opened.filename)
    response["Content-Length"] = str(opened.version.size)
    response["Cache-Control"] = "private, no-store"
    return response
