"""The no-writing counter (書かない窓口): prefill from a record the clerk may read, the resident's check
screen, submission on their behalf — audited as made at the counter, naming the clerk and the record."""

from __future__ import annotations

import pytest
from django.test import Client

from kaidan.access.services import SYSTEM
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.procedures.models import Channel, Submission

pytestmark = pytest.mark.django_db

RESIDENTS = (
    "番号,氏名,フリガナ,電話番号,郵便番号,住所\n"
    "1,世田 花子,セタ ハナコ,03-5432-1111,154-0001,世田谷区池尻二丁目1番5号\n"
    "2,池尻 太郎,イケジリ タロウ,090-1234-5678,154-0004,世田谷区太子堂四丁目22番3号\n"
)


@pytest.fixture
def register(ward, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_text(RESIDENTS, encoding="utf-8")
    plan, _ = plan_import(
        path,
        dataset="jumin",
        organization=ward["org"].code,
        title="住民の記録",
        classification="restricted",
        restriction_reason="personal",
    )
    run_import(plan, actor=SYSTEM)
    return Dataset.objects.get(name="jumin")


def test_a_clerk_prefills_from_a_record_the_resident_checks_and_the_clerk_submits(ward, register):
    procedure = ward["procedure"]
    clerk = Client()
    clerk.force_login(ward["editor"])
    base = f"/procedures/manage/{procedure.slug}/counter/"
    found = clerk.get(base, {"dataset": "jumin", "q": "池尻"}).content.decode()
    assert "池尻 太郎" in found
    started = clerk.post(base + "start", {"dataset": "jumin", "row": "2"})
    assert started.status_code == 302
    form = clerk.get(started["Location"]).content.decode()
    assert 'value="池尻 太郎"' in form and 'value="090-1234-5678"' in form and 'value="154-0004"' in form
    assert 'value="イケジリ タロウ"' in form
    data = {
        "name": "池尻 太郎",
        "kana": "イケジリ タロウ",
        "phone": "090-1234-5678",
        "address__postal": "154-0004",
        "address": "世田谷区太子堂四丁目22番3号",
        "day": "令和8年12月10日",
        "item": "自転車",
        "count": "1",
        "agree": "on",
    }
    checked = clerk.post(started["Location"], data)
    assert checked.status_code == 302 and checked["Location"].endswith("/check")
    screen = clerk.get(checked["Location"]).content.decode()
    assert "池尻 太郎" in screen and "2026-12-10" in screen and "住民の記録" in screen
    refused = clerk.post(checked["Location"], {})
    assert (
        refused.status_code == 200 and Submission.objects.count() == 0
    )  # the resident has not confirmed yet
    done = clerk.post(checked["Location"], {"confirmed": "yes"})
    assert done.status_code == 302
    submission = Submission.objects.get()
    assert submission.channel == Channel.COUNTER and submission.answers["name"] == "池尻 太郎"
    entry = AuditEntry.objects.get(action="procedures.submission.counter")
    assert entry.actor_label == "gomi.editor"
    assert entry.detail["records"] == [
        {"dataset": "jumin", "title": "住民の記録", "row": 2, "fields": ["name", "kana", "phone", "address"]}
    ]
    assert AuditEntry.objects.filter(
        action="store.read_restricted.record", object_id=str(register.pk)
    ).exists()


def test_a_clerk_cannot_prefill_from_data_they_may_not_read(ward, register):
    procedure = ward["procedure"]
    from kaidan.sharing.services import grant_access

    grant_access(
        Dataset.objects.get(pk=procedure.dataset_id),
        actor=SYSTEM,
        organization=ward["partner_org"],
        permission="edit",
        clearance="restricted",
    )
    partner = Client()
    partner.force_login(ward["partner"])  # may process the cases, may not read 住民の記録
    base = f"/procedures/manage/{procedure.slug}/counter/"
    assert "住民の記録" not in partner.get(base).content.decode()
    assert partner.post(base + "start", {"dataset": "jumin", "row": "2"}).status_code == 404
    outsider = Client()
    outsider.force_login(ward["other"])
    assert outsider.get(base).status_code == 404


def test_a_counter_draft_opens_only_for_its_clerk(ward, register):
    procedure = ward["procedure"]
    clerk = Client()
    clerk.force_login(ward["editor"])
    started = clerk.post(
        f"/procedures/manage/{procedure.slug}/counter/start", {"dataset": "jumin", "row": "1"}
    )
    other = Client()
    other.force_login(ward["manager"])
    assert other.get(started["Location"]).status_code == 404
    token = started["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert (
        Client().get(f"/procedures/d/{token}/").status_code == 404
    )  # a counter draft never opens on the residents' pages


def pdf_fonts(reader) -> list[dict]:
    """Every font of every page, with its descriptor (a Type0 font's is in its descendant)."""
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for described in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                if "/FontDescriptor" in described:
                    fonts.append(described["/FontDescriptor"].get_object())
    return fonts


def test_the_printed_confirmation_sheet_embeds_a_japanese_font_and_holds_the_prefilled_answers(
    ward, register
):
    import io

    from pypdf import PdfReader

    from kaidan.procedures import sheet

    if not sheet.available():
        pytest.skip("no Japanese font on this machine (apt-get install fonts-noto-cjk)")
    procedure = ward["procedure"]
    clerk = Client()
    clerk.force_login(ward["editor"])
    started = clerk.post(
        f"/procedures/manage/{procedure.slug}/counter/start", {"dataset": "jumin", "row": "1"}
    )
    form = started["Location"]
    extra = {"day": "R8.12.10", "item": "たんす", "count": "２", "agree": "on"}
    prefilled = {
        "name": "世田 花子",
        "kana": "セタ ハナコ",
        "phone": "03-5432-1111",
        "address__postal": "154-0001",
        "address": "世田谷区池尻二丁目1番5号",
    }
    assert clerk.post(form, {**prefilled, **extra}).status_code == 302
    check = clerk.get(form + "check").content.decode()
    assert "sheet.pdf" in check  # the check screen offers the sheet
    response = clerk.get(form + "sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    descriptors = pdf_fonts(reader)
    assert descriptors and all("/FontFile2" in d or "/FontFile3" in d for d in descriptors), (
        "every font is embedded"
    )
    # pypdf reads the font's two-byte codes one byte at a time (NULs between characters); viewers do not
    text = "".join("".join(page.extract_text().replace("\x00", "").split()) for page in reader.pages)
    for label in ("粗大ごみ収集の申込み", "氏名", "フリガナ", "電話番号", "収集先の住所", "希望日", "署名"):
        assert label in text, label
    for value in (
        "世田花子",
        "セタハナコ",
        "03-5432-1111",
        "〒154-0001",
        "世田谷区池尻二丁目1番5号",
        "令和8年12月10日",
    ):
        assert value in text, value
    assert Submission.objects.count() == 0  # printing sends nothing
    # only the clerk of the draft gets it
    other = Client()
    other.force_login(ward["manager"])
    assert other.get(form + "sheet.pdf").status_code == 404
    assert Client().get(form + "sheet.pdf").status_code == 302  # to the login page
