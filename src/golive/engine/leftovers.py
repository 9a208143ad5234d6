"""What a step cut off by a crash or a signal left running, and when resume may run it again.

The rule (docs/processes.md says it for people):
- Nothing is decided while the step's old processes may still run. Resume finds the trees the log recorded for
  the attempt; while the step's own process group still runs there, it waits, up to the step's deadline (its
  start plus its timeout), then stops the whole tree (its cgroup, or its process group) as a timeout would.
- A tree on another host, or one golive cannot confirm gone, stops the run for a person.
- Then: an idempotent step runs again. A non-idempotent one runs again only when the log proves its command
  never ran (golive stopped it at the gate, before the command was released); otherwise a person says how it
  ended (`golive resolve`), because it may have done part of its work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from msgspec import Struct

from golive.core.events import EventBody, StepAwaited, StepInterrupted, StepProcess, StepReaped, StoppedTree
from golive.core.stepid import StepId
from golive.interrupts import Interrupted
from golive.proctree import Tree, wait_until

#: The deadline of a step that sets no timeout (the shell step's default).
DEFAULT_STEP_TIMEOUT = 600.0
DEFAULT_GRACE = 5.0


class Leftover(Struct):
    """The recorded trees of a step's last attempt, as this machine sees them now."""

    trees: list[Tree]

    @classmethod
    def of(cls, recorded: list[dict[str, Any]]) -> Leftover:
        return cls([Tree.from_dict(t) for t in recorded])

    @classmethod
    def logged(cls, events: list[StepProcess]) -> Leftover:
        """From the step's `step.process` events."""
        return cls([Tree(pid=e.pid, pgid=e.pgid, start=e.start, host=e.host, boot=e.boot, cgroup=e.cgroup)
                    for e in events])

    def unseen(self) -> list[Tree]:
        return [t for t in self.trees if not t.visible]

    def running(self) -> list[Tree]:
        return [t for t in self.trees if t.visible and t.running()]

    def where(self, trees: list[Tree] | None = None) -> str:
        return ", ".join(t.where() for t in (self.trees if trees is None else trees))


def deadline_of(started_at: str | None, timeout: float | None) -> float:
    """Wall-clock seconds (time.time()) at which the step's own timeout would have stopped it."""
    limit = DEFAULT_STEP_TIMEOUT if timeout is None else timeout
    if not started_at:
        return time.time()
    start = datetime.fromisoformat(started_at)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start.timestamp() + limit


def wait_or_stop(left: Leftover, deadline: float, grace: float | None) -> tuple[bool, float]:
    """Wait for the step's processes up to the deadline, then stop them. Returns (killed, seconds waited)."""
    began = time.monotonic()
    if wait_until(lambda: not left.running(), max(deadline - time.time(), 0.0)):
        return False, time.monotonic() - began
    for tree in left.running():
        tree.stop(DEFAULT_GRACE if grace is None else grace)
    return True, time.monotonic() - began


def outwait(left: Leftover, sid: str, started_at: str | None, timeout: float | None, grace: float | None,
            record: Callable[[EventBody], object]) -> list[Tree]:
    """Wait for the step's old processes up to its deadline, then stop them; both recorded. Returns what still
    runs (nothing, unless it could not be stopped)."""
    running = left.running()
    if not running:
        return []
    until = deadline_of(started_at, timeout)
    record(StepAwaited(step=StepId(sid), where=left.where(running),
                       until=datetime.fromtimestamp(until).astimezone().isoformat()))
    killed, waited = wait_or_stop(left, until, grace)
    still = left.running()
    record(StepReaped(step=StepId(sid), where=left.where(running), killed=killed, waited=round(waited, 3),
                      gone=not still))
    return still


def never_ran(interrupted: StepInterrupted | None) -> bool:
    """True when golive stopped the step before its command was released: it did nothing."""
    return interrupted is not None and interrupted.released is False


def why_a_person(interrupted: StepInterrupted | None) -> str:
    if interrupted is not None:
        return (f"golive was stopped by {interrupted.signal or 'a signal'} while this non-idempotent step ran; its"
                " processes are gone, but it may have done part of its work")
    return "the process died while this non-idempotent step was running"


def interrupted_event(sid: str, kind: str, stop: Interrupted, trees: list[StepProcess]) -> StepInterrupted:
    """What golive stopped, and whether the command had been released at all: a shell step whose every tree was
    stopped at the gate did nothing, and may simply run again."""
    held = {(s["tree"]["pid"], s["tree"]["start"]) for s in stop.stopped if not s["released"]}  # type: ignore[index]
    released = kind != "shell" or any((t.pid, t.start) not in held for t in trees)
    return StepInterrupted(step=StepId(sid), signal=stop.name, released=released,
                           stopped=[StoppedTree(where=Leftover.of([s["tree"]]).where(), gone=s["gone"])  # type: ignore[list-item,arg-type]
                                    for s in stop.stopped])
