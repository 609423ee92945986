from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kaidan.access.levels import Level, RestrictionReason
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset, FieldType
from kaidan.core.uploads import max_upload_size, too_large_message

MODE_CHOICES = [
    ("create", _("Create a new dataset")),
    ("replace", _("Replace all rows of an existing dataset")),
    ("upsert", _("Update and add rows by key")),
    ("append", _("Append rows")),
]


ENCODING_CHOICES = [
    ("", _("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 (BOM)"),
    ("cp932", "Shift_JIS (CP932)"),
    ("euc_jp", "EUC-JP"),
]


def parse_header_rows(text: str) -> list[int] | None:
    """ "3,4" (row numbers as the user counts them) → [2, 3] (0-based); empty → None (detect)."""
    text = text.strip()
    if not text:
        return None
    try:
        rows = [int(n) - 1 for n in text.replace("、", ",").split(",") if n.strip()]
    except ValueError as exc:
        raise forms.ValidationError(_("Give row numbers separated by commas.")) from exc
    if any(r < 0 for r in rows):
        raise forms.ValidationError(_("Give row numbers separated by commas."))
    return rows or None


DATASET_NAME_RE = r"^[a-z0-9](?:[a-z0-9_-]{0,98}[a-z0-9])?$"


def clean_machine_name(value: str) -> str:
    """A dataset's machine name as typed (ASCII letters, digits, hyphens); errors name the field as the
    user sees it (「URL用の識別名」), never Django's internal "slug"."""
    value = value.strip().lower()
    if value and not re.match(DATASET_NAME_RE, value):
        raise forms.ValidationError(
            _(
                "The machine name for URLs may use only lower-case ASCII letters, digits and hyphens "
                "(e.g. general-expenditure). Leave it empty to have one made from the dataset name."
            )
        )
    return value


class UploadForm(forms.Form):
    """Everything the import needs, asked and checked before the file is analysed.

    The file is kept as soon as it is received (``upload`` carries it when another field is wrong), so a
    form error never makes the user choose the file again."""

    file = forms.FileField(label=_("File (CSV, TSV, Excel, ODS, JSON)"), required=False)
    upload = forms.UUIDField(required=False, widget=forms.HiddenInput)
    mode = forms.ChoiceField(label=_("What to do"), choices=MODE_CHOICES, initial="create")
    title = forms.CharField(
        label=_("Dataset name"),
        required=False,
        max_length=200,
        help_text=_("As shown in the catalog, e.g. 一般歳出. For a new dataset."),
    )
    dataset = forms.CharField(
        label=_("Machine name for URLs (optional)"),
        required=False,
        max_length=100,
        help_text=_("Lower-case ASCII letters, digits and hyphens. Empty: made from the dataset name."),
    )
    organization = forms.ModelChoiceField(
        label=_("Owner organization"), queryset=Organization.objects.none(), required=False
    )
    target = forms.ModelChoiceField(
        label=_("Dataset to import into"),
        queryset=Dataset.objects.none(),
        required=False,
        help_text=_("For replace, update by key and append: the datasets you may edit."),
    )
    encoding = forms.ChoiceField(
        label=_("Character encoding"),
        required=False,
        choices=ENCODING_CHOICES,
    )
    sheet = forms.CharField(label=_("Sheet (Excel/ODS)"), required=False)
    header_rows = forms.CharField(
        label=_("Header rows"),
        required=False,
        help_text=_("Row numbers, e.g. 3,4. Empty: detect automatically."),
    )

    def __init__(
        self,
        *args: Any,
        organizations: list[Organization],
        datasets: list[Dataset],
        default_organization: Organization | None = None,
        stored_name: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stored_name = stored_name
        org_field = cast(forms.ModelChoiceField, self.fields["organization"])
        org_field.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations]).order_by(
            "code"
        )
        if default_organization is not None:
            org_field.initial = default_organization.pk
            org_field.empty_label = None
        target = cast(forms.ModelChoiceField, self.fields["target"])
        target.queryset = Dataset.objects.filter(pk__in=[d.pk for d in datasets]).order_by("title", "pk")
        target.label_from_instance = lambda d: f"{d.title}（{d.name}）"  # type: ignore[method-assign,assignment]
        modes = [(value, label) for value, label in MODE_CHOICES if value == "create" or datasets]
        if not organizations:
            modes = [(value, label) for value, label in modes if value != "create"]
            for name in ("title", "dataset", "organization"):
                del self.fields[name]
        if not datasets:
            del self.fields["target"]
        mode = cast(forms.ChoiceField, self.fields["mode"])
        mode.choices = modes
        mode.initial = modes[0][0] if modes else "create"
        if stored_name:
            self.fields["file"].help_text = _("Chosen: %(name)s. Choose another file only to replace it.") % {
                "name": stored_name
            }

    def clean_header_rows(self) -> list[int] | None:
        return parse_header_rows(self.cleaned_data["header_rows"])

    def clean_dataset(self) -> str:
        return clean_machine_name(self.cleaned_data.get("dataset", ""))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size is not None and upload.size > max_upload_size():
            raise forms.ValidationError(too_large_message(max_upload_size()))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not self.stored_name and "file" not in self.errors:
            self.add_error("file", _("Choose the file to import."))
        if data.get("mode") == "create":
            if (
                not (data.get("title") or "").strip()
                and not data.get("dataset")
                and "dataset" not in self.errors
            ):
                self.add_error("title", _("Enter the dataset name."))
            if data.get("organization") is None and "organization" in self.fields:
                self.add_error("organization", _("Choose the owner organization."))
        elif data.get("mode") and data.get("target") is None and "target" in self.fields:
            self.add_error("target", _("Choose the dataset to import into."))
        return data


