"""Fixtures of the lineage page's browser tests: one headless Chromium for these tests, a fresh
page a test, the Marquez-shaped test server, and where screenshots go."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import WatchedPage, chromium, watched_page

_SHOTS: list[Path] = []


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Playwright's sync API keeps an event loop running while it is open, so it is closed
    when the browser tests are done: the other tests run their own loops."""
    with chromium() as running:
        yield running


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots of this run: $LINEAGE_SCREENSHOTS when set, else a temporary directory."""
    wanted = os.environ.get("LINEAGE_SCREENSHOTS")
    directory = Path(wanted) if wanted else tmp_path_factory.mktemp("lineage-screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    _SHOTS.append(directory)
    return directory


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    with watched_page(browser) as page:
        yield page


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for directory in _SHOTS:
        terminalreporter.write_line(f"lineage page screenshots: {directory}")
