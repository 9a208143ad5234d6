"""The engine, driven in-process with a FakeClock: no sleeping, real shell steps, real stores."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import golive
from enginekit import HEAD, T0, Harness, gated, mark
from golive.core.events import GateWaiting, RollbackPreview, read
from golive.core.step import StepContext, StepResult
from golive.engine.executor import EngineOptions
from golive.engine.rollback import preview, undoes_if_failing
from golive.engine.step_runner import RealExecutor
from golive.errors import DecisionRefused, PlanError, RunLocked, UsageError, WindowClosed
from golive.plan.loader import parse_plan_text
from golive.run.decisions import approve, confirm, reject, request_rollback, resolve
from golive.run.runner import DriveOptions, drive_run
from golive.steps.base import StepBase
from golive.store.memory import MemoryStore
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock


@pytest.fixture
def hs(tmp_path: Path) -> Harness:
    """With a real SQLite file, for what must hold on disk."""
    store = SQLiteStore(tmp_path / "runs.db")
    yield Harness(tmp_path, store, FakeClock(T0))  # type: ignore[misc]
    store.close()


# -- failure and rollback ---------------------------------------------------------------------------

FAILING = HEAD + f"""
phases:
  - name: Prepare
    steps:
      - shell: {mark('do-1.1')}
        undo: {mark('undo-1.1')}
  - name: Deploy
    steps:
      - shell: {mark('do-2.1')}
        undo: {mark('undo-2.1')}
      - shell: {mark('do-2.2')}
      - shell: {mark('do-2.3')}
        undo: {mark('undo-2.3')}
      - name: Break
        shell: "echo broken; exit 7"
        undo: {mark('undo-2.4')}
      - shell: {mark('never')}
rollback:
  levels:
    - level: 1
      name: Config
      covers: [Prepare]
      steps: ["{mark('level1')}"]
    - level: 2
      name: Full
      covers: [Deploy]
      steps: ["{mark('level2-a')}", "{mark('level2-b')}"]
"""


def test_failing_step_undoes_completed_steps_in_reverse_then_the_covering_level(h: Harness) -> None:
    rid = h.start(FAILING)
    assert h.drive(rid) == 1
    assert h.trail() == ["do-1.1", "do-2.1", "do-2.2", "do-2.3",
                         "undo-2.3", "undo-2.1", "undo-1.1", "level2-a", "level2-b"]
    st = h.state(rid)
    assert st.outcome == "rolled-back" and st.status == "rolled-back"
    assert st.step("2.4").status == "failed" and "exit code 7" in st.step("2.4").message
    assert st.step("2.4").output.strip() == "broken"
    assert st.phase(2).status == "no-go" and st.phase(1).status == "go"
    assert st.rollback is not None and st.rollback.level == 2
    assert "step 2.4 'Break' failed" in st.rollback.reason
    assert "2.5" not in st.steps


def test_failure_in_first_phase_uses_the_level_covering_it(h: Harness) -> None:
    text = FAILING.replace(f"      - shell: {mark('do-1.1')}\n", "      - shell: exit 1\n", 1)
    rid = h.start(text)
    assert h.drive(rid) == 1
    assert h.trail() == ["level1"]  # the failed step is not undone: it did not complete


def test_continue_on_error_within_max_failures_is_go(h: Harness) -> None:
    rid = h.start(HEAD + f"""
phases:
  - name: One
    steps:
      - shell: exit 3
        continue_on_error: true
      - shell: {mark('after')}
    gate: {{max_failures: 1}}
""")
    assert h.drive(rid) == 0
    st = h.state(rid)
    assert st.outcome == "succeeded" and st.step("1.1").status == "failed"
    assert h.trail() == ["after"]


def test_continue_on_error_beyond_max_failures_is_no_go(h: Harness) -> None:
    rid = h.start(HEAD + f"""
phases:
  - name: One
    steps:
      - shell: exit 3
        continue_on_error: true
        undo: {mark('undo-1.1')}
      - shell: {mark('do-1.2')}
        undo: {mark('undo-1.2')}
      - shell: exit 4
        continue_on_error: true
    gate: {{max_failures: 1}}
""")
    assert h.drive(rid) == 1
    st = h.state(rid)
    assert st.phase(1).status == "no-go"
    assert st.phase(1).decision is not None
    assert "2 step(s) failed (1.1, 1.3), 1 allowed" in st.phase(1).decision.event.reasons[0]
    assert h.trail() == ["do-1.2", "undo-1.2"]


def test_continue_on_error_with_default_gate_is_no_go(h: Harness) -> None:
    rid = h.start(HEAD + "phases:\n  - name: One\n    steps:\n      - shell: exit 3\n        continue_on_error: true\n")
    assert h.drive(rid) == 1


def test_gate_check_failure_is_no_go(h: Harness) -> None:
    rid = h.start(HEAD + f"""
