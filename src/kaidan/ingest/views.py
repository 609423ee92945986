"""Import from the browser: upload → preview and edit the plan → import in the background with progress."""

from __future__ import annotations

import csv
import io
import json
import shutil
import uuid
from dataclasses import dataclass
from functools import partial
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
from django.views.decorators.http import require_POST

from kaidan.accounts.models import User
from kaidan.catalog.models import Dataset
from kaidan.core.uploads import max_upload_size, read_error_message, request_too_large, too_large_message

from . import corrections, progress
from .errors import ReadError
from .forms import MODE_CHOICES, PlanForm, RedetectForm, UploadForm
from .models import ImportJob
from .personal import propose as propose_personal
from .plan import Analysis, iter_records
from .selectors import (
    dataset_name_from,
    dataset_name_problem,
    default_organization,
    import_organizations,
    importable_datasets,
)
from .services import ImportPlan, plan_import, redetect_plan
from .tasks import run_import_job

PREVIEW_ROWS = 10


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


@dataclass(frozen=True)
class StoredUpload:
    """A file received by the upload form, kept until the plan is made (so a form error never makes the
    user choose the file again). Its token is the id of the import job it becomes."""

    token: uuid.UUID
    path: Path
    name: str


def _uploads_dir(token: uuid.UUID) -> Path:
    return Path(settings.DATA_DIR) / "uploads" / str(token)


def _store_upload(request: HttpRequest, previous: StoredUpload | None) -> StoredUpload | None:
    """Keep the file posted with the form (within the size limit), or the one kept from an earlier post."""
    received = request.FILES.get("file")
    if received is None or (received.size is not None and received.size > max_upload_size()):
        return previous
    if previous is not None:
        shutil.rmtree(_uploads_dir(previous.token), ignore_errors=True)
    token = uuid.uuid4()
    folder = _uploads_dir(token)
    folder.mkdir(parents=True)
    name = Path(received.name or "upload").name
    path = folder / f"source{Path(name).suffix.lower()[:10]}"
    with path.open("wb") as out:
        for chunk in received.chunks():
            out.write(chunk)
    (folder / "upload.json").write_text(
        json.dumps({"user": request.user.pk, "name": name, "file": path.name})
    )
    return StoredUpload(token, path, name)


def _stored_upload(request: HttpRequest) -> StoredUpload | None:
    """The file kept from an earlier post of this user's upload form (named by the hidden `upload` token)."""
    try:
        token = uuid.UUID(str(request.POST.get("upload", "")))
    except ValueError:
        return None
    folder = _uploads_dir(token)
    try:
        meta = json.loads((folder / "upload.json").read_text())
    except (OSError, ValueError):
        return None
    if meta.get("user") != request.user.pk or ImportJob.objects.filter(pk=token).exists():
        return None
    return StoredUpload(token, folder / Path(str(meta["file"])).name, str(meta["name"]))


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    actor = cast(User, request.user)
    orgs = import_organizations(actor=actor)
    datasets = importable_datasets(actor=actor)
    if not orgs and not datasets:
        return render(request, "ingest/cannot_import.html", status=403)
    options: dict[str, Any] = {
        "organizations": orgs,
        "datasets": datasets,
        "default_organization": default_organization(orgs, actor=actor),
    }
    if request.method == "POST" and request_too_large(request, max_upload_size()):
        form = UploadForm(**options)
        context = {"form": form, "request_error": too_large_message(max_upload_size())}
        return render(request, "ingest/upload.html", context, status=413)
    if request.method != "POST":
        return render(request, "ingest/upload.html", {"form": UploadForm(**options)})
    stored = _store_upload(request, _stored_upload(request))
    post = request.POST.copy()
    post["upload"] = str(stored.token) if stored else ""
    form = UploadForm(post, request.FILES, stored_name=stored.name if stored else "", **options)
    if form.is_valid() and stored is not None:
        data = form.cleaned_data
        if data["mode"] == "create":
            org = data["organization"]
            title = data["title"].strip() or data["dataset"]
            name = data["dataset"] or dataset_name_from(title)
        else:
            target = data["target"]
            org, title, name = target.owner, target.title, target.name
        try:
            plan, analysis = plan_import(
                stored.path,
                dataset=name,
                original_name=stored.name,
                sheet=data["sheet"] or None,
                encoding=data["encoding"] or None,
                header_rows=data["header_rows"],
                title=title,
                organization=org.code,
                mode=data["mode"],
            )
            propose_personal(plan, analysis)
        except (ReadError, ValueError) as exc:
            # This file cannot be read: it is not kept, the user chooses another one.
            shutil.rmtree(_uploads_dir(stored.token), ignore_errors=True)
            post["upload"] = ""
            form.fields["file"].help_text = ""
            form.add_error("file", read_error_message(exc, stored.name, stored.path))
        else:
            job = ImportJob.objects.create(
                id=stored.token,
                created_by=actor,
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
    for name in ("classification", "restriction_reason", "on_error", "message", "title", "dataset"):
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
    initial["title"] = plan.title
    initial["dataset"] = plan.dataset
    redetecting = request.method == "POST" and "redetect" in request.POST
    form = PlanForm(
        request.POST or None,
        columns=columns,
        initial=initial,
        creating=plan.mode == "create",
        name_problem=partial(dataset_name_problem, actor=request.user),
        needs_key=plan.mode == "upsert" and not _has_key(plan),
    )
    redetect = _redetect_form(job, plan, request.POST if redetecting else None)
    if redetecting:
        form.is_valid()  # keep whatever the user already changed, even if not all of it is valid yet
        _apply_choices(plan, form.cleaned_data)
        if redetect.is_valid():
            data = redetect.cleaned_data
            known = {c.source for c in plan.columns}
            try:
                new_plan, analysis = redetect_plan(
                    plan,
                    sheet=data.get("sheet") or None,
                    encoding=data.get("encoding") or None,
                    header_rows=data["header_rows"],
                    guessed_types=job.summary.get("types"),
                )
                propose_personal(new_plan, analysis, only={c.source for c in new_plan.columns} - known)
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
            "mode_label": dict(MODE_CHOICES).get(plan.mode, plan.mode),
            "personal": [c.label for c in plan.columns if c.personal_ja],
        },
    )


