"""`kill -9` the real `golive run` mid-step, then resume: non-idempotent steps stop and ask, idempotent ones re-run.

The run that gets killed is always the real command in its own process; the first resume after a crash is
too; the commands around them run in-process (tests/inproc.py) to keep the suite fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import golive
from inproc import cli

DEADLINE = 60.0


def wait_until(what: str, cond: Callable[[], bool], proc: subprocess.Popen[bytes] | None = None,
               timeout: float = DEADLINE) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"golive exited ({proc.returncode}) before {what}")
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def only_run_id(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        rows = con.execute("SELECT id FROM runs").fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])


def step_started(db: Path, step: str) -> bool:
    if not db.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
            rows = con.execute("SELECT payload FROM events WHERE type='step.started'").fetchall()
    except sqlite3.OperationalError:  # the schema is still being created
        return False
    return any(f'"step":"{step}"' in r[0] for r in rows)


class Golive:
    """A `golive run` in the background, killed with SIGKILL together with whatever its step left running."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.cwd = cwd
        self.out = (cwd / "golive.out").open("wb")
        env = {**os.environ, "GOLIVE_USER": "tester"}
        self.proc = subprocess.Popen([sys.executable, "-m", "golive", *args], cwd=cwd, env=env,
                                     stdout=self.out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL
        self.kill_step()

    def kill_step(self) -> None:
        """The step ran in its own session (so it outlives golive): end its process group too."""
        pid_file = self.cwd / "step.pid"
        if pid_file.exists() and pid_file.read_text().strip():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(os.getpgid(int(pid_file.read_text())), signal.SIGKILL)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.kill_step()
        self.out.close()


@pytest.fixture
def background(workdir: Path) -> Iterator[Callable[..., Golive]]:
    started: list[Golive] = []

    def start(*args: str) -> Golive:
        g = Golive(workdir, *args)
        started.append(g)
        return g

    yield start
    for g in started:
        g.close()


def plan(step2: str, idempotent: bool) -> str:
    return f"""name: crash test
service: crashsvc
environment: prod
phases:
  - name: One
    steps:
      - shell: echo one >> trail.log
      - name: the step that dies
        shell: {step2}
        idempotent: {'true' if idempotent else 'false'}
      - shell: echo three >> trail.log
"""


NON_IDEMPOTENT = """sh -c 'echo $$ > step.pid; echo x >> count_nonidem; sleep 30'"""
#: Sleeps only on its first attempt, so a re-run after the crash finishes at once.
IDEMPOTENT = """sh -c 'echo $$ > step.pid; echo x >> count_idem; [ "$(wc -l < count_idem)" -gt 1 ] || sleep 30'"""


def test_non_idempotent_step_cut_off_needs_a_person(workdir: Path, background: Callable[..., Golive]) -> None:
    (workdir / "plan.yaml").write_text(plan(NON_IDEMPOTENT, idempotent=False))
    g = background("run", "plan.yaml", "--no-wait")
    count = workdir / "count_nonidem"
    wait_until("the step to do its work", lambda: len(lines(count)) == 1 and (workdir / "step.pid").exists(), g.proc)
    g.kill()
    run_id = only_run_id(workdir / ".golive" / "golive.db")

    r = golive("resume", run_id, "--no-wait", cwd=workdir)
    assert r.code == 3, r.out + r.err
    assert f"run {run_id} is needs-attention" in r.out
    assert f"golive resolve {run_id} 1.2 --as done|failed|retry" in r.out
    assert lines(count) == ["x"], "a non-idempotent step must never be re-run on its own"

    r = cli("resolve", run_id, "1.2", "--as", "done", "--by", "ops", "--reason", "checked")
    assert r.code == 0, r.err
    r = cli("resume", run_id, "--no-wait")
    assert r.code == 0, r.out + r.err
    assert f"run {run_id}: succeeded" in r.out
    assert lines(count) == ["x"]
    assert lines(workdir / "trail.log") == ["one", "three"]
    v = cli("audit", "verify", run_id)
    assert v.code == 0 and "audit chain intact" in v.out, v.out


def test_idempotent_step_cut_off_is_run_again(workdir: Path, background: Callable[..., Golive]) -> None:
    (workdir / "plan.yaml").write_text(plan(IDEMPOTENT, idempotent=True))
    g = background("run", "plan.yaml", "--no-wait")
    count = workdir / "count_idem"
    wait_until("the step to do its work", lambda: len(lines(count)) == 1 and (workdir / "step.pid").exists(), g.proc)
    g.kill()
    run_id = only_run_id(workdir / ".golive" / "golive.db")
    r = cli("resume", run_id, "--no-wait")
    assert r.code == 0, r.out + r.err
    assert "[1.2] start: the step that dies (attempt 2)" in r.out
    assert lines(count) == ["x", "x"]
    assert lines(workdir / "trail.log") == ["one", "three"]
    assert cli("audit", "verify", run_id).code == 0


def test_kill_during_a_wait_step_resumes_and_finishes(workdir: Path, background: Callable[..., Golive]) -> None:
    (workdir / "plan.yaml").write_text("""name: crash test
service: crashsvc
environment: prod
phases:
  - name: One
    steps:
      - shell: echo one >> trail.log
      - wait: 2s
      - shell: echo three >> trail.log
""")
    g = background("run", "plan.yaml", "--no-wait")
    db = workdir / ".golive" / "golive.db"
    wait_until("the wait step to start", lambda: step_started(db, "1.2"), g.proc)
    g.kill()
    run_id = only_run_id(db)
    assert lines(workdir / "trail.log") == ["one"]
    r = cli("status", run_id)
    assert "no process is executing it" in r.out, r.out
    r = cli("resume", run_id, "--no-wait")
    assert r.code == 0, r.out + r.err
    assert lines(workdir / "trail.log") == ["one", "three"]
    assert cli("audit", "verify", run_id).code == 0