phases:
  - name: One
    steps:
      - shell: {mark('do')}
        undo: {mark('undo')}
    gate:
      checks:
        - name: health
          shell: {{command: echo status=down, expect_output: "status=up"}}
""")
    assert h.drive(rid) == 1
    st = h.state(rid)
    assert "gate check 'health' failed: output does not match /status=up/" in st.phase(1).decision.event.reasons[0]
    assert h.trail() == ["do", "undo"]


# -- approvals ------------------------------------------------------------------------------------------

def test_gate_waits_for_approval_then_continues(h: Harness) -> None:
    rid = h.start(gated())
    assert h.drive(rid) == 3
    st = h.state(rid)
    assert st.status == "waiting" and st.waiting is not None and isinstance(st.waiting, GateWaiting)
    assert h.store.get_run(rid).status == "waiting"
    assert "1 of 1" in approve(h.store, rid, "bob", "smoke tests green")
    assert h.drive(rid) == 0
    st = h.state(rid)
    assert st.outcome == "succeeded"
    assert st.phase(1).decision is not None and st.phase(1).decision.event.approvers == ["bob"]
    approved = [e.payload for e in h.store.events(rid) if e.type == "gate.approved"]
    assert [{k: v for k, v in a.items() if k not in ("os_user", "host")} for a in approved] == [
        {"phase": 1, "by": "bob", "role": "release", "reason": "smoke tests green"}]
    assert approved[0]["os_user"] and approved[0]["host"]  # who at the keyboard, beside the typed name
    assert h.trail() == ["deploy", "finish"]


def test_two_approvals_needed_and_the_same_person_counts_once(h: Harness) -> None:
    rid = h.start(gated(count=2))
    assert h.drive(rid) == 3
    approve(h.store, rid, "bob", "ok")
    with pytest.raises(DecisionRefused, match="already approved"):
        approve(h.store, rid, "bob", "ok again")
    with pytest.raises(DecisionRefused, match="already approved"):
        approve(h.store, rid, "Bob", "ok with a capital")
    assert h.drive(rid) == 3  # still one short
    approve(h.store, rid, "carol", "ok")
    assert h.drive(rid) == 0


def test_reject_is_no_go_and_rolls_back(h: Harness) -> None:
    rid = h.start(gated())
    assert h.drive(rid) == 3
    reject(h.store, rid, "carol", "error rate is up")
    assert h.drive(rid) == 1
    st = h.state(rid)
    assert st.outcome == "rolled-back"
    assert st.phase(1).decision is not None
    assert st.phase(1).decision.event.reasons == ["rejected by carol: error rate is up"]
    assert h.trail() == ["deploy", "undeploy"]


def test_separation_of_duties_refuses_the_initiator(h: Harness) -> None:
    rid = h.start(gated(sod=True), initiator="alice")
    assert h.drive(rid) == 3
    with pytest.raises(DecisionRefused, match="separation of duties"):
        approve(h.store, rid, "alice", "I trust myself")
    with pytest.raises(DecisionRefused, match="separation of duties"):
        approve(h.store, rid, "ALICE", "I trust myself, loudly")
    assert not [e for e in h.store.events(rid) if e.type == "gate.approved"]
    approve(h.store, rid, "bob", "ok")
    assert h.drive(rid) == 0


def test_approver_outside_the_role_is_refused(h: Harness) -> None:
    rid = h.start(gated())
    assert h.drive(rid) == 3
    with pytest.raises(DecisionRefused, match="does not hold role 'release'"):
        approve(h.store, rid, "mallory", "looks fine to me")
    with pytest.raises(UsageError, match="--reason is required"):
        approve(h.store, rid, "bob", "  ")
    assert h.state(rid).status == "waiting"


def test_approve_when_not_waiting_is_refused(h: Harness) -> None:
    rid = h.start(HEAD + "phases:\n  - name: One\n    steps:\n      - manual: check the dashboard\n")
    assert h.drive(rid) == 3
    with pytest.raises(DecisionRefused, match="not waiting at a gate"):
        approve(h.store, rid, "bob", "ok")


# -- timeboxes ------------------------------------------------------------------------------------------

class SlowExecutor(RealExecutor):
    """Runs steps for real; steps named `slow` also take `seconds` of (fake) time."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        self.clock = clock
        self.seconds = seconds

    def run(self, step: StepBase, ctx: StepContext) -> StepResult:
        if step.name == "slow":
            self.clock.advance(self.seconds)
        return super().run(step, ctx)


def timeboxed(action: str) -> str:
    return HEAD + f"""
on_overrun: {action}
phases:
  - name: Migrate
    timebox: 5m
    steps:
      - name: slow
        shell: {mark('migrate')}
        undo: {mark('unmigrate')}
      - shell: {mark('after')}
"""


