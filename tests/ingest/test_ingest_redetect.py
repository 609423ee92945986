"""Reading the uploaded file again from the plan page (other header rows, sheet or encoding), no re-upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaidan.ingest.models import ImportJob
from tests.import_forms import plan_post

pytestmark = pytest.mark.django_db
REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


def kana_pairs_readable_as_euc_jp() -> str:
    """Half-width katakana whose CP932 bytes (0xA1–0xDF) also decode, two by two, as EUC-JP kanji."""
    kana = [chr(c) for c in range(0xFF71, 0xFF9E)]
    good = [a + b for a in kana for b in kana if _euc_ok((a + b).encode("cp932"))]
    return "".join(good[:3])


def _euc_ok(data: bytes) -> bool:
    try:
        data.decode("euc_jp")
    except UnicodeDecodeError:
        return False
    return True


@pytest.fixture
def editor(client, make_org, make_user):
    org = make_org("hokenfukushi")
    user = make_user("editor", org, "editor")
    client.force_login(user)
    return user


def upload(client, name: str, content: bytes, **fields) -> ImportJob:
    from kaidan.accounts.models import Organization

    org = Organization.objects.get(code="hokenfukushi").pk  # the editor's own (the form's default)
    data = {"mode": "create", "dataset": "redetect", "title": "", "organization": org, **fields}
    data["file"] = SimpleUploadedFile(name, content)
    response = client.post(reverse("ingest:upload"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get()


def test_a_two_row_header_read_as_one_row_is_fixed_on_the_plan_page(client, editor):
    path = REAL / "takamatsu" / "Well-Being-results_0112.xlsx"
    job = upload(client, path.name, path.read_bytes(), header_rows="1")
    assert "属性_性別" not in [c["source"] for c in job.plan["columns"]]

    page = client.get(reverse("ingest:plan", args=[job.pk])).content.decode()
    assert 'name="redetect-header_rows"' in page and 'name="redetect-sheet"' in page
    assert 'name="redetect-encoding"' not in page  # a spreadsheet has no text encoding

    # the user had already set the dataset options before noticing the header
    data = plan_post(job, classification="limited", message="2024年度調査")
    data |= {"redetect": "1", "redetect-sheet": job.summary["sheet"], "redetect-header_rows": "1,2"}
    response = client.post(reverse("ingest:plan", args=[job.pk]), data, follow=True)

    job.refresh_from_db()
    sources = [c["source"] for c in job.plan["columns"]]
    assert "属性_性別" in sources and "属性_年代" in sources
    assert job.plan["header_rows"] == [0, 1]
    assert job.summary["header_rows"] == [1, 2]
    assert job.summary["data_rows"] == 100
    assert (job.plan["classification"], job.plan["message"]) == ("limited", "2024年度調査")
    html = response.content.decode()
    assert "属性_年代" in html and 'role="status"' in html
    assert "代" in html  # the evidence of the new columns is shown (unit of 属性_年代)


def test_a_cp932_file_forced_to_a_wrong_encoding_is_read_again_correctly(client, editor):
    kana = kana_pairs_readable_as_euc_jp()
    text = f"id,name\r\n1,{kana}\r\n2,{kana}\r\n"
    content = text.encode("cp932")
    try:
        content.decode("euc_jp")
    except UnicodeDecodeError:
        pytest.fail("the test file must be readable (wrongly) as EUC-JP")
    job = upload(client, "施設.csv", content, encoding="euc_jp")
    assert job.plan["encoding"] == "euc_jp"
    assert kana not in str(job.summary["preview"])  # mojibake

    # a wrong guess that cannot even read the file is reported, and the plan stays as it was
    bad = plan_post(job) | {"redetect": "1", "redetect-encoding": "utf-8", "redetect-header_rows": ""}
    response = client.post(reverse("ingest:plan", args=[job.pk]), bad)
    assert response.status_code == 200
    assert "utf-8" in response.content.decode() and 'role="alert"' in response.content.decode()
    job.refresh_from_db()
    assert job.plan["encoding"] == "euc_jp"

    good = plan_post(job, c1_label="施設名", c1_classification="limited")
    good |= {"redetect": "1", "redetect-encoding": "cp932", "redetect-header_rows": ""}
    response = client.post(reverse("ingest:plan", args=[job.pk]), good, follow=True)
    job.refresh_from_db()
    assert job.plan["encoding"] == "cp932"
    assert [c["source"] for c in job.plan["columns"]] == ["id", "name"]
    # the same columns keep what the user typed before re-reading
    assert (job.plan["columns"][1]["label"], job.plan["columns"][1]["classification"]) == (
        "施設名",
        "limited",
    )
    assert job.summary["preview"][0] == ["1", kana]
    assert kana in response.content.decode()
    assert job.status == ImportJob.Status.PLANNED  # nothing imported yet


def test_a_type_the_user_changed_survives_a_redetect_but_a_guess_is_renewed(client, editor):
    content = "番号,名称,定員\n1,池尻,300\n2,太子堂,200\n".encode("cp932")
    job = upload(client, "a.csv", content)
    types = {c["source"]: c["type"] for c in job.plan["columns"]}
    assert types["定員"] == "integer"
    data = plan_post(job, c2_type="text") | {"redetect": "1", "redetect-encoding": "cp932"}
    client.post(reverse("ingest:plan", args=[job.pk]), data)
    job.refresh_from_db()
    types = {c["source"]: c["type"] for c in job.plan["columns"]}
    assert types["定員"] == "text" and types["番号"] == "integer"


def test_the_plan_page_counts_rows_with_thousands_separators(client, editor):
    rows = "".join(f"{i},区民センター{i % 7}\n" for i in range(1, 12_346))
    job = upload(client, "large.csv", ("番号,施設名\n" + rows).encode("cp932"))
    page = client.get(reverse("ingest:plan", args=[job.pk])).content.decode()
    assert "<dd>12,345</dd>" in page
