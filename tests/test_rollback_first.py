"""`first:` on a rollback level: the levels a runbook says to run before it ("Run level 1 first"). Choosing the level,
by golive or by a person, runs them, then its own steps, then its `then`; each level once. Real runs (real shell
steps, real stores, a fake clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import golive
from enginekit import HEAD, Harness, mark
from golive.core.events import RollbackStarted
from golive.engine.rollback import chain, preview
from golive.errors import PlanError
from golive.plan.loader import parse_plan_text
from golive.report.builder import build
from golive.report.describe import describe
from golive.report.markdown import render_markdown
from golive.run.decisions import request_rollback

#: Level 2 undoes the schema and needs the old code running first ("Run level 1 first"); level 3 restores the
#: database, a person's choice, after level 2 ("Do level 2 before this").
LADDER = HEAD + f"""
phases:
  - name: Migrate
    steps:
      - shell: {mark('migrate')}
  - name: Deploy
    steps:
      - shell: {mark('deploy')}
        undo: {mark('undeploy')}
      - name: Break
        shell: "exit 3"
rollback:
  levels:
    - level: 1
      name: Code back
      covers: [Deploy]
      steps: ["{mark('code-back')}"]
    - level: 2
      name: Schema back
      covers: [Migrate]
      first: 1
      steps: ["{mark('schema-back')}"]
    - level: 3
      name: Restore the database
      when: only if data is wrong
      covers: [Migrate, Deploy]
      first: [2]
      steps: ["{mark('restore')}"]
"""


def started(h: Harness, rid: str) -> list[RollbackStarted]:
    return [e.data for e in h.store.events(rid) if isinstance(e.data, RollbackStarted)]


def test_golive_choosing_a_level_runs_its_first_levels_before_its_steps(h: Harness) -> None:
    rid = h.start(LADDER)
    assert h.drive(rid) == 1
    # the undo, then level 1 (level 2 says so), then level 2's own steps; level 3 is a person's choice
    assert h.trail() == ["migrate", "deploy", "undeploy", "code-back", "schema-back"]
    first = started(h, rid)[0]
    assert first.level == 2
    assert [(a.level, str(a.id)) for a in first.actions if a.level] == [(1, "L1.1"), (2, "L2.1")]
    assert [o.level for o in first.offered] == [3]
    log = "\n".join(describe(e) for e in h.store.events(rid))
    assert "1 undo step(s), then level 1 (first, as level 2 says), then level 2 'Schema back'; not applied" in log
    assert "; rollback level 2 runs level 1 first; rollback level 3 runs level 2 first" in log.splitlines()[0]
    report = render_markdown(build(h.store.events(rid)))
    assert report.index("| `L1.1` |") < report.index("| `L2.1` |")  # the report's actions in the order they ran


def test_the_report_of_a_run_names_the_first_levels_in_its_rollback_plan(h: Harness) -> None:
    rid = h.start(LADDER.replace('shell: "exit 3"', "shell: echo fine"))
    assert h.drive(rid) == 0
    report = render_markdown(build(h.store.events(rid))).replace("\\", "")
    assert "| 1. Migrate | - | 1 (first, as 2 says), then 2 Schema back; a person's choice: 3" in report


def test_a_person_choosing_a_level_runs_its_first_levels_each_once(h: Harness) -> None:
    rid = h.start(LADDER)
    assert h.drive(rid) == 1
    request_rollback(h.store, rid, "dba", "orders lost rows", 3)
    assert h.drive(rid) == 1
    # level 3's first is level 2, whose first is level 1: both ran in the first round, so only the restore runs
    assert h.trail() == ["migrate", "deploy", "undeploy", "code-back", "schema-back", "restore"]
    assert [str(a.id) for a in started(h, rid)[1].actions] == ["L3.1"]
    plan = parse_plan_text(LADDER)
    three = next(lv for lv in plan.rollback.levels if lv.level == 3)
    assert [lv.level for lv in chain(plan, three)] == [1, 2, 3]


def test_a_person_asking_for_the_level_straight_away_gets_its_first_levels_before_it(h: Harness) -> None:
    text = LADDER.replace('shell: "exit 3"', "shell: echo fine")
    text = text.replace("phases:\n  - name: Migrate", "phases:\n  - name: Migrate\n    gate: {approvals: {count: 1}}")
    rid = h.start(text)
    assert h.drive(rid) == 3  # waiting at the gate
    request_rollback(h.store, rid, "dba", "data wrong", 3)
    assert h.drive(rid) == 1
    assert h.trail() == ["migrate", "code-back", "schema-back", "restore"]


def test_first_must_name_a_level_and_never_loop() -> None:
    with pytest.raises(PlanError, match="no rollback level 7"):
        parse_plan_text(LADDER.replace("first: 1\n", "first: 7\n"))
    with pytest.raises(PlanError, match="level 2's `first` leads back to itself"):
        parse_plan_text(LADDER.replace("first: 1\n", "first: 2\n"))
    looping = LADDER.replace("      covers: [Deploy]\n      steps",
                             "      covers: [Deploy]\n      first: 3\n      steps")
    with pytest.raises(PlanError, match="leads back to itself"):  # 1 first 3, 3 first 2, 2 first 1
        parse_plan_text(looping)
    mixed = LADDER.replace("      covers: [Deploy]\n      steps", "      covers: [Deploy]\n      then: 2\n      steps")
    with pytest.raises(PlanError, match="leads back to itself"):  # 1 then 2, 2 first 1
        parse_plan_text(mixed)


def test_plan_show_and_the_preview_say_the_first_levels(tmp_path: Path) -> None:
    plan = parse_plan_text(LADDER)
    entries = {e.phase: e for e in preview(plan)}
    assert entries[1].level == 2 and entries[1].first_levels == [1] and entries[1].then_levels == []
    assert entries[2].level == 2
    path = tmp_path / "plan.yaml"
    path.write_text(LADDER)
    out = golive("plan", "show", str(path), cwd=tmp_path).out
    assert "if phase 1 'Migrate' fails: level 1 (first, as level 2 says), then level 2 'Schema back'\n" in out
    levels = out.split("Rollback levels:")[1]
    assert "Level 2: Schema back; covers: Migrate\n    first level 1, then this level's steps\n" in levels
    assert "Level 3: Restore the database; covers: Migrate, Deploy\n    when: only if data is wrong" in levels
    assert "    first level 2, then this level's steps\n" in levels
