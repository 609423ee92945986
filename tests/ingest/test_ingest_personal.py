"""The import plan proposes 秘 (reason: personal) for columns that look personal, and shows why.

Before, a roster with 氏名 and 電話番号 imported as 公開 unless the user said otherwise (issue 12, point 8).
The detector is the one publishing uses (kaidan.values.personal); the user may still say otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaidan.access.levels import Level
from kaidan.catalog.models import Dataset
from kaidan.ingest.models import ImportJob
from kaidan.ingest.personal import propose
from kaidan.ingest.services import plan_import
from tests.cli.conftest import kaidan  # noqa: F401 — the command-line runner fixture

ROSTER = Path(__file__).resolve().parent.parent / "fixtures" / "personal" / "roster.csv"
PERSONAL = {"氏名", "フリガナ", "生年月日", "電話番号", "メールアドレス"}


@pytest.fixture
def ward(make_org):
    return {"hokenfukushi": make_org("hokenfukushi", name="保健福祉政策課")}


def proposed(path: Path = ROSTER, **options):
    plan, analysis = plan_import(path, dataset="roster", organization="hokenfukushi", **options)
    propose(plan, analysis)
    return {c.source: c for c in plan.columns}


def test_a_roster_plan_proposes_secret_for_names_phones_mails_and_birth_dates():
    columns = proposed()
    assert {s for s, c in columns.items() if c.classification == Level.RESTRICTED} == PERSONAL
    assert all(columns[s].restriction_reason == "personal" for s in PERSONAL)
    assert columns["地区"].classification == Level.PUBLIC and not columns["地区"].personal_ja
    assert columns["要支援区分"].classification == Level.PUBLIC


def test_the_proposal_says_why_with_examples_partly_hidden():
    phone = proposed()["電話番号"]
    assert "電話番号" in phone.personal_ja and "090-****-5678" in phone.personal_ja
    assert "phone numbers" in phone.personal_en and "proposed 秘" in phone.personal_en.lower()
    assert "090-1234-5678" not in phone.personal_ja + phone.personal_en
    assert "h***@example.jp" in proposed()["メールアドレス"].personal_ja
    assert "生年月日" in proposed()["生年月日"].personal_ja
    assert "氏名" in proposed()["氏名"].personal_ja  # by its name: names cannot be told from values


def test_importing_into_an_existing_dataset_keeps_its_classification(tmp_path):
    columns = proposed(mode="append")
    assert all(c.classification == Level.PUBLIC and not c.personal_ja for c in columns.values())


def test_a_table_without_personal_data_gets_no_proposal(tmp_path):
    path = tmp_path / "shelters.csv"
    path.write_text("施設番号,施設名,地区,収容人数\n1,池尻小学校,池尻,300\n2,太子堂中学校,太子堂,450\n")
    assert all(c.classification == Level.PUBLIC for c in proposed(path).values())


def test_a_facilitys_address_is_not_personal_without_a_persons_name_beside_it(tmp_path):
    """AED lists and 公共施設 carry 住所: the address of a building, published as standard open data."""
    path = tmp_path / "facilities.csv"
    path.write_text("施設名,住所,地区\n池尻区民センター,東京都世田谷区池尻1丁目2−3,池尻\n")
    assert all(c.classification == Level.PUBLIC for c in proposed(path).values())


def test_an_address_beside_a_persons_name_is_proposed_secret(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("氏名,住所\n世田谷太郎,東京都世田谷区池尻1丁目2−3\n")
    columns = proposed(path)
    assert columns["住所"].classification == Level.RESTRICTED


@pytest.mark.django_db
def test_the_command_line_plan_shows_the_proposal_and_imports_secret_columns(kaidan, ward):  # noqa: F811
    code, out, err = kaidan(
        "import", str(ROSTER), "--dataset", "roster", "--org", "hokenfukushi", "--yes", "-v", "0"
    )
    assert code == 0, err
    assert "秘 (personal)" in out and "090-****-5678" in out and "looks personal" in out
    fields = {f.label: f.classification for f in Dataset.objects.get(name="roster").live_fields()}
    assert {label for label, level in fields.items() if level == Level.RESTRICTED} == PERSONAL


@pytest.mark.django_db
def test_the_user_may_say_otherwise_on_the_command_line(kaidan, ward):  # noqa: F811
    code, out, err = kaidan(
        "import", str(ROSTER), "--dataset", "roster", "--org", "hokenfukushi", "--yes", "-v", "0",
        "--column-classification", "電話番号=public",
    )  # fmt: skip
    assert code == 0, err
    fields = {f.label: f.classification for f in Dataset.objects.get(name="roster").live_fields()}
    assert fields["電話番号"] == Level.PUBLIC and fields["氏名"] == Level.RESTRICTED


@pytest.mark.django_db
def test_the_browser_plan_proposes_secret_and_explains(client, ward, make_user):
    client.force_login(make_user("clerk", ward["hokenfukushi"], "editor"))
    upload = SimpleUploadedFile("roster.csv", ROSTER.read_bytes(), content_type="text/csv")
    client.post(
        reverse("ingest:upload"),
        {"mode": "create", "title": "見守り名簿", "organization": ward["hokenfukushi"].pk, "file": upload},
    )
    job = ImportJob.objects.get()
    html = client.get(reverse("ingest:plan", args=[job.pk])).content.decode()
    assert "個人情報に見えます" in html and "090-****-5678" in html
    plan_columns = {c["source"]: c for c in job.plan["columns"]}
    assert plan_columns["電話番号"]["classification"] == Level.RESTRICTED
    assert plan_columns["地区"]["classification"] == Level.PUBLIC
    import re

    selected = re.search(r'name="c4_classification".*?<option value="restricted" selected', html, re.S)
    assert selected, "the classification select of 電話番号 shows 秘 chosen"
