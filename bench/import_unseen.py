"""Fidelity of `golive import` on runbooks it has never seen (issue 14), scored against hand-written placements.

    .venv/bin/python bench/import_unseen.py [--dir tests/import_unseen] [--json] [--keep DIR] [-q]

Each `tests/import_unseen/NN_*.md` was written blind, with its `NN_*.expected.yaml` (format in that folder's
README.md) written before the importer ever ran on it. Each runbook is imported with the `golive import`
command (a subprocess, as a team would run it), the plan is checked with `golive plan validate`, and every
expected item is looked for where the document means it to land. Printed: placed/total per category
(phases, commands, checklist, gates, rollback, window, traffic, criteria, people) and overall, every miss
with the runbook line it comes from, and separately the commands whose MEANING CHANGED (split or cut
mid-statement, merged with another block, run by another shell, a non-shell language run as shell), items
the plan has that the document does not (spurious), secret values written into the plan, and
never-ending commands kept as steps.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from golive.plan.window import resolve
from golive.units import parse_duration

CATEGORIES = ("phases", "commands", "checklist", "gates", "rollback", "window", "traffic", "criteria", "people")
BASE_FIELDS = {"name", "timeout", "grace", "idempotent", "read_only", "continue_on_error", "undo"}
#: Step kinds that run something (a command, a query, a request); `manual` and `wait` do not.
#: `pwsh` is a shell step run by PowerShell: it runs what it holds as much as a bash one does.
EXECUTING = {"shell", "pwsh", "ssh", "sql", "migrate", "backup", "restore", "http", "check", "canary", "switch",
             "rolling"}
#: Kinds whose `alt` markers are accepted: structured steps that legitimately drop the literal command.
STRUCTURED = {"backup", "restore", "migrate", "canary", "switch", "sql", "http", "check"}
SQL_CLIENTS = ("psql", "mysql", "sqlite3", "sqlcmd")
#: Languages whose blocks are commands (two of them in one step is a merge); the rest is text, config or output.
COMMAND_LANGS = {"bash", "sh", "sql", "powershell"}
ROOT = Path(__file__).resolve().parent.parent


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() if k != "undo" for s in [str(k), *strings(v)]]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return [] if node is None else [str(node)]


@dataclass
class Step:
    kind: str  # shell | pwsh | ssh | sql | manual | ...
    where: tuple[str, Any]  # ("phase", index) | ("level", n) | ("gate", index) | ("undo", index) | ("criterion", i)
    raw: dict[str, Any]
    label: str
    src: int | None = None  # the runbook line the importer's comment names for this step

    @property
    def spec(self) -> Any:
        return self.raw.get(self.raw_kind)

    @property
    def raw_kind(self) -> str:
        return next((k for k in self.raw if k not in BASE_FIELDS), "?")

    @property
    def text(self) -> str:
        words = " ".join(strings({k: v for k, v in self.raw.items() if k != "undo"}))
        spec = self.spec
        if self.kind == "http" and isinstance(spec, dict) and spec.get("method"):
            # the request curl's `-X PUT` makes: an http step with `method: PUT` holds it
            words += f" -X {spec['method']} --request {spec['method']}"
        return norm(words)

    @property
    def bash_text(self) -> str:
        """What bash (or sh) will run for this step: the words a non-bash line must never be part of."""
        spec = self.spec
        if self.kind in ("shell", "ssh"):
            cmd = spec if isinstance(spec, str) else (spec or {}).get("command", "")
            return norm(str(cmd))
        if self.kind == "migrate" and isinstance(spec, dict) and "pwsh" not in str(spec.get("shell", "")):
            return norm(" ".join(str(spec.get(k, "")) for k in ("up", "down", "revision")))
        if self.kind == "check" and isinstance(spec, dict):
            return norm(str(spec.get("command", "")))
        return ""


def step_kind(raw: dict[str, Any]) -> str:
    kind = next((k for k in raw if k not in BASE_FIELDS), "?")
    spec = raw.get(kind)
    if kind == "shell" and isinstance(spec, dict) and re.search(r"pwsh|powershell", str(spec.get("shell", "")), re.I):
        return "pwsh"
    return kind


def source_line(raw: Any, out_lines: list[str]) -> int | None:
    """The importer writes `# file.md:LINE` after each step's first line; ruamel knows where that line is."""
    lc = getattr(raw, "lc", None)
    if lc is None or lc.line is None or lc.line >= len(out_lines):
        return None
    m = re.search(r"#\s*\S+?:(\d+)\s*$", out_lines[lc.line])
    return int(m.group(1)) if m else None


