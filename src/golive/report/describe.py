"""How events read to people: one line each, for logs, plain output, reports and the web console."""

from __future__ import annotations

import json

from golive.core.events import (
    AnalysisVerdict,
    AuditCheckpoint,
    DecisionRefused,
    DecisionVouched,
    GateApproved,
    GateDecided,
    GateRejected,
    GateWaiting,
    PhaseOverrun,
    PhaseStarted,
    RollbackConfirmationNeeded,
    RollbackConfirmed,
    RollbackFailed,
    RollbackFinished,
    RollbackPreview,
    RollbackRequested,
    RollbackStarted,
    RollingBatch,
    RunAbortRequested,
    RunCreated,
    RunFinished,
    RunNeedsAttention,
    RunNote,
    RunStarted,
    RunTakenOver,
    SshBatch,
    SshHost,
    StepAwaited,
    StepConfirmed,
    StepEvent,
    StepFinished,
    StepInterrupted,
    StepProcess,
    StepReaped,
    StepResolved,
    StepStarted,
    StepWaiting,
    TrafficWeight,
)
from golive.masking import safe
from golive.store.base import Event
from golive.units import format_duration


def _dur(value: float | None) -> str:
    return f" ({format_duration(float(value))})" if isinstance(value, int | float) else ""


_OUTCOME_WORDS = {"succeeded": "SUCCEEDED", "rolled-back": "ROLLED BACK", "rollback-failed": "ROLLBACK FAILED"}


def weight_split(e: TrafficWeight) -> tuple[str, str]:
    split = " / ".join(f"{k} {v}%" for k, v in e.weights.items())
    stage = f" (stage {e.stage}/{e.stages})" if e.stages else ""
    return split, stage


def verdict_stage(e: AnalysisVerdict) -> str:
    return f" at stage {e.stage} ({e.weight}%)" if e.stage else ""


def _rungs(recorded: list[RollbackPreview], run_id: str) -> str:
    """The heavier rungs a failure leaves to a person, with the phases where it does: a level golive applies for a
    failure in one phase can be the next rung after a failure in an earlier one."""
    where: dict[tuple[int, str, int | None], list[int]] = {}
    for entry in recorded:
        for o in entry.offered:
            if not o.when:
                where.setdefault((o.level, o.name, o.heavier_than), []).append(entry.phase)
    return "".join(f"; failing in phase {', '.join(map(str, phases))}: rollback level {n} '{name}' is a person's"
                   f" choice (if level {lighter} is not enough): golive rollback {run_id} --level {n}"
                   for (n, name, lighter), phases in sorted(where.items(), key=lambda kv: (kv[0][0], kv[1])))


