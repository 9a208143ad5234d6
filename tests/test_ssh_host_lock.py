"""An `ssh` step takes the service's lock file on the hosts it runs on, in the same remote command (no extra round
trip), and the run keeps it until it ends: a run kept in another log on another machine (here: its own run log and
its own host-wide lock directory) finds the hosts held while the first run waits at its gate, and its command never
starts there. When the first run ends its lock files go; a record whose run is provably over (its log is gone) is
taken over. Four real sshd "hosts" on loopback (they share this machine's filesystem, so one file stands for each
host's)."""

from __future__ import annotations

import getpass
import json
import socket
from pathlib import Path

from conftest import Result, golive
from golive.targets.hostlock import default_path
from test_ssh import SshHosts, sshd  # noqa: F401 - four real sshd "hosts"

SERVICE = "sshlocked"


def _plan(sshd: SshHosts, marks: Path) -> str:  # noqa: F811
    return (f"name: ssh locked\nservice: {SERVICE}\nenvironment: test\nhosts:\n  web:\n"
            f"    hosts: [{', '.join(sshd.hosts)}]\n    user: {getpass.getuser()}\n    identity: {sshd.key}\n"
            f"    known_hosts: {sshd.known_hosts}\n    connect_timeout: 5s\n"
            f"    lock_dir: {marks.parent / '.remote-locks'}\n"
            "phases:\n  - name: Deploy\n    steps:\n      - name: Deploy\n        ssh:\n          on: web\n"
            f"          command: 'touch \"{marks}/$GOLIVE_RUN_ID@$GOLIVE_HOST\"'\n"
            "        undo: 'true'\n    gate:\n      approvals: {count: 1}\n")


class Machine:
    """A checkout on a machine of its own: its own run log and host-wide lock directory."""

    def __init__(self, root: Path, name: str, text: str) -> None:
        self.dir = root / name
        self.dir.mkdir()
        (self.dir / "plan.yaml").write_text(text)
        self.env = {"GOLIVE_TESTING_HOST_LOCK_DIR": str(self.dir / ".machine-locks")}

    def golive(self, *args: str) -> Result:
        return golive("--store", str(self.dir / "runs.db"), *args, cwd=self.dir, env=self.env)

    def run(self) -> tuple[Result, str]:
        r = self.golive("run", "plan.yaml", "--no-wait")
        listed = json.loads(self.golive("runs", "--json").out or "[]")
        return r, str(listed[0]["run"]) if listed else ""


def _marks_of(marks: Path, run: str) -> set[str]:
    return {m.name.split("@", 1)[1] for m in marks.iterdir() if m.name.startswith(run + "@")}


def test_a_run_waiting_at_its_gate_holds_the_hosts_its_ssh_step_ran_on(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    marks = workdir / "marks"
    marks.mkdir()
    a, b = Machine(workdir, "a", _plan(sshd, marks)), Machine(workdir, "b", _plan(sshd, marks))
    first, run_a = a.run()
    assert first.code == 3, first.out + first.err  # ran on every host, waits at the gate
    assert _marks_of(marks, run_a) == set(sshd.hosts)
    lock = Path(default_path(SERVICE, "test", str(workdir / ".remote-locks")))
    assert json.loads(lock.read_text())["run"] == run_a
    second, run_b = b.run()
    assert second.code == 1, second.out + second.err  # its step failed on held hosts; nothing to undo there
    assert f"is held by run {run_a}" in second.out + second.err
    assert str(a.dir / "runs.db") in second.out + second.err  # names the holder's run log
    assert _marks_of(marks, run_b) == set()  # the command never started on a held host
    assert a.golive("approve", run_a, "--by", "bob", "--reason", "ok").code == 0
    assert a.golive("resume", run_a, "--no-wait").code == 0
    assert not lock.exists()  # the run ended: its lock files on the hosts are gone
    third, run_c = b.run()
    assert third.code == 3, third.out + third.err
    assert _marks_of(marks, run_c) == set(sshd.hosts)


def test_a_lock_whose_run_is_provably_over_is_taken_over(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    marks = workdir / "marks"
    marks.mkdir()
    lock = Path(default_path(SERVICE, "test", str(workdir / ".remote-locks")))
    lock.parent.mkdir(parents=True, exist_ok=True)
    gone = workdir / "gone" / "runs.db"  # a log deleted with its checkout
    lock.write_text(json.dumps({"run": "20261201-000000-dead", "store": str(gone), "service": f"{SERVICE}/test",
                                "host": socket.gethostname(), "pid": 1, "started": "not-its-start"},
                               sort_keys=True))  # written here, by a process that is gone
    b = Machine(workdir, "b", _plan(sshd, marks))
    r, run_b = b.run()
    assert r.code == 3, r.out + r.err
    assert _marks_of(marks, run_b) == set(sshd.hosts)
    assert json.loads(lock.read_text())["run"] == run_b


def test_a_lock_written_on_another_machine_holds_whatever_this_machine_has(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    """Another laptop's run: its log's path does not exist here, which says nothing about that run."""
    marks = workdir / "marks"
    marks.mkdir()
    lock = Path(default_path(SERVICE, "test", str(workdir / ".remote-locks")))
    lock.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"run": "20261201-000000-away", "store": "/home/alice/.local/state/golive/golive.db",
                       "service": f"{SERVICE}/test", "host": "laptop-a-not-here", "pid": 4242, "started": "1"},
                      sort_keys=True)
    lock.write_text(text)
    b = Machine(workdir, "b", _plan(sshd, marks))
    r, run_b = b.run()
    assert r.code == 1, r.out + r.err
    assert "held by run 20261201-000000-away" in r.out + r.err and "on laptop-a-not-here" in r.out + r.err
    assert "by hand" in r.out + r.err
    assert _marks_of(marks, run_b) == set()  # the command never ran on a held host
    assert lock.read_text() == text


def test_a_rolling_step_after_an_ssh_step_leaves_the_lock_to_the_runs_end(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    """A `rolling` step lets its hosts' lock files go when it is done, unless an `ssh` step of the plan holds them for
    the run: then they stay until the run ends."""
    marks = workdir / "marks"
    marks.mkdir()
    rolling = ("      - name: Roll\n        rolling:\n          on: web\n          batch: 2\n"
               "          command: 'true'\n          health: {command: 'true', interval: 0.1s}\n")
    text = _plan(sshd, marks).replace("    gate:\n", rolling + "    gate:\n")
    a, b = Machine(workdir, "a", text), Machine(workdir, "b", _plan(sshd, marks))
    first, run_a = a.run()
    assert first.code == 3, first.out + first.err
    lock = Path(default_path(SERVICE, "test", str(workdir / ".remote-locks")))
    assert json.loads(lock.read_text())["run"] == run_a  # still the run's, after its rolling step
    second, run_b = b.run()
    assert second.code == 1 and f"is held by run {run_a}" in second.out + second.err, second.out + second.err
    assert _marks_of(marks, run_b) == set()
    assert a.golive("approve", run_a, "--by", "bob", "--reason", "ok").code == 0
    assert a.golive("resume", run_a, "--no-wait").code == 0
    assert not lock.exists()
