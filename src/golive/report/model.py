"""The report model: everything a manager, an auditor and the next on-call read, built from the run's event log
alone (the folded state plus the events themselves), so a report can be regenerated any time and never says
more than the log does. Renderers (html, markdown, json) only lay this out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from golive.engine.state import RunState, fold
from golive.report.describe import describe
from golive.store.base import Event

#: Characters of step output a report keeps (the event already holds at most 8 KiB).
OUTPUT_LIMIT = 2000


@dataclass
class StepRow:
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


@dataclass
class Approval:
    by: str
    role: str | None
    reason: str
    at: str
    #: How the decision is authenticated (golive.seal): the signing key, the method, and whether it verified.
    fingerprint: str = ""
    method: str = "unauthenticated"
    verified: bool = False


@dataclass
class GateRow:
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


@dataclass
class PhaseRow:
    index: int
    name: str
    status: str
    timebox: float | None
    started_at: str | None
    finished_at: str | None
    duration: float | None
    overrun: bool


@dataclass
class RollbackAction:
    id: str
    title: str
    status: str
    message: str


@dataclass
class RollbackRow:
    reason: str
    level: int | None
    level_name: str | None
    status: str
    started_at: str
    finished_at: str | None
    actions: list[RollbackAction]


@dataclass
class CriterionRow:
    description: str
    #: met | not met | for a person
    status: str
    evidence: str


@dataclass
class SignOff:
    section: str
    role: str
    name: str
    date: str
    note: str
    #: Key fingerprint, method (SSH signature / unauthenticated) and verified ✓/✗.
    signature: str = ""


@dataclass
class ComplianceRow:
    requirement: str
    element: str
    evidence: str
    ok: bool


@dataclass
class Marker:
    """A point on the timeline (gate decision, approval, overrun, note)."""

    at: str
    kind: str
    label: str
    #: The phase it belongs to (its row on the timeline), when the event names one.
    phase: int | None = None
    #: go / no-go for a gate decision.
    decision: str | None = None


@dataclass
class CanaryPoint:
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


@dataclass
class Notification:
    at: str
    status: str
    category: str
    title: str
    channels: list[str]
    error: str


@dataclass
class Report:
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
    forced: dict[str, Any] | None
    head_hash: str
    head_seq: int
    plan_sha256: str
    waiting: str | None
    phases: list[PhaseRow]
    steps: list[StepRow]
    gates: list[GateRow]
    rollback_plan: list[dict[str, Any]]
    rollback: RollbackRow | None
    criteria: list[CriterionRow]
    signoff: list[SignOff]
    change: dict[str, Any] | None
    change_evidence: list[dict[str, Any]]
    compliance: list[ComplianceRow]
    markers: list[Marker]
    canary: list[CanaryPoint]
    notifications: list[Notification]
    log: list[dict[str, Any]] = field(default_factory=list)
    #: Every signed (or unsigned) decision with its verification, from golive.seal.verify.
    decisions: list[Any] = field(default_factory=list)
    #: False: no signers file, decisions were taken on typed names ("approvals not authenticated").
    authenticated: bool = False
    #: The first seq that does not verify, if any.
    audit_failure: str | None = None
    initiator_key: str = ""


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _secs(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    return round((_ts(b) - _ts(a)).total_seconds(), 3)


def _clip(text: str) -> str:
    if len(text) <= OUTPUT_LIMIT:
        return text
    return "[... earlier output omitted ...]\n" + text[-OUTPUT_LIMIT:]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _canary_pools(plan: dict[str, Any]) -> list[str]:
    """The pools `canary` steps shift traffic to, from the plan as recorded."""
    pools: list[str] = []
    for ph in plan.get("phases", []):
        for step in ph.get("steps", []):
            spec = step.get("canary") if isinstance(step, dict) else None
            if isinstance(spec, dict) and spec.get("canary") and str(spec["canary"]) not in pools:
                pools.append(str(spec["canary"]))
    return pools


def _canary_point(ev: Event, pools: list[str]) -> CanaryPoint | None:
    """A chart point from what `golive.steps.canary` records: `traffic.weight` (the router's per-pool weights
    after a change) and `analysis.verdict` (the judge's numbers: canary_error_rate, baseline_error_rate,
    canary_p95_ms, baseline_p95_ms, outcome, reason)."""
    p = ev.payload
    if ev.type == "traffic.weight":
        weights = p.get("weights")
        w = None
        if isinstance(weights, dict):
            w = next((_num(weights[k]) for k in pools if k in weights), None)
        if w is None:
            w = _num(p.get("weight"))
        return CanaryPoint(ev.ts, weight=w) if w is not None else None
    if ev.type == "analysis.verdict":
        return CanaryPoint(
            ev.ts,
            canary_error_rate=_num(p.get("canary_error_rate")),
            baseline_error_rate=_num(p.get("baseline_error_rate")),
            canary_p95=_num(p.get("canary_p95_ms")),
            baseline_p95=_num(p.get("baseline_p95_ms")),
            verdict=str(p.get("outcome") or "") or None,
            reason=str(p.get("reason") or "") or None,
        )
    return None


def _outcome_word(st: RunState, notes: list[str]) -> str:
    if st.outcome == "succeeded":
        return "Partial" if notes else "Success"
    if st.outcome == "rolled-back":
        return "Rolled Back"
    if st.outcome == "rollback-failed":
        return "Rolled Back (incomplete)"
    return "In progress"


def _steps_meta(plan: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Step id -> (phase label, title) from the plan as recorded."""
    from golive.plan.model import Plan

    try:
        model = Plan.model_validate(plan)
    except Exception:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for sid, step in model.steps_by_id().items():
        head = sid.split(".")[0]
        label = f"phase {head}" if head.isdigit() else ("rollback" if head.startswith("L") else
                                                        "success criteria" if head == "criterion" else head)
        out[sid] = (label, step.title())
    return out


