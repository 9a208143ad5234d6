"""Building a run's report from its event log alone (the folded state plus the events themselves), so a report
can be regenerated any time and never says more than the log does. The plan is read as its run.created recorded
it, not from a plan file that may have changed since."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from golive.core.events import (
    AnalysisVerdict,
    ChangeEvidence,
    GateApproved,
    GateDecided,
    GateRejected,
    GateWaiting,
    NotifyFailed,
    NotifySent,
    PhaseOverrun,
    RollbackFinished,
    RollbackRequested,
    RunNeedsAttention,
    RunNote,
    StepConfirmed,
    StepResolved,
    StepStarted,
    TrafficWeight,
)
from golive.core.step import clip_output
from golive.core.stepid import StepId
from golive.engine.state import RunState, Stamped, fold, hint
from golive.report.describe import describe
from golive.report.model import (
    Approval,
    CanaryPoint,
    CriterionRow,
    GateRow,
    LogLine,
    Marker,
    Notification,
    PhaseRow,
    Report,
    RollbackAction,
    RollbackRow,
    StepRow,
)
from golive.report.outcome import outcome_notes, outcome_word
from golive.store.base import Event

if TYPE_CHECKING:
    from golive.plan.model import Plan
    from golive.plan.recorded import RecordedPhase, RecordedPlan

#: Characters of step output a report keeps (the event already holds at most 8 KiB).
OUTPUT_LIMIT = 2000


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _secs(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    return round((_ts(b) - _ts(a)).total_seconds(), 3)


def _canary_pools(plan: RecordedPlan) -> list[str]:
    """The pools `canary` steps shift traffic to, from the plan as recorded."""
    pools: list[str] = []
    for ph in plan.phases:
        for step in ph.steps:
            spec = step.spec() if step.kind == "canary" else None
            pool = spec.get("canary") if isinstance(spec, dict) else None
            if pool and str(pool) not in pools:
                pools.append(str(pool))
    return pools


def _canary_point(ev: Event, pools: list[str]) -> CanaryPoint | None:
    """A chart point from what `golive.steps.canary` records: `traffic.weight` (the router's per-pool weights
    after a change) and `analysis.verdict` (the judge's numbers)."""
    match ev.data:
        case TrafficWeight() as e:
            w = next((float(e.weights[k]) for k in pools if k in e.weights), None)
            if w is None:
                w = _num(ev.payload.get("weight"))
            return CanaryPoint(ev.ts, weight=w) if w is not None else None
        case AnalysisVerdict() as e:
            return CanaryPoint(
                ev.ts,
                canary_error_rate=_num(e.canary_error_rate), baseline_error_rate=_num(e.baseline_error_rate),
                canary_p95=_num(e.canary_p95_ms), baseline_p95=_num(e.baseline_p95_ms),
                verdict=e.outcome or None, reason=e.reason or None,
            )
    return None


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def recorded_plan(st: RunState) -> RecordedPlan:
    """The run's plan as its run.created recorded it (validated when the run was created; the log's hash chain
    covers it), read without building the plan's pydantic models. A copy lacking a field the reader needs (a log
    written before that field existed) is validated as before, and read from the validated plan's dump."""
    from msgspec import ValidationError

    from golive.plan.recorded import read_recorded

    try:
        return read_recorded(st.plan_json)
    except ValidationError:
        return read_recorded(st.plan.model_dump(mode="json", by_alias=True, exclude_none=True))


def _steps_meta(plan: RecordedPlan, st: RunState, started: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Step id -> (phase label, title) from the plan as recorded, for the steps the run has records of. A step's
    title is its name; a step without one is titled by its kind (`StepBase.describe`), which only the validated
    plan knows, so it is asked only for such a step that has no title recorded by its step.started."""
    named = plan.steps_by_id()
    meta: dict[str, tuple[str, str]] = {}
    for sid in st.steps:
        step = named.get(sid)
        if step is None:
            continue
        title = step.name or (None if started.get(sid) else st.plan.steps_by_id()[sid].title())
        meta[sid] = (StepId(sid).label(), title or "")
    return meta


#: Events shown as markers on the timeline.
_MARKED = (GateWaiting, GateDecided, GateApproved, GateRejected, PhaseOverrun, RunNote, RollbackRequested,
           RunNeedsAttention, StepConfirmed, StepResolved)


def _gate_criteria(plan: RecordedPlan, phase: RecordedPhase) -> list[str]:
    """What a phase's gate judges, in words, from the plan model (and its defaults)."""
    gate = phase.gate
    criteria = [gate.description] if gate.description else []
    criteria += [f"check: {c.name or c.kind}" for c in gate.checks]
    criteria.append(f"at most {gate.max_failures} failed step(s)")
    if phase.timebox is not None:
        criteria.append(f"within the timebox ({phase.timebox:g}s), overrun: {phase.on_overrun or plan.on_overrun}")
    if gate.approvals is not None:
        role = gate.approvals.role
        criteria.append(f"{gate.approvals.count} approval(s)" + (f" from {role}" if role else ""))
    return criteria


def _approval(a: Stamped[GateApproved] | Stamped[GateRejected]) -> Approval:
    return Approval(a.event.by, a.event.role, a.event.reason or "", a.at)


def build(events: list[Event], plan: Plan | None = None) -> Report:
    """The report of a run, from its complete event list (seq 1 onwards). `plan`: the run's plan, validated
    already by whoever holds it (the runner at the end of a run), so a long run's plan is not held twice."""
    if not events:
        raise ValueError("a run without events has nothing to report")
    st = fold(events, RunState(_plan=plan) if plan is not None else None)
    created = st.created
    recorded = recorded_plan(st)
    pools = _canary_pools(recorded)
    kinds: dict[str, str] = {}
    titles: dict[str, str] = {}
    markers: list[Marker] = []
    canary: list[CanaryPoint] = []
    notifications: list[Notification] = []
    evidence = created.change_evidence if created is not None else None
    change_evidence = list(evidence.testing) if evidence is not None else []
    for ev in events:
        match ev.data:
            case StepStarted() as e:
                kinds[e.step] = e.kind
                titles[e.step] = e.title
            case NotifySent() as e:
                notifications.append(Notification(ev.ts, "failed" if isinstance(e, NotifyFailed) else "sent",
                                                  e.category, e.title, list(e.channels),
                                                  e.error if isinstance(e, NotifyFailed) else ""))
            case ChangeEvidence() as e:  # recorded later, e.g. by an amended change record
                change_evidence = list(e.testing)
            case e if isinstance(e, _MARKED):
                phase = getattr(e, "phase", None)
                markers.append(Marker(ev.ts, ev.type, describe(ev), phase if isinstance(phase, int) else None,
                                      e.decision if isinstance(e, GateDecided) else None))
        pt = _canary_point(ev, pools)
        if pt is not None:
            canary.append(pt)

    meta = _steps_meta(recorded, st, titles)
    steps: list[StepRow] = []
    for sid, rec in st.steps.items():
        phase_label, title = meta.get(sid, ("", sid))
        by = rec.decision.by if rec.decision is not None else None
        steps.append(StepRow(
            id=sid, title=titles.get(sid) or title, kind=kinds.get(sid, ""), phase=phase_label, status=rec.status,
            attempts=rec.attempts, duration=rec.duration, exit_code=rec.exit_code, message=rec.message,
            output=clip_output(rec.output, OUTPUT_LIMIT), started_at=rec.started_at, finished_at=rec.finished_at,
            decided_by=by or None,
        ))

    phases: list[PhaseRow] = []
    gates: list[GateRow] = []
    for rec_p in st.phases:
        spec = recorded.phases[rec_p.index - 1]
        phases.append(PhaseRow(rec_p.index, rec_p.name, rec_p.status, spec.timebox, rec_p.started_at,
                               rec_p.finished_at, _secs(rec_p.started_at, rec_p.finished_at), rec_p.overrun))
        appr = spec.gate.approvals
        dec = rec_p.decision
        gates.append(GateRow(
            phase=rec_p.index, name=rec_p.name, criteria=_gate_criteria(recorded, spec),
            approvals_needed=appr.count if appr else 0, role=appr.role if appr else None,
            candidates=list(recorded.approvers.get(appr.role or "", [])) if appr else [],
            decision=dec.event.decision if dec else None, reasons=list(dec.event.reasons) if dec else [],
            decided_at=dec.at if dec else None,
            approvals=[_approval(a) for a in rec_p.approvals],
            rejections=[_approval(a) for a in rec_p.rejections],
        ))

    rollback: RollbackRow | None = None
    if st.rollback is not None:
        rb = st.rollback
        finished = next((e.ts for e in reversed(events) if isinstance(e.data, RollbackFinished)), None)
        acts = []
        rounds = [*st.earlier_rollbacks, rb]  # a level a person asked for after the rollback is a further round
        for a in (a for r in rounds for a in r.actions):
            r = st.steps.get(a.id)
            acts.append(RollbackAction(a.id, a.title if a.has("title") else a.id,
                                       r.status if r else "not run", r.message if r else ""))
        reason = "; then ".join(r.reason for r in rounds)
        rollback = RollbackRow(reason, rb.level, rb.level_name, rb.status, rounds[0].started_at, finished, acts,
                               [o.text() for o in rb.offered])

    criteria = _criteria(recorded, st)
    row_title = {s.id: s.title for s in steps}
    notes = outcome_notes(st, lambda sid: row_title.get(sid, sid),
                          [c.description for c in criteria if c.status == "not met"])

    window = created.window if created is not None else None
    last_ts = events[-1].ts
    end = st.finished_at or last_ts
    inside: float | None = None
    if window is not None and window.start and window.end:
        lo = max(_ts(st.created_at), _ts(window.start))
        hi = min(_ts(end), _ts(window.end))
        inside = max(0.0, round((hi - lo).total_seconds(), 3))

    waiting: str | None = None
    if not st.terminal:
        waiting = hint(st.waiting or st.attention) or st.status

    recorded_version = created.version if created is not None else None
    version_from = recorded_version.from_ if recorded_version else \
        recorded.version.from_ if recorded.version else None
    version_to = recorded_version.to if recorded_version else recorded.version.to if recorded.version else None
    from golive.report.compliance import compliance_rows, signoff_rows

    report = Report(
        run_id=st.run_id, plan_name=recorded.name, service=recorded.service,
        environment=recorded.environment, version_from=version_from,
        version_to=version_to, description=recorded.description, initiator=st.initiator,
        status=st.status, outcome=st.outcome, outcome_word=outcome_word(st, notes), outcome_notes=notes,
        started_at=st.created_at, finished_at=st.finished_at, last_event_at=last_ts,
        duration=round((_ts(end) - _ts(st.created_at)).total_seconds(), 3),
        window_start=window.start if window else None, window_end=window.end if window else None,
        rollback_until=window.rollback_until if window else None,
        inside_window=inside, forced=st.forced, head_hash=st.head_hash,
        head_seq=st.last_seq, plan_sha256=created.plan_sha256 if created is not None else "", waiting=waiting,
        phases=phases, steps=steps, gates=gates,
        rollback_plan=list(created.rollback_plan) if created else [], rollback=rollback, criteria=[],
        signoff=[], change=recorded.change, change_evidence=change_evidence, compliance=[],
        markers=markers, canary=canary, notifications=notifications,
        log=[LogLine(e.seq, e.ts, e.type, describe(e)) for e in events],
    )
    report.criteria = criteria
    from golive.report.signatures import attach

    attach(report, events)
    report.signoff = signoff_rows(report)
    report.compliance = compliance_rows(report, recorded)
    return report


def _criteria(plan: RecordedPlan, st: RunState) -> list[CriterionRow]:
    """Each success criterion: the result of its check as the run recorded it (the engine measures criteria
    with a check once every gate said GO), else for a person to verify and sign."""
    out: list[CriterionRow] = []
    for i, c in enumerate(plan.success_criteria, 1):
        desc = c.description
        sid = StepId.criterion(i)
        rec = st.steps.get(sid)
        has_check = c.check is not None
        if rec is not None and rec.status in ("succeeded", "failed"):
            status = "met" if rec.status == "succeeded" else "not met"
            when = f" at {rec.finished_at[:19]}Z" if rec.finished_at else ""
            out.append(CriterionRow(desc, status, f"check {sid} {rec.status}{when}"
                                    + (f": {rec.message}" if rec.message else "")))
        elif has_check and st.terminal and st.outcome != "succeeded":
            out.append(CriterionRow(desc, "for a person", "not measured: the run ended before verification"))
        elif has_check:
            why = f"check {sid} is {rec.status}" if rec is not None else "its check has not run yet"
            out.append(CriterionRow(desc, "for a person", why))
        else:
            out.append(CriterionRow(desc, "for a person", "no automatic check: a person must verify and sign"))
    return out
