from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaidan.access.levels import Level, RestrictionReason
from kaidan.accounts.models import Organization
from kaidan.catalog.models import FieldType
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


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, TSV, Excel, ODS, JSON)"))
    mode = forms.ChoiceField(label=_("What to do"), choices=MODE_CHOICES, initial="create")
    dataset = forms.SlugField(
        label=_("Dataset machine name"),
        help_text=_("Letters, digits and hyphens, e.g. shelters. For an existing dataset, its name."),
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    organization = forms.ModelChoiceField(
        label=_("Owner organization"), queryset=Organization.objects.none(), required=False
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

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]

    def clean_header_rows(self) -> list[int] | None:
        return parse_header_rows(self.cleaned_data["header_rows"])

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size is not None and upload.size > max_upload_size():
            raise forms.ValidationError(too_large_message(max_upload_size()))
        return upload


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

    def __init__(self, *args: Any, columns: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("classification") == Level.RESTRICTED and not data.get("restriction_reason"):
            self.add_error("restriction_reason", _("Restricted information needs a recorded reason."))
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
