"""Overrides: what a document cannot know about the host its plan runs on, kept in a small YAML file that
`golive import FILE --overrides host.yaml` applies, so the imported plan runs without hand edits and a
re-import gives the same plan again.

    service: banking-app                  # a plan key replaces the imported value; null removes it
    environment: demo
    window: null
    approvers: {QA Lead: [quinn]}         # a mapping merges key by key with the imported one
    replace:                              # text in the steps (commands, URLs, undo) -> what this host uses
      https://app.example.com: http://127.0.0.1:18090
      sudo systemctl: python3 host.py --home /srv/demo

Every override is listed in the import summary with its line. A `replace` that matches nothing, or a key
that is no plan key, is an error at its line: an override that silently does nothing would leave the
production value in the plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from golive.errors import PlanError, PlanIssue
from golive.plan.model import Plan

#: Where the plan's commands, URLs and undo live: `replace` rewrites text there and nowhere else.
STEP_LISTS = ("phases", "rollback", "success_criteria")


def _plan_keys() -> set[str]:
    return {f.alias or name for name, f in Plan.model_fields.items()}


def _line(data: Any, key: Any) -> tuple[int, int]:
    try:
        line, col = data.lc.key(key)
        return int(line) + 1, int(col) + 1
    except (AttributeError, KeyError, TypeError):
        return 1, 1


def load(path: str | Path) -> Any:
    from golive.plan.loader import _parse_yaml, read_source

    name = str(path)
    data = _parse_yaml(read_source(path, "overrides"), name)
    if not isinstance(data, dict):
        raise PlanError([PlanIssue(name, 1, 1, "", "overrides must be a mapping of plan keys (and `replace:`)")])
    known = _plan_keys() | {"replace"}
    issues = [PlanIssue(name, *_line(data, k), str(k), f"'{k}' is not a plan key (known: {', '.join(sorted(known))})")
              for k in data if k not in known]
    replace = data.get("replace")
    pairs = replace.items() if isinstance(replace, dict) else ()
    if replace is not None and not (pairs and all(isinstance(k, str) and k and isinstance(v, str) for k, v in pairs)):
        issues.append(PlanIssue(name, *_line(data, "replace"), "replace",
                                "replace must map text found in the steps to the text this host uses"))
    if issues:
        raise PlanError(issues)
    return data


def _strings(node: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every string under `node`."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        if isinstance(v, str):
            yield node, k
        else:
            yield from _strings(v)


def apply(plan: Any, overrides: Any, source: str) -> list[str]:
    """Apply `overrides` (from `load`) to the imported plan mapping in place; returns the summary lines."""
    name = Path(source).name
    said: list[str] = []
    for key, value in overrides.items():
        if key == "replace":
            continue
        at = f"{name}:{_line(overrides, key)[0]}"
        if hasattr(plan, "ca"):
            plan.ca.items.pop(key, None)  # its "TODO: check" comment is answered
        if value is None:
            if key in plan:
                del plan[key]
            said.append(f"override ({at}): {key} removed")
        elif isinstance(value, dict) and isinstance(plan.get(key), dict):
            for k, v in value.items():
                plan[key][k] = v
            said.append(f"override ({at}): {key}: {', '.join(str(k) for k in value)}")
        else:
            plan[key] = value
            said.append(f"override ({at}): {key} = {value if isinstance(value, str | int | float) else '...'}")
    issues: list[PlanIssue] = []
    for old, new in (overrides.get("replace") or {}).items():
        count = 0
        for section in STEP_LISTS:
            for container, k in list(_strings(plan.get(section) or [])):
                text = container[k]
                if old in text:
                    count += text.count(old)
                    container[k] = type(text)(text.replace(old, new))  # keeps a block scalar a block
        line, col = _line(overrides["replace"], old)
        if not count:
            issues.append(PlanIssue(source, line, col, "replace", f"'{old}' occurs in no step of the imported plan"))
        said.append(f"override ({name}:{line}): '{old}' -> '{new}' ({count} place{'s' if count != 1 else ''})")
    if issues:
        raise PlanError(issues)
    return said
