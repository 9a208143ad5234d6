"""The JSON report: the same model as the HTML and Markdown ones, for tools (dashboards, ticket bots)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from pydantic import BaseModel

from golive.core.events import Piece
from golive.report.model import Report

SCHEMA_VERSION = 1


def _as_recorded(value: Any) -> Any:
    """Typed parts of the report as JSON: a piece of the log as it was recorded, the plan's change record as the
    plan states it (nothing added by defaults)."""
    if isinstance(value, Piece):
        return value.raw()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    raise TypeError(f"{type(value).__name__} is not JSON")


def render_json(r: Report) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, **dataclasses.asdict(r)}, indent=2, sort_keys=False,
                      default=_as_recorded) + "\n"
