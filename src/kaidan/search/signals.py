"""The index follows the data: revisions (in their transaction), dataset metadata and documents."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from kaidan.catalog.models import Dataset
from kaidan.documents.models import Document, DocumentVersion
from kaidan.store.services import revision_written

from . import index


@receiver(revision_written, dispatch_uid="kaidan-search-revision")
def _revision(sender: Any, dataset: Dataset, revision: Any, **kwargs: Any) -> None:
    index.index_revision(dataset, revision)


@receiver(post_save, sender=Dataset, dispatch_uid="kaidan-search-dataset")
def _dataset(sender: Any, instance: Dataset, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.pk is not None:
        index.index_metadata(instance)


@receiver(post_save, sender=Document, dispatch_uid="kaidan-search-document")
def _document(sender: Any, instance: Document, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        index.index_document(instance)


@receiver(post_save, sender=DocumentVersion, dispatch_uid="kaidan-search-version")
def _version(sender: Any, instance: DocumentVersion, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        index.index_document(instance.document)
