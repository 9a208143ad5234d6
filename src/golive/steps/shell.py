"""`shell`: a command on the machine running golive. Plan vars arrive as environment variables,
so values are never pasted into the command text (no quoting bugs, no injection, no secret in `ps`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field

from golive.core.fields import IntList, Regex, Strict
from golive.core.step import StepContext, StepResult
from golive.steps.base import COMMAND_TIMEOUT, StepBase

DEFAULT_TIMEOUT = COMMAND_TIMEOUT


#: `set -o` names a step may choose (bash's; `sh` knows fewer, and refuses what it does not know).
ShellOption = Literal["errexit", "pipefail", "nounset", "noglob", "noclobber", "xtrace", "allexport", "errtrace",
                      "posix"]


class ShellSpec(Strict):
    command: str = Field(min_length=1)
    env: dict[str, str] = {}
    cwd: str | None = None
    shell: str = "/bin/bash"
    #: `set -o` options for the command; unset: errexit and pipefail with bash, none with another shell.
    #: `options: [errexit]` lets `yes | head -c 1G` succeed (pipefail fails it with yes's SIGPIPE, 141).
    options: list[ShellOption] | None = None
    expect_exit: IntList = [0]
    expect_output: Regex | None = None


def _shorthand(value: Any) -> Any:
    return {"command": value} if isinstance(value, str) else value


class ShellStep(StepBase):
    kind: ClassVar[str] = "shell"
    acts_only_through_gate: ClassVar[bool] = True
    shell: Annotated[ShellSpec, BeforeValidator(_shorthand)]

    def describe(self) -> str:
        first = self.shell.command.strip().splitlines()[0] if self.shell.command.strip() else ""
        return f"$ {first}" + (" ..." if "\n" in self.shell.command.strip() else "")

    def execute(self, ctx: StepContext) -> StepResult:
        from golive.targets.local import DEFAULT_GRACE, LocalTarget  # what runs it: not needed to read a plan

        spec = self.shell
        cwd = Path(ctx.interpolate(spec.cwd)) if spec.cwd else ctx.workdir
        if cwd and not cwd.is_absolute():
            cwd = ctx.workdir / cwd
        target = LocalTarget(spec.shell, list(spec.options) if spec.options is not None else None, cwd,
                             self.grace if self.grace is not None else DEFAULT_GRACE)
        timeout = self.timeout if self.timeout is not None else DEFAULT_TIMEOUT
        [res] = target.run(spec.command, ctx.env(spec.env), timeout)
        result = StepResult("succeeded", exit_code=res.exit_code, output=res.output,
                            detail={"duration": round(res.duration, 4)})
        if res.status == "timed-out":
            result.status = "failed"
            result.message = f"timed out after {self.timeout or DEFAULT_TIMEOUT:g}s; process tree killed"
        elif res.exit_code not in spec.expect_exit:
            result.status = "failed"
            expected = " or ".join(str(c) for c in spec.expect_exit)
            result.message = f"exit code {res.exit_code}, expected {expected}"
        elif spec.expect_output and not re.search(spec.expect_output, res.output, re.MULTILINE):
            result.status = "failed"
            result.message = f"output does not match /{spec.expect_output}/"
        return result
