"""Built-in checks: the pre-deployment tests plans used to write by hand in bash.

Each check is a model with a `type` field, `describe()` and `run(ctx, timeout)`; the `check` step runs
one. Adding a check = one module + one entry in `CHECK_CLASSES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union, get_args

from pydantic import Field

from golive.checks._common import CheckBase
from golive.checks.backup import BackupCheck
from golive.checks.command import CommandCheck
from golive.checks.disk import DiskCheck
from golive.checks.env import EnvCheck
from golive.checks.file import FileCheck
from golive.checks.http import HttpCheck
from golive.checks.memory import MemoryCheck
from golive.checks.port import PortCheck
from golive.checks.postgres import PostgresCheck
from golive.checks.redis import RedisCheck
from golive.checks.tls import TlsCheck

CHECK_CLASSES: tuple[type[CheckBase], ...] = (
    DiskCheck, MemoryCheck, PortCheck, HttpCheck, PostgresCheck, RedisCheck, TlsCheck, EnvCheck, FileCheck,
    BackupCheck, CommandCheck,
)
CHECK_TYPES: tuple[str, ...] = tuple(str(get_args(cls.model_fields["type"].annotation)[0]) for cls in CHECK_CLASSES)

if TYPE_CHECKING:
    AnyCheck = CheckBase
else:  # the union is derived from CHECK_CLASSES: adding a check is one entry there, not two
    AnyCheck = Annotated[Union[CHECK_CLASSES], Field(discriminator="type")]  # noqa: UP007

__all__ = [
    "CHECK_CLASSES", "CHECK_TYPES", "AnyCheck", "BackupCheck", "CheckBase", "CommandCheck", "DiskCheck", "EnvCheck",
    "FileCheck", "HttpCheck", "MemoryCheck", "PortCheck", "PostgresCheck", "RedisCheck", "TlsCheck",
]
