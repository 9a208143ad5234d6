"""Rollback levels chosen as a runbook chooses them: a level with a condition (`when`) is a person's choice, never
applied by golive on its own; `then` chains levels. Real runs (real shell steps, real stores, a fake clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import golive
from enginekit import HEAD, T0, Harness, gated, mark
from golive.core.events import RollbackStarted
from golive.engine.rollback import chain, preview
from golive.errors import DecisionRefused, PlanError
from golive.plan.loader import parse_plan_text
from golive.report.builder import build
from golive.report.describe import describe
from golive.report.markdown import render_markdown
from golive.run.decisions import request_rollback, resolve
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock

#: The runbook's ladder: code back (level 1), schema back then code back (level 2, "if the migration is wrong"),
#: restore the database (level 3, "only if data is wrong").
LADDER = HEAD + f"""
phases:
  - name: Migrate
    steps:
      - shell: {mark('migrate')}
        undo: {mark('unmigrate')}
  - name: Deploy
    steps:
      - shell: {mark('deploy')}
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
      when: the migration is wrong
      covers: [Migrate]
      then: 1
      steps: ["{mark('schema-back')}"]
    - level: 3
      name: Restore the database
      when: only if data is wrong
      covers: [Migrate, Deploy]
      restores_data: true
      then: [2, 1]
      steps: ["{mark('restore')}"]
"""


def started(h: Harness, rid: str) -> list[RollbackStarted]:
    return [e.data for e in h.store.events(rid) if isinstance(e.data, RollbackStarted)]


def test_a_conditional_level_is_not_applied_but_named_with_its_condition_and_command(h: Harness) -> None:
    rid = h.start(LADDER)
    assert h.drive(rid) == 1
    # undos, then level 1 (the one covering level without a condition); not 2 or 3, whose conditions only a
    # person can see
    assert h.trail() == ["migrate", "deploy", "unmigrate", "code-back"]
    first = started(h, rid)[0]
    assert first.level == 1
    assert [(o.level, o.when) for o in first.offered] == [(2, "the migration is wrong"), (3, "only if data is wrong")]
    assert first.offered[1].command == f"golive rollback {rid} --level 3 --reason TEXT"
    finished = [e for e in h.store.events(rid) if e.type == "run.finished"][-1].payload["message"]
    assert "level 3 'Restore the database' (when: only if data is wrong)" in finished
    assert f"golive rollback {rid} --level 3" in finished
    report = render_markdown(build(h.store.events(rid)))
    assert f"Not applied, a person's choice: level 3 'Restore the database' (when: only if data is wrong):" \
        f" golive rollback {rid} --level 3 --reason TEXT" in report.replace("\\", "")
    log = "\n".join(describe(e) for e in h.store.events(rid))
    assert f"rollback level 3 'Restore the database' is a person's choice (when: only if data is wrong): golive" \
        f" rollback {rid} --level 3" in log.splitlines()[0]  # the run's first line, before anything runs
    assert "then level 1 'Code back'; not applied, a person's choice: level 2 'Schema back'" in log


def test_a_person_applies_a_conditional_level_after_the_run_rolled_back(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "runs.db")
    h = Harness(tmp_path, store, FakeClock(T0))
    try:
        rid = h.start(LADDER)
        assert h.drive(rid) == 1 and h.state(rid).outcome == "rolled-back"
        with pytest.raises(DecisionRefused, match=r"already ended: rolled-back.*--level 2"):
            request_rollback(store, rid, "dba", "data looks wrong", None)
        with pytest.raises(DecisionRefused, match="level 1 already ran"):
            request_rollback(store, rid, "dba", "again", 1)
        assert "golive resume" in request_rollback(store, rid, "dba", "orders table lost rows", 3)
        st = h.state(rid)
        assert not st.terminal and st.status == "rolling-back" and st.follow_up is not None
        with pytest.raises(DecisionRefused, match="already requested by dba"):
            request_rollback(store, rid, "ops", "me too", 2)
        assert h.drive(rid) == 1
        # level 3, then what it chains to (2, then 1); level 1 ran in the first round: once each; no undo again
        assert h.trail() == ["migrate", "deploy", "unmigrate", "code-back", "restore", "schema-back"]
        st = h.state(rid)
        assert st.outcome == "rolled-back" and st.rollback is not None and st.rollback.level == 3
        assert [rb.level for rb in st.earlier_rollbacks] == [1]
        assert "level 3 requested by dba: orders table lost rows" in st.rollback.reason
        assert [str(a.id) for a in started(h, rid)[1].actions] == ["L3.1", "L2.1"]  # L1.1 ran already
        types = h.types(rid)
        assert types.count("rollback.started") == 2 and types.count("run.finished") == 2
        assert types.index("rollback.requested") > types.index("run.finished")
        # the log reads back the same after a reopen of the store
        assert h.state(rid).outcome == "rolled-back"
    finally:
        store.close()


def test_a_further_level_is_refused_under_a_later_run_of_the_same_service(h: Harness) -> None:
    rid = h.start(LADDER)
    assert h.drive(rid) == 1
    h.clock.advance(60)
    h.start(HEAD + "phases:\n  - name: One\n    steps: [echo hi]\n")
    with pytest.raises(DecisionRefused, match="started after run"):
        request_rollback(h.store, rid, "dba", "data wrong", 3)


def test_a_succeeded_run_takes_no_further_level(h: Harness) -> None:
    rid = h.start(LADDER.replace('shell: "exit 3"', "shell: echo fine"))
    assert h.drive(rid) == 0
    with pytest.raises(DecisionRefused, match="already ended: succeeded"):
        request_rollback(h.store, rid, "dba", "data wrong", 3)


def test_a_level_asked_for_while_a_rollback_is_stuck_runs_after_it(h: Harness) -> None:
    text = LADDER.replace(f'steps: ["{mark("code-back")}"]', 'steps: ["exit 9"]')
    rid = h.start(text)
    assert h.drive(rid) == 4  # level 1 failed: a person must act
    request_rollback(h.store, rid, "dba", "and the data is wrong", 3)
    resolve(h.store, rid, "L1.1", "done", "ops", "did it by hand")
    assert h.drive(rid) == 1
    assert h.trail() == ["migrate", "deploy", "unmigrate", "restore", "schema-back"]  # L1.1 resolved as done
    assert h.state(rid).outcome == "rolled-back"


def test_a_paused_run_rolls_back_at_a_conditional_level_when_asked(h: Harness) -> None:
    text = gated() + f"""rollback:
  levels:
    - level: 2
      name: Restore
      when: only if data is wrong
      covers: [Deploy]
      steps: ["{mark('restore')}"]
