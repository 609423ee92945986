"""Scheduled imports: a dataset pulls a file from a URL or a watched folder on a schedule, and every run is
logged (kaidan.imports.services runs them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaidan.catalog.models import Dataset

from .cadence import Cadence


class ImportSchedule(models.Model):
    """Where a dataset's file comes from, when it is fetched, and how it is imported.

    A run acts as `run_as` (the staff member who set the schedule up, or last changed it): with that
    account's rights *at the time of the run*, through the same access service as every import, so a
    schedule can never write what its owner may not. Errors are e-mailed to that account.
    """

    class Kind(models.TextChoices):
        URL = "url", _("Web address (http/https)")
        FOLDER = "folder", _("Folder on the server")

    class Mode(models.TextChoices):
        REPLACE = "replace", _("Replace all rows")
        UPSERT = "upsert", _("Update by key, add new rows")
        APPEND = "append", _("Add rows")

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="import_schedule")
    run_as = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("source"), max_length=10, choices=Kind.choices, default=Kind.URL)
    url = models.URLField(_("web address"), max_length=1000, blank=True)
    folder = models.CharField(_("folder"), max_length=1000, blank=True)
    pattern = models.CharField(_("file names"), max_length=200, blank=True, default="*")
    cadence = models.CharField(_("schedule"), max_length=10, choices=Cadence.choices, default=Cadence.DAILY)
    hour = models.PositiveSmallIntegerField(_("hour"), default=2)
    minute = models.PositiveSmallIntegerField(_("minute"), default=0)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.REPLACE)
    plan = models.JSONField(default=dict, help_text="The import plan reused by every run (without a path).")
    active = models.BooleanField(_("active"), default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_sha256 = models.CharField(max_length=64, blank=True, help_text="Content of the last imported file.")
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["active", "next_run_at"])]

    def __str__(self) -> str:
        return f"schedule {self.pk} of {self.dataset_id}"

    @property
    def source_label(self) -> str:
        if self.kind == self.Kind.URL:
            return self.url
        return f"{self.folder.rstrip('/')}/{self.pattern or '*'}"


class ScheduleRun(models.Model):
    """One run of a schedule: what was fetched and what became of it."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        IMPORTED = "imported", _("Imported")
        UNCHANGED = "unchanged", _("Unchanged")
        FAILED = "failed", _("Failed")

    schedule = models.ForeignKey(ImportSchedule, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    file_name = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    revision = models.PositiveIntegerField(null=True, blank=True)
    added = models.PositiveBigIntegerField(default=0)
    changed = models.PositiveBigIntegerField(default=0)
    removed = models.PositiveBigIntegerField(default=0)
    rejected = models.PositiveBigIntegerField(default=0)
    message_ja = models.TextField(blank=True)
    message_en = models.TextField(blank=True)
    report = models.BinaryField(blank=True, null=True, help_text="The rejected values as CSV (UTF-8 BOM).")
    mailed_to = models.CharField(max_length=300, blank=True)
    mail_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"run {self.pk} of schedule {self.schedule_id} ({self.status})"
