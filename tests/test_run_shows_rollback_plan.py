"""The rollback plan is shown before anything changes, also to whoever starts a run with `golive run` straight
(not `plan show` first): under the run's first line, from the preview recorded with the run, before its first
step starts. `--json` keeps one event per line (the preview is in run.created); `resume` does not repeat it."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import golive

PLAN = """\
name: shown
service: shown
environment: test
phases:
  - name: Change
    steps:
      - name: first
        shell: echo first
        undo: echo undo-first
      - name: second
        shell: exit 3
        undo: echo undo-second
rollback:
  levels:
    - {level: 1, name: code back, covers: [Change], steps: ["echo level-1"]}
    - {level: 2, name: restore, covers: [Change], when: only if data is wrong, steps: ["echo level-2"]}
"""


def test_golive_run_shows_the_rollback_plan_before_the_first_step(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN)
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 1, res.out + res.err
    lines = res.out.splitlines()
    first_step = next(i for i, line in enumerate(lines) if "[1.1] start" in line)
    shown = next(i for i, line in enumerate(lines) if "rollback plan, recorded before anything runs" in line)
    assert "created by" in lines[0] and 0 < shown < first_step, res.out
    assert "if phase 1 'Change' fails: undo 1.2, then undo 1.1, then level 1 'code back'" in lines[shown + 1], res.out
    assert "a person's choice" in lines[shown + 2] and "--level 2" in lines[shown + 2], res.out

    as_json = golive("run", "plan.yaml", "--no-wait", "--json", cwd=workdir)
    assert as_json.code == 1
    assert all(json.loads(line)["type"] for line in as_json.out.splitlines())  # still one event per line
