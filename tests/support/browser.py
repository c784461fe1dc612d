"""Headless Chromium (Debian's package) driven over the Chrome DevTools protocol, with aiohttp only.

`.ci/install-browser` installs Chromium when it is missing (as root, apt-get). The browser
runs with no access to any host but this machine (`--host-resolver-rules`), so a page that
needed a CDN would fail here, and every console message and page error is collected.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("chromium", "chromium-browser", "google-chrome")


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


@dataclass
class Page:
    ws: aiohttp.ClientWebSocketResponse
    console: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)

    async def send(self, method: str, **params: Any) -> Any:
        call_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        await self.ws.send_json({"id": call_id, "method": method, "params": params})
        return await asyncio.wait_for(future, 30)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, within: float = 30.0) -> Any:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        raise AssertionError(
            f"never true in the page: {expression}\nconsole: {self.console}\nerrors: {self.errors}"
        )

    async def _read(self) -> None:
        async for message in self.ws:
            data = message.json()
            if "id" in data and data["id"] in self._pending:
                future = self._pending.pop(data["id"])
                if not future.done():
                    if "error" in data:
                        future.set_exception(RuntimeError(str(data["error"])))
                    else:
                        future.set_result(data.get("result", {}))
                continue
            method, params = data.get("method"), data.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                self.console.append({"type": params.get("type"), "text": text})
                if params.get("type") in ("error", "assert"):
                    self.errors.append(f"console.{params.get('type')}: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                self.errors.append(
                    f"exception: {details.get('exception', {}).get('description') or details.get('text')}"
                )
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                if entry.get("level") == "error":
                    self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")


@asynccontextmanager
async def headless_page(url: str) -> AsyncIterator[Page]:
    """Open url in a fresh headless Chromium; yields the page once it is loaded."""
    binary = chromium_path()
    profile = tempfile.mkdtemp(prefix="chromium-")
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before any awaiting
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--window-size=1400,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"chromium did not start (exit {process.poll()})")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            target = next(t for t in targets if t.get("type") == "page")
            async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                reader = asyncio.create_task(page._read())
                try:
                    for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
                        await page.send(domain)
                    await page.send("Page.navigate", url=url)
                    await page.wait_for("document.readyState === 'complete'")
                    yield page
                finally:
                    reader.cancel()
                    with suppress(asyncio.CancelledError, Exception):
                        await reader
    finally:
        process.kill()
        process.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
