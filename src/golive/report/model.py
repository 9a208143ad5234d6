"""The report's rows: everything a manager, an auditor and the next on-call read about a run, as plain records
that renderers (html, markdown, json) only lay out. `golive.report.builder` fills them from the run's log.

The rows are msgspec Structs, not dataclasses: a dataclass costs ~0.7 ms of CPU to define (its methods are
generated as source and compiled), a Struct a few hundredths of that, and these fourteen are defined by every
`golive report` and at the end of every `golive run` (which writes the reports). `as_dict` gives what
`dataclasses.asdict` gave for them, for the JSON report and the web console."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from golive.core.events import EvidenceItem, Forced, Piece, RollbackPreview

if TYPE_CHECKING:
    from golive.plan.recorded import RecordedChange


def as_dict(value: Any) -> Any:
    """A report (or a row, or a list of rows) as plain dicts and lists, field by field in their declared order, as
    `dataclasses.asdict` made it: rows and the decisions of golive.seal.verify become dicts; pieces of the log
    (golive.core.pieces) stay as they are, for the encoder to write as recorded; lists, tuples and dicts are
    copied with their items converted."""
    if isinstance(value, Piece):
        return value
    if isinstance(value, Struct):
        return {name: as_dict(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, list | tuple):
        return type(value)(as_dict(v) for v in value)
    if isinstance(value, dict):
        return {as_dict(k): as_dict(v) for k, v in value.items()}
    return value


class LogLine(Struct):
    """One event of the log as the report lists it."""

    seq: int
    at: str
    type: str
    text: str


class StepRow(Struct):
    id: str
    title: str
    kind: str
    phase: str
    status: str
    attempts: int
    duration: float | None
    exit_code: int | None
    message: str
    output: str
    started_at: str | None
    finished_at: str | None
    decided_by: str | None = None


class Approval(Struct):
    by: str
    role: str | None
    reason: str
    at: str
    #: How the decision is authenticated (golive.seal): the signing key, the method, and whether it verified.
    fingerprint: str = ""
    method: str = "unauthenticated"
    verified: bool = False


class GateRow(Struct):
    phase: int
    name: str
    criteria: list[str]
    approvals_needed: int
    role: str | None
    candidates: list[str]
    decision: str | None
    reasons: list[str]
    decided_at: str | None
    approvals: list[Approval]
    rejections: list[Approval]


class PhaseRow(Struct):
    index: int
    name: str
    status: str
    timebox: float | None
    started_at: str | None
    finished_at: str | None
    duration: float | None
    overrun: bool


class RollbackAction(Struct):
    id: str
    title: str
    status: str
    message: str


class RollbackRow(Struct):
    reason: str
    level: int | None
    level_name: str | None
    status: str
    started_at: str
    finished_at: str | None
    actions: list[RollbackAction]
    #: Levels golive did not apply because their condition is a person's to see, with the command for each.
    offered: list[str] = []


class CriterionRow(Struct):
    description: str
    #: met | not met | for a person
    status: str
    evidence: str


class SignOff(Struct):
    section: str
    role: str
    name: str
    date: str
    note: str
    #: Key fingerprint, method (SSH signature / unauthenticated) and verified ✓/✗.
    signature: str = ""


class ComplianceRow(Struct):
    requirement: str
    element: str
    evidence: str
    ok: bool


class Marker(Struct):
    """A point on the timeline (gate decision, approval, overrun, note)."""

    at: str
    kind: str
    label: str
    #: The phase it belongs to (its row on the timeline), when the event names one.
    phase: int | None = None
    #: go / no-go for a gate decision.
    decision: str | None = None


class CanaryPoint(Struct):
    """One traffic change (weight: percent of new requests on the canary pool) or one analysis verdict
    (error rates as fractions, p95 in milliseconds, as the judge measured them)."""

    at: str
    weight: float | None = None
    canary_error_rate: float | None = None
    baseline_error_rate: float | None = None
    canary_p95: float | None = None
    baseline_p95: float | None = None
    verdict: str | None = None
    reason: str | None = None


class Notification(Struct):
    at: str
    status: str
    category: str
    title: str
    channels: list[str]
    error: str


class Report(Struct):
    run_id: str
    plan_name: str
    service: str
    environment: str
    version_from: str | None
    version_to: str | None
    description: str | None
    initiator: str
    status: str
    outcome: str | None
    #: In the words of a sign-off sheet: Success / Partial / Rolled Back / Rolled Back (incomplete) / In progress.
    outcome_word: str
    outcome_notes: list[str]
    started_at: str
    finished_at: str | None
    last_event_at: str
    duration: float
    window_start: str | None
    window_end: str | None
    rollback_until: str | None
    inside_window: float | None
    forced: Forced | None
    head_hash: str
    head_seq: int
    plan_sha256: str
    waiting: str | None
    phases: list[PhaseRow]
    steps: list[StepRow]
    gates: list[GateRow]
    #: As recorded in run.created: what failing in each phase would undo.
    rollback_plan: list[RollbackPreview]
    rollback: RollbackRow | None
    criteria: list[CriterionRow]
    signoff: list[SignOff]
    #: The plan's change record as recorded (written back, it is the plan's `change:` as validated).
    change: RecordedChange | None
    #: The change record's testing evidence as hashed at run start (or amended later by change.evidence).
    change_evidence: list[EvidenceItem]
    compliance: list[ComplianceRow]
    markers: list[Marker]
    canary: list[CanaryPoint]
    notifications: list[Notification]
    log: list[LogLine] = field(default_factory=list)
    #: Every signed (or unsigned) decision with its verification, from golive.seal.verify.
    decisions: list[Any] = field(default_factory=list)
    #: False: no signers file, decisions were taken on typed names ("approvals not authenticated").
    authenticated: bool = False
    #: The first seq that does not verify, if any.
    audit_failure: str | None = None
    initiator_key: str = ""
    #: How the start was signed, as the report shows it beside the initiator: the initiator's key, or the web
    #: console's key vouching for them ("vouched by server SHA256:... for olga (local account ...) ✓"); "" unsigned.
    initiator_signature: str = ""

    @property
    def initiator_line(self) -> str:
        """The initiator and how their start is signed (a personal key, or the web console vouching for them)."""
        return self.initiator + (f" — start {self.initiator_signature}" if self.initiator_signature else "")
