"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Use from a conftest with ``from twotier.testing.browser import *`` (fixtures and the report hook), then
write tests such as::

    pytestmark = [
        pytest.mark.browser,
        pytest.mark.xdist_group("browser"),
        pytest.mark.django_db(transaction=True),
    ]

    def test_home(page, live_server):
        login(page, "clerk")
        axe_check(page)
        screenshot(page, "home")

Chromium is never downloaded (`playwright install` cannot run here): the system one is used, and
browser tests are skipped when it is missing, unless CI=true, where they fail instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Response, ViewportSize

ROOT_DIR = Path(__file__).resolve().parents[3]
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_PATH = ROOT_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOT_DIR = ROOT_DIR / "var" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
DEFAULT_PASSWORD = "Demo@2026!"  # the UserFactory password  # noqa: S105
TIMEOUT_MS = 15_000

__all__ = [
    "browser",
    "console_errors",
    "page",
    "pytest_runtest_makereport",
]


def require_chromium() -> None:
    """Skip the test when Chromium is missing (fail instead when CI=true)."""
    if Path(CHROMIUM_PATH).exists():
        return
    reason = f"Chromium not found at {CHROMIUM_PATH} (install the Debian package `chromium`)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies, Vietnamese locale) whose relative URLs go to the live server.

    A failing test leaves a screenshot behind.
    """
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    new_page.on("console", lambda msg: _console_error(errors, msg))
    new_page.on("response", lambda response: _failed_asset(errors, response))
    new_page.twotier_errors = errors  # type: ignore[attr-defined]
    try:
        yield new_page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            screenshot(new_page, f"FAILED-{request.node.name}")
        context.close()


def _console_error(errors: list[str], message: ConsoleMessage) -> None:
    # A page answered with 403/404 on purpose also logs "Failed to load resource"; failed assets
    # are caught by `_failed_asset` instead, which can tell a page from a stylesheet.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(f"console error: {message.text}")


def _failed_asset(errors: list[str], response: Response) -> None:
    if response.status >= 400 and response.request.resource_type != "document":
        errors.append(f"{response.status} for {response.request.resource_type} {response.url}")


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Errors seen so far: JavaScript exceptions, console errors, assets (not pages) that failed to load."""
    return page.twotier_errors  # type: ignore[attr-defined,no-any-return]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page to var/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def login(page: Page, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Log in through the real login form and wait for the page it leads to."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").click()
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login as {username!r} failed: still on {page.url}")


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    """A readable report of axe violations: rule, impact, help link, and each failing element."""
    lines = [f"axe found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            target = ", ".join(str(t) for t in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more element(s)")
    return "\n".join(lines)


def axe_run(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the current page and return its violations."""
    if not AXE_PATH.exists():
        pytest.fail(f"{AXE_PATH} is missing: run `npm install` in {ROOT_DIR} (or `make node-deps`)", pytrace=False)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_PATH))
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate("async (options) => await window.axe.run(document, options)", options)
    return list(result["violations"])


def axe_check(page: Page) -> None:
    """Fail the test with a readable list when axe finds any WCAG 2.1 A/AA violation on the page."""
    violations = axe_run(page)
    if violations:
        pytest.fail(format_violations(page.url, violations), pytrace=False)
