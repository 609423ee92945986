"""Scheduled imports (issue 16 point 3): a dataset pulls the nightly export of a business system from a
URL or a watched folder; each run is a normal import revision made with the owner's rights; an unchanged
file adds no revision; failures and refused rows reach the owner by e-mail (real SMTP) and the run log."""

from __future__ import annotations

import datetime
import os
import time
from email.header import decode_header, make_header

import pytest
from django.core.management import call_command
from django.utils import timezone

from kaidan.access.services import SYSTEM
from kaidan.accounts.services import set_membership
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset
from kaidan.core.errors import Forbidden
from kaidan.imports.models import ImportSchedule, ScheduleRun
from kaidan.imports.services import ScheduleRejected, run_due, run_schedule, save_schedule
from kaidan.ingest.models import ImportJob
from kaidan.ingest.services import plan_import, run_import
from kaidan.sharing.services import grant_access
from kaidan.store.models import Revision

from .conftest import CSV, attachment_of, body_of

pytestmark = pytest.mark.django_db(transaction=True)

NEXT_NIGHT = CSV + "3,三宿会館,20\n"


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def url_schedule(ward, export_server, path="/export/facilities.csv", **options):
    return save_schedule(
        ward["dataset"], actor=ward["editor"], kind="url", url=export_server.url(path), **options
    )


def revisions(dataset: Dataset) -> list[int]:
    return list(Revision.objects.filter(dataset=dataset).order_by("number").values_list("number", flat=True))


def test_a_run_imports_the_file_as_a_normal_revision_made_as_the_owner(ward, export_server):
    export_server.serve("/export/facilities.csv", NEXT_NIGHT)
    schedule = url_schedule(ward, export_server)

    run = run_schedule(schedule)

    assert run.status == ScheduleRun.Status.IMPORTED, run.message_en
    assert (run.revision, run.added, run.changed, run.removed) == (2, 1, 0, 0)
    revision = Revision.objects.get(dataset=ward["dataset"], number=2)
    assert revision.author == ward["editor"] and revision.source == Revision.Source.IMPORT
    assert revision.source_name == "facilities.csv"
    entry = AuditEntry.objects.filter(action="store.revision.import").latest("seq")
    assert entry.actor_id == ward["editor"].pk and entry.source == f"schedule:{schedule.pk}"


def test_an_unchanged_file_adds_no_revision_and_is_logged_unchanged(ward, export_server):
    export_server.serve("/export/facilities.csv", NEXT_NIGHT, etag=False)  # a server without ETags
    schedule = url_schedule(ward, export_server)
    run_schedule(schedule)

    again = run_schedule(schedule)

    assert again.status == ScheduleRun.Status.UNCHANGED
    assert again.revision is None and revisions(ward["dataset"]) == [1, 2]
    assert "同じ" in again.message_ja and "same" in again.message_en


def test_the_second_fetch_is_conditional_and_a_304_is_unchanged(ward, export_server):
    export_server.serve("/export/facilities.csv", NEXT_NIGHT)
    schedule = url_schedule(ward, export_server)
    first = run_schedule(schedule)

    second = run_schedule(schedule)

    _path, headers = export_server.requests[-1]
    assert headers.get("If-None-Match", "").startswith('"')
    assert "If-Modified-Since" in headers
    assert second.status == ScheduleRun.Status.UNCHANGED and "304" in second.message_en
    assert first.revision == 2 and revisions(ward["dataset"]) == [1, 2]


def test_a_changed_file_on_the_next_night_is_a_new_revision(ward, export_server):
    export_server.serve("/export/facilities.csv", NEXT_NIGHT)
    schedule = url_schedule(ward, export_server)
    run_schedule(schedule)
    export_server.serve("/export/facilities.csv", NEXT_NIGHT.replace("三宿会館,20", "三宿会館,25"))

    run = run_schedule(schedule)

    assert run.status == ScheduleRun.Status.IMPORTED and (run.revision, run.changed) == (3, 1)


def test_a_download_failure_is_mailed_to_the_owner_in_japanese_and_english(ward, export_server, smtp_server):
    schedule = url_schedule(ward, export_server, path="/export/missing.csv")

    run = run_schedule(schedule)

    assert run.status == ScheduleRun.Status.FAILED and revisions(ward["dataset"]) == [1]
    assert "HTTP 404" in run.message_en and "HTTP 404" in run.message_ja
    [mail] = smtp_server.messages
    assert mail["To"] == "fukushi.editor@example.jp"
    assert "施設一覧" in subject_of(mail) and "failed" in subject_of(mail)
    body = body_of(mail)
    assert "定期取込" in body and "The scheduled import into 施設一覧 failed." in body
    assert "/export/missing.csv" in body and "HTTP 404" in body
    assert run.mailed_to == "fukushi.editor@example.jp"


def test_a_server_that_does_not_answer_is_a_failure_not_a_crash(ward, export_server, smtp_server):
    schedule = url_schedule(ward, export_server)
    export_server.port = 9  # nothing listens there (discard port)
    ImportSchedule.objects.filter(pk=schedule.pk).update(url=export_server.url("/export/facilities.csv"))

    run = run_schedule(ImportSchedule.objects.get(pk=schedule.pk))

    assert run.status == ScheduleRun.Status.FAILED and "could not be fetched" in run.message_en
    assert len(smtp_server.messages) == 1


