"""Headless Chromium from Debian's package, driven by Playwright's Python client.

`.ci/install-browser` installs Debian's `chromium` when it is missing; Playwright launches
that executable (`executable_path`), so no browser build of Playwright's own is downloaded
(`playwright install` is never run). The browser resolves no host but 127.0.0.1
(`--host-resolver-rules`), so a page that needed a CDN fails here; every console error, page
error and request is recorded so a test can say what the page did.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
_LOAD_FAILED = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


def chromium_path() -> str:
    """The Chromium binary, installing Debian's package first when none is there."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    done = subprocess.run(
        ["bash", str(ROOT / ".ci" / "install-browser")], capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"could not install chromium:\n{done.stdout}\n{done.stderr}")
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("chromium installed but not found on PATH")


@contextmanager
def chromium() -> Iterator[Browser]:
    """One headless Chromium for as long as the block runs."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class WatchedPage:
    """A page and what it did: console errors, uncaught errors, the URLs it requested."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "assert"):
            self.errors.append(f"console.{message.type}: {message.text}")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def unexpected_errors(self, *statuses: int) -> list[str]:
        """Errors other than the browser's own report of an answer with one of these statuses."""
        allowed = {str(s) for s in statuses}
        return [e for e in self.errors if not ((m := _LOAD_FAILED.search(e)) and m.group(1) in allowed)]


@contextmanager
def watched_page(browser: Browser, width: int = 1400, height: int = 900) -> Iterator[WatchedPage]:
    """A fresh page (own storage, UTC clock) in the browser, closed after the block."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, timezone_id="UTC", locale="en-GB"
    )
    page = context.new_page()
    watched = WatchedPage(page)
    page.on("console", watched._console)
    page.on("pageerror", lambda error: watched.errors.append(f"page error: {error}"))
    page.on("request", watched._request)
    context.on("request", watched._request)
    try:
        yield watched
    finally:
        context.close()


def screenshot(page: Page, directory: Path, name: str) -> Path:
    """Saves the page as directory/name.png and says where."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path
