"""The team console for tests: the real `golive web` in a subprocess over a real run log, local accounts made with
`golive web user add`, and a real OpenID provider (the npm package oidc-provider, run with the machine's Node.js
from tests/oidc/, installed there from the npm registry on first use) on loopback.

People in these tests: ian starts runs (initiator); rita and sam hold the plan's release-managers role; olga is an
operator (team config); vic only views. ian logs in locally as `ian` or through the provider as `ian.sso`: the
team config ties both to one person, so separation of duties holds whichever way he comes in."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from conftest import REPO, golive
from golive.traffic.local import free_ports

MARKER = "s3cr3t-marker-9f2c"
XSS = "<img src=x onerror=alert(1)>"
PASSWORD = "correct horse battery staple"
PLAN = f"""
name: "Shop {XSS} 2.0"
service: shop
environment: prod
version: {{from: "1.0", to: "2.0"}}
vars:
  TOKEN: {{secret: true, from_env: SHOP_TOKEN}}
approvers: {{release-managers: [rita, sam]}}
separation_of_duties: true
phases:
  - name: Deploy
    timebox: 10m
    steps:
      - name: "deploy <script>alert(2)</script> with the token"
        shell: echo "deploying with $TOKEN"; echo '<b onmouseover=alert(3)>bold</b>'
        undo: echo undeploy
    gate:
      description: deployed and healthy
      approvals: {{count: 1, role: release-managers}}
  - name: Verify
    steps: ["echo verified"]
"""
OIDC_DIR = REPO / "tests" / "oidc"
OIDC_SECRET = "test-client-secret-not-a-real-one"
#: Logins at the provider and the claims it vouches for.
OIDC_ACCOUNTS = {"rita": {"preferred_username": "rita", "groups": ["release"]},
                 "ian.sso": {"preferred_username": "Ian S.", "groups": ["dev"]},
                 "vic.sso": {"preferred_username": "vic", "groups": []}}


def team_yaml(oidc_port: int | None, idle: str = "15m", revalidate: str = "5m") -> str:
    oidc = (f"oidc: {{discovery_url: 'http://127.0.0.1:{oidc_port}/.well-known/openid-configuration',"
            f" client_id: golive, client_secret_env: GOLIVE_OIDC_SECRET, label: the test provider,"
            f" revalidate: {revalidate}}}\n"
            if oidc_port else "")
    return oidc + f"""roles:
  viewer: ["*"]
  operator: [olga]
people:
  ian: ["local:ian", "oidc:ian.sso"]
