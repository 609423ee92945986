"""The e-mail a schedule's owner gets when a run fails or skips rows: what happened, and each refused
value with its file, sheet, row, column and value — in Japanese, then in English — plus the whole list as
the CSV error report. Sent after the run is logged; a mail that cannot be sent is noted on the run (the
schedule page shows it), never lost silently."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from kaidan.ingest.exceptions import RejectedValue
from kaidan.values.messages import Message, gettext_noop

from .models import ScheduleRun

log = logging.getLogger(__name__)

LISTED = 50
"""Refused values written into the mail itself; all of them are in the attached report."""


def _where(value: RejectedValue) -> Message:
    return Message(
        gettext_noop("%(file)s%(sheet)s row %(row)s, column '%(column)s', value '%(value)s': %(reason)s"),
        file=value.file,
        sheet=f" [{value.sheet}]" if value.sheet else "",
        row=value.row,
        column=value.column,
        value=value.value,
        reason=value.reason,
    )


def _section(run: ScheduleRun, rejected: list[RejectedValue], language: str, link: str) -> list[str]:
    schedule = run.schedule
    failed = run.status == ScheduleRun.Status.FAILED
    headline = (
        Message(gettext_noop("The scheduled import into %(dataset)s failed."), dataset=schedule.dataset.title)
        if failed
        else Message(
            gettext_noop("The scheduled import into %(dataset)s skipped %(rows)s rows."),
            dataset=schedule.dataset.title,
            rows=run.rejected,
        )
    )
    lines = [
        headline.render(language),
        "",
        Message(gettext_noop("Source: %(source)s"), source=schedule.source_label).render(language),
    ]
    if run.file_name:
        lines.append(Message(gettext_noop("File: %(file)s"), file=run.file_name).render(language))
    lines.append(run.message_ja if language == "ja" else run.message_en)
    if rejected:
        lines += ["", Message(gettext_noop("Values that could not be imported:")).render(language)]
        lines += [f"- {_where(value).render(language)}" for value in rejected[:LISTED]]
        if len(rejected) > LISTED:
            more = Message(
                gettext_noop("… and %(more)s more (see the attached report)"), more=len(rejected) - LISTED
            )
            lines.append(more.render(language))
    lines += ["", Message(gettext_noop("Schedule and run log: %(link)s"), link=link).render(language)]
    return lines


def tell_owner(run: ScheduleRun, rejected: list[RejectedValue]) -> bool:
    """Mail the schedule's owner about this run (True when sent)."""
    schedule = run.schedule
    to = schedule.run_as.email
    if not to:
        run.mail_error = "the owner has no e-mail address"
        run.save(update_fields=["mail_error"])
        return False
    link = settings.BASE_URL + reverse("imports:schedule", args=[schedule.dataset.name])
    failed = run.status == ScheduleRun.Status.FAILED
    subject = (
        Message(gettext_noop("Scheduled import failed: %(dataset)s"), dataset=schedule.dataset.title)
        if failed
        else Message(
            gettext_noop("Scheduled import skipped rows: %(dataset)s"), dataset=schedule.dataset.title
        )
    )
    body = "\n".join([*_section(run, rejected, "ja", link), "", "----", *_section(run, rejected, "en", link)])
    message = EmailMessage(subject.bilingual()[:300], body, settings.DEFAULT_FROM_EMAIL, [to])
    if run.report:
        message.attach("errors.csv", bytes(run.report), "text/csv")
    try:
        message.send()
    except OSError as exc:
        log.warning("scheduled import %s: mail to %s failed: %s", schedule.pk, to, exc)
        run.mail_error = f"{type(exc).__name__}: {exc}"[:300]
        run.save(update_fields=["mail_error"])
        return False
    run.mailed_to = to[:300]
    run.save(update_fields=["mailed_to"])
    return True
