"""`golive web`: the real server in a subprocess over the real run log; the JSON API, the live event stream, and
the run page in the real Chromium moving from `waiting` to `succeeded` when someone approves from a shell."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chromium import launch, tab
from conftest import REPO, golive

PLAN = """
name: "Shop <img src=x onerror=alert(1)> 2.0"
service: shop
environment: prod
vars:
  TOKEN: {secret: true, from_env: SHOP_TOKEN}
approvers: {release-managers: [rita, sam]}
separation_of_duties: true
phases:
  - name: Deploy
    steps:
      - name: deploy with the token
        shell: echo "deploying with $TOKEN"
    gate:
      description: deployed and healthy
      approvals: {count: 1, role: release-managers}
  - name: Verify
    steps: ["echo verified"]
"""
MARKER = "s3cr3t-marker-9f2c"


class Web:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc, self.url = proc, url
        self.http = httpx.Client(base_url=url, timeout=30)

    def get(self, path: str, **params: object) -> httpx.Response:
        return self.http.get(path, params=params)


def waiting_run(workdir: Path) -> str:
    (workdir / "plan.yaml").write_text(PLAN)
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_USER": "ian", "SHOP_TOKEN": MARKER})
    assert r.code == 3, r.out + r.err
    listed = golive("runs", "--json", cwd=workdir)
    run_id: str = json.loads(listed.out)[0]["run"]
    return run_id


@pytest.fixture
def web(workdir: Path) -> Iterator[Web]:
    waiting_run(workdir)
    proc = subprocess.Popen([sys.executable, "-m", "golive", "web", "--port", "0"], cwd=workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the server prints its address before serving; EOF if it dies first
        assert line.startswith("golive web: http://127.0.0.1:"), line + (proc.stderr.read() if proc.stderr else "")
        url = line.split()[2].rstrip("/")
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # the socket is bound before uvicorn serves; bounded by the deadline
        yield Web(proc, url)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_api_lists_runs_and_explains_a_waiting_gate(web: Web, workdir: Path) -> None:
    runs = web.get("/api/runs").json()
    assert [(r["service"], r["environment"], r["status"], r["initiator"]) for r in runs] == \
        [("shop", "prod", "waiting", "ian")]
    run_id = runs[0]["run"]
    summary = web.get(f"/api/runs/{run_id[:12]}").json()  # a unique prefix is enough, as on the command line
    assert summary["run"] == run_id
    assert [(p["name"], p["status"]) for p in summary["phases"]] == [("Deploy", "waiting"), ("Verify", "pending")]
    assert summary["waiting"]["kind"] == "gate"
    assert summary["waiting"]["candidates"] == ["rita", "sam"]
    assert summary["waiting"]["command"] == f"golive approve {run_id} --by NAME --reason TEXT"
    events = web.get(f"/api/runs/{run_id}/events").json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    asked = [e for e in events if e["type"] != "audit.checkpoint"][-1]  # the runner seals after the question
    assert asked["type"] == "gate.waiting" and "rita, sam" in asked["line"]
    assert summary["head_seq"] == len(events)
    later = web.get(f"/api/runs/{run_id}/events", after=len(events) - 2).json()
    assert [e["seq"] for e in later] == [len(events) - 1, len(events)]
    missing = web.get("/api/runs/no-such-run")
    assert missing.status_code == 404 and "no-such-run" in missing.json()["error"]


def test_nothing_secret_and_nothing_foreign_reaches_the_browser(web: Web) -> None:
    run_id = web.get("/api/runs").json()[0]["run"]
    bodies = [web.get(p) for p in ("/", f"/runs/{run_id}", "/static/golive.js", f"/api/runs/{run_id}",
                                   f"/api/runs/{run_id}/events", f"/runs/{run_id}/report")]
    assert all(b.status_code == 200 for b in bodies), [b.status_code for b in bodies]
    assert not any(MARKER in b.text for b in bodies)
    assert "***" in bodies[4].text  # the step printed the token: its output is masked in the log
    page = bodies[1]
    assert "onerror" not in page.text  # pages carry no data; the script fills them with textContent
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_event_stream_delivers_the_approval_and_the_end(web: Web, workdir: Path) -> None:
    run_id = web.get("/api/runs").json()[0]["run"]
    head = web.get(f"/api/runs/{run_id}").json()["head_seq"]
    seen: list[dict[str, object]] = []
    with web.http.stream("GET", f"/api/runs/{run_id}/events/stream", headers={"Last-Event-ID": str(head)},
                         timeout=httpx.Timeout(60)) as stream:
        ok = golive("approve", run_id, "--by", "rita", "--reason", "dashboards are green", cwd=workdir)
        assert ok.code == 0, ok.out + ok.err
        resumed = golive("resume", run_id, "--no-wait", cwd=workdir, env={"SHOP_TOKEN": MARKER})
        assert resumed.code == 0, resumed.out + resumed.err
        data = ""
        for line in stream.iter_lines():  # ends at run.finished; httpx's read timeout is the deadline
            if line.startswith("data: "):
                data = line[6:]
            elif line == "" and data:
                seen.append(json.loads(data))
                data = ""
                if seen[-1]["type"] == "run.finished":
                    break
    seqs = [e["seq"] for e in seen]
    assert seqs == list(range(head + 1, head + 1 + len(seen)))  # nothing before Last-Event-ID, nothing skipped
    types = [e["type"] for e in seen]
    assert types[0] == "gate.approved" and "rita" in str(seen[0]["line"])
    assert types[-1] == "run.finished"
    assert web.get(f"/api/runs/{run_id}").json()["status"] == "succeeded"


def test_run_page_in_chromium_goes_live_from_waiting_to_succeeded(web: Web, workdir: Path,
                                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    run_id = web.get("/api/runs").json()[0]["run"]
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with launch(tmp_path_factory.mktemp("chromium")) as b:
        with tab(b, f"{web.url}/") as session:
            row = b.wait_until("document.querySelector('#runs tbody tr')?.innerText", session)
            assert run_id in row and "waiting" in row and "ian" in row
            assert b.errors(session) == []
        with tab(b, f"{web.url}/runs/{run_id}") as session:
            b.wait_until("document.getElementById('status').dataset.status === 'waiting'", session)
            b.wait_until("document.getElementById('stream').textContent === 'live'", session)
            title = b.evaluate("document.getElementById('title').textContent", session)
            assert title == "Shop <img src=x onerror=alert(1)> 2.0"  # shown as text, never run as markup
            assert b.evaluate("document.querySelectorAll('main img').length", session) == 0
            box = b.evaluate("document.getElementById('waiting').innerText", session)
            assert "release-managers (rita, sam)" in box and f"golive approve {run_id}" in box
            shot = b.call("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
            (artifacts / "web-run-waiting.png").write_bytes(base64.b64decode(shot))

            ok = golive("approve", run_id, "--by", "sam", "--reason", "looks good", cwd=workdir)
            assert ok.code == 0, ok.out + ok.err
            assert golive("resume", run_id, "--no-wait", cwd=workdir, env={"SHOP_TOKEN": MARKER}).code == 0
            b.wait_until("document.getElementById('status').dataset.status === 'succeeded'", session)
            b.wait_until("document.querySelector('#log tr[data-type=\"run.finished\"]') !== null", session)
            assert b.evaluate("document.getElementById('waiting').hidden", session) is True
            shot = b.call("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
            (artifacts / "web-run-succeeded.png").write_bytes(base64.b64decode(shot))
            assert b.errors(session) == []
            foreign = [u for u in b.requests(session) if not u.startswith(web.url)]
            assert foreign == []


def test_refuses_a_port_it_cannot_have(web: Web, workdir: Path) -> None:
    port = web.url.rsplit(":", 1)[1]
    r = golive("web", "--port", port, cwd=workdir, timeout=60)
    assert r.code == 2 and f"cannot listen on 127.0.0.1:{port}" in r.err


def test_without_a_run_log_it_says_where_it_looked(workdir: Path) -> None:
    r = golive("web", "--port", "0", cwd=workdir, timeout=60)
    assert r.code == 2 and "no run log at .golive/golive.db" in r.err