class PlanForm(forms.Form):
    key = forms.ChoiceField(label=_("Key column"), required=False)
    classification = forms.ChoiceField(label=_("Dataset classification"), choices=Level.choices)
    restriction_reason = forms.ChoiceField(
        label=_("Reason for restriction"), required=False, choices=[("", "—"), *RestrictionReason.choices]
    )
    on_error = forms.ChoiceField(
        label=_("Rows with values that cannot be read"),
        choices=[
            ("abort", _("Stop and show me the list")),
            ("skip", _("Skip those rows and import the rest")),
        ],
    )
    message = forms.CharField(label=_("Message for this revision"), required=False)

    def __init__(
        self,
        *args: Any,
        columns: list[dict[str, Any]],
        creating: bool = False,
        name_problem: Callable[[str], str | None] | None = None,
        needs_key: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.name_problem = name_problem
        self.needs_key = needs_key
        if creating:
            self.fields["title"] = forms.CharField(label=_("Dataset name"), max_length=200)
            self.fields["dataset"] = forms.CharField(
                label=_("Machine name for URLs"),
                max_length=100,
                help_text=_("Lower-case ASCII letters, digits and hyphens, e.g. general-expenditure."),
            )
        key_choices = [("", _("(none)")), *((c["source"], c["label"]) for c in columns)]
        self.fields["key"].choices = key_choices  # type: ignore[attr-defined]
        for i, col in enumerate(columns):
            self.fields[f"c{i}_include"] = forms.BooleanField(
                label=_("Import"), required=False, initial=col["include"]
            )
            self.fields[f"c{i}_label"] = forms.CharField(
                label=_("Label"), initial=col["label"], max_length=200
            )
            self.fields[f"c{i}_name"] = forms.CharField(
                label=_("Machine name"), initial=col["name"], max_length=100
            )
            self.fields[f"c{i}_type"] = forms.ChoiceField(
                label=_("Type"), choices=FieldType.choices, initial=col["type"]
            )
            self.fields[f"c{i}_classification"] = forms.ChoiceField(
                label=_("Classification"), choices=Level.choices, initial=col["classification"]
            )

    def clean_dataset(self) -> str:
        name = clean_machine_name(self.cleaned_data["dataset"])
        if not name:
            raise forms.ValidationError(_("Enter the machine name for URLs."))
        problem = self.name_problem(name) if self.name_problem else None
        if problem:
            raise forms.ValidationError(problem)
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("classification") == Level.RESTRICTED and not data.get("restriction_reason"):
            self.add_error("restriction_reason", _("Restricted information needs a recorded reason."))
        if self.needs_key and not data.get("key"):
            self.add_error(
                "key", _("Update by key needs a key column: choose the column that identifies a row.")
            )
        names = [data.get(f"c{i}_name") for i in range(len(self.columns)) if data.get(f"c{i}_include")]
        if len(names) != len(set(names)):
            raise forms.ValidationError(_("Machine names must be unique."))
        return data

    def rows(self) -> list[dict[str, Any]]:
        """Field widgets grouped per column, for the template."""
        return [
            {
                "column": col,
                "include": self[f"c{i}_include"],
                "label": self[f"c{i}_label"],
                "name": self[f"c{i}_name"],
                "type": self[f"c{i}_type"],
                "classification": self[f"c{i}_classification"],
            }
            for i, col in enumerate(self.columns)
        ]


class RedetectForm(forms.Form):
    """Read the stored upload again with another sheet, encoding or header (no new upload)."""

    prefix = "redetect"

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    encoding = forms.ChoiceField(label=_("Character encoding"), required=False, choices=ENCODING_CHOICES)
    header_rows = forms.CharField(
        label=_("Header rows"),
        required=False,
        max_length=50,
        help_text=_("Row numbers, e.g. 3,4. The data starts below them. Empty: detect automatically."),
    )

    def __init__(self, *args: Any, file_format: str, sheets: list[str], encoding: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text_file = file_format in ("csv", "tsv")
        if sheets:
            self.fields["sheet"].choices = [(s, s) for s in sheets]  # type: ignore[attr-defined]
        else:
            del self.fields["sheet"]
        if not self.text_file:
            del self.fields["encoding"]
        elif encoding and encoding not in dict(ENCODING_CHOICES):
            self.fields["encoding"].choices = [*ENCODING_CHOICES, (encoding, encoding)]  # type: ignore[attr-defined]

    def clean_header_rows(self) -> list[int] | None:
        return parse_header_rows(self.cleaned_data["header_rows"])
