"""Datasets and their schema (fields with Japanese labels), as the catalog shows them.

The rows themselves live in a real table per dataset, managed by kaidan.store. A field's physical
column is `c_<field id>`, so a user's column name never enters SQL; physical columns are never dropped or
retyped in place (a retype gets a new field and column), which keeps every past revision readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaidan.access.levels import Level
from kaidan.access.models import Classified


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal number")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    TIME = "time", _("Time")
    BOOLEAN = "boolean", _("Yes/no")
    POSTAL_CODE = "postal_code", _("Postal code")
    PHONE = "phone", _("Phone number")
    LATITUDE = "latitude", _("Latitude")
    LONGITUDE = "longitude", _("Longitude")
    CODE = "code", _("Code")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Masking(models.TextChoices):
    """How columns above a reader's clearance appear: left out, or shown with a masked value."""

    ABSENT = "absent", _("Left out")
    MASKED = "masked", _("Shown masked (＊＊＊)")


class Dataset(Classified):
    name = models.SlugField(_("machine name"), max_length=100, unique=True, allow_unicode=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True, default="CC-BY-4.0")
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets", verbose_name=_("tags"))
    key_field = models.ForeignKey(
        "Field",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("key column"),
    )
    masking = models.CharField(
        _("columns above the reader's clearance"),
        max_length=10,
        choices=Masking.choices,
        default=Masking.ABSENT,
    )
    published = models.BooleanField(
        _("published as open data"),
        default=False,
        help_text=_("Published datasets are served live on the open-data API (kaidan.opendata)."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    current_revision = models.PositiveIntegerField(_("current revision"), default=0)
    row_count = models.PositiveBigIntegerField(_("rows"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")

    def __str__(self) -> str:
        return self.title

    @property
    def table_name(self) -> str:
        return f"kd_data_{self.pk}"

    def live_fields(self) -> list[Field]:
        """The fields not removed, in display order: `self.fields.filter(removed=False).order_by("position",
        "pk")`, read by one fixed statement. Every grid page, record and API answer reads them, and building
        that query through the ORM each time cost about nine times the query itself (bench/grid_load_bench.py)."""
        from kaidan.store.plainread import live_fields  # the store runs the SQL (the one gate)

        return live_fields(self)  # type: ignore[no-any-return]


class Field(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("machine name"), max_length=100)
    label = models.CharField(_("label"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    classification = models.CharField(
        _("classification"), max_length=20, choices=Level.choices, default=Level.PUBLIC
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    removed = models.BooleanField(_("removed"), default=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self) -> str:
        return self.label

    @property
    def column(self) -> str:
        return f"c_{self.pk}"


class SavedView(models.Model):
    """A named filter/sort/column selection of a dataset with its own link ("this district's rows").

    A view never widens access: whoever opens it still sees only what the access service allows them,
    and the view's filter narrows that further.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="views")
    slug = models.SlugField(_("machine name"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    query = models.CharField(_("query"), max_length=2000, help_text=_("The grid's query string."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["dataset", "slug"], name="unique_view_slug")]

    def __str__(self) -> str:
        return self.title


class DatasetUse(models.Model):
    """How often a dataset was downloaded, per day (every format, the portal's and the grid's downloads):
    what the residents' home ranks as most used. One row per dataset and day, so a download costs one small
    update and the ranking one sum over a month of rows per dataset."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="uses")
    day = models.DateField(_("day"))
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "day"], name="dataset_use_once_a_day")]
        verbose_name = _("dataset use")
        verbose_name_plural = _("dataset uses")

    def __str__(self) -> str:
        return f"{self.dataset_id} {self.day}: {self.downloads}"
