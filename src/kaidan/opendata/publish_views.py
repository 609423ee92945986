"""Publishing from the dataset page: what stands in the way, what looks personal, and the manager's act."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kaidan.catalog.selectors import get_dataset

from . import services
from .catalog import LICENCES


@login_required
def publish_page(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_dataset(name, "object.manage", actor=request.user)
    findings: list[str] = []
    refused: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "unpublish":
                services.unpublish(dataset, actor=request.user)
                messages.success(request, _("The dataset is no longer published as open data."))
            else:
                services.publish(
                    dataset,
                    reason=request.POST.get("reason", ""),
                    licence=request.POST.get("licence") or None,
                    actor=request.user,
                )
                messages.success(request, _("The dataset is published as open data."))
            return redirect("opendata:publish", name=dataset.name)
        except services.PublishWarned as exc:
            findings = [services.describe(f) for f in exc.findings]
        except services.PublishRefused as exc:
            refused = exc.reasons
    ready = services.readiness(dataset)
    return render(
        request,
        "opendata/publish.html",
        {
            "dataset": dataset,
            "reasons": refused or ready.reasons,
            "findings": findings,
            "licences": [(key, title) for key, (title, _url) in LICENCES.items()],
            "reason": request.POST.get("reason", ""),
        },
        status=409 if (findings or refused) else 200,
    )
