"""A chart's downloads: the picture (PNG, SVG, drawn on the server) and the figures under it (CSV)."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse

from kaidan.core.formulas import defuse

from .data import ChartData, label_of
from .render import render

TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def csv_bytes(data: ChartData) -> bytes:
    """The chart's table as CSV (UTF-8 with BOM for Excel; a text cell is never turned into a formula)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([defuse(h) for h in data.headings])
    for row in data.rows:
        writer.writerow([defuse(label_of(v)) if isinstance(v, str) or v is None else v for v in row])
    return out.getvalue().encode("utf-8-sig")


def respond(data: ChartData, title: str, fmt: str, name: str, narrow: bool = False) -> HttpResponse:
    """The figures as CSV, or the picture (`narrow`: drawn for a phone's width, as pages ask on phones)."""
    if fmt == "csv":
        response = HttpResponse(csv_bytes(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt not in TYPES:
        raise Http404(fmt)
    response = HttpResponse(render(data, title, fmt, narrow), content_type=TYPES[fmt])
    response["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
