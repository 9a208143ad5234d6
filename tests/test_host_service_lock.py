"""Two users (or two checkouts) on one machine, each with their own default run log and no `locks:` in the plan,
must not deploy the same service at the same time: every golive holds the service in the host-wide lock
directory (golive.run.host_lock). Real golive processes, each with its own per-user state directory (so its own
default log), sharing only the machine's lock directory. The lock is the run's, not a process's: a golive killed
with SIGKILL leaves its run active in its log, that run's resume (a new process) finds the lock its own and ends
the run, and then the other user's run proceeds; a record whose run its log never learnt of holds nobody."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Result, golive, until
from golive.errors import RunLocked
from golive.run import host_lock

PLAN = """\
name: held
service: hostsvc
environment: prod
phases:
  - name: One
    steps:
      - name: hold
        shell: '[ -f {gate}/go ] || {{ touch {gate}/started; read -r line < {gate}/fifo; }}'
        idempotent: true
        timeout: 60s
"""


class User:
    """A person on this machine: their own checkout, their own state directory (so their own default run log)."""

    def __init__(self, root: Path, name: str, locks: Path) -> None:
        self.dir = root / name
        self.gate = self.dir / "gate"
        self.gate.mkdir(parents=True)
        os.mkfifo(self.gate / "fifo")
        (self.dir / "plan.yaml").write_text(PLAN.format(gate=self.gate), encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if k != "GOLIVE_STORE"}
        self.env.update(XDG_STATE_HOME=str(self.dir / "state"), GOLIVE_TESTING_HOST_LOCK_DIR=str(locks),
                        GOLIVE_USER=name, GOLIVE_LEASE="3s")

    def golive(self, *args: str) -> Result:
        return golive(*args, cwd=self.dir, env=self.env, timeout=90)

    def start(self) -> subprocess.Popen[str]:
        """`golive run` in the background; returns once its step holds (its log has the run)."""
        proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=self.dir,
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        until("the first run's step", lambda: (self.gate / "started").exists() or proc.poll() is not None)
        assert proc.poll() is None, proc.communicate()
        return proc

    def release_step(self) -> None:
        """Let the step go: it exits 0 now, and at once when run again."""
        (self.gate / "go").touch()
        with open(self.gate / "fifo", "w") as fifo:  # opens once the step reads: no waiting for luck
            fifo.write("go\n")

    def runs(self) -> list[dict[str, object]]:
        if not (self.dir / "state" / "golive" / "golive.db").exists():
            return []
        listed = self.golive("runs", "--json")
        assert listed.code == 0, listed.out + listed.err
        found = json.loads(listed.out)
        return list(found["runs"] if isinstance(found, dict) else found)

    def only_run(self) -> dict[str, object]:
        runs = self.runs()
        assert len(runs) == 1, runs
        return dict(runs[0])


@pytest.fixture
def two_users(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[User, User]:
    monkeypatch.delenv("GOLIVE_STORE")  # each user's own default log, in their own state directory
    locks = workdir / "machine-locks"
    return User(workdir, "alice", locks), User(workdir, "bob", locks)


def test_a_second_user_with_another_log_is_refused_until_the_first_run_ends(two_users: tuple[User, User]) -> None:
    alice, bob = two_users
    (bob.gate / "go").touch()  # bob's step never waits: only the lock can stop his run
    first = alice.start()
    try:
        refused = bob.golive("run", "plan.yaml", "--no-wait")
        assert refused.code == 2, refused.out + refused.err
        assert "hostsvc/prod on this machine (every golive here holds it" in refused.err
        assert "is held by run" in refused.err
        assert str(alice.dir / "state" / "golive" / "golive.db") in refused.err  # names alice's log
        assert bob.runs() == []  # refused before his run existed
    finally:
        alice.release_step()
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, out + err
    assert alice.only_run()["status"] == "succeeded"
    second = bob.golive("run", "plan.yaml", "--no-wait")
    assert second.code == 0, second.out + second.err


def test_a_killed_golive_holds_nothing_its_run_resumed_ends_and_frees_the_service(
        two_users: tuple[User, User]) -> None:
    alice, bob = two_users
    (bob.gate / "go").touch()
    first = alice.start()
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    try:
        assert first.returncode == -signal.SIGKILL
        run = alice.only_run()
        # Alice's run is still active in her log (resumable): it keeps the service, as her log's own rule would.
        refused = bob.golive("run", "plan.yaml", "--no-wait")
        assert refused.code == 2, refused.out + refused.err
        assert f"held by run {run['run']}" in refused.err
    finally:
        # the killed golive's step shell outlives it, waiting on the gate file: always let it end
        alice.release_step()
    # The killed process holds nothing: her run's resume (another process) takes the lock as its own; the old
    # step's shell has ended and resume re-runs the idempotent step, which exits at once.
    resumed = alice.golive("resume", str(run["run"]))
    assert resumed.code == 0, resumed.out + resumed.err
    assert alice.only_run()["status"] == "succeeded"
    second = bob.golive("run", "plan.yaml", "--no-wait")
    assert second.code == 0, second.out + second.err


def test_a_record_whose_run_its_log_never_learnt_of_holds_nobody(two_users: tuple[User, User]) -> None:
    """A golive killed after writing the record but before creating its run: the log does not know the run."""
    alice, bob = two_users
    (alice.gate / "go").touch()
    done = alice.golive("run", "plan.yaml", "--no-wait")
    assert done.code == 0, done.out + done.err
    path = host_lock.lock_file(Path(alice.env["GOLIVE_TESTING_HOST_LOCK_DIR"]), "hostsvc", "prod")
    assert path.read_text() == ""  # the ended run freed it
    path.write_text(json.dumps({"run": "20261201-000000-dead", "store": str(alice.dir / "state/golive/golive.db"),
                                "pid": 1, "started": "not-its-start", "host": socket.gethostname()}) + "\n")
    (bob.gate / "go").touch()
    second = bob.golive("run", "plan.yaml", "--no-wait")
    assert second.code == 0, second.out + second.err


def test_a_link_planted_in_the_shared_directory_is_refused_and_its_target_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv(host_lock.TESTING_ENV, str(shared))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    host_lock.lock_file(shared, "svc", "prod").symlink_to(victim)
    record = {"run": "r1", "store": str(tmp_path / "log.db"), "pid": os.getpid(), "host": "h"}
    with pytest.raises(RunLocked, match="cannot open it"):
        host_lock.take("svc", "prod", record, None)
    assert victim.read_text() == "keep me\n"


def test_a_missing_directory_is_made_for_every_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "machine" / "golive"
    monkeypatch.setenv(host_lock.TESTING_ENV, str(shared))
    from golive.store.owner import current_owner

    record = {"run": "r1", "store": str(tmp_path / "x.db"), "host": socket.gethostname(), "pid": os.getpid(),
              "started": current_owner().started}  # written by this process: its own to empty
    old = os.umask(0o022)
    try:
        host_lock.take("svc", "prod", record, None)
    finally:
        os.umask(old)
    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert host_lock.lock_file(shared, "svc", "prod").stat().st_mode & 0o777 == 0o666
    assert host_lock.holder("svc", "prod") == record
    host_lock.drop("svc", "prod", "r1")
    assert host_lock.holder("svc", "prod") is None
