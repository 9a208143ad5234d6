"""A rollback asked for while golive was dead must not race the step golive was killed in: `kill -9` while a
step's command still had work to do, `golive rollback RUN`, `golive resume RUN`. The resumed run waits for the
old command (up to the step's deadline, then stops it) before the first undo runs, so nothing the step changes
lands after its rollback. Real `golive` processes; the step kills its own golive, as a crash at that instant."""

from __future__ import annotations

from pathlib import Path

from conftest import golive
from crash_harness import snapshot

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
        shell: "(sleep 8; echo long-done >> trail) & kill -9 $PPID; wait"
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
    run_id = _killed_in_the_long_step(workdir, "60s")
    res = golive("resume", run_id, "--no-wait", cwd=workdir)
    assert res.code == 1, res.out + res.err
    assert (workdir / "trail").read_text().split() == ["first", "long-done", "undo-first", "level-1"]
    types = _types(workdir, run_id)
    started = types.index("rollback.started")  # the plan is recorded, then nothing runs until the step ended
    assert started < types.index("step.awaited") < types.index("step.reaped") < types.index("step.started", started)


def test_past_the_steps_deadline_the_rollback_stops_it_first(workdir: Path) -> None:
    run_id = _killed_in_the_long_step(workdir, "2s")
    res = golive("resume", run_id, "--no-wait", cwd=workdir)
    assert res.code == 1, res.out + res.err
    snap = snapshot(workdir / ".golive/golive.db", run_id)
    assert snap is not None
    reaped = next(e["payload"] for e in snap.events if e["type"] == "step.reaped")
    assert reaped["step"] == "1.2" and reaped["killed"] and reaped["gone"], reaped
    assert (workdir / "trail").read_text().split() == ["first", "undo-first", "level-1"]
    from golive.proctree import wait_until

    assert not wait_until(lambda: "long-done" in (workdir / "trail").read_text(), 3.0)  # stopped, not left
