"""The browser flow: upload → check the plan → import in the background → dataset page and exports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaidan.catalog.models import Dataset
from kaidan.ingest.models import ImportJob
from tests.import_forms import plan_post

pytestmark = pytest.mark.django_db

CSV = '番号,名称,地区,電話,定員\n1,池尻小学校,池尻,03-1111-2222,300\n2,太子堂中学校,太子堂,03-3333-4444,"1,200"\n'


@pytest.fixture(autouse=True)
def _tasks_run_at_once(immediate_tasks):
    """Run enqueued imports at once (tests/conftest.py)."""


@pytest.fixture
def editor(client, make_org, make_user):
    org = make_org("hokenfukushi")
    user = make_user("editor", org, "editor")
    client.force_login(user)
    return user


def upload(client, text: str = CSV, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kaidan.accounts.models import Organization

    org = Organization.objects.get(code="hokenfukushi").pk  # the editor's own (the form's default)
    data = {"mode": "create", "dataset": "shelters", "title": "避難所", "organization": org, **fields}
    data["file"] = SimpleUploadedFile("避難所.csv", text.encode("cp932"), content_type="text/csv")
    return client.post(reverse("ingest:upload"), data)


def test_upload_shows_the_detected_plan_then_imports(client, editor):
    from kaidan.accounts.models import Organization

    org = Organization.objects.get(code="hokenfukushi")
    response = upload(client, organization=org.pk)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("ingest:plan", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "cp932" in page and "池尻小学校" in page and "整数" in page
    response = client.post(
        reverse("ingest:plan", args=[job.pk]), plan_post(job, c3_classification="restricted")
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done", job.error
    dataset = Dataset.objects.get(name="shelters")
    assert dataset.row_count == 2 and dataset.owner == org
    progress = client.get(reverse("ingest:progress", args=[job.pk])).content.decode()
    assert reverse("catalog:dataset", args=["shelters"]) in progress
    page = client.get(reverse("catalog:dataset", args=["shelters"])).content.decode()
    assert "太子堂中学校" in page and "1200" in page and "03-1111-2222" in page


def test_values_that_cannot_be_read_stop_the_import_with_a_downloadable_list(client, editor):
    from kaidan.accounts.models import Organization

    rows = "".join(f"{n},施設{n},池尻,03-0000-0000,{n}\n" for n in range(3, 40))
    upload(
        client,
        text=CSV + rows + "99,壊れ,池尻,03-0000-0000,多数\n",
        organization=Organization.objects.get(code="hokenfukushi").pk,
    )
    job = ImportJob.objects.get()
    client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job))
    job.refresh_from_db()
    assert job.status == "failed" and "1行" in job.error
    report = client.get(reverse("ingest:report", args=[job.pk]))
    text = b"".join(report.streaming_content if report.streaming else [report.content]).decode("utf-8-sig")
    assert "避難所.csv,,41,定員,多数" in text
    assert not Dataset.objects.filter(name="shelters").exists()


def test_restricted_columns_are_hidden_from_other_staff_and_exports(client, editor, make_org, make_user):
    from kaidan.accounts.models import Organization

    upload(client, organization=Organization.objects.get(code="hokenfukushi").pk)
    job = ImportJob.objects.get()
    client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job, c3_classification="restricted"))
    other = make_user("bosai", make_org("bosai"), "manager")
    client.force_login(other)
    page = client.get(reverse("catalog:dataset", args=["shelters"])).content.decode()
    assert "池尻小学校" in page and "03-1111-2222" not in page
    for fmt in ("csv", "csv-sjis", "json", "xlsx", "parquet"):
        response = client.get(reverse("catalog:export", args=["shelters"]) + f"?format={fmt}")
        body = b"".join(response.streaming_content)
        assert response.status_code == 200
        assert b"03-1111-2222" not in body
        assert "03-1111-2222".encode("cp932") not in body


def test_datasets_above_the_clearance_do_not_exist_for_the_viewer(client, editor):
    from kaidan.accounts.models import Organization

    upload(client, organization=Organization.objects.get(code="hokenfukushi").pk)
    job = ImportJob.objects.get()
    client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job, classification="limited"))
    client.logout()
    assert client.get(reverse("catalog:dataset", args=["shelters"])).status_code == 404
    assert client.get(reverse("catalog:export", args=["shelters"])).status_code == 404
    assert "避難所" not in client.get(reverse("catalog:catalog")).content.decode()


def test_an_export_of_a_revision_that_does_not_exist_is_refused(client, editor, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from kaidan.accounts.models import Organization

    upload(client, organization=Organization.objects.get(code="hokenfukushi").pk)
    job = ImportJob.objects.get()
    client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job))
    response = client.get(reverse("catalog:export", args=["shelters"]) + "?revision=7")
    assert response.status_code == 400 and "no revision 7" in response.content.decode()
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="no revision 7"):
        call_command("export", "shelters", "--revision", "7", "-o", str(out))
    assert list(tmp_path.iterdir()) == []
    call_command("export", "shelters", "--revision", "1", "-o", str(out))
    assert "池尻小学校" in out.read_text(encoding="utf-8-sig")
