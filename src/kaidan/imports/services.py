"""Scheduled imports: set up a dataset's schedule, and run the schedules that are due.

A run fetches the file (kaidan.imports.sources), and when its content differs from the last imported one,
imports it with `kaidan.ingest.services.run_import` — a normal import revision — acting as the schedule's
`run_as` account, so the access service decides exactly as for that person at the keyboard: a schedule
never writes rows, columns or datasets its owner may not. Audit entries of a run carry the source
`schedule:<id>`. An unchanged file (same SHA-256, or HTTP 304) adds no revision and is logged "unchanged".
Failures and refused rows are e-mailed to the owner (kaidan.imports.mail) and shown on the schedule page.

Who runs them: `kaidan serve`'s periodic thread every minute (each due schedule as a background task on the
worker), or `kaidan imports run-due` from cron. A run is claimed by a conditional update of `next_run_at`,
so several app servers never run one schedule twice.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from kaidan.access.actors import Actor, account_of
from kaidan.access.services import can
from kaidan.audit.services import current_source, record
from kaidan.catalog.models import Dataset
from kaidan.core.errors import DomainError, Forbidden
from kaidan.ingest.errors import ReadError
from kaidan.ingest.exceptions import ImportRejected, RejectedValue, report_csv
from kaidan.ingest.models import ImportJob
from kaidan.ingest.services import ImportPlan, plan_import, run_import
from kaidan.values.messages import Message, gettext_noop

from . import mail
from .cadence import Cadence, next_run
from .models import ImportSchedule, ScheduleRun
from .sources import Fetched, FetchError, NotModified, fetch_folder, fetch_url, folder_problem, url_problem

log = logging.getLogger(__name__)

PLAN_OPTIONS = ("sheet", "encoding", "header_rows", "on_error", "key", "columns")
"""What a schedule keeps of the dataset's last import plan: how to read the file and map its columns."""


class ScheduleRejected(DomainError):
    status = 400
    exit_code = 2


def last_plan(dataset: Dataset, *, actor: Actor) -> dict[str, Any]:
    """The reading options and column mapping of the last browser import into `dataset` (empty when the
    dataset was only ever imported from the command line: each run then detects them afresh)."""
    if not can("object.edit", dataset, actor=actor):
        raise Forbidden()
    for job in ImportJob.objects.filter(status=ImportJob.Status.DONE).order_by("-created_at")[:200]:
        if job.result.get("dataset") == dataset.name:
            return {name: job.plan.get(name) for name in PLAN_OPTIONS if name in job.plan}
    return {}


def save_schedule(
    dataset: Dataset,
    *,
    actor: Actor,
    kind: str,
    url: str = "",
    folder: str = "",
    pattern: str = "*",
    cadence: str = Cadence.DAILY,
    hour: int = 2,
    minute: int = 0,
    mode: str = ImportSchedule.Mode.REPLACE,
    active: bool = True,
) -> ImportSchedule:
    """Create or change the dataset's schedule; the actor becomes the account it runs as."""
    user = account_of(actor=actor)
    if user is None or not can("object.edit", dataset, actor=actor):
        raise Forbidden()
    if kind == ImportSchedule.Kind.URL:
        problem = url_problem(url)
        folder, pattern = "", "*"
    else:
        problem = folder_problem(folder)
        url = ""
    if problem is not None:
        raise ScheduleRejected(problem)
    if mode == ImportSchedule.Mode.UPSERT and dataset.key_field_id is None:
        raise ScheduleRejected(
            Message(gettext_noop("the dataset has no key column: choose replace or append"))
        )
    with transaction.atomic():
        schedule = ImportSchedule.objects.filter(dataset=dataset).first()
        created = schedule is None
        if schedule is None:
            schedule = ImportSchedule(dataset=dataset, plan=last_plan(dataset, actor=actor))
        source_changed = (schedule.kind, schedule.url, schedule.folder, schedule.pattern) != (
            kind,
            url,
            folder,
            pattern,
        )
        schedule.run_as = user
        schedule.kind, schedule.url, schedule.folder, schedule.pattern = kind, url, folder, pattern or "*"
        schedule.cadence, schedule.hour, schedule.minute = cadence, hour, minute
        schedule.mode, schedule.active = mode, active
        if source_changed:  # a new source: its first file is imported even if it equals the old one
            schedule.etag = schedule.last_modified = schedule.last_sha256 = ""
        schedule.next_run_at = (
            next_run(cadence, hour=hour, minute=minute, after=timezone.now()) if active else None
        )
        schedule.save()
        record(
            "imports.schedule.create" if created else "imports.schedule.change",
            dataset,
            actor=actor,
            detail={"source": schedule.source_label, "cadence": cadence, "mode": mode, "active": active},
        )
    return schedule


