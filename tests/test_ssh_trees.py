"""What an `ssh` step starts on a host is a process tree golive finds and stops again (real sshd).

The batch's tree mark is logged before any host is contacted and is in the environment of every process the
command starts, `setsid` children included: a timed-out command leaves nothing behind on the host, a golive
stopped by SIGTERM stops its remote commands too, and a resume after golive was SIGKILLed waits for the old
remote command before it runs the step again, so two copies never overlap."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from conftest import golive, until
from test_ssh import SshHosts, _events, sshd  # noqa: F401 - four real sshd "hosts"


def _plan(hosts: SshHosts, workdir: Path, step: str) -> None:
    (workdir / "keys").mkdir(exist_ok=True)
    shutil.copy(hosts.key, workdir / "keys" / "id_ed25519")
    (workdir / "plan.yaml").write_text(
        f"name: trees\nservice: trees\nenvironment: test\nhosts:\n  web:\n    hosts: [{hosts.hosts[0]}]\n"
        f"    user: {getpass.getuser()}\n    identity: keys/id_ed25519\n    known_hosts: {hosts.known_hosts}\n"
        f"    connect_timeout: 5s\n    lock_dir: {workdir / '.remote-locks'}\n"
        f"phases:\n  - name: Deploy\n    steps:\n{step}")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _pid(path: Path) -> int:
    until(f"{path.name} to be written", lambda: path.exists() and path.read_text().strip().isdigit())
    return int(path.read_text())


def test_a_timed_out_remote_command_leaves_no_setsid_child(sshd: SshHosts, workdir: Path) -> None:  # noqa: F811
    # the timeout covers the ssh login and the command's start-up: on a busy 2-core machine 2 s could end the step
    # before `child.pid` is written (the test then waits for it in vain); 5 s leaves room, the command still hangs
    _plan(sshd, workdir, f"""\
      - name: escapes its group
        timeout: 5s
        grace: 1s
        ssh:
          on: web
          command: 'setsid sh -c "sleep 30; touch {workdir}/late" </dev/null >/dev/null 2>&1 &
            echo $! > {workdir}/child.pid; sleep 30'
""")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 1 and "timed out" in res.out, res.out + res.err
    child = _pid(workdir / "child.pid")
    until("the setsid child to be stopped", lambda: not _alive(child), timeout=15)
    assert not (workdir / "late").exists()
    assert _events(workdir, "ssh.batch")[0]["tree"].endswith(("/1.1/1/"), 0, -8)  # run/step/batch/random


def test_sigterm_stops_the_remote_command(sshd: SshHosts, workdir: Path) -> None:  # noqa: F811
    _plan(sshd, workdir, f"""\
      - name: long
        ssh: {{on: web, command: 'echo $$ > {workdir}/remote.pid; sleep 60; touch {workdir}/landed'}}
""")
    child = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                             env={**os.environ, "GOLIVE_USER": "tester"}, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    remote = _pid(workdir / "remote.pid")
    assert _alive(remote)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 143, child.stdout.read() if child.stdout else ""
    until("the remote command to be stopped", lambda: not _alive(remote), timeout=15)
    assert not (workdir / "landed").exists()
    assert "step.interrupted" in [e["type"] for e in _events(workdir)]


def test_resume_waits_for_the_old_remote_command_before_running_it_again(sshd: SshHosts,  # noqa: F811
                                                                        workdir: Path) -> None:
    seq = workdir / "seq"
    _plan(sshd, workdir, f"""\
      - name: idempotent change
        idempotent: true
        timeout: 60s
        ssh:
          on: web
          command: 'echo begin >> {seq}; touch {workdir}/started;
            while [ ! -f {workdir}/go ]; do sleep 0.05; done; echo end >> {seq}'
""")
    env = {**os.environ, "GOLIVE_USER": "tester"}
    first = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                             env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    until("the remote command to start", lambda: (workdir / "started").exists())
    os.killpg(first.pid, signal.SIGKILL)  # golive dies; its command goes on running on the host
    first.wait(timeout=30)
    run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    resume = subprocess.Popen([sys.executable, "-m", "golive", "resume", run_id, "--no-wait"], cwd=workdir,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        until("resume to wait for the old remote command",
              lambda: any(e["type"] == "step.awaited" for e in _events(workdir)) or seq.read_text().count("begin") > 1)
        assert seq.read_text().splitlines() == ["begin"], "a second copy started while the first still ran"
    finally:
        (workdir / "go").touch()
    out = resume.communicate(timeout=120)[0]
    assert resume.returncode == 0, out
    assert seq.read_text().splitlines() == ["begin", "end", "begin", "end"]
    reaped = _events(workdir, "step.reaped")
    assert len(reaped) == 1 and reaped[0]["killed"] is False, reaped  # it ended by itself; nothing was killed
