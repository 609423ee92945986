"""Scheduled imports on the background worker (django-tasks): "run now", and the periodic runner's
due schedules, so a big file never holds up the other periodic jobs."""

from __future__ import annotations

from django_tasks import task

from .models import ImportSchedule


@task()
def run_schedule_task(schedule_id: int) -> None:
    from .services import run_schedule

    schedule = ImportSchedule.objects.filter(pk=schedule_id).first()
    if schedule is not None:
        run_schedule(schedule)