def build(events: list[Event]) -> Report:
    """The report of a run, from its complete event list (seq 1 onwards)."""
    if not events:
        raise ValueError("a run without events has nothing to report")
    st = fold(events)
    created = events[0].payload if events[0].type == "run.created" else {}
    plan = st.plan
    meta = _steps_meta(plan)
    pools = _canary_pools(plan)
    kinds: dict[str, str] = {}
    titles: dict[str, str] = {}
    markers: list[Marker] = []
    canary: list[CanaryPoint] = []
    notifications: list[Notification] = []
    change_evidence: list[dict[str, Any]] = list((created.get("change_evidence") or {}).get("testing", []))
    tolerated: list[str] = []
    for ev in events:
        p = ev.payload
        if ev.type == "step.started":
            kinds[p["step"]] = str(p.get("kind", ""))
            titles[p["step"]] = str(p.get("title", ""))
        elif ev.type in ("gate.waiting", "gate.decided", "gate.approved", "gate.rejected", "phase.overrun",
                         "run.note", "rollback.requested", "run.needs_attention", "step.confirmed",
                         "step.resolved"):
            phase = p.get("phase")
            markers.append(Marker(ev.ts, ev.type, describe(ev), phase if isinstance(phase, int) else None,
                                  str(p["decision"]) if ev.type == "gate.decided" and p.get("decision") else None))
        elif ev.type in ("notify.sent", "notify.failed"):
            notifications.append(Notification(ev.ts, "sent" if ev.type == "notify.sent" else "failed",
                                              str(p.get("category", "")), str(p.get("title", "")),
                                              [str(c) for c in p.get("channels", [])], str(p.get("error", ""))))
        elif ev.type == "change.evidence":  # recorded later, e.g. by an amended change record
            change_evidence = list(p.get("testing", []))
        pt = _canary_point(ev, pools)
        if pt is not None:
            canary.append(pt)

    steps: list[StepRow] = []
    for sid, rec in st.steps.items():
        phase_label, title = meta.get(sid, ("", sid))
        by = (rec.decision or {}).get("by")
        steps.append(StepRow(
            id=sid, title=titles.get(sid) or title, kind=kinds.get(sid, ""), phase=phase_label, status=rec.status,
            attempts=rec.attempts, duration=rec.duration, exit_code=rec.exit_code, message=rec.message,
            output=_clip(rec.output), started_at=rec.started_at, finished_at=rec.finished_at,
            decided_by=str(by) if by else None,
        ))
        if rec.status == "failed" and st.outcome == "succeeded" and not sid.startswith("criterion."):
            tolerated.append(f"step {sid} '{titles.get(sid) or title}' failed and was tolerated: {rec.message}")

    phases: list[PhaseRow] = []
    gates: list[GateRow] = []
    plan_phases = plan.get("phases", [])
    for rec_p in st.phases:
        spec = plan_phases[rec_p.index - 1] if rec_p.index - 1 < len(plan_phases) else {}
        timebox = spec.get("timebox")
        phases.append(PhaseRow(rec_p.index, rec_p.name, rec_p.status, float(timebox) if timebox is not None else None,
                               rec_p.started_at, rec_p.finished_at, _secs(rec_p.started_at, rec_p.finished_at),
                               rec_p.overrun))
        gate = spec.get("gate") or {}
        appr = gate.get("approvals") or {}
        criteria = [gate["description"]] if gate.get("description") else []
        criteria += [f"check: {c.get('name') or next((k for k in c if k not in ('name',)), 'check')}"
                     for c in gate.get("checks", [])]
        criteria.append(f"at most {gate.get('max_failures', 0)} failed step(s)")
        if timebox is not None:
            criteria.append(f"within the timebox ({float(timebox):g}s), overrun: "
                            f"{spec.get('on_overrun') or plan.get('on_overrun', 'warn')}")
        if appr:
            criteria.append(f"{appr.get('count', 1)} approval(s)" + (f" from {appr['role']}" if appr.get("role")
                                                                     else ""))
        dec = rec_p.decision or {}
        gates.append(GateRow(
            phase=rec_p.index, name=rec_p.name, criteria=criteria,
            approvals_needed=int(appr.get("count", 1)) if appr else 0, role=appr.get("role"),
            candidates=list((plan.get("approvers") or {}).get(appr.get("role") or "", [])) if appr else [],
            decision=dec.get("decision"), reasons=list(dec.get("reasons", [])), decided_at=dec.get("at"),
            approvals=[Approval(a["by"], a.get("role"), a.get("reason") or "", a["at"]) for a in rec_p.approvals],
            rejections=[Approval(a["by"], a.get("role"), a.get("reason") or "", a["at"]) for a in rec_p.rejections],
        ))

    rollback: RollbackRow | None = None
    if st.rollback is not None:
        rb = st.rollback
        finished = next((e.ts for e in events if e.type == "rollback.finished"), None)
        acts = []
        for a in rb.actions:
            r = st.steps.get(a["id"])
            acts.append(RollbackAction(a["id"], a.get("title", a["id"]), r.status if r else "not run",
                                       r.message if r else ""))
        rollback = RollbackRow(rb.reason, rb.level, (next((e.payload.get("level_name") for e in events
                                                          if e.type == "rollback.started"), None)),
                               rb.status, rb.started_at, finished, acts)

    criteria = _criteria(plan, st)
    notes: list[str] = []
    for ph in phases:
        if ph.overrun:
            notes.append(f"phase {ph.index} '{ph.name}' overran its timebox")
    notes += tolerated
    for n in st.notes:
        if n.get("kind") == "window.exceeded":
            notes.append(str(n.get("message", "the deployment window was exceeded")))
    for s in steps:
        if s.decided_by and s.status == "succeeded" and "resolved" in s.message:
            notes.append(f"step {s.id} was resolved by hand by {s.decided_by}")
    notes += [f"success criterion not met: {c.description}" for c in criteria if c.status == "not met"]
    if st.rollback is not None:
        notes.append(f"rolled back: {st.rollback.reason}")
    if st.forced:
        notes.append(f"started outside the window by {st.forced.get('by')}: {st.forced.get('reason')}")

    window = created.get("window") or {}
    last_ts = events[-1].ts
    end = st.finished_at or last_ts
    inside: float | None = None
    if window.get("start") and window.get("end"):
        lo = max(_ts(st.created_at), _ts(window["start"]))
        hi = min(_ts(end), _ts(window["end"]))
        inside = max(0.0, round((hi - lo).total_seconds(), 3))

    waiting: str | None = None
    if not st.terminal:
        w = st.waiting or st.attention or {}
        waiting = str(w.get("command") or w.get("reason") or w.get("message") or st.status)

    version = created.get("version") or plan.get("version") or {}
    from golive.report.compliance import compliance_rows, signoff_rows

    report = Report(
        run_id=st.run_id, plan_name=str(plan.get("name", "")), service=str(plan.get("service", "")),
        environment=str(plan.get("environment", "")), version_from=version.get("from"),
        version_to=version.get("to"), description=plan.get("description"), initiator=st.initiator,
        status=st.status, outcome=st.outcome, outcome_word=_outcome_word(st, notes), outcome_notes=notes,
        started_at=st.created_at, finished_at=st.finished_at, last_event_at=last_ts,
        duration=round((_ts(end) - _ts(st.created_at)).total_seconds(), 3),
        window_start=window.get("start"), window_end=window.get("end"), rollback_until=window.get("rollback_until"),
        inside_window=inside, forced=st.forced, head_hash=st.head_hash, head_seq=st.last_seq,
        plan_sha256=str(created.get("plan_sha256", "")), waiting=waiting, phases=phases, steps=steps, gates=gates,
        rollback_plan=list(created.get("rollback_plan", [])), rollback=rollback, criteria=[], signoff=[],
        change=plan.get("change"), change_evidence=change_evidence, compliance=[], markers=markers,
        canary=canary, notifications=notifications,
        log=[{"seq": e.seq, "at": e.ts, "type": e.type, "text": describe(e)} for e in events],
    )
    report.criteria = criteria
    from golive.report.signatures import attach

    attach(report, events)
    report.signoff = signoff_rows(report)
    report.compliance = compliance_rows(report, plan)
    return report


