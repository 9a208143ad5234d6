"""Phases: headings that name a phase, their steps from list items, paragraphs and fenced blocks."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import LiteralScalarString

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _CLOCK_RANGE, _DURATION, _DURATION_PAREN, _GATE, _KV, _clean
from golive.plan.md_blocks import Block
from golive.plan.md_commands import (
    SHELL_LANGS,
    SQL_LANGS,
    Command,
    CommandBlock,
    shell_commands,
    sql_statements,
)
from golive.plan.md_traffic import minutes as _minutes
from golive.plan.md_traffic import progression


class PhasesMixin(ImportState):
    def phase_from(self, idx: int, end: int) -> None:
        h = self.blocks[idx]
        h.placed = True
        text = _clean(h.text)
        timebox: float | None = None
        m = _DURATION_PAREN.search(text)
        if m:
            timebox = _minutes(m.group(2) or m.group(1), m.group(3))
            text = (text[: m.start()] + text[m.end():]).strip()
        else:
            r = _CLOCK_RANGE.search(text)
            if r:
                timebox = self.range_minutes(r.group(1), r.group(2))
        text = re.sub(r"\s*[:\-–—]\s*$", "", text).strip()
        phase = self.new_phase(text, h.line)
        phase["deployment"] = True
        if timebox:
            phase["timebox"] = timebox
        self.fill(phase, idx + 1, end, context=None)
        self.canary_from(phase)

    def fill(self, phase: dict[str, Any], start: int, end: int, context: str | None) -> None:
        """Steps, gate, timebox and notes of a phase from the blocks in [start, end)."""
        for j in range(start, end):
            b = self.blocks[j]
            if b.placed:
                continue
            if b.kind == "heading":
                b.placed = True
                continue
            if b.kind == "para":
                self.phase_para(phase, b, j)
            elif b.kind == "item":
                self.phase_item(phase, j)
            elif b.kind == "fence":
                self.phase_fence(phase, b, self.context_name(b))
            elif b.kind == "table":
                pass  # reported as not placed

    def phase_para(self, phase: dict[str, Any], b: Block, j: int) -> None:
        m = _KV.match(b.raw)
        key = _clean(m.group(1)).lower() if m else ""
        value = _clean(re.sub(r"\*\*|__", "", m.group(2))) if m else ""
        if m and _GATE.search(key):
            phase["gate"] = (value, b.line)
            b.placed = True
        elif m and ("estimate" in key or key in ("duration", "timebox", "time box")):
            d = _DURATION.search(value)
            if d:
                if phase["timebox"] is None:
                    phase["timebox"] = _minutes(d.group(2) or d.group(1), d.group(3))
                    self.inferred.append(f"line {b.line}: timebox of '{phase['name']}' is the upper bound of"
                                         f" '{value}'")
                b.placed = True
        elif m and key in ("time", "when", "schedule", "use case", "owner", "purpose", "goal"):
            phase["description"].append(f"{m.group(1).strip()}: {value}")
            b.placed = True
        elif _GATE.search(b.text):
            phase["gate"] = (_clean(re.sub(r"^.*?go\s*/\s*no[\s-]*go[^:]*:?", "", b.text, flags=re.I)) or
                             _clean(b.text), b.line)
            b.placed = True
        elif phase.get("deployment") and progression(_clean(b.text)):
            # "Shift traffic 10% -> 25% -> 50% -> 100%, each held 10 minutes": a canary (canary_from)
            phase.setdefault("items", []).append((j, None, len(phase["steps"])))
            b.placed = True
        elif b.depth == 0 and b.text.strip() and len(b.text) < 400:
            phase["description"].append(_clean(b.text))
            b.placed = True

    def phase_item(self, phase: dict[str, Any], j: int) -> None:
        b = self.blocks[j]
        has_children = bool(b.children)
        text = _clean(b.text)
        if not text:
            b.placed = True
            return
        if b.checked is None and has_children:
            b.placed = True  # a title: its children are the steps and take their names from it
            return
        spec: dict[str, Any] = {"instruction": text}
        if b.checked:
            spec["done"] = True
        name = self.context_name(b)
        step = self.step("manual", spec, b.line, name)
        if phase.get("deployment"):
            phase.setdefault("items", []).append((j, step, len(phase["steps"])))
        phase["steps"].append(step)
        b.placed = True

    def phase_fence(self, phase: dict[str, Any], b: Block, name: str | None) -> None:
        block = self.fence_commands(b)
        if block is None:
            return
        b.placed = True
        for cmd in block.commands:
            phase["steps"].append(self.command_step(cmd, name if len(block.commands) == 1 or (cmd.name is None
                                                    and name) else None))

    def fence_commands(self, b: Block) -> CommandBlock | None:
        first = b.line + 1
        if b.info in SQL_LANGS:
            block = sql_statements(b.text, first)
        elif b.info in SHELL_LANGS:
            block = shell_commands(b.text, first)
        else:
            return None
        self.words |= block.words
        self.refs |= block.refs
        self.notes.extend(block.notes)
        return block

    def command_step(self, cmd: Command, fallback_name: str | None) -> CommentedMap:
        name = cmd.name or fallback_name
        if cmd.note:
            self.inferred.append(f"line {cmd.line}: {cmd.note} -> {cmd.kind} step")
        if cmd.kind == "sql":
            return self.sql_step(cmd.spec["query"], cmd.line, name)
        spec = cmd.spec
        if cmd.kind == "shell" and set(spec) == {"command"}:
            spec = spec["command"]
        return self.step(cmd.kind, spec, cmd.line, name)

    def sql_step(self, query: str, line: int, name: str | None) -> CommentedMap:
        self.uses_database_url = True
        text: Any = LiteralScalarString(query + "\n") if "\n" in query else query
        if "sql" in self.kinds:
            return self.step("sql", {"database": "${DATABASE_URL}", "query": text}, line, name)
        self.inferred.append(f"line {line}: no `sql` step kind is installed: SQL runs through psql")
        command = f"psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 <<'SQL'\n{query}\nSQL\n"
        return self.step("shell", LiteralScalarString(command), line, name)
