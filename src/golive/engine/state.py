"""Run state as a fold over the event log. Nothing here does I/O: same events, same state.

The fold dispatches on the typed events of `golive.core.events` (each parsed once, by the store's `Event`);
an event type it does not know changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from msgspec import Struct, field, structs

from golive.core.events import (
    EventBody,
    Forced,
    GateApproved,
    GateDecided,
    GateRejected,
    GateWaiting,
    OfferedLevel,
    Outcome,
    PhaseOverrun,
    PhaseStarted,
    PhaseStatus,
    RollbackAction,
    RollbackConfirmationNeeded,
    RollbackConfirmed,
    RollbackFailed,
    RollbackFinished,
    RollbackRequested,
    RollbackStarted,
    RollbackStatus,
    RollingHost,
    RunCreated,
    RunFinished,
    RunNeedsAttention,
    RunNote,
    RunStarted,
    RunStatus,
    SshBatch,
    SshHost,
    StepConfirmed,
    StepFinished,
    StepInterrupted,
    StepProcess,
    StepResolved,
    StepStarted,
    StepStatus,
    StepWaiting,
    TrafficWeight,
)
from golive.core.stepid import StepId
from golive.errors import StoreError
from golive.store.base import Event

if TYPE_CHECKING:
    from golive.core.step import Resuming, Undoing
    from golive.plan.model import Plan

TERMINAL = frozenset({"succeeded", "rolled-back", "rollback-failed"})

B = TypeVar("B", bound=EventBody)

#: What a run waits for: a gate's approvals, a manual step's confirmation, or a rollback level's confirmation.
Waiting = GateWaiting | StepWaiting | RollbackConfirmationNeeded


class Stamped(Struct, Generic[B], frozen=True):
    """An event with the time the store recorded it."""

    event: B
    at: str


def approver_identity(approval: dict[str, Any]) -> str:
    """What makes two approvals two: the signing key when there is one (golive.seal), else the name; a decision a
    server vouched for (one key, many people) counts the person it vouched for."""
    fp = (approval.get("signature") or {}).get("fingerprint")
    vouched = (approval.get("signed") or {}).get("on_behalf_of")
    if fp and vouched:
        return "person:" + str(vouched).strip().casefold()
    return str(fp) if fp else "name:" + str(approval.get("by", "")).strip().casefold()


class StepRecord(Struct):
    id: StepId
    status: StepStatus = "pending"
    attempts: int = 0
    message: str = ""
    exit_code: int | None = None
    output: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    finished_seq: int = 0
    duration: float | None = None
    #: A decision made outside the executing process: confirmation or resolution, with who.
    decision: StepConfirmed | StepResolved | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    #: Remote batches the step started on (`ssh.batch` events), recorded before each batch runs: its undo
    #: (and a person after a crash) can tell exactly which hosts it may have changed.
    targets: list[SshBatch] = field(default_factory=list)
    #: Process trees the current attempt started (`step.process`, recorded before each was let run), so
    #: resume can find them after golive died (golive.engine.leftovers).
    trees: list[StepProcess] = field(default_factory=list)
    #: Set when golive itself stopped the current attempt on a signal.
    interrupted: StepInterrupted | None = None
    #: A rolling step's last recorded action per host (`rolling.host`): where a resumed run picks up.
    hosts: dict[str, RollingHost] = field(default_factory=dict)
    #: The split the current attempt last left on its router (`traffic.weight`), as the router reported it: a
    #: traffic step that failed or was cut off still holds it, and its undo must move it back.
    moved: dict[str, Any] | None = None
    #: A person's `resolve --as retry` after the step was cut off: it ran again on their word (the report says so).
    retried: StepResolved | None = None


class PhaseRecord(Struct):
    index: int
    name: str
    status: PhaseStatus = "pending"
    started_at: str | None = None
    started_clock: str | None = None
    finished_at: str | None = None
    overrun: bool = False
    approvals: list[Stamped[GateApproved]] = field(default_factory=list)
    rejections: list[Stamped[GateRejected]] = field(default_factory=list)
    decision: Stamped[GateDecided] | None = None

    def approvers(self) -> set[str]:
        return {a.event.by for a in self.approvals}

    def approver_keys(self) -> set[str]:
        """What the approval count counts: distinct signing keys (golive.seal), or names when unsigned."""
        return {approver_identity(a.event.payload()) for a in self.approvals}


class RollbackRecord(Struct):
    reason: str
    phase: int | None
    level: int | None
    actions: list[RollbackAction]
    started_at: str
    level_name: str | None = None
    #: Levels only a person applies (a stated condition), named with the command that runs them.
    offered: list[OfferedLevel] = field(default_factory=list)
    status: RollbackStatus = "running"
    confirmed_levels: dict[int, RollbackConfirmed] = field(default_factory=dict)
    waiting_for_level: int | None = None
    failed_action: StepId | None = None
    #: The rollback.finished event once recorded (a crash may fall between it and run.finished).
    finished: RollbackFinished | None = None


@dataclass
class RunState:
    run_id: str = ""
    #: The `run.created` event: the recorded plan (as JSON), the window, the rollback preview...
    created: RunCreated | None = None
    plan_path: str = ""
    initiator: str = ""
    created_at: str = ""
    dry_run: bool = False
    forced: Forced | None = None
    #: `--var` values the run started with (None: not recorded, a run from before they were; a None value:
    #: withheld because it holds a password).
    overrides: dict[str, str | None] | None = None
    status: RunStatus = "created"
    steps: dict[str, StepRecord] = dataclass_field(default_factory=dict)
    phases: list[PhaseRecord] = dataclass_field(default_factory=list)
    rollback: RollbackRecord | None = None
    rollback_requested: RollbackRequested | None = None
    #: A level a person asked for during or after a rollback, not started yet: a further round once the
    #: current one ends (golive.engine.rollback.offered says which levels wait for a person).
    follow_up: RollbackRequested | None = None
    #: Rounds before the current `rollback` (a further round keeps the earlier ones here, oldest first).
    earlier_rollbacks: list[RollbackRecord] = dataclass_field(default_factory=list)
    outcome: Outcome | None = None
    finished_at: str | None = None
    attention: RunNeedsAttention | None = None
    waiting: Waiting | None = None
    last_seq: int = 0
    head_hash: str = ""
    notes: list[Stamped[RunNote]] = dataclass_field(default_factory=list)
    #: Set by the first read of `plan` (or given by a process that validated it already).
    _plan: Plan | None = dataclass_field(default=None, repr=False, compare=False)

    @property
    def terminal(self) -> bool:
        return self.outcome is not None

    @property
    def plan_json(self) -> dict[str, Any]:
        return self.created.plan if self.created is not None else {}

    @property
    def plan(self) -> Plan:
        """The plan exactly as it was when the run started (the file may have changed since), validated once."""
        if self._plan is None:
            from pydantic import ValidationError

            from golive.plan.model import Plan

            try:
                self._plan = Plan.model_validate(self.plan_json)
            except ValidationError as exc:
                raise StoreError(f"run {self.run_id}: the plan recorded in its run.created event does not"
                                 f" validate: {exc}") from None
        return self._plan

    def step(self, step_id: str) -> StepRecord:
        rec = self.steps.get(step_id)
        if rec is None:
            rec = self.steps[step_id] = StepRecord(StepId(step_id))
        return rec

    def phase(self, index: int) -> PhaseRecord:
        return self.phases[index - 1]

    def undoing(self, sid: str) -> Undoing | None:
        """For an undo step: the forward step it undoes, as the step sees it (where that step ran)."""
        from golive.core.step import Undoing  # what steps see: reading a run does not need it

        forward = StepId(sid).undoes()
        if forward is None:
            return None
        rec = self.step(forward)
        return Undoing(rec.id, rec.status, list(rec.targets))

    def resuming(self, sid: str) -> Resuming | None:
        """For a step cut off mid-way: what its cut-off attempt reached (batches, hosts)."""
        from golive.core.step import Resuming

        rec = self.step(sid)
        if not rec.targets and not rec.hosts:
            return None
        return Resuming(list(rec.targets), dict(rec.hosts))

    def current_phase(self) -> PhaseRecord | None:
        for p in self.phases:
            if p.status not in ("go", "pending"):
                return p
        return None


def waiting_view(w: Waiting | RunNeedsAttention | None) -> dict[str, Any] | None:
    """What a run waits for as JSON (`golive status --json`, the dashboard): the event's payload and a `kind`."""
    if w is None:
        return None
    if isinstance(w, GateWaiting):
        return {"kind": "gate", **w.payload()}
    if isinstance(w, StepWaiting):
        return {"kind": "step", "step": w.step, "message": w.message}
    if isinstance(w, RollbackConfirmationNeeded):
        return {"kind": "rollback", **w.payload()}
    return w.payload()


