"""A canary that holds its last stage for a person's Go/No-Go (`promote: false`), through the real `golive`
command and the real built-in proxy: the run waits at the gate with the split on the router, GO lets the later
`switch` finish the move, NO-GO puts every request back on stable, and a kill -9 at the gate changes neither."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import golive
from crash_harness import fork_start, snapshot
from golive.traffic.loadgen import BackgroundLoad
from localhttp import golive_proxy, proxy_weights

PLAN = """\
name: held canary
service: web
environment: test
approvers: {{release: [bob]}}
routers:
  edge: {{type: builtin, admin: "{admin}"}}
phases:
  - name: Ramp
    steps:
      - name: canary 2.0 to 50%
        canary: {{router: edge, stable: blue, canary: green, stages: [{{weight: 10}}, {{weight: 50}}],
                 promote: false}}
    gate:
      description: Go/No-Go before stage 3 (100%)
      approvals: {{count: 1, role: release}}
  - name: Promote
    steps:
      - name: all traffic to 2.0
        switch: {{router: edge, to: green, from: blue}}
"""


@pytest.fixture
def proxy(workdir: Path) -> Iterator[tuple[str, str]]:
    """The built-in proxy through the real `golive proxy serve`, two real HTTP backends behind it."""
    with golive_proxy(workdir) as (url, admin, _, _):
        (workdir / "plan.yaml").write_text(PLAN.format(admin=admin))
        yield url, admin


def _env(workdir: Path) -> dict[str, str]:
    return {"GOLIVE_STORE": str(workdir / "golive.db")}




def _events(workdir: Path) -> list[dict[str, Any]]:
    snap = snapshot(workdir / "golive.db")
    assert snap is not None
    return snap.events


def _at_gate(workdir: Path, url: str, admin: str) -> str:
    """The run waits at the Go/No-Go: the canary step succeeded holding 50/50, and requests reach both pools."""
    snap = snapshot(workdir / "golive.db")
    assert snap is not None and snap.waiting_kind == "gate", snap
    assert snap.steps == {"1.1": "succeeded"}, snap.steps
    assert proxy_weights(admin) == {"blue": 50, "green": 50}
    finished = next(e["payload"] for e in snap.events if e["type"] == "step.finished")
    assert finished["message"].startswith("held green at 50%: the plan promotes later"), finished
    assert finished["detail"]["held"] == 50
    weights = [e["payload"]["weights"] for e in snap.events if e["type"] == "traffic.weight"]
    assert weights == [{"green": 10, "blue": 90}, {"green": 50, "blue": 50}]  # no promotion event
    with BackgroundLoad(url, rate=200.0, concurrency=8, max_requests=400, max_seconds=30) as load:
        load.wait_for("green", 20)
        load.wait_for("blue", 20)
        report = load.stop()
    assert not report.failures, report.summary()
    return snap.run_id


def _go_and_finish(workdir: Path, run_id: str, admin: str) -> None:
    res = golive("approve", run_id, "--by", "bob", "--reason", "dashboards green at 50%", cwd=workdir,
                 env=_env(workdir))
    assert res.code == 0, res.out + res.err
    res = golive("resume", run_id, "--no-wait", cwd=workdir, env=_env(workdir))
    assert res.code == 0, res.out + res.err
    assert proxy_weights(admin) == {"blue": 0, "green": 100}
    snap = snapshot(workdir / "golive.db", run_id)
    assert snap is not None and snap.outcome == "succeeded", snap
    assert snap.steps == {"1.1": "succeeded", "2.1": "succeeded"}


def test_held_canary_waits_at_the_gate_with_the_split_then_go_switches(
        workdir: Path, proxy: tuple[str, str]) -> None:
    url, admin = proxy
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env=_env(workdir))
    assert res.code == 3, res.out + res.err  # a person must decide
    run_id = _at_gate(workdir, url, admin)
    _go_and_finish(workdir, run_id, admin)


def test_no_go_at_the_gate_puts_all_traffic_back_on_stable(workdir: Path, proxy: tuple[str, str]) -> None:
    url, admin = proxy
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env=_env(workdir))
    assert res.code == 3, res.out + res.err
    run_id = _at_gate(workdir, url, admin)
    res = golive("reject", run_id, "--by", "bob", "--reason", "p95 up at 50%", cwd=workdir, env=_env(workdir))
    assert res.code == 0, res.out + res.err
    res = golive("resume", run_id, "--no-wait", cwd=workdir, env=_env(workdir))
    assert proxy_weights(admin) == {"blue": 100, "green": 0}, res.out + res.err
    snap = snapshot(workdir / "golive.db", run_id)
    assert snap is not None and snap.outcome == "rolled-back", (snap, res.out)
    assert "2.1" not in snap.steps


def test_kill_9_while_waiting_at_the_gate_then_resume_keeps_the_split(
        workdir: Path, proxy: tuple[str, str]) -> None:
    url, admin = proxy
    env = {**_env(workdir), "GOLIVE_USER": "tester"}
    run = fork_start(["run", "plan.yaml", "--wait"], workdir, env)
    deadline = time.monotonic() + 60
    while (snap := snapshot(workdir / "golive.db")) is None or snap.waiting_kind != "gate":
        assert time.monotonic() < deadline, "the run never reached the gate"
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    assert run.finish().killed
    run_id = _at_gate(workdir, url, admin)  # the weights stay where the held canary left them
    _go_and_finish(workdir, run_id, admin)
    types = [e["type"] for e in _events(workdir)]
    assert types.count("traffic.weight") == 3, types  # 10, 50, then the switch: the canary did not run again


def test_plan_show_says_where_the_canary_holds(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN.format(admin="127.0.0.1:1"))
    res = golive("plan", "show", "plan.yaml", cwd=workdir)
    assert res.code == 0, res.out + res.err
    assert "canary green vs blue: 10% -> 50%, then held at 50% (promote: false) (" in res.out, res.out
    promoting = PLAN.replace(",\n                 promote: false}}", "}}")
    (workdir / "plan.yaml").write_text(promoting.format(admin="127.0.0.1:1"))
    assert "held at" not in golive("plan", "show", "plan.yaml", cwd=workdir).out


def test_holding_a_last_stage_of_100_is_refused_with_its_position(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN.replace("{{weight: 50}}]", "{{weight: 100}}]").format(admin="127.0.0.1:1"))
    res = golive("plan", "validate", "plan.yaml", cwd=workdir)
    assert res.code == 2, res.out + res.err
    out = res.out + res.err
    assert out.startswith("plan.yaml:11:"), out  # the canary step's line
    assert "promote: false holds the last stage for a later step, but its weight is 100" in out, out
    assert "Traceback" not in out
