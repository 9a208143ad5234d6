"""The HTML report in the real Chromium (headless, driven over the DevTools protocol): the key facts are on the
page, nothing is fetched but the file itself, no console error, and screenshots are kept in test-artifacts/."""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from conftest import REPO, golive

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class Page:
    text: str
    requests: list[str]
    errors: list[str]
    html_path: Path


@dataclass
class Browser:
    ws: ClientConnection
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    events: list[dict[str, Any]] = field(default_factory=list)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 20) -> dict[str, Any]:
        msg_id = next(self.ids)
        msg: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method} within {timeout}s")
            data = json.loads(self.ws.recv(timeout=left))
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                result: dict[str, Any] = data.get("result", {})
                return result
            self.events.append(data)

    def wait_event(self, name: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for ev in self.events[seen:]:
                if ev.get("method") == name:
                    return ev
            seen = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {name} within {timeout}s")
            self.events.append(json.loads(self.ws.recv(timeout=left)))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (Debian package `chromium`, listed in scripts/system-packages.txt)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "--remote-debugging-address=127.0.0.1", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if proc.poll() is not None:
                pytest.fail(f"chromium exited with {proc.returncode} before opening its DevTools port")
            if time.monotonic() > deadline:
                pytest.fail("chromium did not write DevToolsActivePort within 30s")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=64 * 1024 * 1024, open_timeout=10) as ws:
            yield Browser(ws)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def open_report(b: Browser, html: Path, shot: str) -> Page:
    """Load the report in a fresh tab and collect text, requests and errors; keep screen and print shots."""
    target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    b.events.clear()
    for domain in ("Page", "Network", "Runtime", "Log"):
        b.call(f"{domain}.enable", session=session)
    b.call("Emulation.setDeviceMetricsOverride", {"width": 1100, "height": 900, "deviceScaleFactor": 1,
                                                  "mobile": False}, session=session)
    url = html.resolve().as_uri()
    b.call("Page.navigate", {"url": url}, session=session)
    b.wait_event("Page.loadEventFired")
    text = b.call("Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True},
                  session=session)["result"]["value"]
    ARTIFACTS.mkdir(exist_ok=True)
    shot_data = b.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                       session=session)["data"]
    (ARTIFACTS / f"{shot}.png").write_bytes(base64.b64decode(shot_data))
    b.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
    pdf = b.call("Page.printToPDF", {"printBackground": False}, session=session, timeout=60)["data"]
    (ARTIFACTS / f"{shot}.pdf").write_bytes(base64.b64decode(pdf))
    requests = [e["params"]["request"]["url"] for e in b.events if e.get("method") == "Network.requestWillBeSent"]
    errors = [json.dumps(e["params"])[:300] for e in b.events
              if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")]
    b.call("Target.closeTarget", {"targetId": target})
    return Page(text, requests, errors, html)


PLAN_HEAD = """
name: Shop {version}
service: shop
environment: prod
version: {{from: "1.0", to: "{version}"}}
vars:
  TOKEN: {{secret: true, from_env: SHOP_TOKEN}}
approvers:
  release-managers: [rita, sam]
separation_of_duties: true
change:
  ticket: CHG-4711
  reason: customers need the <b>new</b> checkout
  description: replaces the checkout service
  security_impact: none; no change to card data flows
  testing: [https://ci.example.invalid/run/42, tests.txt]
contacts:
  escalation:
    - {{level: 1, name: On-call, people: [olga]}}
"""


def _write_plan(workdir: Path, body: str, version: str) -> Path:
    (workdir / "tests.txt").write_text("all 412 tests passed\n")
    plan = workdir / f"plan-{version}.yaml"
    plan.write_text(PLAN_HEAD.format(version=version) + body)
    return plan


SUCCESS = """
phases:
  - name: Prepare
    timebox: 1m
    steps:
      - name: Print a banner
        shell: echo "deploying with token $TOKEN | <script>alert(1)</script>"
        undo: echo undo banner
    gate:
      approvals: {count: 1, role: release-managers}
  - name: Verify
    timebox: 1m
    steps:
      - name: Health
        shell: echo healthy
    gate:
      checks:
        - name: smoke
          shell: "true"
success_criteria:
  - Checkout works for a real card
"""

ROLLBACK = """
phases:
  - name: Deploy
    timebox: 1m
    steps:
      - name: Copy the release
        shell: echo copied
        undo: echo removed the release
      - name: Migrate the database
        shell: echo "migration failed" >&2; exit 7
rollback:
  levels:
    - level: 1
      name: Restore the previous release
      covers: [Deploy]
      steps:
        - name: Switch back
          shell: echo switched back
"""

WAITING = """
phases:
  - name: Prepare
    steps:
      - name: Check
        shell: echo ready
    gate:
      approvals: {count: 2, role: release-managers}
"""


def _run_id(out: str) -> str:
    m = re.search(r"run (\d{8}-\d{6}-[0-9a-f]{4})", out)
    assert m, out
    return m.group(1)


def _assert_clean(page: Page) -> None:
    assert page.requests == [page.html_path.resolve().as_uri()], page.requests
    assert page.errors == []


def test_successful_run_report(workdir: Path, browser: Browser) -> None:
    plan = _write_plan(workdir, SUCCESS, "2.0")
    env = {"SHOP_TOKEN": "tok-very-secret-123", "GOLIVE_USER": "ian"}
    r = golive("run", str(plan), "--no-wait", cwd=workdir, env=env)
    assert r.code == 3, r.err
    run = _run_id(r.out)
    a = golive("approve", run, "--by", "rita", "--reason", "tests green, <i>go</i>", cwd=workdir)
    assert a.code == 0, a.err
    r = golive("resume", run, "--no-wait", cwd=workdir, env=env)
    assert r.code == 0, r.out + r.err
    html = workdir / ".golive" / "reports" / f"{run}.html"
    assert html.exists(), "the report is written automatically when the run ends"
    assert "tok-very-secret-123" not in html.read_text()
    page = open_report(browser, html, "report-success")
    _assert_clean(page)
    t = page.text
    for fact in ("Shop 2.0", "Success", "shop / prod", "1.0 → 2.0", "ian", "rita", "tests green, <i>go</i>",
                 "CHG-4711", "customers need the <b>new</b> checkout", "<script>alert(1)</script>",
                 "Pre-deployment approval", "Post-deployment verification", "Checkout works for a real card",
                 "for a person", "PCI-DSS 6.5.1", "PCI-DSS 6.5.2", "Segregation of duties", "sha256"):
        assert fact in t, fact
    head = json.loads(golive("report", run, "--format", "json", cwd=workdir).out)["head_hash"]
    assert head and head in t
    assert "tok-very-secret-123" not in t and "***" in t


def test_rolled_back_run_report(workdir: Path, browser: Browser) -> None:
    plan = _write_plan(workdir, ROLLBACK, "2.1")
    r = golive("run", str(plan), "--no-wait", cwd=workdir, env={"SHOP_TOKEN": "tok-x-secret"})
    assert r.code == 1, r.out + r.err
    run = _run_id(r.out)
    out = workdir / "rolled-back.html"
    assert golive("report", run, "-o", str(out), cwd=workdir).code == 0
    page = open_report(browser, out, "report-rolled-back")
    _assert_clean(page)
    t = page.text
    for fact in ("Rolled Back", "Migrate the database", "migration failed", "Switch back", "1.1.undo",
                 "Restore the previous release", "NO-GO", "no approval recorded"):
        assert fact in t, fact
    assert re.search(r"Migrate the database.*\n?.*failed", t)
    assert "☒ Rolled Back" in t


def test_waiting_run_report(workdir: Path, browser: Browser) -> None:
    plan = _write_plan(workdir, WAITING, "2.2")
    r = golive("run", str(plan), "--no-wait", cwd=workdir, env={"SHOP_TOKEN": "tok-y-secret"})
    assert r.code == 3, r.out + r.err
    run = _run_id(r.out)
    assert golive("approve", run, "--by", "sam", "--reason", "looks fine", cwd=workdir).code == 0
    out = workdir / "waiting.html"
    assert golive("report", run, "--format", "html", "-o", str(out), cwd=workdir).code == 0
    page = open_report(browser, out, "report-waiting")
    _assert_clean(page)
    t = page.text
    for fact in ("In progress", f"golive approve {run}", "sam", "looks fine", "one of rita, sam"):
        assert fact in t, fact
