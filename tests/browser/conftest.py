"""Headless Chromium from Debian, driven by Playwright; no browser download, no request off 127.0.0.1.

Browser tests are marked `django_db` so that the test database (with the demo) exists and they run
before the transactional tests that empty it; the pages come from a separate server process that
sees only committed data, so each test's own transaction does not reach it.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls made by the
# tests and fixtures are still synchronous, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    return path


@pytest.fixture(scope="session")
def browser(demo_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, demo_site, request):
    """A fresh browser page that records every request leaving 127.0.0.1 (and blocks it), and fails the
    test at its end if the Content Security Policy blocked anything (a script or style the page needs)."""
    context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.outside_requests = []
    csp_violations = []
    page.on(
        "console",
        lambda m: csp_violations.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None,
    )

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            page.outside_requests.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.base_url = demo_site
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert csp_violations == [], "the Content Security Policy blocked:\n" + "\n".join(csp_violations)


def log_in(page, username, password="thesaban-demo"):
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(".login-card button[type=submit]")
    page.wait_for_load_state("networkidle")
