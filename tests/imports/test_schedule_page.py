"""The dataset's import-schedule page: set up, run now, the run log and its error report; only for those
who may change the dataset."""

from __future__ import annotations

import pytest
from django.test import Client

from kaidan.imports.models import ImportSchedule, ScheduleRun

from .conftest import CSV

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_sets_up_a_schedule_runs_it_and_reads_the_log(ward, export_server, immediate_tasks):
    export_server.serve("/nightly.csv", CSV + "3,三宿会館,たくさん\n")
    client = client_for(ward["editor"])
    page = client.get("/datasets/facilities/")
    assert b"/import/schedules/facilities/" in page.content

    saved = client.post(
        "/import/schedules/facilities/",
        {
            "kind": "url",
            "url": export_server.url("/nightly.csv"),
            "pattern": "*",
            "cadence": "weekdays",
            "at": "02:30",
            "mode": "replace",
            "active": "on",
        },
    )
    assert saved.status_code == 302
    schedule = ImportSchedule.objects.get(dataset=ward["dataset"])
    assert (schedule.cadence, schedule.hour, schedule.minute, schedule.run_as) == (
        "weekdays",
        2,
        30,
        ward["editor"],
    )

    client.post("/import/schedules/facilities/", {"run": "1"})
    run = ScheduleRun.objects.get(schedule=schedule)
    assert run.status == ScheduleRun.Status.FAILED

    shown = client.get("/import/schedules/facilities/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "実行履歴" in shown and "失敗" in shown and "エラー一覧（CSV）" in shown
    report = client.get(f"/import/schedules/facilities/runs/{run.pk}/errors.csv")
    assert report.status_code == 200 and "たくさん" in report.content.decode("utf-8-sig")


def test_a_refused_source_is_a_form_error_not_a_server_error(ward, export_server):
    client = client_for(ward["editor"])
    answer = client.post(
        "/import/schedules/facilities/",
        {"kind": "url", "url": "http://10.0.0.1/x.csv", "cadence": "daily", "at": "02:00", "mode": "replace"},
    )
    assert answer.status_code == 200 and "KAIDAN_IMPORT_URL_HOSTS" in answer.content.decode()
    assert not ImportSchedule.objects.exists()


def test_a_viewer_has_no_schedule_page_and_no_link(ward):
    client = client_for(ward["viewer"])
    assert b"/import/schedules/" not in client.get("/datasets/facilities/").content
    assert client.get("/import/schedules/facilities/").status_code == 403
    assert client.post("/import/schedules/facilities/", {"run": "1"}).status_code == 403


def test_another_departments_staff_cannot_tell_the_dataset_exists(ward, make_org, make_user):
    stranger = make_user("bosai.editor", make_org("bosai"), "editor")
    ward["dataset"].classification = "limited"
    ward["dataset"].save()
    assert client_for(stranger).get("/import/schedules/facilities/").status_code == 404
