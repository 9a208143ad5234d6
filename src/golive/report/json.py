"""The JSON report: the same model as the HTML and Markdown ones, for tools (dashboards, ticket bots)."""

from __future__ import annotations

import dataclasses
import json

from golive.report.model import Report

SCHEMA_VERSION = 1


def render_json(r: Report) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, **dataclasses.asdict(r)}, indent=2, sort_keys=False) + "\n"
