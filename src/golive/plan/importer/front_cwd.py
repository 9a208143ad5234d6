"""The directory a notebook's front matter runs every cell in (Runme: `cwd: ../../deploy/temporal`, next to
`shell: bash`). Read as page metadata and left out, the cells' relative paths (`backups/`, `./schema/...`,
`values/prod.yaml`) ran wherever golive runs: the dump went to the wrong place and the schema was not found. Every
shell step of the plan runs in that directory (`shell.cwd`; golive resolves a relative one against the run's
working directory, so the summary says to check it from where golive runs)."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

#: `cwd: ../../deploy/temporal`, `cwd: "/srv/app"` at the top level of the front matter (never an indented key).
_CWD = re.compile(r"^(?:cwd|workdir|working[_-]?dir(?:ectory)?)\s*:\s*(?P<v>\S.*?)\s*$")


def front_cwd(front_lines: list[str]) -> str | None:
    """The directory the front matter runs every cell in, or None when it names none."""
    for line in front_lines:
        m = _CWD.match(line)
        if m:
            value = m.group("v").strip("'\"")
            return value if value and not value.startswith(("{", "[")) else None
    return None


def _shell_steps(steps: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for step in steps or []:
        if isinstance(step, dict):
            if "shell" in step:
                out.append(step)
            if isinstance(step.get("undo"), dict) and "shell" in step["undo"]:
                out.append(step["undo"])
    return out


def apply_cwd(data: CommentedMap, cwd: str) -> int:
    """Every shell step of the plan (forward, undo, rollback levels) runs in `cwd`, unless it names its own; how
    many steps now do."""
    steps = [s for p in data.get("phases") or [] for s in _shell_steps(p.get("steps"))]
    steps += [s for lv in (data.get("rollback") or {}).get("levels") or [] for s in _shell_steps(lv.get("steps"))]
    count = 0
    for step in steps:
        spec = step["shell"]
        if isinstance(spec, str):
            spec = step["shell"] = CommentedMap({"command": spec})
        if isinstance(spec, dict) and not spec.get("cwd"):
            spec["cwd"] = cwd
            count += 1
    return count
