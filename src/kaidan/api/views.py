"""Staff pages: an organization's API tokens (its managers), a dataset's webhooks and their delivery log
(the dataset's managers). The pages call kaidan.api.services / webhooks, which decide who may."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from kaidan.access.levels import Level
from kaidan.access.operations import OPERATIONS
from kaidan.accounts.models import Organization
from kaidan.catalog.selectors import get_dataset
from kaidan.core.errors import NotFound

from . import services, webhooks
from .models import Delivery, Subscription
from .selectors import list_tokens, manageable_organizations

SCOPE_LABELS = {
    "object.view": _("Read rows and columns (object.view)"),
    "object.export": _("Export (object.export)"),
    "object.edit": _("Change rows (object.edit)"),
    "object.manage": _("Change schema, classification and sharing (object.manage)"),
    "object.share": _("Share with others (object.share)"),
    "object.delete": _("Delete (object.delete)"),
    "object.audit": _("See who accessed what (object.audit)"),
}


class TokenForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Organization"))
    name = forms.CharField(label=_("Name (the system that will use it)"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(name, SCOPE_LABELS.get(name, f"{name} — {op.help}")) for name, op in OPERATIONS.items()],
        widget=forms.CheckboxSelectMultiple,
        initial=list(services.DEFAULT_SCOPES),
    )
    clearance = forms.ChoiceField(label=_("Highest classification it may read"), choices=Level.choices)
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=services.MAX_DAYS, initial=services.DEFAULT_DAYS
    )


class SubscriptionForm(forms.Form):
    url = forms.URLField(label=_("URL to POST to"), max_length=500, assume_scheme="https")
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), label=_("Receiving organization")
    )
    clearance = forms.ChoiceField(label=_("Highest classification sent"), choices=Level.choices)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    orgs = manageable_organizations(actor=request.user)
    if not orgs.exists():
        raise NotFound(detail="no organization to manage")
    initial = {"clearance": Level.INTERNAL, "organization": orgs.first()}
    form = TokenForm(request.POST or None, initial=initial)
    form.fields["organization"].queryset = orgs  # type: ignore[attr-defined]
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.create_token(
                form.cleaned_data["organization"],
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                clearance=form.cleaned_data["clearance"],
                days=form.cleaned_data["days"],
            )
        except services.ApiRejected as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The token was created. Copy it now: it is not shown again."))
            form = TokenForm(initial=initial)
            form.fields["organization"].queryset = orgs  # type: ignore[attr-defined]
    return render(
        request,
        "api/tokens.html",
        {"tokens": list_tokens(actor=request.user), "form": form, "secret": secret},
    )


@login_required
@require_POST
def revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    token = services.get_token(prefix, actor=request.user)
    services.revoke_token(token, actor=request.user)
    messages.success(request, _("The token was revoked. It no longer opens anything."))
    return redirect("integrations:tokens")


@login_required
@require_http_methods(["GET", "POST"])
def webhooks_page(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_dataset(name, "object.share", actor=request.user)
    subs = webhooks.subscriptions_of(dataset, actor=request.user)
    form = SubscriptionForm(request.POST or None, initial={"clearance": Level.INTERNAL})
    secret = ""
    if request.method == "POST" and "remove" in request.POST:
        found = Subscription.objects.filter(dataset=dataset, pk=request.POST.get("remove", "0")).first()
        if found is not None:
            webhooks.delete_subscription(found, actor=request.user)
            messages.success(request, _("The webhook was removed."))
        return redirect("integrations:webhooks", name=dataset.name)
    if request.method == "POST" and form.is_valid():
        try:
            _sub, secret = webhooks.create_subscription(
                dataset,
                actor=request.user,
                organization=form.cleaned_data["organization"],
                url=form.cleaned_data["url"],
                clearance=form.cleaned_data["clearance"],
            )
        except services.ApiRejected as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("The webhook was added. Give its signing secret to the receiver now.")
            )
            subs = webhooks.subscriptions_of(dataset, actor=request.user)
            form = SubscriptionForm(initial={"clearance": Level.INTERNAL})
    deliveries = Delivery.objects.filter(subscription__dataset=dataset).select_related("subscription")[:100]
    return render(
        request,
        "api/webhooks.html",
        {"dataset": dataset, "subscriptions": subs, "deliveries": deliveries, "form": form, "secret": secret},
    )
