"""Reopening an ended run for a further rollback level (`golive rollback RUN --level N` after it ended rolled back).

From the request on, the run holds what it held while it ran: its service and environment in its run log (one
active run each), and its lock files here and on its hosts. Else another run of the service could start between
the request and `golive resume`, and the level (a database restore) would then undo that run's work too. They are
let go when the level's round ends, as at any run's end (golive.run.runner.drive_run).

A person reopening it holds the run's claim while deciding, as a process driving it does: a second operator
asking at the same moment is refused (the run is being acted on), then finds the level already asked for."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from golive.engine.state import RunState, fold
from golive.errors import DecisionRefused, RunLocked
from golive.store.base import RunInfo, Store
from golive.store.owner import current_owner

if TYPE_CHECKING:
    from golive.run.locks import LockContext


def later_runs(store: Store, info: RunInfo) -> list[str]:
    """Runs of the same service and environment started after `info`'s: a level of `info` would undo their work.
    Every run started after it is read (the newest first, in growing pages until one reaches back to `info`): a
    log shared by many services may hold hundreds of others since, and a later run of this one among them."""
    limit = 200
    while True:
        runs = store.list_runs(limit=limit)
        if len(runs) < limit or runs[-1].created_at <= info.created_at:
            break
        limit *= 4
    return [r.id for r in runs if r.service == info.service
            and r.environment == info.environment and r.created_at > info.created_at and r.id != info.id]


def refuse_later(store: Store, info: RunInfo) -> None:
    later = later_runs(store, info)
    if later:
        raise DecisionRefused(f"run {later[-1]} of {info.service}/{info.environment} started after run {info.id};"
                              f" a rollback level of {info.id} now would undo its work too: decide it there")


@contextlib.contextmanager
def reopened(store: Store, run_id: str, check: Callable[[RunState], object]) -> Iterator[RunState]:
    """Hold the ended run `run_id` again while the caller records the request (`check` judges the run's state as
    it is under the claim). Kept when the block ends normally; let go again when it raises."""
    owner = current_owner()
    try:
        store.claim(run_id, owner)
    except RunLocked as exc:
        raise DecisionRefused(f"run {run_id} is being acted on by another process ({exc}); try again") from None
    kept = False
    locks: LockContext | None = None
    state = fold(store.events(run_id))
    try:
        check(state)
        info = store.get_run(run_id)
        store.reopen(run_id)  # RunLocked: another run of the service holds it
        refuse_later(store, info)  # one started and ended since the first look
        from golive.run.locks import file_locks, take_locks  # the host-wide service lock and the lock files
        from golive.run.start import store_where

        locks = _context(store, state, run_id, store_where)
        take_locks(state.plan, locks, new_run=True, specs=file_locks(state.plan))
        yield state
        kept = True
    finally:
        if locks is not None and not kept:
            from golive.run.locks import file_locks, release_locks

            release_locks(state.plan, locks, ended=True, specs=file_locks(state.plan))
        store.release(run_id, owner, active=kept)


def lock_context(store: Store, state: RunState, run_id: str) -> LockContext:
    """The context its lock files were taken with (to take or drop them again outside a run's process)."""
    from golive.run.start import store_where

    return _context(store, state, run_id, store_where)


def _context(store: Store, state: RunState, run_id: str, where: Callable[[Store], str]) -> LockContext:
    """The run's lock context with its vars (those it started with; secrets are not needed to name a lock file
    or reach a host, and the person asking may not hold them)."""
    from golive.plan.vars import resolve_vars
    from golive.run.locks import LockContext

    given = {k: v for k, v in (state.overrides or {}).items() if v is not None}
    values, _masker = resolve_vars(state.plan, os.environ, Path(state.plan_path).parent, given, need_secrets=False)
    return LockContext(run_id, where(store), values, Path(state.plan_path).parent, log=store)
