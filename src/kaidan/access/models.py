"""Classification on objects, and grants of access to named organizations and roles."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaidan.accounts.models import Organization, Role

from .levels import Level, RestrictionReason


class Classified(models.Model):
    """Mixin for anything whose visibility follows its classification (datasets, documents, …)."""

    classification = models.CharField(
        _("classification"), max_length=20, choices=Level.choices, default=Level.INTERNAL
    )
    restriction_reason = models.CharField(
        _("reason for restriction"), max_length=20, choices=RestrictionReason.choices, blank=True
    )
    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner organization")
    )
    undecided = models.BooleanField(
        _("undecided (未決定)"),
        default=False,
        help_text=_("Only the owner organization sees it until a manager releases it."),
    )
    planned_release = models.DateField(_("planned release date"), null=True, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.classification == Level.RESTRICTED and not self.restriction_reason:
            raise ValidationError(
                {"restriction_reason": _("Restricted information needs a recorded reason.")}
            )

    @property
    def access_target(self) -> tuple[str, int]:
        """The (type, id) pair under which grants for this object are stored."""
        return (self._meta.label_lower, int(self.pk))


class Permission(models.TextChoices):
    VIEW = "view", _("View")
    EDIT = "edit", _("Edit")


class AccessGrant(models.Model):
    """Access to one object for the members of one organization (from a minimum role up).

    `clearance` caps what the grant reveals: a grant never shows columns classified above it.
    `row_filter` (a list of {field_id, op, value} conditions, columns by id) confines the grantee to some rows.
    """

    target_type = models.CharField(max_length=100)
    target_id = models.BigIntegerField()
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="grants", verbose_name=_("organization")
    )
    min_role = models.CharField(_("minimum role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    permission = models.CharField(
        _("permission"), max_length=10, choices=Permission.choices, default=Permission.VIEW
    )
    clearance = models.CharField(_("clearance"), max_length=20, choices=Level.choices, default=Level.LIMITED)
    row_filter = models.JSONField(_("row scope"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "organization", "min_role"], name="unique_grant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_type}#{self.target_id} → {self.organization} ({self.permission})"
