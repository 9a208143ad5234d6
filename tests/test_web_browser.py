"""The team console in a real browser: Playwright for Python driving Debian's Chromium (`executable_path`, no
browser download), against the real `golive web` and a real OpenID provider (oidc-provider on Node.js, see
webconsole.py), with local accounts too. Screenshots go to test-artifacts/.

Every wait has a deadline (generous: two shared cores can be slow); nothing sleeps for luck."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from chromium import CHROMIUM
from conftest import REPO, golive
from golive.engine.executor import EngineOptions
from golive.plan.loader import parse_plan_text
from golive.run.runner import DriveOptions, drive_run
from golive.run.start import StartRequest, start_run
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock
from golive.traffic.local import LocalBackend, LocalProxy
from statsserver import Stats
from webconsole import (
    MARKER,
    PASSWORD,
    XSS,
    Server,
    add_user,
    console_ports,
    oidc_provider,
    own_staging_run,
    serve,
    team_yaml,
    waiting_run,
)

ARTIFACTS = REPO / "test-artifacts"
WAIT = 60_000  # ms: a deadline, not an expectation


@dataclass
class Setup:
    server: Server
    workdir: Path
    waiting: str  # a run whose process waits at the gate (approving it lets it finish)
    ians: str  # a run ian started where the plan names him an approver too
    process: subprocess.Popen[str] | None


@pytest.fixture(scope="module", autouse=True)
def _patient_expect() -> Iterator[None]:
    """Every `expect` without its own timeout waits up to WAIT too, not Playwright's 5 s: what a page shows after
    a server round trip or an event pushed over the stream can take longer than that on a busy 2-core machine.
    Only a failing check gets slower."""
    expect.set_options(timeout=WAIT)
    yield
    expect.set_options(timeout=None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (Debian package `chromium`, listed in scripts/system-packages.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    workdir = tmp_path_factory.mktemp("console")
    mp = pytest.MonkeyPatch()  # the run log of this directory, as conftest's workdir fixture does per test
    mp.setenv("GOLIVE_STORE", ".golive/golive.db")
    mp.setenv("XDG_STATE_HOME", str(workdir / ".state"))
    request_cleanup = mp.undo
    oidc_port, console_port = console_ports()
    rid, proc = waiting_run(workdir, wait=True)
    try:  # from here on, the waiting run's process is stopped whatever fails
        ians = own_staging_run(workdir, "ians.yaml")
        plan = (workdir / "plan.yaml").read_text().replace("[rita, sam]", "[rita, sam, ian]")  # the web plan below
        for name in ("ian", "vic", "olga"):
            add_user(workdir, name)
        (workdir / "plans").mkdir()
        (workdir / "plans" / "web.yaml").write_text(plan.replace("environment: prod", "environment: web"))
        (workdir / "golive-team.yaml").write_text(team_yaml(oidc_port) + "plans: plans\n")
        (workdir / "short.yaml").write_text(team_yaml(None, idle="15s"))
        ARTIFACTS.mkdir(exist_ok=True)
        with oidc_provider(oidc_port, console_port), serve(workdir, "--port", str(console_port)) as server:
            yield Setup(server, workdir, rid, ians, proc)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        request_cleanup()


def context(browser: Browser, phone: bool = False) -> BrowserContext:
    if phone:
        return browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                   has_touch=True)
    return browser.new_context(viewport={"width": 1100, "height": 900})


def watch(page: Page) -> list[str]:
    """Collects script errors and any alert() a payload might raise."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    return problems


def local_login(page: Page, url: str, name: str, next_path: str = "/") -> None:
    page.goto(f"{url}{next_path}")
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=WAIT)
    expect(page.locator("#code-row")).to_be_hidden()  # asked for only when the account has a second factor
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form#login button[type=submit]")
    expect(page).to_have_url(f"{url}{next_path}", timeout=WAIT)


