"""On resume, an `ssh` step cut off mid-batch: never start it again while its command still runs on a host.

Each batch's tree mark was logged (`ssh.batch`) before any host was contacted (golive.targets.remote_tree).
Resume asks each host of the attempt's batches for the processes carrying the mark. Where the command still
runs it records `step.awaited` and waits up to the step's deadline (its recorded start plus its timeout; the
remote `timeout` normally ends it by then), then stops every process of the mark, `setsid` children included,
and records `step.reaped`. A host that cannot be asked, or a tree that cannot be stopped, is for a person.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from golive.core.events import EventBody, StepAwaited, StepReaped
from golive.core.stepid import StepId
from golive.engine.leftovers import DEFAULT_GRACE, Leftover, deadline_of, outwait

#: A step's remote trees: (connection, hosts, mark) per batch (golive.steps.ssh.SshStep.remote_trees).
Trees = list[tuple[Any, list[str], str]]


def _running(trees: Trees) -> tuple[dict[int, list[str]], list[str]]:
    from golive.targets.remote_tree import find, still_running

    live: dict[int, list[str]] = {}
    unknown: list[str] = []
    for i, (conn, hosts, mark) in enumerate(trees):
        for host, procs in find(conn, hosts, mark).items():
            if procs is None:
                unknown.append(host)
            elif still_running(procs):
                live.setdefault(i, []).append(host)
    return live, unknown


def _where(trees: Trees, live: dict[int, list[str]]) -> str:
    return "; ".join(f"{', '.join(hosts)} (tree {trees[i][2]})" for i, hosts in live.items())


def settle_remote(step: Any, rec: Any, context: Callable[[], Any], record: Callable[[EventBody], object],
                  poll: float = 0.5) -> str | None:
    """For a step that runs commands on SSH hosts (`remote_trees`) and logged batches in its cut-off attempt."""
    remote = getattr(step, "remote_trees", None)
    if remote is None or not rec.targets:
        return None
    grace = DEFAULT_GRACE if step.grace is None else step.grace
    return outwait_remote(remote(context(), rec.targets), str(rec.id),
                          rec.started_at, step.timeout, grace, record, poll)


def running_remote(step: Any, rec: Any, context: Callable[[], Any]) -> tuple[str, list[str]]:
    """Where the step's cut-off attempt still runs its command ('' if nowhere), and the hosts that could not be
    asked: what `golive resolve` must know before a person says how the step ended."""
    remote = getattr(step, "remote_trees", None)
    if remote is None or not rec.targets:
        return "", []
    trees = remote(context(), rec.targets)
    if not trees:
        return "", []
    live, unknown = _running(trees)
    return _where(trees, live), unknown


def outwait_remote(trees: Trees, sid: str, started_at: str | None, timeout: float | None, grace: float,
                   record: Callable[[EventBody], object], poll: float = 0.5) -> str | None:
    """None once nothing of the step's commands runs on any host; else why a person must look."""
    from golive.targets.remote_tree import stop
    from golive.targets.ssh import KILL_GRACE

    if not trees:
        return None
    live, unknown = _running(trees)
    if unknown:
        return (f"its command ran on {', '.join(unknown)}, which cannot be reached to see whether it still runs;"
                " check there")
    if not live:
        return None
    where = _where(trees, live)
    until = deadline_of(started_at, timeout) + KILL_GRACE
    record(StepAwaited(step=StepId(sid), where=where, until=datetime.fromtimestamp(until).astimezone().isoformat()))
    t0 = time.monotonic()
    while live and not unknown and time.time() < until:
        time.sleep(poll)
        live, unknown = _running(trees)
    killed = bool(live)
    if live:
        for i, hosts in live.items():
            conn, _, mark = trees[i]
            stop(conn, hosts, mark, grace)
        live, unknown = _running(trees)
    record(StepReaped(step=StepId(sid), where=where, killed=killed, waited=round(time.monotonic() - t0, 3),
                      gone=not live and not unknown))
    if live or unknown:
        return f"its command still runs on {_where(trees, live) or ', '.join(unknown)} and could not be stopped"
    return None


def quieten(step: Any, rec: Any, context: Callable[[], Any], record: Callable[[EventBody], object],
            resolve: str) -> str | None:
    """A step cut off with no recorded end: wait for what its attempt still runs, here and on its SSH hosts, up
    to the step's deadline, then stop it (golive.engine.leftovers). None once nothing of it runs; else why a
    person must look. Resume does this before the step may start again, and before a rollback runs anything:
    an undo must never race the change it reverts (a rollback asked for while golive was dead)."""
    sid = str(rec.id)
    left = Leftover.logged(rec.trees)
    if left.unseen():
        return (f"its processes ran on {left.unseen()[0].host}, where this golive cannot see whether they still"
                f" run; check there, then: {resolve}")
    still = outwait(left, sid, rec.started_at, step.timeout, step.grace, record)
    if still:
        return f"its processes ({left.where(still)}) could not be stopped; stop them by hand, then: {resolve}"
    why = settle_remote(step, rec, context, record)  # what it ran on SSH hosts
    return f"{why}; then: {resolve}" if why else None