def test_timebox_overrun_warn_records_and_continues(h: Harness) -> None:
    h.executor = SlowExecutor(h.clock, 400)
    rid = h.start(timeboxed("warn"))
    assert h.drive(rid) == 0
    overruns = [e.payload for e in h.store.events(rid) if e.type == "phase.overrun"]
    assert len(overruns) == 1
    assert overruns[0]["action"] == "warn" and overruns[0]["timebox"] == 300 and overruns[0]["elapsed"] >= 400
    assert h.trail() == ["migrate", "after"]


def test_timebox_overrun_no_go_rolls_back(h: Harness) -> None:
    h.executor = SlowExecutor(h.clock, 400)
    rid = h.start(timeboxed("no-go"))
    assert h.drive(rid) == 1
    st = h.state(rid)
    assert st.phase(1).overrun and st.phase(1).status == "no-go"
    assert st.phase(1).decision is not None and "timebox 300s exceeded" in st.phase(1).decision.event.reasons[0]
    assert h.trail() == ["migrate", "unmigrate"]


def test_phase_on_overrun_overrides_plan_default(h: Harness) -> None:
    text = timeboxed("no-go").replace("    timebox: 5m\n", "    timebox: 5m\n    on_overrun: warn\n")
    h.executor = SlowExecutor(h.clock, 400)
    rid = h.start(text)
    assert h.drive(rid) == 0


def test_within_timebox_records_no_overrun(h: Harness) -> None:
    h.executor = SlowExecutor(h.clock, 200)
    rid = h.start(timeboxed("no-go"))
    assert h.drive(rid) == 0
    assert "phase.overrun" not in h.types(rid)


def test_wait_step_uses_the_engine_clock(h: Harness) -> None:
    rid = h.start(HEAD + "phases:\n  - name: Soak\n    timebox: 1m\n    on_overrun: no-go\n    steps:\n"
                  "      - wait: 90s\n")
    assert h.drive(rid) == 1
    assert h.clock.now() == T0 + timedelta(seconds=90)
    assert "phase.overrun" in h.types(rid)


# -- deployment window ------------------------------------------------------------------------------------

WINDOWED = HEAD + """
window:
  start: 2026-03-10T02:00
  end: 2026-03-10T04:00
  rollback_until: 2026-03-10T03:00
  timezone: UTC
phases:
  - name: One
    steps: ["echo hi"]
"""


def test_window_refuses_a_start_outside_it(tmp_path: Path) -> None:
    h = Harness(tmp_path, MemoryStore(), FakeClock(datetime(2026, 3, 10, 5, 0, tzinfo=UTC)))
    with pytest.raises(WindowClosed, match="outside the deployment window"):
        h.start(WINDOWED)
    assert h.store.list_runs() == []


def test_forced_start_records_who_and_why(tmp_path: Path) -> None:
    h = Harness(tmp_path, MemoryStore(), FakeClock(datetime(2026, 3, 10, 5, 0, tzinfo=UTC)))
    rid = h.start(WINDOWED, initiator="dana", force_reason="incident 4411 hotfix")
    created = h.store.events(rid)[0]
    assert created.type == "run.created"
    assert created.payload["forced"]["by"] == "dana"
    assert created.payload["forced"]["reason"] == "incident 4411 hotfix"
    assert h.drive(rid) == 0


def test_inside_window_is_not_forced(h: Harness) -> None:
    rid = h.start(WINDOWED, force_reason=None)
    assert h.store.events(rid)[0].payload["forced"] is None


@pytest.mark.parametrize(("now", "allowed"), [
    (datetime(2026, 3, 10, 7, 30, tzinfo=UTC), True),   # 02:30 in New York (EST)
    (datetime(2026, 3, 10, 2, 30, tzinfo=UTC), False),  # 21:30 the day before, New York
])
def test_daily_window_in_a_named_zone(tmp_path: Path, now: datetime, allowed: bool) -> None:
    text = HEAD + 'window: {start: "02:00", end: "04:00", timezone: America/New_York}\n' \
        "phases:\n  - name: One\n    steps: [echo hi]\n"
    h = Harness(tmp_path, MemoryStore(), FakeClock(now))
    if allowed:
        h.start(text)
    else:
        with pytest.raises(WindowClosed):
            h.start(text)


@pytest.mark.parametrize(("hour", "minute", "allowed"), [(23, 30, True), (0, 30, True), (1, 30, False), (12, 0, False)])
def test_daily_window_across_midnight(tmp_path: Path, hour: int, minute: int, allowed: bool) -> None:
    text = HEAD + 'window: {start: "23:00", end: "01:00"}\nphases:\n  - name: One\n    steps: [echo hi]\n'
    h = Harness(tmp_path, MemoryStore(), FakeClock(datetime(2026, 3, 10, hour, minute, tzinfo=UTC)))
    if allowed:
        h.start(text)
    else:
        with pytest.raises(WindowClosed):
            h.start(text)


