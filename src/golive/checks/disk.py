"""`disk`: free space on the filesystem holding `path`."""

from __future__ import annotations

import shutil
from typing import Literal

from pydantic import Field, model_validator

from golive.checks._common import CheckBase, Size, format_size
from golive.core.step import StepContext, StepResult


class DiskCheck(CheckBase):
    type: Literal["disk"]
    path: str = Field(min_length=1)
    #: Space an unprivileged process can still use (what `df` shows as Avail).
    min_free: Size | None = None
    #: Used share as `df` computes it: used / (used + available).
    max_used_percent: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _threshold(self) -> DiskCheck:
        if self.min_free is None and self.max_used_percent is None:
            raise ValueError("a disk check needs min_free, max_used_percent or both")
        return self

    def describe(self) -> str:
        wants = []
        if self.min_free is not None:
            wants.append(f"at least {format_size(self.min_free)} free")
        if self.max_used_percent is not None:
            wants.append(f"at most {self.max_used_percent:g}% used")
        return f"disk {self.path}: {', '.join(wants)}"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        path = ctx.interpolate(self.path)
        try:
            usage = shutil.disk_usage(path)
        except OSError as exc:
            return StepResult.failed(f"{path}: cannot read disk usage: {exc.strerror or exc}")
        in_use = usage.used + usage.free
        used_percent = round(usage.used / in_use * 100, 1) if in_use else 0.0
        detail = {"path": path, "free_bytes": usage.free, "total_bytes": usage.total,
                  "used_percent": used_percent}
        problems: list[str] = []
        facts: list[str] = []
        if self.min_free is not None:
            fact = f"{format_size(usage.free)} free, need {format_size(self.min_free)}"
            (problems if usage.free < self.min_free else facts).append(fact)
        if self.max_used_percent is not None:
            fact = f"{used_percent:g}% used, limit {self.max_used_percent:g}%"
            (problems if used_percent > self.max_used_percent else facts).append(fact)
        if problems:
            return StepResult.failed(f"{path}: {'; '.join(problems)}", **detail)
        return StepResult.passed(f"{path}: {'; '.join(facts)}", **detail)
