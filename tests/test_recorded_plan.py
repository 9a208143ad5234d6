"""The report reads a run's plan as run.created recorded it (golive.plan.recorded), without validating it again:
what it reads must be what the plan model gives for the same plan, and a copy that lacks a field the reader needs
(a log written before the field existed) is validated as before instead of being read with a guessed default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from golive.engine.state import RunState
from golive.plan.loader import parse_plan_text
from golive.plan.model import Plan
from golive.plan.recorded import read_recorded
from golive.report.builder import recorded_plan

ROOT = Path(__file__).resolve().parent.parent

PLAN = """name: recorded
service: recsvc
environment: prod
version: {from: "1.0", to: "1.1"}
approvers: {ops: [ann, bob]}
on_overrun: no-go
change: {ticket: CHG-7, security_impact: low, testing: ["https://ci.example/7", "notes.txt"]}
phases:
  - name: Prepare
    timebox: 5m
    on_overrun: warn
    steps:
      - name: say hello
        shell: echo hello
        undo: echo goodbye
      - echo unnamed
    gate:
      description: ready
      checks:
        - shell: test -d /
      max_failures: 1
      approvals: {count: 2, role: ops}
  - name: Finish
    steps:
      - manual: {instruction: look}
rollback:
  levels:
    - {level: 2, name: back, steps: [echo back]}
success_criteria:
  - it works
  - description: root is there
    check: {shell: test -d /}
"""


def dump(plan: Plan) -> dict[str, Any]:
    """As the runner records it in run.created."""
    return plan.model_dump(mode="json", by_alias=True, exclude_none=True)


@pytest.mark.parametrize("source", ["inline", "examples/hello/plan.yaml", "examples/loans/plan.yaml"])
def test_the_recorded_plan_reads_what_the_plan_model_gives(source: str) -> None:
    text = PLAN if source == "inline" else (ROOT / source).read_text(encoding="utf-8")
    plan = parse_plan_text(text, source)
    rec = read_recorded(dump(plan))
    assert (rec.name, rec.service, rec.environment, rec.description, rec.on_overrun, rec.approvers) == \
        (plan.name, plan.service, plan.environment, plan.description, plan.on_overrun, plan.approvers)
    version = (rec.version.from_, rec.version.to) if rec.version else None
    assert version == ((plan.version.from_, plan.version.to) if plan.version else None)
    for r, p in zip(rec.phases, plan.phases, strict=True):
        assert (r.name, r.timebox, r.on_overrun) == (p.name, p.timebox, p.on_overrun)
        g, h = r.gate, p.gate
        assert (g.description, g.max_failures, [(c.name, c.kind) for c in g.checks]) == \
            (h.description, h.max_failures, [(c.name, c.kind) for c in h.checks])
        approvals = (g.approvals.count, g.approvals.role) if g.approvals else None
        assert approvals == ((h.approvals.count, h.approvals.role) if h.approvals else None)
    typed = plan.steps_by_id()
    assert {sid: (s.name, s.kind) for sid, s in rec.steps_by_id().items()} == \
        {sid: (s.name, s.kind) for sid, s in typed.items()}
    assert [(c.description, c.check is None) for c in rec.success_criteria] == \
        [(c.description, c.check is None) for c in plan.success_criteria]
    assert (rec.change.raw() if rec.change else None) == \
        (plan.change.model_dump(mode="json", by_alias=True, exclude_none=True) if plan.change else None)


def test_a_copy_lacking_a_field_is_validated_not_read_with_a_guessed_default() -> None:
    plan = parse_plan_text(PLAN, "plan.yaml")
    full = dump(plan)
    old = {k: v for k, v in full.items() if k not in ("approvers", "success_criteria")}
    old["phases"] = [{k: v for k, v in ph.items() if k != "gate"} for ph in full["phases"]]
    with pytest.raises(msgspec.ValidationError):
        read_recorded(old)  # the reader fills in nothing
    st = RunState(run_id="r1")
    st.created = _created(old)
    rec = recorded_plan(st)  # validated (defaults from the plan model), then read from that plan's dump
    assert rec.approvers == {} and rec.success_criteria == [] and rec.phases[0].gate.max_failures == 0
    assert rec.phases[0].gate.approvals is None and rec.phases[0].timebox == 300.0


def _created(plan_json: dict[str, Any]) -> Any:
    from golive.core.events import RunCreated, read

    return read(RunCreated, {"plan": plan_json})