DATA_ROLLBACK = HEAD + f"""
window:
  start: 2026-03-10T02:00
  end: 2026-03-10T06:00
  rollback_until: 2026-03-10T03:00
phases:
  - name: Migrate
    steps:
      - shell: {mark('migrate')}
      - wait: {{duration: WAIT, reason: let writes happen}}
      - shell: exit 1
rollback:
  levels:
    - level: 3
      name: Restore database
      covers: [Migrate]
      restores_data: true
      steps: ["{mark('restore')}"]
"""


def test_restoring_data_past_rollback_until_waits_for_confirmation(h: Harness) -> None:
    rid = h.start(DATA_ROLLBACK.replace("WAIT", "1h"))  # 02:30 + 1h: past 03:00
    assert h.drive(rid) == 3
    st = h.state(rid)
    assert st.status == "waiting" and st.rollback is not None and st.rollback.waiting_for_level == 3
    assert "rollback.confirmation_needed" in h.types(rid)
    assert h.trail() == ["migrate"]
    with pytest.raises(UsageError, match="--reason is required"):
        confirm(h.store, rid, "rollback", "dba", None)
    assert "confirmed by dba" in confirm(h.store, rid, "rollback", "dba", "accept losing 40 min of writes")
    assert h.drive(rid) == 1
    assert h.trail() == ["migrate", "restore"]
    assert h.state(rid).outcome == "rolled-back"


def test_restoring_data_before_rollback_until_needs_no_confirmation(h: Harness) -> None:
    rid = h.start(DATA_ROLLBACK.replace("WAIT", "10m"))
    assert h.drive(rid) == 1
    assert h.trail() == ["migrate", "restore"]
    assert "rollback.confirmation_needed" not in h.types(rid)


# -- manual steps, failed rollbacks, requested rollbacks ---------------------------------------------------

MANUAL = HEAD + f"""
phases:
  - name: Deploy
    steps:
      - shell: {mark('deploy')}
        undo: {mark('undeploy')}
      - name: eyeball
        manual: open the dashboard and check the error rate
      - shell: {mark('after')}
"""


def test_manual_step_waits_and_confirm_completes_it(h: Harness) -> None:
    rid = h.start(MANUAL)
    assert h.drive(rid) == 3
    st = h.state(rid)
    assert st.status == "waiting" and st.step("1.2").status == "waiting"
    assert h.drive(rid) == 3  # resuming without a decision keeps waiting, without repeating anything
    assert h.trail() == ["deploy"]
    assert h.types(rid).count("step.waiting") == 1
    confirm(h.store, rid, "eyeball", "ops", "error rate flat")
    assert h.drive(rid) == 0
    st = h.state(rid)
    assert st.step("1.2").status == "succeeded" and st.step("1.2").message == "confirmed by ops"
    assert h.trail() == ["deploy", "after"]


def test_manual_step_marked_failed_rolls_back(h: Harness) -> None:
    rid = h.start(MANUAL)
    assert h.drive(rid) == 3
    with pytest.raises(DecisionRefused):
        confirm(h.store, rid, "1.1", "ops", "not manual")
    confirm(h.store, rid, "1.2", "ops", "errors doubled", failed=True)
    assert h.drive(rid) == 1
    assert h.trail() == ["deploy", "undeploy"]


BROKEN_ROLLBACK = HEAD + f"""
phases:
  - name: Deploy
    steps:
      - shell: {mark('deploy')}
        undo: "exit 9"
      - shell: exit 1
rollback:
  levels:
    - level: 1
      name: Put it back
      covers: [Deploy]
      steps: ["{mark('level1')}"]
"""


def test_failing_rollback_step_exits_4_and_resolve_done_finishes_it(h: Harness) -> None:
    rid = h.start(BROKEN_ROLLBACK)
    assert h.drive(rid) == 4
    st = h.state(rid)
    assert st.status == "rollback-failed" and not st.terminal
    assert st.rollback is not None and st.rollback.failed_action == "1.1.undo"
    assert h.drive(rid) == 4  # nothing changes until a person says how it ended
    resolve(h.store, rid, "1.1.undo", "done", "ops", "removed it by hand")
    assert h.drive(rid) == 1
    st = h.state(rid)
    assert st.outcome == "rolled-back"
    assert h.trail() == ["deploy", "level1"]


