"""Reads of the document library, already filtered by what the actor may see.

Deleted documents are never returned (`Document.objects` excludes them), except by `audit_trail_of`.

`visible_documents` filters in the database with the same rules as `kaidan.access.services.rights`
(public for anyone, internal for ward staff, the owner organization by role, grants up to their
clearance, undecided only for the owner organization). `list_documents` and `get_document` still
confirm every document with `rights` itself, so a divergence could only hide a document, never leak one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kaidan.access.levels import Level
from kaidan.access.models import AccessGrant
from kaidan.access.services import levels_up_to, rights
from kaidan.accounts.models import Membership, Organization, Role
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import entries_for
from kaidan.catalog.models import Dataset

from .models import Document, DocumentVersion

TARGET_TYPE = Document._meta.label_lower


def _is_superuser(actor: Any) -> bool:
    return bool(getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False))


def _memberships(actor: Any) -> list[Membership]:
    if actor is None or not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return []
    return list(Membership.objects.filter(user=actor).select_related("organization"))


def visibility_filter(actor: Any) -> Q:
    """A Q object selecting exactly the documents `rights(actor, d).can_read` allows."""
    if _is_superuser(actor):
        return Q()
    memberships = _memberships(actor)
    staff = any(m.organization.kind == Organization.Kind.DEPARTMENT for m in memberships)
    decided = Q(classification__in=levels_up_to(Level.INTERNAL if staff else Level.PUBLIC))
    undecided = Q(pk__in=[])
    best_rank: dict[int, int] = {}
    for m in memberships:
        best_rank[m.organization_id] = max(best_rank.get(m.organization_id, -1), Role.rank(m.role))
    for org_id, rank in best_rank.items():
        clearance = Level.RESTRICTED if rank >= Role.rank(Role.EDITOR) else Level.LIMITED
        own = Q(owner_id=org_id, classification__in=levels_up_to(clearance))
        decided |= own
        undecided |= own
    by_clearance: dict[str, set[int]] = defaultdict(set)
    if best_rank:
        grants = AccessGrant.objects.filter(target_type=TARGET_TYPE, organization_id__in=list(best_rank))
        for grant in grants:
            if best_rank[grant.organization_id] >= Role.rank(grant.min_role):
                by_clearance[grant.clearance].add(grant.target_id)
    for granted, ids in by_clearance.items():
        decided |= Q(pk__in=sorted(ids), classification__in=levels_up_to(Level(granted)))
    return (Q(undecided=False) & decided) | (Q(undecided=True) & undecided)


def visible_documents(
    actor: Any,
    *,
    dataset: Dataset | None = None,
    owner: Organization | None = None,
    classification: str | None = None,
) -> QuerySet[Document]:
    """The documents the actor may read (database filter), narrowed, most recently changed first."""
    documents = Document.objects.select_related("owner", "dataset").filter(visibility_filter(actor))
    if dataset is not None:
        documents = documents.filter(dataset=dataset)
    if owner is not None:
        documents = documents.filter(owner=owner)
    if classification:
        documents = documents.filter(classification=classification)
    return documents.order_by("-updated_at", "-pk")


def confirm_readable(actor: Any, documents: Any) -> list[Document]:
    """Keep only what `rights` allows (a second check behind the database filter)."""
    return [d for d in documents if rights(actor, d).can_read]


def list_documents(
    actor: Any,
    *,
    dataset: Dataset | None = None,
    owner: Organization | None = None,
    classification: str | None = None,
) -> list[Document]:
    """Documents the actor may read, most recently changed first."""
    return confirm_readable(
        actor, visible_documents(actor, dataset=dataset, owner=owner, classification=classification)
    )


def filter_choices(actor: Any) -> tuple[list[Organization], list[Dataset]]:
    """The owner organizations and datasets of the documents the actor can see (for the list's filter)."""
    visible = Document.objects.filter(visibility_filter(actor))
    owners = list(Organization.objects.filter(pk__in=visible.values("owner_id")).order_by("kind", "code"))
    datasets = [
        d
        for d in Dataset.objects.select_related("owner")
        .filter(pk__in=visible.exclude(dataset=None).values("dataset_id"))
        .order_by("title")
        if rights(actor, d).can_read
    ]
    return owners, datasets


def get_document(actor: Any, pk: int) -> Document:
    """The document, or 404 when it does not exist, is deleted *or* the actor may not read it."""
    document = Document.objects.select_related("owner", "dataset", "created_by").filter(pk=pk).first()
    if document is None or not rights(actor, document).can_read:
        raise Http404("document")
    return document


def versions_of(document: Document) -> list[DocumentVersion]:
    return list(document.versions.select_related("uploaded_by").order_by("-number"))


def current_version_of(document: Document) -> DocumentVersion | None:
    return document.versions.filter(number=document.current_version).first()


def audit_trail_of(actor: Any, pk: int) -> tuple[Document, list[AuditEntry]]:
    """A document's audit entries, newest first.

    Live documents: for whoever may audit them (`object.audit`: managers of the owner organization).
    Deleted documents: for superusers only; anyone else gets 404, as if the document did not exist.
    A reader of a live document without the audit right gets 403.
    """
    document = Document.all_objects.select_related("owner").filter(pk=pk).first()
    if document is None:
        raise Http404("document")
    if document.deleted_at is not None:
        allowed = _is_superuser(actor)
    else:
        r = rights(actor, document)
        if not r.can_read:
            raise Http404("document")
        if not r.allows("object.audit"):
            raise PermissionDenied(_("You do not have permission to do this."))
        allowed = True
    if not allowed:
        raise Http404("document")
    return document, list(entries_for(TARGET_TYPE, str(document.pk)))
