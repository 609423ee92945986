"""The sharing page, the invitation accept page and the access log in a real browser, checked with axe,
on a desktop and at 375 px."""

from __future__ import annotations

import re

import pytest

from kaidan.access.models import AccessGrant
from kaidan.accounts.models import Organization
from kaidan.sharing.services import grant_access, invite
from tests.sharing.conftest import CLASSES, CSV

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ward(make_org, make_user, tmp_path):
    from kaidan.access.services import SYSTEM
    from kaidan.ingest.services import plan_import, run_import

    fukushi = make_org("hokenfukushi", name="保健福祉政策課")
    shakyo = make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会")
    manager = make_user("fukushi.manager", fukushi, role="manager")
    path = tmp_path / "kaigo.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _ = plan_import(
        path, dataset="kaigo", organization=fukushi.code, title="要介護者名簿", classification="limited"
    )
    for column in plan.columns:
        column.classification = CLASSES[column.label]
    dataset = run_import(plan, actor=SYSTEM).dataset
    return {"manager": manager, "shakyo": shakyo, "dataset": dataset}


def test_a_manager_shares_a_dataset_with_a_partner_on_an_accessible_page(
    page, ward, login, assert_accessible
):
    login(page, "fukushi.manager")
    page.goto("/datasets/kaigo/")
    page.get_by_role("link", name="共有設定").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("共有設定")
    assert_accessible(page)

    page.select_option("#id_organization", label="社会福祉協議会")
    page.select_option("#id_cond1_field", "年齢")
    page.fill("#id_cond1_values", "八十")
    with page.expect_navigation():
        page.get_by_role("button", name="アクセス権を与える").click()
    assert page.get_by_role("alert").first.is_visible()
    assert "「八十」" in page.content()
    assert_accessible(page)

    page.select_option("#id_cond1_field", "地区")
    page.fill("#id_cond1_values", "池尻\n三宿")
    page.select_option("#id_viewer_org_field", "担当")
    with page.expect_navigation():
        page.get_by_role("button", name="アクセス権を与える").click()
    assert AccessGrant.objects.count() == 1
    assert "「地区」が「池尻」、「三宿」のいずれか" in page.content()
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)


def test_the_access_log_page_is_accessible(page, ward, login, assert_accessible):
    grant_access(ward["dataset"], actor=ward["manager"], organization=ward["shakyo"])
    login(page, "fukushi.manager")
    page.goto("/datasets/kaigo/access-log")
    assert (
        page.get_by_role("cell", name="access.grant").or_(page.get_by_text("access.grant")).first.is_visible()
    )
    assert_accessible(page)
    page.select_option("#id_kind", "permission")
    with page.expect_navigation():
        page.get_by_role("button", name="絞り込む").click()
    assert "kind=permission" in page.url
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)


def test_the_invitation_accept_page_is_accessible_and_logs_the_partner_in(
    page, ward, assert_accessible, settings, live_server
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    grant_access(ward["dataset"], actor=ward["manager"], organization=ward["shakyo"])
    invite(actor=ward["manager"], email="sato@shakyo.example.jp", organization=ward["shakyo"])
    link = re.search(r"https?://[^/\s]+(/invitations/accept/\S+/)", mail.outbox[0].body).group(1)

    page.goto(link)
    assert_accessible(page)
    page.fill("#id_username", "sato")
    page.fill("#id_password1", "short")
    page.fill("#id_password2", "short")
    with page.expect_navigation():
        page.get_by_role("button", name="アカウントを作成").click()
    assert page.get_by_role("alert").first.is_visible()
    assert_accessible(page)
    page.fill("#id_password1", "kaidan-partner-staircase-9")
    page.fill("#id_password2", "kaidan-partner-staircase-9")
    with page.expect_navigation():
        page.get_by_role("button", name="アカウントを作成").click()
    assert "社会福祉協議会" in page.content()
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "この招待は使えません"
    assert_accessible(page)
