"""The directory a notebook's front matter runs every cell in (Runme: `cwd: ../../deploy/temporal`, next to
`shell: bash`). Read as page metadata and left out, the cells' relative paths (`backups/`, `./schema/...`,
`values/prod.yaml`) ran wherever golive runs: the dump went to the wrong place and the schema was not found. Every
shell step of the plan runs in that directory (`shell.cwd`). Runme resolves a relative one against the notebook's
own directory, while golive resolves `shell.cwd` against the run's working directory, so a relative one is written
as the absolute path it names from the document's directory. Only a Runme notebook's front matter (a `runme:` key,
or `shell:` beside the cwd) says this: a Hugo or mkdocs page's `workdir:` is the page's metadata."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

#: `cwd: ../../deploy/temporal`, `cwd: "/srv/app"` at the top level of the front matter (never an indented key).
_CWD = re.compile(r"^(?:cwd|workdir|working[_-]?dir(?:ectory)?)\s*:\s*(?P<v>\S.*?)\s*$")


#: What makes the front matter Runme's: its own `runme:` key, or the `shell:` its cells run in.
_RUNME = re.compile(r"^(?:runme|shell)\s*:")


def front_cwd(front_lines: list[str]) -> str | None:
    """The directory a Runme notebook's front matter runs every cell in, or None when it names none (or the front
    matter is not a notebook's)."""
    if not any(_RUNME.match(line) for line in front_lines):
        return None
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


def from_document(cwd: str, source: str) -> str | None:
    """`cwd` as the absolute directory it names from the document's directory, as Runme reads it; None when the
    document has no file to be relative to (then the plan keeps it as written, and the summary says so)."""
    if os.path.isabs(cwd) or cwd.startswith(("$", "~")):
        return cwd
    if source.startswith("<") or not Path(source).is_file():
        return None
    return os.path.normpath(os.path.join(Path(source).resolve().parent, cwd))
