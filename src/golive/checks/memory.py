"""`memory`: memory available for new work (MemAvailable in /proc/meminfo, Linux)."""

from __future__ import annotations

from typing import ClassVar, Literal

from golive.checks._common import CheckBase, Size, format_size
from golive.core.step import StepContext, StepResult


class MemoryCheck(CheckBase):
    type: Literal["memory"]
    min_available: Size

    meminfo: ClassVar[str] = "/proc/meminfo"

    def describe(self) -> str:
        return f"memory: at least {format_size(self.min_available)} available"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        try:
            with open(self.meminfo, encoding="ascii", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError as exc:
            return StepResult.failed(f"cannot read {self.meminfo}: {exc.strerror or exc}")
        available: int | None = None
        for line in lines:
            key, _, rest = line.partition(":")
            if key == "MemAvailable":
                fields = rest.split()
                if fields and fields[0].isdigit():
                    factor = 1024 if len(fields) > 1 and fields[1].lower() == "kb" else 1
                    available = int(fields[0]) * factor
                break
        if available is None:
            return StepResult.failed(f"no MemAvailable in {self.meminfo} (kernel older than 3.14?)")
        detail = {"available_bytes": available, "min_available_bytes": self.min_available}
        message = f"memory: {format_size(available)} available, need {format_size(self.min_available)}"
        if available < self.min_available:
            return StepResult.failed(message, **detail)
        return StepResult.passed(message, **detail)
