"""The periodic jobs `kaidan serve` runs every minute in a background thread.

- releasing undecided (未決定) datasets and documents whose planned date has come (kaidan.sharing);
- sending webhook deliveries that are due — retries, and any left pending by a worker that died
  (kaidan.api.webhooks: the outbox is the source of truth, this sweep is the safety net);
- sending e-mails to applicants whose retry is due (kaidan.procedures.mail: receipts, status changes and
  requests for correction that could not be sent), and deleting residents' drafts abandoned longer than
  `PROCEDURES_DRAFT_RETENTION_DAYS` with their files (kaidan.procedures.applications);
- scheduled imports that are due (kaidan.imports): each is claimed here and run as a task on the
  background worker, so a big file does not hold up the other jobs.

Each job runs on its own: one failing (a database hiccup, a receiver down) is logged and the others still run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from django.db import close_old_connections, connection

log = logging.getLogger(__name__)


def _jobs() -> list[tuple[str, Callable[[], object]]]:
    from kaidan.api.webhooks import deliver_due
    from kaidan.imports.services import run_due
    from kaidan.procedures.applications import delete_abandoned_drafts
    from kaidan.procedures.mail import deliver_due as deliver_notices
    from kaidan.sharing.services import release_due

    return [
        ("release_due", release_due),
        ("webhooks.deliver_due", deliver_due),
        ("imports.run_due", partial(run_due, enqueue=True)),
        ("procedures.deliver_notices", deliver_notices),
        ("procedures.delete_abandoned_drafts", delete_abandoned_drafts),
    ]


def _fresh_connections() -> None:
    """Drop broken or expired connections of the loop's thread (never one inside a caller's transaction)."""
    if not connection.in_atomic_block:
        close_old_connections()


def run_once() -> None:
    for name, job in _jobs():
        try:
            _fresh_connections()
            job()
        except Exception:  # the loop must survive a failing job
            log.exception("%s failed", name)
        finally:
            _fresh_connections()


def start(interval: float = 60.0) -> threading.Event:
    """Run the jobs now and then every `interval` seconds in a daemon thread; set the event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            run_once()
            stop.wait(interval)

    threading.Thread(target=loop, name="kaidan-periodic", daemon=True).start()
    return stop
