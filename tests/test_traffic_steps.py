"""The `switch` and `canary` steps: plan validation (router names, pools, derived undo) and runs through
the real `golive` command and the real built-in proxy process."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import golive
from golive.core.step import StepContext
from golive.masking import Masker
from golive.plan.model import Plan
from golive.steps.canary import CanaryStep
from golive.steps.switch import SwitchStep
from golive.testing import FakeClock
from golive.traffic.haproxy import HAProxyRouter
from golive.traffic.loadgen import BackgroundLoad
from golive.traffic.local import LocalBackend, LocalHAProxy, LocalNginx
from golive.traffic.proxy.router import BuiltinRouter
from localhttp import golive_proxy

HEAD = """\
name: bg
service: web
environment: test
routers:
  edge: {type: haproxy, socket: /run/haproxy.sock, backend: app, pools: {blue: blue, green: green}}
phases:
  - name: Switch
    steps:
"""


def _plan(steps: str, tmp: Path) -> tuple[int, str]:
    (tmp / "plan.yaml").write_text(HEAD + steps)
    res = golive("plan", "validate", "plan.yaml", cwd=tmp)
    return res.code, res.out + res.err


def test_switch_derives_its_undo_from_the_two_pools(workdir: Path) -> None:
    code, out = _plan("      - switch: {router: edge, to: green}\n", workdir)
    assert code == 0, out
    res = golive("plan", "show", "plan.yaml", "--json", cwd=workdir)
    step = json.loads(res.out)["plan"]["phases"][0]["steps"][0]
    assert step["switch"]["from"] == "blue"
    assert step["undo"]["switch"] == {**step["undo"]["switch"], "to": "blue", "from": "green", "auto_undo": False}
    assert "undo 1.1" in golive("plan", "show", "plan.yaml", cwd=workdir).out


@pytest.mark.parametrize(("steps", "message"), [
    ("      - switch: {router: edje, to: green}\n", "unknown router 'edje'; routers: edge"),
    ("      - switch: {router: edge, to: purple}\n", "pool(s) purple not in the router's pools (blue, green)"),
    ("      - switch: {router: {type: builtin, admin: '127.0.0.1:1'}, to: green}\n", "switch needs `from:`"),
    ("      - canary: {router: edge, stable: blue, canary: green, stages: [{weight: 50}, {weight: 10}]}\n",
     "stage weights must increase"),
    ("      - canary: {router: edge, stable: blue, canary: blue, stages: [{weight: 100}]}\n", "different pools"),
    ("      - canary: {router: edge, stable: blue, canary: green, stages: [{weight: 100}],"
     " analysis: {max_error_rate: lots}}\n", "expected a rate like '1%'"),
])
def test_bad_traffic_steps_are_plan_errors(workdir: Path, steps: str, message: str) -> None:
    code, out = _plan(steps, workdir)
    assert code == 2, out
    assert message in out and "Traceback" not in out
    assert out.startswith("plan.yaml:"), out


def test_canary_undo_is_all_traffic_back_to_stable() -> None:
    plan = Plan.model_validate({
        "name": "c", "service": "s", "environment": "e",
        "routers": {"edge": {"type": "builtin", "admin": "127.0.0.1:1"}},
        "phases": [{"name": "p", "steps": [{"canary": {"router": "edge", "stable": "blue", "canary": "green",
                                                       "stages": [{"weight": 10, "hold": "10m"}, {"weight": 100}],
                                                       "analysis": {"max_error_rate": "1%", "max_p95": "2s"}}}]}],
    })
    step = plan.phases[0].steps[0]
    assert isinstance(step, CanaryStep) and isinstance(step.undo, SwitchStep)
    assert step.undo.switch.to == "blue" and step.undo.switch.auto_undo is False
    t = step.thresholds()
    assert t.max_error_rate == 0.01 and t.max_p95_ms == 2000.0
    # the plan survives the round trip through the run log (resume re-validates the dump)
    again = Plan.model_validate(plan.model_dump(mode="json", by_alias=True, exclude_none=True))
    assert again.model_dump() == plan.model_dump()


@pytest.fixture
def proxy(workdir: Path) -> Iterator[tuple[str, str, LocalBackend, LocalBackend]]:
    """The built-in proxy started through the real `golive proxy serve`."""
    with golive_proxy(workdir) as started:
        yield started


def test_blue_green_run_switches_and_the_rollback_switches_back(
        workdir: Path, proxy: tuple[str, str, LocalBackend, LocalBackend]) -> None:
    url, admin, _, _ = proxy
    (workdir / "plan.yaml").write_text(f"""\
