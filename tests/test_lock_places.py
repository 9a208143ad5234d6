"""Where a service's locks live is decided by the service and the plan alone, never by who runs golive, and each
service has a lock of its own (golive.store.lock_names, golive.targets.hostlock, golive.run.host_lock):

- GOLIVE_REMOTE_LOCK_DIR no longer moves the lock file on the SSH hosts (the plan's host group `lock_dir:` does, for
  everyone): set to another directory, it refuses the run and says what to write; set to the group's, the run meets
  the other operators' in the same file;
- `a.b`/`c` and `a`/`b.c` (once the same file `a.b.c`) deploy side by side, and a name longer than a file name may
  be still locks;
- a record a previous version's golive wrote under the old name still holds the service;
- a stuck holder of a lock file's flock gives a clear error after GOLIVE_LOCK_WAIT, not a hang.

Real golive processes, each "machine" with its own run log and host-wide lock directory; four real sshd "hosts"
on loopback (sharing this machine's filesystem, so one file stands for each host's)."""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Result, golive
from golive.run import host_lock
from golive.targets.hostlock import default_path
from test_ssh import SshHosts, sshd  # noqa: F401 - four real sshd "hosts"


def _plan(sshd: SshHosts, service: str, environment: str, marks: Path, lock_dir: Path | None) -> str:  # noqa: F811
    where = f"    lock_dir: {lock_dir}\n" if lock_dir is not None else ""
    return (f"name: places\nservice: {service}\nenvironment: {environment}\nhosts:\n  web:\n"
            f"    hosts: [{', '.join(sshd.hosts)}]\n    user: {getpass.getuser()}\n    identity: {sshd.key}\n"
            f"    known_hosts: {sshd.known_hosts}\n    connect_timeout: 5s\n{where}"
            "phases:\n  - name: Deploy\n    steps:\n      - name: Deploy\n        ssh:\n          on: web\n"
            f"          command: 'touch \"{marks}/$GOLIVE_RUN_ID@$GOLIVE_HOST\"'\n"
            "        undo: 'true'\n    gate:\n      approvals: {count: 1}\n")


class Machine:
    """An operator on a machine of their own: their own run log, host-wide lock directory and environment."""

    def __init__(self, root: Path, name: str, text: str, env: dict[str, str] | None = None) -> None:
        self.dir = root / name
        self.dir.mkdir()
        (self.dir / "plan.yaml").write_text(text)
        self.env = {"GOLIVE_TESTING_HOST_LOCK_DIR": str(self.dir / ".machine-locks"), **(env or {})}

    def golive(self, *args: str, timeout: float = 120) -> Result:
        return golive("--store", str(self.dir / "runs.db"), *args, cwd=self.dir, env=self.env, timeout=timeout)

    def run(self) -> tuple[Result, str]:
        r = self.golive("run", "plan.yaml", "--no-wait")
        listed = json.loads(self.golive("runs", "--json").out or "[]")
        return r, str(listed[0]["run"]) if listed else ""


def _marks_of(marks: Path, run: str) -> set[str]:
    return {m.name.split("@", 1)[1] for m in marks.iterdir() if m.name.startswith(run + "@")} if run else set()


def test_an_operator_whose_remote_lock_variable_differs_from_the_plan_is_refused(workdir: Path,
                                                                                sshd: SshHosts) -> None:  # noqa: F811
    """GOLIVE_REMOTE_LOCK_DIR moved the lock file on the hosts in earlier golives; this one follows the plan's group
    `lock_dir:` alone. Set to another directory it refuses the run before any host is touched, saying what to write
    (an earlier golive with it set locks elsewhere: ignoring it would let both deploy). Set to the group's directory
    it names the very same file, and the run meets the other operator's (a unique service name keeps this test's
    /tmp file its own)."""
    service = f"places{os.getpid()}x{workdir.name[-6:].replace('_', '')}"
    marks = workdir / "marks"
    marks.mkdir()
    lock = Path(default_path(service, "test"))
    text = _plan(sshd, service, "test", marks, None)
    elsewhere = workdir / "alice-remote"
    alice = Machine(workdir, "alice", text, {"GOLIVE_REMOTE_LOCK_DIR": str(elsewhere)})
    bob = Machine(workdir, "bob", text)  # without the variable
    try:
        refused, run_r = alice.run()
        assert refused.code == 2, refused.out + refused.err
        assert f"GOLIVE_REMOTE_LOCK_DIR={elsewhere} is no longer read" in refused.err, refused.err
        assert f"Write `lock_dir: {elsewhere}`" in refused.err and "then unset GOLIVE_REMOTE_LOCK_DIR" in refused.err
        assert run_r == "" and not list(marks.iterdir()) and not lock.exists() and not elsewhere.exists()
        first, run_b = bob.run()
        assert first.code == 3, first.out + first.err  # ran on every host, waits at its gate
        assert _marks_of(marks, run_b) == set(sshd.hosts)
        assert json.loads(lock.read_text())["run"] == run_b
        alice.env["GOLIVE_REMOTE_LOCK_DIR"] = "/tmp/"  # the group's lock_dir (the default): the same file
        second, run_a = alice.run()
        assert second.code == 1, second.out + second.err
        assert f"is held by run {run_b}" in second.out + second.err
        assert _marks_of(marks, run_a) == set()  # alice's command never started on a host bob holds
    finally:
        lock.unlink(missing_ok=True)


