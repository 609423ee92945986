"""Share links in a real browser: the sharer creates and revokes a link, the recipient (on a 375 px phone)
gets a one-time code through a real SMTP server and opens the view — every page passes axe."""

from __future__ import annotations

import pytest

from tests.links.conftest import SECRET_INCOME, _storage, code_from, ward  # noqa: F401

pytestmark = pytest.mark.e2e


def test_a_link_is_created_opened_with_a_mailed_code_and_revoked(
    page,
    browser,
    live_server,
    login,
    assert_accessible,
    ward,  # noqa: F811 — imported from tests/links/conftest.py
    smtp_server,
    settings,
):
    settings.BASE_URL = live_server.url
    login(page, "sato")
    page.goto(f"/datasets/{ward['dataset'].name}/")
    with page.expect_navigation():
        page.get_by_role("link", name="リンクで共有").click()
    page.get_by_label("受信者の氏名").fill("山田 一郎")
    page.get_by_label("受信者のメールアドレス").fill("yamada@partner.example.jp")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="リンクを作成").click()

    assert page.locator("h1").inner_text() == "共有リンクを作成しました"
    url = page.locator("#share-url").input_value()
    assert url.startswith(f"{live_server.url}/share/")
    assert_accessible(page)

    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, locale="ja-JP"
    )
    recipient = phone.new_page()
    recipient.goto(url)
    assert "y***@partner.example.jp" in recipient.content()
    assert_accessible(recipient)
    with recipient.expect_navigation():
        recipient.get_by_role("button", name="確認コードを送信").click()
    assert recipient.get_by_role("status").is_visible()
    assert_accessible(recipient)

    code = code_from(smtp_server.messages[-1])
    recipient.get_by_role("textbox", name="確認コード").fill("000000" if code != "000000" else "111111")
    with recipient.expect_navigation():
        recipient.get_by_role("button", name="開く").click()
    assert recipient.get_by_role("alert").is_visible()
    assert_accessible(recipient)

    recipient.get_by_role("textbox", name="確認コード").fill(code)
    with recipient.expect_navigation():
        recipient.get_by_role("button", name="開く").click()
    assert recipient.get_by_role("cell", name="池尻小学校").is_visible()
    assert SECRET_INCOME not in recipient.content()
    assert_accessible(recipient)

    page.goto("/share/mine/")
    page.locator("summary").first.click()
    assert page.get_by_role("cell", name="閲覧").first.is_visible()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="取り消す").first.click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="リンクを取り消す").click()
    assert page.get_by_text("取り消し済み").first.is_visible()

    recipient.reload()
    assert recipient.locator("h1").inner_text() == "このリンクは取り消されました"
    assert "池尻小学校" not in recipient.content()
    assert_accessible(recipient)
    phone.close()
