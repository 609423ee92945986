"""A dataset's import-schedule page: the source, the schedule, "run now", and the run log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kaidan.catalog.selectors import get_dataset
from kaidan.core.errors import NotFound

from . import services
from .forms import ScheduleForm
from .selectors import run_report as run_report_of
from .selectors import runs_of, schedule_of


@login_required
@require_http_methods(["GET", "POST"])
def schedule_page(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_dataset(name, "object.edit", actor=request.user)
    schedule = schedule_of(dataset, actor=request.user)
    form = ScheduleForm(initial=ScheduleForm.initial_for(schedule))
    if request.method == "POST" and schedule is not None and "delete" in request.POST:
        services.delete_schedule(schedule, actor=request.user)
        messages.success(request, _("The schedule was removed."))
        return redirect("imports:schedule", name=dataset.name)
    if request.method == "POST" and schedule is not None and "run" in request.POST:
        services.request_run(schedule, actor=request.user)
        messages.success(request, _("The import was started; its result appears in the run log."))
        return redirect("imports:schedule", name=dataset.name)
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_schedule(
                    dataset,
                    actor=request.user,
                    kind=data["kind"],
                    url=data["url"],
                    folder=data["folder"],
                    pattern=data["pattern"] or "*",
                    cadence=data["cadence"],
                    hour=data["at"].hour,
                    minute=data["at"].minute,
                    mode=data["mode"],
                    active=data["active"],
                )
            except services.ScheduleRejected as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The schedule was saved."))
                return redirect("imports:schedule", name=dataset.name)
    context = {
        "dataset": dataset,
        "schedule": schedule,
        "form": form,
        "runs": runs_of(schedule, actor=request.user) if schedule else [],
    }
    return render(request, "imports/schedule.html", context)


@login_required
def run_report(request: HttpRequest, name: str, run_id: int) -> HttpResponse:
    dataset = get_dataset(name, "object.edit", actor=request.user)
    schedule = schedule_of(dataset, actor=request.user)
    report = run_report_of(schedule, run_id, actor=request.user) if schedule else None
    if report is None:
        raise NotFound(detail=f"run {run_id}")
    response = HttpResponse(report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dataset.name}-run-{run_id}-errors.csv"'
    return response
