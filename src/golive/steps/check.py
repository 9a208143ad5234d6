"""`check`: one built-in, read-only check (disk, memory, port, http, postgres, redis, tls, env, file,
backup, command) — see golive.checks.

    - check: {type: disk, path: /var, min_free: 10GB}
    - check: {type: postgres, dsn: "postgresql://app:${DB_PASSWORD}@db/app", query: "select 1"}
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from golive.checks import CHECK_TYPES, AnyCheck
from golive.core.step import StepContext, StepResult
from golive.steps.base import StepBase

DEFAULT_TIMEOUT = 30.0


def _needs_type(value: Any) -> Any:
    if isinstance(value, dict) and "type" not in value:
        raise PydanticCustomError("check_type", "a check needs 'type': one of {types}",
                                  {"types": ", ".join(CHECK_TYPES)})
    return value


class CheckStep(StepBase):
    kind: ClassVar[str] = "check"
    kind_read_only: ClassVar[bool] = True
    check: Annotated[AnyCheck, BeforeValidator(_needs_type)]

    def describe(self) -> str:
        return f"check {self.check.describe()}"

    def execute(self, ctx: StepContext) -> StepResult:
        timeout = self.timeout if self.timeout is not None else DEFAULT_TIMEOUT
        result = self.check.run(ctx, timeout)
        result.detail.setdefault("check", self.check.type)
        return result
