"""Fixtures that start real things: the fake provider server and headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.fakes.server import FakeServer, running_fake_server

IN_CI = os.environ.get('CI', '').lower() in {'1', 'true', 'yes'}
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']

# How long a browser test's expect() waits, not Playwright's 5 s: on a busy two-core machine what a page shows
# can wait for a core. Checks wait on conditions, never sleep, so this costs a passing test nothing.
EXPECT_TIMEOUT_MS = 10_000
# How long a test page's actions (click, fill, goto) wait before they fail, not Playwright's 30 s.
PAGE_TIMEOUT_MS = 10_000


def missing_prerequisite(what: str) -> None:
    """In CI a missing prerequisite fails the run loudly; on a developer's machine it skips with the reason."""
    if IN_CI:
        pytest.fail(f'{what} (CI=true: prerequisites must be installed, see README)', pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope='session')
def fake_server() -> Iterator[FakeServer]:
    with running_fake_server() as server:
        yield server


def chromium_executable(*, headless_shell: bool = False) -> str | None:
    """Debian's chromium if present; otherwise None lets Playwright use its own downloaded browser.

    The tests ask for Debian's headless shell first (`chromium-headless-shell`, Chromium's old headless mode, which
    Playwright's own headless runs use too): a fresh page costs it about 0.45 s less than the full browser, and the
    suite took 10.5 minutes instead of 14 (README, Tests). The benchmark and screenshots keep the full browser people
    run."""
    shell = ('chromium-headless-shell',) if headless_shell else ()
    for name in (*shell, 'chromium', 'chromium-browser', 'google-chrome'):
        if path := shutil.which(name):
            return path
    return None


@pytest.fixture(scope='session')
def browser():
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium_executable(headless_shell=True),
                                                 headless=True, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            missing_prerequisite(f'Chromium could not start: {error.message.splitlines()[0]}')
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={'width': 1200, 'height': 800})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    yield page


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last: once sync Playwright runs, it owns this thread's event loop and async tests fail."""
    items.sort(key=lambda item: item.get_closest_marker('browser') is not None)
