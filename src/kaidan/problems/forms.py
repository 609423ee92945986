from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaidan.accounts.models import Organization, User
from kaidan.catalog.models import Dataset

from .models import Aggregate, Direction, Kpi, Status


class KpiForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    owner = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    dataset = forms.ModelChoiceField(label=_("Dataset"), queryset=Dataset.objects.none())
    aggregate = forms.ChoiceField(label=_("Measure"), choices=Aggregate.choices, initial=Aggregate.COUNT)
    column = forms.CharField(
        label=_("Column (machine name)"), required=False, help_text=_("Empty for the number of rows.")
    )
    condition = forms.CharField(
        label=_("Condition (optional)"),
        required=False,
        help_text=_("An SQL condition on the dataset's columns, e.g. 地区 = '三宿'."),
    )
    sql = forms.CharField(
        label=_("Or your own SQL"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("One SELECT that returns one number; it replaces the measure above."),
    )
    target = forms.DecimalField(label=_("Target (ideal)"), max_digits=20, decimal_places=4)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)

    def __init__(self, *args: Any, organizations: list[Organization], datasets: list[Dataset], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])  # type: ignore[attr-defined]
        self.fields["dataset"].queryset = Dataset.objects.filter(pk__in=[d.pk for d in datasets])  # type: ignore[attr-defined]


class ProblemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    ideal = forms.CharField(label=_("Ideal: what it should be"), widget=forms.Textarea(attrs={"rows": 2}))
    reality = forms.CharField(label=_("Reality: what it is now"), widget=forms.Textarea(attrs={"rows": 2}))
    kpi = forms.ModelChoiceField(
        label=_("KPI (the gap in figures)"), queryset=Kpi.objects.none(), required=False
    )
    owner = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations concerned"),
        queryset=Organization.objects.exclude(kind=Organization.Kind.PUBLIC),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organizations: list[Organization], kpis: list[Kpi], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])  # type: ignore[attr-defined]
        self.fields["kpi"].queryset = Kpi.objects.filter(pk__in=[k.pk for k in kpis])  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class PostForm(forms.Form):
    text = forms.CharField(label=_("Your post"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    anonymous = forms.BooleanField(
        label=_("Post anonymously (your name is not kept anywhere)"), required=False
    )


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Proposed action"), max_length=1000)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.filter(is_active=True), required=False
    )
    due = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
