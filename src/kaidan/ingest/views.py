"""Import from the browser: upload → preview and edit the plan → import in the background with progress."""

from __future__ import annotations

import uuid
from itertools import islice
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from kaidan.accounts.models import Organization, Role, User

from . import progress
from .errors import ReadError
from .forms import PlanForm, UploadForm
from .models import ImportJob
from .plan import Analysis, iter_records
from .services import ImportPlan, plan_import
from .tasks import run_import_job

PREVIEW_ROWS = 10


def _editor_orgs(user: Any) -> Any:
    if user.is_superuser:
        return Organization.objects.exclude(kind=Organization.Kind.PUBLIC)
    return Organization.objects.filter(
        memberships__user=user, memberships__role__in=[Role.EDITOR, Role.MANAGER, Role.ADMIN]
    ).distinct()


def _summary(analysis: Analysis) -> dict[str, Any]:
    preview = [
        [("" if v is None else str(v)) for v in values]
        for _n, values in islice(iter_records(analysis), PREVIEW_ROWS)
    ]
    return {
        "format": analysis.format,
        "encoding": analysis.encoding or "",
        "sheet": analysis.source.sheet or "",
        "sheets": analysis.sheets,
        "data_rows": analysis.data_rows,
        "header_rows": [i + 1 for i in analysis.layout.header_rows],
        "issues": [{"ja": i.message_ja, "en": i.message_en} for i in analysis.issues],
        "preview": preview,
    }


def _get_job(request: HttpRequest, job_id: uuid.UUID) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, created_by=request.user.pk).first()
    if job is None:
        raise Http404
    return job


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    orgs = _editor_orgs(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, organizations=orgs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job_id = uuid.uuid4()
        folder = Path(settings.DATA_DIR) / "uploads" / str(job_id)
        folder.mkdir(parents=True)
        suffix = Path(data["file"].name).suffix.lower()[:10]
        path = folder / f"source{suffix}"
        with path.open("wb") as out:
            for chunk in data["file"].chunks():
                out.write(chunk)
        org = data.get("organization")
        try:
            plan, analysis = plan_import(
                path,
                dataset=data["dataset"],
                original_name=Path(data["file"].name).name,
                sheet=data["sheet"] or None,
                encoding=data["encoding"] or None,
                header_rows=data["header_rows"],
                title=data["title"],
                organization=org.code if org else "",
                mode=data["mode"],
            )
        except (ReadError, ValueError) as exc:
            form.add_error("file", str(exc))
        else:
            job = ImportJob.objects.create(
                id=job_id,
                created_by=cast(User, request.user),
                plan=plan.to_dict(),
                summary=_summary(analysis),
            )
            return redirect("ingest:plan", job_id=job.pk)
    return render(request, "ingest/upload.html", {"form": form})


@login_required
def plan_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _get_job(request, job_id)
    if job.status != ImportJob.Status.PLANNED:
        return redirect("ingest:progress", job_id=job.pk)
    plan = ImportPlan.from_dict(job.plan)
    columns = [c.__dict__ for c in plan.columns]
    initial = {"classification": plan.classification, "on_error": plan.on_error, "key": plan.key}
    form = PlanForm(request.POST or None, columns=columns, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        for i, col in enumerate(plan.columns):
            col.include = data[f"c{i}_include"]
            col.label = data[f"c{i}_label"]
            col.name = data[f"c{i}_name"]
            col.type = data[f"c{i}_type"]
            col.classification = data[f"c{i}_classification"]
        plan.key = data["key"] and next(c.name for c in plan.columns if c.source == data["key"])
        plan.classification = data["classification"]
        plan.restriction_reason = data["restriction_reason"]
        plan.on_error = data["on_error"]
        plan.message = data["message"]
        job.plan = plan.to_dict()
        job.status = ImportJob.Status.QUEUED
        job.save(update_fields=["plan", "status"])
        progress.write(str(job.pk), 0, job.summary.get("data_rows", 0))
        run_import_job.enqueue(str(job.pk))
        return redirect("ingest:progress", job_id=job.pk)
    english = (get_language() or "ja").startswith("en")
    issues = [i["en" if english else "ja"] for i in job.summary.get("issues", [])]
    return render(
        request,
        "ingest/plan.html",
        {
            "job": job,
            "plan": plan,
            "form": form,
            "summary": job.summary,
            "issues": issues,
            "evidence": "evidence_en" if english else "evidence_ja",
        },
    )


@login_required
def progress_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _get_job(request, job_id)
    state = progress.read(str(job.pk))
    total = state.get("total") or job.summary.get("data_rows") or 0
    percent = int(100 * state.get("done", 0) / total) if total else 0
    context = {"job": job, "done": state.get("done", 0), "total": total, "percent": percent}
    template = "ingest/_progress.html" if request.headers.get("HX-Request") else "ingest/progress.html"
    return render(request, template, context)


@login_required
def report(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _get_job(request, job_id)
    if not job.report:
        raise Http404
    response = HttpResponse(bytes(job.report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-errors-{job.pk}.csv"'
    return response