def delete_schedule(schedule: ImportSchedule, *, actor: Actor) -> None:
    if not can("object.edit", schedule.dataset, actor=actor):
        raise Forbidden()
    with transaction.atomic():
        record(
            "imports.schedule.delete",
            schedule.dataset,
            actor=actor,
            detail={"source": schedule.source_label},
        )
        schedule.delete()


def request_run(schedule: ImportSchedule, *, actor: Actor) -> None:
    """Run the schedule as soon as possible ("run now"): on the background worker."""
    if not can("object.edit", schedule.dataset, actor=actor):
        raise Forbidden()
    from .tasks import run_schedule_task

    run_schedule_task.enqueue(schedule.pk)


# --- running ------------------------------------------------------------------------------------------


def _claim(schedule: ImportSchedule, now: datetime.datetime) -> bool:
    """Take this occurrence of the schedule: move `next_run_at` on, unless another process did first."""
    following = next_run(schedule.cadence, hour=schedule.hour, minute=schedule.minute, after=now)
    return bool(
        ImportSchedule.objects.filter(pk=schedule.pk, active=True, next_run_at=schedule.next_run_at).update(
            next_run_at=following
        )
    )


def due(now: datetime.datetime | None = None) -> list[ImportSchedule]:
    now = now or timezone.now()
    return list(ImportSchedule.objects.filter(active=True, next_run_at__lte=now).order_by("next_run_at"))


def run_due(*, now: datetime.datetime | None = None, enqueue: bool = False) -> list[ScheduleRun]:
    """Run (or, with `enqueue`, hand to the background worker) every schedule that is due."""
    now = now or timezone.now()
    runs: list[ScheduleRun] = []
    for schedule in due(now):
        if not _claim(schedule, now):
            continue  # another process took it
        if enqueue:
            from .tasks import run_schedule_task

            run_schedule_task.enqueue(schedule.pk)
        else:
            runs.append(run_schedule(schedule))
    return runs


def _texts(message: Message | Promise | str) -> tuple[str, str]:
    if isinstance(message, Message):
        return message.ja, message.en
    with translation.override("ja"):
        ja = str(message)
    with translation.override("en"):
        en = str(message)
    return ja, en


def _fetch(schedule: ImportSchedule, into: Path) -> Fetched:
    if schedule.kind == ImportSchedule.Kind.URL:
        return fetch_url(schedule.url, into, etag=schedule.etag, last_modified=schedule.last_modified)
    return fetch_folder(schedule.folder, schedule.pattern, into)


def _plan(schedule: ImportSchedule, fetched: Fetched) -> tuple[ImportPlan, Any]:
    """The import plan of this run: the saved reading options and column mapping applied to the new file.

    Columns the saved plan knows keep their choices (left out, label, machine name, type); a column the
    saved plan does not know is left out, so a changed export never adds columns by itself."""
    saved = schedule.plan or {}
    plan, analysis = plan_import(
        fetched.path,
        dataset=schedule.dataset.name,
        original_name=fetched.name,
        sheet=saved.get("sheet"),
        encoding=saved.get("encoding"),
        header_rows=saved.get("header_rows"),
        mode=schedule.mode,
        organization=schedule.dataset.owner.code,
        on_error=saved.get("on_error") or "abort",
        key=saved.get("key") or "",
        message=f"schedule {schedule.pk}: {schedule.source_label}"[:500],
    )
    known = {c["source"]: c for c in saved.get("columns") or []}
    if known:
        for column in plan.columns:
            old = known.get(column.source)
            if old is None:
                column.include = False
                continue
            column.include = bool(old.get("include", True))
            column.label = old.get("label", column.label)
            column.name = old.get("name", column.name)
            column.type = old.get("type", column.type)
            column.classification = old.get("classification", column.classification)
    return plan, analysis


def _read_error(exc: ReadError, name: str) -> Message:
    where = Message(gettext_noop("file %(file)s"), file=name)
    if exc.row is not None and exc.column is not None:
        where = Message(
            gettext_noop("file %(file)s, row %(row)s, column %(column)s"),
            file=name,
            row=exc.row,
            column=exc.column,
        )
    elif exc.row is not None:
        where = Message(gettext_noop("file %(file)s, row %(row)s"), file=name, row=exc.row)
    return Message(gettext_noop("%(reason)s (%(where)s)"), reason=exc.message, where=where)