def hint(w: Waiting | RunNeedsAttention | None) -> str:
    """The one line telling a person what to do: the command, else the reason, else the message."""
    if isinstance(w, GateWaiting | RollbackConfirmationNeeded) and w.command:
        return w.command
    if isinstance(w, RunNeedsAttention | RollbackConfirmationNeeded) and w.reason:
        return w.reason
    if isinstance(w, StepWaiting):
        return w.message
    return ""


def fold(events: Iterable[Event], state: RunState | None = None) -> RunState:
    st = state or RunState()
    for ev in events:
        apply(st, ev)
    return st


def _resume_status(st: RunState) -> RunStatus:
    return "rolling-back" if st.rollback else "running"


def apply(st: RunState, ev: Event) -> None:
    st.last_seq = ev.seq
    st.head_hash = ev.hash
    match ev.data:
        case RunCreated() as e:
            st.run_id = ev.run_id
            st.created = e
            st.plan_path = e.plan_path
            st.initiator = e.initiator
            st.created_at = ev.ts
            st.dry_run = e.dry_run
            st.forced = e.forced
            st.overrides = dict(e.override_values) if e.override_values is not None else None
            st.phases = [PhaseRecord(i, str(ph["name"])) for i, ph in enumerate(e.plan.get("phases", []), 1)]
        case RunStarted():
            if st.status == "created":
                st.status = "running"
        case PhaseStarted() as e:
            ph = st.phase(e.phase)
            ph.status = "running"
            ph.started_at = ev.ts
            ph.started_clock = e.at
            st.status = "running"
        case PhaseOverrun() as e:
            st.phase(e.phase).overrun = True
        case StepStarted() as e:
            rec = st.step(e.step)
            if rec.status != "pending":
                rec.decision = None  # a retry asks again; a confirmation given ahead (`confirm --phase`) holds
            rec.status = "running"
            rec.attempts += 1
            rec.started_at = ev.ts
            rec.trees = []
            rec.interrupted = None
            rec.moved = None
            if st.status in ("needs-attention", "waiting"):
                st.status = _resume_status(st)
            st.attention = None
        case StepWaiting() as e:
            st.step(e.step).status = "waiting"
            st.status = "waiting"
            st.waiting = e
        case StepConfirmed() as e:
            st.step(e.step).decision = e
        case StepFinished() as e:
            rec = st.step(e.step)
            rec.status = e.status
            rec.message = e.message
            rec.exit_code = e.exit_code
            rec.output = e.output
            rec.duration = e.duration
            rec.detail = dict(e.detail)
            rec.finished_at = ev.ts
            rec.finished_seq = ev.seq
            if isinstance(st.waiting, StepWaiting) and st.waiting.step == e.step:
                st.waiting = None
                st.status = _resume_status(st)
        case StepProcess() as e:
            st.step(e.step).trees.append(e)
        case StepInterrupted() as e:
            rec = st.step(e.step)
            rec.status = "interrupted"
            rec.interrupted = e
            rec.message = f"stopped by golive on {e.signal or None}"
        case SshBatch() as e:  # and RollingBatch
            st.step(e.step).targets.append(e)
        case SshHost() as e if e.status == "locked":  # another run's lock refused it: the command never started
            rec = st.step(e.step)  # there, so no undo and no leftover search goes there
            rec.targets = [b for b in (structs.replace(b, hosts=[h for h in b.hosts if h != e.host])
                                       if type(b) is SshBatch and b.group == e.group and b.batch == e.batch else b
                                       for b in rec.targets) if b.hosts]
        case RollingHost() as e:
            st.step(e.step).hosts[e.host] = e
        case TrafficWeight() as e:
            st.step(e.step).moved = dict(e.weights)
        case RunNeedsAttention() as e:
            st.step(e.step).status = "needs-attention"
            st.status = "needs-attention"
            st.attention = e
        case StepResolved() as e:
            rec = st.step(e.step)
            rec.message = f"resolved as {e.as_} by {e.by}: {e.reason or ''}".rstrip(": ")
            if e.as_ == "retry":  # a person judged it safe to run again: it starts afresh on resume
                rec.decision = None
                rec.retried = e
                rec.status = "pending"
                rec.interrupted = None
            else:
                rec.decision = e
                rec.status = "succeeded" if e.as_ == "done" else "failed"
                rec.finished_at = ev.ts
                rec.finished_seq = ev.seq
            st.attention = None
            if st.rollback is not None and st.rollback.failed_action == e.step:
                st.rollback.failed_action = None
                st.rollback.status = "running"
            st.status = _resume_status(st)
        case GateWaiting() as e:
            st.phase(e.phase).status = "waiting"
            st.status = "waiting"
            st.waiting = e
        case GateApproved() as e:
            st.phase(e.phase).approvals.append(Stamped(e, ev.ts))
        case GateRejected() as e:
            st.phase(e.phase).rejections.append(Stamped(e, ev.ts))
        case GateDecided() as e:
            ph = st.phase(e.phase)
            ph.status = "go" if e.decision == "go" else "no-go"
            ph.decision = Stamped(e, ev.ts)
            ph.finished_at = ev.ts
            st.waiting = None
            st.status = "running"
        case RollbackRequested() as e:
            if st.rollback is None:
                st.rollback_requested = e
            else:  # a level asked for during or after a rollback: one more round, reopening an ended run
                st.follow_up = e
                if st.terminal:
                    st.outcome = None
                    st.finished_at = None
                    st.status = "rolling-back"
        case RollbackStarted() as e:
            if st.rollback is not None:
                st.earlier_rollbacks.append(st.rollback)
                st.follow_up = None
            st.rollback = RollbackRecord(e.reason, e.phase, e.level, list(e.actions), ev.ts, e.level_name,
                                         list(e.offered))
            st.status = "rolling-back"
            st.waiting = None
        case RollbackConfirmationNeeded() as e if st.rollback:
            st.rollback.status = "waiting"
            st.rollback.waiting_for_level = e.level
            st.status = "waiting"
            st.waiting = e
        case RollbackConfirmed() as e if st.rollback:
            st.rollback.confirmed_levels[e.level] = e
            if st.rollback.waiting_for_level == e.level:
                st.rollback.waiting_for_level = None
                st.rollback.status = "running"
                st.status = "rolling-back"
                st.waiting = None
        case RollbackFailed() as e if st.rollback:
            st.rollback.status = "failed"
            st.rollback.failed_action = e.action
            st.status = "rollback-failed"
        case RollbackFinished() as e if st.rollback:
            st.rollback.status = "done" if e.ok else "failed"
            st.rollback.finished = e
        case RunFinished() as e:
            st.outcome = e.outcome
            st.status = e.outcome
            st.finished_at = ev.ts
            st.waiting = None
        case RunNote() as e:
            st.notes.append(Stamped(e, ev.ts))
        case _:
            pass