name: bg
service: web
environment: test
routers:
  edge: {{type: builtin, admin: "{admin}"}}
phases:
  - name: Switch
    steps:
      - name: go green
        switch: {{router: edge, to: green, from: blue}}
  - name: Verify
    steps:
      - name: smoke test that fails
        shell: "false"
""")
    with BackgroundLoad(url, rate=200.0, concurrency=8, max_requests=5000, max_seconds=30) as load:
        load.wait_for("blue", 20)
        res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
        load.wait_for("blue", load.answered_by("blue") + 20)
        report = load.stop()
    assert res.code == 1, res.out + res.err
    assert BuiltinRouter(admin).weights() == {"blue": 100, "green": 0}
    assert not report.failures, report.summary()
    assert report.by_backend()["green"] > 0 or "green" in res.out
    assert "traffic via edge: blue 0% / green 100% -- switch to green" in res.out
    assert "traffic via edge: blue 100% / green 0% -- switch to blue" in res.out
    assert "[1.1.undo] ok" in res.out


def test_switch_refuses_an_unhealthy_target(workdir: Path, proxy: tuple[str, str, LocalBackend, LocalBackend]) -> None:
    _, admin, _, green = proxy
    green.stop()
    plan = Plan.model_validate({
        "name": "c", "service": "s", "environment": "e",
        "phases": [{"name": "p", "steps": [{"switch": {"router": {"type": "builtin", "admin": admin},
                                                       "to": "green", "from": "blue"}}]}]})
    step = plan.phases[0].steps[0]
    result = step.execute(_ctx(workdir, []))
    assert result.status == "failed" and "no healthy server" in result.message
    assert BuiltinRouter(admin).weights() == {"blue": 100, "green": 0}


def _ctx(workdir: Path, events: list[tuple[str, dict[str, Any]]]) -> StepContext:
    return StepContext(run_id="r", step_id="1.1", vars={}, masker=Masker(), clock=FakeClock(), workdir=workdir,
                       emit=lambda t, p: events.append((t, p)))


@pytest.mark.parametrize("hold", ["10m", "1m"])
def test_canary_without_traffic_is_never_promoted(workdir: Path, proxy: tuple[str, str, LocalBackend, LocalBackend],
                                                 hold: str) -> None:
    """No requests at all: every verdict is inconclusive and three in a row abort the canary. With a hold
    of one interval the stage is over after one inconclusive verdict; judging goes on instead of promoting."""
    _, admin, _, _ = proxy
    plan = Plan.model_validate({
        "name": "c", "service": "s", "environment": "e",
        "phases": [{"name": "p", "steps": [{"canary": {
            "router": {"type": "builtin", "admin": admin}, "stable": "blue", "canary": "green", "interval": "1m",
            "stages": [{"weight": 10, "hold": hold}, {"weight": 100}],
            "analysis": {"max_error_rate": "1%", "max_inconclusive": 3}}}]}]})
    events: list[tuple[str, dict[str, Any]]] = []
    result = plan.phases[0].steps[0].execute(_ctx(workdir, events))
    assert result.status == "failed", result.message
    verdicts = [p["outcome"] for t, p in events if t == "analysis.verdict"]
    assert verdicts == ["inconclusive", "inconclusive", "fail"]
    assert [p["weights"] for t, p in events if t == "traffic.weight"] == [
        {"blue": 90, "green": 10}, {"blue": 100, "green": 0}]
    assert BuiltinRouter(admin).weights() == {"blue": 100, "green": 0}


@pytest.mark.parametrize("promote", [False, True])
def test_a_canary_held_for_a_go_no_go_keeps_its_split(workdir: Path, proxy: tuple[str, str, LocalBackend,
                                                                                     LocalBackend],
                                                    promote: bool) -> None:
    """`promote: false` (a ramp cut at "Go/No-Go before stage 4"): after its last stage the split stays as it is,
    for the decision; a canary that promoted at its end sent all traffic before anyone decided."""
    _, admin, _, _ = proxy
    plan = Plan.model_validate({
        "name": "c", "service": "s", "environment": "e",
        "phases": [{"name": "p", "steps": [{"canary": {
            "router": {"type": "builtin", "admin": admin}, "stable": "blue", "canary": "green",
            "stages": [{"weight": 5}, {"weight": 50}], "promote": promote}}]}]})
    events: list[tuple[str, dict[str, Any]]] = []
    result = plan.phases[0].steps[0].execute(_ctx(workdir, events))
    assert result.status == "succeeded", result.message
    weights = [p["weights"] for t, p in events if t == "traffic.weight"]
    assert weights[:2] == [{"blue": 95, "green": 5}, {"blue": 50, "green": 50}]
    if promote:
        assert weights[2:] == [{"blue": 0, "green": 100}]
        assert BuiltinRouter(admin).weights() == {"blue": 0, "green": 100}
    else:
        assert weights[2:] == [] and BuiltinRouter(admin).weights() == {"blue": 50, "green": 50}
        assert "held green at 50%" in result.message


# -- blue-green through `golive run` and the real HAProxy / nginx -----------------------------------

def _router_yaml(kind: str, tmp: Path, blue: LocalBackend, green: LocalBackend) -> tuple[Any, str]:
    """Start the real router with all traffic on blue; returns it and its `routers:` entry."""
    if kind == "haproxy":
        ha = LocalHAProxy(tmp, {"blue": blue.address, "green": green.address}, {"blue": 100})
        return ha, f"{{type: haproxy, socket: '{ha.socket}', backend: app, pools: {{blue: blue, green: green}}}}"
    ng = LocalNginx(tmp, {"blue": blue.address, "green": green.address}, {"blue": 100})
    return ng, (f"{{type: nginx, upstream: app, upstream_file: '{ng.upstream_file}', conf: '{ng.conf}',"
                f" prefix: '{ng.prefix}', pid_file: '{ng.pid_file}', access_log: '{ng.access_log}',"
                f" nginx: '{ng.binary}', pools: {{blue: '{blue.address}', green: '{green.address}'}}}}")


@pytest.mark.parametrize("kind", ["haproxy", "nginx"])
def test_blue_green_run_through_real_router_forward_and_back_under_load(workdir: Path, kind: str) -> None:
    """`golive run` switches blue -> green; a later step fails once green has served 50 requests under load;
    the rollback switches back. No client sees a failed request, and the router ends on blue."""
    with LocalBackend(workdir, "blue") as blue, LocalBackend(workdir, "green") as green:
        router_proc, router_yaml = _router_yaml(kind, workdir, blue, green)
        with router_proc:
            (workdir / "plan.yaml").write_text(f"""\
