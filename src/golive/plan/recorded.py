"""A run's plan read back from its run log, for what only reads it (the report), without pydantic.

`run.created` holds the plan the runner validated, as `Plan.model_dump(mode="json", by_alias=True,
exclude_none=True)`, and the log's hash chain covers it. Validating that copy again builds the pydantic models
of the plan and of each step kind it uses (~0.2 s of a `golive report`) to get back values that are already
in the JSON. `RecordedPlan` reads them where they are, the way events are read (golive.core.pieces, msgspec):

- a field the plan model never leaves None (it has a value or a default) is required here, so a copy missing
  it (a log written before the field existed) does not read, and the caller validates that copy as before
  (`golive.report.builder.recorded_plan`); nothing here fills in a default the plan model owns;
- a field the plan model defaults to None is None here when absent: the dump leaves out exactly the Nones;
- what the JSON does not hold, such as a step's generated title (`StepBase.describe`, which for traffic
  steps also depends on the routers bound during validation), is not offered: the caller asks the validated
  plan for it.
"""

from __future__ import annotations

from typing import Any

from msgspec import field

from golive.core.pieces import Piece, read
from golive.core.stepid import number_steps
from golive.steps.kinds import KINDS


class RecordedStep(Piece, kw_only=True):
    """A step of any kind: its name and undo; the kind's own mapping stays as recorded (`spec`)."""

    name: str | None = None
    undo: RecordedStep | None = None

    @property
    def kind(self) -> str:
        """The step's kind key (the dump of a validated step has exactly one)."""
        return next((k for k in self.extras() if k in KINDS), "")

    def spec(self) -> Any:
        """The kind's mapping as recorded (`{"canary": "green", ...}` of a canary step)."""
        return self.extras().get(self.kind)


class RecordedApprovals(Piece, kw_only=True):
    count: int
    role: str | None = None


class RecordedGate(Piece, kw_only=True):
    description: str | None = None
    checks: list[RecordedStep]
    max_failures: int
    approvals: RecordedApprovals | None = None


class RecordedPhase(Piece, kw_only=True):
    name: str
    timebox: float | None = None
    on_overrun: str | None = None
    steps: list[RecordedStep]
    gate: RecordedGate


class RecordedLevel(Piece, kw_only=True):
    level: int
    steps: list[RecordedStep]


class RecordedRollback(Piece, kw_only=True):
    levels: list[RecordedLevel]


class RecordedCriterion(Piece, kw_only=True):
    description: str
    check: RecordedStep | None = None


class RecordedVersion(Piece, kw_only=True):
    from_: str | None = field(default=None, name="from")
    to: str


class RecordedChange(Piece, kw_only=True):
    """The change record (golive.plan.evidence.Change), fields in its order: written back (`raw`) it is the plan's
    change record as dumped, which is what the JSON report has always shown."""

    ticket: str | None = None
    reason: str | None = None
    description: str | None = None
    security_impact: str | None = None
    testing: list[dict[str, Any]]


class RecordedPlan(Piece, kw_only=True):
    name: str
    service: str
    environment: str
    description: str | None = None
    version: RecordedVersion | None = None
    approvers: dict[str, list[str]]
    on_overrun: str
    phases: list[RecordedPhase]
    rollback: RecordedRollback
    success_criteria: list[RecordedCriterion]
    change: RecordedChange | None = None

    def steps_by_id(self) -> dict[str, RecordedStep]:
        """Every step under its id, numbered as the plan model numbers them (golive.core.stepid.number_steps)."""
        return number_steps(self)


def read_recorded(plan_json: dict[str, Any]) -> RecordedPlan:
    """The recorded plan; raises msgspec.ValidationError (a ValueError) when the copy lacks a field this needs."""
    return read(RecordedPlan, plan_json)
