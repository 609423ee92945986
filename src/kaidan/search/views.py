from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaidan.accounts.models import Organization

from . import selectors
from .models import Kind

KINDS = {"dataset": (Kind.DATASET,), "record": (Kind.RECORD,), "document": (Kind.DOCUMENT,)}


def _date(text: str) -> datetime.date | None:
    """The `since` filter (an <input type="date">); an unreadable date is no filter."""
    try:
        return datetime.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def search(request: HttpRequest) -> HttpResponse:
    """The one search box: datasets, records and documents the visitor may see, grouped."""
    text = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    organization = request.GET.get("org", "")
    since = _date(request.GET.get("since", ""))
    results = (
        selectors.search(
            text,
            actor=request.user,
            kinds=KINDS.get(kind, (Kind.DATASET, Kind.RECORD, Kind.DOCUMENT)),
            organization=organization,
            changed_since=since,
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
            "since": since.isoformat() if since else "",
            "results": results,
            "organizations": Organization.objects.exclude(kind=Organization.Kind.PUBLIC).order_by("code"),
        },
    )
