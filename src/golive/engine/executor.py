"""The engine walking a run's plan. Every decision is appended to the log before the engine acts on it, so a
process killed at any instant can be resumed from the log alone: `drive()` re-walks the plan and skips what is
recorded.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from msgspec import Struct

from golive import interrupts
from golive.core import events
from golive.core.clock import Clock
from golive.core.people import same_person
from golive.core.step import Step, StepContext, StepResult, clip_output
from golive.core.stepid import StepId
from golive.engine.leftovers import interrupted_event, never_ran, why_a_person
from golive.engine.remote_leftovers import quieten
from golive.engine.rollback import (
    actions_for,
    choose_level,
    level_by_number,
    offered,
    restore_needs_a_person,
    touched_phases,
)
from golive.engine.state import RunState, apply
from golive.engine.step_runner import RealExecutor, StepExecutor
from golive.errors import ExitCode, GoliveError, exit_code_for
from golive.masking import Masker
from golive.plan.model import Phase, Plan
from golive.plan.window import decision_deadline
from golive.proctree import recording
from golive.store.base import Event, Store
from golive.units import format_duration

#: Output kept in an event; the full tail is in the step's result while it runs.
EVENT_OUTPUT_LIMIT = 8 * 1024
#: A process waiting for an approval or a confirmation gives up after this (the run keeps waiting, exit 3).
DEFAULT_WAIT_TIMEOUT = 12 * 3600.0


Listener = Callable[[Event, RunState], None]


class EngineOptions(Struct):
    interactive: bool = False
    #: Keep polling the log for approvals/confirmations instead of exiting with WAITING.
    wait: bool = False
    poll_interval: float = 1.0
    #: How long one process waits for a person before it exits with WAITING (the run keeps waiting).
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT
    dry_run: bool = False
    workdir: Path = Path(".")
    #: The environment steps run with (the runner passes DriveOptions.environ); None: a StepContext's default.
    environ: Mapping[str, str] | None = None


class _Interrupt(Exception):
    """A person asked for a rollback while the walk was waiting: go back to the top of the loop."""


class _Pause(Exception):
    """Raised inside the walk to stop it with an exit code (waiting, needs attention)."""

    def __init__(self, code: int) -> None:
        self.code = code


class Engine:
    def __init__(
        self, plan: Plan, store: Store, run_id: str, clock: Clock, *, vars: dict[str, str] | None = None,
        masker: Masker | None = None, executor: StepExecutor | None = None, options: EngineOptions | None = None,
        listener: Listener | None = None, ask: Callable[[str], str] | None = None,
        window_end: datetime | None = None, rollback_until: datetime | None = None,
        guard: Callable[[], None] | None = None, checklist: Callable[[int, str], None] | None = None,
    ) -> None:
        self.plan = plan
        self.store = store
        self.run_id = run_id
        self.clock = clock
        self.vars = vars or {}
        self.masker = masker or Masker()
        self.executor = executor or RealExecutor()
        self.options = options or EngineOptions()
        self.listener = listener
        self.ask = ask
        self.window_end = window_end
        self.rollback_until = rollback_until
        #: Raises when this process may no longer write to the run (its ownership lease was taken over).
        self.guard = guard
        #: At a terminal: called with (phase, step) when a manual item comes up, to go through the phase's open
        #: items at once; the answers arrive in the log as confirmations (golive.cli.checklist).
        self.checklist = checklist
        self.state = RunState(_plan=plan)
        self.steps = plan.steps_by_id()
        self._sync()

    # -- the log ---------------------------------------------------------------------------------
    def _sync(self) -> None:
        for ev in self.store.events(self.run_id, after=self.state.last_seq):
            apply(self.state, ev)
            if self.listener:
                self.listener(ev, self.state)

    def record(self, event: events.EventBody, durable: bool = True) -> Event:
        """Append (masked) and fold. Events from other processes that landed meanwhile are folded too."""
        return self._append(event.type, events.checked(event).payload(), durable)

    def _append(self, type: str, payload: dict[str, Any], durable: bool = True) -> Event:
        with interrupts.shielded():  # a stop signal never splits an append from its fold
            before = self.state.status
            if self.guard is not None:
                self.guard()
            ev = self.store.append(self.run_id, type, self.masker.data(payload), durable=durable)
            if ev.seq == self.state.last_seq + 1:
                apply(self.state, ev)
                if self.listener:
                    self.listener(ev, self.state)
            else:
                self._sync()
            if self.state.status != before:
                self.store.set_status(self.run_id, self.state.status)
        return ev

    # -- driving ---------------------------------------------------------------------------------
    def drive(self) -> int:
        """Run (or continue) until the run ends or must wait for a person. Returns the exit code."""
        self._sync()
        self.store.set_status(self.run_id, self.state.status)
        if self.state.terminal:
            return exit_code_for(self.state.outcome)
        self.record(events.RunStarted(resumed=self.state.last_seq > 1, dry_run=self.options.dry_run))
        try:
            while not self.state.terminal:
                self._start_requested()
                try:
                    if self.state.rollback is not None:
                        self._drive_rollback()
                    else:
                        self._drive_phases()
                except _Interrupt:
                    continue
        except _Pause as pause:
            return pause.code
        except interrupts.Interrupted as stop:
            if not stop.recorded:  # between steps (or waiting for a person): nothing was running to stop
                self.record(events.RunNote(kind="interrupted", message=f"golive stopped by {stop.name} while no"
                                                                        " step ran; golive resume continues the run"))
            raise
        return exit_code_for(self.state.outcome)

    def _start_requested(self) -> None:
        """A person's rollback request: before any rollback, it is the rollback; a level asked for during or after
        one runs as a further round once the current round has ended (its undos ran already)."""
        st = self.state
        if st.rollback is None and st.rollback_requested is not None:
            req = st.rollback_requested
            self._start_rollback(f"requested by {req.by}: {req.reason}", self._current_phase_index(), req.level)
        elif st.follow_up is not None and st.rollback is not None and st.rollback.finished is not None:
            req = st.follow_up
            self._start_rollback(f"level {req.level} requested by {req.by}: {req.reason}", st.rollback.phase,
                                 req.level, undo=False)

    def _current_phase_index(self) -> int | None:
        cur = self.state.current_phase()
        return cur.index if cur else None

    def _drive_phases(self) -> None:
        for pi, phase in enumerate(self.plan.phases, 1):
            rec = self.state.phase(pi)
            if rec.status == "go":
                continue
            if rec.status == "no-go":
                self._start_rollback(self._nogo_reason(pi), pi)
                return
            if rec.status == "pending":
                self.record(events.PhaseStarted(phase=pi, name=phase.name, timebox=phase.timebox,
                                         at=self.clock.now().isoformat()))
            for si, step in enumerate(phase.steps, 1):
                sid = StepId.step(pi, si)
                status = self._run_step(sid, step)
                if self.state.rollback_requested is not None:
                    return
                if status == "failed" and not step.continue_on_error:
                    msg = self.state.step(sid).message
                    self._decide(pi, "no-go", [f"step {sid} '{step.title()}' failed: {msg}"])
                    self._start_rollback(f"step {sid} '{step.title()}' failed: {msg}", pi)
                    return
                if self.state.phase(pi).status == "running" and self._overran(pi, phase):
                    self._decide(pi, "no-go", [self._overrun_text(pi, phase)])
                    self._start_rollback(f"phase {pi} '{phase.name}' overran its timebox", pi)
                    return
            if not self._gate(pi, phase):
                self._start_rollback(self._nogo_reason(pi), pi)
                return
        for ci, crit in enumerate(self.plan.success_criteria, 1):
            # Measured once every gate said GO, as evidence for the report: a miss is recorded (the report says
            # Partial and the criterion "not met") but rolls nothing back; gates decide that.
            if crit.check is not None:
                self._run_step(StepId.criterion(ci), crit.check)
                if self.state.rollback_requested is not None:
                    return
        self._check_window()
        self.record(events.RunFinished(outcome="succeeded", message="all phases passed their gates"))

    def _nogo_reason(self, pi: int) -> str:
        decision = self.state.phase(pi).decision
        reasons = "; ".join(decision.event.reasons if decision else []) or "NO-GO"
        return f"phase {pi} '{self.state.phase(pi).name}' NO-GO: {reasons}"

    # -- one step --------------------------------------------------------------------------------
    def _run_step(self, sid: str, step: Step) -> str:
        """Run a step unless the log says it already ended; returns its final status."""
        while True:
            rec = self.state.step(sid)
            if rec.status in ("succeeded", "failed"):
                return rec.status
            interrupts.check()
            if rec.status in ("running", "interrupted", "needs-attention"):
                self._settle(sid, step)  # pauses unless the step may start again
            rec = self.state.step(sid)
            if rec.status != "waiting":
                # one fsync per step fewer where the step's fsynced step.process (or its end) comes before it acts
                self.record(events.StepStarted(step=StepId(sid), title=step.title(), kind=step.kind,
                                               attempt=rec.attempts + 1),
                            durable=not step.acts_only_through_gate)
            try:
                result = self._execute(sid, step, self.state.step(sid).decision)
            except interrupts.Interrupted as stop:
                self._interrupted(sid, step, stop)
                raise
            if result.status == "waiting":
                if self.state.step(sid).status != "waiting":
                    self.record(events.StepWaiting(step=StepId(sid), title=step.title(), message=result.message))
                phase_no = StepId(sid).phase
                if self.checklist is not None and self.options.interactive and step.kind == "manual" \
                        and phase_no is not None:
                    with interrupts.interruptible():
                        self.checklist(phase_no, sid)
                    self._sync()
                    if self.state.step(sid).decision is not None:
                        continue
                self._wait_for(lambda s=sid: self.state.step(s).decision is not None)  # type: ignore[misc]
                continue
            self.record(events.StepFinished(
                step=StepId(sid), status=result.status, message=result.message, exit_code=result.exit_code,
                output=clip_output(result.output, EVENT_OUTPUT_LIMIT), duration=result.detail.pop("duration", None),
                detail=result.detail,
            ))
            return result.status

    def _settle(self, sid: str, step: Step) -> None:
        """A step whose last attempt has no recorded end: never decide while its old processes may run (see
        golive.engine.leftovers for the rule); returns only when the step may start again."""
        rec = self.state.step(sid)
        resolve = f"golive resolve {self.run_id} {sid} --as done|failed|retry --by NAME --reason TEXT"
        why = quieten(step, rec, lambda: self._context(sid, None), self.record, resolve)
        if why:
            self._attention(sid, step, why)
        if not (step.is_idempotent or never_ran(rec.interrupted)):
            self._attention(sid, step, f"{why_a_person(rec.interrupted)}; check by hand, then: {resolve}")

    def _attention(self, sid: str, step: Step, reason: str) -> None:
        if self.state.step(sid).status != "needs-attention":
            self.record(events.RunNeedsAttention(step=StepId(sid), title=step.title(), reason=reason))
        raise _Pause(ExitCode.WAITING)

    def _interrupted(self, sid: str, step: Step, stop: interrupts.Interrupted) -> None:
        """Record that golive itself stopped the step, what became of its processes, and whether its command had
        been released at all (a shell step stopped at the gate did nothing and may simply run again)."""
        stop.recorded = True
        self.record(interrupted_event(sid, step.kind, stop, self.state.step(sid).trees))

    def _execute(self, sid: str, step: Step,
                 decision: events.StepConfirmed | events.StepResolved | None) -> StepResult:
        ctx = self._context(sid, decision)
        started = self.clock.monotonic()
        try:
            with recording(lambda tree: self._emit(sid, "step.process", tree)), interrupts.interruptible():
                result = self.executor.run(step, ctx)
        except GoliveError as exc:
            result = StepResult.failed(str(exc))
        except Exception as exc:  # a bug in a step must fail that step, not lose the run
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            result = StepResult.failed(f"internal error in {step.kind} step: {tb}")
        if not isinstance(result, StepResult):  # same: a plugin that forgot to return must not lose the run
            result = StepResult.failed(f"internal error in {step.kind} step: it returned {type(result).__name__},"
                                       " not a StepResult")
        result.detail.setdefault("duration", round(self.clock.monotonic() - started, 4))
        result.message = self.masker.text(result.message)
        result.output = self.masker.text(result.output)
        return result

    def _context(self, sid: str, decision: events.StepConfirmed | events.StepResolved | None) -> StepContext:
        return StepContext(
            run_id=self.run_id, step_id=sid, vars=self.vars, masker=self.masker, clock=self.clock,
            workdir=self.options.workdir, interactive=self.options.interactive, dry_run=self.options.dry_run,
            decision=decision,
            emit=lambda t, p: None if self.options.dry_run else self._emit(sid, t, p),
            emit_grouped=lambda t, p: None if self.options.dry_run else self._emit(sid, t, p, durable=False),
            ask=self.ask if self.options.interactive else None,
            undoing=self.state.undoing(sid), resuming=self.state.resuming(sid),
            guard=self.guard if self.guard is not None else (lambda: None),
            **({} if self.options.environ is None else {"environ": self.options.environ}),
        )

    def _emit(self, sid: str, type: str, payload: dict[str, Any], durable: bool = True) -> None:
        """A step's own event: refused (golive.errors.EventRefused) unless its model in golive.core.events takes it,
        so what a plug-in writes reads back typed, never as an OtherEvent the fold and the report skip."""
        self._append(type, events.emitted(type, {"step": sid, **payload}).payload(), durable)

    def _wait_for(self, done: Callable[[], bool]) -> None:
        """Poll the log for a decision made by another process, or pause the run. The waiting process has a
        deadline too: past it the run stays waiting (exit 3) for `golive resume` once someone has decided."""
        if not self.options.wait:
            raise _Pause(ExitCode.WAITING)
        deadline = self.clock.monotonic() + self.options.wait_timeout
        while not done():
            if self.clock.monotonic() >= deadline:
                raise _Pause(ExitCode.WAITING)
            with interrupts.interruptible():
                self.clock.sleep(self.options.poll_interval)
            self._sync()
            if self.state.rollback_requested is not None and self.state.rollback is None:
                raise _Interrupt

    # -- timeboxes, windows, gates ---------------------------------------------------------------
    def _elapsed(self, pi: int) -> float:
        started = self.state.phase(pi).started_clock
        if not started:
            return 0.0
        return (self.clock.now() - datetime.fromisoformat(started)).total_seconds()

    def _overrun_text(self, pi: int, phase: Phase) -> str:
        return f"timebox {phase.timebox:g}s exceeded ({self._elapsed(pi):.0f}s elapsed)"

    def _overran(self, pi: int, phase: Phase) -> bool:
        """Records an overrun once; True if the plan says an overrun is NO-GO."""
        if phase.timebox is None or self.options.dry_run:
            return False
        rec = self.state.phase(pi)
        action = phase.on_overrun or self.plan.on_overrun
        if not rec.overrun and self._elapsed(pi) > phase.timebox:
            self.record(events.PhaseOverrun(phase=pi, timebox=phase.timebox, elapsed=round(self._elapsed(pi), 3),
                                     action=action))
        return self.state.phase(pi).overrun and action == "no-go"

    def _check_window(self) -> None:
        if self.window_end and not self.options.dry_run and self.clock.now() > self.window_end:
            if not any(n.event.kind == "window.exceeded" for n in self.state.notes):
                self.record(events.RunNote(kind="window.exceeded",
                                    message=f"the deployment window ended at {self.window_end.isoformat()}"))

    def _decide(self, pi: int, decision: events.Decision, reasons: list[str],
                approvers: list[str] | None = None) -> None:
        self.record(events.GateDecided(phase=pi, decision=decision, reasons=reasons, approvers=approvers or []))

    def _gate(self, pi: int, phase: Phase) -> bool:
        """Go/No-Go. Returns True for GO; records the decision either way."""
        gate = phase.gate
        reasons: list[str] = []
        failed = [StepId.step(pi, si) for si in range(1, len(phase.steps) + 1)
                  if self.state.step(StepId.step(pi, si)).status == "failed"]
        if len(failed) > gate.max_failures:
            reasons.append(f"{len(failed)} step(s) failed ({', '.join(failed)}), {gate.max_failures} allowed")
        for ci, check in enumerate(gate.checks, 1):
            if self._run_step(StepId.gate(pi, ci), check) == "failed":
                reasons.append(f"gate check '{check.title()}' failed: {self.state.step(StepId.gate(pi, ci)).message}")
        # Time spent waiting for approvers is the approvers' time: judge the timebox when the gate is reached.
        if self.state.phase(pi).status != "waiting" and self._overran(pi, phase):
            reasons.append(self._overrun_text(pi, phase))
        if reasons:
            self._decide(pi, "no-go", reasons)
            return False
        approvers: list[str] = []
        if gate.approvals is not None and not self.options.dry_run:
            needed = gate.approvals.count
            rec = self.state.phase(pi)
            if not rec.rejections and len(rec.approver_keys()) < needed:
                if rec.status != "waiting":
                    self.record(events.GateWaiting(
                        phase=pi, name=phase.name, needed=needed, role=gate.approvals.role,
                        candidates=[p for p in self.plan.approvers.get(gate.approvals.role or "", []) if not (  # SoD
                            self.plan.separation_of_duties and same_person(p, [self.state.initiator]))],
                        description=gate.description,
                        command=f"golive approve {self.run_id} --by NAME --reason TEXT",
                        since=self.clock.now().isoformat(), timeout=gate.approvals.timeout,
                    ))
                # The plan's time for the decision counts from the recorded question, so a resumed or restarted
                # process counts from the same moment.
                limit = gate.approvals.timeout
                waiting = self.state.waiting
                since = waiting.since if isinstance(waiting, events.GateWaiting) else None
                asked = datetime.fromisoformat(since or self.clock.now().isoformat())
                until = decision_deadline(gate.approvals.until, asked, self.plan.window)  # "no answer by 10:15"

                def expired() -> bool:
                    now = self.clock.now()
                    late = limit is not None and (now - asked).total_seconds() >= limit
                    return late or bool(until and now >= until)

                def decided() -> bool:
                    ph = self.state.phase(pi)
                    return bool(ph.rejections) or len(ph.approver_keys()) >= needed

                if not decided() and not expired():
                    self._wait_for(lambda: decided() or expired())
                rec = self.state.phase(pi)
                if not decided():
                    late = f"no decision by {until.isoformat()}" if until and self.clock.now() >= until else None
                    self._decide(pi, "no-go", [late or f"no decision within {format_duration(limit or 0)}"
                                               f" of asking ({asked:%Y-%m-%d %H:%M:%S})"])
                    return False
            if rec.rejections:
                rej = rec.rejections[0].event
                self._decide(pi, "no-go", [f"rejected by {rej.by}: {rej.reason or 'no reason given'}"])
                return False
            approvers = sorted(rec.approvers())
        if (ask := gate.approvals) is not None and self.options.dry_run:  # a real run stops here for people: say so
            reasons = [f"would wait for {ask.count} approval(s)" + (f" from {ask.role}" if ask.role else "")]
        self._decide(pi, "go", reasons or [gate.description or "all steps passed"], approvers)
        return True

    # -- rollback --------------------------------------------------------------------------------
    def _start_rollback(self, reason: str, pi: int | None, level_no: int | None = None, undo: bool = True) -> None:
        touched = touched_phases(self.plan, self.state)
        level = level_by_number(self.plan, level_no) if level_no else choose_level(self.plan, touched)
        actions = actions_for(self.plan, self.state, level, undo=undo)
        rounds = [*self.state.earlier_rollbacks, *([self.state.rollback] if self.state.rollback else [])]
        ran = {a.level for rb in rounds for a in rb.actions if a.level is not None}
        choices = [o for o in offered(self.plan, touched, self.run_id, level) if o.level not in ran]
        self.record(events.RollbackStarted(reason=reason, phase=pi, level=level.level if level else None,
                                           level_name=level.name if level else None, actions=actions,
                                           offered=choices))

    def _drive_rollback(self) -> None:
        rb = self.state.rollback
        assert rb is not None
        if rb.finished is not None:  # killed between rollback.finished and run.finished: only the latter is due
            self._finish_run(rb.finished.message)
            return
        if rb.status == "failed" and rb.failed_action is not None:
            raise _Pause(ExitCode.ROLLBACK_FAILED)
        for sid, rec in list(self.state.steps.items()):  # a step cut off by a crash: its change ends first
            if rec.id.is_forward and rec.status in ("running", "interrupted", "needs-attention") and (why := quieten(
                    self.steps[sid], rec, lambda s=sid: self._context(s, None), self.record,  # type: ignore[misc]
                    f"golive resolve {self.run_id} {sid} --as done|failed --by NAME --reason TEXT")):
                self._attention(sid, self.steps[sid], why)
        for action in rb.actions:
            aid = action.id
            rec = self.state.step(aid)
            if rec.status == "succeeded":
                continue
            if rec.status == "failed" and rec.decision is not None:
                # a person looked at this failed action and chose to stop the rollback here
                self._finish_rollback(ok=False, message=f"rollback stopped at {aid}: {rec.message}")
                return
            level = action.level
            why = restore_needs_a_person(self.rollback_until, self.state.forced is not None,
                                         self.clock.now()) if action.restores_data else None
            if why is not None and level is not None and level not in rb.confirmed_levels:
                if rb.waiting_for_level != level:
                    self.record(events.RollbackConfirmationNeeded(
                        level=level, action=aid, reason=why,
                        command=f"golive confirm {self.run_id} rollback --by NAME --reason TEXT",
                    ))
                self._wait_for(lambda lv=level: lv in self.state.rollback.confirmed_levels)  # type: ignore[misc,union-attr]
            status = self._run_step(aid, self.steps[aid])
            if status == "failed":
                self.record(events.RollbackFailed(
                    action=aid, message=self.state.step(aid).message,
                    command=f"golive resolve {self.run_id} {aid} --as done|failed|retry --by NAME --reason TEXT",
                ))
                raise _Pause(ExitCode.ROLLBACK_FAILED)
        self._finish_rollback(ok=True, message=f"rolled back: {rb.reason}")

    def _finish_rollback(self, ok: bool, message: str) -> None:
        self.record(events.RollbackFinished(ok=ok, message=message))
        if self.state.follow_up is None:  # else the loop starts the level a person asked for meanwhile
            self._finish_run(message)

    def _finish_run(self, message: str) -> None:
        """Rolled back only if every round was; the levels a person may still choose are named in the message."""
        rounds = [*self.state.earlier_rollbacks, self.state.rollback]
        ok = all(rb is not None and rb.finished is not None and rb.finished.ok for rb in rounds)
        rb = self.state.rollback
        if rb is not None and rb.offered:
            message += "; not applied, a person's choice: " + "; ".join(
                o.text() for o in rb.offered)
        self.record(events.RunFinished(outcome="rolled-back" if ok else "rollback-failed", message=message))
