"""E-mails to applicants that the mail server refuses wait in the outbox and are retried with back-off by the
periodic runner (and `kaidan notices deliver`): never lost, never sent twice. Abandoned drafts are deleted
with their files after the retention period, and the resident is told so when saving."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kaidan.audit.models import AuditEntry
from kaidan.core import periodic
from kaidan.procedures import applications, cases, mail
from kaidan.procedures.models import Attachment, CaseStatus, Draft, Notice, Submission

from .conftest import PNG, png
from .test_pages import fill, form_data

pytestmark = pytest.mark.django_db


@dataclass
class FlakyServer:
    """aiosmtpd handler that refuses messages with a temporary error while `down`, then accepts them."""

    down: bool = True
    refused: int = 0
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd hook name)
        if self.down:
            self.refused += 1
            return "451 4.3.0 Mail server busy, try again later"
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def flaky_smtp(ward, settings):
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    handler = FlakyServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


def apply(procedure, capture) -> Submission:
    client = Client()
    confirm = fill(client, procedure)["Location"]
    with capture(execute=True):
        assert client.post(confirm).status_code == 302  # stored, whatever the mail server says
    return Submission.objects.latest("pk")


def time_passes(minutes: float) -> None:
    """Retries that would be due after `minutes` become due now."""
    for notice in Notice.objects.filter(sent_at=None):
        Notice.objects.filter(pk=notice.pk).update(
            next_attempt_at=notice.next_attempt_at - timedelta(minutes=minutes)
        )


def subjects(server: FlakyServer) -> list[str]:
    from email.header import decode_header, make_header

    return sorted(str(make_header(decode_header(m["Subject"]))).split(" / ")[0] for m in server.messages)


def test_refused_mails_are_retried_with_back_off_by_the_periodic_runner_and_sent_once(
    ward, flaky_smtp, django_capture_on_commit_callbacks
):
    procedure = ward["procedure"]
    submission = apply(procedure, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        cases.change_status(procedure, submission.pk, CaseStatus.REVIEWING, actor=ward["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        cases.request_correction(procedure, submission.pk, "写真を添付してください", actor=ward["editor"])
    # receipt, status change, correction request: each refused once, each waiting
    waiting = list(Notice.objects.order_by("pk"))
    assert len(waiting) == 3 and flaky_smtp.refused == 3 and not flaky_smtp.messages
    assert all(n.sent_at is None and n.attempts == 1 and "451" in n.last_error for n in waiting)
    now = timezone.now()
    assert all(timedelta(seconds=50) < n.next_attempt_at - now <= timedelta(seconds=60) for n in waiting)

    periodic.run_once()  # the minute has not passed: nothing is tried
    assert flaky_smtp.refused == 3

    time_passes(1)
    periodic.run_once()  # tried again, refused again: the next wait is twice as long
    assert flaky_smtp.refused == 6
    for notice in Notice.objects.all():
        assert notice.attempts == 2
        assert timedelta(seconds=110) < notice.next_attempt_at - timezone.now() <= timedelta(seconds=120)

    flaky_smtp.down = False
    time_passes(1)
    periodic.run_once()
    assert not flaky_smtp.messages  # still waiting its two minutes
    time_passes(1)
    periodic.run_once()
    assert subjects(flaky_smtp) == [
        "【受付】粗大ごみ収集の申込み",
        "【審査中】粗大ごみ収集の申込み",
        "【差戻し】粗大ごみ収集の申込み",
    ]
    assert Notice.objects.filter(sent_at=None).count() == 0
    assert all(submission.receipt in m.get_payload(decode=True).decode() for m in flaky_smtp.messages)
    # never twice: later sweeps, the command, another attempt at the same notice
    time_passes(600)
    periodic.run_once()
    call_command("notices", "deliver", stdout=io.StringIO())
    assert mail._deliver_one(waiting[0].pk) is None
    assert len(flaky_smtp.messages) == 3
    assert len({m["Message-ID"] for m in flaky_smtp.messages}) == 3


def test_two_senders_at_once_never_both_send_a_notice(ward, flaky_smtp, django_capture_on_commit_callbacks):
    procedure = ward["procedure"]
    apply(procedure, django_capture_on_commit_callbacks)
    notice = Notice.objects.get()
    time_passes(1)
    assert mail._claim(notice.pk) is not None  # one sender takes it…
    assert mail._claim(notice.pk) is None  # …the other finds it taken
    assert mail.deliver_due() == (0, 0)


def test_the_command_lists_and_sends_what_waits(ward, flaky_smtp, django_capture_on_commit_callbacks):
    procedure = ward["procedure"]
    submission = apply(procedure, django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("notices", "list", stdout=out)
    assert submission.receipt in out.getvalue() and "451" in out.getvalue()
    flaky_smtp.down = False
    time_passes(1)
    out = io.StringIO()
    call_command("notices", "deliver", stdout=out)
    assert "1" in out.getvalue() and len(flaky_smtp.messages) == 1
    out = io.StringIO()
    call_command("notices", "list", stdout=out)
    assert out.getvalue() == ""


def test_a_mail_whose_tries_ran_out_waits_for_staff_who_send_it_again(
    ward, flaky_smtp, django_capture_on_commit_callbacks
):
    procedure = ward["procedure"]
    submission = apply(procedure, django_capture_on_commit_callbacks)
    Notice.objects.update(attempts=mail.MAX_ATTEMPTS)
    time_passes(24 * 60)
    flaky_smtp.down = False
    periodic.run_once()
    assert not flaky_smtp.messages  # no more automatic tries, but kept
    staff = Client()
    staff.force_login(ward["editor"])
    case_url = f"/procedures/manage/{procedure.slug}/cases/{submission.pk}/"
    page = staff.get(case_url).content.decode()
    assert "自動の再送は終わりました" in page and "今すぐ送り直す" in page
    notice = Notice.objects.get()
    viewer = Client()
    viewer.force_login(ward["viewer"])  # sees no case, sends nothing
    viewer.post(case_url, {"action": "resend", "notice": notice.pk})
    assert not flaky_smtp.messages
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(case_url, {"action": "resend", "notice": notice.pk}).status_code == 302
    assert len(flaky_smtp.messages) == 1
    assert AuditEntry.objects.filter(action="procedures.case.resend_notice").count() == 1


# -------------------------------------------------------------------------------- abandoned drafts


def save_draft_with_photo(procedure, content: bytes) -> tuple[Client, str]:
    client = Client()
    photo = png()
    photo.file = io.BytesIO(content)
    photo.size = len(content)
    data = {**form_data(procedure), "action": "save", "photo": photo}
    response = client.post(f"/procedures/{procedure.slug}/apply/", data)
    assert response.status_code == 302 and "/procedures/d/" in response["Location"]
    return client, response["Location"]


def abandon(url: str, days: int) -> None:
    pk = int(re.search(r"/d/(\d+)-", url).group(1))
    Draft.objects.filter(pk=pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_the_save_page_tells_the_resident_how_long_answers_are_kept(ward, settings):
    procedure = ward["procedure"]
    first = Client().get(f"/procedures/{procedure.slug}/apply/").content.decode()
    assert "保存した回答は、最後に変更してから30日間保存し、その後削除します。" in first
    client, url = save_draft_with_photo(procedure, PNG)
    page = client.get(url).content.decode()
    kept = (timezone.localdate() + timedelta(days=30)).strftime("%Y年%-m月%-d日")
    assert "最後に変更してから30日間" in page and kept in page and "添付したファイル" in page
    settings.PROCEDURES_DRAFT_RETENTION_DAYS = 7
    assert "7日間" in client.get(url).content.decode()
    english = Client()
    english.cookies["django_language"] = "en"
    assert "kept for 7 days" in english.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_abandoned_drafts_are_deleted_with_their_files_and_nothing_else(
    ward, django_capture_on_commit_callbacks
):
    procedure = ward["procedure"]
    # an application sent with the photo PNG: its file is in the document library
    apply(procedure, django_capture_on_commit_callbacks)
    submitted = Attachment.objects.get(submission__isnull=False)
    unique = PNG + b"abandoned-only"
    _c1, alone_url = save_draft_with_photo(procedure, unique)  # a file nobody else holds
    _c2, shared_url = save_draft_with_photo(procedure, PNG)  # the same bytes as the application's
    _c3, fresh_url = save_draft_with_photo(procedure, PNG + b"fresh")
    alone = Attachment.objects.get(draft__isnull=False, size=len(unique))
    for url in (alone_url, shared_url):
        abandon(url, days=31)
    abandon(fresh_url, days=29)

    with django_capture_on_commit_callbacks(execute=True):
        periodic.run_once()

    for url in (alone_url, shared_url):
        assert Client().get(url).status_code == 404  # the resume link is gone with the answers
    assert Client().get(fresh_url).status_code == 200
    assert not default_storage.exists(alone.storage_name)  # its file is gone from the disk
    assert not Attachment.objects.filter(pk=alone.pk).exists()
    assert default_storage.exists(submitted.storage_name)  # the application's copy of the same bytes stays
    assert Attachment.objects.filter(pk=submitted.pk).exists() and Submission.objects.count() == 1
    entry = AuditEntry.objects.get(action="procedures.draft.delete_abandoned")
    assert entry.detail == {"drafts": 2, "files": 2, "older_than_days": 30}
    assert Draft.objects.filter(submission=None).count() == 1


def test_a_retention_of_zero_keeps_drafts_forever(ward, settings):
    procedure = ward["procedure"]
    settings.PROCEDURES_DRAFT_RETENTION_DAYS = 0
    _client, url = save_draft_with_photo(procedure, PNG)
    abandon(url, days=3650)
    assert applications.delete_abandoned_drafts() == 0
    assert Client().get(url).status_code == 200
    assert "日間保存" not in Client().get(f"/procedures/{procedure.slug}/apply/").content.decode()
