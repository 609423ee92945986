"""The SQL console: SQL over the datasets the user may see, results as a table or CSV, saved queries."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kaidan.access.actors import account_of
from kaidan.access.services import organizations_of
from kaidan.catalog.selectors import list_datasets
from kaidan.core.formulas import defuse

from . import engine
from .models import SavedQuery

MAX_SQL = 10_000


def _as_of(request: HttpRequest) -> dict[int, int] | None:
    """`as_of=N` reads every dataset of the query as of revision N (each its own revision N)."""
    text = request.POST.get("as_of") or request.GET.get("as_of") or ""
    if not text.isdigit():
        return None
    number = int(text)
    return {d.pk: number for d in list_datasets(actor=request.user)}


def _saved(request: HttpRequest) -> Any:
    orgs = [o.pk for o in organizations_of(actor=request.user)]
    return SavedQuery.objects.filter(Q(created_by=request.user) | Q(shared_with__in=orgs)).select_related(
        "created_by", "shared_with"
    )


@login_required
def console(request: HttpRequest) -> HttpResponse:
    sql = (request.POST.get("sql") or request.GET.get("sql") or "").strip()[:MAX_SQL]
    if "saved" in request.GET:
        found = _saved(request).filter(pk=request.GET["saved"]).first()
        sql = found.sql if found is not None else sql
    result = error = None
    if sql and (request.method == "POST" or "run" in request.GET):
        try:
            result = engine.run(sql, actor=request.user, as_of=_as_of(request))
        except engine.QueryRefused as exc:
            error = str(exc)
    if result is not None and request.POST.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([defuse(c) for c in result.columns])
        for row in result.rows:
            writer.writerow([defuse(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="query.csv"'
        return response
    status = 400 if error else 200
    return render(
        request,
        "analysis/console.html",
        {
            "sql": sql,
            "result": result,
            "error": error,
            "as_of": request.POST.get("as_of") or request.GET.get("as_of") or "",
            "datasets": list_datasets(actor=request.user),
            "saved": _saved(request),
            "organizations": organizations_of(actor=request.user),
            "row_limit": engine.ROW_LIMIT,
        },
        status=status,
    )


@login_required
def save(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("analysis:console")
    sql = request.POST.get("sql", "").strip()[:MAX_SQL]
    title = request.POST.get("title", "").strip()[:200] or _("Untitled query")
    shared = request.POST.get("shared_with", "")
    org = next((o for o in organizations_of(actor=request.user) if str(o.pk) == shared), None)
    author = account_of(actor=request.user)
    if sql and author is not None:
        query = SavedQuery.objects.create(title=title, sql=sql, created_by=author, shared_with=org)
        return redirect(f"/analysis/?saved={query.pk}")
    return redirect("analysis:console")
