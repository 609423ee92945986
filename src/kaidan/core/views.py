"""The public home page and the staff home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaidan.access.services import organizations_of


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    memberships = list(request.user.memberships.select_related("organization"))  # type: ignore[union-attr]
    return render(
        request,
        "core/staff_home.html",
        {"memberships": memberships, "organizations": organizations_of(request.user)},
    )


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
