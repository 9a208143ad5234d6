"""One run per service means one beyond a single run log. Two runs of the same service kept in two logs
(`--store a.db` and `--store b.db`, from two working directories) exclude each other through the locks the
plan declares: a lock file on this machine, a lock file on each SSH host of a group (real sshd), an advisory
lock in the application's PostgreSQL. The second is refused, naming the holder; once the first run ends
its locks are gone and the next run proceeds. Without `--store`, two working directories share the per-user
run log, whose own one-active-run rule refuses the second."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg

from conftest import another_machine, golive, two_teams, until
from test_pg_timeouts import pg_url  # noqa: F401 - a throwaway database
from test_ssh import SshHosts, sshd  # noqa: F401 - four real sshd "hosts"

GATED = """\
name: locked
service: locksvc
environment: prod
{extra}locks:
{locks}
phases:
  - name: One
    steps:
      - name: change
        shell: "echo changed >> changes.txt"
    gate:
      approvals: {{count: 1}}
"""
HELD = """\
name: locked
service: locksvc
environment: prod
locks:
  - postgres: {url}
phases:
  - name: One
    steps:
      - name: hold
        shell: "touch started; while [ ! -f go ]; do sleep 0.05; done"
"""


def _first_run(out: str) -> str:
    return out.split("run ", 1)[1].split()[0]


def _refused_then_free(workdir: Path, text: str, kind: str, setup: Callable[[Path], None] | None = None) -> None:
    a, b = two_teams(workdir, text)
    for d in (a, b):
        if setup:
            setup(d)
    first = golive("--store", str(a / "a.db"), "run", "plan.yaml", "--no-wait", cwd=a)
    assert first.code == 3, first.out + first.err
    run_a = _first_run(first.out)
    second = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b, env=another_machine(b))
    assert second.code == 2, second.out + second.err
    assert f"held by run {run_a}" in second.err and kind in second.err, second.err
    assert not (b / "changes.txt").exists()
    # The first run ends (approved, resumed): its locks go with it, and the other team's run proceeds.
    assert golive("--store", str(a / "a.db"), "approve", run_a, "--by", "bob", "--reason", "ok", cwd=a).code == 0
    assert golive("--store", str(a / "a.db"), "resume", run_a, "--no-wait", cwd=a).code == 0
    again = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b, env=another_machine(b))
    assert again.code == 3, again.out + again.err


def test_a_machine_lock_file_refuses_a_second_store(workdir: Path) -> None:
    _refused_then_free(workdir, GATED.format(extra="", locks="  - local: true"), "on this machine")


def test_a_lock_file_on_each_ssh_host_refuses_a_second_store(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    group = (f"hosts:\n  web:\n    hosts: [{', '.join(sshd.hosts)}]\n    user: {getpass.getuser()}\n"
             f"    identity: keys/id_ed25519\n    known_hosts: {sshd.known_hosts}\n    connect_timeout: 5s\n"
             f"    lock_dir: {workdir / '.remote-locks'}\n")
    path = f"/tmp/golive-test-{os.getpid()}-{workdir.name}.lock"
    text = GATED.format(extra=group, locks=f"  - hosts: web\n    path: {path}")

    def keys(d: Path) -> None:
        (d / "keys").mkdir()
        shutil.copy(sshd.key, d / "keys" / "id_ed25519")

    try:
        _refused_then_free(workdir, text, "on 127.0.0.1", keys)
        holder = json.loads(Path(path).read_text())  # the "hosts" share this machine's /tmp: one file
        assert holder["service"] == "locksvc" and holder["store"].endswith("b.db")
    finally:
        Path(path).unlink(missing_ok=True)


def test_a_postgres_advisory_lock_refuses_a_second_store(workdir: Path, pg_url: str) -> None:  # noqa: F811
    a, b = two_teams(workdir, HELD.format(url=pg_url))
    env = {**os.environ, "GOLIVE_USER": "ann", "GOLIVE_STORE": str(a / "a.db")}
    child = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=a, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        until("the first run's step", lambda: (a / "started").exists() or child.poll() is not None)
        assert child.poll() is None, child.stdout.read() if child.stdout else ""
        second = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b, env=another_machine(b))
        assert second.code == 2 and "advisory lock" in second.err and "is held by golive" in second.err, second.err
        assert not (b / "started").exists()
    finally:
        (a / "go").touch()
    assert child.wait(timeout=60) == 0
    (b / "go").touch()
    assert golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b).code == 0


def test_two_working_directories_share_the_per_user_log(workdir: Path, monkeypatch: object) -> None:
    a, b = two_teams(workdir, GATED.format(extra="", locks="  []").replace("locks:\n  []\n", ""))
    env = {"GOLIVE_STORE": ""}  # the default: $XDG_STATE_HOME/golive/golive.db, not ./.golive
    first = golive("run", "plan.yaml", "--no-wait", cwd=a, env=env)
    assert first.code == 3, first.out + first.err
    assert str(Path(os.environ["XDG_STATE_HOME"]) / "golive" / "golive.db") in first.out
    second = golive("run", "plan.yaml", "--no-wait", cwd=b, env=env)
    assert second.code == 2 and f"held by run {_first_run(first.out)}" in second.err, second.err


def test_a_postgres_lock_holds_while_the_run_waits_at_a_gate(workdir: Path, pg_url: str) -> None:  # noqa: F811
    """No golive process holds the advisory lock's session while the first run waits for its approval (it
    exited 3); the lock's row in the application's database still refuses the second store's run."""
    _refused_then_free(workdir, GATED.format(extra="", locks=f"  - postgres: {pg_url}"), "advisory lock")
    with psycopg.connect(pg_url) as conn:  # the first run ended: its row went; the second's (parked) is there
        rows = conn.execute("SELECT record FROM golive_locks").fetchall()
    assert len(rows) == 1 and json.loads(rows[0][0])["store"].endswith("b.db"), rows


def test_a_postgres_lock_survives_a_killed_run_until_it_is_resumed(workdir: Path, pg_url: str) -> None:  # noqa: F811
    """SIGKILL of the first run's golive closes its session; the row holds the service for that run, which its
    resume (the same run) finds its own, while another store's run is refused until it ended."""
    a, b = two_teams(workdir, HELD.format(url=pg_url).replace("shell:", "idempotent: true\n        shell:"))
    env = {**os.environ, "GOLIVE_USER": "ann", "GOLIVE_STORE": str(a / "a.db")}
    child = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=a, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        until("the first run's step", lambda: (a / "started").exists() or child.poll() is not None)
        assert child.poll() is None, child.stdout.read() if child.stdout else ""
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        run_a = json.loads(golive("--store", str(a / "a.db"), "runs", "--json", cwd=a).out)[0]["run"]
        (b / "go").touch()  # were it not refused, the second run would go through, not hang
        second = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b, env=another_machine(b))
        assert second.code == 2 and f"held by run {run_a}" in second.err and "advisory lock" in second.err, \
            second.err
        assert not (b / "started").exists()
    finally:
        if child.poll() is None:  # a test failed before the kill
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        (a / "go").touch()  # the killed golive's step outlives it (its own cgroup): a failed test must end it too
    resumed = golive("--store", str(a / "a.db"), "resume", run_a, "--no-wait", cwd=a)
    assert resumed.code == 0, resumed.out + resumed.err
    assert golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b).code == 0
