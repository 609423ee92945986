"""The residents' and staff pages through Django's test client: the whole case, faults and abuse."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import DatabaseError
from django.test import Client

from kaidan.procedures import applications, records
from kaidan.procedures.forms import ApplicationForm
from kaidan.procedures.models import CaseStatus, Draft, Submission

from .conftest import ANSWERS, png

pytestmark = pytest.mark.django_db


def form_data(procedure, **changes) -> dict:
    data = ApplicationForm.data_from(procedure.current_version, {**ANSWERS}, "hanako@example.jp")
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def fill(client: Client, procedure, **changes):
    """Post the form (with a photo) and follow to the confirmation page."""
    data = {**form_data(procedure, **changes), "action": "next", "photo": png()}
    return client.post(f"/procedures/{procedure.slug}/apply/", data)


def test_a_resident_applies_with_a_file_checks_and_sends_and_sees_the_status(
    ward, django_capture_on_commit_callbacks
):
    procedure = ward["procedure"]
    client = Client()
    assert procedure.title in client.get("/procedures/").content.decode()
    page = client.get(f"/procedures/{procedure.slug}/apply/").content.decode()
    assert 'for="id_name"' in page and 'name="website"' in page
    response = fill(client, procedure)
    assert response.status_code == 302 and response["Location"].endswith("/confirm/")
    confirm = client.get(response["Location"]).content.decode()
    assert "クミン ハナコ" in confirm and "photo.png" in confirm and "〒154-0001" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(response["Location"])
    assert sent.status_code == 302 and "?new=1" in sent["Location"]
    status = client.get(sent["Location"]).content.decode()
    submission = Submission.objects.get()
    assert submission.receipt in status and "受付" in status
    link = re.search(r"https?://\S+/procedures/s/\S+/", mail.outbox[-1].body).group(0)
    assert link.endswith(sent["Location"].split("?")[0])
    # a second press of the button (or the back button) does not send it again
    again = client.post(response["Location"])
    assert again.status_code == 200 and "送信済み" in again.content.decode()
    assert Submission.objects.count() == 1


def test_errors_are_listed_at_the_top_with_links_to_the_fields_and_the_input_is_kept(ward):
    procedure = ward["procedure"]
    response = fill(Client(), procedure, day="来週のどこか", kana="Hanako")
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in page and 'href="#id_day"' in page and 'href="#id_kana"' in page
    assert 'value="来週のどこか"' in page  # nothing typed is lost
    assert Draft.objects.count() == 1  # and it is kept behind a resume link
    assert "/procedures/d/" in page


def test_save_and_resume_by_the_private_link(ward):
    procedure = ward["procedure"]
    client = Client()
    data = {**form_data(procedure, count=""), "action": "save"}
    response = client.post(f"/procedures/{procedure.slug}/apply/", data)
    assert response.status_code == 302 and "/procedures/d/" in response["Location"]
    resumed = Client().get(response["Location"]).content.decode()  # another browser, same link
    assert 'value="区民 花子"' in resumed
    draft = Draft.objects.get()
    wrong = f"{draft.pk}-{'0' * 40}"
    assert Client().get(f"/procedures/d/{wrong}/").status_code == 404


def test_a_failing_database_write_after_submit_keeps_the_draft_and_offers_a_retry(ward, monkeypatch):
    procedure = ward["procedure"]
    client = Client()
    confirm_url = fill(client, procedure)["Location"]
    real = records.write_submission

    def broken(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(records, "write_submission", broken)
    failed = client.post(confirm_url)
    assert failed.status_code == 503
    assert (
        "申請は送信されていません" in failed.content.decode()
        and "入力内容は失われず" in failed.content.decode()
    )
    assert Submission.objects.count() == 0 and Draft.objects.get().submission is None
    monkeypatch.setattr(records, "write_submission", real)
    retried = client.post(confirm_url)
    assert retried.status_code == 302 and Submission.objects.count() == 1


def test_the_honeypot_and_the_time_trap_refuse_without_losing_input(ward, settings):
    procedure = ward["procedure"]
    bot = fill(Client(), procedure, website="http://spam.example")
    assert bot.status_code == 429 and Submission.objects.count() == 0
    settings.PROCEDURES_MIN_FILL_SECONDS = 60
    fast = fill(Client(), procedure)
    assert fast.status_code == 429 and 'value="区民 花子"' in fast.content.decode()


def test_rate_limits_stop_floods_of_posts(ward, settings):
    settings.PROCEDURES_RATE_LIMITS = {"save": (2, 60)}
    procedure = ward["procedure"]
    client = Client()
    codes = [fill(client, procedure).status_code for _ in range(3)]
    assert codes[:2] == [302, 302] and codes[2] == 429


def test_status_by_receipt_number_and_email(ward, settings):
    settings.PROCEDURES_RATE_LIMITS = {"lookup": (3, 60)}
    procedure = ward["procedure"]
    client = Client()
    client.post(fill(client, procedure)["Location"])
    submission = Submission.objects.get()
    other = Client()
    wrong = other.post("/procedures/status/", {"receipt": submission.receipt, "email": "x@example.jp"})
    assert wrong.status_code == 200 and submission.receipt not in wrong.content.decode().replace(
        f'value="{submission.receipt}"', ""
    )
    right = other.post("/procedures/status/", {"receipt": submission.receipt, "email": "hanako@example.jp"})
    assert right.status_code == 302
    assert "受付" in other.get(right["Location"]).content.decode()
    assert Client().get(right["Location"]).status_code == 404  # the session that looked it up only
    other.post("/procedures/status/", {"receipt": "1", "email": "a@example.jp"})
    assert other.post("/procedures/status/", {"receipt": "2", "email": "a@example.jp"}).status_code == 429


def test_staff_process_a_case_and_the_resident_corrects_on_the_status_page(ward):
    procedure = ward["procedure"]
    resident = Client()
    status_url = resident.post(fill(resident, procedure)["Location"])["Location"].split("?")[0]
    submission = Submission.objects.get()
    staff = Client()
    staff.force_login(ward["editor"])
    assert submission.receipt in staff.get(f"/procedures/manage/{procedure.slug}/inbox/").content.decode()
    case_url = f"/procedures/manage/{procedure.slug}/cases/{submission.pk}/"
    page = staff.get(case_url).content.decode()
    assert "03-1234-5678" in page and "photo.png" in page
    assert "その他の品目" not in page  # asked only for その他: not asked, not listed
    staff.post(case_url, {"action": "comment", "text": "内部メモQINTERNAL"})
    staff.post(case_url, {"action": "correction", "text": "希望日を平日にしてください"})
    returned = resident.get(status_url).content.decode()
    assert "希望日を平日にしてください" in returned and "QINTERNAL" not in returned
    assert "添付済み：photo.png" in returned  # the file sent stays unless another is chosen
    data = ApplicationForm.data_from(submission.version, {**ANSWERS, "day": "R8.12.11"}, "")
    corrected = resident.post(status_url, {k: v for k, v in data.items() if k != "contact_email"})
    assert corrected.status_code == 302
    submission.refresh_from_db()
    assert submission.status == CaseStatus.REVIEWING and submission.answers["day"] == "2026-12-11"
    assert submission.answers["photo"]["filename"] == "photo.png"
    staff.post(case_url, {"action": "status", "status": "completed"})
    assert "完了" in resident.get(status_url).content.decode()


def test_outsiders_get_no_inbox_no_case_and_no_builder(ward):
    procedure = ward["procedure"]
    resident = Client()
    resident.post(fill(resident, procedure)["Location"])
    submission = Submission.objects.get()
    for who in ("viewer", "other", "partner"):
        client = Client()
        client.force_login(ward[who])
        for url in (
            f"/procedures/manage/{procedure.slug}/inbox/",
            f"/procedures/manage/{procedure.slug}/cases/{submission.pk}/",
            f"/procedures/manage/{procedure.slug}/",
        ):
            response = client.get(url)
            assert response.status_code == 404, (who, url)
            assert "03-1234-5678" not in response.content.decode()
    anonymous = Client().get(f"/procedures/manage/{procedure.slug}/inbox/")
    assert anonymous.status_code == 302


def test_the_builder_adds_edits_and_publishes_fields(ward):
    procedure = ward["procedure"]
    editor, manager = Client(), Client()
    editor.force_login(ward["editor"])
    manager.force_login(ward["manager"])
    url = f"/procedures/manage/{procedure.slug}/"
    assert "粗大ごみ" in editor.get(url).content.decode()
    added = editor.post(url + "fields/add", {"label": "備考", "key": "note", "kind": "long_text"})
    assert added.status_code == 302
    bad = editor.post(url + "fields/add", {"label": "x", "key": "Bad Key", "kind": "text"})
    assert bad.status_code == 400
    assert editor.post(url + "publish").status_code == 403
    procedure.refresh_from_db()
    assert procedure.current_version.number == 1  # an editor cannot publish
    manager.post(url + "publish")
    procedure.refresh_from_db()
    assert procedure.current_version.number == 2 and procedure.current_version.fields[-1]["key"] == "note"
    assert "note" in [f.name for f in records.Dataset.objects.get(pk=procedure.dataset_id).live_fields()]


def test_a_draft_started_on_an_old_version_is_submitted_on_that_version(ward):
    procedure = ward["procedure"]
    client = Client()
    confirm_url = fill(client, procedure)["Location"]
    from kaidan.procedures import services
    from kaidan.procedures.schema import FieldDef, Kind

    services.add_field(procedure, FieldDef("floor", Kind.NUMBER, "階数", required=True), actor=ward["editor"])
    services.publish(procedure, actor=ward["manager"])
    client.post(confirm_url)
    assert Submission.objects.get().version.number == 1
    assert applications  # (module used above through the pages)


def test_the_residents_pages_speak_english_too(ward):
    procedure = ward["procedure"]
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get(f"/procedures/{procedure.slug}/apply/").content.decode()
    assert 'lang="en"' in page and "Next: check your answers" in page and "Save and continue later" in page
    errors = fill(client, procedure, day="soon").content.decode()
    assert "Enter a date, for example" in errors


def test_a_postal_code_fills_the_town_from_the_wards_dataset(ward, tmp_path, settings):
    from kaidan.access.services import SYSTEM
    from kaidan.ingest.services import plan_import, run_import

    path = tmp_path / "postal.csv"
    path.write_text("郵便番号,都道府県,市区町村,町域\n154-0001,東京都,世田谷区,池尻\n", encoding="utf-8")
    plan, _ = plan_import(
        path, dataset="postal-codes", organization="seisou", title="郵便番号", classification="public"
    )
    run_import(plan, actor=SYSTEM)
    client = Client()
    found = client.get("/procedures/postal", {"code": "１５４０００１"})
    assert found.status_code == 200 and found.json() == {"address": "東京都世田谷区池尻"}
    assert client.get("/procedures/postal", {"code": "1000001"}).status_code == 404
    assert client.get("/procedures/postal", {"code": "abc"}).status_code == 404
    settings.PROCEDURES_POSTAL_DATASET = "no-such-dataset"
    assert client.get("/procedures/postal", {"code": "1540001"}).status_code == 404


def test_a_mail_that_cannot_be_sent_waits_in_the_outbox_and_goes_with_the_next(
    ward, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """(Its retry is due at once here; the back-off and the periodic retry are in test_outbox.py.)"""
    from kaidan.procedures import cases
    from kaidan.procedures import mail as procedure_mail
    from kaidan.procedures.models import Notice

    procedure = ward["procedure"]
    client = Client()
    confirm_url = fill(client, procedure)["Location"]

    def down(*args, **kwargs):
        raise OSError("connection refused")

    settings.PROCEDURES_MAIL_BACKOFF = 0
    monkeypatch.setattr(procedure_mail.EmailMessage, "send", down)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirm_url).status_code == 302  # stored, although the mail failed
    submission = Submission.objects.get()
    notice = Notice.objects.get()
    assert notice.sent_at is None and notice.attempts == 1 and "refused" in notice.last_error
    staff = Client()
    staff.force_login(ward["editor"])
    assert (
        "未送信" in staff.get(f"/procedures/manage/{procedure.slug}/cases/{submission.pk}/").content.decode()
    )
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        cases.change_status(procedure, submission.pk, CaseStatus.REVIEWING, actor=ward["editor"])
    assert Notice.objects.filter(sent_at=None).count() == 0
    assert [m.subject.split(" / ")[0] for m in mail.outbox] == [
        "【審査中】粗大ごみ収集の申込み",
        "【受付】粗大ごみ収集の申込み",
    ]


def test_the_builder_previews_the_draft_form(ward):
    procedure = ward["procedure"]
    client = Client()
    client.force_login(ward["editor"])
    page = client.get(f"/procedures/manage/{procedure.slug}/preview").content.decode()
    assert 'for="id_kana"' in page and 'name="action"' not in page  # no button sends anything
    outsider = Client()
    outsider.force_login(ward["other"])
    assert outsider.get(f"/procedures/manage/{procedure.slug}/preview").status_code == 404
