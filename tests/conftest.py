"""Shared fixtures: a fresh working directory per test and a way to run the real `golive` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
    mp.setenv("GOLIVE_HOST_LOCK_DIR", str(base / ".session-host-locks"))
    mp.setenv("GOLIVE_REMOTE_LOCK_DIR", str(base / ".session-remote-locks"))
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
    monkeypatch.setenv("GOLIVE_HOST_LOCK_DIR", str(tmp_path / ".host-locks"))
    # and the service's lock files on SSH hosts (the tests' hosts share this machine's filesystem)
    monkeypatch.setenv("GOLIVE_REMOTE_LOCK_DIR", str(tmp_path / ".remote-locks"))


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