def test_bad_values_are_reported_by_file_row_column_and_value_and_nothing_is_written(
    ward, export_server, smtp_server
):
    export_server.serve("/export/facilities.csv", CSV + "3,三宿会館,たくさん\n")
    schedule = url_schedule(ward, export_server)

    run = run_schedule(schedule)

    assert run.status == ScheduleRun.Status.FAILED and run.rejected == 1
    assert revisions(ward["dataset"]) == [1]
    [mail] = smtp_server.messages
    body = body_of(mail)
    ja, en = body.split("----")
    assert "facilities.csv" in ja and "4" in ja and "定員" in ja and "たくさん" in ja
    assert "facilities.csv row 4, column '定員', value 'たくさん'" in en
    report = attachment_of(mail, "errors.csv").decode("utf-8-sig")
    assert "たくさん" in report and "定員" in report
    assert run.report is not None


def test_rows_skipped_under_the_saved_plan_are_imported_without_them_and_mailed(
    ward, export_server, smtp_server
):
    schedule = url_schedule(ward, export_server)
    ImportSchedule.objects.filter(pk=schedule.pk).update(plan={"on_error": "skip"})
    export_server.serve("/export/facilities.csv", NEXT_NIGHT + "4,下馬会館,たくさん\n")

    run = run_schedule(ImportSchedule.objects.get(pk=schedule.pk))

    assert run.status == ScheduleRun.Status.IMPORTED and (run.added, run.rejected) == (1, 1)
    [mail] = smtp_server.messages
    assert "skipped" in subject_of(mail) and "たくさん" in body_of(mail)


def test_the_last_browser_import_plan_is_reused_encoding_and_columns(ward, export_server, tmp_path):
    """The file is read as the dataset's last import was (here CP932, a column left out), not guessed anew."""
    sjis = "番号,施設名,定員,備考\n1,池尻会館,30,旧館\n2,太子堂会館,45,\n3,三宿会館,20,新設\n"
    path = tmp_path / "facilities-sjis.csv"
    path.write_bytes(sjis.encode("cp932"))
    plan, _ = plan_import(path, dataset="facilities", mode="replace")
    for column in plan.columns:
        column.include = column.source != "備考"
    run_import(plan, actor=ward["editor"])
    ImportJob.objects.create(
        created_by=ward["editor"],
        status=ImportJob.Status.DONE,
        plan=plan.to_dict(),
        result={"dataset": "facilities"},
    )
    export_server.serve("/export/facilities.csv", (sjis + "4,下馬会館,50,仮設\n").encode("cp932"), etag=False)
    schedule = url_schedule(ward, export_server)
    assert schedule.plan["encoding"] == plan.encoding

    run = run_schedule(schedule)

    assert run.status == ScheduleRun.Status.IMPORTED and run.added == 1, run.message_en
    assert [f.label for f in ward["dataset"].live_fields()] == ["番号", "施設名", "定員"]


def test_a_schedule_runs_with_its_owners_rights_at_run_time(ward, export_server, smtp_server):
    export_server.serve("/export/facilities.csv", NEXT_NIGHT)
    schedule = url_schedule(ward, export_server)
    set_membership(actor=None, user=ward["editor"], organization=ward["owner"], role="viewer")

    run = run_schedule(schedule)

    assert run.status == ScheduleRun.Status.FAILED and "may no longer change" in run.message_en
    assert revisions(ward["dataset"]) == [1]
    assert len(smtp_server.messages) == 1


def test_a_partners_schedule_cannot_write_outside_the_partners_rows(
    ward, export_server, make_org, make_user, smtp_server
):
    partner = make_org("houkatsu", kind="partner", name="池尻包括")
    staff = make_user("houkatsu.staff", partner, "editor")
    grant_access(
        ward["dataset"],
        actor=SYSTEM,
        organization=partner,
        permission="edit",
        clearance="limited",
        row_filter=[{"field": "施設名", "op": "in", "value": ["池尻会館"]}],
    )
    schedule = save_schedule(
        ward["dataset"], actor=staff, kind="url", url=export_server.url("/p.csv"), mode="upsert"
    )
    export_server.serve("/p.csv", "番号,施設名,定員\n1,池尻会館,31\n2,太子堂会館,99\n")

    run = run_schedule(schedule)

    assert run.status == ScheduleRun.Status.FAILED and run.rejected == 1
    assert "outside the rows you may change" in body_of(smtp_server.messages[0])
    assert revisions(ward["dataset"]) == [1]


def test_only_those_who_may_change_the_dataset_set_up_a_schedule(ward, export_server):
    with pytest.raises(Forbidden):
        save_schedule(ward["dataset"], actor=ward["viewer"], kind="url", url=export_server.url("/x.csv"))
    with pytest.raises(Forbidden):  # the system has no mailbox and no rights to lend
        save_schedule(ward["dataset"], actor=SYSTEM, kind="url", url=export_server.url("/x.csv"))


