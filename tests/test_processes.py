"""Every process a step starts is contained, recorded before it runs, and stopped whole; `shell:` is a shell;
a reader that goes away never stops a run.

Each test names the protection it proves; removing that protection makes it fail (see the note of issue 12).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import golive, until
from golive.proctree import CONTAINMENT_ENV, Tree, containment


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def events(db: Path) -> list[dict[str, object]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [{"type": t, "payload": json.loads(p)} for t, p in
                con.execute("SELECT type, payload FROM events ORDER BY seq").fetchall()]
    finally:
        con.close()


@pytest.fixture
def pids(workdir: Path) -> Iterator[Path]:
    """Where the plans' background children write their pids; whatever is left is killed afterwards."""
    folder = workdir / "pids"
    folder.mkdir()
    yield folder
    for f in folder.glob("*"):
        if f.read_text().strip():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(f.read_text()), signal.SIGKILL)


#: The timeout must leave the shell time to start its three children and write their pids first (on a busy
#: 2-core CI machine a 1 s timeout could cut it off before `pids/setsid` exists); it still hangs until cut off.
ESCAPERS = """name: escapers
service: escapers
environment: test
phases:
  - name: One
    steps:
      - name: leaves children behind and hangs
        shell: |
          sleep 300 & echo $! > pids/amp
          nohup sleep 301 >/dev/null 2>&1 & echo $! > pids/nohup
          setsid sleep 302 >/dev/null 2>&1 < /dev/null & echo $! > pids/setsid
          sleep 1000
        timeout: 5s
        grace: 200ms
"""


@pytest.mark.parametrize("mode", ["cgroup", "pgroup"])
def test_a_timeout_stops_setsid_nohup_and_background_children(workdir: Path, pids: Path, mode: str) -> None:
    """Protection: the per-step cgroup (cgroup.kill) and, in the fallback, the process group. In the fallback a
    `setsid` child leaves the group: containment does not allow stopping it, and `golive status` says so."""
    if mode == "cgroup" and containment().kind != "cgroup":
        pytest.fail(f"this machine gives golive no cgroup v2 ({containment().reason}); the test needs one")
    (workdir / "plan.yaml").write_text(ESCAPERS)
    env = {CONTAINMENT_ENV: mode}
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env=env)
    assert r.code == 1, r.out + r.err
    assert "timed out after 5s; process tree killed" in r.out
    children = {name: int((pids / name).read_text()) for name in ("amp", "nohup", "setsid")}
    until("the step's children to die", lambda: not alive(children["amp"]) and not alive(children["nohup"]), 10)
    if mode == "cgroup":
        until("the setsid child to die", lambda: not alive(children["setsid"]), 10)
    else:
        assert alive(children["setsid"]), "in a process group, a setsid child escapes (that is what cgroups fix)"
    status = golive("status", cwd=workdir, env=env)
    assert ("cgroup v2 per step" if mode == "cgroup" else "process group + PR_SET_PDEATHSIG") in status.out


def test_the_tree_is_recorded_before_the_command_runs(workdir: Path) -> None:
    """Protection: the gate. The command checks the log for its own `step.process` event: it is already there."""
    (workdir / "plan.yaml").write_text(f"""name: gate
service: gate
environment: test
phases:
  - name: One
    steps:
      - shell: >-
          "{sys.executable}" -c "import sqlite3, os;
          rows = sqlite3.connect('.golive/golive.db').execute(
          'SELECT payload FROM events WHERE type = \\'step.process\\'').fetchall();
          assert any(str(os.getpid()) in r[0] for r in rows), rows; print('recorded first')"
""")
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert r.code == 0, r.out + r.err
    evs = events(workdir / ".golive" / "golive.db")
    types = [e["type"] for e in evs]
    assert types.index("step.process") < types.index("step.finished")
    tree = next(e["payload"] for e in evs if e["type"] == "step.process")
    assert isinstance(tree, dict) and tree["pid"] == tree["pgid"] and tree["start"] > 0
    if containment().kind == "cgroup":
        assert tree["cgroup"] and not Path(str(tree["cgroup"])).exists(), "an empty step cgroup is removed"


