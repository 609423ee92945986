"""Documents and their versions.

A document is classified like a dataset (公開/庁内/限定/秘, owner organization) and may be attached to a
dataset and to one record (row) of it. Every upload is a new `DocumentVersion`; old versions are kept.
Files are stored content-addressed (by SHA-256) in Django's default storage, never under the uploaded name.

Deleting a document is a *soft* delete: `deleted_at` is set, the row (and its versions' metadata) stays so
that the audit trail keeps naming a real object, and the stored files are removed once nothing else refers
to their content. `Document.objects` only ever returns documents that are not deleted;
`Document.all_objects` includes deleted ones (for the audit trail and maintenance only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaidan.access.models import Classified
from kaidan.catalog.models import Dataset


class LiveDocumentManager(models.Manager["Document"]):
    """Documents that are not deleted: the default manager, so no read path can forget the filter."""

    def get_queryset(self) -> models.QuerySet[Document]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Document(Classified):
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    dataset = models.ForeignKey(
        Dataset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("dataset"),
    )
    record_id = models.PositiveBigIntegerField(_("record ID"), null=True, blank=True)
    current_version = models.PositiveIntegerField(_("current version"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = LiveDocumentManager()
    all_objects = models.Manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["dataset", "record_id"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:detail", args=[self.pk])


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    storage_name = models.CharField(max_length=200, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size"))
    original_filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    extracted_text = models.TextField(_("extracted text"), blank=True)
    extraction_note = models.CharField(_("extraction note"), max_length=500, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="unique_document_version")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"