def test_failing_rollback_resolved_as_failed_stops_the_rollback(h: Harness) -> None:
    rid = h.start(BROKEN_ROLLBACK)
    assert h.drive(rid) == 4
    resolve(h.store, rid, "1.1.undo", "failed", "ops", "cannot be undone, escalating")
    assert h.drive(rid) == 4
    st = h.state(rid)
    assert st.outcome == "rollback-failed"
    assert h.trail() == ["deploy"]
    # the run ended: the service/environment is free again
    h.start(BROKEN_ROLLBACK)


def test_requested_rollback_on_a_waiting_run(h: Harness) -> None:
    rid = h.start(gated())
    assert h.drive(rid) == 3
    request_rollback(h.store, rid, "ops", "customer complaints", None)
    with pytest.raises(DecisionRefused, match="already requested by ops"):
        request_rollback(h.store, rid, "ops", "again", None)  # not yet rolling back, but asked already
    assert h.drive(rid) == 1
    st = h.state(rid)
    assert st.outcome == "rolled-back"
    assert st.rollback is not None and "requested by ops: customer complaints" in st.rollback.reason
    assert h.trail() == ["deploy", "undeploy"]


def test_requested_rollback_at_a_level(h: Harness) -> None:
    text = MANUAL + "rollback:\n  levels:\n    - level: 2\n      name: Manual only\n" \
        f"      steps: [\"{mark('level2')}\"]\n"
    rid = h.start(text)
    assert h.drive(rid) == 3
    with pytest.raises(Exception, match="no rollback level 5"):
        request_rollback(h.store, rid, "ops", "bad", 5)
    request_rollback(h.store, rid, "ops", "bad", 2)
    assert h.drive(rid) == 1
    assert h.trail() == ["deploy", "undeploy", "level2"]


def test_decisions_on_an_ended_run_are_refused(h: Harness) -> None:
    rid = h.start(HEAD + "phases:\n  - name: One\n    steps: [echo hi]\n")
    assert h.drive(rid) == 0
    with pytest.raises(DecisionRefused, match="already ended"):
        request_rollback(h.store, rid, "ops", "too late", None)


# -- secrets ---------------------------------------------------------------------------------------------

SECRET = "s3cr3t-MARKER-9f2c"

SECRETIVE = HEAD + """
vars:
  TOKEN: {secret: true, from_env: GL_TEST_TOKEN}
phases:
  - name: Use it
    steps:
      - shell: echo "token is $TOKEN"
      - shell: env
      - name: tell it again and fail
        shell: 'echo "the token was $TOKEN" >&2; exit 1'
        continue_on_error: true
    gate: {max_failures: 1}
"""


def test_secret_never_reaches_the_log(hs: Harness) -> None:
    hs.environ = {"GL_TEST_TOKEN": SECRET}
    rid = hs.start(SECRETIVE)
    assert hs.drive(rid) == 0
    events = hs.store.events(rid)
    outputs = [e.payload.get("output", "") for e in events if e.type == "step.finished"]
    assert "token is ***" in outputs[0]
    assert "\nTOKEN=***\n" in outputs[1]
    assert "the token was ***" in outputs[2]
    for ev in events:
        assert SECRET not in ev.payload_json
    hs.store.close()
    for f in hs.dir.glob("runs.db*"):
        assert SECRET.encode() not in f.read_bytes(), f
    r = golive("--store", str(hs.dir / "runs.db"), "log", rid, cwd=hs.dir)
    assert r.code == 0, r.err
    assert SECRET not in r.out + r.err  # the plain log shows no step output; --json does, masked:
    j = golive("--store", str(hs.dir / "runs.db"), "log", rid, "--json", cwd=hs.dir)
    assert SECRET not in j.out
    assert any("token is ***" in json.loads(line)["payload"].get("output", "") for line in j.out.splitlines())


def test_missing_secret_stops_the_start(h: Harness) -> None:
    from golive.errors import SecretError

    with pytest.raises(SecretError, match="GL_TEST_TOKEN"):
        h.start(SECRETIVE)
    assert h.store.list_runs() == []


# -- locking and snapshots ----------------------------------------------------------------------------------

def test_one_active_run_per_service_and_environment(hs: Harness) -> None:
    rid = hs.start(MANUAL)
    assert hs.drive(rid) == 3
    with pytest.raises(RunLocked, match=rid):
        hs.start(MANUAL)
    other = MANUAL.replace("environment: prod", "environment: staging")
    rid2 = hs.start(other)  # another environment is another lock
    assert rid2 != rid
    confirm(hs.store, rid, "1.2", "ops", "fine")
    assert hs.drive(rid) == 0
    rid3 = hs.start(MANUAL)  # the first run ended: prod is free
    assert rid3 not in (rid, rid2)


def test_memory_store_locks_too(h: Harness) -> None:
    rid = h.start(MANUAL)
    with pytest.raises(RunLocked, match=rid):
        h.start(MANUAL)


