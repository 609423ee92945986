"""Reads of schedules, for those who may change the dataset (the schedule acts with their rights)."""

from __future__ import annotations

from kaidan.access.actors import Actor
from kaidan.access.services import can
from kaidan.catalog.models import Dataset

from .models import ImportSchedule, ScheduleRun

SHOWN_RUNS = 50


def schedule_of(dataset: Dataset, *, actor: Actor) -> ImportSchedule | None:
    if not can("object.edit", dataset, actor=actor):
        return None
    return ImportSchedule.objects.filter(dataset=dataset).select_related("run_as").first()


def runs_of(schedule: ImportSchedule, *, actor: Actor) -> list[ScheduleRun]:
    if not can("object.edit", schedule.dataset, actor=actor):
        return []
    return list(schedule.runs.defer("report")[:SHOWN_RUNS])


def run_report(schedule: ImportSchedule, run_id: int, *, actor: Actor) -> bytes | None:
    if not can("object.edit", schedule.dataset, actor=actor):
        return None
    run = schedule.runs.filter(pk=run_id).first()
    return bytes(run.report) if run is not None and run.report else None
