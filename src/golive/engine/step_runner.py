"""How the engine has one step carried out, behind the one seam tests and dry runs replace: the engine hands a step
and its context to a `StepExecutor` and records what comes back, whichever executor it is (golive.testing.fakes
has one that runs nothing)."""

from __future__ import annotations

from typing import Protocol

from golive.core.step import Step, StepContext, StepResult


class StepExecutor(Protocol):
    def run(self, step: Step, ctx: StepContext) -> StepResult: ...


class RealExecutor:
    def run(self, step: Step, ctx: StepContext) -> StepResult:
        return step.execute(ctx)


class DryRunExecutor:
    """Walks the plan without touching anything: each step says what it would do."""

    def run(self, step: Step, ctx: StepContext) -> StepResult:
        from golive.steps.shell import ShellStep

        if isinstance(step, ShellStep):
            # the bash parse and `command -v` of each program: a step that cannot even start is named now
            from golive.plan.shellcheck import shell_problems

            problems = shell_problems(step.shell.command, ctx.env(step.shell.env), step.shell.shell)
            if problems:
                return StepResult("failed", "would fail: " + "; ".join(problems), detail={"dry_run": True})
        return StepResult.passed(f"would {step.describe()}", dry_run=True)
