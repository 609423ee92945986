from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaidan.accounts.models import Organization

from . import selectors
from .models import Kind

KINDS = {"dataset": (Kind.DATASET,), "record": (Kind.RECORD,), "document": (Kind.DOCUMENT,)}


def search(request: HttpRequest) -> HttpResponse:
    """The one search box: datasets, records and documents the visitor may see, grouped."""
    text = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    organization = request.GET.get("org", "")
    results = (
        selectors.search(
            request.user,
            text,
            kinds=KINDS.get(kind, (Kind.DATASET, Kind.RECORD, Kind.DOCUMENT)),
            organization=organization,
        )
        if text
        else None
    )
    return render(
        request,
        "search/search.html",
        {
            "q": text,
            "kind": kind,
            "org": organization,
            "results": results,
            "organizations": Organization.objects.exclude(kind=Organization.Kind.PUBLIC).order_by("code"),
        },
    )
