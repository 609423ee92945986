"""Users, organizations and memberships.

An organization is a ward department (課), a partner organization (社会福祉協議会, 地域包括支援センター …)
or the public. What a user may see follows from their memberships; the rules live in kaidan.access.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_staff_member(self) -> bool:
        """Ward staff: a member of at least one ward department."""
        return self.memberships.filter(organization__kind=Organization.Kind.DEPARTMENT).exists()


class Organization(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Ward department")
        PARTNER = "partner", _("Partner organization")
        PUBLIC = "public", _("Public")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """Roles in ascending order of power; `rank` compares them."""

    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")

    @classmethod
    def rank(cls, role: str) -> int:
        return [r.value for r in cls].index(role)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")]
        ordering = ["organization__code"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"
