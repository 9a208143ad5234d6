"""A rollback asked for while golive was dead must not race the step golive was killed in: `kill -9` while a
step's command still had work to do, `golive rollback RUN`, `golive resume RUN`. The resumed run waits for the
old command (up to the step's deadline, then stops it) before the first undo runs, so nothing the step changes
lands after its rollback. Real `golive` processes; the step kills its own golive, as a crash at that instant."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import golive
from crash_harness import snapshot
from golive.proctree import wait_until

PLAN = """\
name: race
service: race
environment: test
phases:
  - name: Change
    steps:
      - name: first
        shell: echo first >> trail
        undo: echo undo-first >> trail
      - name: long change
        shell: "(until [ -e release ]; do sleep 0.05; done; echo long-done >> trail) & kill -9 $PPID; wait"
        timeout: {timeout}
rollback:
  levels:
    - level: 1
      name: back
      covers: [Change]
      steps: ["echo level-1 >> trail"]
"""


def _killed_in_the_long_step(workdir: Path, timeout: str) -> str:
    (workdir / "plan.yaml").write_text(PLAN.format(timeout=timeout))
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == -9, res.out + res.err
    snap = snapshot(workdir / ".golive/golive.db")
    assert snap is not None and snap.steps == {"1.1": "succeeded", "1.2": "running"}, snap
    res = golive("rollback", snap.run_id, "--by", "tester", "--reason", "abandon the release", cwd=workdir)
    assert res.code == 0, res.out + res.err
    return snap.run_id


def _types(workdir: Path, run_id: str) -> list[str]:
    snap = snapshot(workdir / ".golive/golive.db", run_id)
    assert snap is not None
    return [e["type"] for e in snap.events]


def test_the_rollback_waits_for_the_killed_step_to_end(workdir: Path) -> None:
    run_id = _killed_in_the_long_step(workdir, "120s")
    resume = subprocess.Popen([sys.executable, "-m", "golive", "resume", run_id, "--no-wait"], cwd=workdir,
                              env={**os.environ, "GOLIVE_USER": "tester"}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until(lambda: "step.awaited" in _types(workdir, run_id), 90.0), "resume never waited for 1.2"
        assert (workdir / "trail").read_text().split() == ["first"]  # no undo while the old command runs
    finally:
        (workdir / "release").touch()  # the old command ends (also when an assertion failed: nothing left behind)
    out, _ = resume.communicate(timeout=120)
    assert resume.returncode == 1, out
    assert (workdir / "trail").read_text().split() == ["first", "long-done", "undo-first", "level-1"]
    types = _types(workdir, run_id)
    started = types.index("rollback.started")  # the plan is recorded, then nothing runs until the step ended
    assert started < types.index("step.awaited") < types.index("step.reaped") < types.index("step.started", started)


def test_past_the_steps_deadline_the_rollback_stops_it_first(workdir: Path) -> None:
    run_id = _killed_in_the_long_step(workdir, "2s")
    try:
        res = golive("resume", run_id, "--no-wait", cwd=workdir)
        assert res.code == 1, res.out + res.err
        snap = snapshot(workdir / ".golive/golive.db", run_id)
        assert snap is not None
        reaped = next(e["payload"] for e in snap.events if e["type"] == "step.reaped")
        assert reaped["step"] == "1.2" and reaped["killed"] and reaped["gone"], reaped
    finally:
        (workdir / "release").touch()
    assert (workdir / "trail").read_text().split() == ["first", "undo-first", "level-1"]  # stopped, never landed
