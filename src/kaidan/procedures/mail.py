"""E-mails to the applicant: on receipt and on every status change (Django's mail, sent after commit).

The message names the procedure, the receipt number and the new status, and carries the private status
link; never the answers themselves (e-mail is not a safe place for personal data). Each message is a
`Notice` written in the transaction of the change (an outbox: nothing is announced for a rolled-back
change) and sent after commit. One that cannot be sent stays in the outbox, is logged, shown on the case
page, and is tried again with back-off (1, 2, 4 … minutes, at most six hours apart) by the periodic runner
(`kaidan serve`, kaidan.core.periodic) or `kaidan notices deliver`, and with any later notice that is sent.
The submission itself is stored either way.

Never lost: a notice leaves the outbox only by being sent; after MAX_ATTEMPTS it waits for staff, who see it
on the case page and may send it again. Never sent twice: each attempt first claims the notice by a
conditional update (as the webhooks do), so the after-commit send, the periodic sweep and the command never
send the same notice at once; a sent notice is never claimed again. (A process killed between the SMTP
server's acceptance and the update could send one again after the lease: each notice carries a fixed
Message-ID, so mail programs show it once.)
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from . import tokens
from .models import CaseStatus, Notice, Submission

logger = logging.getLogger(__name__)


def status_url(submission: Submission) -> str:
    token = tokens.make("status", submission.pk, submission.nonce)
    return settings.BASE_URL + reverse("procedures:status", args=[token])


def _status_label(status: str, language: str) -> str:
    with translation.override(language):
        return str(CaseStatus(status).label)


MAX_ATTEMPTS = 20
"""Attempts before a notice waits for staff (with six hours between the last ones: about three days)."""
LEASE = timedelta(minutes=5)
"""A claimed notice is not claimed again for this long (a sender that died mid-send is retried then)."""
RETRY_BATCH = 20
"""Earlier notices retried along with a new one (the periodic sweep takes them all)."""


def backoff(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: base·2^(attempts-1) seconds, at most six hours."""
    base = float(getattr(settings, "PROCEDURES_MAIL_BACKOFF", 60))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _send(
    submission: Submission, subject_ja: str, subject_en: str, lines_ja: list[str], lines_en: list[str]
) -> None:
    """Write the notice in the current transaction; send it (and retry earlier failures) after commit."""
    if not submission.email:
        return
    link = status_url(submission)
    body = "\n".join(
        [
            *lines_ja,
            "",
            f"受付番号: {submission.receipt}",
            f"状況の確認: {link}",
            "（このリンクはあなた専用です。他の人に教えないでください。）",
            "",
            "----",
            *lines_en,
            "",
            f"Receipt number: {submission.receipt}",
            f"Check the status: {link}",
            "(This link is yours alone: do not share it.)",
        ]
    )
    notice = Notice.objects.create(
        submission=submission, to=submission.email, subject=f"{subject_ja} / {subject_en}"[:300], body=body
    )
    transaction.on_commit(lambda: deliver(notice.pk))


def deliver(pk: int) -> bool:
    """Send one notice now (True when sent), then the earlier ones whose retry is due."""
    sent = _deliver_one(pk)
    for earlier in list(_due().exclude(pk=pk).values_list("pk", flat=True)[:RETRY_BATCH]):
        _deliver_one(earlier)
    return bool(sent)


def _due() -> QuerySet[Notice]:
    return Notice.objects.filter(
        sent_at=None, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")


def deliver_due(*, limit: int = 1000) -> tuple[int, int]:
    """Send every notice whose (re)try is due: the periodic sweep. Returns (sent, attempted)."""
    sent = attempted = 0
    for pk in list(_due().values_list("pk", flat=True)[:limit]):
        result = _deliver_one(pk)
        if result is not None:
            attempted += 1
            sent += int(result)
    return sent, attempted


def send_again(notice: Notice) -> None:
    """Staff's "send again" for a notice that waits after its attempts ran out (or whose retry is far)."""
    Notice.objects.filter(pk=notice.pk, sent_at=None).update(attempts=0, next_attempt_at=timezone.now())
    transaction.on_commit(lambda: _deliver_one(notice.pk))


def _claim(pk: int) -> Notice | None:
    """Take the notice for one attempt: a conditional update, so two senders never both send it."""
    now = timezone.now()
    claimed = Notice.objects.filter(
        pk=pk, sent_at=None, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    return Notice.objects.get(pk=pk) if claimed else None


def _message_id(notice: Notice) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "kaidan.invalid"
    return f"<kaidan-notice-{notice.pk}-{int(notice.created_at.timestamp())}@{domain}>"


def _deliver_one(pk: int) -> bool | None:
    """One attempt (True sent, False failed, None not due or already sent or taken by another sender)."""
    notice = _claim(pk)
    if notice is None:
        return None
    message = EmailMessage(
        notice.subject,
        notice.body,
        settings.DEFAULT_FROM_EMAIL,
        [notice.to],
        headers={"Message-ID": _message_id(notice)},
    )
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - the change is stored; the notice waits for its retry
        logger.warning(
            "could not send notice %s for %s (attempt %s): %s",
            notice.pk,
            notice.submission_id,
            notice.attempts,
            exc,
        )
        Notice.objects.filter(pk=pk).update(
            last_error=str(exc)[:300], next_attempt_at=timezone.now() + backoff(notice.attempts)
        )
        return False
    Notice.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
    return True


def on_receipt(submission: Submission) -> None:
    title = submission.procedure.title

    def send() -> None:
        _send(
            submission,
            f"【受付】{title}",
            f"Received: {title}",
            [f"「{title}」の申請を受け付けました。"],
            [f"Your application “{title}” was received."],
        )

    transaction.on_commit(send)


def on_status(submission: Submission, note: str = "") -> None:
    title = submission.procedure.title
    ja = _status_label(submission.status, "ja")
    en = _status_label(submission.status, "en")
    lines_ja = [f"「{title}」の申請の状況が「{ja}」になりました。"]
    lines_en = [f"The status of your application “{title}” is now: {en}."]
    if submission.status == CaseStatus.RETURNED:
        lines_ja.append("内容の訂正をお願いしています。下のリンクから訂正してください。")
        lines_en.append("We ask you to correct your application: please use the link below.")
    if note:
        lines_ja += ["", note]

    def send() -> None:
        _send(submission, f"【{ja}】{title}", f"{en}: {title}", lines_ja, lines_en)

    transaction.on_commit(send)
