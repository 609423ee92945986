"""Share links: a recipient outside the system gets one object through one link, instead of a password-ZIP.

A link names its target (a document, a dataset view, or a dataset export), its recipient (name and e-mail),
an expiry (at most 90 days), an optional download limit and a clearance cap chosen by the sharer. Only the
hash of the link's random token is stored; the token itself is shown once to the sharer. The recipient
proves they own the address with a one-time code e-mailed on request (`LinkCode`, stored hashed). Every
access and refusal is logged in `LinkAccess` (and in the audit log).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote_plus

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaidan.access.levels import Level
from kaidan.catalog.models import Dataset, SavedView
from kaidan.documents.models import Document

DEFAULT_DAYS = 7
MAX_DAYS = 90
EXPORT_FORMATS = [
    ("csv", "CSV (UTF-8)"),
    ("csv-sjis", "CSV (Shift_JIS)"),
    ("xlsx", "Excel (XLSX)"),
    ("json", "JSON"),
    ("parquet", "Parquet"),
]


class Kind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    VIEW = "view", _("Dataset view")
    EXPORT = "export", _("Dataset export")


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    USED_UP = "used_up", _("Download limit reached")


class ShareLink(models.Model):
    kind = models.CharField(_("what is shared"), max_length=10, choices=Kind.choices)
    document = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("dataset")
    )
    saved_view = models.ForeignKey(
        SavedView,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved view"),
    )
    query = models.CharField(_("query"), max_length=2000, blank=True)
    export_format = models.CharField(_("format"), max_length=10, choices=EXPORT_FORMATS, blank=True)
    recipient_name = models.CharField(_("recipient's name"), max_length=200)
    recipient_email = models.EmailField(_("recipient's e-mail address"))
    clearance = models.CharField(
        _("highest classification shown"), max_length=20, choices=Level.choices, default=Level.LIMITED
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sharer"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    max_downloads = models.PositiveIntegerField(_("download limit"), null=True, blank=True)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("share link")
        verbose_name_plural = _("share links")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_email}"

    @property
    def query_text(self) -> str:
        """The filter for people to read (the stored query string is URL-encoded)."""
        return unquote_plus(self.query)

    @property
    def target(self) -> Document | Dataset | None:
        """The shared object (whose rights the link actor gets)."""
        return self.document if self.kind == Kind.DOCUMENT else self.dataset

    @property
    def title(self) -> str:
        """What is shared, in words: the document's or dataset's title (and the saved view's)."""
        target = self.target
        if target is None:
            return ""
        if self.kind == Kind.VIEW and self.saved_view is not None:
            return f"{target.title} — {self.saved_view.title}"
        if self.kind == Kind.EXPORT:
            return f"{target.title} ({self.get_export_format_display()})"
        return str(target.title)

    def status_at(self, now: datetime | None = None) -> Status:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return Status.REVOKED
        if self.expires_at <= now:
            return Status.EXPIRED
        if self.max_downloads is not None and self.download_count >= self.max_downloads:
            return Status.USED_UP
        return Status.ACTIVE

    @property
    def status(self) -> Status:
        return self.status_at()


class LinkCode(models.Model):
    """A one-time code e-mailed to the recipient: stored as a keyed hash, valid 10 minutes, 5 attempts."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="codes")
    email = models.EmailField()
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"code for link {self.link_id} ({self.created_at:%Y-%m-%d %H:%M})"


class Outcome(models.TextChoices):
    OPENED = "opened", _("Link opened")
    CODE_SENT = "code_sent", _("Code sent")
    CODE_THROTTLED = "code_throttled", _("Code not sent (too soon)")
    CODE_OK = "code_ok", _("Code accepted")
    WRONG_CODE = "wrong_code", _("Wrong code")
    CODE_EXPIRED = "code_expired", _("Code expired")
    TOO_MANY_ATTEMPTS = "too_many_attempts", _("Too many attempts")
    VIEWED = "viewed", _("Viewed")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPIRED = "expired", _("Refused: expired")
    REVOKED = "revoked", _("Refused: revoked")
    LIMIT_REACHED = "limit_reached", _("Refused: download limit reached")
    NOT_VERIFIED = "not_verified", _("Refused: not verified")
    NO_ACCESS = "no_access", _("Refused: the sharer no longer has access")


REFUSALS = {
    Outcome.CODE_THROTTLED,
    Outcome.WRONG_CODE,
    Outcome.CODE_EXPIRED,
    Outcome.TOO_MANY_ATTEMPTS,
    Outcome.EXPIRED,
    Outcome.REVOKED,
    Outcome.LIMIT_REACHED,
    Outcome.NOT_VERIFIED,
    Outcome.NO_ACCESS,
}


class LinkAccess(models.Model):
    """One access to, or refusal of, a share link: what the sharer sees in "My share links"."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="accesses")
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    ip = models.CharField(_("IP address"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["link", "outcome", "at"]),
            models.Index(fields=["ip", "outcome", "at"]),
        ]
        verbose_name = _("link access")
        verbose_name_plural = _("link accesses")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.outcome} {self.ip}"

    @property
    def refused(self) -> bool:
        return self.outcome in REFUSALS