session: {{idle: {idle}, absolute: 12h}}
login_limit: {{failures: 5, window: 5m}}
"""


def waiting_run(workdir: Path, wait: bool = False) -> tuple[str, subprocess.Popen[str] | None]:
    """ian starts the plan; it stops at the gate. With `wait`, its process stays and waits for the decision."""
    (workdir / "plan.yaml").write_text(PLAN)
    env = {**os.environ, "GOLIVE_USER": "ian", "SHOP_TOKEN": MARKER}
    proc = None
    if wait:
        proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--wait"], cwd=workdir,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 90
        try:
            while True:
                listed = golive("runs", "--json", cwd=workdir) if (workdir / ".golive").exists() else None
                rows = json.loads(listed.out) if listed and listed.code == 0 else []
                if rows and rows[0]["status"] == "waiting":
                    return str(rows[0]["run"]), proc
                assert time.monotonic() < deadline, "the run never reached its gate"
                time.sleep(0.1)  # polls the run log; bounded by the deadline
        except BaseException:
            proc.kill()  # nobody else will: the caller never got it
            proc.wait(timeout=30)
            raise
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_USER": "ian", "SHOP_TOKEN": MARKER})
    assert r.code == 3, r.out + r.err
    return str(json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]), None


def own_staging_run(workdir: Path, plan_file: str) -> str:
    """ian starts a second run, in staging, of a plan whose approver role names him too: only separation of duties
    keeps him from approving it. Returns its id (it waits at its gate: exit 3)."""
    plan = (workdir / "plan.yaml").read_text().replace("[rita, sam]", "[rita, sam, ian]")
    (workdir / plan_file).write_text(plan.replace("environment: prod", "environment: staging"))
    r = golive("run", plan_file, "--no-wait", cwd=workdir, env={"GOLIVE_USER": "ian", "SHOP_TOKEN": MARKER})
    assert r.code == 3, r.err
    return str(next(x["run"] for x in json.loads(golive("runs", "--json", cwd=workdir).out)
                    if x["environment"] == "staging"))


def add_user(workdir: Path, name: str, totp: bool = False) -> str:
    args = ["web", "user", "add", name, "--password-stdin"] + (["--totp"] if totp else [])
    proc = subprocess.run([sys.executable, "-m", "golive", *args], cwd=workdir, input=PASSWORD + "\n",
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@dataclass
class Server:
    proc: subprocess.Popen[str]
    url: str
    workdir: Path
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        c = httpx.Client(base_url=self.url, timeout=30, verify=False)
        self.clients.append(c)
        return c

    def login(self, name: str, password: str = PASSWORD, code: str | None = None) -> tuple[httpx.Client, str]:
        """A logged-in client and its session's CSRF token."""
        c = self.client()
        csrf = c.get("/api/session").json()["csrf"]
        r = c.post("/api/login", json={"name": name, "password": password, "code": code},
                   headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        return c, str(r.json()["csrf"])


@contextmanager
def serve(workdir: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    proc = subprocess.Popen([sys.executable, "-m", "golive", "web", "--port", "0", *extra], cwd=workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "GOLIVE_OIDC_SECRET": OIDC_SECRET, **(env or {})})
    server = None
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the server prints its address before serving; EOF if it dies first
        assert line.startswith("golive web: http"), line + (proc.stderr.read() if proc.stderr else "")
        url = line.split()[2].rstrip("/")
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=5, verify=False).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # the socket is bound before uvicorn serves; bounded by the deadline
        server = Server(proc, url, workdir)
        yield server
    finally:
        for c in server.clients if server else []:
            c.close()
        proc.terminate()
        proc.wait(timeout=20)
        stop_runners(workdir)


def stop_runners(workdir: Path) -> None:
    """Runs the console started go on without it (their own sessions, waiting at gates for hours): a test that
    ends, passed or failed, stops those still running (their logs are named -pidN.log)."""
    def running(pid: int) -> bool:
        try:
            return b"golive" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    for log in (workdir / ".golive" / "web" / "runners").glob("*-pid*.log"):
        pid = int(log.stem.rsplit("-pid", 1)[1])
        if not running(pid):
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while running(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.05)  # waits for the runner to record its stop; bounded by the deadline


def ensure_oidc_provider() -> Path:
    """oidc-provider from the npm registry into tests/oidc/node_modules (once); fails, never skips, without npm."""
    if (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return OIDC_DIR
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed (Debian package `npm`, in scripts/system-packages.txt): it installs the"
                    " test OpenID provider")
    r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR, capture_output=True, text=True,
                       timeout=600)
    if r.returncode != 0:
        pytest.fail(f"npm ci in {OIDC_DIR} failed: {r.stderr[-2000:]}")
    return OIDC_DIR


@contextmanager
def oidc_provider(port: int, console_port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """The provider at http://127.0.0.1:PORT, with the console's callback on `console_port` registered (`env`:
    OIDC_ROTATE=1 rotates refresh tokens, see provider.mjs)."""
    node = "/usr/bin/node" if Path("/usr/bin/node").exists() else shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (Debian package `nodejs`, in scripts/system-packages.txt)")
    ensure_oidc_provider()
    callback = f"http://127.0.0.1:{console_port}/auth/oidc/callback"
    proc = subprocess.Popen([node, "provider.mjs", str(port), "golive", callback, json.dumps(OIDC_ACCOUNTS)],
                            cwd=OIDC_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "OIDC_CLIENT_SECRET": OIDC_SECRET, **(env or {})})
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # EOF if it dies first
            if line.startswith("oidc-provider ready"):
                break
        else:
            pytest.fail(f"the OpenID provider exited with {proc.wait(timeout=10)} before it was ready")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def console_ports() -> tuple[int, int]:
    oidc_port, console_port = free_ports(2)
    return oidc_port, console_port
