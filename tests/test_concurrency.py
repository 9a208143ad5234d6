"""One run per service and environment, even when many processes race for it, and no lock outlives its use.

The run (not the process) holds the environment until the run ends: a SIGKILLed process leaves a run that
must be resumed, resolved or rolled back, and nothing else may start meanwhile. The process that executes
a run is tracked by pid + start time, so a dead one never blocks `golive resume`, and of several
concurrent resumes exactly one proceeds.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crash_harness import Forked, fork_cli, fork_start, prewarm, snapshot

GATED = """\
name: concurrency
service: racesvc
environment: prod
phases:
  - name: Only
    steps:
      - shell: echo hello
    gate:
      approvals: {count: 1}
"""

# A step that holds until the test creates `release`; it records its pid so the test can clean up.
HELD = """\
name: held
service: racesvc
environment: prod
phases:
  - name: Only
    steps:
      - name: hold
        shell: >-
          echo $$ >> step.pids; touch started;
          while [ ! -f release ]; do sleep 0.02; done; echo once >> side.count
        idempotent: __IDEMPOTENT__
"""


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    prewarm()


@pytest.fixture
def wd(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    (tmp_path / "release").touch()  # let any orphaned step loop end
    pids = tmp_path / "step.pids"
    if pids.exists():
        for line in pids.read_text().split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(line), signal.SIGKILL)


def _wait_file(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} did not appear within {timeout}s")
        time.sleep(0.01)


def _held(wd: Path, idempotent: bool) -> None:
    (wd / "plan.yaml").write_text(HELD.replace("__IDEMPOTENT__", "true" if idempotent else "false"))


def _start_and_kill(wd: Path) -> str:
    """Start a run, SIGKILL golive while its step is running; returns the run id."""
    proc = fork_start(["run", "plan.yaml", "--no-wait"], wd, {})
    _wait_file(wd / "started")
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.finish().killed
    snap = snapshot(wd / ".golive" / "golive.db")
    assert snap is not None and snap.status == "running" and snap.active
    (wd / "started").unlink()
    return snap.run_id


def _race(argvs: list[list[str]], wd: Path) -> list[tuple[int, str, str]]:
    go = wd / "go"
    procs: list[Forked] = [fork_start(argv, wd, {}, go=go) for argv in argvs]
    time.sleep(0.3)  # let every child reach the starting line (they poll for `go`)
    go.touch()
    results = [p.finish(timeout=180) for p in procs]
    go.unlink()
    return [(r.code, r.out, r.err) for r in results]


def test_twenty_runs_at_once_exactly_one_gets_the_environment(wd: Path) -> None:
    (wd / "plan.yaml").write_text(GATED)
    results = _race([["run", "plan.yaml", "--no-wait"]] * 20, wd)
    winners = [r for r in results if r[0] == 3]
    losers = [r for r in results if r[0] == 2]
    assert len(winners) == 1 and len(losers) == 19, [r[0] for r in results]
    snap = snapshot(wd / ".golive" / "golive.db")
    assert snap is not None
    for _code, out, err in losers:
        assert f"held by run {snap.run_id}" in err, err
        assert "Traceback" not in out + err
    assert snap.run_id in winners[0][1]
    runs = fork_cli(["runs", "--json"], wd, {})
    assert runs.out.count('"run":') == 1, runs.out


def test_a_killed_holder_keeps_the_environment_until_its_run_ends(wd: Path) -> None:
    _held(wd, idempotent=True)
    run_id = _start_and_kill(wd)
    # the run still holds racesvc/prod: a new run is refused and told which run to deal with
    again = fork_cli(["run", "plan.yaml", "--no-wait"], wd, {})
    assert again.code == 2 and f"held by run {run_id}" in again.err, again
    status = fork_cli(["status", run_id], wd, {})
    assert "no process is executing it" in status.out, status.out
    # the dead process does not block resume (stale owner: pid + start time)
    (wd / "release").touch()
    resumed = fork_cli(["resume", run_id, "--no-wait"], wd, {})
    assert resumed.code == 0, resumed
    # the run ended, so the environment is free again
    (wd / "release").unlink()
    (wd / "release").touch()
    fresh = fork_cli(["run", "plan.yaml", "--no-wait"], wd, {})
    assert fresh.code == 0, fresh


def test_concurrent_resumes_of_an_orphaned_run_exactly_one_proceeds(wd: Path) -> None:
    _held(wd, idempotent=True)
    run_id = _start_and_kill(wd)
    # ten resumes at once; the one that claims the run first deals with the killed process's copy of the step
    # (still running where its cgroup outlived golive: it waits for it, never starting a second copy beside it),
    # then re-runs the (idempotent) step
    go = wd / "go"
    procs = [fork_start(["resume", run_id, "--no-wait"], wd, {}, go=go) for _ in range(10)]
    time.sleep(0.3)
    go.touch()
    deadline = time.monotonic() + 60
    while True:
        snap = snapshot(wd / ".golive" / "golive.db", run_id)
        assert snap is not None
        kinds = [e["type"] for e in snap.events]
        if "step.awaited" in kinds or (wd / "started").exists():
            break
        assert time.monotonic() < deadline, f"no resume claimed the run: {kinds[-5:]}"
        time.sleep(0.02)
    old_copy_alive = "step.awaited" in kinds
    if old_copy_alive:
        time.sleep(0.5)  # the old copy still runs: no second copy may start meanwhile
        assert not (wd / "started").exists(), "resume started a second copy while the first still ran"
        assert len((wd / "step.pids").read_text().split()) == 1
    (wd / "release").touch()
    results = [p.finish(timeout=180) for p in procs]
    codes = sorted(r.code for r in results)
    assert codes.count(0) == 1, [(r.code, r.err) for r in results]
    for r in results:
        if r.code != 0:
            assert r.code == 2 and ("is being executed by process" in r.err or "already ended" in r.err), r
    refused_while_running = [r for r in results if "is being executed by process" in r.err]
    assert refused_while_running, "no resume was refused while another executed the run"
    # the step ran exactly twice: once by the killed process, once by the one resume that proceeded
    assert len((wd / "step.pids").read_text().split()) == 2
    # the killed one's loop finished too where it outlived golive (cgroup); else it died with golive
    assert (wd / "side.count").read_text().count("once") == (2 if old_copy_alive else 1)
    snap = snapshot(wd / ".golive" / "golive.db", run_id)
    assert snap is not None and snap.outcome == "succeeded"
    types = [e["type"] for e in snap.events]
    starts = [i for i, t in enumerate(types) if t == "step.started"]
    assert len(starts) == 2
    if old_copy_alive:  # the second copy started only after the first was seen gone
        assert "step.reaped" in types and types.index("step.reaped") < starts[1], types


def test_resolve_on_a_run_whose_process_died_frees_the_environment(wd: Path) -> None:
    _held(wd, idempotent=False)
    run_id = _start_and_kill(wd)
    # nobody is executing the non-idempotent step: a person checks and says how it ended. Where the killed
    # process's copy of the step outlived it (its cgroup), resolve refuses until that copy is gone: a person
    # cannot declare it failed while its change may still land.
    argv = ["resolve", run_id, "1.1", "--as", "failed", "--by", "oncall", "--reason", "never finished"]
    res = fork_cli(argv, wd, {})
    if res.code != 0:
        assert res.code == 2 and "still run" in res.err, res
        for line in (wd / "step.pids").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(line), signal.SIGKILL)  # the person stops it by hand
        deadline = time.monotonic() + 30
        while (res := fork_cli(argv, wd, {})).code != 0:
            assert "still run" in res.err and time.monotonic() < deadline, res
            time.sleep(0.05)
    resumed = fork_cli(["resume", run_id, "--no-wait"], wd, {})
    assert resumed.code == 1, resumed  # failed, rolled back (nothing to undo)
    snap = snapshot(wd / ".golive" / "golive.db", run_id)
    assert snap is not None and snap.outcome == "rolled-back" and not snap.active
    assert not (wd / "side.count").exists()  # golive never ran the step a second time
    (wd / "release").touch()
    assert fork_cli(["run", "plan.yaml", "--no-wait"], wd, {}).code == 0


def test_rollback_request_on_a_run_whose_process_died_frees_the_environment(wd: Path) -> None:
    (wd / "plan.yaml").write_text(GATED)
    first = fork_start(["run", "plan.yaml", "--wait"], wd, {})  # waits at the gate, polling
    deadline = time.monotonic() + 60
    while True:
        snap = snapshot(wd / ".golive" / "golive.db")
        if snap is not None and snap.waiting_kind == "gate":
            break
        assert time.monotonic() < deadline, "the run never reached its gate"
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    assert first.finish().killed
    req = fork_cli(["rollback", snap.run_id, "--by", "oncall", "--reason", "abandon"], wd, {})
    assert req.code == 0, req
    resumed = fork_cli(["resume", snap.run_id, "--no-wait"], wd, {})
    assert resumed.code == 1, resumed
    after = snapshot(wd / ".golive" / "golive.db", snap.run_id)
    assert after is not None and after.outcome == "rolled-back" and not after.active
    assert fork_cli(["run", "plan.yaml", "--no-wait"], wd, {}).code == 3  # a new run gets the environment


def test_lock_message_names_the_holder(wd: Path) -> None:
    (wd / "plan.yaml").write_text(GATED)
    first = fork_cli(["run", "plan.yaml", "--no-wait"], wd, {})
    assert first.code == 3
    second = fork_cli(["run", "plan.yaml", "--no-wait"], wd, {})
    assert second.code == 2
    m = re.search(r"held by run (\S+)", second.err)
    assert m and m.group(1) in first.out, (first.out, second.err)
