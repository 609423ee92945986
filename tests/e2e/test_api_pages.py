"""The API tokens page, a dataset's webhooks page (with its delivery log) and the interactive API reference
in a real browser: a manager creates a token and sees its secret once; axe passes; 1280 and 375 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.api.conftest import CSV, LEVELS, import_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(
    os.environ.get("KAIDAN_SCREENSHOTS") or Path(os.environ.get("KAIDAN_DATA_DIR", "var")) / "screenshots"
)


@pytest.fixture
def ward(make_org, make_user, tmp_path):
    owner = make_org("hokenfukushi", name="保健福祉課")
    make_user("fukushi.manager", owner, role="manager")
    return import_csv(tmp_path, "meibo", owner, CSV, **LEVELS)


def test_a_manager_creates_a_token_and_a_webhook_on_accessible_pages(page, ward, login, assert_accessible):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    login(page, "fukushi.manager")
    page.goto("/integrations/tokens/")
    assert page.get_by_role("heading", level=1).inner_text() == "API トークン"
    page.select_option("#id_organization", label="保健福祉課")
    page.fill("#id_name", "住基連携システム")
    page.select_option("#id_clearance", "limited")
    with page.expect_navigation():
        page.get_by_role("button", name="トークンを作成する").click()
    secret = page.locator("#secret").inner_text()
    assert secret.startswith("kaidan_")
    assert_accessible(page)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SCREENSHOTS / f"api-tokens-{width}.png"), full_page=True)
    page.reload()
    assert secret not in page.content()  # shown once

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/integrations/webhooks/meibo/")
    page.fill("#id_url", "https://example.org/kaidan-hook")
    page.select_option("#id_organization", label="保健福祉課")
    with page.expect_navigation():
        page.get_by_role("button", name="Webhook を追加する").click()
    assert "https://example.org/kaidan-hook" in page.content()
    assert_accessible(page)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SCREENSHOTS / f"api-webhooks-{width}.png"), full_page=True)


def test_the_interactive_api_reference_loads_from_vendored_files(page, ward, login):
    login(page, "fukushi.manager")
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 8
    page.screenshot(path=str(SCREENSHOTS / "api-docs-1280.png"))