def test_resumed_run_uses_the_plan_snapshot(hs: Harness) -> None:
    rid = hs.start(MANUAL)
    assert hs.drive(rid) == 3
    (hs.dir / "plan.yaml").write_text(MANUAL.replace("after", "CHANGED").replace("eyeball", "other"))
    confirm(hs.store, rid, "eyeball", "ops", "ok")
    assert hs.drive(rid) == 0
    assert hs.trail() == ["deploy", "after"]
    created = hs.store.events(rid)[0].payload
    assert created["plan_text"] == MANUAL and len(created["plan_sha256"]) == 64


def test_rollback_plan_is_recorded_before_anything_runs(h: Harness) -> None:
    rid = h.start(FAILING)
    created = h.store.events(rid)[0]
    assert created.seq == 1 and created.type == "run.created"
    recorded = created.payload["rollback_plan"]
    plan = {p["phase"]: p for p in recorded}
    typed = [read(RollbackPreview, p) for p in recorded]
    assert [str(u.id) for u in undoes_if_failing(typed, 2)] == ["2.4.undo", "2.3.undo", "2.1.undo", "1.1.undo"]
    assert [u["id"] for u in plan[2]["undo"]] == ["2.4.undo", "2.3.undo", "2.1.undo"]  # each undo listed once
    assert plan[2]["level"] == 2 and plan[1]["level"] == 1
    assert not (h.dir / "trail.log").exists()


def test_the_rollback_preview_lists_each_undo_once() -> None:
    """1,000 phases of 10 steps with undo: the preview holds 10,000 undo entries, not 5 million (it grew with
    phases x undo steps, a 27 MB first event for such a plan)."""
    phases = "".join(f"  - name: p{p}\n    steps:\n" + "".join(
        "      - shell: 'true'\n        undo: 'true'\n" for _ in range(10)) for p in range(1000))
    plan = parse_plan_text(f"name: big\nservice: s\nenvironment: e\nphases:\n{phases}")
    recorded = preview(plan)
    assert sum(len(e.undo) for e in recorded) == 10_000
    assert len(undoes_if_failing(recorded, 1000)) == 10_000 and len(undoes_if_failing(recorded, 1)) == 10


def test_sqlite_state_survives_reopen(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "r.db")
    h = Harness(tmp_path, store, FakeClock(T0))
    rid = h.start(gated())
    assert h.drive(rid) == 3
    store.close()
    h.store = SQLiteStore(tmp_path / "r.db")
    approve(h.store, rid, "bob", "ok")
    assert h.drive(rid) == 0
    with sqlite3.connect(tmp_path / "r.db") as db:
        (active,) = db.execute("SELECT active FROM runs WHERE id=?", (rid,)).fetchone()
    assert active is None
    h.store.close()


# -- a process that dies mid-step (in-process: the step raises past the engine, as SIGKILL would stop it) ------

class Crash(BaseException):
    """Not an Exception, so the engine cannot catch it: the step simply never reports an end."""


