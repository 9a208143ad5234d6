"""Run state as a fold over the event log. Nothing here does I/O: same events, same state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from golive.store.base import Event

TERMINAL = frozenset({"succeeded", "rolled-back", "rollback-failed"})


def approver_identity(approval: dict[str, Any]) -> str:
    """What makes two approvals two: the signing key when there is one (golive.seal), else the name."""
    fp = (approval.get("signature") or {}).get("fingerprint")
    return str(fp) if fp else "name:" + str(approval.get("by", "")).strip().casefold()


@dataclass
class StepRecord:
    id: str
    #: pending | running | waiting | interrupted | needs-attention | succeeded | failed
    status: str = "pending"
    attempts: int = 0
    message: str = ""
    exit_code: int | None = None
    output: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    finished_seq: int = 0
    duration: float | None = None
    #: A decision made outside the executing process: confirmation or resolution, with who.
    decision: dict[str, Any] | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    #: Remote batches the step started on (`ssh.batch` events), recorded before each batch runs: its undo
    #: (and a person after a crash) can tell exactly which hosts it may have changed.
    targets: list[dict[str, Any]] = field(default_factory=list)
    #: Process trees the current attempt started (`step.process`, recorded before each was let run), so
    #: resume can find them after golive died (golive.engine.leftovers).
    trees: list[dict[str, Any]] = field(default_factory=list)
    #: The `step.interrupted` payload when golive itself stopped the current attempt on a signal.
    interrupted: dict[str, Any] | None = None
    #: A rolling step's last recorded action per host (`rolling.host`): where a resumed run picks up.
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class PhaseRecord:
    index: int
    name: str
    #: pending | running | waiting | go | no-go
    status: str = "pending"
    started_at: str | None = None
    started_clock: str | None = None
    finished_at: str | None = None
    overrun: bool = False
    approvals: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] | None = None


@dataclass
class RollbackRecord:
    reason: str
    phase: int | None
    level: int | None
    actions: list[dict[str, Any]]
    started_at: str
    status: str = "running"  # running | waiting | failed | done
    confirmed_levels: dict[int, dict[str, Any]] = field(default_factory=dict)
    waiting_for_level: int | None = None
    failed_action: str | None = None
    #: The rollback.finished payload once recorded (a crash may fall between it and run.finished).
    finished: dict[str, Any] | None = None


@dataclass
class RunState:
    run_id: str = ""
    plan: dict[str, Any] = field(default_factory=dict)
    plan_path: str = ""
    initiator: str = ""
    created_at: str = ""
    dry_run: bool = False
    forced: dict[str, Any] | None = None
    #: `--var` values the run started with (None: not recorded, a run from before they were; a None value:
    #: withheld because it holds a password).
    overrides: dict[str, str | None] | None = None
    #: created | running | waiting | needs-attention | rolling-back | succeeded | rolled-back | rollback-failed
    status: str = "created"
    steps: dict[str, StepRecord] = field(default_factory=dict)
    phases: list[PhaseRecord] = field(default_factory=list)
    rollback: RollbackRecord | None = None
    rollback_requested: dict[str, Any] | None = None
    outcome: str | None = None
    finished_at: str | None = None
    attention: dict[str, Any] | None = None
    waiting: dict[str, Any] | None = None
    last_seq: int = 0
    head_hash: str = ""
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def terminal(self) -> bool:
        return self.outcome is not None

    def step(self, step_id: str) -> StepRecord:
        rec = self.steps.get(step_id)
        if rec is None:
            rec = self.steps[step_id] = StepRecord(step_id)
        return rec

    def phase(self, index: int) -> PhaseRecord:
        return self.phases[index - 1]

    def current_phase(self) -> PhaseRecord | None:
        for p in self.phases:
            if p.status not in ("go", "pending"):
                return p
        return None


def fold(events: Iterable[Event], state: RunState | None = None) -> RunState:
    st = state or RunState()
    for ev in events:
        apply(st, ev)
    return st


def apply(st: RunState, ev: Event) -> None:
    p = ev.payload
    t = ev.type
    st.last_seq = ev.seq
    st.head_hash = ev.hash
    if t == "run.created":
        st.run_id = ev.run_id
        st.plan = p["plan"]
        st.plan_path = p.get("plan_path", "")
        st.initiator = p.get("initiator", "")
        st.created_at = ev.ts
        st.dry_run = bool(p.get("dry_run"))
        st.forced = p.get("forced")
        recorded = p.get("override_values")
        st.overrides = dict(recorded) if isinstance(recorded, dict) else None
        st.phases = [PhaseRecord(i, ph["name"]) for i, ph in enumerate(st.plan.get("phases", []), 1)]
    elif t == "run.started":
        if st.status in ("created",):
            st.status = "running"
    elif t == "phase.started":
        ph = st.phase(p["phase"])
        ph.status = "running"
        ph.started_at = ev.ts
        ph.started_clock = p.get("at")
        st.status = "running"
    elif t == "phase.overrun":
        st.phase(p["phase"]).overrun = True
    elif t == "step.started":
        rec = st.step(p["step"])
        rec.status = "running"
        rec.attempts += 1
        rec.started_at = ev.ts
        rec.decision = None
        rec.trees = []
        rec.interrupted = None
        if st.status in ("needs-attention", "waiting"):
            st.status = "rolling-back" if st.rollback else "running"
        st.attention = None
    elif t == "step.waiting":
        st.step(p["step"]).status = "waiting"
        st.status = "waiting"
        st.waiting = {"kind": "step", "step": p["step"], "message": p.get("message", "")}
    elif t == "step.confirmed":
        st.step(p["step"]).decision = p
    elif t == "step.finished":
        rec = st.step(p["step"])
        rec.status = p["status"]
        rec.message = p.get("message", "")
        rec.exit_code = p.get("exit_code")
        rec.output = p.get("output", "")
        rec.duration = p.get("duration")
        rec.detail = p.get("detail", {})
        rec.finished_at = ev.ts
        rec.finished_seq = ev.seq
        if st.waiting and st.waiting.get("step") == p["step"]:
            st.waiting = None
            st.status = "rolling-back" if st.rollback else "running"
    elif t == "step.process":
        st.step(p["step"]).trees.append({k: v for k, v in p.items() if k != "step"})
    elif t == "step.interrupted":
        rec = st.step(p["step"])
        rec.status = "interrupted"
        rec.interrupted = p
        rec.message = f"stopped by golive on {p.get('signal')}"
    elif t in ("ssh.batch", "rolling.batch"):
        st.step(p["step"]).targets.append({k: v for k, v in p.items() if k != "step"})
    elif t == "rolling.host":
        st.step(p["step"]).hosts[p["host"]] = {k: v for k, v in p.items() if k not in ("step", "host")}
    elif t == "run.needs_attention":
        st.step(p["step"]).status = "needs-attention"
        st.status = "needs-attention"
        st.attention = p
    elif t == "step.resolved":
        rec = st.step(p["step"])
        rec.decision = p
        rec.status = "succeeded" if p["as"] == "done" else "failed"
        rec.message = f"resolved as {p['as']} by {p['by']}: {p.get('reason') or ''}".rstrip(": ")
        rec.finished_at = ev.ts
        rec.finished_seq = ev.seq
        st.attention = None
        if st.rollback is not None and st.rollback.failed_action == p["step"]:
            st.rollback.failed_action = None
            st.rollback.status = "running"
        st.status = "rolling-back" if st.rollback else "running"
    elif t == "gate.waiting":
        st.phase(p["phase"]).status = "waiting"
        st.status = "waiting"
        st.waiting = {"kind": "gate", **p}
    elif t == "gate.approved":
        st.phase(p["phase"]).approvals.append({**p, "at": ev.ts})
    elif t == "gate.rejected":
        st.phase(p["phase"]).rejections.append({**p, "at": ev.ts})
    elif t == "gate.decided":
        ph = st.phase(p["phase"])
        ph.status = "go" if p["decision"] == "go" else "no-go"
        ph.decision = {**p, "at": ev.ts}
        ph.finished_at = ev.ts
        st.waiting = None
        st.status = "running"
    elif t == "rollback.requested":
        st.rollback_requested = p
    elif t == "rollback.started":
        st.rollback = RollbackRecord(p["reason"], p.get("phase"), p.get("level"), p["actions"], ev.ts)
        st.status = "rolling-back"
        st.waiting = None
    elif t == "rollback.confirmation_needed" and st.rollback:
        st.rollback.status = "waiting"
        st.rollback.waiting_for_level = p["level"]
        st.status = "waiting"
        st.waiting = {"kind": "rollback", **p}
    elif t == "rollback.confirmed" and st.rollback:
        st.rollback.confirmed_levels[p["level"]] = p
        if st.rollback.waiting_for_level == p["level"]:
            st.rollback.waiting_for_level = None
            st.rollback.status = "running"
            st.status = "rolling-back"
            st.waiting = None
    elif t == "rollback.failed" and st.rollback:
        st.rollback.status = "failed"
        st.rollback.failed_action = p["action"]
        st.status = "rollback-failed"
    elif t == "rollback.finished" and st.rollback:
        st.rollback.status = "done" if p.get("ok") else "failed"
        st.rollback.finished = p
    elif t == "run.finished":
        st.outcome = p["outcome"]
        st.status = p["outcome"]
        st.finished_at = ev.ts
        st.waiting = None
    elif t == "run.note":
        st.notes.append({**p, "at": ev.ts})
