"""Which rollback level golive applies by itself: the lightest that is enough. Runbooks write ladders ("level 1 …
level 2 if that is not enough"); a heavier level covering the same phase is the next rung, offered to a person,
never run first. Real runs (real shell steps, real stores, a fake clock) and `plan show`'s preview, which must
say what the engine does."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import golive
from enginekit import HEAD, T0, Harness, mark
from golive.core.events import RollbackStarted
from golive.engine.rollback import choose_level, offered, preview
from golive.plan.loader import parse_plan_text
from golive.report.builder import build
from golive.report.describe import describe
from golive.report.markdown import render_markdown
from golive.run.decisions import request_rollback
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock

#: Level 1 puts the code back; level 2 also takes the schema down. The deploy runs before the migration.
LADDER = HEAD + f"""
phases:
  - name: Deploy
    steps:
      - shell: {mark('deploy')}
      - name: Break
        shell: "exit 3"
  - name: Migrate
    steps:
      - shell: {mark('migrate')}
rollback:
  levels:
    - level: 1
      name: Code back
      covers: [Deploy]
      steps: ["{mark('code-back')}"]
    - level: 2
      name: Schema down
      covers: [Deploy, Migrate]
      steps: ["{mark('schema-down')}"]
"""


def started(h: Harness, rid: str) -> list[RollbackStarted]:
    return [e.data for e in h.store.events(rid) if isinstance(e.data, RollbackStarted)]


def test_a_failure_before_the_migration_applies_the_light_level_and_offers_the_heavy_one(h: Harness) -> None:
    rid = h.start(LADDER)
    assert h.drive(rid) == 1
    assert h.trail() == ["deploy", "code-back"]  # never "schema-down": no migration ran to take down
    first = started(h, rid)[0]
    assert first.level == 1
    assert [(o.level, o.when, o.heavier_than) for o in first.offered] == [(2, "", 1)]
    assert first.offered[0].command == f"golive rollback {rid} --level 2 --reason TEXT"
    log = "\n".join(describe(e) for e in h.store.events(rid))
    assert "then level 1 'Code back'; not applied, a person's choice: level 2 'Schema down'" \
        f" (if level 1 is not enough): golive rollback {rid} --level 2 --reason TEXT" in log
    finished = [e for e in h.store.events(rid) if e.type == "run.finished"][-1].payload["message"]
    assert f"level 2 'Schema down' (if level 1 is not enough): golive rollback {rid} --level 2" in finished
    report = render_markdown(build(h.store.events(rid)))
    assert "Not applied, a person's choice: level 2 'Schema down' (if level 1 is not enough)" \
        in report.replace("\\", "")
    assert f"failing in phase 1: rollback level 2 'Schema down' is a person's choice (if level 1 is not enough):" \
        f" golive rollback {rid} --level 2" in log.splitlines()[0]  # the run's first line, before anything runs


def test_a_person_takes_the_next_rung_after_the_run_rolled_back(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "runs.db")
    h = Harness(tmp_path, store, FakeClock(T0))
    try:
        rid = h.start(LADDER)
        assert h.drive(rid) == 1 and h.state(rid).outcome == "rolled-back"
        assert "golive resume" in request_rollback(store, rid, "ops", "the old code still fails", 2)
        assert h.drive(rid) == 1
        assert h.trail() == ["deploy", "code-back", "schema-down"]
        st = h.state(rid)
        assert st.outcome == "rolled-back" and st.rollback is not None and st.rollback.level == 2
        assert st.rollback.offered == []  # nothing heavier is left
    finally:
        store.close()


def test_a_failure_after_the_migration_applies_the_level_that_covers_it(h: Harness) -> None:
    text = LADDER.replace('      - name: Break\n        shell: "exit 3"\n', "").replace(
        f"      - shell: {mark('migrate')}\n", f"      - shell: {mark('migrate')}\n      - shell: 'exit 4'\n")
    rid = h.start(text)
    assert h.drive(rid) == 1
    # Deploy's lightest is 1, Migrate's is 2: the heaviest of those, 2 (it includes 1's job), and nothing offered
    assert h.trail() == ["deploy", "migrate", "schema-down"]
    first = started(h, rid)[0]
    assert first.level == 2 and first.offered == []


#: An imported ladder: every level covers every phase ("all forward phases"), nothing says when.
EVERYWHERE = HEAD + """
phases:
  - name: A
    steps: ["true"]
  - name: B
    steps: ["true"]
