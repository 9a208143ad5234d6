"""The registry from a step's YAML key to its class, and `AnyStep`, the validated union of all kinds.

A step is a mapping with exactly one kind key (`shell:`, `http:`, ...) plus the common fields; a bare
string is shorthand for a shell command. Adding a kind = one module + one line in `_KIND_CLASSES`.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import BeforeValidator, Discriminator, Tag
from pydantic_core import PydanticCustomError

from golive.steps.backup import BackupStep
from golive.steps.base import StepBase
from golive.steps.canary import CanaryStep
from golive.steps.check import CheckStep
from golive.steps.http import HttpStep
from golive.steps.manual import ManualStep
from golive.steps.migrate import MigrateStep
from golive.steps.restore import RestoreStep
from golive.steps.rolling import RollingStep
from golive.steps.shell import ShellStep
from golive.steps.sql import SqlStep
from golive.steps.ssh import SshStep
from golive.steps.switch import SwitchStep
from golive.steps.wait import WaitStep

_KIND_CLASSES: tuple[type[StepBase], ...] = (ShellStep, ManualStep, WaitStep, HttpStep, CheckStep,
                                               BackupStep, RestoreStep, MigrateStep, SqlStep, SwitchStep,
                                               CanaryStep, SshStep, RollingStep)

KINDS: dict[str, type[StepBase]] = {cls.kind: cls for cls in _KIND_CLASSES}
COMMON_KEYS = frozenset(StepBase.model_fields)


def kind_of(value: Any) -> str | None:
    if isinstance(value, StepBase):
        return f"<{value.kind}>"
    if isinstance(value, dict):
        found = [k for k in value if k in KINDS]
        if len(found) == 1:
            return f"<{found[0]}>"
    return None


def _normalize(value: Any) -> Any:
    if isinstance(value, str):
        return {"shell": value}
    if isinstance(value, StepBase) or not isinstance(value, dict):
        if not isinstance(value, StepBase | dict):
            raise PydanticCustomError("step_type", "expected a step (a mapping with one of: {kinds})",
                                      {"kinds": ", ".join(KINDS)})
        return value
    found = [k for k in value if k in KINDS]
    if len(found) > 1:
        raise PydanticCustomError("step_kind", "a step has exactly one kind, found {found}",
                                  {"found": " and ".join(found), "key": found[1]})
    if not found:
        unknown = [str(k) for k in value if k not in COMMON_KEYS]
        for key in unknown:
            close = difflib.get_close_matches(key, list(KINDS), n=1, cutoff=0.6)
            if close:
                raise PydanticCustomError("step_kind", "unknown key '{key}' (did you mean '{hint}'?)",
                                          {"key": key, "hint": close[0]})
        raise PydanticCustomError("step_kind", "a step needs one of: {kinds}", {"kinds": ", ".join(KINDS)})
    return value


if TYPE_CHECKING:
    AnyStep = StepBase
else:
    AnyStep = Annotated[
        Annotated[
            Union[tuple(Annotated[cls, Tag(f"<{kind}>")] for kind, cls in KINDS.items())],  # noqa: UP007
            Discriminator(kind_of),
        ],
        BeforeValidator(_normalize),
    ]

_ALL: tuple[type[StepBase], ...] = (StepBase, *_KIND_CLASSES)
for _cls in _ALL:
    _cls.model_rebuild(force=True, _types_namespace={"AnyStep": AnyStep})
