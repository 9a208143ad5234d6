"""Removing the values an imported plan's shell steps saved for later steps, once no step can read them.

The importer (golive.plan.importer.carry) has a step that works a value out (`PREV=$(readlink current)` before
the switch) save it under `${TMPDIR:-/tmp}/golive-state-RUNID/` on the machine running golive, and the later
steps, the undos and the rollback levels read it back from there: worked out again after the switch it would name
the new release. Nothing else ever removed that folder.

When it is safe. A step of the run may read them for as long as the run may still run a step:
- until the run ended: a run paused at a gate, waiting for a person, or killed (`kill -9`) keeps them, and
  `golive resume` reads them;
- after it ended, while a rollback level may still be asked for: `golive rollback RUN --level N` reopens a run
  that ended after a rollback, for any level not run yet (golive.engine.rollback.levels_left), until a later run
  of the same service and environment starts (golive.run.reopen), and the level's steps read them.
So they are removed (`forget`):
- when the run ends with no level left to ask for: it succeeded, or it rolled back and every level ran;
- when a later run of the same service and environment starts in the same run log (no level of the earlier
  runs can be asked for any more);
- by `golive runs --prune`: every ended run of the log that no level can reopen.
A run that ended after a rollback with a level left keeps them until one of the last two.

Where: the folder is looked for under each TMPDIR a step of the run may have used (the plan's TMPDIR var, a
shell step's own `env`, the environment golive runs in) and /tmp. It is removed without following a link: a
folder that is a link, or that another user owns, is left alone (the steps refuse to use it too), and what is
inside is unlinked, never followed."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from golive.engine.rollback import levels_left
from golive.engine.state import RunState, fold
from golive.store.base import RunInfo, Store

if TYPE_CHECKING:
    from golive.plan.model import Plan

#: The folder's name before the run id (golive.plan.importer.carry.STATE_DIR writes `golive-state-${GOLIVE_RUN_ID}`).
PREFIX = "golive-state-"
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def parents(environ: Mapping[str, str], values: Mapping[str, str] | None = None, plan: Plan | None = None
            ) -> list[Path]:
    """Where a step of the run may have put the folder: `${TMPDIR:-/tmp}` as its steps saw it."""
    out: list[str] = []
    for tmpdir in (values or {}).get("TMPDIR"), environ.get("TMPDIR"), *_step_tmpdirs(plan, values or {}):
        if tmpdir and tmpdir.startswith("/"):
            out.append(tmpdir)
    out.append("/tmp")
    return [Path(p) for p in dict.fromkeys(out)]


def _step_tmpdirs(plan: Plan | None, values: Mapping[str, str]) -> Iterable[str]:
    if plan is None:
        return []
    from golive.steps.shell import ShellStep

    found = []
    for step in plan.steps_by_id().values():
        if isinstance(step, ShellStep) and "TMPDIR" in step.shell.env:
            found.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: values.get(m.group(1), ""),
                                step.shell.env["TMPDIR"]))
    return found


def remove(parent: Path, run_id: str) -> bool:
    """Remove `parent/golive-state-RUN_ID` if it is a real folder this user owns; True if removed. Never follows a
    link: the folder is opened with O_NOFOLLOW, what is inside is removed through that descriptor (a link is
    unlinked, its target untouched)."""
    if not _RUN_ID.fullmatch(run_id):
        return False
    name = PREFIX + run_id
    try:
        pfd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=pfd)
        except OSError:  # absent, a link (ELOOP), not a folder
            return False
        try:
            if os.fstat(fd).st_uid != os.geteuid():
                return False
            _empty(fd)
        finally:
            os.close(fd)
        try:
            os.rmdir(name, dir_fd=pfd)  # a link put in its place meanwhile is not a folder: refused
        except OSError:
            return False
        return True
    finally:
        os.close(pfd)


def _empty(fd: int) -> None:
    for entry in list(os.scandir(fd)):
        st = os.stat(entry.name, dir_fd=fd, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            with contextlib.suppress(OSError):
                sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                try:
                    _empty(sub)
                finally:
                    os.close(sub)
                os.rmdir(entry.name, dir_fd=fd)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.name, dir_fd=fd)


def _present(where: list[Path], run_id: str) -> bool:
    return any(os.path.lexists(p / (PREFIX + run_id)) for p in where)


def done_with(store: Store, info: RunInfo, state: RunState) -> bool:
    """No step of the run can read its saved values any more: it ended, and no rollback level can reopen it."""
    if not state.terminal or info.active:
        return False
    if not levels_left(state.plan, state):
        return True
    from golive.run.reopen import later_runs

    return bool(later_runs(store, info))


def forget(store: Store, run_id: str, where: list[Path], state: RunState | None = None) -> list[Path]:
    """Remove the run's saved values from `where` if it is done with them; the folders removed."""
    if not _present(where, run_id):
        return []
    info = store.get_run(run_id)
    if not done_with(store, info, state if state is not None else fold(store.events(info.id))):
        return []
    return [p / (PREFIX + run_id) for p in where if remove(p, run_id)]


def forget_earlier(store: Store, info: RunInfo, where: list[Path]) -> list[Path]:
    """A run of `info`'s service and environment started: the ended runs before it can no longer be reopened."""
    out: list[Path] = []
    for other in store.list_runs(limit=200):
        if other.id != info.id and (other.service, other.environment) == (info.service, info.environment) \
                and other.created_at < info.created_at and not other.active and _present(where, other.id):
            out += forget(store, other.id, where)
    return out


def prune(store: Store, environ: Mapping[str, str], limit: int = 1000) -> list[Path]:
    """`golive runs --prune`: the saved values of every ended run of the log that no level can reopen, under this
    environment's TMPDIR and /tmp (a run whose plan set another TMPDIR is cleaned at its end or by a later run)."""
    where = parents(environ)
    out: list[Path] = []
    for info in store.list_runs(limit=limit):
        if not info.active and _present(where, info.id):
            out += forget(store, info.id, where)
    return out