def oidc_login(page: Page, url: str, login: str) -> None:
    page.goto(f"{url}/")
    expect(page.locator("#sso-link")).to_be_visible(timeout=WAIT)
    expect(page.locator("#sso-link")).to_have_text("Log in with the test provider")
    page.click("#sso-link")
    page.fill("input[name=login]", login)  # the provider's own login form, on its own origin
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{url}/", timeout=WAIT)


def decide(page: Page, action: str, reason: str) -> None:
    page.click(f"#actions button[data-action={action}]")
    expect(page.locator("#dialog")).to_be_visible()
    page.fill("#dialog-reason", reason)
    page.click("#dialog-go")


def test_oidc_login_approve_and_watch_it_succeed(browser: Browser, setup: Setup) -> None:
    url, rid = setup.server.url, setup.waiting
    ctx = context(browser)
    page = ctx.new_page()
    problems = watch(page)
    oidc_login(page, url, "rita")
    card = page.locator(f".card[data-run='{rid}']")
    expect(card).to_contain_text("waits for Go/No-Go at phase 1", timeout=WAIT)
    expect(page.locator("#who")).to_contain_text("rita · OIDC http://127.0.0.1:")
    page.screenshot(path=str(ARTIFACTS / "console-runs.png"), full_page=True)
    card.locator("a.run").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "waiting", timeout=WAIT)
    expect(page.locator("#stream")).to_have_text("live", timeout=WAIT)
    page.click("#actions button[data-action=approve]")
    page.click("#dialog-go")  # no reason yet: refused in the page, nothing sent
    expect(page.locator("#action-result")).to_have_text("A reason is required.")
    page.fill("#dialog-reason", "canary dashboards are green")
    page.screenshot(path=str(ARTIFACTS / "console-approve-dialog.png"), full_page=True)
    page.click("#dialog-go")
    expect(page.locator("#action-result")).to_contain_text("approved phase 1", timeout=WAIT)
    # the run's own waiting process sees the approval and finishes; the page follows over the event stream
    expect(page.locator("#status")).to_have_attribute("data-status", "succeeded", timeout=3 * WAIT)
    expect(page.locator("#log tr[data-type='decision.vouched']")).to_contain_text("OIDC", timeout=WAIT)
    expect(page.locator("#signoff")).to_contain_text("rita")
    page.screenshot(path=str(ARTIFACTS / "console-run-succeeded.png"), full_page=True)
    events = [json.loads(x) for x in golive("log", rid, "--json", cwd=setup.workdir).out.splitlines()]
    seal = next(e["payload"] for e in events if e["type"] == "decision.vouched")
    assert seal["auth"]["method"] == "oidc" and seal["auth"]["subject"] == "rita"
    assert seal["auth"]["issuer"].startswith("http://127.0.0.1:") and "HeadlessChrome" in seal["user_agent"]
    assert problems == []
    ctx.close()


def test_the_initiator_is_refused_through_oidc_and_locally(browser: Browser, setup: Setup) -> None:
    url, rid = setup.server.url, setup.ians
    for how in ("oidc", "local"):
        ctx = context(browser)
        page = ctx.new_page()
        if how == "oidc":
            oidc_login(page, url, "ian.sso")  # "Ian S." at the provider; the team config says that is ian
        else:
            local_login(page, url, "ian")
        page.goto(f"{url}/runs/{rid}")
        expect(page.locator("#status")).to_have_attribute("data-status", "waiting", timeout=WAIT)
        decide(page, "approve", "I am sure")
        expect(page.locator("#action-result")).to_contain_text("separation of duties", timeout=WAIT)
        expect(page.locator("#action-result")).to_have_attribute("data-status", "409")
        ctx.close()
    assert not any(json.loads(x)["type"] == "gate.approved"
                   for x in golive("log", rid, "--json", cwd=setup.workdir).out.splitlines())


