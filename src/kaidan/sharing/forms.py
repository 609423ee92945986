"""Forms of the sharing pages. They only parse input; the rules are checked by kaidan.sharing.services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kaidan.access.levels import Level
from kaidan.access.models import AccessGrant, Permission
from kaidan.accounts.models import Organization, Role
from kaidan.catalog.models import Dataset, Masking

CONDITION_ROWS = 3
SEPARATORS = re.compile(r"[\n\r,、，]+")


class DateInput(forms.DateInput):
    input_type = "date"


def split_values(text: str) -> list[str]:
    return [v.strip() for v in SEPARATORS.split(text or "") if v.strip()]


class RowScopeMixin(forms.Form):
    """The row-scope builder: up to three (column, "is one of" values) conditions and a viewer_org column."""

    def add_scope_fields(self, dataset: Dataset) -> None:
        choices = [("", _("(no condition)"))] + [(f.name, f.label) for f in dataset.live_fields()]
        for i in range(1, CONDITION_ROWS + 1):
            self.fields[f"cond{i}_field"] = forms.ChoiceField(
                label=_("Condition %(n)s: column") % {"n": i}, choices=choices, required=False
            )
            self.fields[f"cond{i}_values"] = forms.CharField(
                label=_("Condition %(n)s: is one of") % {"n": i},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("One value per line (or separated by commas)."),
            )
        self.fields["viewer_org_field"] = forms.ChoiceField(
            label=_("Only rows whose column is the viewer's organization"),
            choices=choices,
            required=False,
            help_text=_(
                "For example the column naming the responsible partner: each partner sees its own rows."
            ),
        )

    @staticmethod
    def initial_scope(dataset: Dataset, row_filter: list[dict[str, Any]]) -> dict[str, Any]:
        names = {f.pk: f.name for f in dataset.live_fields()}
        initial: dict[str, Any] = {}
        i = 1
        for cond in row_filter:
            name = names.get(cond.get("field_id"), "")  # type: ignore[arg-type]
            if cond.get("op") == "viewer_org":
                initial["viewer_org_field"] = name
            elif i <= CONDITION_ROWS:
                value = cond.get("value")
                values = value if isinstance(value, list) else [value]
                initial[f"cond{i}_field"] = name
                initial[f"cond{i}_values"] = "\n".join(str(v) for v in values)
                i += 1
        return initial

    def row_filter(self) -> list[dict[str, Any]]:
        conditions: list[dict[str, Any]] = []
        for i in range(1, CONDITION_ROWS + 1):
            field = self.cleaned_data.get(f"cond{i}_field")
            values = split_values(self.cleaned_data.get(f"cond{i}_values", ""))
            if field:
                conditions.append({"field": field, "op": "in", "value": values})
            elif values:
                self.add_error(f"cond{i}_field", _("Choose the column these values are for."))
        if self.cleaned_data.get("viewer_org_field"):
            conditions.append({"field": self.cleaned_data["viewer_org_field"], "op": "viewer_org"})
        return conditions


class GrantForm(RowScopeMixin):
    organization = forms.ModelChoiceField(
        label=pgettext_lazy("sharing", "Organization"), queryset=Organization.objects.none(), empty_label=None
    )
    min_role = forms.ChoiceField(
        label=pgettext_lazy("sharing", "Minimum role"),
        choices=Role.choices,
        initial=Role.VIEWER,
        help_text=_("Members with this role or a higher one get access."),
    )
    permission = forms.ChoiceField(
        label=pgettext_lazy("sharing", "Permission"), choices=Permission.choices, initial=Permission.VIEW
    )
    clearance = forms.ChoiceField(
        label=pgettext_lazy("sharing", "Clearance"),
        choices=Level.choices,
        initial=Level.LIMITED,
        help_text=_("The highest classification of columns they may see."),
    )

    def __init__(self, *args: Any, dataset: Dataset, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.exclude(  # type: ignore[attr-defined]
            kind=Organization.Kind.PUBLIC
        ).exclude(pk=dataset.owner_id)
        self.add_scope_fields(dataset)


class ChangeGrantForm(RowScopeMixin):
    permission = forms.ChoiceField(label=pgettext_lazy("sharing", "Permission"), choices=Permission.choices)
    clearance = forms.ChoiceField(label=pgettext_lazy("sharing", "Clearance"), choices=Level.choices)

    def __init__(self, *args: Any, dataset: Dataset, grant: AccessGrant, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "permission": grant.permission,
                "clearance": grant.clearance,
                **self.initial_scope(dataset, grant.row_filter),
            },
        )
        super().__init__(*args, **kwargs)
        self.add_scope_fields(dataset)


class MaskingForm(forms.Form):
    masking = forms.ChoiceField(
        label=_("Columns above a reader's clearance"), choices=Masking.choices, widget=forms.RadioSelect
    )


class UndecidedForm(forms.Form):
    planned_release = forms.DateField(
        label=_("Planned publication date"),
        required=False,
        widget=DateInput,
        help_text=_("Released automatically on this day. Leave empty to release by hand."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=pgettext_lazy("sharing", "E-mail address"))
    organization = forms.ModelChoiceField(
        label=pgettext_lazy("sharing", "Organization"), queryset=Organization.objects.none()
    )
    role = forms.ChoiceField(
        label=pgettext_lazy("sharing", "Role"), choices=Role.choices[:3], initial=Role.VIEWER
    )

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            pk__in=[o.pk for o in organizations]
        )


class AcceptForm(forms.Form):
    username = forms.CharField(
        label=pgettext_lazy("sharing", "User name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=pgettext_lazy("sharing", "Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class DateRangeForm(forms.Form):
    since = forms.DateField(label=pgettext_lazy("sharing", "From"), required=False, widget=DateInput)
    until = forms.DateField(label=pgettext_lazy("sharing", "To"), required=False, widget=DateInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data


class AccessLogForm(DateRangeForm):
    kind = forms.ChoiceField(label=pgettext_lazy("sharing", "Kind"), required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", pgettext_lazy("sharing", "All"))] + kinds  # type: ignore[attr-defined]
        self.order_fields(["kind", "since", "until"])


class AuditExportForm(DateRangeForm):
    format = forms.ChoiceField(
        label=pgettext_lazy("sharing", "Format"),
        choices=[("csv", "CSV (UTF-8 BOM)"), ("jsonl", "JSON Lines")],
        initial="csv",
    )