def collect(plan: dict[str, Any], out_lines: list[str] | None = None) -> list[Step]:
    out: list[Step] = []

    def add(raw: Any, where: tuple[str, Any], label: str) -> None:
        if not isinstance(raw, dict):
            return
        out.append(Step(step_kind(raw), where, raw, label, source_line(raw, out_lines or [])))
        if isinstance(raw.get("undo"), dict):
            out.append(Step(step_kind(raw["undo"]), ("undo", where[1] if where[0] == "phase" else where),
                            raw["undo"], label + ".undo"))
        elif isinstance(raw.get("undo"), str):
            out.append(Step("shell", ("undo", where[1] if where[0] == "phase" else where),
                            {"shell": raw["undo"]}, label + ".undo"))

    for pi, phase in enumerate(plan.get("phases") or [], 1):
        for si, raw in enumerate(phase.get("steps") or [], 1):
            add(raw, ("phase", pi - 1), f"{pi}.{si}")
        for ci, raw in enumerate((phase.get("gate") or {}).get("checks") or [], 1):
            add(raw, ("gate", pi - 1), f"{pi}.gate.{ci}")
    for level in (plan.get("rollback") or {}).get("levels") or []:
        for si, raw in enumerate(level.get("steps") or [], 1):
            add(raw, ("level", level.get("level")), f"L{level.get('level')}.{si}")
    for i, crit in enumerate(plan.get("success_criteria") or [], 1):
        if isinstance(crit, dict) and isinstance(crit.get("check"), dict):
            add(crit["check"], ("criterion", i), f"criterion.{i}")
    return out


@dataclass
class Result:
    name: str
    placed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    misses: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    never_ending: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    summary: str = ""

    def add(self, cat: str, ok: bool, line: int, what: str) -> None:
        self.total[cat] += 1
        if ok:
            self.placed[cat] += 1
        else:
            self.misses.append(f"{self.name}:{line}: {cat}: {what}")


