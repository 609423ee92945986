"""Procedures as services: versions, submissions into the master DB, the workflow, corrections."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset
from kaidan.core.errors import Forbidden, NotFound
from kaidan.documents.models import Document
from kaidan.procedures import applications, cases, services
from kaidan.procedures.forms import ApplicationForm
from kaidan.procedures.models import CaseStatus, Procedure, ProcedureVersion, Submission
from kaidan.procedures.schema import FieldDef, Kind
from kaidan.sharing.services import grant_access
from kaidan.store import selectors as store

from .conftest import ANSWERS, png

pytestmark = pytest.mark.django_db


def apply(
    procedure: Procedure, answers: dict | None = None, files: dict | None = None, email="hanako@example.jp"
):
    """What the resident's pages do: keep the draft, check the answers, submit."""
    raw = {**ANSWERS, **(answers or {})}
    draft = applications.save_draft(procedure, None, raw)
    for key, upload in (files or {}).items():
        applications.hold_file(draft, key, upload)
    form = ApplicationForm(
        draft.version,
        data=ApplicationForm.data_from(draft.version, raw, email),
        held=applications.held_files(draft),
    )
    assert form.is_valid(), form.errors
    return applications.submit(draft, form.answers(), email=form.cleaned_data["contact_email"])


def row_of(submission: Submission) -> dict:
    dataset = Dataset.objects.get(pk=submission.procedure.dataset_id)
    fields = dataset.live_fields()
    for row_id, values in store.iter_rows(dataset, fields):
        if row_id == submission.row_id:
            return {f.name: v for f, v in zip(fields, values, strict=True)}
    raise AssertionError("no row")


def test_publishing_creates_a_restricted_dataset_with_a_column_per_field(ward):
    procedure = ward["procedure"]
    dataset = Dataset.objects.get(pk=procedure.dataset_id)
    assert dataset.classification == "restricted" and dataset.restriction_reason == "personal"
    assert dataset.owner == ward["org"]
    names = [f.name for f in dataset.live_fields()]
    assert names[:2] == ["receipt", "status"] and "day" in names and "photo" in names
    assert AuditEntry.objects.filter(action="procedures.procedure.publish").count() == 1


def test_publishing_is_a_managers_act(ward):
    with pytest.raises(Forbidden):
        services.publish(ward["procedure"], actor=ward["editor"])


def test_a_submission_is_a_row_of_the_dataset_with_typed_values_and_its_files_in_the_library(
    ward, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission, token = apply(ward["procedure"], files={"photo": png()})
    row = row_of(submission)
    assert row["receipt"] == submission.receipt and row["status"] == "受付"
    assert row["kana"] == "クミン ハナコ"
    assert row["phone"] == "03-1234-5678"
    assert str(row["day"]) == "2026-12-10"  # 令和8年 read by kaidan.values
    assert row["count"] == 2
    assert row["address"] == "〒154-0001 世田谷区池尻1-2-3"
    document = Document.objects.get(pk=submission.answers["photo"]["document"])
    assert document.classification == "restricted" and document.record_id == submission.row_id
    assert applications.find_by_token(token) == submission
    assert applications.find_by_receipt(submission.receipt, "HANAKO@example.jp") == submission
    assert applications.find_by_receipt(submission.receipt, "other@example.jp") is None
    assert mail.outbox[-1].to == ["hanako@example.jp"] and submission.receipt in mail.outbox[-1].body


def test_changing_the_form_makes_a_new_version_and_never_changes_answers_given(ward):
    procedure = ward["procedure"]
    first, _ = apply(procedure)
    before_answers, before_row = dict(first.answers), row_of(first)
    services.update_field(
        procedure, 0, FieldDef("name", Kind.TEXT, "お名前", required=True), actor=ward["editor"]
    )
    services.add_field(procedure, FieldDef("floor", Kind.NUMBER, "階数"), actor=ward["editor"])
    services.remove_field(procedure, 2, actor=ward["editor"])  # 電話番号
    version = services.publish(procedure, actor=ward["manager"])
    assert version.number == 2 and ProcedureVersion.objects.filter(procedure=procedure).count() == 2
    second, _ = apply(procedure, {"floor": "3"})
    first.refresh_from_db()
    assert first.version.number == 1 and first.answers == before_answers
    assert row_of(first) == {**before_row, "floor": None}  # the new column is empty, nothing else changed
    assert second.version.number == 2 and row_of(second)["floor"] == 3
    with pytest.raises(ValueError):
        first.version.save()  # a published version is immutable


def test_a_conditional_field_is_required_only_when_shown(ward):
    version = ward["procedure"].current_version
    data = ApplicationForm.data_from(version, {**ANSWERS, "item": "その他"}, "a@example.jp")
    form = ApplicationForm(version, data=data, held={})
    assert not form.is_valid() and "other" in form.errors
    data = ApplicationForm.data_from(version, ANSWERS, "a@example.jp")
    assert ApplicationForm(version, data=data, held={}).is_valid()


def test_bad_answers_name_the_field_with_a_way_to_fix_it(ward):
    version = ward["procedure"].current_version
    data = ApplicationForm.data_from(
        version, {**ANSWERS, "day": "来週", "kana": "Hanako", "phone": "12"}, "x"
    )
    form = ApplicationForm(version, data=data, held={})
    assert not form.is_valid()
    assert set(form.errors) >= {"day", "kana", "phone", "contact_email"}


def test_uploads_are_checked_by_content_and_size(ward, settings):
    draft = applications.save_draft(ward["procedure"], None, ANSWERS)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError):
        applications.hold_file(draft, "photo", SimpleUploadedFile("photo.png", b"MZ\x90\x00 not a png"))
    settings.PROCEDURES_MAX_UPLOAD_SIZE = 10
    with pytest.raises(ValidationError):
        applications.hold_file(draft, "photo", png())


