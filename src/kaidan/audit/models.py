"""An append-only, hash-chained audit log.

Each entry stores the hash of the previous entry and its own hash over its content, so editing,
removing or reordering any entry breaks the chain at that entry. Entries are hashed with HMAC-SHA256
under a key kept outside the database (`kaidan.audit.keys`); entries written before that carry the
plain SHA-256 scheme and are verified with it. `AuditHead` holds the last sequence number and hash,
signed with the key: appenders lock it, which serializes appends on every database, and it lets
verification notice entries removed from the end.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(_("actor id"), null=True)
    actor_label = models.CharField(_("actor"), max_length=200)
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=100, blank=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    source = models.CharField(_("from"), max_length=100, blank=True)
    detail = models.JSONField(_("detail"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # "hmac-sha256" (keyed, key_id names the key) or "sha256" (entries written before the key existed).
    scheme = models.CharField(max_length=16)
    key_id = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["action"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_label}"

    @property
    def action_label(self) -> str:
        """The action's translated name from the one operations registry (kaidan.access.operations)."""
        from kaidan.access.operations import action_label

        return action_label(self.action)


class AuditHead(models.Model):
    """Singleton (id=1): the tip of the chain."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    mac = models.CharField(max_length=64, blank=True)  # HMAC of (last_seq, last_hash) under the audit key

    def __str__(self) -> str:
        return f"head #{self.last_seq}"
