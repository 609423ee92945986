"""Revisions and the change log of the master tables.

History is compact by construction (see docs/architecture.md):
- every data row carries `_created_rev` and `_deleted_rev`, so inserts and deletes need no log entry
  at all: a 1,000,000-row import adds one Revision row, not a million blobs;
- an update logs only the cells that changed (`old` and `new`), in RowChange;
- every revision keeps a snapshot of the schema, so any past revision can be read with its columns.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaidan.catalog.models import Dataset


class Blob(models.Model):
    """A source file kept content-addressed in the default storage under sources/ (kaidan.core.storage)."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256


class Revision(models.Model):
    class Source(models.TextChoices):
        IMPORT = "import", _("Import")
        EDIT = "edit", _("Edit")
        SCHEMA = "schema", _("Schema change")
        RESTORE = "restore", _("Restore")

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    message = models.TextField(_("message"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_file = models.ForeignKey(Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source_name = models.CharField(_("source file"), max_length=300, blank=True)
    mode = models.CharField(_("mode"), max_length=20, blank=True)
    added = models.PositiveBigIntegerField(_("added"), default=0)
    changed = models.PositiveBigIntegerField(_("changed"), default=0)
    removed = models.PositiveBigIntegerField(_("removed"), default=0)
    rejected = models.PositiveBigIntegerField(_("rejected"), default=0)
    schema = models.JSONField(_("schema"), default=list)
    schema_changed = models.BooleanField(
        default=True,
        help_text="False when the schema is the previous revision's: `schema` is then empty (see schema_at).",
    )

    class Meta:
        ordering = ["dataset", "-number"]
        constraints = [models.UniqueConstraint(fields=["dataset", "number"], name="unique_revision_number")]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.dataset} r{self.number}"


class RowChange(models.Model):
    """The cells one revision changed in one existing row: {column: value} before and after."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="changes")
    row_id = models.BigIntegerField()
    old = models.JSONField()
    new = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["row_id", "revision"])]

    def __str__(self) -> str:
        return f"r{self.revision_id} row {self.row_id}"
