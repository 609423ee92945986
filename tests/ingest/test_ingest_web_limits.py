"""Upload limits in the browser: a refusal is a form error in Japanese and English that names the
uploaded file — never a bare 400, a traceback or a path on the server."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaidan.ingest.models import ImportJob
from tests.import_forms import plan_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_run_at_once(immediate_tasks):
    """Run enqueued imports at once (tests/conftest.py)."""


@pytest.fixture
def editor(client, make_org, make_user):
    org = make_org("hokenfukushi")
    user = make_user("editor", org, "editor")
    client.force_login(user)
    return user


def upload(client, name: str, content: bytes):
    from kaidan.accounts.models import Organization

    org = Organization.objects.get(code="hokenfukushi").pk  # the editor's own (the form's default)
    data = {"mode": "create", "dataset": "shelters", "title": "避難所", "organization": org}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(reverse("ingest:upload"), data)


def assert_no_server_path(html: str) -> None:
    assert str(django_settings.DATA_DIR) not in html
    assert "/uploads/" not in html and "source." not in html


def test_a_file_above_the_upload_limit_is_refused_with_a_form_error(client, editor, settings):
    settings.MAX_UPLOAD_SIZE = 1000

    response = upload(client, "大きい.csv", b"a,b\n" + b"1,2\n" * 500)

    html = response.content.decode()
    assert response.status_code == 200
    assert "大きすぎます" in html and "too large" in html
    assert not ImportJob.objects.exists()


def test_a_request_far_above_the_limit_is_refused_before_it_is_read(client, editor, settings):
    settings.MAX_UPLOAD_SIZE = 1000

    response = upload(client, "巨大.csv", b"a,b\n" + b"1,2\n" * 600_000)

    html = response.content.decode()
    assert response.status_code == 413
    assert "大きすぎます" in html and "too large" in html
    assert not ImportJob.objects.exists()


def test_a_csv_with_ten_thousand_columns_gets_a_form_error_naming_the_file(client, editor):
    header = ",".join(f"c{i}" for i in range(10_000))
    response = upload(client, "横長.csv", f"{header}\n{','.join('1' * 10_000)}\n".encode())

    html = response.content.decode()
    assert response.status_code == 200
    assert "横長.csv" in html and "上限" in html and "columns" in html
    assert_no_server_path(html)


def test_a_file_with_hundreds_of_columns_below_the_limit_can_be_planned_and_imported(client, editor):
    from kaidan.accounts.models import Organization

    header = ",".join(f"c{i}" for i in range(300))
    data = {
        "mode": "create",
        "dataset": "wide",
        "title": "横長",
        "organization": Organization.objects.get(code="hokenfukushi").pk,
        "file": SimpleUploadedFile("横長.csv", f"{header}\n{','.join('1' * 300)}\n".encode()),
    }
    assert client.post(reverse("ingest:upload"), data).status_code == 302
    job = ImportJob.objects.get()

    response = client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job))

    assert response.status_code == 302  # 1,500 fields: no bare 400 from Django's field limit
    job.refresh_from_db()
    assert job.status == "done", job.error


def test_deeply_nested_json_gets_a_form_error_naming_the_file_and_no_server_path(client, editor):
    response = upload(client, "入れ子.json", b"[" * 100_000 + b"]" * 100_000)

    html = response.content.decode()
    assert response.status_code == 200
    assert "入れ子.json" in html and "入れ子が深すぎます" in html and "nested too deeply" in html
    assert_no_server_path(html)


def test_a_file_that_cannot_be_read_is_named_by_its_own_name_only(client, editor):
    response = upload(client, "壊れた.xlsx", b"PK\x03\x04 not really a workbook")

    html = response.content.decode()
    assert response.status_code == 200
    assert "壊れた.xlsx" in html
    assert_no_server_path(html)