def _has_key(plan: ImportPlan) -> bool:
    """Does the dataset an upsert goes into already have a key column?"""
    dataset = Dataset.objects.filter(name=plan.dataset).first()
    return dataset is not None and dataset.key_field_id is not None


REJECTED_SHOWN = 10


def _first_rejected(job: ImportJob, english: bool) -> list[dict[str, Any]]:
    """The first rejected values of the job's report (its CSV: file, sheet, row, column, value, 理由,
    reason), to show on the result page so the user can decide without downloading the list. A value is
    ``fixable`` in place when its column is one the plan imports (not, say, a row outside the user's
    rows, which names no column)."""
    if not job.report:
        return []
    labels = {c["label"] for c in job.plan.get("columns", []) if c.get("include", True)}
    rows = csv.reader(io.StringIO(bytes(job.report).decode("utf-8-sig")))
    next(rows, None)
    shown = []
    for cells in islice(rows, REJECTED_SHOWN):
        if len(cells) < 7:
            continue
        shown.append(
            {
                "row": cells[2],
                "column": cells[3],
                "value": cells[4],
                "reason": cells[6 if english else 5],
                "fixable": cells[3] in labels and cells[2].isdigit(),
            }
        )
    return shown


@login_required
def progress_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _get_job(request, job_id)
    state = progress.read(str(job.pk))
    total = state.get("total") or job.summary.get("data_rows") or 0
    percent = int(100 * state.get("done", 0) / total) if total else 0
    english = (get_language() or "ja").startswith("en")
    message = job.result.get("message_en" if english else "message_ja") or job.error
    rejected = _first_rejected(job, english) if job.status == ImportJob.Status.FAILED else []
    context = {
        "job": job,
        "done": state.get("done", 0),
        "total": total,
        "percent": percent,
        "message": message,
        "rejected": rejected,
        "fixable": any(item["fixable"] for item in rejected),
    }
    template = "ingest/_progress.html" if request.headers.get("HX-Request") else "ingest/progress.html"
    return render(request, template, context)


@login_required
@require_POST
def skip_rows(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """After bad values: run the same plan again, skipping those rows (no new upload)."""
    job = _get_job(request, job_id)
    if job.status == ImportJob.Status.FAILED and job.result.get("rejected"):
        plan = ImportPlan.from_dict(job.plan)
        plan.on_error = "skip"
        _run_again(job, plan)
    return redirect("ingest:progress", job_id=job.pk)


@login_required
@require_POST
def fix_values(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """After bad values: the values typed on the result page take the place of those cells, and the same
    plan runs again (no new upload; kaidan.ingest.corrections). A value left as it was is not a fix."""
    job = _get_job(request, job_id)
    if job.status == ImportJob.Status.FAILED and job.result.get("rejected"):
        plan = ImportPlan.from_dict(job.plan)
        sources: dict[str, str] = {}
        for column in plan.columns:
            if column.include:
                sources.setdefault(column.label, column.source)
        for i, item in enumerate(_first_rejected(job, english=False)):
            text = request.POST.get(f"value-{i}")
            if text is not None and item["fixable"] and text != item["value"]:
                corrections.add(plan.corrections, int(item["row"]), sources[item["column"]], text)
        _run_again(job, plan)
    return redirect("ingest:progress", job_id=job.pk)


def _run_again(job: ImportJob, plan: ImportPlan) -> None:
    """Queue the failed job once more with its changed plan. The update is conditional on the job still
    having failed, so a second press of the button does not import twice."""
    queued = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
        plan=plan.to_dict(), status=ImportJob.Status.QUEUED, error="", result={}, report=None
    )
    if queued:
        progress.write(str(job.pk), 0, job.summary.get("data_rows", 0))
        run_import_job.enqueue(str(job.pk))


@login_required
@require_POST
def reopen(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """After a failed import: back to the plan page to change types, columns or options."""
    job = _get_job(request, job_id)
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
        status=ImportJob.Status.PLANNED, error="", result={}
    )  # the list of rejected values (report) stays downloadable from the plan page
    return redirect("ingest:plan", job_id=job.pk)


@login_required
def report(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _get_job(request, job_id)
    if not job.report:
        raise Http404
    response = HttpResponse(bytes(job.report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-errors-{job.pk}.csv"'
    return response
