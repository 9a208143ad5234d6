"""The run log notices its own loss. A step deletes the SQLite store (and its WAL) mid-run: the next append
sees that the path no longer names the file golive opened, so the run stops with a clear message, exits
non-zero, never says it succeeded, and the events written so far are saved where the message says."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import golive

PLAN = """\
name: lose the log
service: losssvc
environment: test
phases:
  - name: One
    steps:
      - name: delete the run log
        shell: "rm -f .golive/golive.db .golive/golive.db-wal .golive/golive.db-shm"
      - name: change something
        shell: "echo CHANGED >> changed.txt"
"""


def test_a_deleted_store_stops_the_run(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN, encoding="utf-8")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code != 0, res.out + res.err
    assert "SUCCEEDED" not in res.out and "succeeded" not in res.out.lower().split("run log")[-1], res.out
    assert "was deleted or replaced" in res.err, res.err
    assert not (workdir / "changed.txt").exists(), "the run went on after losing its log"
    m = re.search(r"saved in (\S+\.jsonl)", res.err)
    assert m, res.err
    saved = [json.loads(line) for line in Path(m.group(1)).read_text().splitlines()]
    assert [e["seq"] for e in saved] == list(range(1, len(saved) + 1))
    assert saved[0]["type"] == "run.created" and any(e["type"] == "step.started" for e in saved)
