"""Two runs kept in two run logs (`--store a.db`, `--store b.db`) must not roll the same hosts at once: a
`rolling` step takes a lock file on each batch's hosts before it drains them (golive.targets.hostlock), so the
second run's step is refused before it touches a host, naming the holder; an `ssh` step of the service
respects the lock too (its command does not start on a held host); once the first run's step is done its lock
files are gone and the second run proceeds. Four real sshd "hosts" on loopback (they share this
machine's /tmp, so one file stands for each host's)."""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import another_machine, golive
from golive.targets.hostlock import default_path
from test_ssh import SshHosts, sshd  # noqa: F401 - four real sshd "hosts"


def _plan(sshd: SshHosts, service: str, marks: Path, go: Path) -> str:  # noqa: F811
    command = f'touch "{marks}/$GOLIVE_RUN_ID@$GOLIVE_HOST"; while [ ! -e "{go}" ]; do sleep 0.05; done'
    return (f"name: roll\nservice: {service}\nenvironment: test\nhosts:\n  web:\n"
            f"    hosts: [{', '.join(sshd.hosts)}]\n    user: {getpass.getuser()}\n    identity: {sshd.key}\n"
            f"    known_hosts: {sshd.known_hosts}\n    connect_timeout: 5s\n"
            f"    lock_dir: {marks.parent / '.remote-locks'}\n"
            "phases:\n  - name: Deploy\n    steps:\n      - name: Roll out\n        rolling:\n          on: web\n"
            f"          batch: 2\n          command: {json.dumps(command)}\n"
            "          health: {command: 'true', interval: 0.1s}\n")


def _run_id(db: Path) -> str:
    with sqlite3.connect(db) as con:
        return str(con.execute("SELECT id FROM runs ORDER BY created_at DESC LIMIT 1").fetchone()[0])


def test_a_second_store_cannot_roll_hosts_a_running_rolling_step_holds(workdir: Path,
                                                                        sshd: SshHosts) -> None:  # noqa: F811
    service = f"roll{os.getpid()}{workdir.name[-6:].replace('_', '')}"
    lock = Path(default_path(service, "test", str(workdir / ".remote-locks")))
    marks, go = workdir / "marks", workdir / "go"
    marks.mkdir()
    a, b = workdir / "a", workdir / "b"
    for d in (a, b):
        d.mkdir()
        (d / "plan.yaml").write_text(_plan(sshd, service, marks, go))
    env = {**os.environ, "GOLIVE_USER": "ann"}
    first = subprocess.Popen([sys.executable, "-m", "golive", "--store", str(a / "a.db"), "run", "plan.yaml",
                              "--no-wait"], cwd=a, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(list(marks.iterdir())) < 2:  # the first run is deploying its first batch
            assert time.monotonic() < deadline and first.poll() is None, first.stdout.read() if first.stdout else ""
            time.sleep(0.05)
        run_a = _run_id(a / "a.db")
        assert json.loads(lock.read_text())["run"] == run_a
        # b and c stand for other machines (their own host-wide service lock, golive.run.host_lock): the lock
        # files on the hosts are what refuses them
        second = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b, env=another_machine(b))
        assert second.code == 1, second.out + second.err
        assert f"is held by run {run_a}" in second.out + second.err, second.out + second.err
        assert str((a / "a.db").resolve()) in second.out + second.err  # names the holder's run log
        assert {m.name.split("@")[0] for m in marks.iterdir()} == {run_a}  # the second touched no host
        c = workdir / "c"
        c.mkdir()
        (c / "plan.yaml").write_text(_plan(sshd, service, marks, go).split("phases:")[0]
                                     + "phases:\n  - name: Run\n    steps:\n      - ssh: {on: web, command: 'touch"
                                     f" {marks}/ssh-ran'}}\n")
        third = golive("--store", str(c / "c.db"), "run", "plan.yaml", "--no-wait", cwd=c, env=another_machine(c))
        assert third.code == 1 and f"is held by run {run_a}" in third.out + third.err, third.out + third.err
        assert not (marks / "ssh-ran").exists()
    finally:
        go.touch()
    assert first.wait(timeout=120) == 0, first.stdout.read() if first.stdout else ""
    assert not lock.exists()  # the step is done: its lock files are gone
    again = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b)
    assert again.code == 0, again.out + again.err
    assert not lock.exists()
    assert golive("--store", str(c / "c.db"), "run", "plan.yaml", "--no-wait", cwd=c).code == 0
    assert (marks / "ssh-ran").exists()
