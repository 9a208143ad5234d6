"""Shared fixtures: a fresh working directory per test and a way to run the real `golive` command."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from enginekit import Harness

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    code: int
    out: str
    err: str


#: golive's own machine-wide places (golive.run.host_lock.DEFAULT_DIRS); no test may leave a record there
MACHINE_LOCK_DIRS = (Path("/var/lock/golive"), Path("/tmp/golive-locks"))


@pytest.fixture(scope="session", autouse=True)
def _session_lock_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Module- and session-scoped fixtures start runs before any test's own directories are set (below): they get
    this session's lock directories, never the machine's. A waiting run a fixture started in a machine directory
    outlives the session (its run log stays on disk) and holds the service against the next test session on the
    same machine (a CI failure: shop/staging held by a run of an earlier pytest). Afterwards, any record in the
    machine's directories naming a run log of this session fails the session."""
    base = tmp_path_factory.getbasetemp()
    mp = pytest.MonkeyPatch()
    mp.setenv("GOLIVE_TESTING_HOST_LOCK_DIR", str(base / ".session-host-locks"))
    # the variable replaces the machine's directories only with this marker (golive.run.host_lock): every golive
    # a test starts inherits both
    mp.setenv("GOLIVE_TESTING", "replace-machine-locks")
    mp.setenv("XDG_STATE_HOME", str(base / ".session-state"))
    try:
        yield
    finally:
        mp.undo()
    ours = f"{base}{os.sep}"
    leaked = [f"{path}: {path.read_text(errors='replace').strip()[:300]}" for d in MACHINE_LOCK_DIRS
              if d.is_dir() for path in sorted(d.glob("*.lock")) if ours in path.read_text(errors="replace")]
    assert not leaked, "a test left a record in the machine's host-wide lock directories:\n" + "\n".join(leaked)


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own per-user state directory (machine-wide deploy locks, debug log), and its run log in
    ./.golive/golive.db of the directory it runs golive in, where the tests look (GOLIVE_STORE). Tests of the
    per-user default log unset GOLIVE_STORE."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / ".state"))
    monkeypatch.setenv("GOLIVE_STORE", ".golive/golive.db")
    # the host-wide service lock (golive.run.host_lock): one directory per test, as the machine's would be shared by
    # every test running at once on it
    monkeypatch.setenv("GOLIVE_TESTING_HOST_LOCK_DIR", str(tmp_path / ".host-locks"))
    # (the service's lock files on SSH hosts are where the plan's host group says, `lock_dir:`: test plans give
    # their own directory, as the tests' hosts share this machine's filesystem; no variable can move them)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLIVE_USER", "tester")
    monkeypatch.delenv("CI", raising=False)
    yield tmp_path


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    """A run harness (enginekit) over a MemoryStore and a FakeClock at T0, in the test's own directory."""
    from enginekit import T0, Harness
    from golive.store.memory import MemoryStore
    from golive.testing import FakeClock

    return Harness(tmp_path, MemoryStore(), FakeClock(T0))


def golive(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
    """The real command in a subprocess, as a user would run it (no TTY)."""
    full_env = {**os.environ, "GOLIVE_USER": "tester", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "golive", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def until(what: str, cond: Callable[[], bool], timeout: float = 60) -> None:
    """Wait for `cond`, polling, and fail naming `what` past `timeout` seconds: never a sleep for luck."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)  # polls a condition, bounded by the deadline


def two_teams(root: Path, text: str) -> tuple[Path, Path]:
    """Two teams' directories (team-a, team-b) under `root`, each with `text` as its plan.yaml: two runs of one
    plan kept in two run logs."""
    a, b = root / "team-a", root / "team-b"
    for d in (a, b):
        d.mkdir()
        (d / "plan.yaml").write_text(text, encoding="utf-8")
    return a, b


def another_machine(d: Path) -> dict[str, str]:
    """The environment of a golive on another machine, standing in `d`: its own host-wide service lock
    (golive.run.host_lock; tests/test_host_service_lock.py), so tests of the locks a plan declares (a router's, the
    hosts', the services') see those hold where the host-wide one cannot."""
    return {"GOLIVE_TESTING_HOST_LOCK_DIR": str(d / ".another-machine-locks")}


def events_of(workdir: Path, type_: str) -> list[dict[str, Any]]:
    """The payloads, with their seq, of the events of `type_` in the run log the tests keep in
    `workdir`/.golive/golive.db (GOLIVE_STORE), every run's in order."""
    with sqlite3.connect(workdir / ".golive" / "golive.db") as db:
        rows = db.execute("SELECT seq, type, payload FROM events ORDER BY run_id, seq").fetchall()
    return [{"seq": s, **json.loads(p)} for s, t, p in rows if t == type_]
