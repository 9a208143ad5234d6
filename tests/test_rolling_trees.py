"""What a `rolling` step's deploy starts on a host carries the batch's tree mark, as an `ssh` step's does (real
sshd): the mark is logged in `rolling.batch` before the host is touched, so golive stopped mid-deploy stops the
remote command, and a resume finds it (golive.engine.remote_leftovers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import golive, until
from golive.targets.hostlock import default_path
from test_ssh import SshHosts, _events, sshd  # noqa: F401 - four real sshd "hosts"
from test_ssh_trees import _alive, _pid, _plan


@pytest.fixture
def plan(sshd: SshHosts, workdir: Path) -> Iterator[Callable[[str], None]]:  # noqa: F811
    """A plan of its own service: a rolling step takes the hosts' lock file (here on this machine), and one
    stopped by a signal keeps it, which must not hold another test's hosts."""
    service = f"rolltrees-{workdir.name}"

    def write(step: str) -> None:
        _plan(sshd, workdir, step)
        text = (workdir / "plan.yaml").read_text()
        (workdir / "plan.yaml").write_text(text.replace("service: trees", f"service: {service}", 1))

    yield write
    Path(default_path(service, "test", str(workdir / ".remote-locks"))).unlink(missing_ok=True)


def test_the_deploy_runs_under_the_logged_tree_mark(plan: Callable[[str], None], workdir: Path) -> None:
    plan(f"""\
      - name: roll
        rolling: {{on: web, drain: false, command: 'echo "$GOLIVE_TREE" > {workdir}/tree'}}
""")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 0, res.out + res.err
    [batch] = _events(workdir, "rolling.batch")
    assert batch["tree"].endswith("/1.1/1/", 0, -8)  # run/step/batch/random
    assert (workdir / "tree").read_text().strip() == batch["tree"]


def test_sigterm_stops_the_remote_deploy(plan: Callable[[str], None], workdir: Path) -> None:
    plan(f"""\
      - name: roll
        rolling: {{on: web, drain: false, command: 'echo $$ > {workdir}/remote.pid; sleep 60; touch {workdir}/landed'}}
""")
    child = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                             env={**os.environ, "GOLIVE_USER": "tester"}, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    remote = _pid(workdir / "remote.pid")
    assert _alive(remote)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 143, child.stdout.read() if child.stdout else ""
    until("the remote deploy to be stopped", lambda: not _alive(remote), timeout=15)
    assert not (workdir / "landed").exists()