def test_staff_of_the_owner_process_cases_and_others_cannot_see_them(
    ward, django_capture_on_commit_callbacks
):
    procedure = ward["procedure"]
    submission, _ = apply(procedure)
    assert [s.pk for s in cases.inbox(procedure, actor=ward["editor"])] == [submission.pk]
    for outsider in ("viewer", "other", "partner"):
        with pytest.raises(NotFound):
            cases.inbox(procedure, actor=ward[outsider])
        with pytest.raises(NotFound):
            cases.get_case(procedure, submission.pk, actor=ward[outsider])
    view = cases.get_case(procedure, submission.pk, actor=ward["editor"])
    assert view.can_edit and dict((d.key, v) for d, v, _ in view.answers)["phone"] == "03-1234-5678"
    assert AuditEntry.objects.filter(action="store.read_restricted.case").exists()
    cases.assign(procedure, submission.pk, ward["editor"], actor=ward["manager"])
    cases.comment(procedure, submission.pk, "現地確認が必要", actor=ward["editor"])
    cases.change_status(procedure, submission.pk, CaseStatus.REVIEWING, actor=ward["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        cases.request_correction(procedure, submission.pk, "希望日を平日にしてください", actor=ward["editor"])
    submission.refresh_from_db()
    assert submission.status == CaseStatus.RETURNED and row_of(submission)["status"] == "差戻し"
    assert "希望日を平日にしてください" in mail.outbox[-1].body
    # the resident corrects on their status page; the earlier answer stays in the case history
    applications.correct(submission, {**submission.answers, "day": "2026-12-11"}, {})
    submission.refresh_from_db()
    assert submission.status == CaseStatus.REVIEWING and str(row_of(submission)["day"]) == "2026-12-11"
    corrected = submission.events.get(kind="corrected")
    assert corrected.detail["previous"]["day"] == "2026-12-10"
    cases.change_status(procedure, submission.pk, CaseStatus.COMPLETED, actor=ward["editor"])
    submission.refresh_from_db()
    assert row_of(submission)["status"] == "完了"
    kinds = [e.kind for e in submission.events.all()]
    assert kinds == [
        "submitted",
        "assigned",
        "comment",
        "status",
        "correction_requested",
        "corrected",
        "status",
    ]
    assert [e.kind for e in applications.public_events(submission)] == [
        "submitted",
        "status",
        "correction_requested",
        "corrected",
        "status",
    ]
    with pytest.raises(Forbidden):
        cases.change_status(procedure, submission.pk, CaseStatus.REVIEWING, actor=ward["editor"])


def test_a_partner_granted_the_dataset_sees_and_processes_its_cases(ward):
    procedure = ward["procedure"]
    submission, _ = apply(procedure)
    from kaidan.access.services import SYSTEM

    grant_access(
        Dataset.objects.get(pk=procedure.dataset_id),
        actor=SYSTEM,
        organization=ward["partner_org"],
        permission="edit",
        clearance="restricted",
    )
    assert [s.pk for s in cases.inbox(procedure, actor=ward["partner"])] == [submission.pk]
    cases.change_status(procedure, submission.pk, CaseStatus.REVIEWING, actor=ward["partner"])


def test_submitting_twice_gives_the_first_submission(ward):
    procedure = ward["procedure"]
    draft = applications.save_draft(procedure, None, ANSWERS)
    form = ApplicationForm(
        draft.version, data=ApplicationForm.data_from(draft.version, ANSWERS, "a@example.jp"), held={}
    )
    assert form.is_valid()
    first, _ = applications.submit(draft, form.answers(), email="a@example.jp")
    with pytest.raises(applications.AlreadySubmitted) as caught:
        applications.submit(draft, form.answers(), email="a@example.jp")
    assert caught.value.submission == first
    assert Submission.objects.count() == 1


def test_the_demo_has_three_procedures_with_applications_at_every_status():
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", stdout=StringIO())
    call_command("demo", stdout=StringIO())  # idempotent
    for slug in ("sodai-gomi", "jidou-teate-genkyo"):
        statuses = set(Submission.objects.filter(procedure__slug=slug).values_list("status", flat=True))
        assert statuses == set(CaseStatus.values), slug
    assert Submission.objects.filter(procedure__slug="kumin-no-koe").count() == 5


def test_the_applications_are_analysable_in_the_sql_console_by_japanese_names(ward):
    from kaidan.analysis.engine import run

    procedure = ward["procedure"]
    apply(procedure)
    apply(procedure, {"item": "自転車"})
    result = run(
        'SELECT 品目, count(*) AS n FROM "粗大ごみ収集の申込み（申請）" GROUP BY 品目 ORDER BY 品目',
        actor=ward["editor"],
    )
    assert [tuple(r) for r in result.rows] == [("たんす", 1), ("自転車", 1)]
    with pytest.raises(Exception):  # noqa: B017 - outsiders cannot name it (the SQL console's own error)
        run('SELECT count(*) FROM "粗大ごみ収集の申込み（申請）"', actor=ward["other"])


def test_residents_voice_starts_from_its_template_and_is_analysed_by_category_district_and_month(ward):
    from django.utils import timezone

    from kaidan.analysis.engine import run

    voice = services.create_procedure(
        actor=ward["manager"], owner=ward["org"], slug="koe", title="区民の声", kind=Procedure.Kind.VOICE
    )
    assert [d["key"] for d in voice.draft_fields] == ["category", "district", "message", "reply"]
    services.publish(voice, actor=ward["manager"])
    voice.refresh_from_db()
    for category, district in (("防災", "池尻"), ("防災", "池尻"), ("子育て", "三宿")):
        draft = applications.save_draft(
            voice, None, {"category": category, "district": district, "message": "…"}
        )
        form = ApplicationForm(
            draft.version,
            data=ApplicationForm.data_from(draft.version, draft.answers, "a@example.jp"),
            held={},
        )
        assert form.is_valid(), form.errors
        applications.submit(draft, form.answers(), email="a@example.jp")
    result = run(
        'SELECT 分野, 地区, 受付月, count(*) AS n FROM "区民の声（申請）" GROUP BY ALL ORDER BY n DESC',
        actor=ward["manager"],
    )
    month = f"{timezone.localdate():%Y-%m}"
    assert [tuple(r) for r in result.rows] == [("防災", "池尻", month, 2), ("子育て", "三宿", month, 1)]


def test_dates_are_shown_back_in_wareki_with_the_iso_date():
    from datetime import date

    from kaidan.procedures.schema import display_value, wareki

    assert wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(date(1990, 5, 1)) == "平成2年5月1日"
    assert (
        display_value(FieldDef("d", Kind.DATE, "日"), "2026-12-10", "はい", "いいえ")
        == "令和8年12月10日（2026-12-10）"
    )
