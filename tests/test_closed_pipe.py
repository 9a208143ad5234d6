"""A read command whose reader goes away (`golive log RUN | head -1`, `golive status RUN | grep -q ...`) stops
quietly, as a command killed by SIGPIPE does (141), instead of "golive: internal error: BrokenPipeError" (70)
and a debug-log entry for something that is no bug."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import golive

PLAN = """name: pipe
service: pipesvc
environment: test
phases:
  - name: One
    steps:
""" + "".join(f"      - name: step {i} with a long name to make the log long enough\n        shell: 'true'\n"
              for i in range(40))


@pytest.mark.parametrize("args", [["log", "RUN"], ["status", "RUN"], ["report", "RUN", "--format", "html"],
                                  ["audit", "verify", "RUN"]])
def test_a_read_command_stops_quietly_when_its_reader_goes_away(workdir: Path, args: list[str]) -> None:
    (workdir / "plan.yaml").write_text(PLAN)
    assert golive("run", "plan.yaml", "--no-wait", cwd=workdir).code == 0
    rid = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    read, write = os.pipe()
    os.close(read)  # the reader is gone before golive writes a byte
    try:
        proc = subprocess.run([sys.executable, "-m", "golive", *(rid if a == "RUN" else a for a in args)], cwd=workdir,
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=60,
                              env={**os.environ, "GOLIVE_USER": "tester"})
    finally:
        os.close(write)
    assert proc.returncode == 141, (proc.returncode, proc.stderr)
    assert proc.stderr == "", proc.stderr
    assert not list(workdir.rglob("debug.log")) and not list(Path(os.environ["XDG_STATE_HOME"]).rglob("debug.log"))