def _criteria(plan: dict[str, Any], st: RunState) -> list[CriterionRow]:
    """Each success criterion: the result of its check as the run recorded it (the engine measures criteria
    with a check once every gate said GO), else for a person to verify and sign."""
    out: list[CriterionRow] = []
    for i, c in enumerate(plan.get("success_criteria", []), 1):
        desc = c["description"] if isinstance(c, dict) else str(c)
        rec = st.steps.get(f"criterion.{i}")
        has_check = isinstance(c, dict) and c.get("check") is not None
        if rec is not None and rec.status in ("succeeded", "failed"):
            status = "met" if rec.status == "succeeded" else "not met"
            when = f" at {rec.finished_at[:19]}Z" if rec.finished_at else ""
            out.append(CriterionRow(desc, status, f"check criterion.{i} {rec.status}{when}"
                                    + (f": {rec.message}" if rec.message else "")))
        elif has_check and st.terminal and st.outcome != "succeeded":
            out.append(CriterionRow(desc, "for a person", "not measured: the run ended before verification"))
        elif has_check:
            why = f"check criterion.{i} is {rec.status}" if rec is not None else "its check has not run yet"
            out.append(CriterionRow(desc, "for a person", why))
        else:
            out.append(CriterionRow(desc, "for a person", "no automatic check: a person must verify and sign"))
    return out
