"""The JSON report: the same model as the HTML and Markdown ones, for tools (dashboards, ticket bots)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from golive.core.events import Piece
from golive.report.model import Report, as_dict

SCHEMA_VERSION = 1


def _as_recorded(value: Any) -> Any:
    """Typed parts of the report as JSON: a piece of the log as it was recorded (the plan's change record is one:
    golive.plan.recorded)."""
    if isinstance(value, Piece):
        return value.raw()
    raise TypeError(f"{type(value).__name__} is not JSON")


def render_json(r: Report) -> str:
    return "".join(iter_json(r))


def iter_json(r: Report) -> Iterator[str]:
    """The JSON report in pieces, to write as they come: with `indent`, json encodes in Python, in many small
    strings that joined at once held a 10,000-step run's report several times over."""
    encoder = json.JSONEncoder(indent=2, sort_keys=False, default=_as_recorded)
    yield from encoder.iterencode({"schema": SCHEMA_VERSION, **as_dict(r)})
    yield "\n"