name: bg
service: web
environment: test
routers:
  edge: {router_yaml}
phases:
  - name: Switch
    steps:
      - name: go green
        switch: {{router: edge, to: green, from: blue}}
  - name: Verify
    steps:
      - name: smoke test that fails once green served traffic
        shell: "for i in $(seq 600); do [ -f green-seen ] && exit 1; sleep 0.05; done; exit 2"
""")
            with BackgroundLoad(router_proc.url, rate=200.0, concurrency=16, max_requests=20000,
                                max_seconds=60) as load:
                load.wait_for("blue", 20)

                def mark_green_seen() -> None:
                    with contextlib.suppress(TimeoutError):
                        load.wait_for("green", 50, timeout=30)
                        (workdir / "green-seen").touch()

                watcher = threading.Thread(target=mark_green_seen, daemon=True)
                watcher.start()
                res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, timeout=90)
                watcher.join(35)
                load.wait_for("blue", load.answered_by("blue") + 50)
                report = load.stop()
            out = res.out + res.err
            assert res.code == 1, out
            assert "exit 1" in out, out  # the smoke step saw green serve, it did not time out
            assert not report.failures, report.summary()
            assert report.by_backend()["green"] >= 50, report.summary()
            assert {r.backend for r in report.records[-20:]} == {"blue"}, report.summary()
            assert "traffic via edge: blue 0% / green 100% -- switch to green" in out
            assert "traffic via edge: blue 100% / green 0% -- switch to blue" in out
            if kind == "haproxy":
                router = HAProxyRouter(router_proc.socket, "app", {"blue": ["blue"], "green": ["green"]})
                text = router.command("show stat").splitlines()
                header = text[0][2:].split(",")
                weights = {row.split(",")[1]: row.split(",")[header.index("weight")] for row in text[1:]
                           if row.startswith("app,") and row.split(",")[1] in ("blue", "green")}
                assert weights == {"blue": "200", "green": "0"}
            else:
                assert router_proc.router.weights() == {"blue": 100, "green": 0}
                assert f"server {green.address} down;" in router_proc.upstream_file.read_text()


def test_live_panel_on_a_terminal_shows_weight_and_last_verdict(
        workdir: Path, proxy: tuple[str, str, LocalBackend, LocalBackend]) -> None:
    """`golive run` on a pseudo-terminal: the live panel (rich, redrawn in place) carries the current split
    and the last verdict with its reason, which plain output does not print in that form."""
    _, admin, _, _ = proxy
    (workdir / "plan.yaml").write_text(f"""\
