"""What every built-in check shares: the base model, sizes, and message helpers."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from golive.core.fields import Strict
from golive.core.step import StepContext, StepResult
from golive.units import parse_size


def _size(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return parse_size(value)
    return value


#: Bytes, written in plans as `10GB`, `512MiB` or a plain number.
Size = Annotated[int, BeforeValidator(_size), Field(ge=0)]


def format_size(n: float) -> str:
    """`12.3 GB`, `512 MB`, `87 B` (decimal units, the way `10GB` is read in plans)."""
    for unit, factor in (("TB", 1000**4), ("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if n >= factor:
            value = n / factor
            return f"{value:.1f} {unit}".replace(".0 ", " ") if value < 100 else f"{value:.0f} {unit}"
    return f"{n:.0f} B"


class CheckBase(Strict):
    """A built-in check. Subclasses add `type: Literal["name"]` and their settings."""

    if TYPE_CHECKING:  # every subclass declares it as a Literal; the type checker sees it through AnyCheck
        type: str

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, value: Any) -> Any:
        # Point a misspelt setting at the right name; the generic error would not know it.
        if isinstance(value, dict):
            names = [(f.alias or n) for n, f in cls.model_fields.items()]
            for key in value:
                if isinstance(key, str) and key not in names and key not in cls.model_fields:
                    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                    if close:
                        raise PydanticCustomError("unknown_key", "unknown key '{key}' (did you mean '{hint}'?)",
                                                  {"key": key, "hint": close[0]})
        return value

    def describe(self) -> str:
        raise NotImplementedError

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        raise NotImplementedError