def test_viewer_post_403_missing_csrf_403_anonymous_401(browser: Browser, setup: Setup) -> None:
    url, rid = setup.server.url, setup.ians
    ctx = context(browser)
    page = ctx.new_page()
    local_login(page, url, "vic", f"/runs/{rid}")
    expect(page.locator("#status")).to_have_attribute("data-status", "waiting", timeout=WAIT)
    assert page.locator("#actions button").count() == 0  # a viewer is offered nothing to press
    post = """async ([path, withToken]) => {
        const s = await (await fetch('/api/session')).json();
        const headers = {'Content-Type': 'application/json'};
        if (withToken) headers['X-CSRF-Token'] = s.csrf;
        const r = await fetch(path, {method: 'POST', headers, body: JSON.stringify({reason: 'from the console'})});
        return r.status; }"""
    assert page.evaluate(post, [f"/api/runs/{rid}/actions/approve", True]) == 403
    ctx.close()
    ctx = context(browser)
    page = ctx.new_page()
    local_login(page, url, "olga", f"/runs/{rid}")  # an operator: may reject, but not without the token
    assert page.evaluate(post, [f"/api/runs/{rid}/actions/reject", False]) == 403
    ctx.close()
    anon = context(browser)
    assert anon.request.get(f"{url}/api/runs").status == 401
    assert anon.request.post(f"{url}/api/runs/{rid}/actions/approve", data={"reason": "x"}).status == 401
    anon.close()


def test_xss_in_plan_step_names_and_output_is_text(browser: Browser, setup: Setup) -> None:
    url, rid = setup.server.url, setup.ians
    ctx = context(browser)
    page = ctx.new_page()
    problems = watch(page)
    local_login(page, url, "vic", f"/runs/{rid}")
    expect(page.locator("#title")).to_have_text(f"Shop {XSS} 2.0", timeout=WAIT)
    step = page.locator(".card[data-step='1.1']")
    expect(step).to_contain_text("deploy <script>alert(2)</script> with the token")
    expect(step.locator("pre")).to_contain_text("<b onmouseover=alert(3)>bold</b>")
    expect(step.locator("pre")).to_contain_text("deploying with ***")
    assert page.evaluate("document.querySelectorAll('main img, main b, main script').length") == 0
    assert MARKER not in page.content()
    page.goto(f"{url}/")
    expect(page.locator(f".card[data-run='{rid}'] a.run")).to_have_text(f"Shop {XSS} 2.0", timeout=WAIT)
    assert problems == []
    ctx.close()


#: Text a phone cannot break at spaces: a sha256 digest, a long URL, a long command (issue 15's 390 px screen).
DIGEST = hashlib.sha256(b"shop 2.0 build 7781").hexdigest()
URL = ("https://artifacts.example.invalid/releases/shop/2.0.0-rc.7781/linux-amd64/shop-2.0.0-rc.7781-linux-amd64"
       f".tar.gz?checksum=sha256:{DIGEST}&signature=cosign-bundle-{DIGEST[:32]}")
LONG_PLAN = f"""
name: "Shop release sha256:{DIGEST}"
service: shoplong
environment: prod
approvers: {{release-managers: [rita, sam]}}
phases:
  - name: "Deploy build sha256:{DIGEST}"
    steps:
      - name: "verify artifact sha256:{DIGEST}"
        shell: "echo '{URL}'; echo sha256:{DIGEST}{DIGEST}"
        undo: echo undeploy
      - shell: "curl --fail --silent --show-error --connect-timeout 5 --max-time 10 --output /dev/null '{URL}'
          || echo 'unreachable:{URL}'"
    gate:
      approvals: {{count: 1, role: release-managers}}
  - name: Verify
    steps: ["echo verified"]
"""


