"""Field types every plug-in's plan model uses: durations written as `30s`/`5m`, regexes checked when the plan
loads, lists that accept one value, and models that reject unknown keys."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from golive.core.pydantic_plugins import skip_empty_plugin_scan
from golive.units import parse_duration

skip_empty_plugin_scan()  # before the first model here is built (golive.core.pydantic_plugins)


def _duration(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return parse_duration(value)
    return value


Duration = Annotated[float, BeforeValidator(_duration), Field(ge=0)]


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


#: A regular expression, compiled once when the plan loads so a typo is a plan error, not a failed step at 2 AM.
Regex = Annotated[str, AfterValidator(_regex)]


class Strict(BaseModel):
    """Plan models reject unknown keys so a typo is an error, not a silently ignored setting."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, int) and not isinstance(value, bool) else value


#: `200` or `[200, 204]`.
IntList = Annotated[list[int], BeforeValidator(_one_or_many)]