"""
    rid = h.start(text)
    assert h.drive(rid) == 3
    request_rollback(h.store, rid, "ops", "data wrong", 2)
    assert h.drive(rid) == 1
    assert h.trail() == ["deploy", "undeploy", "restore"]


def test_then_runs_the_chained_levels_after_in_order_each_once(h: Harness) -> None:
    text = LADDER.replace("      when: the migration is wrong\n", "")  # level 2 applies by itself now
    rid = h.start(text)
    assert h.drive(rid) == 1
    assert h.trail() == ["migrate", "deploy", "unmigrate", "schema-back", "code-back"]
    assert [(a.level, str(a.id)) for a in started(h, rid)[0].actions if a.level] == [(2, "L2.1"), (1, "L1.1")]
    plan = parse_plan_text(LADDER)
    three = next(lv for lv in plan.rollback.levels if lv.level == 3)
    assert [lv.level for lv in chain(plan, three)] == [3, 2, 1]  # 3's then [2, 1], 2's then 1: 1 once


def test_then_must_name_a_level_and_never_loop() -> None:
    with pytest.raises(PlanError, match="no rollback level 7"):
        parse_plan_text(LADDER.replace("then: 1\n", "then: 7\n"))
    looping = LADDER.replace("      covers: [Deploy]\n      steps",
                             "      covers: [Deploy]\n      then: 3\n      steps")
    with pytest.raises(PlanError, match="leads back to itself"):
        parse_plan_text(looping)


def test_the_preview_names_conditional_levels_and_chains(tmp_path: Path) -> None:
    plan = parse_plan_text(LADDER.replace("      when: the migration is wrong\n", ""))
    entries = {e.phase: e for e in preview(plan)}
    assert entries[1].level == 2 and entries[1].then_levels == [1]
    assert [o.level for o in entries[1].offered] == [3] and entries[1].offered[0].when == "only if data is wrong"
    path = tmp_path / "plan.yaml"
    path.write_text(LADDER)
    out = golive("plan", "show", str(path), cwd=tmp_path).out
    assert "if phase 2 'Deploy' fails: what phase 1 undoes, then level 1 'Code back'\n" in out
    assert "a person's choice: level 2 'Schema back' (when: the migration is wrong):" \
        " golive rollback RUN --level 2 --reason TEXT" in out
    assert "a person's choice: level 3 'Restore the database' (when: only if data is wrong)" in out
    assert "when: only if data is wrong" in out.split("Rollback levels:")[1]