def describe(ev: Event) -> str:
    """One line for an event, from its typed form (golive.core.events)."""
    data = ev.data
    step = f"[{data.step}] " if isinstance(data, StepEvent) else ""
    match data:
        case RunCreated() as e:
            v = e.version
            change = f", {v.from_ or '?'} -> {v.to}" if v is not None else ""
            forced = f"; started outside the window by {e.forced.by}: {e.forced.reason}" if e.forced else ""
            offered = {o.level: o for entry in e.rollback_plan for o in entry.offered if o.when}
            choice = "".join(f"; rollback level {o.level} '{o.name}' is a person's choice ({o.condition()}): golive"
                             f" rollback {ev.run_id} --level {o.level}" for _n, o in sorted(offered.items()))
            choice += _rungs(e.rollback_plan, ev.run_id)
            levels = (e.plan.get("rollback") or {}).get("levels") or []
            choice += "".join(f"; rollback level {lv.get('level')} runs level {', then level '.join(map(str, first))}"
                              " first" for lv in levels if (first := lv.get("first")))
            return (f"run {ev.run_id} created by {e.initiator}: plan '{e.plan.get('name')}'"
                    f" ({e.service}/{e.environment}{change}){forced}{choice}")
        case RunStarted() as e:
            return "resumed" if e.resumed else ("dry run started" if e.dry_run else "started")
        case PhaseStarted() as e:
            box = f" (timebox {format_duration(e.timebox)})" if e.timebox else ""
            return f"phase {e.phase} '{e.name}' started{box}"
        case PhaseOverrun() as e:
            return (f"phase {e.phase} overran its timebox {format_duration(e.timebox)}"
                    f" ({format_duration(e.elapsed)} elapsed): {e.action}")
        case StepStarted() as e:
            again = f" (attempt {e.attempt})" if e.attempt > 1 else ""
            return f"{step}start: {e.title}{again}"
        case StepFinished() as e:
            if e.status == "succeeded":
                return f"{step}ok{_dur(e.duration)}" + (f": {e.message}" if e.message else "")
            code = f" (exit {e.exit_code})" if e.exit_code is not None else ""
            return f"{step}FAILED{_dur(e.duration)}: {e.message}{code}"
        case RunAbortRequested() as e:
            return f"abort requested by {e.by}: {e.reason} ({e.signal} to process {e.pid} on {e.host})"
        case DecisionVouched() as e:
            return (f"sealed #{e.seals.seq} ({e.action or None} by {e.by or None}): {e.auth.how},"
                    f" from {e.source or None}")
        case StepWaiting() as e:
            return f"{step}waiting: {e.message}"
        case StepConfirmed() as e:
            return f"{step}{'marked failed' if e.as_ == 'failed' else 'confirmed'} by {e.by}" + (
                f": {e.note}" if e.note else "")
        case StepResolved() as e:
            return f"{step}resolved as {e.as_} by {e.by}" + (f": {e.reason}" if e.reason else "")
        case RunNeedsAttention() as e:
            return f"NEEDS ATTENTION {step}{e.reason}"
        case GateWaiting() as e:
            role = f" from {e.role}" if e.role else ""
            who = f" ({', '.join(e.candidates)})" if e.candidates else ""
            return f"phase {e.phase} gate: waiting for {e.needed} approval(s){role}{who}: {e.command}"
        case GateApproved() as e:
            role = f" ({e.role})" if e.role else ""
            sig = e.extras().get("signature")
            signed = f" [signed {sig.get('fingerprint')}]" if isinstance(sig, dict) else ""
            return f"phase {e.phase} approved by {e.by}{role}{signed}: {e.reason}"
        case GateRejected() as e:
            return f"phase {e.phase} rejected by {e.by}: {e.reason}"
        case GateDecided() as e:
            if e.decision == "go":
                by = f" (approved by {', '.join(e.approvers)})" if e.approvers else \
                    f" ({e.reasons[0]})" if e.reasons and e.reasons[0].startswith("would ") else ""  # a dry run
                return f"phase {e.phase} GO{by}"
            return f"phase {e.phase} NO-GO: {'; '.join(e.reasons)}"
        case RollbackRequested() as e:
            return f"rollback requested by {e.by}: {e.reason}"
        case RollbackStarted() as e:
            undo = sum(1 for a in e.actions if a.undoes is not None)
            # the levels in the order they run: those the level runs first (`first`), the level, its `then`
            order = list(dict.fromkeys([a.level for a in e.actions if a.level is not None]))
            order = (order if e.level in order else [e.level, *order]) if e.level is not None else []
            at = order.index(e.level) if e.level is not None else 0
            level = "".join(f", then level {n}" + (f" '{e.level_name}'" if n == e.level else
                                                   f" (first, as level {e.level} says)" if i < at else "")
                            for i, n in enumerate(order))
            choice = "".join(f"; not applied, a person's choice: {o.text()}" for o in e.offered)
            return f"ROLLBACK: {e.reason} -> {undo} undo step(s){level}{choice}"
        case RollbackConfirmationNeeded() as e:
            return f"rollback level {e.level} waits for confirmation ({e.reason}): {e.command}"
        case RollbackConfirmed() as e:
            return f"rollback level {e.level} confirmed by {e.by}: {e.reason}"
        case RollbackFailed() as e:
            return f"ROLLBACK FAILED at [{e.action}]: {e.message}; a person must act: {e.command}"
        case RollbackFinished() as e:
            return ("rollback finished" if e.ok else "rollback stopped") + f": {e.message}"
        case RunFinished() as e:
            return f"run {_OUTCOME_WORDS.get(e.outcome, e.outcome)}: {e.message}"
        case TrafficWeight() as e:
            split, stage = weight_split(e)
            head = f"{step}traffic via {e.router}: {split}"
            if e.because:  # a canary promotion: the verdict (with its numbers) that allowed it
                return head + (stage if e.reason.startswith("stage") else "") + f" -- promoted after {e.because}"
            return head + (f"{stage}" if e.reason.startswith("stage") else f" -- {e.reason}")
        case AnalysisVerdict() as e:
            return f"{step}verdict {e.outcome.upper()}{verdict_stage(e)}: {e.reason}"
        case RollingBatch():
            pass  # read as JSON, below
        case SshBatch() as e:
            return f"{step}ssh {e.group}: batch {e.batch}/{e.batches} on {', '.join(e.hosts)}"
        case SshHost() as e:
            code = f"exit {e.exit_code}" if e.exit_code is not None else str(e.status)
            head = f"{step}ssh {e.host} (batch {e.batch}): {'ok' if e.ok else 'FAILED'} {code}"
            why = f" {e.message}" if e.message and not e.ok else ""
            tail = e.output.strip().splitlines()
            return f"{head}{_dur(e.duration)}{';' + why if why else ''}" + (f" | {tail[-1][:160]}" if tail else "")
        case StepProcess() as e:
            where = f"cgroup {e.cgroup}" if e.cgroup else f"process group {e.pgid}"
            return f"{step}process {e.pid} in {where}"
        case StepInterrupted() as e:
            gone = all(s.gone for s in e.stopped)
            left = "its processes stopped" if gone else "SOME OF ITS PROCESSES COULD NOT BE STOPPED"
            return f"{step}INTERRUPTED by {e.signal or None}: {left}; golive resume continues the run"
        case StepAwaited() as e:
            return (f"{step}the previous golive's processes still run ({e.where or None}): waiting for them up to"
                    f" {e.until or None}, then stopping them")
        case StepReaped() as e:
            how = "stopped them at the step's deadline" if e.killed else "they ended"
            return f"{step}previous processes ({e.where or None}): {how} after {format_duration(e.waited or 0)}"
        case RunTakenOver() as e:
            f = e.from_
            was = (f" from process {f.get('pid')} on {f.get('host')}, whose lease ran out at {f.get('lease_until')}"
                   if f else "")
            key = f"; sealed from here on by runner key {_fingerprint(e.runner_key)}" if e.runner_key else ""
            return f"run taken over by {e.by} (process {e.pid} on {e.host}){was}{key}"
        case RunNote() as e:
            return e.message
        case AuditCheckpoint() as e:
            return f"sealed: checkpoint {e.n} ({e.why}) over seq {e.covers.get('seq')}, digest {e.digest[:16]}"
        case DecisionRefused() as e:
            return f"REFUSED {e.decision} {e.subject} ({e.os_user}@{e.host}): {e.why}"
    rest = {k: v for k, v in ev.payload.items() if k != "step"}
    text = json.dumps(rest, sort_keys=True)
    return f"{step}{ev.type} {text[:200]}"


def event_json(ev: Event) -> str:
    return json.dumps({"run": ev.run_id, "seq": ev.seq, "ts": ev.ts, "type": ev.type, "payload": ev.payload,
                       "hash": ev.hash}, sort_keys=True)


def log_line(ev: Event) -> str:
    """One line whatever the event holds: plan and step text is escaped, so it cannot forge another line."""
    ts = ev.ts[11:19]
    return f"{ev.seq:>4} {ts} {safe(describe(ev))}"


def _fingerprint(key: str) -> str:
    from golive.seal.keys import fingerprint

    try:
        return fingerprint(key)
    except (IndexError, ValueError):
        return "(unreadable)"
