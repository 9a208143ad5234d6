"""Whether a lock's holder is over (golive.store.lock_holder), with real processes: a golive that has taken the
host-wide service lock and not yet created its run (it takes its declared locks, seals the start) holds the
service against another golive with another log, and against one with the same log; only the writer of a record
(or, once it is gone, anyone ending its run) empties it; a record planted to name some other SQLite file never
makes golive write into that file; a record written on another machine is never judged by this machine's files.

The process standing for a start in progress runs the very functions `golive run` runs before it creates the run
(golive.run.locks.take_locks with its own SQLite log), then waits on its stdin: no sleeping, and a kill -9 ends it
mid-start as a crash would."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.errors import RunLocked
from golive.run import host_lock
from test_host_service_lock import User, two_users  # noqa: F401 - two people on one machine

STARTING = """\
import sys
from pathlib import Path
from golive.plan.loader import load_plan
from golive.run.locks import LockContext, take_locks
from golive.run.start import store_where
from golive.store.sqlite import SQLiteStore
log = SQLiteStore(Path(sys.argv[2]))
take_locks(load_plan(sys.argv[1]), LockContext(sys.argv[3], store_where(log), log=log))
print("taken", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def starting(two_users: tuple[User, User]) -> Iterator[tuple[User, User, subprocess.Popen[str]]]:  # noqa: F811
    """Alice's golive between taking the host-wide lock and creating run R1 in her log."""
    alice, bob = two_users
    log = alice.dir / "state" / "golive" / "golive.db"
    log.parent.mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, "-c", STARTING, "plan.yaml", str(log), "20261201-000000-r1"],
                            cwd=alice.dir, env=alice.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "taken\n", proc.communicate()
    try:
        yield alice, bob, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def _record(user: User) -> dict[str, object]:
    text = host_lock.lock_file(Path(user.env["GOLIVE_TESTING_HOST_LOCK_DIR"]), "hostsvc", "prod").read_text()
    return dict(json.loads(text)) if text.strip() else {}


def test_a_start_in_progress_holds_the_service_against_another_log_until_its_process_dies(
        starting: tuple[User, User, subprocess.Popen[str]]) -> None:
    alice, bob, proc = starting
    (bob.gate / "go").touch()
    refused = bob.golive("run", "plan.yaml", "--no-wait")
    assert refused.code == 2, refused.out + refused.err  # alice's log does not know R1 yet: her process is alive
    assert "held by run 20261201-000000-r1" in refused.err
    assert bob.runs() == []
    assert _record(alice)["pid"] == proc.pid and _record(alice)["started"]
    os.kill(proc.pid, signal.SIGKILL)  # killed mid-start: R1 never reached her log
    proc.communicate(timeout=30)
    second = bob.golive("run", "plan.yaml", "--no-wait")
    assert second.code == 0, second.out + second.err


def test_a_start_on_the_same_log_is_refused_and_its_clean_up_leaves_the_winners_record(
        starting: tuple[User, User, subprocess.Popen[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    alice, _bob, proc = starting
    monkeypatch.setenv(host_lock.TESTING_ENV, alice.env[host_lock.TESTING_ENV])  # this process on alice's machine too
    (alice.gate / "go").touch()
    refused = alice.golive("run", "plan.yaml", "--no-wait")  # the same log, at the same time
    assert refused.code == 2, refused.out + refused.err
    assert _record(alice)["run"] == "20261201-000000-r1" and _record(alice)["pid"] == proc.pid
    # Only the writer empties its record while it lives, even a process naming the same run.
    host_lock.drop("hostsvc", "prod", "20261201-000000-r1")
    assert _record(alice)["pid"] == proc.pid
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    host_lock.drop("hostsvc", "prod", "20261201-000000-r1")  # its writer is gone: the run's end may free it
    assert _record(alice) == {}


def _sqlite_file(path: Path) -> tuple[str, list[str], object]:
    """The file's bytes, its tables and journal mode, read without changing it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest(), tables, mode


def _gone_writer(run: str, store: Path) -> dict[str, object]:
    """A record of this machine whose writer is gone (pid 1 never has this start time)."""
    return {"run": run, "store": str(store), "host": socket.gethostname(), "pid": 1, "started": "not-its-start"}


def test_a_planted_record_never_makes_golive_write_the_file_it_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(host_lock.TESTING_ENV, str(tmp_path / "shared"))
    victim = tmp_path / "app.sqlite"
    conn = sqlite3.connect(victim)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = _sqlite_file(victim)
    (tmp_path / "shared").mkdir(mode=0o1777)
    path = host_lock.lock_file(tmp_path / "shared", "svc", "prod")
    path.write_text(json.dumps(_gone_writer("X", victim)) + "\n")
    with pytest.raises(RunLocked, match="held by run X"):  # not a run log golive can read: held
        host_lock.take("svc", "prod", {"run": "r1", "store": str(tmp_path / "mine.db")}, None)
    assert _sqlite_file(victim) == before == (before[0], ["notes"], "delete")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("app.sqlite")) == ["app.sqlite"]
    assert not (tmp_path / "mine.db").exists()


def test_another_users_ended_run_is_judged_from_its_log_read_only(two_users: tuple[User, User]) -> None:  # noqa: F811
    alice, bob = two_users
    (alice.gate / "go").touch()
    (bob.gate / "go").touch()
    done = alice.golive("run", "plan.yaml", "--no-wait")
    assert done.code == 0, done.out + done.err
    run = str(alice.only_run()["run"])
    log = alice.dir / "state" / "golive" / "golive.db"
    before = _sqlite_file(log)
    path = host_lock.lock_file(Path(alice.env["GOLIVE_TESTING_HOST_LOCK_DIR"]), "hostsvc", "prod")
    path.write_text(json.dumps(_gone_writer(run, log)) + "\n")  # as if her run's end had not emptied it
    second = bob.golive("run", "plan.yaml", "--no-wait")
    assert second.code == 0, second.out + second.err  # her log says the run ended: over
    assert _sqlite_file(log) == before


def test_a_record_written_on_another_machine_holds_whatever_this_machine_has(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lock directory on a shared filesystem: the other laptop's log path does not exist here, and its writer's
    pid means nothing here."""
    monkeypatch.setenv(host_lock.TESTING_ENV, str(tmp_path / "shared"))
    (tmp_path / "shared").mkdir(mode=0o1777)
    elsewhere = {"run": "R9", "store": "/home/alice/.local/state/golive/golive.db", "host": "laptop-a-not-here",
                 "pid": 1, "started": "1"}
    host_lock.lock_file(tmp_path / "shared", "svc", "prod").write_text(json.dumps(elsewhere) + "\n")
    with pytest.raises(RunLocked, match=r"on laptop-a-not-here .*remove the record from .* by hand"):
        host_lock.take("svc", "prod", {"run": "r1", "store": str(tmp_path / "mine.db")}, None)
    assert host_lock.holder("svc", "prod") == elsewhere
