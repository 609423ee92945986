"""Pages for datasets made from the standard templates: the list of templates with a form that creates an
empty dataset from one, and each template's CSV header row. Thin over kaidan.catalog.standard_datasets."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from kaidan.access.levels import Level
from kaidan.accounts.selectors import importable_organizations

from . import standard_datasets
from .standard_datasets import TemplateRefused


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("Standard template"))
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the standard's title.")
    )
    name = forms.RegexField(
        label=_("Machine name for URLs"),
        regex=standard_datasets.NAME,
        max_length=100,
        help_text=_("Lower-case ASCII letters, digits and hyphens, e.g. aed-2026."),
        error_messages={"invalid": _("Use lower-case ASCII letters, digits and hyphens (e.g. aed-2026).")},
    )
    organization = forms.ChoiceField(label=_("Organization"))
    classification = forms.ChoiceField(label=_("Classification"), choices=Level.choices, initial=Level.PUBLIC)

    def __init__(self, *args: object, organizations: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        template = self.fields["template"]
        organization = self.fields["organization"]
        assert isinstance(template, forms.ChoiceField) and isinstance(organization, forms.ChoiceField)
        template.choices = [(s.key, s.title) for s in standard_datasets.templates()]
        organization.choices = organizations


@login_required
def templates(request: HttpRequest) -> HttpResponse:
    orgs = importable_organizations(actor=request.user)
    choices = [(o.code, o.name) for o in orgs]
    form = TemplateForm(
        request.POST or None, organizations=choices, initial={"template": request.GET.get("template", "")}
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = next(o for o in orgs if o.code == data["organization"])
        try:
            dataset = standard_datasets.create_from_template(
                standard_datasets.template(data["template"]),
                name=data["name"],
                organization=org,
                title=data["title"],
                classification=data["classification"],
                actor=request.user,
            )
        except TemplateRefused as exc:
            error = str(exc)
        else:
            return redirect("catalog:dataset", name=dataset.name)
    return render(
        request,
        "catalog/templates.html",
        {"form": form, "error": error, "templates": standard_datasets.templates(), "may_create": bool(orgs)},
        status=400 if error or form.errors else 200,
    )


@login_required
def template_csv(request: HttpRequest, key: str) -> HttpResponse:
    try:
        standard = standard_datasets.template(key)
    except TemplateRefused:
        raise Http404(key) from None
    response = HttpResponse(standard_datasets.csv_template(standard), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{standard.key}-template.csv"'
    return response
