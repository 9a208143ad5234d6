"""One step's life in the log: started, its processes (so a resumed run can find them), interrupted, awaited and
reaped on resume, waiting for a person, confirmed or resolved by one, finished.

Every event here names its step (`StepEvent`); the fold of `golive.engine.state` keeps a step's status from them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from msgspec import field

from golive.core.events.base import Number, StepEnd, StepEvent
from golive.core.pieces import Piece


class StepStarted(StepEvent):
    """Before a step runs."""

    type: ClassVar[str] = "step.started"
    title: str = ""
    kind: str = ""
    attempt: int = 1


class StepFinished(StepEvent):
    """After it ran: masked and clipped `output`, step-specific `detail`."""

    type: ClassVar[str] = "step.finished"
    status: StepEnd
    message: str = ""
    exit_code: int | None = None
    output: str = ""
    duration: Number | None = None
    detail: dict[str, Any] = {}


class StepProcess(StepEvent):
    """Before a process a step starts may run (it waits at a gate until this is committed), so resume can find
    it after golive died: `pid`, `pgid`, `start` (clock ticks since boot), `host`, `boot`, `cgroup` (path, or null
    in the process-group fallback)."""

    type: ClassVar[str] = "step.process"
    pid: int
    pgid: int
    start: int
    host: str = ""
    boot: str = ""
    cgroup: str | None = None


class StoppedTree(Piece):
    where: str = ""
    gone: bool = False


class StepInterrupted(StepEvent):
    """golive was told to stop (SIGTERM, SIGHUP, SIGINT) while the step ran; its tree was stopped: `released`
    (whether the command had been let run), `stopped` (`where`, `gone` per tree)."""

    type: ClassVar[str] = "step.interrupted"
    signal: str = ""
    released: bool | None = None
    stopped: list[StoppedTree] = []


class StepAwaited(StepEvent):
    """On resume, the cut-off step's old processes still run: waiting for them `until` the step's deadline."""

    type: ClassVar[str] = "step.awaited"
    where: str = ""
    until: str = ""


class StepReaped(StepEvent):
    """On resume, those processes are gone: `killed` (stopped at the deadline, or ended by themselves) after
    `waited` seconds."""

    type: ClassVar[str] = "step.reaped"
    where: str = ""
    killed: bool = False
    waited: Number | None = None
    gone: bool | None = None


class StepWaiting(StepEvent):
    """A manual step waits for a person; `message` says how to confirm it."""

    type: ClassVar[str] = "step.waiting"
    title: str = ""
    message: str = ""


class StepConfirmed(StepEvent):
    """`golive confirm`: done, or marked failed."""

    type: ClassVar[str] = "step.confirmed"
    written_by: ClassVar[str] = "person"
    by: str
    as_: Literal["done", "failed"] = field(default="done", name="as")
    note: str = ""


class StepResolved(StepEvent):
    """`golive resolve`: a person says what became of a step with no recorded end (or a failed rollback action)."""

    type: ClassVar[str] = "step.resolved"
    written_by: ClassVar[str] = "person"
    #: retry: the person judged the step safe to run again (it runs again on resume, its old processes gone).
    as_: Literal["done", "failed", "retry"] = field(name="as")
    by: str
    reason: str = ""
