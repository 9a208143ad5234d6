"""Decisions people make from outside the executing process: approve, reject, confirm, resolve, roll back.

Each is validated against the run's folded state and the plan's rules (roles, separation of duties),
then appended to the log with who, when and why. The executing process (or the next `resume`) acts on it.

A run that started with a signers file (golive.seal) takes only signed decisions: the name is the one the key
belongs to, roles and separation of duties compare keys, and a refused attempt is recorded too. Callers pass a
`Decider` with a `Signer` (the CLI: ssh-agent or --key; the web console: its server key, `key_signer`) or an
already `SignedDecision`; a plain name still works for runs without signers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from golive.core.events import (
    EventBody,
    GateApproved,
    GateRejected,
    GateWaiting,
    RollbackConfirmed,
    RollbackRequested,
    StepConfirmed,
    StepResolved,
    checked,
)
from golive.core.people import same_person
from golive.core.stepid import StepId
from golive.engine.state import RunState, fold
from golive.errors import DecisionRefused, UsageError
from golive.store.base import RunInfo, Store
from golive.store.owner import is_alive

if TYPE_CHECKING:
    from golive.plan.model import Plan
    from golive.seal.decision import SignedDecision
    from golive.seal.sealed import Decider

    #: Who decides: a Decider, a plain name, or a function making the Decider (see `_by`).
    By: TypeAlias = Decider | str | Callable[[], Decider] | None

def __getattr__(name: str) -> Any:
    """`Decider` and `SignedDecision` (golive.seal) are imported when asked for: refusing a decision on an ended run
    should not load the key machinery first."""
    if name == "Decider":
        from golive.seal.sealed import Decider

        return Decider
    if name == "SignedDecision":
        from golive.seal.decision import SignedDecision

        return SignedDecision
    raise AttributeError(name)


def authenticate(store: Store, rid: str, state: RunState, plan: Plan, ev_type: str, payload: dict[str, Any],
                 who: Decider, role: str | None) -> tuple[str, dict[str, Any]]:
    from golive.seal.sealed import authenticate as sealed_authenticate

    return sealed_authenticate(store, rid, state, plan, ev_type, payload, who, role)


__all__ = ["Decider", "SignedDecision", "approve", "confirm", "reject", "request_rollback", "resolve"]


def _fold(store: Store, run_id: str) -> tuple[str, RunState]:
    info = store.get_run(run_id)
    state = fold(store.events(info.id))
    if state.terminal:
        raise DecisionRefused(f"run {info.id} already ended: {state.outcome}")
    return info.id, state


def _load(store: Store, run_id: str) -> tuple[str, RunState, Plan]:
    rid, state = _fold(store, run_id)
    return rid, state, state.plan


def _append(store: Store, run_id: str, event: EventBody) -> None:
    store.append(run_id, event.type, checked(event).payload())


def _by(who: By) -> Decider:
    """Who decides: a Decider, a plain name, or a function making the Decider, called only once the decision got
    past the checks that need no key (the run has not ended, a gate waits...): finding a key loads SSH libraries."""
    from golive.seal.sealed import Decider

    if isinstance(who, Decider):
        return who
    return who() if callable(who) else Decider(name=who)


def _need(text: str | None, what: str) -> str:
    if not text or not text.strip():
        raise UsageError(f"{what} is required (it goes into the audit log)")
    return text.strip()


def find_step(plan: Plan, state: RunState, ref: str) -> str:
    """A step by id (`2.3`) or by name, as people will type it."""
    steps = plan.steps_by_id()
    if ref in steps:
        return ref
    wanted = ref.strip().lower()
    matches = [sid for sid, s in steps.items() if (s.name or "").strip().lower() == wanted]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UsageError(f"'{ref}' names several steps ({', '.join(matches)}); use the id")
    raise UsageError(f"no step '{ref}' in run {state.run_id} (ids look like 2.3; see golive status)")


def _holder(by: str, role: str | None, plan: Plan, refused: str) -> str:
    """`by` as the plan spells it among the people of `role`, so one person cannot count twice as "bob" and "Bob";
    refused (the message ending in `refused`) when the role lists people and `by` is not one of them. A role listing
    nobody lets anyone confirm a manual step (the importer's "any person confirms"); a gate refuses it in approve()."""
    if not role or not plan.approvers.get(role):
        return by
    holder = same_person(by, plan.approvers[role])
    if holder is None:
        raise DecisionRefused(f"{by} does not hold role '{role}' {refused}")
    return holder


def _gate_phase(rid: str, state: RunState) -> int:
    if not isinstance(state.waiting, GateWaiting):
        raise DecisionRefused(f"run {rid} is not waiting at a gate (status: {state.status})")
    return state.waiting.phase


def approve(store: Store, run_id: str, by: By, reason: str | None) -> str:
    rid, state = _fold(store, run_id)
    reason = _need(reason, "--reason")
    pi = _gate_phase(rid, state)
    plan = state.plan  # validated only now that a gate waits: refusing needs neither pydantic nor a step kind
    approvals = plan.phases[pi - 1].gate.approvals
    role = approvals.role if approvals else None
    if role and not plan.approvers.get(role):  # never "anyone": whatever made the run, the gate waits for people
        raise DecisionRefused(f"role '{role}' lists nobody in run {rid}'s plan, so nobody can approve phase {pi};"
                              f" a NO-GO (golive reject {rid} --by NAME --reason TEXT) rolls it back, and the plan"
                              f" needs people under approvers: {role} before its next run")
    payload: dict[str, Any] = {"phase": pi, "role": role, "reason": reason}
    by, sealed = authenticate(store, rid, state, plan, "gate.approved", payload, _by(by), role=role)
    if plan.separation_of_duties and same_person(by, [state.initiator]):
        others = [p for p in plan.approvers.get(role or "", []) if not same_person(p, [state.initiator])]
        who = "" if not role or not plan.approvers.get(role) else f" ({role}: {', '.join(others)})" if others \
            else f" (nobody else holds {role}: add a person to it in the plan)"
        raise DecisionRefused(f"separation of duties: {by} started run {rid} and cannot approve it; another"
                              f" person must{who}")
    by = _holder(by, role, plan, f"({', '.join(plan.approvers.get(role or '', []))} do)")
    if same_person(by, list(state.phase(pi).approvers())):
        raise DecisionRefused(f"{by} already approved phase {pi}")
    _append(store, rid, GateApproved(phase=pi, by=by, role=role, reason=reason, **sealed))
    have = len(state.phase(pi).approvers()) + 1
    needed = approvals.count if approvals else 1
    done = f"; the gate is GO{carry_on(store, rid)}" if have >= needed else ""
    return f"approved phase {pi} '{plan.phases[pi - 1].name}' ({have} of {needed}){done}"


def carry_on(store: Store, rid: str) -> str:
    """A decision only moves a run some golive drives: a run started with --no-wait (exit 3) goes on only with
    `golive resume`, and the person deciding is the one who must learn that."""
    owner = store.get_run(rid).owner
    if owner is not None and is_alive(owner):
        return f"; the golive waiting on it (process {owner.pid} on {owner.host}) goes on"
    return f"; continue with: golive resume {rid}"


def reject(store: Store, run_id: str, by: By, reason: str | None) -> str:
    rid, state = _fold(store, run_id)
    reason = _need(reason, "--reason")
    pi = _gate_phase(rid, state)  # anyone may pull the brake: a NO-GO only ever leads to the rollback
    plan = state.plan
    payload: dict[str, Any] = {"phase": pi, "reason": reason}
    name, sealed = authenticate(store, rid, state, plan, "gate.rejected", payload, _by(by), role=None)
    _append(store, rid, GateRejected(phase=pi, by=name, reason=reason, **sealed))
    return f"rejected phase {pi} '{plan.phases[pi - 1].name}': NO-GO, the run will roll back{carry_on(store, rid)}"


def confirm(store: Store, run_id: str, ref: str, by: By, note: str | None,
            failed: bool = False, ahead: bool = False) -> str:
    """One checklist item done (or failed, with a reason). `ahead`: the item may also be one the run has not
    reached yet (a phase's checklist answered at once at the terminal); the run acts on it when it gets there."""
    rid, state, plan = _load(store, run_id)
    who = _by(by)
    if ref == "rollback":
        rb = state.rollback
        if rb is None or rb.waiting_for_level is None:
            raise DecisionRefused(f"run {rid} is not waiting for a rollback confirmation")
        payload: dict[str, Any] = {"level": rb.waiting_for_level, "reason": _need(note, "--reason")}
        by, sealed = authenticate(store, rid, state, plan, "rollback.confirmed", payload, who, role=None)
        _append(store, rid, RollbackConfirmed(level=rb.waiting_for_level, by=by, reason=payload["reason"], **sealed))
        return f"rollback level {rb.waiting_for_level} confirmed by {by}"
    sid = find_step(plan, state, ref)
    step = plan.steps_by_id()[sid]
    if step.kind != "manual":
        raise DecisionRefused(f"step {sid} is a {step.kind} step; only manual steps are confirmed")
    rec = state.step(sid)
    if not (rec.status == "waiting" or (ahead and rec.status == "pending" and rec.decision is None)):
        raise DecisionRefused(f"step {sid} is not waiting for confirmation (status: {rec.status})")
    from golive.steps.manual import ManualStep

    role = step.manual.role if isinstance(step, ManualStep) else None
    if failed:
        _need(note, "--reason")
    payload = {"step": sid, "as": "failed" if failed else "done", "note": note or ""}
    by, sealed = authenticate(store, rid, state, plan, "step.confirmed", payload, who, role=role)
    by = _holder(by, role, plan, f"needed to confirm step {sid}")
    _append(store, rid, StepConfirmed(step=StepId(sid), by=by, as_="failed" if failed else "done", note=note or "",
                                      **sealed))
    return f"step {sid} {'marked failed' if failed else 'confirmed'} by {by}"


def confirm_phase(store: Store, run_id: str, phase_no: int, by: By, note: str | None) -> str:
    """Every manual item of phase N not yet done, confirmed at once (a checklist gone through on paper): the
    waiting one now, the later ones when the run reaches them. Role-bound items need their role's holder."""
    rid, state, plan = _load(store, run_id)
    decider = _by(by)
    if not 1 <= phase_no <= len(plan.phases):
        raise DecisionRefused(f"run {rid} has no phase {phase_no} (phases 1-{len(plan.phases)})")
    from golive.steps.manual import ManualStep

    done: list[str] = []
    for si, step in enumerate(plan.phases[phase_no - 1].steps, 1):
        sid = f"{phase_no}.{si}"
        rec = state.step(sid)
        if not isinstance(step, ManualStep) or step.manual.done or rec.status not in ("pending", "waiting") \
                or rec.decision is not None:
            continue
        role = step.manual.role
        payload: dict[str, Any] = {"step": sid, "as": "done", "note": note or ""}
        who, sealed = authenticate(store, rid, state, plan, "step.confirmed", payload, decider, role=role)
        who = _holder(who, role, plan, f"needed to confirm step {sid}")
        _append(store, rid, StepConfirmed(step=StepId(sid), by=who, as_="done", note=note or "", **sealed))
        done.append(sid)
    if not done:
        raise DecisionRefused(f"phase {phase_no} of run {rid} has no manual step left to confirm")
    return f"phase {phase_no}: {len(done)} item(s) confirmed by {who}: {', '.join(done)}"


def resolve(store: Store, run_id: str, ref: str, as_: str, by: By, reason: str | None) -> str:
    rid, state, plan = _load(store, run_id)
    if as_ not in ("done", "failed", "retry"):
        raise UsageError("--as must be 'done', 'failed' or 'retry'")
    sid = find_step(plan, state, ref)
    rec = state.step(sid)
    info = store.get_run(rid)
    orphaned = rec.status in ("running", "interrupted") and (info.owner is None or not is_alive(info.owner))
    failed_rollback = state.rollback is not None and state.rollback.failed_action == sid
    if not (rec.status == "needs-attention" or orphaned or failed_rollback):
        raise DecisionRefused(f"step {sid} does not need resolving (status: {rec.status})")
    from golive.engine.leftovers import Leftover

    running = Leftover.logged(rec.trees).running()
    if running:  # saying how it ended while it still runs is how a change lands after its rollback
        raise DecisionRefused(
            f"step {sid}'s processes still run ({Leftover.of([]).where(running)}); golive resume {rid} waits for"
            " them up to the step's timeout and then stops them, or stop them by hand first")
    unasked = _remote_still_runs(rid, state, plan, sid, rec)
    payload: dict[str, Any] = {"step": sid, "as": as_, "reason": reason or ""}
    if as_ == "retry":
        reason = _need(reason, "--reason")  # why running it again is safe is what the record is for
        payload["reason"] = reason
    name, sealed = authenticate(store, rid, state, plan, "step.resolved", payload, _by(by), role=None)
    _append(store, rid, StepResolved(step=StepId(sid), as_="retry" if as_ == "retry" else
                                     "done" if as_ == "done" else "failed", by=name, reason=reason or "", **sealed))
    unseen = f" ({', '.join(unasked)} could not be asked whether its command still runs there)" if unasked else ""
    if as_ == "retry":
        return (f"step {sid} will run again (resolved as retry by {name}){unseen}; continue with:"
                f" golive resume {rid}")
    return f"step {sid} resolved as {as_} by {name}{unseen}; continue with: golive resume {rid}"


def _remote_still_runs(rid: str, state: RunState, plan: Plan, sid: str, rec: Any) -> list[str]:
    """Refuse while the step's command still runs on an SSH host (found by its batch's tree mark, as resume
    finds it); returns the hosts that could not be asked (a host gone for good must not hold the run for ever:
    the person resolving is told, and decides)."""
    from pathlib import Path

    from golive.core.clock import SystemClock
    from golive.core.step import StepContext
    from golive.engine.remote_leftovers import running_remote
    from golive.plan.vars import resolve_vars

    step = plan.steps_by_id().get(sid)
    if step is None or not rec.targets or getattr(step, "remote_trees", None) is None:
        return []

    def context() -> StepContext:  # the run's vars (secrets are not needed to find a process by its mark)
        given = {k: v for k, v in (state.overrides or {}).items() if v is not None}
        values, masker = resolve_vars(plan, os.environ, Path(state.plan_path).parent, given, need_secrets=False)
        return StepContext(run_id=rid, step_id=sid, vars=values, masker=masker, clock=SystemClock(), workdir=Path.cwd())

    where, unknown = running_remote(step, rec, context)
    if where:  # as for local processes: a step said to have failed must not land after its rollback
        raise DecisionRefused(f"step {sid}'s command still runs on {where}; golive resume {rid} waits for it up to"
                              " the step's timeout and then stops it, or stop it there by hand first")
    return unknown


def request_rollback(store: Store, run_id: str, by: By, reason: str | None,
                     level: int | None) -> str:
    """Roll back now; or, during or after a rollback, apply one more level (a person saw its condition hold):
    it runs as a further round once the current one has ended, on a run that ended rolled back too. A run that
    ended is reopened holding its service again (golive.run.reopen) until that round ends."""
    info = store.get_run(run_id)
    rid, state = info.id, fold(store.events(info.id))
    reason = _need(reason, "--reason")

    def check(state: RunState) -> Plan:
        if state.rollback is None and state.terminal:
            raise DecisionRefused(f"run {rid} already ended: {state.outcome}")
        if state.rollback is not None and level is None:
            ended = f"already ended: {state.outcome}" if state.terminal else "already rolling back"
            choices = ", ".join(f"--level {o.level} ({o.condition()})" for o in state.rollback.offered)
            raise DecisionRefused(f"run {rid} {ended}" + (f"; a further level may still be asked for: {choices}"
                                                          if choices else ""))
        if state.rollback_requested is not None and state.rollback is None:
            raise DecisionRefused(f"a rollback of run {rid} was already requested by {state.rollback_requested.by}")
        plan = state.plan
        if level is not None and not any(lv.level == level for lv in plan.rollback.levels):
            raise UsageError(f"the plan has no rollback level {level}")
        if state.rollback is not None:
            _may_follow_up(store, info, state, plan, level)
        return plan

    def record(state: RunState, plan: Plan) -> str:
        payload: dict[str, Any] = {"reason": reason, "level": level}
        name, sealed = authenticate(store, rid, state, plan, "rollback.requested", payload, _by(by), role=None)
        _append(store, rid, RollbackRequested(by=name, reason=reason, level=level, **sealed))
        return name

    plan = check(state)
    if not state.terminal:
        return f"rollback requested by {record(state, plan)}; the run's process (or golive resume {rid}) carries it out"
    from golive.run.reopen import reopened

    with reopened(store, rid, check) as held:
        name = record(held, held.plan)
        store.set_status(rid, "rolling-back")  # the run is open again (golive.engine.state): the index says so
    return f"rollback level {level} requested by {name}; golive resume {rid} carries it out"


def _may_follow_up(store: Store, info: RunInfo, state: RunState, plan: Plan, level: int | None) -> None:
    """A further level after a rollback: once per request, not a level whose steps all ran already, and never
    under a later run of the same service and environment (restoring this run's data would undo that one's)."""
    from golive.engine.rollback import level_by_number, level_ran

    rid = info.id
    if state.follow_up is not None:
        raise DecisionRefused(f"level {state.follow_up.level} of run {rid} was already requested by"
                              f" {state.follow_up.by}")
    chosen = level_by_number(plan, level or 0)
    assert chosen is not None
    if level_ran(plan, state, chosen):
        raise DecisionRefused(f"rollback level {level} already ran in run {rid}")
    if state.terminal:
        from golive.run.reopen import refuse_later

        refuse_later(store, info)
