"""Reads of the document library, already filtered by what the actor may see.

Deleted documents are never returned (`Document.objects` excludes them), except by `audit_trail_of`.

`visible_documents` filters in the database with the same rules as `kaidan.access.services.rights`
(public for anyone, internal for ward staff, the owner organization by role, grants up to their
clearance, undecided only for the owner organization). `list_documents` and `get_document` still
confirm every document with `rights` itself, so a divergence could only hide a document, never leak one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kaidan.access.actors import Actor, is_superuser
from kaidan.access.services import readable_filter, rights
from kaidan.accounts.models import Organization
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import entries_for
from kaidan.catalog.models import Dataset
from kaidan.core.errors import Forbidden, NotFound

from .models import Document, DocumentVersion

TARGET_TYPE = Document._meta.label_lower


def _is_superuser(*, actor: Actor) -> bool:
    return is_superuser(actor=actor)


def visibility_filter(*, actor: Actor) -> Q:
    """A Q object selecting exactly the documents `rights(actor, d).can_read` allows."""
    return readable_filter(TARGET_TYPE, actor=actor)


def visible_documents(
    *,
    actor: Actor,
    dataset: Dataset | None = None,
    owner: Organization | None = None,
    classification: str | None = None,
) -> QuerySet[Document]:
    """The documents the actor may read (database filter), narrowed, most recently changed first."""
    documents = Document.objects.select_related("owner", "dataset").filter(visibility_filter(actor=actor))
    if dataset is not None:
        documents = documents.filter(dataset=dataset)
    if owner is not None:
        documents = documents.filter(owner=owner)
    if classification:
        documents = documents.filter(classification=classification)
    return documents.order_by("-updated_at", "-pk")


def confirm_readable(documents: Any, *, actor: Actor) -> list[Document]:
    """Keep only what `rights` allows (a second check behind the database filter), each with the dataset
    it is attached to as `shown_dataset` when the actor may see that dataset (else None)."""
    kept = [d for d in documents if rights(d, actor=actor).can_read]
    for document in kept:
        document.shown_dataset = shown_dataset(document, actor=actor)  # type: ignore[attr-defined]
    return kept


def shown_dataset(document: Document, *, actor: Actor) -> Dataset | None:
    """The dataset a document is attached to, if the actor may see it: a public document attached to an
    undecided or limited dataset must not name that dataset to everyone who may read the document."""
    dataset = document.dataset
    return dataset if dataset is not None and rights(dataset, actor=actor).can_read else None


def list_documents(
    *,
    actor: Actor,
    dataset: Dataset | None = None,
    owner: Organization | None = None,
    classification: str | None = None,
) -> list[Document]:
    """Documents the actor may read, most recently changed first."""
    return confirm_readable(
        visible_documents(actor=actor, dataset=dataset, owner=owner, classification=classification),
        actor=actor,
    )


def filter_choices(*, actor: Actor) -> tuple[list[Organization], list[Dataset]]:
    """The owner organizations and datasets of the documents the actor can see (for the list's filter)."""
    visible = Document.objects.filter(visibility_filter(actor=actor))
    owners = list(Organization.objects.filter(pk__in=visible.values("owner_id")).order_by("kind", "code"))
    datasets = [
        d
        for d in Dataset.objects.select_related("owner")
        .filter(pk__in=visible.exclude(dataset=None).values("dataset_id"))
        .order_by("title")
        if rights(d, actor=actor).can_read
    ]
    return owners, datasets


def get_document(pk: int, *, actor: Actor) -> Document:
    """The document, or 404 when it does not exist, is deleted *or* the actor may not read it."""
    document = Document.objects.select_related("owner", "dataset", "created_by").filter(pk=pk).first()
    if document is None or not rights(document, actor=actor).can_read:
        raise NotFound(detail="document")
    return document


def versions_of(document: Document) -> list[DocumentVersion]:
    return list(document.versions.select_related("uploaded_by").order_by("-number"))


def current_version_of(document: Document) -> DocumentVersion | None:
    return document.versions.filter(number=document.current_version).first()


def audit_trail_of(pk: int, *, actor: Actor) -> tuple[Document, list[AuditEntry]]:
    """A document's audit entries, newest first.

    Live documents: for whoever may audit them (`object.audit`: managers of the owner organization).
    Deleted documents: for superusers only; anyone else gets 404, as if the document did not exist.
    A reader of a live document without the audit right gets 403.
    """
    document = Document.all_objects.select_related("owner").filter(pk=pk).first()
    if document is None:
        raise NotFound(detail="document")
    if document.deleted_at is not None:
        allowed = _is_superuser(actor=actor)
    else:
        r = rights(document, actor=actor)
        if not r.can_read:
            raise NotFound(detail="document")
        if not r.allows("object.audit"):
            raise Forbidden()
        allowed = True
    if not allowed:
        raise NotFound(detail="document")
    return document, list(entries_for(TARGET_TYPE, str(document.pk)))
