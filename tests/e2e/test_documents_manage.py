"""A manager edits, marks undecided and deletes a document on a 375 px phone; axe checks every page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

pytestmark = pytest.mark.e2e

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture
def document(settings, tmp_path, make_org, make_user):
    from kaidan.access.levels import Level
    from kaidan.documents import services

    settings.MEDIA_ROOT = tmp_path / "media"
    owner = make_org("fukushi", name="福祉課")
    editor = make_user("editor", owner, "editor")
    make_user("kanrisha", owner, "manager", display_name="福祉 花子")
    return services.upload_document(
        actor=editor,
        owner=owner,
        title="介護保険事業計画（第9期）の策定に関する検討資料とりまとめ",
        file=SimpleUploadedFile("介護保険事業計画_検討資料_2025年度版.pdf", PDF),
        classification=Level.INTERNAL,
        description="第9期計画の策定に向けた検討資料です。",
    )


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def test_a_manager_edits_and_deletes_a_document_on_a_phone(page, document, login, assert_accessible):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, "kanrisha")

    page.goto(f"/documents/{document.pk}/")
    assert page.locator("h1").inner_text().startswith("介護保険事業計画")
    actions = page.get_by_role("list", name="文書の操作")
    assert actions.get_by_role("link", name="内容と区分の変更").is_visible()
    _no_horizontal_scroll(page)
    assert_accessible(page)

    with page.expect_navigation():
        actions.get_by_role("link", name="内容と区分の変更").click()
    assert page.url.endswith(f"/documents/{document.pk}/edit/")
    _no_horizontal_scroll(page)
    assert_accessible(page)

    page.select_option("#id_classification", "restricted")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    summary = page.get_by_role("alert")
    assert "Restricted (秘) information needs a recorded reason." in summary.inner_text()
    assert page.locator("#id_restriction_reason").get_attribute("aria-describedby") == (
        "id_restriction_reason_errors"
    )
    assert_accessible(page)  # the form with its errors

    release = timezone.localdate() + datetime.timedelta(days=20)
    page.select_option("#id_restriction_reason", "undecided")
    page.get_by_label("未決定").check()
    page.fill("#id_planned_release", release.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert page.url.endswith(f"/documents/{document.pk}/")
    assert page.get_by_text(f"{release.year}年{release.month}月{release.day}日 まで未決定").first.is_visible()
    _no_horizontal_scroll(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("list", name="文書の操作").get_by_role("link", name="削除").click()
    assert page.url.endswith(f"/documents/{document.pk}/delete/")
    _no_horizontal_scroll(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="文書を削除").click()
    assert page.url.endswith("/documents/")
    assert re.search("を削除しました", page.content())
    assert page.get_by_role("link", name=re.compile("介護保険事業計画")).count() == 0
    _no_horizontal_scroll(page)
    assert_accessible(page)

    response = page.goto(f"/documents/{document.pk}/")
    assert response is not None and response.status == 404


def test_the_filtered_list_is_accessible_on_a_phone(page, document, login, assert_accessible):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, "kanrisha")

    page.goto("/documents/")
    page.select_option("#filter-classification", "internal")
    with page.expect_navigation():
        page.get_by_role("button", name="絞り込み").click()
    assert "classification=internal" in page.url
    assert page.get_by_role("link", name=re.compile("介護保険事業計画")).is_visible()
    _no_horizontal_scroll(page)
    assert_accessible(page)
