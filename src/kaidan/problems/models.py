"""KPIs (a measure with a target) and problems (the gap between the ideal and reality, tracked until it closes).

A KPI's value is never stored: it is measured when shown, by the analysis engine as the reader (over their
visible relations), so it follows the master data and shows nothing the reader may not see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Aggregate(models.TextChoices):
    COUNT = "count", _("Number of rows")
    SUM = "sum", _("Sum")
    AVG = "avg", _("Average")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")
    DISTINCT = "distinct", _("Number of distinct values")


class Kpi(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    dataset = models.ForeignKey(
        "catalog.Dataset", on_delete=models.CASCADE, related_name="+", verbose_name=_("dataset")
    )
    """The source dataset: the trend is measured as of its revisions."""
    sql = models.TextField(_("measure (SQL)"))
    """One SELECT returning one number (built from the form's aggregate, or written by hand)."""
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=4)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("KPI")

    def __str__(self) -> str:
        return self.title


class Status(models.TextChoices):
    FOUND = "found", _("Found")
    ANALYSING = "analysing", _("Being analysed")
    ACTING = "acting", _("Being acted on")
    SOLVED = "solved", _("Solved")
    MONITORING = "monitoring", _("Being monitored")


class Problem(models.Model):
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    ideal = models.TextField(_("ideal"), help_text=_("What it should be."))
    reality = models.TextField(_("reality"), help_text=_("What it is now (the KPI shows it in figures)."))
    kpi = models.ForeignKey(Kpi, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems")
    owner = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    organizations = models.ManyToManyField("accounts.Organization", blank=True, related_name="+")
    """The organizations concerned: their members see the problem and take part."""
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.FOUND)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "pk"]
        verbose_name = _("problem")

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    """None for an anonymous post: who wrote it is not kept anywhere."""
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Action(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done", "due", "pk"]

    def __str__(self) -> str:
        return self.description[:40]


class Change(models.Model):
    """The problem's history: every change, who made it (empty for anonymous posts), and what it was."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    what = models.CharField(max_length=40)
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.what} {self.at:%Y-%m-%d}"
