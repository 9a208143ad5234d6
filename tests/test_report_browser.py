"""The HTML report in the real Chromium (headless, driven over the DevTools protocol): the key facts are on the
page, nothing is fetched but the file itself, no console error, the charts carry what the log recorded, print
CSS applies, and screenshots (plus the printed PDF) are kept in test-artifacts/.

Every wait has a deadline (generous: two shared cores can be slow); nothing sleeps for luck."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chromium import CALL_TIMEOUT, Browser, launch, tab
from conftest import REPO, golive
from golive.engine.executor import EngineOptions
from golive.plan.loader import parse_plan_text
from golive.report import render, report_for
from golive.run.runner import DriveOptions, drive_run
from golive.run.start import StartRequest, start_run
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock
from golive.traffic.local import LocalBackend, LocalProxy
from golive.traffic.proxy.router import BuiltinRouter
from statsserver import Stats

ARTIFACTS = REPO / "test-artifacts"


@dataclass
class Page:
    text: str
    requests: list[str]
    errors: list[str]
    html_path: Path
    #: Counts of chart elements by CSS selector (see SELECTORS), read from the live DOM.
    counts: dict[str, int]
    #: Computed `max-height` of a <pre> on screen and in print (print CSS lifts the limit).
    pre_screen: str
    pre_print: str


SELECTORS = ["svg.timeline rect.bar", "svg.timeline rect.timebox", "svg.timeline rect.window",
             "svg.timeline rect.rollback-shade", "svg.timeline rect.bar.rollback", "svg.timeline path.gate.go",
             "svg.timeline path.gate.nogo", "svg.timeline path.gate.waiting", "svg.timeline circle.approval",
             "svg.timeline text.beyond", "svg.chart", "svg.chart polyline.series", "svg.chart path.verdict",
             "svg.chart path.verdict.fail", "table.verdicts tbody tr", "img, script, link, iframe, object"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with launch(tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


def open_report(b: Browser, html: Path, shot: str) -> Page:
    """Load the report in a fresh tab; collect text, chart elements, requests and errors; keep screen and print
    shots. Requests and errors are those of this tab's session only."""
    url = html.resolve().as_uri()
    with tab(b, url) as session:
        assert b.evaluate("location.href + ' ' + document.readyState", session) == f"{url} complete"
        text = b.evaluate("document.body.innerText", session)
        count = "s => [s, document.querySelectorAll(s).length]"
        counts = b.evaluate(f"JSON.stringify(Object.fromEntries({json.dumps(SELECTORS)}.map({count})))", session)
        pre = "(document.querySelector('pre') ? getComputedStyle(document.querySelector('pre')).maxHeight : '')"
        pre_screen = b.evaluate(pre, session)
        ARTIFACTS.mkdir(exist_ok=True)
        shot_data = b.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                           session=session)["data"]
        (ARTIFACTS / f"{shot}.png").write_bytes(base64.b64decode(shot_data))
        b.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        pre_print = b.evaluate(pre, session)
        pdf = base64.b64decode(b.call("Page.printToPDF", {"printBackground": False}, session=session,
                                      timeout=2 * CALL_TIMEOUT)["data"])
        assert pdf.startswith(b"%PDF")
        (ARTIFACTS / f"{shot}.pdf").write_bytes(pdf)
        requests, errors = b.requests(session), b.errors(session)
    return Page(text, requests, errors, html, json.loads(counts), pre_screen, pre_print)


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
    now = datetime.now(UTC)
    moments = {k: (now + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M")
               for k, h in (("start", -1), ("end", 1), ("until", 2))}
    plan.write_text(PLAN_HEAD.format(version=version) + body.format(**moments))
    return plan


SUCCESS = """
window: {{start: "{start}", end: "{end}", timezone: UTC, rollback_until: "{until}"}}
phases:
  - name: Prepare
    timebox: 1m
    steps:
      - name: Print a banner
        shell: echo "deploying with token $TOKEN | <script>alert(1)</script>"
        undo: echo undo banner
    gate:
      approvals: {{count: 1, role: release-managers}}
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
  - description: The health endpoint answers
    check: {{shell: "echo health ok"}}
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
      approvals: {{count: 2, role: release-managers}}
"""


def _run_id(out: str) -> str:
    m = re.search(r"run (\d{8}-\d{6}-[0-9a-f]{4})", out)
    assert m, out
    return m.group(1)


def _assert_clean(page: Page) -> None:
    """Nothing but the file was requested, nothing went wrong, nothing could fetch, and print CSS applies."""
    assert page.requests == [page.html_path.resolve().as_uri()], page.requests
    assert page.errors == []
    assert page.counts["img, script, link, iframe, object"] == 0
    if page.pre_screen:
        assert (page.pre_screen, page.pre_print) == ("260px", "none")


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
                 "for a person", "The health endpoint answers", "check criterion.2 succeeded", "PCI-DSS 6.5.1",
                 "PCI-DSS 6.5.2", "Segregation of duties", "sha256", "☒ Success ☐ Partial ☐ Rolled Back"):
        assert fact in t, fact
    report = json.loads(golive("report", run, "--format", "json", cwd=workdir).out)
    audit = golive("audit", "verify", run, cwd=workdir)
    head = re.search(r"audit chain intact, \d+ events, head ([0-9a-f]{64})", audit.out)
    assert audit.code == 0 and head and head.group(1) == report["head_hash"], audit.out
    assert re.search(rf"Audit chain head\s+{report['head_hash']} \(event {report['head_seq']}\)", t)
    assert [c["status"] for c in report["criteria"]] == ["for a person", "met"]
    # the whole run happened inside its window, and the summary says how long that was
    assert report["inside_window"] == report["duration"] > 0
    assert re.search(r"Time inside the window\s+\d", t)
    assert "tok-very-secret-123" not in t and "***" in t
    # the timeline: both phases against their timeboxes, the window (its end beyond the chart, named), the
    # wait for approval, rita's approval and both GO decisions
    c = page.counts
    assert (c["svg.timeline rect.bar"], c["svg.timeline rect.timebox"], c["svg.timeline rect.window"]) == (2, 2, 1)
    assert c["svg.timeline text.beyond"] == 1 and "window ends" in t
    assert (c["svg.timeline path.gate.waiting"], c["svg.timeline circle.approval"]) == (1, 1)
    assert (c["svg.timeline path.gate.go"], c["svg.timeline path.gate.nogo"]) == (2, 0)
    assert c["svg.timeline rect.rollback-shade"] == 0 and c["svg.chart"] == 0


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
    assert "☐ Success ☐ Partial ☒ Rolled Back" in t
    c = page.counts
    assert (c["svg.timeline rect.rollback-shade"], c["svg.timeline rect.bar.rollback"]) == (1, 1)
    assert (c["svg.timeline path.gate.nogo"], c["svg.timeline path.gate.go"]) == (1, 0)
    assert c["svg.timeline rect.window"] == 0, "the plan has no window"


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
    # one of two approvals is in: sam signed, one line is left blank to sign
    assert re.search(r"release-managers\s+sam\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+looks fine", t), t
    assert "release-managers (one of rita, sam)" in t
    c = page.counts
    assert (c["svg.timeline path.gate.waiting"], c["svg.timeline circle.approval"]) == (1, 1)
    assert c["svg.timeline path.gate.go"] + c["svg.timeline path.gate.nogo"] == 0


