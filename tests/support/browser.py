"""Headless Debian Chromium driven by Playwright (never a downloaded browser), with screenshots saved under
test-artifacts/screenshots/ for people to look at."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


# Module scope: Playwright's sync API runs an event loop in this thread until it stops, and tests after the
# browser module (asyncio ones) need the thread free again.
@pytest.fixture(scope="module")
def playwright_driver():
    if not Path(CHROMIUM).exists():
        pytest.skip("Browser tests need Debian's chromium (.ci/run installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright_driver, tmp_path):
    """A fresh profile per test; `browser(viewport)` opens a context."""
    contexts = []

    def open_context(width: int = 1280, height: int = 800, locale: str = "en-US"):
        context = playwright_driver.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": width, "height": height}, locale=locale)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def sign_in_agent(page, base_url: str, token: str) -> None:
    """Opens the agent console and signs in with `token`; returns once the queue shows."""
    page.goto(f"{base_url}/agent")
    page.get_by_label("Agent token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Queue").wait_for()