def test_hosts_and_folders_outside_the_allowed_ones_are_refused(ward, export_server, settings, tmp_path):
    with pytest.raises(ScheduleRejected) as refused:
        save_schedule(ward["dataset"], actor=ward["editor"], kind="url", url="http://169.254.169.254/latest")
    assert "KAIDAN_IMPORT_URL_HOSTS" in refused.value.message.en
    with pytest.raises(ScheduleRejected):
        save_schedule(ward["dataset"], actor=ward["editor"], kind="url", url="file:///etc/passwd")
    settings.IMPORT_FOLDERS = [tmp_path / "drops"]
    with pytest.raises(ScheduleRejected) as refused:
        save_schedule(ward["dataset"], actor=ward["editor"], kind="folder", folder="/etc")
    assert "KAIDAN_IMPORT_FOLDERS" in refused.value.message.en
    with pytest.raises(ScheduleRejected):
        save_schedule(
            ward["dataset"], actor=ward["editor"], kind="folder", folder=str(tmp_path / "drops/../..")
        )


def test_a_redirect_to_a_host_not_allowed_is_not_followed(ward, export_server):
    schedule = url_schedule(ward, export_server, path="/moved")
    export_server.files.pop("/moved", None)
    import http.server

    # the export server answers /moved with a redirect to a host the server may not fetch from
    original = http.server.BaseHTTPRequestHandler.send_error

    def redirect(self, code, message=None, explain=None):
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()
            return
        original(self, code, message, explain)

    http.server.BaseHTTPRequestHandler.send_error = redirect
    try:
        run = run_schedule(schedule)
    finally:
        http.server.BaseHTTPRequestHandler.send_error = original
    assert run.status == ScheduleRun.Status.FAILED and "169.254.169.254" in run.message_en


def test_a_watched_folder_gives_its_newest_matching_file(ward, settings, tmp_path):
    drops = tmp_path / "drops"
    drops.mkdir()
    settings.IMPORT_FOLDERS = [drops]
    (drops / "facilities-old.csv").write_text(CSV, encoding="utf-8")
    (drops / "facilities-new.csv").write_text(NEXT_NIGHT, encoding="utf-8")
    (drops / "notes.txt").write_text("not this", encoding="utf-8")
    past = time.time() - 3600
    os.utime(drops / "facilities-old.csv", (past, past))
    schedule = save_schedule(
        ward["dataset"], actor=ward["editor"], kind="folder", folder=str(drops), pattern="facilities-*.csv"
    )

    run = run_schedule(schedule)
    again = run_schedule(schedule)

    assert (run.status, run.file_name, run.added) == (ScheduleRun.Status.IMPORTED, "facilities-new.csv", 1)
    assert again.status == ScheduleRun.Status.UNCHANGED


def test_an_empty_watched_folder_is_a_reported_failure(ward, settings, tmp_path, smtp_server):
    (tmp_path / "drops").mkdir()
    settings.IMPORT_FOLDERS = [tmp_path / "drops"]
    schedule = save_schedule(
        ward["dataset"], actor=ward["editor"], kind="folder", folder=str(tmp_path / "drops")
    )

    run = run_schedule(schedule)

    assert run.status == ScheduleRun.Status.FAILED and "no file matching" in run.message_en
    assert len(smtp_server.messages) == 1


def test_due_schedules_run_once_per_occurrence_even_when_two_runners_look(ward, export_server):
    export_server.serve("/export/facilities.csv", NEXT_NIGHT)
    schedule = url_schedule(ward, export_server, cadence="daily", hour=2, minute=0)
    due_at = schedule.next_run_at
    after = due_at + datetime.timedelta(minutes=1)

    first = run_due(now=after)
    second = run_due(now=after)  # another app server's periodic runner, a moment later

    assert len(first) == 1 and second == []
    schedule.refresh_from_db()
    assert schedule.next_run_at == due_at + datetime.timedelta(days=1)
    assert run_due(now=due_at - datetime.timedelta(minutes=1)) == []


def test_kaidan_imports_run_due_runs_what_is_due(ward, export_server, capsys):
    export_server.serve("/export/facilities.csv", NEXT_NIGHT)
    schedule = url_schedule(ward, export_server)
    ImportSchedule.objects.filter(pk=schedule.pk).update(
        next_run_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    call_command("imports", "run-due")

    out = capsys.readouterr().out
    assert "facilities\timported" in out and "1 scheduled imports run, 0 failed" in out
    assert revisions(ward["dataset"]) == [1, 2]


def test_the_periodic_runner_hands_due_schedules_to_the_worker(ward, export_server, immediate_tasks):
    from kaidan.core import periodic

    export_server.serve("/export/facilities.csv", NEXT_NIGHT)
    schedule = url_schedule(ward, export_server)
    ImportSchedule.objects.filter(pk=schedule.pk).update(
        next_run_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    periodic.run_once()

    assert ScheduleRun.objects.get(schedule=schedule).status == ScheduleRun.Status.IMPORTED
    assert revisions(ward["dataset"]) == [1, 2]
