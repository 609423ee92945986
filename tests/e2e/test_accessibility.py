"""Logging in, switching languages, and an axe scan (WCAG 2.1 AA) of every foundation page."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

pytestmark = pytest.mark.e2e

LOCKED_USERNAME = "locked"


@pytest.fixture
def staff(make_org, make_user):
    return make_user("tanaka", make_org("bosai", name="防災課"), role="editor", display_name="防災 太郎")


def test_staff_log_in_and_switch_to_english_and_back(page, staff, login, assert_accessible):
    login(page, "tanaka")

    assert page.url.endswith("/staff/")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").inner_text() == "ようこそ、防災 太郎さん"
    assert page.get_by_role("cell", name="防災課").is_visible()
    assert page.get_by_role("cell", name="編集者").is_visible()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.url.endswith("/staff/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Welcome, 防災 太郎"
    assert page.get_by_role("cell", name="Editor").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="日本語").click()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("button", name="ログアウト").is_visible()


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/password-reset/"])
def test_public_pages_are_accessible_in_both_languages(page, path, assert_accessible, db):
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)


def test_login_errors_are_accessible(page, staff, login, assert_accessible):
    login(page, "tanaka", "wrong-password")

    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)


def test_the_two_factor_setup_page_is_accessible(page, make_user, login, assert_accessible):
    make_user("kanri", is_superuser=True, is_staff=True)
    login(page, "kanri")

    assert page.url.endswith("/accounts/two-factor/")
    assert page.locator("svg").first.is_visible()
    assert_accessible(page)
    page.fill("input[name=token]", "000000")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert_accessible(page)


def test_the_locked_out_page_is_accessible(page, make_user, live_server, assert_accessible):
    make_user(LOCKED_USERNAME)
    AccessAttempt.objects.create(
        username=LOCKED_USERNAME,
        ip_address="127.0.0.1",
        user_agent="",
        http_accept="",
        path_info="/accounts/login/",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )
    page.goto("/accounts/login/")
    page.fill("#id_username", LOCKED_USERNAME)
    page.fill("#id_password", "correct-horse-battery")
    with page.expect_navigation():
        page.click("main button[type=submit]")

    assert page.locator("h1").inner_text() == "ログインの試行回数が上限に達しました"
    assert_accessible(page)


@pytest.mark.parametrize("who", ["public", "staff"])
def test_a_375px_wide_phone_needs_no_horizontal_scrolling(browser, live_server, staff, who, login):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, locale="ja-JP"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        if who == "staff":
            login(page, "tanaka")
        else:
            page.goto("/")
        for language in ("ja", "en"):
            if language == "en":
                with page.expect_navigation():
                    page.get_by_role("button", name="English").click()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{who} home ({language}) is {width}px wide"
    finally:
        context.close()


def test_the_skip_link_comes_first_and_moves_focus_to_main(page, db):
    page.goto("/")

    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.get_attribute("href") == "#main"
    assert skip.inner_text() == "本文へ移動"
    assert skip.is_visible()  # visible when focused

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert re.search(r"#main$", page.url)


def test_the_code_step_and_the_reset_mail_sent_page_are_accessible(
    page, staff, login, assert_accessible, settings
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    login(page, "tanaka")
    assert page.url.endswith("/accounts/login/verify/")
    assert_accessible(page)

    page.goto("/accounts/password-reset/")
    page.fill("input[name=email]", "tanaka@example.jp")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url.endswith("/accounts/password-reset/sent/")
    assert_accessible(page)


def test_assert_accessible_reports_violations_with_rule_and_target(page, assert_accessible, db):
    """The fixture itself: styles are served, and a real violation is reported readably."""
    page.goto("/")
    background = page.evaluate("getComputedStyle(document.querySelector('main button')).backgroundColor")
    # the Digital Agency's blue-900: design-tokens/tokens.css and kaidan.css are loaded, so contrast is checked
    assert background == "rgb(0, 23, 193)"

    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x.png>')")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "image-alt (critical)" in str(failure.value)
    assert "img" in str(failure.value)


def test_the_new_password_form_and_its_errors_are_accessible(page, staff, assert_accessible):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(staff.pk))
    page.goto(f"/accounts/reset/{uid}/{default_token_generator.make_token(staff)}/")
    assert page.locator("input[name=new_password1]").is_visible()
    assert_accessible(page)

    page.fill("input[name=new_password1]", "abc")
    page.fill("input[name=new_password2]", "abc")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator(".errorlist").first.is_visible()
    assert_accessible(page)


IMPORT_CSV = "番号,名称,地区,定員\n1,池尻小学校,池尻,300\n2,太子堂中学校,太子堂,1200\n"


def test_the_import_catalog_and_document_pages_are_accessible(
    page, staff, login, assert_accessible, immediate_tasks, tmp_path
):
    from kaidan.accounts.models import Organization

    csv = tmp_path / "避難所.csv"
    csv.write_bytes(IMPORT_CSV.encode("utf-8"))
    login(page, "tanaka")

    page.goto("/import/")
    assert_accessible(page)
    page.set_input_files("input[name=file]", str(csv))
    page.select_option("select[name=mode]", "create")
    page.fill("input[name=dataset]", "shelters")
    page.fill("input[name=title]", "避難所")
    page.select_option("select[name=organization]", str(Organization.objects.get(code="bosai").pk))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/import/" in page.url and "池尻小学校" in page.content()
    assert_accessible(page)  # the plan page

    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^(取り込む|取込|Import)$")).click()
    assert page.get_by_role("link", name="データセットを開く").is_visible()
    assert_accessible(page)  # the progress page

    for path in ("/datasets/", "/datasets/shelters/", "/documents/", "/documents/new/"):
        response = page.goto(path)
        assert response is not None and response.ok, path
        assert_accessible(page)
