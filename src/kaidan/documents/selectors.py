"""Reads of the document library, already filtered by what the actor may see."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from kaidan.access.services import rights
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset

from .models import Document, DocumentVersion


def list_documents(
    actor: Any, *, dataset: Dataset | None = None, owner: Organization | None = None
) -> list[Document]:
    """Documents the actor may read, most recently changed first."""
    documents = Document.objects.select_related("owner", "dataset")
    if dataset is not None:
        documents = documents.filter(dataset=dataset)
    if owner is not None:
        documents = documents.filter(owner=owner)
    return [d for d in documents if rights(actor, d).can_read]


def get_document(actor: Any, pk: int) -> Document:
    """The document, or 404 when it does not exist *or* the actor may not read it (no existence leak)."""
    document = Document.objects.select_related("owner", "dataset", "created_by").filter(pk=pk).first()
    if document is None or not rights(actor, document).can_read:
        raise Http404("document")
    return document


def versions_of(document: Document) -> list[DocumentVersion]:
    return list(document.versions.select_related("uploaded_by").order_by("-number"))


def current_version_of(document: Document) -> DocumentVersion | None:
    return document.versions.filter(number=document.current_version).first()
