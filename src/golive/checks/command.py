"""`command`: a command exits as expected. Plan vars reach it as environment variables, like `shell`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from golive.checks._common import CheckBase
from golive.core.fields import IntList
from golive.core.step import StepContext, StepResult
from golive.targets.local import argv_for, run_command
from golive.units import format_duration


class CommandCheck(CheckBase):
    type: Literal["command"]
    command: str = Field(min_length=1)
    expect_exit: IntList = [0]
    shell: str = "/bin/bash"

    def describe(self) -> str:
        lines = self.command.strip().splitlines()
        first = (lines[0] + (" ..." if len(lines) > 1 else "")) if lines else ""
        return f"$ {first} exits {' or '.join(str(c) for c in self.expect_exit)}"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        res = run_command(argv_for(self.command, self.shell), env=ctx.env(), cwd=ctx.workdir, timeout=timeout)
        detail = {"exit_code": res.exit_code, "duration": round(res.duration, 4)}
        expected = " or ".join(str(c) for c in self.expect_exit)
        if res.timed_out:
            result = StepResult.failed(f"timed out after {format_duration(timeout)}; process tree killed",
                                       **detail)
        elif res.exit_code not in self.expect_exit:
            result = StepResult.failed(f"exit code {res.exit_code}, expected {expected}", **detail)
        else:
            result = StepResult.passed(f"exit code {res.exit_code}", **detail)
        result.exit_code = res.exit_code
        result.output = res.output
        return result
