"""`http`: a URL answers with the expected status (and text). Runs through the same request code as the `http` step."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from golive.checks._common import CheckBase
from golive.checks.request import HttpExpect, HttpSpec, run_http
from golive.core.fields import IntList
from golive.core.step import StepContext, StepResult


class HttpCheck(CheckBase):
    type: Literal["http"]
    url: str = Field(min_length=1)
    status: IntList = [200]
    contains: str | None = None
    verify_tls: bool = True

    def spec(self, timeout: float) -> HttpSpec:
        return HttpSpec(url=self.url, expect=HttpExpect(status=self.status, body_contains=self.contains),
                        verify_tls=self.verify_tls, request_timeout=timeout)

    def describe(self) -> str:
        status = "/".join(str(s) for s in self.status)
        return f"GET {self.url} -> {status}" + (f" containing '{self.contains}'" if self.contains else "")

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        return run_http(self.spec(timeout), ctx, timeout)
