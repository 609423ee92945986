"""Import from the browser: upload → preview and edit the plan → import in the background with progress."""

from __future__ import annotations

import uuid
from itertools import islice
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kaidan.accounts.models import Organization, Role, User
from kaidan.core.uploads import max_upload_size, read_error_message, request_too_large, too_large_message

from . import progress
from .errors import ReadError
from .forms import PlanForm, RedetectForm, UploadForm
from .models import ImportJob
from .plan import Analysis, iter_records
from .services import ImportPlan, plan_import, redetect_plan
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
        "types": {guess.name: str(guess.type) for guess in analysis.columns},
    }


def _get_job(request: HttpRequest, job_id: uuid.UUID) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, created_by=request.user.pk).first()
    if job is None:
        raise Http404
    return job


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    orgs = _editor_orgs(request.user)
    if request.method == "POST" and request_too_large(request, max_upload_size()):
        form = UploadForm(organizations=orgs)
        context = {"form": form, "request_error": too_large_message(max_upload_size())}
        return render(request, "ingest/upload.html", context, status=413)
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
        original_name = Path(data["file"].name).name
        try:
            plan, analysis = plan_import(
                path,
                dataset=data["dataset"],
                original_name=original_name,
                sheet=data["sheet"] or None,
                encoding=data["encoding"] or None,
                header_rows=data["header_rows"],
                title=data["title"],
                organization=org.code if org else "",
                mode=data["mode"],
            )
        except (ReadError, ValueError) as exc:
            form.add_error("file", read_error_message(exc, original_name, path))
        else:
            job = ImportJob.objects.create(
                id=job_id,
                created_by=cast(User, request.user),
                plan=plan.to_dict(),
                summary=_summary(analysis),
            )
            return redirect("ingest:plan", job_id=job.pk)
    return render(request, "ingest/upload.html", {"form": form})


def _apply_choices(plan: ImportPlan, data: dict[str, Any]) -> None:
    """Copy the (validated) column choices of the plan form into the plan."""
    for i, col in enumerate(plan.columns):
        col.include = data.get(f"c{i}_include", col.include)
        col.label = data.get(f"c{i}_label", col.label)
        col.name = data.get(f"c{i}_name", col.name)
        col.type = data.get(f"c{i}_type", col.type)
        col.classification = data.get(f"c{i}_classification", col.classification)
    for name in ("classification", "restriction_reason", "on_error", "message"):
        if name in data:
            setattr(plan, name, data[name])
    if "key" in data:
        plan.key = data["key"] and next(c.name for c in plan.columns if c.source == data["key"])


def _redetect_form(job: ImportJob, plan: ImportPlan, data: Any = None) -> RedetectForm:
    summary = job.summary
    initial = {
        "sheet": plan.sheet or "",
        "encoding": plan.encoding or "",
        "header_rows": ",".join(str(n) for n in summary.get("header_rows", [])),
    }
    return RedetectForm(
        data,
        initial=initial,
        file_format=summary.get("format", ""),
        sheets=summary.get("sheets", []),
        encoding=plan.encoding or "",
    )


@login_required
def plan_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _get_job(request, job_id)
    if job.status != ImportJob.Status.PLANNED:
        return redirect("ingest:progress", job_id=job.pk)
    plan = ImportPlan.from_dict(job.plan)
    columns = [c.__dict__ for c in plan.columns]
    initial = {"classification": plan.classification, "on_error": plan.on_error, "key": plan.key}
    initial["key"] = next((c.source for c in plan.columns if plan.key in (c.name, c.source)), "")
    initial["restriction_reason"] = plan.restriction_reason
    initial["message"] = plan.message
    redetecting = request.method == "POST" and "redetect" in request.POST
    form = PlanForm(request.POST or None, columns=columns, initial=initial)
    redetect = _redetect_form(job, plan, request.POST if redetecting else None)
    if redetecting:
        form.is_valid()  # keep whatever the user already changed, even if not all of it is valid yet
        _apply_choices(plan, form.cleaned_data)
        if redetect.is_valid():
            data = redetect.cleaned_data
            try:
                new_plan, analysis = redetect_plan(
                    plan,
                    sheet=data.get("sheet") or None,
                    encoding=data.get("encoding") or None,
                    header_rows=data["header_rows"],
                    guessed_types=job.summary.get("types"),
                )
            except (ReadError, ValueError) as exc:
                redetect.add_error(None, read_error_message(exc, plan.original_name, plan.path))
            else:
                job.plan = new_plan.to_dict()
                job.summary = _summary(analysis)
                job.save(update_fields=["plan", "summary"])
                messages.success(request, _("The file was read again. Check the preview and the columns."))
                return redirect("ingest:plan", job_id=job.pk)
    elif request.method == "POST" and form.is_valid():
        _apply_choices(plan, form.cleaned_data)
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
            "redetect": redetect,
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
