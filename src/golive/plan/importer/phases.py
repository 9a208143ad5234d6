"""Phases: headings that name a phase, their steps from list items, paragraphs and fenced blocks."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _CLOCK_RANGE, _DURATION, _DURATION_PAREN, _GATE, _KV, _clean
from golive.plan.md_blocks import Block
from golive.plan.md_traffic import minutes as _minutes
from golive.plan.md_traffic import progression

#: "### Decision", "### Checkpoint 2": a heading whose paragraph is the phase's Go/No-Go question.
_GATE_HEADING = re.compile(r"(?i)\W*(decision|checkpoint|hold point)\b")


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
        gate_heading = False
        for j in range(start, end):
            b = self.blocks[j]
            if b.placed:
                continue
            if b.kind == "heading":
                b.placed = True
                gate_heading = bool(_GATE.search(b.text) or _GATE_HEADING.match(_clean(b.text)))
                continue
            if b.kind == "para" and gate_heading:
                phase["gate"] = (_clean(b.text), b.line)  # "### Go / No-Go" then the question
                b.placed = True
                gate_heading = False
            elif b.kind == "para":
                self.phase_para(phase, b, j)
            elif b.kind == "item":
                self.phase_item(phase, j)
            elif b.kind == "fence":
                self.phase_fence(phase, b, self.context_name(b))
            elif b.kind == "table":
                self.phase_table(phase, b)

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
        elif self.gate_para(phase, b) or self.undo_para(phase, b) or self.expect_para(phase, b):
            b.placed = True
        elif not self.in_rollback and progression(_clean(b.text)):
            # "Shift traffic 10% -> 25% -> 50% -> 100%, each held 10 minutes": a canary (canary_from)
            phase.setdefault("items", []).append((j, None, len(phase["steps"])))
            self.phase_triggers(b)
            b.placed = True
        elif b.depth == 0 and b.text.strip() and len(b.text) < 400:
            phase["description"].append(_clean(b.text))
            self.phase_triggers(b)
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
        check = self.curl_item(b)
        if check is not None and not b.checked:
            phase["steps"].append(check)
            b.placed = True
            return
        spec: dict[str, Any] = {"instruction": text}
        if b.checked:
            spec["done"] = True
            spec["ticked_at"] = f"{self.src_name}:{b.line}"
        name = self.context_name(b)
        step = self.step("manual", spec, b.line, name)
        if not self.in_rollback:
            phase.setdefault("items", []).append((j, step, len(phase["steps"])))
        phase["steps"].append(step)
        b.placed = True

    def undo_para(self, phase: dict[str, Any], b: Block) -> bool:
        """"To undo: `alembic downgrade -1`" right after a migration: the document names its downgrade."""
        m = re.search(r"(?i)\b(to undo|undo|to roll ?back|roll ?back|downgrade|to revert|revert)\b[^`]{0,40}`([^`]+)`",
                      b.raw)
        if not m or not phase["steps"] or "migrate" not in phase["steps"][-1]:
            return False
        spec = phase["steps"][-1]["migrate"]
        spec["down"] = m.group(2).strip()
        self.conversions.append(f"line {b.line}: `{spec['down']}` (named by the document) is the migration's undo")
        return True

    def expect_para(self, phase: dict[str, Any], b: Block) -> bool:
        """"Expected: `SELECT count(*) ...` returns 0" -> an sql step that checks it."""
        m = re.search(r"(?i)expect\w*\W+`((?:SELECT|WITH)\b[^`]+)`\s*(?:returns?|gives?|is|=|->|→)\s*`?([^`\s.,;]+)",
                      b.raw)
        if not m:
            return False
        value: Any = m.group(2)
        if re.fullmatch(r"-?\d+", value):
            value = int(value)
        step = self.sql_step(m.group(1).strip(), b.line, None)
        step["sql"]["expect"] = CommentedMap({"value": value})
        phase["steps"].append(step)
        self.conversions.append(f"line {b.line}: SQL with its expected result -> an sql step that checks it"
                                f" (value {value})")
        return True

    def curl_item(self, b: Block) -> CommentedMap | None:
        """"`curl -fsS https://x/healthz` returns 200": the document states the check, golive makes it."""
        from golive.plan.md_commands import curl_to_http

        m = re.search(r"`(curl\s[^`]+)`\s*(?:returns?|gives?|answers?|responds?(?:\s+with)?|->|→|=|is)\s*(?:an?\s+)?"
                      r"(?:HTTP\s*)?(\d{3})\b", b.raw, re.I)
        if not m:
            return None
        spec = curl_to_http(m.group(1))
        if spec is None:
            return None
        spec["expect"] = {"status": [int(m.group(2))]}
        self.conversions.append(f"line {b.line}: `{m.group(1)}` with its expected status {m.group(2)} -> an http"
                                " step that checks it")
        return self.step("http", spec, b.line, _clean(b.text)[:200])