def test_the_command_cannot_run_before_the_log_names_its_process(tmp_path: Path) -> None:
    """Protection: the gate, exactly. The recorder gives the command every chance to run early (it waits for
    the command's mark for up to 2 s); with the gate the mark appears only after the recorder returned."""
    from golive.proctree import recording
    from golive.targets.local import run_command

    mark = tmp_path / "ran"
    early: list[bool] = []

    def record(tree: dict[str, object]) -> None:
        end = time.monotonic() + 2.0
        while not mark.exists() and time.monotonic() < end:
            time.sleep(0.01)
        early.append(mark.exists())

    with recording(record):
        res = run_command(["/bin/sh", "-c", f"touch '{mark}'"], env=None, cwd=None, timeout=10)
    assert res.exit_code == 0, res.output
    assert early == [False] and mark.exists()


BUILTINS = """name: builtins
service: builtins
environment: test
phases:
  - name: One
    steps:
      - umask 022
      - ulimit -n 4096
      - cd /tmp
      - exit 0
      - name: without pipefail a reader that stops early is fine
        shell: {command: "yes | head -c 1000000 > /dev/null", options: [errexit]}
      - name: with the default pipefail the same pipeline fails with SIGPIPE
        shell: "yes | head -c 1000000 > /dev/null"
        continue_on_error: true
    gate: {max_failures: 1}
"""


def test_shell_builtins_and_options(workdir: Path) -> None:
    """Protection: `shell:` always runs through the shell (a simple command used to be exec'd: 127)."""
    (workdir / "plan.yaml").write_text(BUILTINS)
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert r.code == 0, r.out + r.err
    finished = {e["payload"]["step"]: e["payload"] for e in events(workdir / ".golive" / "golive.db")  # type: ignore[index]
                if e["type"] == "step.finished"}
    for sid in ("1.1", "1.2", "1.3", "1.4", "1.5"):
        assert finished[sid]["status"] == "succeeded", finished[sid]  # type: ignore[index]
    assert finished["1.6"]["status"] == "failed" and finished["1.6"]["exit_code"] == 141, finished["1.6"]  # type: ignore[index]


def test_broken_pipe_on_stdout_never_stops_a_run(workdir: Path) -> None:
    """Protection: the printer detaches standard output when its reader goes away (`golive run ... | head -3`)."""
    steps = "\n".join(f"      - echo {i} >> trail.log" for i in range(8))
    (workdir / "plan.yaml").write_text(f"name: pipe\nservice: pipe\nenvironment: test\nphases:\n  - name: One\n"
                                       f"    steps:\n{steps}\n")
    r = subprocess.run(f"'{sys.executable}' -m golive run plan.yaml --no-wait | head -3; echo \"${{PIPESTATUS[0]}}\""
                       " > code", shell=True, executable="/bin/bash", cwd=workdir, capture_output=True, text=True,
                       timeout=120, env={**os.environ, "GOLIVE_USER": "tester"})
    assert len(r.stdout.splitlines()) == 3, r.stdout
    assert (workdir / "code").read_text().strip() == "0", r.stderr
    assert (workdir / "trail.log").read_text().split() == [str(i) for i in range(8)]
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr


def test_tree_running_sees_a_reused_pid_as_gone() -> None:
    """A recorded tree whose pid now belongs to another process (different start time) is not 'running'."""
    me = os.getpid()
    with open(f"/proc/{me}/stat", encoding="ascii") as f:
        start = int(f.read().rsplit(")", 1)[-1].split()[19])
    import socket

    stale = Tree(me, me, start + 10_000_000, socket.gethostname(), "")
    assert not stale.running()