class CrashOnce(RealExecutor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.crashed = False

    def run(self, step: StepBase, ctx: StepContext) -> StepResult:
        if step.name == self.name and not self.crashed:
            self.crashed = True
            super().run(step, ctx)  # it did its work...
            raise Crash  # ...and the process died before recording that
        return super().run(step, ctx)


CRASHY_ROLLBACK = HEAD + f"""
phases:
  - name: One
    steps:
      - shell: {mark('do-1')}
        undo: {{name: undo-1, shell: "{mark('undo-1')}"}}
      - shell: {mark('do-2')}
        undo: {{name: undo-2, shell: "{mark('undo-2')}"}}
      - shell: exit 1
"""


def test_crash_in_a_non_idempotent_undo_stops_and_asks(h: Harness) -> None:
    h.executor = CrashOnce("undo-2")
    rid = h.start(CRASHY_ROLLBACK)
    with pytest.raises(Crash):
        h.drive(rid)
    assert h.trail() == ["do-1", "do-2", "undo-2"]
    assert h.drive(rid) == 3
    st = h.state(rid)
    assert st.status == "needs-attention" and st.attention is not None and st.attention.step == "1.2.undo"
    assert h.trail() == ["do-1", "do-2", "undo-2"]  # not run twice
    resolve(h.store, rid, "1.2.undo", "done", "ops", "it ran")
    assert h.drive(rid) == 1
    assert h.trail() == ["do-1", "do-2", "undo-2", "undo-1"]


def test_crashed_step_resolved_as_failed_rolls_back(h: Harness) -> None:
    h.executor = CrashOnce("risky")
    rid = h.start(HEAD + f"""
phases:
  - name: One
    steps:
      - shell: {mark('do-1')}
        undo: {mark('undo-1')}
      - name: risky
        shell: {mark('risky')}
      - shell: {mark('never')}
""")
    with pytest.raises(Crash):
        h.drive(rid)
    assert h.drive(rid) == 3
    with pytest.raises(DecisionRefused, match="does not need resolving"):
        resolve(h.store, rid, "1.1", "done", "ops", "wrong step")
    resolve(h.store, rid, "risky", "failed", "ops", "half applied")
    assert h.drive(rid) == 1
    assert h.trail() == ["do-1", "risky", "undo-1"]
    st = h.state(rid)
    assert st.step("1.2").status == "failed" and "resolved as failed by ops" in st.step("1.2").message


def test_crashed_idempotent_gate_check_is_run_again(h: Harness) -> None:
    h.executor = CrashOnce("probe")
    rid = h.start(HEAD + f"""
phases:
  - name: One
    steps: ["{mark('do')}"]
    gate:
      checks:
        - name: probe
          shell: {mark('probe')}
          idempotent: true
""")
    with pytest.raises(Crash):
        h.drive(rid)
    assert h.drive(rid) == 0
    assert h.trail() == ["do", "probe", "probe"]


class ForgetfulExecutor(RealExecutor):
    def run(self, step: StepBase, ctx: StepContext) -> StepResult:
        return None  # type: ignore[return-value]


def test_step_plugin_returning_nothing_fails_the_step_not_the_run(h: Harness) -> None:
    h.executor = ForgetfulExecutor()
    rid = h.start(HEAD + "phases:\n  - name: One\n    steps: [echo hi]\n")
    assert h.drive(rid) == 1
    assert "it returned NoneType, not a StepResult" in h.state(rid).step("1.1").message


class DecidingClock(FakeClock):
    """Another person decides while the engine polls: the decision lands on the n-th sleep."""

    def __init__(self, start: datetime, on_sleep: int, decide: Any) -> None:
        super().__init__(start)
        self.sleeps = 0
        self.on_sleep = on_sleep
        self.decide = decide

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.sleeps += 1
        if self.sleeps == self.on_sleep:
            self.decide()


def test_waiting_engine_picks_up_an_approval_while_polling(tmp_path: Path) -> None:
    store = MemoryStore()
    rid_box: list[str] = []
    clock = DecidingClock(T0, 3, lambda: approve(store, rid_box[0], "bob", "ok"))
    h = Harness(tmp_path, store, clock)
    rid_box.append(h.start(gated()))
    opts = DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path, wait=True, poll_interval=5))
    assert drive_run(store, rid_box[0], clock, opts) == 0
    assert clock.sleeps == 3


def test_waiting_engine_gives_up_at_its_deadline(h: Harness, tmp_path: Path) -> None:
    rid = h.start(gated())
    opts = DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path, wait=True, poll_interval=5,
                                                          wait_timeout=60))
    assert drive_run(h.store, rid, h.clock, opts) == 3
    assert h.clock.now() - T0 == timedelta(seconds=60)


def test_rollback_requested_while_the_engine_waits(tmp_path: Path) -> None:
    store = MemoryStore()
    rid_box: list[str] = []
    clock = DecidingClock(T0, 2, lambda: request_rollback(store, rid_box[0], "ops", "abort", None))
    h = Harness(tmp_path, store, clock)
    rid_box.append(h.start(gated()))
    opts = DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path, wait=True, poll_interval=5))
    assert drive_run(store, rid_box[0], clock, opts) == 1
    assert h.trail() == ["deploy", "undeploy"]


# -- deadlines on waiting for people ------------------------------------------------------------------

def timed_gate(timeout: str) -> str:
    return gated().replace("approvals: {count: 1, role: release}", f"approvals: {{count: 1, role: release,"
                                                                    f" timeout: {timeout}}}")


def test_the_gates_timeout_counts_from_the_recorded_question_across_resumes(h: Harness) -> None:
    rid = h.start(timed_gate("30m"))
    assert h.drive(rid) == 3  # nobody at a terminal: the run waits, the deadline is recorded with it
    h.clock.advance(29 * 60)
    assert h.drive(rid) == 3  # still inside the time: a resume changes nothing
    h.clock.advance(60)
    assert h.drive(rid) == 1  # a resume after it finds no decision: NO-GO
    assert h.state(rid).outcome == "rolled-back"


def test_an_approval_inside_the_gates_timeout_is_go(h: Harness) -> None:
    rid = h.start(timed_gate("30m"))
    assert h.drive(rid) == 3
    h.clock.advance(29 * 60)
    approve(h.store, rid, "bob", "fine")
    h.clock.advance(10 * 60)  # approved in time; resuming late does not undo the decision
    assert h.drive(rid) == 0


def gate_until(until: str) -> str:
    """The gated plan in a 02:00-06:00 window (UTC), no decision by `until` being a NO-GO."""
    return timed_gate("2h").replace("timeout: 2h", f"until: '{until}'") + (
        "window: {start: '2026-03-10T02:00', end: '2026-03-10T06:00', timezone: UTC}\n")