def test_phone_viewport_has_no_horizontal_scroll_and_big_buttons(browser: Browser, setup: Setup) -> None:
    """On a 390 px screen nothing scrolls sideways, even with words no line can break at spaces (a digest in the
    plan, phase and step names and output, a long URL, a long command), and every button is at least 44 px."""
    url = setup.server.url
    (setup.workdir / "long.yaml").write_text(LONG_PLAN)
    r = golive("run", "long.yaml", "--no-wait", cwd=setup.workdir, env={"GOLIVE_USER": "ian"})
    assert r.code == 3, r.out + r.err
    rid = next(x["run"] for x in json.loads(golive("runs", "--json", cwd=setup.workdir).out)
               if x["service"] == "shoplong")
    ctx = context(browser, phone=True)
    page = ctx.new_page()
    local_login(page, url, "olga", f"/runs/{rid}")
    expect(page.locator("#actions button").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#log tbody tr").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#title")).to_have_text(f"Shop release sha256:{DIGEST}")
    expect(page.locator(".card[data-step='1.1']")).to_contain_text(f"verify artifact sha256:{DIGEST}")
    expect(page.locator(".card[data-step='1.1'] pre")).to_contain_text(URL)
    expect(page.locator(".card[data-step='1.2']")).to_contain_text("unreachable:https://artifacts.example.invalid")
    expect(page.locator("#timeline")).to_contain_text(DIGEST)
    widths = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    # every element, not only the page: a box wider than the screen inside a clipping parent is still unreadable
    wider = """[...document.querySelectorAll('main *')].filter(e => e.offsetParent
        && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    scroll, client = page.evaluate(widths)
    assert client == 390 and scroll <= client, (scroll, client, page.evaluate(wider))
    assert page.evaluate(wider) == []
    page.click("#actions button[data-action=rollback]")
    expect(page.locator("#dialog-plan-list")).to_contain_text("echo undeploy")  # the plan, before anything
    expect(page.locator("#dialog-typed")).to_be_visible()
    expect(page.locator("#dialog-step-row")).to_be_hidden()  # only what this action asks is on the small screen
    expect(page.locator("#dialog-outcome-row")).to_be_hidden()
    scroll, client = page.evaluate(widths)
    assert client == 390 and scroll <= client, (scroll, client, page.evaluate(wider))
    small = page.evaluate("""[...document.querySelectorAll('button, a.button')].filter(b => b.offsetParent)
        .map(b => [b.textContent, b.getBoundingClientRect().height]).filter(([, h]) => h < 44)""")
    assert small == []
    page.screenshot(path=str(ARTIFACTS / "console-phone-run.png"), full_page=True)
    page.goto(f"{url}/")
    expect(page.locator(f".card[data-run='{rid}']")).to_contain_text(DIGEST, timeout=WAIT)
    scroll, client = page.evaluate(widths)
    assert scroll <= client, (scroll, client, page.evaluate(wider))
    assert page.evaluate(wider) == []
    page.screenshot(path=str(ARTIFACTS / "console-phone-runs.png"), full_page=True)
    ctx.close()


def test_rollback_is_typed_to_confirm_after_showing_the_plan(browser: Browser, setup: Setup) -> None:
    url, rid = setup.server.url, setup.ians
    ctx = context(browser)
    page = ctx.new_page()
    local_login(page, url, "olga", f"/runs/{rid}")
    expect(page.locator("#status")).to_have_attribute("data-status", "waiting", timeout=WAIT)
    decide(page, "rollback", "error budget burnt")
    expect(page.locator("#action-result")).to_have_text("Type shop to confirm the rollback.")
    page.fill("#dialog-typed", "shop")
    page.click("#dialog-go")
    expect(page.locator("#action-result")).to_contain_text("rollback requested by olga", timeout=WAIT)
    types = [json.loads(x)["type"] for x in golive("log", rid, "--json", cwd=setup.workdir).out.splitlines()]
    assert types[-2:] == ["rollback.requested", "decision.vouched"]
    ctx.close()


def test_an_expired_session_goes_back_to_login(browser: Browser, setup: Setup) -> None:
    with serve(setup.workdir, "--team", "short.yaml") as short:
        ctx = context(browser)
        page = ctx.new_page()
        local_login(page, short.url, "vic", f"/runs/{setup.ians}")
        # the run page was shown (on a loaded machine its stream may not say "live" before the idle limit)
        expect(page.locator("#stream")).to_have_count(1, timeout=WAIT)
        # idle for 15 s: the page notices on its own and goes to the login form, keeping where it was
        expect(page).to_have_url(f"{short.url}/login?next=%2Fruns%2F{setup.ians}", timeout=WAIT)
        expect(page.locator("form#login")).to_be_visible()
        ctx.close()


def test_the_login_form_never_submits_itself_before_the_script_holds_its_token(browser: Browser,
                                                                               setup: Setup) -> None:
    """The race behind a once-in-three failure of the expired-session case on a loaded machine: the login form was
    clickable before the script had its CSRF token and its submit handler, so a quick click submitted it natively
    (a page reload with the password in the address) and the login never happened. Here the token's request is
    held until the form has been submitted twice: by the Enter key and by script."""
    url = setup.server.url
    ctx = context(browser)
    page = ctx.new_page()
    held: list[Route] = []
    page.route("**/api/session", lambda route: held.append(route))
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url}"))
    page.goto(f"{url}/login?next=/")
    deadline = time.monotonic() + WAIT / 1000
    while not held:  # the script asked for its token (and is held there)
        assert time.monotonic() < deadline, "the login page never asked for its session"
        page.wait_for_timeout(20)  # lets Playwright deliver the route callback; bounded by the deadline
    page.fill("input[name=name]", "vic")
    page.fill("input[name=password]", PASSWORD)
    expect(page.locator("form#login button[type=submit]")).to_be_disabled()
    page.press("input[name=password]", "Enter")
    page.evaluate("document.getElementById('login').requestSubmit()")
    held[0].continue_()
    page.unroute("**/api/session")
    expect(page.locator("form#login button[type=submit]")).to_be_enabled(timeout=WAIT)
    assert page.url == f"{url}/login?next=/"
    assert not [s for s in sent if PASSWORD.split()[0] in s or s.startswith("POST")], sent
    page.click("form#login button[type=submit]")
    expect(page).to_have_url(f"{url}/", timeout=WAIT)
    ctx.close()


def test_an_operator_starts_a_run_and_aborts_it_a_viewer_cannot(browser: Browser, setup: Setup) -> None:
    url = setup.server.url
    ctx = context(browser)
    page = ctx.new_page()
    problems = watch(page)
    local_login(page, url, "vic")
    expect(page.locator(".card").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#start-link")).to_be_hidden()  # a viewer is not offered it...
    page.goto(f"{url}/start")
    expect(page.locator("#plan-error")).to_contain_text("vic is not an operator", timeout=WAIT)  # ...nor given it
    status = page.evaluate("""async () => {
        const s = await (await fetch('/api/session')).json();
        const r = await fetch('/api/plans/web.yaml/start', {method: 'POST', body: JSON.stringify({confirm: 'shop'}),
                              headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf}});
        return r.status; }""")
    assert status == 403
    ctx.close()
    ctx = context(browser, phone=True)  # the operator starts it from a phone
    page = ctx.new_page()
    problems = watch(page)
    local_login(page, url, "olga")
    page.click("#start-link a")
    expect(page).to_have_url(f"{url}/start", timeout=WAIT)
    page.select_option("#plan-pick", "web.yaml")
    expect(page.locator("#plan-show")).to_contain_text("Deploy", timeout=WAIT)
    expect(page.locator("#plan-title")).to_have_text(f"Shop {XSS} 2.0 — shop/web")  # text, never markup
    expect(page.locator("#plan-rollback")).to_contain_text("echo undeploy")
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert client == 390 and scroll <= client, (scroll, client)
    secret = page.locator("#plan-vars label[data-var=TOKEN] input")
    expect(secret).to_have_attribute("type", "password")
    secret.fill(MARKER)
    page.click("#start-go")  # not confirmed yet: refused in the page
    expect(page.locator("#start-result")).to_have_text("Type shop to confirm the start.")
    page.fill("#start-typed", "shop")
    page.screenshot(path=str(ARTIFACTS / "console-start.png"), full_page=True)
    page.click("#start-go")
    expect(page).to_have_url(re.compile(r"/runs/[0-9]{8}-"), timeout=3 * WAIT)
    rid = page.url.rsplit("/", 1)[1]
    expect(page.locator("#status")).to_have_attribute("data-status", "waiting", timeout=3 * WAIT)
    expect(page.locator("#meta")).to_contain_text("by olga")
    expect(page.locator("#runner")).to_contain_text("started here by olga: running")
    expect(page.locator(".card[data-step='1.1'] pre")).to_contain_text("deploying with ***")
    assert MARKER not in page.content()
    decide(page, "abort", "wrong build")
    expect(page.locator("#action-result")).to_contain_text("abort requested by olga", timeout=WAIT)
    expect(page.locator("#runner")).to_contain_text("exited with 143", timeout=3 * WAIT)
    expect(page.locator("#actions button[data-action=resume]")).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(ARTIFACTS / "console-aborted.png"), full_page=True)
    page.click("#actions button[data-action=resume]")  # the plan's secret is typed again, for the new process only
    again = page.locator("#dialog-secrets label[data-var=TOKEN] input")
    expect(again).to_have_attribute("type", "password")
    again.fill(MARKER)
    page.click("#dialog-go")
    expect(page.locator("#action-result")).to_contain_text("resuming run", timeout=3 * WAIT)
    expect(page.locator("#runner")).to_contain_text("started here by olga: running", timeout=3 * WAIT)
    assert MARKER not in page.content()
    types = [json.loads(x)["type"] for x in golive("log", rid, "--json", cwd=setup.workdir).out.splitlines()]
    assert "run.abort_requested" in types and "step.interrupted" not in types  # it was waiting at the gate
    assert problems == []
    ctx.close()


def test_the_runs_list_is_live_without_polling(browser: Browser, setup: Setup) -> None:
    url = setup.server.url
    ctx = context(browser)
    page = ctx.new_page()
    local_login(page, url, "vic")
    expect(page.locator("#updated")).to_have_attribute("data-live", "1", timeout=WAIT)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    (setup.workdir / "live.yaml").write_text("name: live list\nservice: livelist\nenvironment: prod\nphases:\n"
                                             "  - name: one\n    steps: ['echo ok']\n")
    assert golive("run", "live.yaml", cwd=setup.workdir, env={"GOLIVE_USER": "olga"}).code == 0
    card = page.locator(".card", has_text="livelist/prod")
    expect(card).to_have_attribute("data-status", "succeeded", timeout=WAIT)  # it came to the open page
    assert not [u for u in asked if "/api/runs" in u], asked  # pushed over the stream, not polled
    ctx.close()


class HeldClock(FakeClock):
    """The engine's clock for a canary watched live: each sleep (the canary's wait between two looks of its judge)
    first tells the test the run is holding, then waits until the test lets it go on; the hold itself takes no
    time. So the test sees the page between any two of the canary's events, with no sleeps for luck."""

    def __init__(self) -> None:
        super().__init__(datetime.now(UTC))
        self.holding = threading.Semaphore(0)
        self.go = threading.Semaphore(0)
        self.free = False

    def sleep(self, seconds: float) -> None:
        if not self.free:
            self.holding.release()
            assert self.go.acquire(timeout=WAIT / 1000 * 5), "the test never let the canary go on"
        super().sleep(seconds)

    def step(self) -> None:
        """Let the run go on to its next hold (or its end)."""
        self.go.release()

    def wait_holding(self) -> None:
        assert self.holding.acquire(timeout=WAIT / 1000 * 3), "the canary never reached its next hold"