class Scorer:
    def __init__(self, exp: dict[str, Any], plan: dict[str, Any], plan_text: str, src: list[str], res: Result) -> None:
        self.exp, self.plan, self.plan_text, self.src, self.res = exp, plan, plan_text, src, res
        self.phases: list[dict[str, Any]] = list(plan.get("phases") or [])
        self.levels: dict[Any, dict[str, Any]] = {lv.get("level"): lv for lv in
                                                   (plan.get("rollback") or {}).get("levels") or []}
        self.steps = collect(plan, plan_text.splitlines())
        self.phase_index = self._match_phases()
        self.flagged: set[str] = set()  # steps already counted as a changed meaning

    # -- phases -------------------------------------------------------------------------------------
    def _match_phases(self) -> dict[str, int]:
        found: dict[str, int] = {}
        used: set[int] = set()
        for want in self.exp.get("phases") or []:
            names = [words(p.get("name", "")) for p in self.phases]
            exact = [i for i, n in enumerate(names) if n == words(want["name"]) and i not in used]
            subset = [i for i, n in enumerate(names) if words(want["name"]) <= n and i not in used]
            pick = (exact or subset)[0] if exact or subset else None
            if pick is not None:
                found[want["name"]] = pick
                used.add(pick)
        self.spurious_phases = [p.get("name", "?") for i, p in enumerate(self.phases) if i not in used]
        return found

    def where_ok(self, step: Step, where: dict[str, Any]) -> bool:
        kind, key = step.where
        if "phase" in where:
            return kind == "phase" and self.phase_index.get(where["phase"]) == key
        if "level" in where:
            return kind == "level" and key == where["level"]
        if where.get("rollback"):
            return kind == "level" or (kind == "undo" and isinstance(key, tuple) and key[0] == "level")
        if "gate" in where:
            return kind == "gate" and self.phase_index.get(where["gate"]) == key
        if "undo_in" in where:
            pi = self.phase_index.get(where["undo_in"])
            return (kind == "undo" and key == pi) or (kind == "phase" and key == pi and step.kind == "migrate")
        return False

    def score_phases(self) -> None:
        for want in self.exp.get("phases") or []:
            idx = self.phase_index.get(want["name"])
            self.res.add("phases", idx is not None, want["line"], f"phase '{want['name']}' not found "
                         f"(plan phases: {[p.get('name') for p in self.phases]})")
            if "timebox" in want:
                got = self.phases[idx].get("timebox") if idx is not None else None
                ok = got is not None and abs(parse_duration(got) - parse_duration(want["timebox"])) < 1
                self.res.add("phases", ok, want["line"], f"timebox of '{want['name']}': want {want['timebox']}, "
                             f"got {got}")
        for name in self.spurious_phases:
            self.res.spurious.append(f"{self.res.name}: forward phase '{name}' not in the document's phases")

    # -- commands -----------------------------------------------------------------------------------
    def _has(self, step: Step, markers: list[str]) -> bool:
        return all(norm(m) in step.text or self._exported(m) for m in markers)

    def _exported(self, marker: str) -> bool:
        """`export NAME=value` kept as a plan var with that value is the same state: plan vars reach every shell
        step as environment variables. Not so for a value the shell would compute (`$(...)`, `$X`, backticks)."""
        m = re.fullmatch(r"\s*export\s+(.+)", marker)
        if not m:
            return False
        pairs = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S+)", m.group(1))
        pv = self.plan.get("vars") or {}
        for name, value in pairs:
            value = value.strip("\"'")
            var = pv.get(name)
            got = var.get("value") if isinstance(var, dict) else var
            if "$" in value or "`" in value or got is None or str(got) != value:
                return False
        return bool(pairs)

    def _unit_steps(self, unit: dict[str, Any]) -> list[Step]:
        wheres = unit.get("where_any") or [unit.get("where") or {}]
        kinds = unit.get("kinds")
        hits = []
        for step in self.steps:
            for where in wheres:
                if where.get("text") or "vars" in where or not self.where_ok(step, where):
                    continue
                if kinds and step.kind not in kinds:
                    continue
                markers_ok = self._has(step, unit["markers"]) or (
                    step.kind in STRUCTURED and any(self._has(step, alt) for alt in unit.get("alt") or []))
                if markers_ok and self._sql_expect_ok(step, unit.get("sql_expect")) \
                        and self._exit_ok(step, unit.get("expect_exit")) \
                        and self._database_ok(step, unit.get("sql_database")):
                    hits.append(step)
        return hits

    @staticmethod
    def _sql_expect_ok(step: Step, want: dict[str, Any] | None) -> bool:
        if not want:
            return True
        expect = (step.spec or {}).get("expect") or {} if isinstance(step.spec, dict) else {}
        return all(str(expect.get(k)) == str(v) for k, v in want.items())

    @staticmethod
    def _exit_ok(step: Step, want: list[int] | None) -> bool:
        """A shell or ssh step accepts every exit status the document calls success (`grep -c` prints 0 and exits
        1: `expect_exit: [0, 1]`); a step that runs nothing (manual) has no status to get wrong."""
        if not want or step.kind not in ("shell", "pwsh", "ssh"):
            return True
        spec = step.spec if isinstance(step.spec, dict) else {}
        got = spec.get("expect_exit", [0])
        got = [got] if isinstance(got, int) else list(got or [0])
        return all(int(code) in got for code in want)

    @staticmethod
    def _database_ok(step: Step, want: str | None) -> bool:
        """An sql step runs on the database the document names (`sql_database: billing`), never another one."""
        if not want or step.kind != "sql":
            return True
        spec = step.spec if isinstance(step.spec, dict) else {}
        return str(spec.get("database", "")) == str(want)

    def _as_text_ok(self, unit: dict[str, Any]) -> bool:
        return not any(step.kind in EXECUTING and self._has(step, unit["markers"]) for step in self.steps)

    def _check_not_run(self, block: dict[str, Any], unit: dict[str, Any]) -> None:
        """A command the document says not to run (or text that is no command) made into a step that runs: the
        plan does what the document forbids, a changed meaning, not only a miss. A step is this unit's when the
        importer names a line of this block for it (or names none) and no other unit of the document places it."""
        end = self.block_end(block["line"])
        placed = {s.label for b in self.exp.get("commands") or [] for u in b["units"] if u is not unit
                  and u["markers"] and not all(w.get("text") for w in (u.get("where_any") or [u.get("where") or {}]))
                  for s in self._unit_steps(u)}
        for step in self.steps:
            if step.kind not in EXECUTING or not self._has(step, unit["markers"]) or step.label in self.flagged:
                continue
            if step.label in placed or (step.src is not None and not block["line"] <= step.src <= end):
                continue
            self.flagged.add(step.label)
            self.res.changed.append(f"{self.res.name}:{block['line']}: `{max(unit['markers'], key=len)}`, which "
                                    f"the document does not mean to run, is step {step.label} ({step.kind})")

    def _vars_ok(self, where: dict[str, Any]) -> tuple[bool, str]:
        pv = self.plan.get("vars") or {}
        missing = [v for v in where["vars"] if v not in pv]
        bad = [v for v in where.get("secret", []) if v in pv and not (
            isinstance(pv[v], dict) and pv[v].get("secret") and (pv[v].get("from_env") or pv[v].get("from_file")))]
        return not missing and not bad, f"vars missing {missing}, not secret from_env/file {bad}"

    def score_commands(self) -> None:
        for block in self.exp.get("commands") or []:
            line, lang = block["line"], block["lang"]
            placed_units: list[tuple[dict[str, Any], list[Step]]] = []
            for unit in block["units"]:
                wheres = unit.get("where_any") or [unit.get("where") or {}]
                first = (unit["markers"] or ["(vars)"])[0]
                if "vars" in wheres[0]:
                    ok, why = self._vars_ok(wheres[0])
                    self.res.add("commands", ok, line, f"{lang} block: {why}")
                    continue
                hits = self._unit_steps(unit)
                ok = bool(hits) or (any(w.get("text") for w in wheres) and self._as_text_ok(unit))
                if all(w.get("text") for w in wheres) and unit["markers"]:
                    self._check_not_run(block, unit)
                if not ok:
                    self.res.add("commands", False, line, f"{lang} `{first}` want {wheres} as {unit.get('kinds')}; "
                                 f"{self._where_is(unit['markers'])}")
                else:
                    self.res.add("commands", True, line, "")
                placed_units.append((unit, hits))
                self._check_split(block, unit, hits)
                self._check_forbidden(block, unit)
                if block.get("never_ends"):
                    for step in self.steps:
                        if step.kind in EXECUTING and self._has(step, unit["markers"]):
                            self.res.never_ending.append(f"{self.res.name}:{line}: `{first}` is step {step.label} "
                                                         f"({step.kind})")
            if block.get("script"):
                shells = {id(s) for _, hits in placed_units for s in hits if s.kind in ("shell", "ssh")}
                if len(shells) > 1:
                    self.res.changed.append(f"{self.res.name}:{line}: {lang} script run as {len(shells)} separate "
                                            "shell steps")
            self._check_language(block)
            self._check_intent(block)
            for value in block.get("secret_values") or []:
                if value in self.plan_text:
                    self.res.secrets.append(f"{self.res.name}:{line}: secret value '{value[:6]}…' written in the plan")
        self._check_merges()
        self._check_restores()
        self._check_rollback_places()
        self._check_placeholders()

    def _check_rollback_places(self) -> None:
        """A rollback or undo command that runs in the forward path, or with another level's steps (levels merged),
        runs at a time the document did not mean: a restore during the deploy, a schema downgrade on an app-only
        rollback."""
        blocks = self.exp.get("commands") or []
        # a step another unit places is that unit's command (the forward path may run the same `systemctl stop`)
        placed = {s.label for b in blocks for u in b["units"] if u["markers"] for s in self._unit_steps(u)}
        for block in blocks:
            end = self.block_end(block["line"])
            for unit in block["units"]:
                wheres = unit.get("where_any") or [unit.get("where") or {}]
                levels = [w.get("level") for w in wheres if "level" in w]
                undo = any("undo_in" in w for w in wheres)
                if not unit["markers"] or not (levels or undo or any(w.get("rollback") for w in wheres)):
                    continue
                if self._unit_steps(unit):
                    continue
                for step in self.steps:
                    if step.kind not in EXECUTING or not self._has(step, unit["markers"]) or step.label in self.flagged:
                        continue
                    if step.label in placed or (step.src is not None and not block["line"] <= step.src <= end):
                        continue
                    kind, key = step.where
                    what, role = max(unit["markers"], key=len), "undo" if undo else "rollback"
                    if kind in ("phase", "gate") and not (undo and step.kind == "migrate"):
                        self.res.changed.append(f"{self.res.name}:{block['line']}: {role} command "
                                                f"`{what}` runs in the forward path (step {step.label})")
                    elif kind == "level" and levels and key not in levels:
                        self.res.changed.append(f"{self.res.name}:{block['line']}: level {levels[0]} command "
                                                f"`{what}` runs with level {key}'s steps ({step.label})")
                    else:
                        continue
                    self.flagged.add(step.label)

    def _check_placeholders(self) -> None:
        """A step that runs no command of the document (a table's `–` or `n/a` cell, an empty line)."""
        for step in self.steps:
            if step.kind in ("shell", "ssh") and not re.search(r"[a-z0-9]", step.bash_text.replace("n/a", "")):
                self.res.changed.append(f"{self.res.name}:{step.src or '?'}: step {step.label} runs "
                                        f"`{step.bash_text or '(nothing)'}`, which is no command of the document")

    def _check_restores(self) -> None:
        """A `restore` restores the run's own backup of that database: without a `backup` step taking it, the
        document's restore (of the file its own dump wrote) has become a restore of nothing."""
        backed_up = {str((s.spec or {}).get("database")) for s in self.steps if s.kind == "backup"
                     and isinstance(s.spec, dict)}
        for step in self.steps:
            if step.label in self.flagged or step.kind != "restore" or not isinstance(step.spec, dict):
                continue
            if str(step.spec.get("database")) not in backed_up:
                self.res.changed.append(f"{self.res.name}:{step.src or '?'}: restore step {step.label} restores a "
                                        f"backup of {step.spec.get('database')} that no backup step in the plan takes")

    def _where_is(self, markers: list[str]) -> str:
        found = [f"{s.label} ({s.kind})" for s in self.steps if self._has(s, markers)]
        if found:
            return "found as " + ", ".join(found)
        part = [f"{s.label} ({s.kind})" for s in self.steps if any(norm(m) in s.text for m in markers)]
        return ("parts in " + ", ".join(part)) if part else "not in any step"

    def _check_forbidden(self, block: dict[str, Any], unit: dict[str, Any]) -> None:
        """Document markup left in what runs (a table cell's `\\|`, a `<br>` between two commands, the backticks of
        a code span): bash would run it, so the command no longer does what the document says."""
        def loose(text: str) -> str:
            return norm(re.sub(r"<br\s*/?>|[`\\|]", " ", text))

        for bad in unit.get("forbid") or []:
            for step in self.steps:
                run = step.bash_text or norm(" ".join(strings(step.spec)))
                mine = step.src == block["line"] or all(loose(m) in loose(run) for m in unit["markers"])
                if step.kind not in EXECUTING or not mine:
                    continue
                if norm(bad) in run and step.label not in self.flagged:
                    self.flagged.add(step.label)
                    self.res.changed.append(f"{self.res.name}:{block['line']}: step {step.label} ({step.kind}) runs "
                                            f"the document's markup `{bad}` with its command")

    def _check_split(self, block: dict[str, Any], unit: dict[str, Any], hits: list[Step]) -> None:
        # only the pieces of the block's own text: a marker for what a step must check (an expected output written
        # after the block) is missing when the check is, which is a miss, not a cut
        own = norm(" ".join(self.src[block["line"] - 1:self.block_end(block["line"])]))
        markers = [m for m in unit["markers"] if norm(m) in own]
        if len(markers) < 2 or hits or block["lang"] not in ("bash", "sh", "sql"):
            return
        runs = [s for s in self.steps if s.kind in EXECUTING]
        if any(self._has(s, markers) for s in runs):
            return
        parts = [s for s in runs if any(norm(m) in s.text for m in markers)]
        wheres = unit.get("where_any") or [unit.get("where") or {}]
        here = [s for s in parts if any(self.where_ok(s, w) for w in wheres)]
        parts = here if len(here) >= 2 else parts
        # a cut shares the block's pieces out among steps: steps that all hold the same one piece (an expected
        # `8.0.40` that other commands also name) while the command itself is nowhere are a miss, not a cut
        held = {m for m in markers if any(norm(m) in s.text for s in parts)}
        if len(parts) >= 2 and len(held) >= 2:
            self.res.changed.append(f"{self.res.name}:{block['line']}: {block['lang']} block cut into "
                                    f"{len(parts)} steps ({', '.join(s.label for s in parts)}) where it must stay "
                                    f"one: `{markers[0]}` … `{markers[-1]}`")

    def block_end(self, line: int) -> int:
        """Last runbook line of the block that starts at `line` (a fence, also one inside a blockquote's `> `, an
        indented block, or one line)."""
        first = self.src[line - 1] if line <= len(self.src) else ""
        quoted = re.match(r"\s*(?:>\s?)+", first)

        def bare(text: str) -> str:
            return text[quoted.end():].strip() if quoted and text.startswith(quoted.group()) else text.strip()

        if bare(first).startswith(("```", "~~~")):
            fence = bare(first)[:3]
            return next((i for i in range(line + 1, len(self.src) + 1) if bare(self.src[i - 1]).startswith(fence)),
                        len(self.src))
        if first.startswith(("    ", "\t")):
            end = line
            while end < len(self.src) and (self.src[end].startswith(("    ", "\t")) or not self.src[end].strip()):
                end += 1
            return end
        return line

    def _check_intent(self, block: dict[str, Any]) -> None:
        """A shell or SQL block the importer turned into a step of another intent (e.g. an UPDATE made a restore)."""
        if block["lang"] not in ("bash", "sh", "sql"):
            return
        ok_kinds = {k for u in block["units"] for k in u.get("kinds") or []}
        end = self.block_end(block["line"])
        for step in self.steps:
            if step.label in self.flagged:
                continue  # already a changed meaning (a do-not-run command made a step): one report per step
            if step.src is not None and block["line"] <= step.src <= end and step.kind in STRUCTURED - ok_kinds:
                self.flagged.add(step.label)
                self.res.changed.append(f"{self.res.name}:{block['line']}: {block['lang']} block became a "
                                        f"{step.kind} step ({step.label}), which is not what its commands do")

    def _check_merges(self) -> None:
        for step in self.steps:
            if step.kind not in EXECUTING:
                continue
            blocks = set()
            for block in self.exp.get("commands") or []:
                if block["lang"] not in COMMAND_LANGS:
                    continue  # an output or config block a step checks against is not a command merged into it
                for unit in block["units"]:
                    if not unit["markers"] or not self._has(step, unit["markers"]):
                        continue
                    wheres = unit.get("where_any") or [unit.get("where") or {}]
                    # a migrate step carries its own downgrade: the block naming that downgrade is not merged into it
                    if any(not w.get("text") and "vars" not in w and self.where_ok(step, w)
                           and not ("undo_in" in w and step.where[0] == "phase") for w in wheres):
                        blocks.add(block["line"])
            if len(blocks) > 1:
                self.res.changed.append(f"{self.res.name}:{min(blocks)}: step {step.label} merges the command blocks "
                                        f"of lines {sorted(blocks)} into one")

    def _check_language(self, block: dict[str, Any]) -> None:
        lang, line = block["lang"], block["line"]
        if lang in ("bash", "sh"):
            for unit in block["units"]:
                for step in self.steps:
                    if step.kind == "pwsh" and self._has(step, unit["markers"]):
                        self.res.changed.append(f"{self.res.name}:{line}: bash block run by PowerShell ({step.label})")
            return
        if lang == "sql":
            for unit in block["units"]:
                for step in self.steps:
                    if step.kind in ("shell", "ssh") and any(norm(m) in step.bash_text for m in unit["markers"]) \
                            and not any(c in step.bash_text for c in SQL_CLIENTS):
                        self.res.changed.append(f"{self.res.name}:{line}: SQL run as shell ({step.label})")
            return
        foreign = block.get("foreign") or [m for u in block["units"] for m in u["markers"]]
        for step in self.steps:
            hit = [m for m in foreign if norm(m) in step.bash_text]
            if hit:
                how = "run by bash" if lang == "powershell" else "run as shell"
                self.res.changed.append(f"{self.res.name}:{line}: {lang} block {how} in step {step.label} "
                                        f"({step.kind}): `{hit[0]}`")

    # -- checklist, gates ---------------------------------------------------------------------------
    def score_checklist(self) -> None:
        for item in self.exp.get("checklist") or []:
            where = {"phase": item["phase"]} if "phase" in item else {"level": item["level"]}
            hits = [s for s in self.steps if self.where_ok(s, where) and norm(item["text"]) in s.text]
            ok = bool(hits)
            why = f"'{item['text']}' want in {where}; " + (self._where_text(item["text"]) if not ok else "")
            if ok and item.get("done") is not None:
                manual = [s for s in hits if s.kind == "manual"]
                dones = [bool((s.spec or {}).get("done")) if isinstance(s.spec, dict) else False for s in manual]
                ok = (item["done"] in dones) if manual else not item["done"]
                why = f"'{item['text']}' done={item['done']} in the document; plan: " + (
                    f"done={dones}" if manual else f"not a manual step ({hits[0].kind})")
            self.res.add("checklist", ok, item["line"], why)

    def _where_text(self, text: str) -> str:
        found = [f"{s.label} ({s.kind})" for s in self.steps if norm(text) in s.text]
        return ("found as " + ", ".join(found)) if found else "not in any step"

    def role_matches(self, actual: str, alts: list[str]) -> bool:
        return any(words(a) <= words(actual) for a in alts)

    def person_matches(self, actual: Any, alts: list[str]) -> bool:
        got = norm(str(actual)).lstrip("@")
        return any(got == norm(a).lstrip("@") or re.search(rf"(^|\W){re.escape(norm(a))}($|\W)", got) for a in alts)

    def score_gates(self) -> None:
        approvers = self.plan.get("approvers") or {}
        for gate in self.exp.get("gates") or []:
            idx = self.phase_index.get(gate["phase"])
            got = (self.phases[idx].get("gate") or {}) if idx is not None else {}
            appr = got.get("approvals") or {}
            role = str(appr.get("role") or "")
            ok = bool(appr) and (self.role_matches(role, gate.get("role") or []) or (
                "person" in gate and any(self.person_matches(p, [gate["person"]]) for p in approvers.get(role, []))))
            self.res.add("gates", ok, gate["line"], f"gate of '{gate['phase']}' want approval by {gate.get('role')}"
                         f"{' / ' + gate['person'] if 'person' in gate else ''}; got {got or 'no gate'}")

    # -- rollback, window, traffic, criteria, people ------------------------------------------------
    def score_rollback(self) -> None:
        canaries = [s.spec for s in self.steps if s.kind == "canary" and isinstance(s.spec, dict)]
        any_limits = any((c.get("analysis") or {}).get(k) is not None for c in canaries
                         for k in ("max_error_rate", "max_p95", "max_p99"))
        for want in self.exp.get("rollback") or []:
            lv = self.levels.get(want["level"])
            text = norm(f"{(lv or {}).get('name', '')} {(lv or {}).get('description', '')}")
            self.res.add("rollback", lv is not None and any(norm(k) in text for k in want["name"]), want["line"],
                         f"level {want['level']} named like {want['name']}; plan levels: "
                         f"{[(n, v.get('name')) for n, v in self.levels.items()]}")
            if "covers" in want:
                covers = {norm(str(c)) for c in (lv or {}).get("covers") or []}
                names = [norm(self.phases[i].get("name", "")) for i in
                         (self.phase_index.get(p) for p in want["covers"]) if i is not None]
                ok = bool(covers) and (bool(covers & {"all", "*"}) or (
                    len(names) == len(want["covers"]) and set(names) <= covers))
                self.res.add("rollback", ok, want["line"], f"level {want['level']} must cover {want['covers']}; "
                             f"covers {sorted(covers) if lv else 'no such level'}")
            if "trigger" in want:
                ok = any(norm(k) in text for k in want["trigger"]) or (bool(want.get("trigger_via_canary"))
                                                                      and any_limits)
                via = " nor in a canary's limits" if want.get("trigger_via_canary") else ""
                self.res.add("rollback", ok, want["line"], f"trigger {want['trigger']} of level {want['level']} not in "
                             f"its description{via}")
            if want.get("restores_data"):
                self.res.add("rollback", bool((lv or {}).get("restores_data")), want["line"],
                             f"level {want['level']} restores data but restores_data is not set")
            if want.get("any_restores_data"):
                self.res.add("rollback", any(v.get("restores_data") for v in self.levels.values()), want["line"],
                             "a level restores the database but no level has restores_data")
        for want in self.exp.get("rollback") or []:
            for step in self.steps:
                if step.where[0] == "level" and any(norm(k) in step.text for k in want.get("trigger") or []) \
                        and step.kind == "manual":
                    self.res.spurious.append(f"{self.res.name}:{step.src or '?'}: a rollback trigger became rollback "
                                             f"step {step.label}: '{step.text[:70]}'")
        expected = {w["level"] for w in self.exp.get("rollback") or []}
        for n, lv in self.levels.items():
            if n not in expected:
                self.res.spurious.append(f"{self.res.name}: rollback level {n} '{lv.get('name')}' not in the document")

    def score_window(self) -> None:
        want = self.exp.get("window")
        if not want:
            return
        got = self.plan.get("window") or {}
        off = timedelta(hours=int(want["utc_offset"][:3]), minutes=int(want["utc_offset"][4:]))
        starts = want.get("start_any") or [want["start"]]

        def utc(local: str) -> datetime:
            return (datetime.fromisoformat(local) - off).replace(tzinfo=UTC)

        try:
            iv = resolve(str(got["start"]), str(got["end"]), str(got.get("timezone", "UTC")),
                         str(got["rollback_until"]) if got.get("rollback_until") else None,
                         datetime(2026, 1, 1, tzinfo=UTC))
            ok = any(iv.start == utc(s) for s in starts) and iv.end == utc(want["end"])
            until = iv.rollback_until
        except (KeyError, ValueError, TypeError) as exc:
            ok, until = False, None
            got = {**got, "error": repr(exc)} if got else {}
        self.res.add("window", ok, want["line"], f"window want {starts[0]}..{want['end']} at UTC{want['utc_offset']}; "
                     f"got {got or 'none'}")
        if "rollback_until" in want:
            day = starts[0][:10]
            ok = until is not None and until == utc(f"{day}T{want['rollback_until']}")
            self.res.add("window", ok, want["line"], f"rollback_until want {want['rollback_until']}; "
                         f"got {got.get('rollback_until')}")

    def score_traffic(self) -> None:
        for want in self.exp.get("traffic") or []:
            idx = self.phase_index.get(want["phase"])
            canaries = [s.spec for s in self.steps if s.kind == "canary" and s.where == ("phase", idx)
                        and isinstance(s.spec, dict)]
            stages = [st for st in (canaries[0].get("stages") or [])] if canaries else []
            weights = [int(st.get("weight", 0)) for st in stages]
            w = list(want["weights"])
            ok = bool(weights) and (weights == w or weights == [x for x in w if x != 100])
            self.res.add("traffic", ok, want["line"], f"weights {w} in '{want['phase']}'; got "
                         f"{weights if canaries else 'no canary step there'}")
            if "hold_each" in want:
                holds = [parse_duration(st.get("hold", 0)) for st in stages]
                ok = len(holds) >= 2 and all(abs(h - parse_duration(want["hold_each"])) < 1 for h in holds[:-1])
                self.res.add("traffic", ok, want["line"], f"hold {want['hold_each']} at each stage; got {holds}")
            analysis = (canaries[0].get("analysis") or {}) if canaries else {}
            for key in ("max_error_rate", "max_p95", "max_p99"):
                if key in want:
                    got = analysis.get(key)
                    if key == "max_error_rate":
                        ok = got is not None and abs(_fraction(got) - float(want[key])) < 1e-6
                    else:
                        ok = got is not None and abs(parse_duration(got) - parse_duration(want[key])) < 0.001
                    self.res.add("traffic", ok, want["line"], f"{key} {want[key]}; got {got}")

    def score_criteria(self) -> None:
        crits = [norm(c if isinstance(c, str) else str(c.get("description", "")))
                 for c in self.plan.get("success_criteria") or []]
        for want in self.exp.get("success_criteria") or []:
            ok = any(all(norm(k) in c for k in want["keywords"]) for c in crits)
            self.res.add("criteria", ok, want["line"], f"criterion with {want['keywords']}")

    def score_people(self) -> None:
        approvers: dict[str, list[Any]] = {str(k): list(v or []) for k, v in (self.plan.get("approvers") or {}).items()}
        ladder = sorted(((self.plan.get("contacts") or {}).get("escalation") or []), key=lambda lv: lv.get("level", 0))
        all_alts = [a for p in self.exp.get("people") or [] for a in p["person"]]
        for want in self.exp.get("people") or []:
            ok = any(self.role_matches(role, want["role"]) and any(self.person_matches(p, want["person"]) for p in ps)
                     for role, ps in approvers.items())
            ok = ok or any((self.role_matches(str(lv.get("name", "")), want["role"]) or "escalation" in want["role"])
                           and any(self.person_matches(p, want["person"]) for p in lv.get("people") or [])
                           for lv in ladder)
            self.res.add("people", ok, want["line"], f"{want['person'][0]} as {want['role'][0]}; approvers "
                         f"{approvers}, escalation {[(lv.get('name'), lv.get('people')) for lv in ladder]}")
        for want in self.exp.get("escalation") or []:
            order = [alt if isinstance(alt, list) else [alt] for alt in want["order"]]
            idx = [next((i for i, lv in enumerate(ladder) if any(self.person_matches(p, alts)
                                                                  for p in lv.get("people") or [])), None)
                   for alts in order]
            known = [i for i in idx if i is not None]
            ok = len(known) == len(idx) and all(a < b for a, b in itertools.pairwise(known))
            self.res.add("people", ok, want["line"], f"escalation order {[o[0] for o in order]}; ladder "
                         f"{[lv.get('people') for lv in ladder]}")
        for role, people in approvers.items():
            for p in people:
                if not any(self.role_matches(role, w["role"]) and self.person_matches(p, w["person"])
                           for w in self.exp.get("people") or []):
                    who = "a person of the document" if self.person_matches(p, all_alts) else "not a person of it"
                    self.res.spurious.append(f"{self.res.name}: approvers['{role}'] has '{p}' ({who}, "
                                             "not in that role)")

    def run(self) -> None:
        self.score_phases()
        self.score_commands()
        self.score_checklist()
        self.score_gates()
        self.score_rollback()
        self.score_window()
        self.score_traffic()
        self.score_criteria()
        self.score_people()


