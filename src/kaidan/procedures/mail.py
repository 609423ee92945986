"""E-mails to the applicant: on receipt and on every status change (Django's mail, sent after commit).

The message names the procedure, the receipt number and the new status, and carries the private status
link; never the answers themselves (e-mail is not a safe place for personal data). Each message is a
`Notice` written in the transaction of the change (an outbox: nothing is announced for a rolled-back
change) and sent after commit; one that cannot be sent stays unsent, is logged, shown on the case page, and
tried again with the next notice. The submission itself is stored either way.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
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


MAX_ATTEMPTS = 5
RETRY_BATCH = 20


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
    """Send one notice now (True when sent), then retry the earlier ones that failed."""
    sent = _deliver_one(pk)
    for earlier in Notice.objects.filter(sent_at=None, attempts__lt=MAX_ATTEMPTS).exclude(pk=pk)[
        :RETRY_BATCH
    ]:
        _deliver_one(earlier.pk)
    return sent


def _deliver_one(pk: int) -> bool:
    notice = Notice.objects.filter(pk=pk, sent_at=None).first()
    if notice is None:
        return False
    try:
        send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.to])
    except Exception as exc:  # noqa: BLE001 - the change is stored; the notice waits for the next try
        logger.warning("could not send notice %s for %s: %s", notice.pk, notice.submission_id, exc)
        Notice.objects.filter(pk=pk).update(attempts=notice.attempts + 1, last_error=str(exc)[:300])
        return False
    Notice.objects.filter(pk=pk).update(sent_at=timezone.now(), attempts=notice.attempts + 1, last_error="")
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