CANARY = """
name: Web 3.0 canary
service: webcanary
environment: prod
routers:
  edge: {{type: builtin, admin: "{admin}"}}
phases:
  - name: Canary
    steps:
      - name: canary 3.0
        canary:
          router: edge
          stable: blue
          canary: green
          interval: 1m
          stages: [{{weight: 10, hold: 2m}}, {{weight: 50, hold: 2m}}, {{weight: 100}}]
          analysis:
            source: {{json: {{url: "{url}", requests: "$.requests", errors: "$.errors"}}}}
            max_error_rate: 1%
            min_requests: 100
"""


def test_the_run_page_shows_the_traffic_weight_and_the_judge_s_verdicts_live(browser: Browser, setup: Setup) -> None:
    """Issue 15: a canary driven by the real engine through the real built-in proxy, judged on a real metrics
    endpoint, writing to the log the console serves. The page, opened before the canary moves, shows each
    weight change and each verdict as it is appended (over the event stream, never reloaded): 10% and no verdict,
    then a pass, then 50% after two passes, then the failing verdict, 0% and the run rolled back."""
    metrics = Stats(p95=lambda version, bad: 120.0)
    threading.Thread(target=metrics.server.serve_forever, daemon=True).start()
    workdir = setup.workdir
    clock = HeldClock()
    store = SQLiteStore(workdir / ".golive" / "golive.db")
    result: list[int | BaseException] = []
    ctx = context(browser)
    try:
        with LocalBackend(workdir, "blue") as blue, LocalBackend(workdir, "green") as green, \
                LocalProxy(workdir, {"blue": [blue.address], "green": [green.address]}, {"blue": 100}) as proxy:
            text = CANARY.format(admin=proxy.admin, url=metrics.url)
            path = workdir / "canary.yaml"
            path.write_text(text)
            req = StartRequest(plan=parse_plan_text(text, str(path)), plan_path=path, plan_text=text,
                               initiator="ian", environ={})
            rid = start_run(req, store, clock)
            page = ctx.new_page()
            problems = watch(page)
            local_login(page, setup.server.url, "vic", f"/runs/{rid}")
            expect(page.locator("#stream")).to_have_text("live", timeout=WAIT)
            expect(page.locator("#traffic")).to_be_hidden()  # nothing has moved yet
            page.evaluate("window.sameDocument = true")  # gone if the page were ever reloaded

            def drive() -> None:
                try:
                    result.append(drive_run(store, rid, clock, DriveOptions(
                        environ={}, options=EngineOptions(workdir=workdir))))
                except BaseException as exc:  # reported by the test's own thread
                    result.append(exc)

            runner = threading.Thread(target=drive, daemon=True)
            runner.start()
            weight, rows = page.locator("#weight"), page.locator("#verdicts tbody tr")
            clock.wait_holding()  # the canary took 10% and holds before its first look
            expect(page.locator("#traffic")).to_be_visible(timeout=WAIT)
            expect(weight).to_have_text("canary weight now 10%", timeout=WAIT)
            expect(rows).to_have_count(0)
            clock.step()
            clock.wait_holding()  # first look: pass
            expect(rows).to_have_count(1, timeout=WAIT)
            expect(rows.nth(0).locator(".badge")).to_have_text("pass")
            expect(weight).to_have_text("canary weight now 10%")
            clock.step()
            clock.wait_holding()  # second look passed: promoted to 50%
            expect(weight).to_have_text("canary weight now 50%", timeout=WAIT)
            expect(rows).to_have_count(2)
            page.screenshot(path=str(ARTIFACTS / "console-canary-live.png"), full_page=True)
            clock.free = True
            clock.step()  # the canary turns bad: the judge fails it, traffic goes back to blue, the run rolls back
            runner.join(timeout=3 * WAIT / 1000)
            assert result == [1], result
            expect(page.locator("#status")).to_have_attribute("data-status", "rolled-back", timeout=WAIT)
            expect(weight).to_have_text("canary weight now 0%", timeout=WAIT)
            expect(rows).to_have_count(3)
            expect(rows.nth(2).locator(".badge")).to_have_text("fail")
            expect(rows.nth(2)).to_contain_text("canary errors")
            assert page.evaluate("window.sameDocument") is True
            assert problems == []
        verdicts = [e.payload["outcome"] for e in store.events(rid) if e.type == "analysis.verdict"]
        weights = [e.payload["weights"]["green"] for e in store.events(rid) if e.type == "traffic.weight"]
        assert (verdicts, weights) == (["pass", "pass", "fail"], [10, 50, 0])
    finally:
        clock.free = True
        clock.step()
        ctx.close()
        store.close()
        metrics.server.shutdown()
        metrics.server.server_close()
