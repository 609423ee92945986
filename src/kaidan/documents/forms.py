"""Upload forms. Field errors are tied to their inputs (aria-describedby) for screen readers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaidan.access.levels import Level, RestrictionReason
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset

from .files import ALLOWED_EXTENSIONS
from .services import classification_errors


class AccessibleForm(forms.Form):
    """Links each field's error list (id `<field id>_errors`) to the input and marks it invalid."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            ids = [f"{bound.auto_id}_errors"]
            if self.fields[name].help_text:
                ids.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)


ACCEPT = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)


class ClassificationForm(AccessibleForm):
    """Title, description and the classification fields shared by the upload and the edit form."""

    title = forms.CharField(label=_("Title"), max_length=300)
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=Level.choices,
        initial=Level.INTERNAL,
        help_text=_("Who may see the document. Restricted (秘) needs a reason."),
    )
    restriction_reason = forms.ChoiceField(
        label=_("Reason for restriction"),
        choices=[("", "—")] + list(RestrictionReason.choices),
        required=False,
    )
    undecided = forms.BooleanField(
        label=_("Undecided (未決定)"),
        required=False,
        help_text=_("Only members of the owner organization see it until it is released."),
    )
    planned_release = forms.DateField(
        label=_("Planned release date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Only for undecided documents: when it is expected to be released."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    old_planned_release: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "classification" in data:
            errors = classification_errors(
                classification=data["classification"],
                restriction_reason=data.get("restriction_reason") or "",
                undecided=bool(data.get("undecided")),
                planned_release=data.get("planned_release"),
                old_planned_release=self.old_planned_release,
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return data


class UploadForm(ClassificationForm):
    owner = forms.ModelChoiceField(
        label=_("Owner organization"), queryset=Organization.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("Word, Excel, PDF, images, text or CSV."),
    )
    dataset = forms.ModelChoiceField(
        label=_("Dataset (optional)"), queryset=Dataset.objects.none(), required=False, empty_label="—"
    )
    record_id = forms.IntegerField(
        label=_("Record ID (optional)"),
        min_value=1,
        required=False,
        help_text=_("The row of the dataset this document belongs to."),
    )

    def __init__(
        self, *args: Any, owners: list[Organization], datasets: list[Dataset], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        dataset_field = self.fields["dataset"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        assert isinstance(dataset_field, forms.ModelChoiceField)
        owner_field.queryset = Organization.objects.filter(pk__in=[o.pk for o in owners])
        dataset_field.queryset = Dataset.objects.filter(pk__in=[d.pk for d in datasets]).order_by("title")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("record_id") is not None and not data.get("dataset"):
            self.add_error("record_id", _("A record can only be given together with its dataset."))
        return data


class EditForm(ClassificationForm):
    """Change a document's title, description and classification (managers of the owner)."""

    def __init__(self, *args: Any, document: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": document.title,
                "description": document.description,
                "classification": document.classification,
                "restriction_reason": document.restriction_reason,
                "undecided": document.undecided,
                "planned_release": document.planned_release,
            },
        )
        super().__init__(*args, **kwargs)
        self.old_planned_release = document.planned_release


class VersionForm(AccessibleForm):
    file = forms.FileField(
        label=_("New file"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("Word, Excel, PDF, images, text or CSV."),
    )
    comment = forms.CharField(label=_("What changed"), max_length=500, required=False)
