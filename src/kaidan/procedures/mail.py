"""E-mails to the applicant: on receipt and on every status change (Django's mail, sent after commit).

The message names the procedure, the receipt number and the new status, and carries the private status
link; never the answers themselves (e-mail is not a safe place for personal data). A mail that cannot be
sent is logged; the submission itself is already stored and its status page works without it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from . import tokens
from .models import CaseStatus, Submission

logger = logging.getLogger(__name__)


def status_url(submission: Submission) -> str:
    token = tokens.make("status", submission.pk, submission.nonce)
    return settings.BASE_URL + reverse("procedures:status", args=[token])


def _status_label(status: str, language: str) -> str:
    with translation.override(language):
        return str(CaseStatus(status).label)


def _send(
    submission: Submission, subject_ja: str, subject_en: str, lines_ja: list[str], lines_en: list[str]
) -> None:
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
    try:
        send_mail(f"{subject_ja} / {subject_en}", body, settings.DEFAULT_FROM_EMAIL, [submission.email])
    except Exception:  # noqa: BLE001 - the submission is stored; the failure is logged for the operator
        logger.exception("could not send the procedure mail for %s", submission.receipt)


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
