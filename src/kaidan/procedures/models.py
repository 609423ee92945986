"""Online procedures: a procedure, its immutable versions, residents' drafts and submissions, the case history.

A procedure's staff edit `draft_fields`; publishing freezes them into a new `ProcedureVersion`, which is
never changed afterwards (its `save` refuses). A submission keeps the version it answered, so changing a
form never changes what a resident already answered. The answers are also written, as a revision, into
the procedure's dataset in the master DB (kaidan.procedures.records): that copy is the one staff read,
through the visible relation, like any other dataset.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kaidan.access.levels import Level
from kaidan.access.models import Classified
from kaidan.catalog.models import Dataset
from kaidan.documents.models import Document


class Procedure(Classified):
    """A service residents apply for online. Its own description is public; its submissions are not
    (they live in `dataset`, classified 秘 for personal information by default)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("procedure status", "Draft")
        PUBLISHED = "published", pgettext_lazy("procedure status", "Published")
        CLOSED = "closed", pgettext_lazy("procedure status", "Closed")

    class Kind(models.TextChoices):
        APPLICATION = "application", _("Application")
        VOICE = "voice", _("Residents' voice")

    classification = models.CharField(
        _("classification"), max_length=20, choices=Level.choices, default=Level.PUBLIC
    )
    slug = models.SlugField(_("machine name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    eligibility = models.TextField(_("who may apply"), blank=True)
    bring = models.TextField(_("what to bring or attach"), blank=True)
    fees = models.CharField(_("fees"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.APPLICATION)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    draft_fields = models.JSONField(_("fields being edited"), default=list, blank=True)
    current_version = models.ForeignKey(
        "ProcedureVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.current_version_id is not None


class ProcedureVersion(models.Model):
    """The fields of a procedure as published once. Immutable: a change of the form is a new version."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    fields = models.JSONField(_("fields"), default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="unique_procedure_version")
        ]
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")

    def __str__(self) -> str:
        return f"{self.procedure} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("a published procedure version is never changed: publish a new version")
        super().save(*args, **kwargs)


class CaseStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("case status", "Received")
    REVIEWING = "reviewing", pgettext_lazy("case status", "Under review")
    RETURNED = "returned", pgettext_lazy("case status", "Returned for correction")
    COMPLETED = "completed", pgettext_lazy("case status", "Completed")
    REJECTED = "rejected", pgettext_lazy("case status", "Rejected")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")


class Draft(models.Model):
    """A resident's answers not yet submitted, reached again by a private resume link (no login)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="drafts")
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    nonce = models.CharField(max_length=64)
    submission = models.OneToOneField(
        "Submission", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    """At the counter: the member of staff filling in for the resident."""
    sources = models.JSONField(default=list, blank=True)
    """At the counter: the records the form was prefilled from ({dataset, row, fields})."""
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")

    def __str__(self) -> str:
        return f"draft {self.pk} of {self.procedure}"


class Submission(models.Model):
    """One application as received: the version answered, the answers, the case's status."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="submissions")
    receipt = models.CharField(_("receipt number"), max_length=40, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    answers = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    correction_request = models.TextField(_("correction requested"), blank=True)
    row_id = models.BigIntegerField(null=True, blank=True)
    """The submission's row in the procedure's dataset."""
    nonce = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return self.receipt


class Attachment(models.Model):
    """A file a resident attached: held (content-addressed, checked by content) while a draft, then put
    into the document library with the dataset's classification when the application is submitted."""

    draft = models.ForeignKey(Draft, on_delete=models.SET_NULL, null=True, blank=True, related_name="files")
    submission = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    field_key = models.CharField(max_length=100)
    storage_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class CaseEvent(models.Model):
    """One step of a case's history. `internal` events (staff comments) are never shown to the resident."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("case event", "Submitted")
        STATUS = "status", pgettext_lazy("case event", "Status changed")
        ASSIGNED = "assigned", pgettext_lazy("case event", "Assigned")
        COMMENT = "comment", pgettext_lazy("case event", "Internal comment")
        CORRECTION_REQUESTED = "correction_requested", pgettext_lazy("case event", "Correction requested")
        CORRECTED = "corrected", pgettext_lazy("case event", "Corrected by the applicant")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    status_from = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    status_to = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    text = models.TextField(blank=True)
    internal = models.BooleanField(default=False)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission} {self.kind}"


class Notice(models.Model):
    """An e-mail to the applicant, written in the transaction of the change it announces (an outbox) and
    sent after commit; one that could not be sent stays here and is tried again, with back-off, from
    `next_attempt_at` (kaidan.procedures.mail)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="notices")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.subject
