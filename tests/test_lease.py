"""Ownership is a lease renewed by a heartbeat. A golive that crashes under another hostname (a CI pod, a
container: `unshare -u` gives the child its own hostname) cannot be seen dead from here, so its run is
refused while its lease is current, shown as not executed by anyone once the lease ran out, and taken over
only on request (`golive resume --take-over`), which records who took it over from whom."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from conftest import golive, until

LEASE = "2s"
PLAN = """\
name: lease
service: leasesvc
environment: test
phases:
  - name: One
    steps:
      - name: wait for the test's go
        idempotent: true
        shell: "touch started; while [ ! -f go ]; do sleep 0.05; done; echo done >> runs.txt"
      - name: after
        shell: "echo after"
"""


def _crash_on_otherhost(workdir: Path, plan: str, lease: str) -> str:
    """`golive run` under the hostname otherhost (`unshare -u`), with a lease of `lease`, killed with its step
    (SIGKILL to the whole group: the pod is gone, no goodbye) once the step runs. Returns the run id."""
    (workdir / plan).write_text(PLAN.replace("leasesvc", f"leasesvc-{lease}"), encoding="utf-8")
    for name in ("started", "go"):
        (workdir / name).unlink(missing_ok=True)
    env = {**os.environ, "GOLIVE_USER": "ci-bot", "GOLIVE_LEASE": lease}
    child = subprocess.Popen(
        ["unshare", "-u", "sh", "-c", f"hostname otherhost && exec {sys.executable} -m golive run {plan} --no-wait"],
        cwd=workdir, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        until("the step to start", lambda: (workdir / "started").exists() or child.poll() is not None)
        assert child.poll() is None, child.stdout.read() if child.stdout else ""
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        (workdir / "go").touch()
    runs = json.loads(golive("runs", "--json", cwd=workdir).out)
    return str(next(r["run"] for r in runs if r["service"] == f"leasesvc-{lease}"))


def test_crash_on_another_host_then_take_over_after_the_lease(workdir: Path) -> None:
    env_here = {"GOLIVE_LEASE": LEASE}
    # While the crashed owner's lease is current it counts as executing the run, even with --take-over: nothing
    # here can see a process on another host die. Its lease is an hour, so this is checked on any machine.
    current = _crash_on_otherhost(workdir, "current.yaml", "1h")
    status = json.loads(golive("status", current, "--json", cwd=workdir, env=env_here).out)
    assert status["process"] is not None and "otherhost" in str(status["host"]), status
    early = golive("resume", current, "--no-wait", cwd=workdir, env=env_here)
    assert early.code == 2 and "being executed by" in early.err and "otherhost" in early.err, early.err
    forced = golive("resume", current, "--take-over", "--by", "alice", "--no-wait", cwd=workdir, env=env_here)
    assert forced.code == 2 and "being executed by" in forced.err, forced.err
    assert "run.taken_over" not in golive("log", current, "--json", cwd=workdir).out

    # The same crash with a lease of two seconds: once it has run out, take-over on request.
    run_id = _crash_on_otherhost(workdir, "plan.yaml", LEASE)

    def expired() -> bool:
        st = json.loads(golive("status", run_id, "--json", cwd=workdir, env=env_here).out)
        return st["process"] is None
    until("the crashed owner's lease to run out", expired)
    text = golive("status", run_id, cwd=workdir, env=env_here).out
    assert "(process " not in text and "no process is executing it" in text, text

    plain = golive("resume", run_id, "--no-wait", cwd=workdir, env=env_here)
    assert plain.code == 2 and "--take-over" in plain.err and "otherhost" in plain.err, plain.err

    took = golive("resume", run_id, "--take-over", "--by", "alice", "--no-wait", cwd=workdir, env=env_here)
    # The new owner drives the run; the step whose processes ran on the lost host is for a person to judge.
    assert took.code == 3 and "otherhost" in took.out, took.out + took.err
    assert golive("resolve", run_id, "1.1", "--as", "failed", "--by", "alice", "--reason", "pod gone",
                  cwd=workdir).code == 0
    again = golive("resume", run_id, "--no-wait", cwd=workdir, env=env_here)
    assert again.code == 1, again.out + again.err  # failed step: rolled back, by the new owner
    events = [json.loads(x) for x in golive("log", run_id, "--json", cwd=workdir).out.splitlines()]
    taken = [e["payload"] for e in events if e["type"] == "run.taken_over"]
    assert len(taken) == 1 and taken[0]["by"] == "alice" and taken[0]["from"]["host"] == "otherhost", taken
    assert taken[0]["host"] != "otherhost"
    assert events[-1]["type"] == "audit.checkpoint" and events[-1]["payload"]["why"] == "end"  # sealed by the new owner
    assert events[-2]["type"] == "run.finished" and events[-2]["payload"]["outcome"] == "rolled-back"
    assert golive("audit", "verify", run_id, cwd=workdir).code == 0  # the taken-over run's log still verifies
    assert "taken over by alice" in golive("log", run_id, cwd=workdir).out


def test_a_live_owner_keeps_renewing_and_cannot_be_taken_over(workdir: Path) -> None:
    """While the owner runs, its heartbeat keeps the lease current well past one lease length."""
    (workdir / "plan.yaml").write_text(PLAN, encoding="utf-8")
    # renewed every third of the lease: with 1 s, a renewal (an SQLite write) late by 0.67 s on a busy machine
    # could let the lease lapse and `status` call the live owner gone; 3 s leaves 2 s for a late renewal
    env = {**os.environ, "GOLIVE_USER": "ci-bot", "GOLIVE_LEASE": "3s"}
    child = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        until("the step to start", lambda: (workdir / "started").exists() or child.poll() is not None)
        run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
        first = json.loads(golive("status", run_id, "--json", cwd=workdir).out)
        # Past the first lease's end the owner must still count as live: its heartbeat renewed the lease.
        first_end = datetime.fromisoformat(first["lease_until"])
        until("the first lease to end", lambda: datetime.now(UTC) > first_end)
        now = json.loads(golive("status", run_id, "--json", cwd=workdir).out)
        assert now["process"] is not None and now["lease_until"] > first["lease_until"], now
        took = golive("resume", run_id, "--take-over", "--no-wait", cwd=workdir, env={"GOLIVE_LEASE": "1s"})
        assert took.code == 2 and "being executed" in took.err, took.err
    finally:
        (workdir / "go").touch()
    assert child.wait(timeout=60) == 0
