"""`env`: variables the deployment needs are set (in the plan's vars or the environment) and not empty.
Only names are ever reported, never values."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from golive.checks._common import CheckBase
from golive.core.step import StepContext, StepResult


class EnvCheck(CheckBase):
    type: Literal["env"]
    names: list[str] = Field(min_length=1)

    @field_validator("names")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name or "=" in name or "\0" in name:
                raise ValueError(f"'{name}' is not an environment variable name")
        return value

    def describe(self) -> str:
        return f"env set: {', '.join(self.names)}"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        missing = [n for n in self.names if not (ctx.vars.get(n) or ctx.environ.get(n))]
        present = [n for n in self.names if n not in missing]
        detail = {"missing": missing, "present": present}
        if missing:
            return StepResult.failed(f"{len(missing)} of {len(self.names)} not set or empty: {', '.join(missing)}",
                                     **detail)
        return StepResult.passed(f"all {len(self.names)} set: {', '.join(self.names)}", **detail)
