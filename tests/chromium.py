"""The real Chromium (Debian package, headless) driven over the DevTools protocol, for browser tests.

Every wait has a deadline (generous: two shared cores can be slow); nothing sleeps for luck."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium") or "chromium"
#: Seconds for one DevTools answer; start-up and printing get more. Deadlines, not expectations.
CALL_TIMEOUT = 60.0


@dataclass
class Browser:
    ws: ClientConnection
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    events: list[dict[str, Any]] = field(default_factory=list)

    def _receive(self, deadline: float, what: str) -> dict[str, Any]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"chromium: no {what} before the deadline")
        try:
            data: dict[str, Any] = json.loads(self.ws.recv(timeout=left))
        except TimeoutError:
            raise TimeoutError(f"chromium: no {what} before the deadline") from None
        return data

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = CALL_TIMEOUT) -> dict[str, Any]:
        msg_id = next(self.ids)
        msg: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            data = self._receive(deadline, f"answer to {method} within {timeout:g}s")
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                result: dict[str, Any] = data.get("result", {})
                return result
            self.events.append(data)

    def wait_event(self, name: str, session: str, match: Callable[[dict[str, Any]], bool] = lambda _: True,
                   timeout: float = CALL_TIMEOUT) -> dict[str, Any]:
        """The first event `name` of this tab's session that `match`es (already received, or arriving)."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for ev in self.events[seen:]:
                if ev.get("method") == name and ev.get("sessionId") == session and match(ev.get("params", {})):
                    return ev
            seen = len(self.events)
            self.events.append(self._receive(deadline, f"{name} within {timeout:g}s"))

    def evaluate(self, expression: str, session: str) -> Any:
        res = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        if "exceptionDetails" in res:
            raise RuntimeError(f"page script failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_until(self, expression: str, session: str, timeout: float = CALL_TIMEOUT) -> Any:
        """Poll a page expression until it is truthy; the page changes on its own (live updates)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression, session)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"page never satisfied {expression!r} within {timeout:g}s")
            time.sleep(0.1)  # a poll interval bounded by the deadline above, not a wait for luck

    def errors(self, session: str) -> list[str]:
        """Console errors, uncaught exceptions and error log entries of one tab."""
        mine = [e for e in self.events if e.get("sessionId") == session]
        return [json.dumps(e["params"])[:300] for e in mine
                if e.get("method") == "Runtime.exceptionThrown"
                or (e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
                or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")]

    def requests(self, session: str) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("sessionId") == session and e.get("method") == "Network.requestWillBeSent"]


@contextmanager
def launch(profile: Path) -> Iterator[Browser]:
    """Start Chromium with a fresh profile; fail (never skip) when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (Debian package `chromium`, listed in scripts/system-packages.txt)")
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "--remote-debugging-address=127.0.0.1", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 90
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if proc.poll() is not None:
                pytest.fail(f"chromium exited with {proc.returncode} before opening its DevTools port")
            if time.monotonic() > deadline:
                pytest.fail("chromium did not write DevToolsActivePort within 90s")
            time.sleep(0.05)  # polling a file chromium writes once; the deadline above bounds it
        port, path = port_file.read_text().splitlines()[:2]
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=64 * 1024 * 1024, open_timeout=30) as ws:
            yield Browser(ws)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def tab(b: Browser, url: str) -> Iterator[str]:
    """A fresh tab at `url`, loaded; yields its session id and closes it afterwards."""
    target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        for domain in ("Page", "Network", "Runtime", "Log"):
            b.call(f"{domain}.enable", session=session)
        b.call("Emulation.setDeviceMetricsOverride", {"width": 1100, "height": 900, "deviceScaleFactor": 1,
                                                      "mobile": False}, session=session)
        frame = b.call("Page.navigate", {"url": url}, session=session)["frameId"]
        b.wait_event("Page.frameNavigated", session, lambda p: p["frame"]["id"] == frame)
        b.wait_event("Page.loadEventFired", session)
        yield session
    finally:
        b.call("Target.closeTarget", {"targetId": target})
        b.events.clear()