def _fraction(value: Any) -> float:
    text = str(value).strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def golive(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "golive", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def score_runbook(exp_path: Path, out_dir: Path) -> Result:
    exp = YAML(typ="safe").load(exp_path.read_text(encoding="utf-8"))
    md = exp_path.parent / exp["source"]
    src = md.read_text(encoding="utf-8").splitlines()
    res = Result(exp["source"])
    out = out_dir / (md.stem + ".yaml")
    imp = golive("import", str(md), "-o", str(out), "--force")
    res.summary = (imp.stdout + imp.stderr).strip()
    text = ""
    if imp.returncode != 0 or not out.exists():
        res.problems.append(f"{res.name}: golive import exited {imp.returncode}: {imp.stderr.strip()[-400:]}")
    else:
        text = out.read_text(encoding="utf-8")
        val = golive("plan", "validate", str(out))
        if val.returncode != 0:
            res.problems.append(f"{res.name}: golive plan validate exited {val.returncode}: "
                                f"{(val.stdout + val.stderr).strip()[-400:]}")
    return score_plan(exp, src, text, res)


def score_plan(exp: dict[str, Any], src: list[str], text: str, res: Result) -> Result:
    """Scores one plan's text against one expectation (also used on hand-written ideal plans, to test the scorer)."""
    plan = (YAML(typ="rt").load(text) if text else None) or {}
    Scorer(exp, plan, text, src, res).run()
    return res


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.1f}%)" if b else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=str(ROOT / "tests" / "import_unseen"))
    ap.add_argument("--keep", help="write the imported plans here (default: a temporary directory)")
    ap.add_argument("--json", action="store_true", help="machine-readable result on stdout")
    ap.add_argument("-q", "--quiet", action="store_true", help="figures only, no miss list")
    args = ap.parse_args(argv)
    exps = sorted(Path(args.dir).glob("*.expected.yaml"))
    if not exps:
        print(f"no *.expected.yaml in {args.dir}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(args.keep or tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        results = [score_runbook(e, out_dir) for e in exps]
    placed = {c: sum(r.placed[c] for r in results) for c in CATEGORIES}
    total = {c: sum(r.total[c] for r in results) for c in CATEGORIES}
    lists = {k: [x for r in results for x in getattr(r, k)]
             for k in ("misses", "changed", "spurious", "secrets", "never_ending", "problems")}
    if args.json:
        json.dump({"placed": placed, "total": total, "overall": [sum(placed.values()), sum(total.values())],
                   "runbooks": {r.name: [sum(r.placed.values()), sum(r.total.values())] for r in results}, **lists},
                  sys.stdout, indent=1)
        print()
        return 0
    print(f"{'category':<12} placed/total")
    for c in CATEGORIES:
        print(f"{c:<12} {pct(placed[c], total[c])}")
    print(f"{'OVERALL':<12} {pct(sum(placed.values()), sum(total.values()))}")
    n_spur = len(lists["spurious"])
    strict = pct(sum(placed.values()), sum(total.values()) + n_spur)
    print(f"{'strict':<12} {strict}  (spurious items counted as misses)")
    print(f"commands whose meaning changed: {len(lists['changed'])}")
    print(f"secret values written into plans: {len(lists['secrets'])}; never-ending commands kept as steps: "
          f"{len(lists['never_ending'])}; import/validate problems: {len(lists['problems'])}")
    print("\nper runbook:")
    for r in results:
        print(f"  {r.name:<32} {pct(sum(r.placed.values()), sum(r.total.values()))}")
    if not args.quiet:
        for title, key in (("MEANING CHANGED", "changed"), ("MISSES", "misses"), ("SPURIOUS", "spurious"),
                           ("SECRETS", "secrets"), ("NEVER-ENDING", "never_ending"), ("PROBLEMS", "problems")):
            if lists[key]:
                print(f"\n{title} ({len(lists[key])}):")
                for x in lists[key]:
                    print(f"  {x}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
