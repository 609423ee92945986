"""Background import: the browser's "import" button enqueues this task (django-tasks)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from . import progress
from .exceptions import ImportRejected, report_csv
from .models import ImportJob
from .services import ImportPlan, run_import


@task()
def run_import_job(job_id: str) -> None:
    job = ImportJob.objects.get(pk=job_id)
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    actor = get_user_model().objects.get(pk=job.created_by_id)
    try:
        result = run_import(actor, ImportPlan.from_dict(job.plan), progress=progress.Throttled(str(job.pk)))
    except ImportRejected as exc:
        job.status = ImportJob.Status.FAILED
        job.error = str(exc)
        job.report = report_csv(exc.rejected) if exc.rejected else None
        job.result = {"rejected": len(exc.rejected)}
    except Exception as exc:  # noqa: BLE001 — any failure must reach the user, not vanish in a worker log
        job.status = ImportJob.Status.FAILED
        job.error = f"取り込みに失敗しました / import failed: {exc}"
    else:
        r = result.revision
        job.status = ImportJob.Status.DONE
        job.result = {
            "dataset": result.dataset.name,
            "revision": r.number,
            "added": r.added,
            "changed": r.changed,
            "removed": r.removed,
            "rejected": r.rejected,
        }
        job.report = report_csv(result.rejected) if result.rejected else None
    job.save(update_fields=["status", "error", "report", "result"])