name: live
service: web
environment: test
phases:
  - name: Canary
    steps:
      - name: canary green
        canary:
          router: {{type: builtin, admin: "{admin}"}}
          stable: blue
          canary: green
          interval: 1s
          stages: [{{weight: 10, hold: 2s}}, {{weight: 100}}]
          analysis: {{max_error_rate: 1%, max_inconclusive: 3}}
""")
    master, slave = pty.openpty()
    env = {**os.environ, "GOLIVE_USER": "tester", "COLUMNS": "400", "LINES": "60", "TERM": "xterm"}
    env.pop("CI", None)
    proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))
    assert code == 1, text[-3000:]
    assert "current weight: blue 90% / green 10% (stage 1/2) via builtin" in text, text[-3000:]
    assert re.search(r"last verdict INCONCLUSIVE at stage 1 \(10%\): inconclusive: canary served 0 requests"
                     r" this interval.*\(1 of 3 in a row\)", text), text[-3000:]
    assert "last verdict FAIL at stage 1 (10%): fail: 3 inconclusive intervals in a row" in text, text[-3000:]


def test_router_address_and_pool_names_can_be_plan_vars(
        workdir: Path, proxy: tuple[str, str, LocalBackend, LocalBackend]) -> None:
    """What an imported plan's placeholders need: the same plan, pointed at a router and pools by vars."""
    _, admin, _, _ = proxy
    (workdir / "plan.yaml").write_text("""\
name: bg
service: web
environment: test
vars:
  ROUTER_ADMIN: {value: "127.0.0.1:1", description: "fill in"}
  NEW_POOL: {value: purple}
  OLD_POOL: {value: blue}
phases:
  - name: Switch
    steps:
      - switch: {router: {type: builtin, admin: "${ROUTER_ADMIN}"}, to: "${NEW_POOL}", from: "${OLD_POOL}"}
  - name: Verify
    steps:
      - shell: "false"
""")
    res = golive("run", "plan.yaml", "--no-wait", "--json", "--var", f"ROUTER_ADMIN={admin}", "--var",
                 "NEW_POOL=green", cwd=workdir)
    assert res.code == 1, res.out + res.err
    weights = [json.loads(line)["payload"]["weights"] for line in res.out.splitlines()
               if json.loads(line)["type"] == "traffic.weight"]
    assert weights == [{"blue": 0, "green": 100}, {"blue": 100, "green": 0}]  # switched by var values, and back
    assert BuiltinRouter(admin).weights() == {"blue": 100, "green": 0}


def test_canary_pools_and_router_can_be_plan_vars(workdir: Path,
                                                  proxy: tuple[str, str, LocalBackend, LocalBackend]) -> None:
    _, admin, _, _ = proxy
    plan = Plan.model_validate({
        "name": "c", "service": "s", "environment": "e",
        "phases": [{"name": "p", "steps": [{"canary": {
            "router": {"type": "builtin", "admin": "${ADMIN}"}, "stable": "${STABLE}", "canary": "${CANARY}",
            "interval": "1m", "stages": [{"weight": 10, "hold": "1m"}, {"weight": 100}],
            "analysis": {"max_error_rate": "1%", "max_inconclusive": 1}}}]}]})
    events: list[tuple[str, dict[str, Any]]] = []
    ctx = _ctx(workdir, events)
    ctx.vars.update({"ADMIN": admin, "STABLE": "blue", "CANARY": "green"})
    result = plan.phases[0].steps[0].execute(ctx)
    assert result.status == "failed" and "back on blue" in result.message, result.message
    assert [p["weights"] for t, p in events if t == "traffic.weight"] == [
        {"blue": 90, "green": 10}, {"blue": 100, "green": 0}]
