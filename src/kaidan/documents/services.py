"""Changing the document library: upload a document, add a version, open a version for download.

Every function takes the actor first, checks permission through kaidan.access and writes its audit entry
in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from kaidan.access.levels import Level
from kaidan.access.services import can, require, rights
from kaidan.accounts.models import Organization
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset

from . import files
from .extract import extract_text
from .models import Document, DocumentVersion


@dataclass
class Download:
    """An opened version: the caller streams `file` and closes it."""

    version: DocumentVersion
    file: Any
    filename: str
    content_type: str


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def can_upload_to(actor: Any, owner: Organization) -> bool:
    """Editors (and above) of `owner`, and superusers, may create documents it owns."""
    probe = Document(owner=owner, classification=Level.RESTRICTED)
    return rights(actor, probe).can_edit


def _new_version(actor: Any, document: Document, upload: Any, number: int, comment: str) -> DocumentVersion:
    checked = files.check_upload(upload)
    extracted = extract_text(checked.kind, upload)
    storage_name = files.store(upload, checked)
    return DocumentVersion.objects.create(
        document=document,
        number=number,
        storage_name=storage_name,
        sha256=checked.sha256,
        size=checked.size,
        original_filename=checked.filename,
        content_type=checked.content_type,
        extracted_text=extracted.text,
        extraction_note=extracted.note[:500],
        comment=comment[:500],
        uploaded_by=_user(actor),
    )


def _version_detail(version: DocumentVersion) -> dict[str, Any]:
    return {
        "version": version.number,
        "filename": version.original_filename,
        "content_type": version.content_type,
        "size": version.size,
        "sha256": version.sha256,
    }


@transaction.atomic
def upload_document(
    actor: Any,
    *,
    owner: Organization,
    title: str,
    file: Any,
    classification: str,
    restriction_reason: str = "",
    dataset: Dataset | None = None,
    record_id: int | None = None,
    description: str = "",
) -> Document:
    """Create a document with its first version."""
    if not can_upload_to(actor, owner):
        raise PermissionDenied(_("You must be an editor of the owner organization to upload documents."))
    if record_id is not None and dataset is None:
        raise ValidationError({"record_id": _("A record can only be given together with its dataset.")})
    if dataset is not None and not can(actor, "object.view", dataset):
        raise ValidationError({"dataset": _("Choose a dataset you can see.")})
    document = Document(
        owner=owner,
        title=title.strip(),
        description=description,
        classification=classification,
        restriction_reason=restriction_reason if classification == Level.RESTRICTED else "",
        dataset=dataset,
        record_id=record_id,
        created_by=_user(actor),
        current_version=1,
    )
    document.full_clean()
    document.save()
    version = _new_version(actor, document, file, 1, "")
    record(
        actor,
        "documents.document.upload",
        document,
        detail={
            **_version_detail(version),
            "classification": document.classification,
            "owner": owner.code,
            "dataset": dataset.name if dataset is not None else None,
            "record_id": record_id,
        },
    )
    return document


@transaction.atomic
def add_version(actor: Any, *, document: Document, file: Any, comment: str = "") -> DocumentVersion:
    """Upload a new version; the earlier versions stay available."""
    if not can(actor, "object.edit", document):
        raise PermissionDenied(_("You may not change this document."))
    locked = Document.objects.select_for_update().get(pk=document.pk)
    number = locked.current_version + 1
    version = _new_version(actor, locked, file, number, comment.strip())
    locked.current_version = number
    locked.save(update_fields=["current_version", "updated_at"])
    document.current_version = number
    record(
        actor,
        "documents.document.add_version",
        locked,
        detail={**_version_detail(version), "comment": comment},
    )
    return version


@transaction.atomic
def open_version_for_download(actor: Any, *, document: Document, number: int | None = None) -> Download:
    """Open a version (default: the current one) for download; every download is audited."""
    require(actor, "object.export", document)
    wanted = number if number is not None else document.current_version
    version = DocumentVersion.objects.filter(document=document, number=wanted).first()
    if version is None:
        raise Http404("version")
    try:
        handle = files.open_stored(version.storage_name)
    except (FileNotFoundError, OSError) as exc:
        raise Http404("file") from exc
    record(
        actor,
        "documents.document.download",
        document,
        detail={**_version_detail(version), "classification": document.classification},
    )
    return Download(version, handle, version.original_filename, version.content_type)


def record_restricted_view(actor: Any, document: Document) -> None:
    """Reading a 秘 document's page (which shows its text) is audited, like reads of 秘 data."""
    if document.classification == Level.RESTRICTED:
        record(
            actor,
            "documents.document.read_restricted",
            document,
            detail={"version": document.current_version},
        )
