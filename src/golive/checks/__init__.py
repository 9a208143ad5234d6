"""Built-in checks: the pre-deployment tests plans used to write by hand in bash.

Each check is a model with a `type` field, `describe()` and `run(ctx, timeout)`; the `check` step runs
one. Adding a check = one module + one entry in `CHECKS`. A check's module is imported when a plan first uses
it (golive.core.lazyunion): the http and tls checks import ssl, the postgres check its driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from golive.core.lazyunion import LazyUnion

if TYPE_CHECKING:
    from golive.checks._common import CheckBase

#: `type:` -> the class that implements it ("module:Class"), in the order messages list the types.
CHECKS: dict[str, str] = {
    "disk": "golive.checks.disk:DiskCheck",
    "memory": "golive.checks.memory:MemoryCheck",
    "port": "golive.checks.port:PortCheck",
    "http": "golive.checks.http:HttpCheck",
    "postgres": "golive.checks.postgres:PostgresCheck",
    "redis": "golive.checks.redis:RedisCheck",
    "tls": "golive.checks.tls:TlsCheck",
    "env": "golive.checks.env:EnvCheck",
    "file": "golive.checks.file:FileCheck",
    "backup": "golive.checks.backup:BackupCheck",
    "command": "golive.checks.command:CommandCheck",
}
CHECK_TYPES: tuple[str, ...] = tuple(CHECKS)

_CHECKS = LazyUnion(CHECKS, "type")


def check_class(name: str) -> type[CheckBase]:
    """The model of a check type, imported (and built) on first use."""
    cls: type[CheckBase] = _CHECKS.member(name)  # type: ignore[assignment]
    return cls


if TYPE_CHECKING:
    AnyCheck = CheckBase
else:
    AnyCheck = Annotated[Any, _CHECKS]

__all__ = ["CHECKS", "CHECK_TYPES", "AnyCheck", "check_class"]
