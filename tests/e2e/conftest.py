"""Browser fixtures for tests/e2e: Debian's Chromium driven by Playwright's sync API.

The browser is never downloaded: it is /usr/bin/chromium (`apt-get install chromium`).
Without it the browser tests are skipped with the reason -- except under CI=true,
where a missing browser is a failure, so CI cannot pass by not running them.
"""

from pathlib import Path

import pytest

from tests.services import unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


@pytest.fixture
def _allow_orm_beside_playwright(monkeypatch):
    """Playwright's sync API keeps an asyncio loop running in the test thread, so Django
    would refuse ORM calls there (SynchronousOnlyOperation). Allowed for these tests only."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def _fast_password_hashing(fast_hasher):
    """seed_demo hashes ~50 initial passwords; Argon2 (~0.2 s each) would make every
    journey wait 10 s for its data. What is tested here is the pages, not the hasher."""


@pytest.fixture
def browser(_allow_orm_beside_playwright, _fast_password_hashing, transactional_db, live_server):
    """A headless Chromium for one test. Requests the database and the live server first,
    so Playwright's loop is stopped again before the database is flushed."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


# How Chromium reports a blocked script, style, frame, image or form target in the console.
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy")


def _context(browser, live_server, **options):
    """A browser context whose console is watched for Content-Security-Policy violations (SEC-08):
    `csp_violations(context)` lists them; the page fixtures fail a test that caused any."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    violations = []

    def watch(message):
        if any(marker in message.text for marker in CSP_MARKERS):
            violations.append(f"{message.location.get('url', '?')}: {message.text}")

    context.on("console", watch)
    context.csp_violations = violations
    return context


def csp_violations(context):
    return list(context.csp_violations)


def _close_checked(context):
    violations = csp_violations(context)
    context.close()
    assert not violations, "Content-Security-Policy violations in the console (SEC-08):\n" + "\n".join(violations)


@pytest.fixture
def page(browser, live_server):
    """A desktop page (sidebar visible). The browser asks for English on purpose: the
    interface is Chinese only, whatever language the browser prefers. A CSP violation fails the test."""
    context = _context(browser, live_server, viewport=DESKTOP, locale="en-US")
    yield context.new_page()
    _close_checked(context)


@pytest.fixture
def phone_page(browser, live_server):
    """A 390x844 phone page with touch, as a branch secretary uses it (BEY-04). A CSP violation fails the test."""
    context = _context(
        browser, live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    yield context.new_page()
    _close_checked(context)


@pytest.fixture
def screenshot():
    """screenshot(page, name) saves the page to test-results/<name>.png (gitignored)."""
    RESULTS.mkdir(exist_ok=True)

    def _shot(page, name):
        path = RESULTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
