"""Background import: the browser's "import" button enqueues this task (django-tasks)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from kaidan.core.uploads import read_error_message, without_paths
from kaidan.values.messages import Message, gettext_noop

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
    plan = ImportPlan.from_dict(job.plan)
    try:
        result = run_import(plan, actor=actor, progress=progress.Throttled(str(job.pk)))
    except ImportRejected as exc:
        job.status = ImportJob.Status.FAILED
        job.error = without_paths(str(exc), plan.original_name, plan.path)
        job.report = report_csv(exc.rejected) if exc.rejected else None
        # the message in each language, for the result page (job.error keeps both, for logs)
        job.result = {
            "rejected": len(exc.rejected),
            "message_ja": without_paths(exc.message_ja, plan.original_name, plan.path),
            "message_en": without_paths(exc.message_en, plan.original_name, plan.path),
        }
    except Exception as exc:  # noqa: BLE001 — any failure must reach the user, not vanish in a worker log
        job.status = ImportJob.Status.FAILED
        detail = read_error_message(exc, plan.original_name, plan.path)
        job.error = Message(gettext_noop("import failed:")).bilingual() + f" {detail}"
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
            "corrected": result.corrected,
        }
        job.report = report_csv(result.rejected) if result.rejected else None
    job.save(update_fields=["status", "error", "report", "result"])
