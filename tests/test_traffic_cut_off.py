"""A traffic step cut off mid-way (golive killed or stopped while a canary held 10% on the new version) must not
end in a run that says "rolled back" with users still on the canary: whether a person resolves the step as
failed or asks for the rollback while it waits for a resolution, the rollback runs the step's undo (all
traffic back to stable). Real `golive` processes and the real built-in proxy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import golive
from crash_harness import snapshot
from golive.steps.switch import SwitchSpec, SwitchStep, traffic_left
from localhttp import golive_proxy, proxy_weights

PLAN = """\
name: canary cut off
service: web
environment: test
routers:
  edge: {{type: builtin, admin: "{admin}"}}
phases:
  - name: Ramp
    steps:
      - name: canary 2.0
        canary: {{router: edge, stable: blue, canary: green, stages: [{{weight: 10, hold: 60s}}, {{weight: 50}}]}}
"""


@pytest.fixture
def admin(workdir: Path) -> Iterator[str]:
    with golive_proxy(workdir) as (_url, where, _blue, _green):
        (workdir / "plan.yaml").write_text(PLAN.format(admin=where))
        yield where




def _cut_at_stage_1(workdir: Path, admin: str, sig: signal.Signals) -> str:
    """Start the run, stop golive with `sig` while stage 1 (10%) holds; the split stays on the router."""
    run = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                           env={**os.environ, "GOLIVE_USER": "tester"}, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while (snap := snapshot(workdir / ".golive/golive.db")) is None or not any(
                e["type"] == "traffic.weight" for e in snap.events):
            assert time.monotonic() < deadline, "the canary never set stage 1"
            time.sleep(0.05)
        run.send_signal(sig)
        run.wait(120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert proxy_weights(admin) == {"blue": 90, "green": 10}
    res = golive("resume", snap.run_id, "--no-wait", cwd=workdir)
    assert res.code == 3 and "needs-attention" in res.out, res.out + res.err
    return snap.run_id


@pytest.mark.parametrize("sig, decide", [
    (signal.SIGTERM, ("resolve", "1.1", "--as", "failed")),  # a person says the cut-off canary failed
    (signal.SIGKILL, ("rollback",)),  # a person rolls back while the run waits for a resolution
], ids=["sigterm-resolved-failed", "sigkill-rollback-requested"])
def test_a_cut_off_canary_is_undone_by_the_rollback(workdir: Path, admin: str, sig: signal.Signals,
                                                    decide: tuple[str, ...]) -> None:
    run_id = _cut_at_stage_1(workdir, admin, sig)
    res = golive(decide[0], run_id, *decide[1:], "--by", "tester", "--reason", "users hit 2.0 errors", cwd=workdir)
    assert res.code == 0, res.out + res.err
    res = golive("resume", run_id, "--no-wait", cwd=workdir)
    assert res.code == 1, res.out + res.err
    assert "-> 1 undo step(s)" in res.out, res.out
    assert proxy_weights(admin) == {"blue": 100, "green": 0}  # nobody is left on the canary
    snap = snapshot(workdir / ".golive/golive.db", run_id)
    assert snap is not None and snap.outcome == "rolled-back", snap
    undo = [e for e in snap.events if e["type"] == "step.finished" and e["payload"]["step"] == "1.1.undo"]
    assert [e["payload"]["status"] for e in undo] == ["succeeded"]


def test_only_a_split_still_held_calls_for_the_undo() -> None:
    """An abort that got 100% back on stable leaves nothing; an abort the router refused, a cut-off attempt
    (even one killed before it recorded its first split) and a failed switch that moved traffic do."""
    undo = SwitchStep(switch=SwitchSpec.model_validate({"router": "edge", "to": "blue", "from": "green",
                                                        "auto_undo": False}), idempotent=True)
    assert not traffic_left(undo, {"blue": 100, "green": 0}, cut_off=False)
    assert not traffic_left(undo, {"blue": 100, "green": 0}, cut_off=True)
    assert not traffic_left(undo, None, cut_off=False)  # failed before it moved anything
    assert traffic_left(undo, {"blue": 90, "green": 10}, cut_off=False)
    assert traffic_left(undo, None, cut_off=True)
    assert traffic_left(None, {"blue": 100, "green": 0}, cut_off=False)  # no switch back to judge by
