"""Findings as text (file:line:col), JSON, or SARIF 2.1.0 for code-scanning tools."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from golive import __version__
from golive.masking import safe
from golive.plan.lint.rules import RULES, Finding


def to_sarif(findings: list[Finding]) -> dict[str, Any]:
    ids = list(RULES)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "golive", "version": __version__,
                "rules": [{"id": r.id, "name": r.name, "shortDescription": {"text": r.description},
                           "defaultConfiguration": {"level": r.severity}} for r in RULES.values()],
            }},
            "results": [{
                "ruleId": f.rule, "ruleIndex": ids.index(f.rule), "level": f.severity,
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": Path(f.file).as_posix()},
                    "region": {"startLine": f.line, "startColumn": f.col},
                }}],
            } for f in findings],
        }],
    }


def render(findings: list[Finding], fmt: str) -> str:
    if fmt == "sarif":
        return json.dumps(to_sarif(findings), indent=2) + "\n"
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    if fmt == "json":
        return json.dumps({"findings": [{**asdict(f), "name": f.name} for f in findings],
                           "errors": errors, "warnings": warnings}, indent=2) + "\n"
    lines = [safe(str(f)) for f in findings]  # names and values quoted from the plan: shown, not obeyed
    lines.append(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''},"
                 f" {len(findings) - errors - warnings} notes")
    return "\n".join(lines) + "\n"
