"""`redis`: PING a Redis server and optionally require its replication role."""

from __future__ import annotations

import time
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from golive.checks._common import CheckBase
from golive.core.step import StepContext, StepResult
from golive.masking import redact


def _where(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}{parts.path or ''}"
    except ValueError:
        return "redis"


class RedisCheck(CheckBase):
    type: Literal["redis"]
    url: str = Field(default="redis://127.0.0.1:6379/0", min_length=1)
    #: `replica` and `slave` mean the same (Redis reports `slave`).
    expect_role: Literal["master", "replica", "slave"] | None = None

    def describe(self) -> str:
        role = f", role {self.expect_role}" if self.expect_role else ""
        return f"redis {_where(redact(self.url))}: PING{role}"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        import redis  # imported when used: slow to import, and most plans have no redis check

        url = ctx.interpolate(self.url)
        where = _where(url)
        try:
            password = urlsplit(url).password
        except ValueError:
            password = None

        def clean(text: str) -> str:
            text = redact(ctx.masker.text(text))
            return text.replace(password, "***") if password and len(password) >= 3 else text

        started = time.perf_counter()
        try:
            client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        except ValueError as exc:
            return StepResult.failed(clean(f"redis: invalid URL: {exc}"))
        try:
            with client:
                client.ping()
                ping_ms = round((time.perf_counter() - started) * 1000, 1)
                role = None
                if self.expect_role is not None:
                    info: dict[str, Any] = client.info("replication")
                    role = str(info.get("role", "?"))
        except redis.RedisError as exc:
            return StepResult.failed(clean(f"redis {where}: {type(exc).__name__}: {exc}"))
        detail: dict[str, Any] = {"ping_ms": ping_ms}
        if role is None:
            return StepResult.passed(f"redis {where}: PONG in {ping_ms:.0f}ms", **detail)
        detail["role"] = role
        want = "slave" if self.expect_role == "replica" else self.expect_role
        if role != want:
            return StepResult.failed(f"redis {where}: role is {role}, expected {self.expect_role}", **detail)
        return StepResult.passed(f"redis {where}: PONG in {ping_ms:.0f}ms, role {role}", **detail)
