"""`wait`: hold for a while (a soak, a cache warm-up) through the engine's clock, so tests need not sleep."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator

from golive.core.fields import Duration, Strict
from golive.core.step import StepContext, StepResult
from golive.steps.base import StepBase
from golive.units import format_duration


class WaitSpec(Strict):
    duration: Duration
    reason: str | None = None


def _shorthand(value: Any) -> Any:
    return {"duration": value} if isinstance(value, str | int | float) else value


class WaitStep(StepBase):
    kind: ClassVar[str] = "wait"
    kind_read_only: ClassVar[bool] = True
    wait: Annotated[WaitSpec, BeforeValidator(_shorthand)]

    def describe(self) -> str:
        return f"wait {format_duration(self.wait.duration)}" + (f" ({self.wait.reason})" if self.wait.reason else "")

    def execute(self, ctx: StepContext) -> StepResult:
        ctx.clock.sleep(self.wait.duration)
        return StepResult.passed(f"waited {format_duration(self.wait.duration)}")