rollback:
  levels:
    - {level: 1, name: Restart, covers: [A, B], steps: ["true"]}
    - {level: 2, name: Redeploy, covers: [A, B], then: 3, steps: ["true"]}
    - {level: 3, name: Restore, covers: [A, B], restores_data: true, steps: ["true"]}
    - {level: 4, name: Rebuild, covers: [A, B], steps: ["true"]}
"""


def test_the_lightest_level_covering_each_phase_is_applied_and_the_rungs_above_are_offered() -> None:
    plan = parse_plan_text(EVERYWHERE)
    level = choose_level(plan, ["A", "B"])
    assert level is not None and level.level == 1
    assert [(o.level, o.heavier_than) for o in offered(plan, ["A", "B"], "R", level)] == [(2, 1), (3, 1), (4, 1)]
    # a person asking for level 2 runs 3 through `then`: only 4 is left above it
    two = next(lv for lv in plan.rollback.levels if lv.level == 2)
    assert [(o.level, o.heavier_than) for o in offered(plan, ["A"], "R", two)] == [(4, 2)]
    assert choose_level(plan, []) is None and offered(plan, [], "R", None) == []


def test_a_level_chained_by_the_applied_one_is_run_not_offered() -> None:
    plan = parse_plan_text(EVERYWHERE.replace("name: Restart, covers: [A, B],",
                                              "name: Restart, covers: [A, B], then: 2,"))
    level = choose_level(plan, ["B"])
    assert level is not None and level.level == 1
    assert [o.level for o in offered(plan, ["B"], "R", level)] == [4]


#: Phase 2 only reads; levels: 1 for the deploy, 2 for the deploy and the checks (an importer's guess).
READ_ONLY = HEAD + f"""
phases:
  - name: Deploy
    steps:
      - shell: {mark('deploy')}
  - name: Check
    steps:
      - name: Look
        shell: "echo looking; exit 5"
        read_only: true
  - name: Switch
    steps:
      - shell: {mark('switch')}
      - name: Break
        shell: "exit 6"
rollback:
  levels:
    - level: 1
      name: Code back
      covers: [Deploy]
      steps: ["{mark('code-back')}"]
    - level: 2
      name: Everything back
      covers: [Deploy, Check, Switch]
      steps: ["{mark('everything-back')}"]
"""


@pytest.mark.parametrize("failing", [1, 2, 3])
def test_the_preview_says_what_the_engine_applies_for_a_failure_in_each_phase(h: Harness, failing: int) -> None:
    """One implementation: the preview's level and offers are the engine's, for the phases a failure touches (a
    phase of read-only steps touches nothing, so failing in `Check` applies level 1, as the engine does)."""
    text = READ_ONLY if failing == 2 else READ_ONLY.replace('shell: "echo looking; exit 5"', 'shell: "echo looking"')
    if failing == 1:
        text = text.replace(f"      - shell: {mark('deploy')}\n",
                            f"      - shell: {mark('deploy')}\n      - shell: 'exit 7'\n")
    rid = h.start(text)
    assert h.drive(rid) == 1
    first = started(h, rid)[0]
    entry = {e.phase: e for e in preview(parse_plan_text(text))}[failing]
    assert first.phase == failing
    assert (entry.level, [(o.level, o.heavier_than) for o in entry.offered]) == \
        (first.level, [(o.level, o.heavier_than) for o in first.offered])
    assert first.level == (2 if failing == 3 else 1)


def test_plan_show_names_the_level_and_the_offered_rungs_per_failing_phase(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(READ_ONLY)
    out = golive("plan", "show", str(path), cwd=tmp_path).out
    assert "if phase 1 'Deploy' fails: level 1 'Code back'\n    not applied, a person's choice: level 2" \
        " 'Everything back' (if level 1 is not enough): golive rollback RUN --level 2 --reason TEXT\n" in out
    assert "if phase 2 'Check' fails: level 1 'Code back'\n    not applied, a person's choice: level 2" in out
    assert "if phase 3 'Switch' fails: level 2 'Everything back'\n" in out
