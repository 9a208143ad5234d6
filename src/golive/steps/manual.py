"""`manual`: a checklist item a named person confirms, at the terminal or with `golive confirm`."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator

from golive.core.events import StepConfirmed
from golive.core.fields import Strict
from golive.core.step import StepContext, StepResult
from golive.steps.base import StepBase


class ManualSpec(Strict):
    instruction: str
    role: str | None = None
    #: Ticked in the source checklist already (Markdown import); still recorded with who ticked it.
    done: bool = False
    #: Where it was ticked (`runbook.md:15`), cited when the run records it as done without asking.
    ticked_at: str | None = None


def _shorthand(value: Any) -> Any:
    return {"instruction": value} if isinstance(value, str) else value


class ManualStep(StepBase):
    kind: ClassVar[str] = "manual"
    kind_read_only: ClassVar[bool] = True  # asking again is harmless
    manual: Annotated[ManualSpec, BeforeValidator(_shorthand)]

    def describe(self) -> str:
        who = f" [{self.manual.role}]" if self.manual.role else ""
        return f"confirm{who}: {self.manual.instruction}"

    def execute(self, ctx: StepContext) -> StepResult:
        if self.manual.done:
            # Ticked in the document the plan came from: recorded as done when the plan was written, not asked again.
            where = f" ({self.manual.ticked_at})" if self.manual.ticked_at else ""
            return StepResult.passed(f"already ticked in the document when the plan was written{where}",
                                     by="the plan's document")
        decision = ctx.decision
        if decision is not None:
            by = decision.by
            if decision.as_ == "failed":
                note = decision.note if isinstance(decision, StepConfirmed) else ""
                return StepResult.failed(f"marked failed by {by}: {note or 'no reason given'}", by=by)
            return StepResult.passed(f"confirmed by {by}", by=by)
        if ctx.dry_run:
            return StepResult.passed("would ask a person to confirm")
        if ctx.ask is not None:
            answer = ctx.ask(f"{self.manual.instruction}\n  Type your name to confirm it is done"
                             " (or 'no' to fail the step): ").strip()
            if answer and answer.lower() not in {"no", "n", "fail"}:
                return StepResult.passed(f"confirmed by {answer}", by=answer)
            return StepResult.failed("refused at the terminal")
        return StepResult("waiting", f"waiting for confirmation: golive confirm {ctx.run_id} {ctx.step_id} --by NAME")
