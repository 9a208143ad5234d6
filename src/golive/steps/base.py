"""What every step kind shares: its plan fields, the context it runs in, and the result it returns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from golive.masking import Masker
from golive.units import parse_duration

if TYPE_CHECKING:
    from golive.engine.clock import Clock
    from golive.steps.registry import AnyStep


def _duration(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return parse_duration(value)
    return value


Duration = Annotated[float, BeforeValidator(_duration), Field(ge=0)]


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


#: A regular expression, compiled once when the plan loads so a typo is a plan error, not a failed step at 2 AM.
Regex = Annotated[str, AfterValidator(_regex)]


class Strict(BaseModel):
    """Plan models reject unknown keys so a typo is an error, not a silently ignored setting."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


Status = Literal["succeeded", "failed", "waiting"]


@dataclass
class StepResult:
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


@dataclass
class StepContext:
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
    decision: dict[str, Any] | None = None
    #: Records an extra event for this step (metric samples, progress); payload is masked by the engine.
    emit: Callable[[str, dict[str, Any]], None] = lambda _type, _payload: None
    #: Prompts the person at the terminal; returns their answer. Only set when interactive.
    ask: Callable[[str], str] | None = None
    #: For an undo step: what the step it undoes recorded (`targets`: the host batches it started on), so
    #: the undo reaches exactly the hosts the change reached.
    undoing: dict[str, Any] | None = None
    #: When the step runs again after its process died: what it recorded before (`targets`, and `hosts`: a
    #: rolling step's last action per host), so it finishes or puts back what the dead run left half done.
    resuming: dict[str, Any] | None = None

    def interpolate(self, text: str) -> str:
        """`${NAME}` from plan vars, for non-shell steps (shell steps receive vars as environment)."""

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in self.vars:
                return self.vars[name]
            return m.group(0)

        return _VAR.sub(sub, text)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        import os

        merged = dict(os.environ)
        merged.update(self.vars)
        merged["GOLIVE_RUN_ID"] = self.run_id
        merged["GOLIVE_STEP_ID"] = self.step_id
        if extra:
            merged.update({k: self.interpolate(v) for k, v in extra.items()})
        return merged


class StepBase(Strict):
    """Fields every step has. Subclasses add exactly one field named after their `kind`."""

    kind: ClassVar[str] = ""
    #: Read-only kinds are safe to repeat, so resume re-runs them without asking.
    read_only: ClassVar[bool] = False

    name: str | None = None
    timeout: Duration | None = None
    #: Between SIGTERM and SIGKILL when golive stops the step's processes (timeout, or golive told to stop).
    grace: Duration | None = None
    idempotent: bool | None = None
    continue_on_error: bool = False
    #: Resolved by golive.steps.registry once every kind is known.
    undo: AnyStep | None = None

    @property
    def is_idempotent(self) -> bool:
        return self.idempotent if self.idempotent is not None else self.read_only

    def title(self) -> str:
        return self.name or self.describe()

    def describe(self) -> str:
        """One line saying what the step does, for `plan show`, dry runs and logs."""
        return self.kind

    def execute(self, ctx: StepContext) -> StepResult:
        raise NotImplementedError
