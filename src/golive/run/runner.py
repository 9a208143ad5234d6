"""Driving a run in this process, started here or continued (`golive resume`): the engine with the run's plan,
vars, clock and listeners, while this process holds the run's ownership, its lease and its locks, and seals the
log as it goes. Whatever stops the drive, the claim, the locks and the seal are settled, and the reports written."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, structs

from golive.core.clock import Clock
from golive.engine.executor import Engine, EngineOptions, Listener
from golive.engine.state import RunState, fold
from golive.engine.step_runner import DryRunExecutor, StepExecutor
from golive.errors import LockLost, RunLocked, UsageError, exit_code_for
from golive.masking import Masker
from golive.plan.model import Plan
from golive.plan.vars import resolve_vars
from golive.run.start import Started, StartRequest, create_run, store_where, whoami, window_of
from golive.store.base import Event, Store
from golive.store.lease import Heartbeat
from golive.store.memory import MemoryStore
from golive.store.owner import current_owner

if TYPE_CHECKING:
    from golive.run.locks import LockContext


def run_overrides(recorded: Mapping[str, str | None], given: Mapping[str, str] | None, run_id: str) -> dict[str, str]:
    """The vars a continued run uses: those it started with. Falling back to the plan's defaults instead would
    point a resumed rollback at another database; a different value is refused, not silently applied."""
    given = dict(given or {})
    out: dict[str, str] = {}
    for name, value in recorded.items():
        if value is None:
            if name not in given:
                raise UsageError(f"run {run_id} started with --var {name}=..., whose value holds a password and was"
                                 f" not stored; give it again: golive resume {run_id} --var {name}=...")
            out[name] = given.pop(name)
        elif name in given and given.pop(name) != value:
            raise UsageError(f"run {run_id} started with --var {name}={value}; a run keeps the vars it started with")
        else:
            out[name] = value
    if given:
        names = ", ".join(sorted(given))
        raise UsageError(f"run {run_id} did not start with --var {names}; a run keeps the vars it started with")
    return out


def load_state(store: Store, run_id: str) -> RunState:
    return fold(store.events(store.get_run(run_id).id))


class DriveOptions(Struct):
    environ: Mapping[str, str]
    overrides: Mapping[str, str] | None = None
    options: EngineOptions | None = None
    listener: Listener | None = None
    ask: Callable[[str], str] | None = None
    #: At a terminal: go through a phase's open manual items at once (golive.cli.checklist); None: as before.
    checklist: Callable[[int, str], None] | None = None
    executor: StepExecutor | None = None
    #: Send the plan's notifications and escalate unanswered waits (golive.notify).
    notify: bool = False
    #: Write RUN.html/.md/.json here whenever the drive stops (ends, or pauses for a person).
    report_dir: Path | None = None
    #: The vars `create_run` resolved for this run in this process (None: resolve them now).
    resolved: Started | None = None
    #: Take the run over from an owner whose lease ran out (`golive resume --take-over`); recorded, with who.
    take_over: bool = False
    #: Who is driving (for the take-over record).
    by: str = ""
    #: Who takes the run over, and with which key (a `Decider`; default: `by`, unsigned) and why.
    decider: Any = None
    reason: str = ""


def _fan_out(*listeners: Listener | None) -> Listener | None:
    """One listener calling several; only the first (the printer) may raise, the others are best effort."""
    active = [lst for lst in listeners if lst is not None]
    if len(active) <= 1:
        return active[0] if active else None
    first, rest = active[0], active[1:]

    def call(ev: Event, state: RunState) -> None:
        first(ev, state)
        for extra in rest:
            with contextlib.suppress(Exception):  # a notifier must never fail the run
                extra(ev, state)

    return call


def _write_reports_quietly(store: Store, run_id: str, directory: Path, plan: Plan) -> None:
    try:
        from golive.report import write_reports

        write_reports(store, run_id, directory, plan)
    except Exception as exc:  # a report is evidence about the run, never a reason for it to fail
        import sys

        print(f"golive: could not write the run report into {directory}: {exc}", file=sys.stderr)


def drive_run(store: Store, run_id: str, clock: Clock, opts: DriveOptions) -> int:
    """Execute (or continue) a run in this process, holding its ownership while doing so."""
    info = store.get_run(run_id)
    started = opts.resolved if opts.resolved is not None and opts.resolved.run_id == info.id else None
    # A run started by this process has its plan validated already (from the file it recorded).
    state = fold(store.events(info.id), RunState(_plan=started.plan) if started else None)
    if state.terminal:
        if not (opts.options and opts.options.dry_run) and _seal_late(store, info.id):
            return exit_code_for(state.outcome)
        if not (opts.options and opts.options.dry_run) and info.active and _let_go(store, info.id):
            return exit_code_for(state.outcome)
        raise UsageError(f"run {info.id} already ended: {state.outcome}")
    plan = state.plan
    options = opts.options or EngineOptions()
    if options.environ is None:  # steps see the environment the caller passed in, not this process's
        options = structs.replace(options, environ=opts.environ)
    # where this run's log is, for the lock records a step writes on hosts (another run sees if it is over)
    options = structs.replace(options, environ={**(options.environ or {}), "GOLIVE_RUN_LOG": store_where(store)})
    overrides = opts.overrides if state.overrides is None else run_overrides(state.overrides, opts.overrides, info.id)
    if started is not None:
        values, masker = started.vars, started.masker
    else:
        values, masker = resolve_vars(plan, opts.environ, Path(state.plan_path).parent, overrides,
                                      need_secrets=not options.dry_run)
    interval = window_of(plan, datetime.fromisoformat(info.created_at))
    sealer, new_key = (None, False) if options.dry_run else _sealer(store, info.id, opts.take_over)
    take = None
    if opts.take_over and not options.dry_run:
        from golive.run.takeover import decide
        from golive.seal.sealed import Decider

        take = decide(store, info.id, opts.decider or Decider(name=opts.by or whoami()), opts.reason,
                      sealer.signer.public_line if sealer is not None else "")
    owner = current_owner()
    previous = store.claim(info.id, owner, take_over=opts.take_over)
    if fold(store.events(info.id)).terminal:  # it ended between our first look and the claim
        store.release(info.id, owner, active=False)
        raise UsageError(f"run {info.id} already ended")
    if take is not None and (previous is not None or new_key):
        from golive.run.takeover import record

        record(store, info.id, take, owner, previous)
    engine: Engine | None = None
    listener = _fan_out(opts.listener, sealer)
    if opts.notify and not options.dry_run:
        from golive.notify.config import may_notify, user_config_path

        user_config = user_config_path()
        if may_notify(plan, user_config):
            listener, clock = _with_notifier(store, info.id, plan, masker, clock, Path(state.plan_path).parent,
                                             user_config, values, opts.listener, sealer, listener)
    heartbeat = Heartbeat(store, info.id, owner)
    locks: LockContext | None = None
    if not options.dry_run:  # the host-wide service lock always, the plan's `locks:` too
        from golive.run.locks import LockContext

        locks = LockContext(info.id, store_where(store), values, Path(state.plan_path).parent, log=store)
    try:
        heartbeat.__enter__()
        if locks is not None:  # a resumed run takes its locks again (its lock files are found its own)
            from golive.run.locks import record_notes, take_locks

            take_locks(plan, locks, new_run=False)
            record_notes(store, locks)
        state = None  # type: ignore[assignment]  # the engine folds its own; two copies of a long run's log are a peak
        engine = Engine(
            plan, store, info.id, clock, vars=values, masker=masker,
            executor=DryRunExecutor() if options.dry_run else opts.executor, options=options,
            listener=listener, ask=opts.ask,
            window_end=interval.end if interval else None,
            rollback_until=interval.rollback_until if interval else None,
            guard=_guard(heartbeat, info.id) if locks is not None and plan.locks else heartbeat.check,
            checklist=opts.checklist,
        )
        return engine.drive()
    except LockLost as exc:
        if heartbeat.lost is None:  # the run is still this process's: its log says why it stopped
            _note_lost(store, info.id, str(exc))
        raise
    finally:
        heartbeat.__exit__(None, None, None)
        terminal = engine is not None and engine.state.terminal
        if sealer is not None and heartbeat.lost is None:
            with contextlib.suppress(Exception):  # the log stays the record; an unsealed tail is reported
                sealer.seal_if_open("end" if terminal else "pause")
        if locks is not None and heartbeat.lost is None:
            from golive.run.locks import release_locks

            release_locks(plan, locks, ended=terminal)
        if heartbeat.lost is None:  # a process that lost the run must not release the new owner's claim
            store.release(info.id, owner, active=not terminal)
        if terminal and heartbeat.lost is None and not options.dry_run:
            _forget_carried(store, info.id, opts.environ, values, plan)
        if opts.report_dir is not None and not options.dry_run:
            # The report reads the whole log again: let the engine's copy of the run go first, or a 10,000-step
            # run holds both at its peak.
            engine = None
            _write_reports_quietly(store, info.id, opts.report_dir, plan)


def _forget_carried(store: Store, run_id: str, environ: Mapping[str, str], values: dict[str, str], plan: Plan) -> None:
    """The values its shell steps saved for later steps, once no level can reopen the run (golive.run.carried_state);
    a folder that cannot be removed is left, never a reason for the run to fail."""
    from golive.run.carried_state import forget, parents

    with contextlib.suppress(Exception):
        forget(store, run_id, parents(environ, values, plan))


def _with_notifier(store: Store, run_id: str, plan: Plan, masker: Masker, clock: Clock, base_dir: Path,
                   user_config: Path | None, values: dict[str, str], first: Listener | None, sealer: Listener | None,
                   listener: Listener | None) -> tuple[Listener | None, Clock]:
    """The run's listener and clock with the plan's notifications and escalation, when the notifier is enabled."""
    from golive.notify.notifier import Notifier, TickingClock

    notifier = Notifier(store, run_id, plan, masker, clock, base_dir=base_dir, user_config=user_config, vars=values)
    if not notifier.enabled:
        return listener, clock
    return _fan_out(first, sealer, notifier), TickingClock(clock, notifier)


def _note_lost(store: Store, run_id: str, message: str) -> None:
    """A lock lost outside the log stops the run: say so in it (written past the guard, which refuses now)."""
    from golive.core.events import RunNote, body

    with contextlib.suppress(Exception):  # the error itself is still told; a failing note must not hide it
        store.append(run_id, "run.note", body(RunNote, kind="lock.lost", message=message))


def _guard(heartbeat: Heartbeat, run_id: str) -> Callable[[], None]:
    """Before each event: this process still owns the run, and no router lock of it was taken over."""
    from golive.run.router_lock import check_router_locks

    def check() -> None:
        heartbeat.check()
        check_router_locks(run_id)
    return check


def _seal_late(store: Store, run_id: str) -> bool:
    """A runner killed between a run's end and its final seal leaves a log that verifies except for that seal:
    seal it now (with the run's own runner key). Anything else wrong with the log is still refused."""
    from golive.seal.checkpoint import Sealer
    from golive.seal.keys import runner_signer
    from golive.seal.verify import audit_run

    audit = audit_run(store, run_id)
    if not audit.unsealed_end:
        return False
    signer = runner_signer()
    if not audit.runner_keys or audit.runner_keys[-1] != signer.public_line:
        return False
    owner = current_owner()
    store.claim(run_id, owner)
    try:
        Sealer(store, run_id, signer).seal_if_open("end")
    finally:
        store.release(run_id, owner, active=False)
    import sys

    print(f"golive: run {run_id} had ended, but its runner stopped before sealing the log; sealed it now",
          file=sys.stderr)
    return True


def _let_go(store: Store, run_id: str) -> bool:
    """A run whose log ended but which still holds its service: a process killed after it ended and sealed but
    before it let go, or `golive rollback RUN --level N` killed after reopening the run (golive.run.reopen) and
    before recording the request. Nothing is left to run, so let the service go (under the run's claim: a process
    still acting on it refuses this); else no run of the service could ever start again."""
    owner = current_owner()
    store.claim(run_id, owner)  # RunLocked: a live process is acting on it
    state = fold(store.events(run_id))
    ended = state.terminal  # a request recorded meanwhile opened it again: resume drives it
    if ended:  # the host-wide lock and lock files the reopen took (another log cannot tell the run is over)
        from golive.run.locks import file_locks, release_locks
        from golive.run.reopen import lock_context

        with contextlib.suppress(Exception):  # a lock file left is judged by its run's log, as before
            release_locks(state.plan, lock_context(store, state, run_id), ended=True, specs=file_locks(state.plan))
    store.release(run_id, owner, active=not ended)
    if not ended:
        raise UsageError(f"run {run_id} was opened again meanwhile (a rollback level was asked for):"
                         f" golive resume {run_id} carries it out")
    import sys

    print(f"golive: run {run_id} had ended, but a process stopped before letting its service go; it no longer"
          " holds it", file=sys.stderr)
    return True


def _sealer(store: Store, run_id: str, take_over: bool) -> tuple[Any, bool]:
    """Refuse to act on a log that does not verify (rewritten, cut back, copied); then the runner's sealer, and
    whether this machine's runner key is new to the run (only a take-over, which names it, may bring one)."""
    from golive.errors import AuditFailed
    from golive.seal.checkpoint import Sealer
    from golive.seal.keys import runner_signer
    from golive.seal.verify import audit_run

    audit = audit_run(store, run_id)
    if not audit.ok:
        raise AuditFailed(f"run {run_id}: the log does not verify (at {audit.failure}); refusing to act on it."
                          f" See: golive audit verify {run_id}")
    signer = runner_signer()
    recorded = audit.runner_keys[-1] if audit.runner_keys else None
    if recorded and recorded != signer.public_line and not take_over:
        raise AuditFailed(f"run {run_id} is sealed by another runner key than this machine's ({signer.fingerprint});"
                          " resume it where it runs, or take it over here (a decision that names this machine's"
                          f" runner key, signed when the run has signers): golive resume {run_id} --take-over"
                          " --reason TEXT")
    return (Sealer(store, run_id, signer) if recorded else None), bool(recorded and recorded != signer.public_line)


def dry_run(req: StartRequest, clock: Clock, opts: DriveOptions) -> tuple[int, MemoryStore, str]:
    """Walk the plan against a throwaway in-memory store: nothing runs, nothing is written."""
    store = MemoryStore()
    started = create_run(req, store, clock)
    run_id = started.run_id
    opts.resolved = started
    opts.options = opts.options or EngineOptions()
    opts.options.dry_run = True
    return drive_run(store, run_id, clock, opts), store, run_id


def ensure_not_running_elsewhere(store: Store, run_id: str) -> None:
    info = store.get_run(run_id)
    from golive.store.owner import is_alive

    if info.owner is not None and is_alive(info.owner):
        raise RunLocked(f"run {info.id} is being executed by process {info.owner.pid}")
