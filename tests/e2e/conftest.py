"""Real-browser fixtures (Playwright sync API + Debian's chromium) for every feature's e2e tests.

- `browser` (module, autouse): one chromium per test module (see its docstring for why not per session).
- `page`: a fresh context (cookies, language) per test, 1280×800, base URL = the live server; the test
  fails if the Content-Security-Policy blocked anything on its pages (kaidan/core/csp.py).
- `login(page, username, password=...)`: log in through the login form (users from `make_user` have
  the password "correct-horse-battery").
- `assert_accessible(page)`: run axe-core on the current page; fail listing every violation.

Tests here must be marked `@pytest.mark.e2e`; all are skipped when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a thread
# with a running loop unless told it is fine (the test and the live server use separate connections).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing (apt-get install chromium) — browser tests skipped"
    )
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module", autouse=True)
def browser() -> Iterator[Any]:
    """One chromium per test module, started before the module's other fixtures.

    Playwright's sync API marks its event loop as running in the test thread while it is open, and that
    mark decides which database connection Django's thread-critical storage hands out: started before any
    database fixture, every fixture and test of the module uses the same connection (and transaction);
    stopped when the module ends, the tests of other modules that an xdist worker runs next see no loop
    (Django's async_to_sync, e.g. the test client calling an async view, refuses to run inside one)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="ja-JP"
    )
    context.set_default_timeout(10_000)
    # a navigation renders a page on the live server, which shares two cores with the other test worker
    context.set_default_navigation_timeout(30_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()
    assert not blocked, "the Content-Security-Policy blocked something:\n" + "\n".join(blocked)


@pytest.fixture
def screenshots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Where a test keeps its screenshots, one folder per test file: under KAIDAN_SCREENSHOTS when set (the
    README's test command sets it to test-results/screenshots/<database>/, kept after the run), else in
    the test's own tmp dir."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    folder = Path(os.environ.get("KAIDAN_SCREENSHOTS") or tmp_path) / module
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def login() -> Callable[..., None]:
    def do_login(page: Any, username: str, password: str = DEFAULT_PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main button[type=submit]")

    return do_login


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def assert_accessible() -> Callable[[Any], None]:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page: Any) -> None:
        violations = axe.run(page).response["violations"]
        assert not violations, f"axe found accessibility violations on {page.url}:\n" + format_violations(
            violations
        )

    return check
