"""The public home page and the staff home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaidan.access.services import organizations_of
from kaidan.catalog import usage
from kaidan.links.selectors import expiring_links

from . import selectors

SEARCH_MAX = 100


def home(request: HttpRequest) -> HttpResponse:
    """The residents' home: a search over the public datasets, the latest of them and the most downloaded."""
    search = request.GET.get("q", "").strip()[:SEARCH_MAX]
    public = selectors.public_datasets()
    return render(
        request,
        "core/home.html",
        {
            "search": search,
            "results": selectors.public_datasets(search) if search else None,
            "latest": public[: selectors.LATEST],
            "most_used": usage.most_used(public, limit=selectors.LATEST),
            "recent_days": usage.RECENT_DAYS,
        },
    )


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """The staff home: my datasets, recent changes I may see, my imports, my links about to expire."""
    user = request.user
    memberships = list(user.memberships.select_related("organization"))  # type: ignore[union-attr]
    return render(
        request,
        "core/staff_home.html",
        {
            "memberships": memberships,
            "organizations": organizations_of(actor=user),
            "my_datasets": selectors.my_datasets(actor=user),
            "recent_changes": selectors.recent_changes(actor=user),
            "my_imports": selectors.my_imports(user),
            "expiring_links": expiring_links(user),
        },
    )


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