def test_dotted_names_that_once_shared_a_file_deploy_side_by_side(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    marks = workdir / "marks"
    marks.mkdir()
    remote = workdir / ".remote-locks"
    one = Machine(workdir, "one", _plan(sshd, "pay.api", "prod", marks, remote))
    two = Machine(workdir, "two", _plan(sshd, "pay", "api.prod", marks, remote))
    two.env = one.env  # one machine: the host-wide service lock directory shared too
    first, run_1 = one.run()
    assert first.code == 3, first.out + first.err
    second, run_2 = two.run()
    assert second.code == 3, second.out + second.err  # another service: not held by pay.api/prod's run
    assert _marks_of(marks, run_1) == _marks_of(marks, run_2) == set(sshd.hosts)
    again = Machine(workdir, "again", _plan(sshd, "pay", "api.prod", marks, remote))
    again.env = one.env
    third, _ = again.run()  # but the same service still is held
    assert third.code == 2, third.out + third.err
    assert f"is held by run {run_2}" in third.err


def test_a_name_longer_than_a_file_name_still_locks(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    marks = workdir / "marks"
    marks.mkdir()
    service = "s" + "x" * 300
    text = _plan(sshd, service, "prod", marks, workdir / ".remote-locks")
    first, run_1 = Machine(workdir, "one", text).run()
    assert first.code == 3, first.out + first.err
    assert _marks_of(marks, run_1) == set(sshd.hosts)
    second, run_2 = Machine(workdir, "two", text).run()  # another machine: only the hosts' lock can refuse it
    assert second.code == 1, second.out + second.err
    assert f"is held by run {run_1}" in second.out + second.err
    assert _marks_of(marks, run_2) == set()


def _old_record(service: str, environment: str, label: bool) -> str:
    """What a previous version's golive, still running on another machine, wrote."""
    pair = {"service": f"{service}/{environment}"} if label else {"service": service, "environment": environment}
    return json.dumps({"run": "20261130-235900-old1", "store": "/srv/old/runs.db", "host": "old-box", "pid": 4242,
                       "started": "123", "since": "2026-11-30T23:59:00+00:00", **pair}, sort_keys=True)


def test_an_old_versions_record_under_the_old_name_still_holds_the_hosts(workdir: Path,
                                                                         sshd: SshHosts) -> None:  # noqa: F811
    marks = workdir / "marks"
    marks.mkdir()
    remote = workdir / ".remote-locks"
    remote.mkdir()
    (remote / "golive-pay.api.prod.lock").write_text(_old_record("pay.api", "prod", label=True))
    held, run = Machine(workdir, "new", _plan(sshd, "pay.api", "prod", marks, remote)).run()
    assert held.code == 1, held.out + held.err
    assert "is held by run 20261130-235900-old1" in held.out + held.err
    assert _marks_of(marks, run) == set()  # the command never ran beside the old version's
    # the old name's record of another pair (pay/api.prod, spelt the same once) holds nobody here
    (remote / "golive-pay.api.prod.lock").write_text(_old_record("pay", "api.prod", label=True))
    free, run = Machine(workdir, "newer", _plan(sshd, "pay.api", "prod", marks, remote)).run()
    assert free.code == 3, free.out + free.err
    assert _marks_of(marks, run) == set(sshd.hosts)


def test_an_old_versions_record_under_the_old_name_still_holds_this_machine(workdir: Path) -> None:
    locks = workdir / ".machine-locks"
    locks.mkdir()
    (locks / "pay.api.prod.lock").write_text(_old_record("pay.api", "prod", label=False) + "\n")
    (workdir / "plan.yaml").write_text("name: old\nservice: pay.api\nenvironment: prod\nphases:\n  - name: One\n"
                                       "    steps:\n      - shell: 'true'\n")
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_TESTING_HOST_LOCK_DIR": str(locks)})
    assert r.code == 2, r.out + r.err
    assert "is held by run 20261130-235900-old1" in r.err


@pytest.mark.parametrize("locks", ["", "locks:\n  - local: true\n"])
def test_a_stuck_flock_holder_gives_a_clear_error_in_bounded_time(workdir: Path, locks: str) -> None:
    """Another process keeps the flock of the service's lock file (here util-linux `flock`, as a golive stopped
    with ^Z mid-decision would): golive gives up after GOLIVE_LOCK_WAIT with the file and the holder named."""
    machine = workdir / ".machine-locks"
    machine.mkdir()
    (workdir / "plan.yaml").write_text(f"name: stuck\nservice: stuck\nenvironment: prod\n{locks}phases:\n"
                                       "  - name: One\n    steps:\n      - shell: 'true'\n")
    if locks:  # the machine lock is free; the plan's own lock file's guard is the stuck one
        held = workdir / ".state" / "golive" / "locks" / "stuck.prod.guard"
    else:
        held = host_lock.lock_file(machine, "stuck", "prod")
    held.parent.mkdir(parents=True, exist_ok=True)
    held.touch()
    holder = subprocess.Popen(["flock", str(held), "sh", "-c", "echo held; exec sleep 600"], stdout=subprocess.PIPE,
                              text=True, start_new_session=True)  # its own group: `flock` forks the sleep
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        started = time.monotonic()
        r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, timeout=60,
                   env={"GOLIVE_TESTING_HOST_LOCK_DIR": str(machine), "GOLIVE_LOCK_WAIT": "2s"})
        took = time.monotonic() - started
        assert r.code == 2, r.out + r.err
        assert f"{held}" in r.err and "another process has held its lock for more than 2s" in r.err
        assert "(process " in r.err  # the holder, as /proc/locks names it
        assert took < 45, took
    finally:
        os.killpg(holder.pid, signal.SIGKILL)  # flock and the sleep it started: nothing is left holding the file
        holder.wait(timeout=10)


def test_a_host_where_the_lock_file_cannot_be_made_runs_nothing(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    """The group's lock_dir cannot be created there (here: a file stands in its way); the command used to run
    unlocked on such a host. Now it is refused there and nothing runs."""
    marks = workdir / "marks"
    marks.mkdir()
    (workdir / "in-the-way").write_text("")
    r, run = Machine(workdir, "one", _plan(sshd, "blocked", "prod", marks, workdir / "in-the-way" / "locks")).run()
    assert r.code == 1, r.out + r.err
    assert "could not be created" in r.out + r.err
    assert _marks_of(marks, run) == set()


def test_users_with_and_without_a_host_lock_variable_meet_on_this_machine(workdir: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """GOLIVE_HOST_LOCK_DIR adds a directory and never replaces the machine's: alice has it set, bob has not, and
    bob is refused while alice's run waits at its gate. The machine's real directories (a unique service name)."""
    monkeypatch.delenv(host_lock.TESTING_ENV)
    service = f"hostvar{os.getpid()}x{workdir.name[-6:].replace('_', '')}"
    text = (f"name: var\nservice: {service}\nenvironment: prod\nphases:\n  - name: One\n    steps:\n"
            "      - shell: 'true'\n    gate:\n      approvals: {count: 1}\n")
    alice = Machine(workdir, "alice", text, {"GOLIVE_HOST_LOCK_DIR": str(workdir / "alice-locks")})
    bob = Machine(workdir, "bob", text)
    alice.env.pop(host_lock.TESTING_ENV)
    bob.env.pop(host_lock.TESTING_ENV)
    try:
        first, run_a = alice.run()
        assert first.code == 3, first.out + first.err
        second, _ = bob.run()
        assert second.code == 2, second.out + second.err
        assert f"is held by run {run_a}" in second.err
    finally:
        for directory in host_lock.DEFAULT_DIRS:
            host_lock.lock_file(directory, service, "prod").unlink(missing_ok=True)