def _finish(
    run: ScheduleRun,
    status: str,
    message: Message | Promise | str,
    rejected: list[RejectedValue] | None = None,
) -> None:
    run.status = status
    run.message_ja, run.message_en = _texts(message)
    if rejected:
        run.report = report_csv(rejected)
    run.finished_at = timezone.now()
    run.save()


def run_schedule(schedule: ImportSchedule) -> ScheduleRun:
    """Fetch and import the schedule's file once; log the run; tell the owner about any problem."""
    run = ScheduleRun.objects.create(schedule=schedule)
    rejected: list[RejectedValue] = []
    with tempfile.TemporaryDirectory(prefix="kaidan-schedule-") as tmp:
        try:
            rejected = _execute(schedule, run, Path(tmp))
        except Exception as exc:  # noqa: BLE001 — any failure must reach the owner, not vanish in a log
            log.exception("scheduled import %s failed", schedule.pk)
            _finish(
                run,
                ScheduleRun.Status.FAILED,
                Message(gettext_noop("the import failed: %(error)s"), error=f"{type(exc).__name__}: {exc}"),
            )
    ImportSchedule.objects.filter(pk=schedule.pk).update(last_run_at=run.started_at)
    if run.status == ScheduleRun.Status.FAILED or run.rejected:
        mail.tell_owner(run, rejected)
    return run


def _execute(schedule: ImportSchedule, run: ScheduleRun, into: Path) -> list[RejectedValue]:
    schedule = ImportSchedule.objects.select_related("dataset__owner", "run_as").get(pk=schedule.pk)
    try:
        fetched = _fetch(schedule, into)
    except NotModified:
        _finish(
            run,
            ScheduleRun.Status.UNCHANGED,
            Message(gettext_noop("the server says the file has not changed since the last run (HTTP 304)")),
        )
        return []
    except FetchError as exc:
        _finish(run, ScheduleRun.Status.FAILED, exc.message)
        return []
    run.file_name, run.sha256, run.size = fetched.name[:300], fetched.sha256, fetched.size
    validators = {"etag": fetched.etag[:300], "last_modified": fetched.last_modified[:100]}
    if fetched.sha256 == schedule.last_sha256:
        ImportSchedule.objects.filter(pk=schedule.pk).update(**validators)
        _finish(
            run,
            ScheduleRun.Status.UNCHANGED,
            Message(gettext_noop("the file is the same as the one imported last: no new revision")),
        )
        return []
    user = schedule.run_as
    if not user.is_active:
        _finish(
            run,
            ScheduleRun.Status.FAILED,
            Message(
                gettext_noop("the account %(user)s this schedule runs as is no longer active"),
                user=user.username,
            ),
        )
        return []
    token = current_source.set(f"schedule:{schedule.pk}")
    try:
        plan, analysis = _plan(schedule, fetched)
        result = run_import(plan, actor=user, analysis=analysis)
    except ImportRejected as exc:
        run.rejected = len(exc.rejected)
        _finish(run, ScheduleRun.Status.FAILED, exc.message, exc.rejected)
        return exc.rejected
    except ReadError as exc:
        _finish(run, ScheduleRun.Status.FAILED, _read_error(exc, fetched.name))
        return []
    except DomainError as exc:  # the owner may no longer change the dataset
        reason = exc.message if isinstance(exc.message, Message) else Message(gettext_noop("refused"))
        if isinstance(exc, Forbidden):
            reason = Message(
                gettext_noop("%(user)s may no longer change this dataset, so the schedule may not either"),
                user=user.username,
            )
        _finish(run, ScheduleRun.Status.FAILED, reason)
        return []
    finally:
        current_source.reset(token)
    revision = result.revision
    run.revision = revision.number
    run.added, run.changed, run.removed, run.rejected = (
        revision.added,
        revision.changed,
        revision.removed,
        revision.rejected,
    )
    ImportSchedule.objects.filter(pk=schedule.pk).update(last_sha256=fetched.sha256, **validators)
    _finish(
        run,
        ScheduleRun.Status.IMPORTED,
        Message(
            gettext_noop(
                "revision %(revision)s: %(added)s added, %(changed)s changed, %(removed)s removed, "
                "%(rejected)s rows skipped"
            ),
            revision=revision.number,
            added=revision.added,
            changed=revision.changed,
            removed=revision.removed,
            rejected=revision.rejected,
        ),
        result.rejected,
    )
    return result.rejected
