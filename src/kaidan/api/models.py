"""API tokens for business systems, and webhook subscriptions with their outbox of deliveries.

A token belongs to an organization and acts for it (kaidan.access.actors.OrganizationActor): named scopes
(operations of kaidan.access.operations), a clearance cap, an expiry, revocation. Only a hash of its secret
is stored; the secret is shown once. The public `prefix` names the token in lists and the audit log.

A webhook subscription asks for a dataset's changes to be POSTed to a URL, signed with its secret. Each
change is a `Delivery` written to the outbox in the revision's own transaction and sent after commit by a
background task, so a rolled-back change sends nothing and a crash loses nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaidan.access.levels import Level
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset


class ApiToken(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("organization")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("token id"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    clearance = models.CharField(_("clearance"), max_length=20, choices=Level.choices, default=Level.INTERNAL)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class Event(models.TextChoices):
    REVISION = "revision.created", _("A new revision (rows added, changed or deleted)")


class Subscription(models.Model):
    """POST this dataset's changes to `url`, cut to what `organization` may see (capped at `clearance`)."""

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="+", verbose_name=_("dataset")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("receiving organization")
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=100)
    events = models.JSONField(_("events"), default=list)
    clearance = models.CharField(_("clearance"), max_length=20, choices=Level.choices, default=Level.INTERNAL)
    active = models.BooleanField(_("active"), default=True)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.dataset.name} → {self.url}"


class Delivery(models.Model):
    """One event for one subscription: the outbox row, then its delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (gave up)")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50, choices=Event.choices)
    revision = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} r{self.revision} → {self.subscription_id} ({self.status})"
