"""What a step gets (StepContext) and gives back (StepResult): the one interface between the engine and every
plug-in that does something in a run."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from msgspec import Struct, field

from golive.core.events import RollingHost, SshBatch, StepConfirmed, StepResolved, StepStatus
from golive.core.stepid import StepId
from golive.masking import Masker

if TYPE_CHECKING:
    from golive.core.clock import Clock


Status = Literal["succeeded", "failed", "waiting"]


class StepResult(Struct):
    status: Status
    message: str = ""
    exit_code: int | None = None
    output: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @classmethod
    def passed(cls, message: str = "", **detail: Any) -> StepResult:
        return cls("succeeded", message, detail=detail)

    @classmethod
    def failed(cls, message: str, **detail: Any) -> StepResult:
        return cls("failed", message, detail=detail)


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def clip_output(text: str, limit: int) -> str:
    """The last `limit` characters of a step's output: a failure says why at the end."""
    if len(text) <= limit:
        return text
    return "[... earlier output omitted ...]\n" + text[-limit:]


class Undoing(Struct, frozen=True):
    """The step an undo step reverts, as its run recorded it."""

    step: StepId
    status: StepStatus
    #: The host batches it started on (`ssh.batch` / `rolling.batch` events), oldest first.
    targets: list[SshBatch]


class Resuming(Struct, frozen=True):
    """What a step's earlier attempt recorded, for the attempt that runs after its process died."""

    #: The batches it started (`ssh.batch` / `rolling.batch`), oldest first.
    targets: list[SshBatch]
    #: A rolling step's last action per host (`rolling.host`).
    hosts: dict[str, RollingHost]


def _this_process() -> dict[str, str]:
    """The environment of a context built outside a run (a test, a bench): this process's own."""
    import os

    return dict(os.environ)


class StepContext(Struct):
    """Everything a step may touch. Steps never reach the store or the engine directly."""

    run_id: str
    step_id: str
    vars: dict[str, str]
    masker: Masker
    clock: Clock
    workdir: Path
    interactive: bool = False
    dry_run: bool = False
    #: Recorded decision for this step made outside the process (e.g. `golive confirm`), if any.
    decision: StepConfirmed | StepResolved | None = None
    #: Records an extra event for this step (metric samples, progress); payload is masked by the engine.
    emit: Callable[[str, dict[str, Any]], None] = lambda _type, _payload: None
    #: Like `emit`, for an event the step follows at once with another event (or with its own end, which the
    #: engine records) before it does anything outside the log: committed, so visible and kept if golive is
    #: killed, at once, and flushed to disk with that next event, one fsync for both. None: use `emit`.
    emit_grouped: Callable[[str, dict[str, Any]], None] | None = None
    #: Prompts the person at the terminal; returns their answer. Only set when interactive.
    ask: Callable[[str], str] | None = None
    #: For an undo step: what the step it undoes recorded, so the undo reaches exactly what the change reached.
    undoing: Undoing | None = None
    #: When the step runs again after its process died: what it recorded before, so it finishes or puts back
    #: what the dead run left half done.
    resuming: Resuming | None = None
    #: Raises when this process may no longer change what the run changes (it lost the run, or a lock such as
    #: its router lock): a step calls it right before each change it makes outside the log (a router's split),
    #: since the check before each event comes only after the change it records.
    guard: Callable[[], None] = lambda: None
    #: The environment the run was started with (DriveOptions.environ, through EngineOptions): steps read it here,
    #: never from os.environ, so what a step sees is what the caller handed in.
    environ: Mapping[str, str] = field(default_factory=_this_process)

    def interpolate(self, text: str) -> str:
        """`${NAME}` from plan vars, for non-shell steps (shell steps receive vars as environment)."""

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in self.vars:
                return self.vars[name]
            return m.group(0)

        return _VAR.sub(sub, text)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        merged = dict(self.environ)
        merged.update(self.vars)
        merged["GOLIVE_RUN_ID"] = self.run_id
        merged["GOLIVE_STEP_ID"] = self.step_id
        if extra:
            merged.update({k: self.interpolate(v) for k, v in extra.items()})
        return merged


class Step(Protocol):
    """What the engine needs of a step. Every kind's plan model (golive.steps.base.StepBase) satisfies it; the
    engine depends on this protocol, not on the step registry or any kind."""

    kind: ClassVar[str]
    #: The step's only effect is one gated process, so its step.started need not be fsynced on its own.
    acts_only_through_gate: ClassVar[bool]
    timeout: float | None
    #: Seconds between SIGTERM and SIGKILL when the engine stops the step's processes (None: the default).
    grace: float | None
    continue_on_error: bool

    @property
    def is_idempotent(self) -> bool: ...

    def title(self) -> str: ...

    def describe(self) -> str: ...

    def execute(self, ctx: StepContext) -> StepResult: ...