@pytest.mark.parametrize(("limit", "reason"), [
    ("timeout", "no decision within 30m00s of asking (2026-03-10 02:30:00)"),
    ("until", "no decision by 2026-03-10T03:00:00+00:00")])
def test_no_decision_in_time_is_no_go(h: Harness, tmp_path: Path, limit: str, reason: str) -> None:
    """The waiting process watches the deadline itself: nobody decides in 30m (`timeout`), or by 03:00 in the
    window's zone (`until`, "No answer by 03:00 = NO-GO", 30 min after asking at 02:30): the change is backed out."""
    rid = h.start(timed_gate("30m") if limit == "timeout" else gate_until("03:00"))
    opts = DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path, wait=True, poll_interval=60))
    assert drive_run(h.store, rid, h.clock, opts) == 1
    assert h.clock.now() - T0 == timedelta(minutes=30)
    st = h.state(rid)
    assert st.outcome == "rolled-back" and st.phase(1).decision is not None
    assert st.phase(1).decision.event.reasons == [reason]
    assert h.trail() == ["deploy", "undeploy"]


def test_an_approval_before_the_gates_until_is_go(h: Harness) -> None:
    rid = h.start(gate_until("2026-03-10T03:00"))
    assert h.drive(rid) == 3
    h.clock.advance(29 * 60)
    approve(h.store, rid, "bob", "fine")
    assert h.drive(rid) == 0


def test_a_gates_until_as_a_time_of_day_needs_a_window(tmp_path: Path) -> None:
    text = timed_gate("2h").replace("timeout: 2h", "until: '03:00'")
    with pytest.raises(PlanError, match="without a window it names no moment"):
        parse_plan_text(text, "p.yaml")


def test_a_waiting_process_has_a_deadline_by_default(h: Harness, tmp_path: Path) -> None:
    """No gate timeout and no --wait-timeout: the process still stops waiting (12 h) and leaves the run waiting."""
    rid = h.start(gated())
    opts = DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path, wait=True, poll_interval=600))
    assert drive_run(h.store, rid, h.clock, opts) == 3
    assert h.clock.now() - T0 == timedelta(hours=12)
    assert h.state(rid).status == "waiting"


def test_steps_see_the_environment_the_run_was_given_not_the_process_one(h: Harness,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """DriveOptions.environ is what steps get (shell environment, env checks): a variable only this process has
    does not leak into a step, and one only the caller passed in reaches it."""
    monkeypatch.setenv("GOLIVE_TEST_PROCESS_ONLY", "leaked")
    h.environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GOLIVE_TEST_GIVEN": "given"}
    rid = h.start(HEAD + """phases:
  - name: One
    steps:
      - shell: 'echo "given=${GOLIVE_TEST_GIVEN:-} process=${GOLIVE_TEST_PROCESS_ONLY:-}" > seen.txt'
      - check: {type: env, names: [GOLIVE_TEST_GIVEN]}
""")
    assert h.drive(rid) == 0, h.types(rid)
    assert (h.dir / "seen.txt").read_text().strip() == "given=given process="


class _Emitting:
    """An executor whose step plug-in emits its own events: one the catalogue describes, then `bad`."""

    def __init__(self, bad: tuple[str, dict[str, Any]]) -> None:
        self.bad = bad

    def run(self, step: Any, ctx: StepContext) -> StepResult:
        ctx.emit("traffic.weight", {"router": "r", "weights": {"blue": 90, "green": 10}})
        ctx.emit(*self.bad)
        return StepResult("succeeded", "emitted")


@pytest.mark.parametrize("bad", [("traffic.weight", {"router": "r", "weights": {"blue": "most"}}),
                                 ("traffic.weight", {"router": ["not", "a", "name"]}),
                                 ("made.up", {"x": 1})])
def test_a_step_plugin_cannot_write_an_event_the_catalogue_does_not_describe(
        h: Harness, bad: tuple[str, dict[str, Any]]) -> None:
    """Validated on write, not only when read: a payload its model refuses (or a type without a model) is never
    appended (it would read back as an OtherEvent, invisible to the fold and the report); the step fails."""
    h.executor = _Emitting(bad)
    rid = h.start(HEAD + "phases:\n  - name: one\n    steps:\n      - name: shift\n        shell: 'true'\n")
    h.drive(rid)
    weights = [e.payload for e in h.store.events(rid) if e.type in ("traffic.weight", "made.up")]
    assert weights == [{"step": "1.1", "router": "r", "weights": {"blue": 90, "green": 10}}], weights
    rec = h.state(rid).step("1.1")
    assert rec.status == "failed" and bad[0] in rec.message, (rec.status, rec.message)
