"""`golive resolve` of an `ssh` step cut off mid-command (real sshd): refused while the command still runs on
its host, found there by the batch's tree mark as resume finds it, as it is refused while a local step's
processes still run. Saying "it failed" while it still runs is how a change lands after its rollback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import golive, until
from test_ssh import SshHosts, _events, sshd  # noqa: F401 - four real sshd "hosts"
from test_ssh_trees import _alive, _pid, _plan


def test_resolve_is_refused_while_the_remote_command_still_runs(sshd: SshHosts, workdir: Path) -> None:  # noqa: F811
    _plan(sshd, workdir, f"""\
      - name: change
        timeout: 60s
        ssh:
          on: web
          command: 'echo $$ > {workdir}/remote.pid; while [ ! -f {workdir}/go ]; do sleep 0.05; done;
            echo landed >> {workdir}/changes'
""")
    with (workdir / "first.out").open("w") as out:  # what the killed golive said, for a failing test to show
        first = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                                 env={**os.environ, "GOLIVE_USER": "tester"}, start_new_session=True,
                                 stdout=out, stderr=subprocess.STDOUT)
        try:
            remote = _pid(workdir / "remote.pid")
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # golive dies; its command goes on running on the host
            first.wait(timeout=30)
    try:
        assert _alive(remote)
        run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
        resolve = ("resolve", run_id, "1.1", "--as", "failed", "--by", "ops", "--reason", "looks dead")
        refused = golive(*resolve, cwd=workdir)
        assert refused.code == 2, refused.out + refused.err
        assert "still runs on" in refused.err and sshd.hosts[0] in refused.err, refused.err
        assert not _events(workdir, "step.resolved")
    finally:
        (workdir / "go").touch()  # the remote loop outlives the killed golive: a failed test must end it too
    until("the remote command to end", lambda: not _alive(remote))
    deadline = time.monotonic() + 30
    while (done := golive(*resolve, cwd=workdir)).code != 0:  # its `timeout` wrapper goes right after it
        assert time.monotonic() < deadline and "still runs on" in done.err, done.out + done.err
        time.sleep(0.1)  # bounded by the deadline
    assert "resolved as failed by ops" in done.out, done.out
    assert [e["as"] for e in _events(workdir, "step.resolved")] == ["failed"]