CANARY = """
name: Web 3.0 canary
service: web
environment: prod
version: {{from: "2.9", to: "3.0"}}
routers:
  edge: {{type: builtin, admin: "{admin}"}}
phases:
  - name: Canary
    timebox: 30m
    steps:
      - name: canary 3.0
        canary:
          router: edge
          stable: blue
          canary: green
          interval: 1m
          stages: [{{weight: 10, hold: 2m}}, {{weight: 50, hold: 2m}}, {{weight: 100}}]
          analysis:
            source: {{json: {{url: "{url}", requests: "$.requests", errors: "$.errors", p95_ms: "$.p95_ms"}}}}
            max_error_rate: 1%
            min_requests: 100
"""


def test_canary_run_report(workdir: Path, browser: Browser) -> None:
    """A canary driven by the real engine (on a fake clock: the holds take no time) through the real built-in
    proxy, judged on a real JSON metrics endpoint: the verdicts and weight changes it records are the charts."""
    metrics = Stats(p95=lambda version, bad: 400.0 if bad else (130.0 if version == "green" else 120.0))
    threading.Thread(target=metrics.server.serve_forever, daemon=True).start()
    store = SQLiteStore(workdir / "runs.db")
    try:
        with LocalBackend(workdir, "blue") as blue, LocalBackend(workdir, "green") as green, \
                LocalProxy(workdir, {"blue": [blue.address], "green": [green.address]}, {"blue": 100}) as proxy:
            text = CANARY.format(admin=proxy.admin, url=metrics.url)
            path = workdir / "canary.yaml"
            path.write_text(text)
            clock = FakeClock(datetime.now(UTC))
            req = StartRequest(plan=parse_plan_text(text, str(path)), plan_path=path, plan_text=text,
                               initiator="ian", environ={})
            run = start_run(req, store, clock)
            code = drive_run(store, run, clock, DriveOptions(environ={}, options=EngineOptions(workdir=workdir)))
            assert code == 1, [e.type for e in store.events(run)]
            assert BuiltinRouter(proxy.admin).weights() == {"blue": 100, "green": 0}
        events = store.events(run)
        report = report_for(store, run)
        html = workdir / "canary.html"
        html.write_text(render(report, "html"))
    finally:
        store.close()
        metrics.server.shutdown()
        metrics.server.server_close()

    # every weight change and every verdict the canary step recorded is a point of the charts, with its numbers
    weights = [e.payload["weights"]["green"] for e in events if e.type == "traffic.weight"]
    verdicts = [e.payload for e in events if e.type == "analysis.verdict"]
    assert weights == [10, 50, 0]
    assert [v["outcome"] for v in verdicts] == ["pass", "pass", "fail"]
    assert [p.weight for p in report.canary if p.weight is not None] == weights
    points = [p for p in report.canary if p.verdict]
    assert [(p.verdict, p.canary_error_rate, p.baseline_error_rate, p.canary_p95, p.baseline_p95) for p in points] \
        == [(v["outcome"], v["canary_error_rate"], v["baseline_error_rate"], v["canary_p95_ms"],
             v["baseline_p95_ms"]) for v in verdicts]
    assert points[0].canary_error_rate == pytest.approx(0.002) and points[-1].canary_p95 == 400.0
    assert report.outcome_word == "Rolled Back"

    page = open_report(browser, html, "report-canary")
    _assert_clean(page)
    c = page.counts
    assert c["svg.chart"] == 3, "traffic weight, error rate, p95"
    assert c["svg.chart polyline.series"] == 5, "weight; canary and baseline error rate; canary and baseline p95"
    assert (c["svg.chart path.verdict"], c["svg.chart path.verdict.fail"]) == (3, 1)
    assert c["table.verdicts tbody tr"] == 3
    assert (c["svg.timeline rect.rollback-shade"], c["svg.timeline path.gate.nogo"]) == (1, 1)
    t = page.text
    for fact in ("Traffic to the new version", "Error rate", "Latency p95", "Rolled Back", "canary aborted",
                 "400 ms", "0.2%"):
        assert fact in t, fact
