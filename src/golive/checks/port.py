"""`port`: whether a TCP port accepts connections (e.g. the old version stopped, the new one listening)."""

from __future__ import annotations

import socket
import time
from typing import Literal

from pydantic import Field

from golive.checks._common import CheckBase
from golive.core.fields import Duration
from golive.core.step import StepContext, StepResult
from golive.units import format_duration


class PortCheck(CheckBase):
    type: Literal["port"]
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    expect: Literal["open", "closed"] = "open"
    connect_timeout: Duration = 3.0

    def describe(self) -> str:
        return f"port {self.host}:{self.port} {self.expect}"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        host = ctx.interpolate(self.host)
        where = f"{host}:{self.port}"
        wait = max(min(self.connect_timeout, timeout), 0.001)
        started = time.perf_counter()
        try:
            with socket.create_connection((host, self.port), timeout=wait):
                state, why = "open", ""
        except socket.gaierror as exc:
            return StepResult.failed(f"{where}: cannot resolve {host}: {exc.strerror or exc}")
        except ConnectionRefusedError:
            state, why = "closed", "connection refused"
        except TimeoutError:
            state, why = "closed", f"no answer within {format_duration(wait)}"
        except OSError as exc:
            state, why = "closed", exc.strerror or str(exc)
        detail = {"state": state, "connect_ms": round((time.perf_counter() - started) * 1000, 1)}
        said = f"{where} is {state}" + (f" ({why})" if why else "")
        if state != self.expect:
            return StepResult.failed(f"{said}, expected {self.expect}", **detail)
        return StepResult.passed(said, **detail)
