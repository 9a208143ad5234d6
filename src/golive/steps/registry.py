"""Step kinds by their YAML key, and `AnyStep`, the validated union of all of them.

A step is a mapping with exactly one kind key (`shell:`, `http:`, ...) plus the common fields; a bare
string is shorthand for a shell command. Adding a kind = one module + one line in `KINDS` (golive.steps.kinds).

A kind's module is imported, and its model built, when a plan first uses it (golive.core.lazyunion): a command
reading a shell-only plan does not build the canary, rolling or database models. The messages still name every
kind, from `KINDS` alone.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from golive.core.lazyunion import LazyUnion
from golive.steps.kinds import KINDS as KINDS

if TYPE_CHECKING:
    from golive.steps.base import StepBase


def _common_keys() -> frozenset[str]:
    from golive.steps.base import StepBase

    return frozenset(StepBase.model_fields)


def kind_of(value: Any) -> str | None:
    from golive.steps.base import StepBase

    if isinstance(value, StepBase):
        return f"<{value.kind}>"
    if isinstance(value, dict):
        found = [k for k in value if k in KINDS]
        if len(found) == 1:
            return f"<{found[0]}>"
    return None


def _normalize(value: Any) -> Any:
    from golive.steps.base import StepBase

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
        common = _common_keys()
        unknown = [str(k) for k in value if k not in common]
        for key in unknown:
            close = difflib.get_close_matches(key, list(KINDS), n=1, cutoff=0.6)
            if close:
                raise PydanticCustomError("step_kind", "unknown key '{key}' (did you mean '{hint}'?)",
                                          {"key": key, "hint": close[0]})
        raise PydanticCustomError("step_kind", "a step needs one of: {kinds}", {"kinds": ", ".join(KINDS)})
    return value


_STEPS = LazyUnion({f"<{kind}>": where for kind, where in KINDS.items()}, kind_of)


def kind_class(kind: str) -> type[StepBase]:
    """The model of a kind, imported (and built) on first use."""
    cls: type[StepBase] = _STEPS.member(f"<{kind}>")  # type: ignore[assignment]
    return cls


def kind_classes() -> dict[str, type[StepBase]]:
    """Every kind's model: for what describes all of them (the JSON Schema)."""
    return {kind: kind_class(kind) for kind in KINDS}


if TYPE_CHECKING:
    AnyStep = StepBase
else:
    AnyStep = Annotated[Annotated[Any, _STEPS], BeforeValidator(_normalize)]
