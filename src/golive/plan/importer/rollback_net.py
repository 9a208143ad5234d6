"""The last net under rollback material: whatever a way-back section holds that no reader made a step of.

A section whose heading says rollback ("Rollback {#sec-rollback}", "### Rollback" under a PR's `## Title`,
"Geri dönüş", "롤백") is the way back wherever it stands. When some of its lines reach no level (a Quarto `{bash}`
or `{python}` chunk kept out as "text, not commands", prose levels), dropping them loses the way back, and a forward
phase would run it on every run; so they become person's steps showing the exact lines: in the level they stand
under, or before any level in a level of their own. Never forward steps, never dropped."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.conditions import condition
from golive.plan.importer.coverage import _step_line, extents, instruction
from golive.plan.importer.headings import rollback_heading
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block

#: "**Level 1 — …**", "Seviye 2", "Stufe 1", "Niveau 2", "단계 1": the number a level's own words give it.
_LEVEL_NO = re.compile(r"(?i)\W*(?:level|seviye|stufe|niveau|nivel|poziom|niv[åa]|단계|レベル|级|級)\s*(\d{1,2})\b")
_SAID = ("golive could not make steps of these rollback lines; when this level is taken, do them as written"
         " (or confirm they do not apply)")
_KEPT_OUT = "text, not commands"


class RollbackNetMixin(ImportState):
    def rollback_net(self) -> None:
        """Each rollback section's lines no reader made a step of: person's steps of its levels."""
        spans = extents("\n".join(self.lines), self.blocks)
        shown: set[int] = set()
        kept_out = {u.line for u in self.unplaced if u.reason.startswith(_KEPT_OUT)}
        for i, h in enumerate(self.blocks):
            if h.kind != "heading" or not rollback_heading(_clean(h.text).lower()):
                continue
            end = self.section_end(i)
            last = self.blocks[end].line if end < len(self.blocks) else len(self.lines) + 1
            mine = [lv for lv in self.levels if h.line <= lv["line"] < last]
            runs: list[tuple[dict[str, Any] | None, list[int]]] = []
            for j in range(i + 1, end):
                b = self.blocks[j]
                left = not b.placed or (b.kind == "fence" and b.line in kept_out)
                if b.kind == "heading" or not left or j not in spans or not _clean(b.text):
                    if runs and runs[-1][1]:
                        runs.append((None, []))
                    continue
                home = max((lv for lv in mine if lv["line"] <= b.line), key=lambda lv: lv["line"], default=None)
                label = home is None and _LEVEL_NO.match(_clean(b.text)) is not None  # "**Level 2 — …**" opens one
                if not runs or runs[-1][0] is not home or (label and runs[-1][1]):
                    runs.append((home, []))
                runs[-1][1].append(j)  # a level's label ("**Level 1 — …**:") goes with its lines
            for home, run in runs:
                if run and any(instruction(self.blocks[j]) or self.blocks[j].line in kept_out for j in run):
                    shown |= self.person_steps(h, home, run, spans)
        self.unplaced = [u for u in self.unplaced if not (u.reason.startswith(_KEPT_OUT) and u.line in shown)]

    def person_steps(self, h: Block, home: dict[str, Any] | None, run: list[int],
                     spans: dict[int, tuple[int, int]]) -> set[int]:
        """The lines of `run` as one person's step of `home`, or of a new level; returns the blocks' lines."""
        from golive.plan.importer.fences import block_text

        first, end = spans[run[0]][0], max(spans[j][1] for j in run)
        shown = "\n".join(self.lines[first - 1:end]).strip("\n")
        where = f"line {first}" if first == end else f"lines {first}-{end}"
        texts = [_clean(self.blocks[j].text) for j in run]
        for j in run:
            self.blocks[j].placed = True
        self.person_lines.update(range(first, end + 1))
        step = self.step("manual", {"instruction": block_text(f"{_SAID} ({where} of the document):\n{shown}")},
                         first, f"Document {where}, as written")
        if home is not None:
            steps = home["steps"]
            at = next((k for k, s in enumerate(steps) if _step_line(s) > first), len(steps))
            steps.insert(at, step)
            self.conversions.append(f"{where}: rollback lines no reader made a step of -> a person's step in"
                                    f" rollback level {home['level']} showing the lines as written")
            return {self.blocks[j].line for j in run}
        used = {lv["level"] for lv in self.levels}
        said = next((m for m in (_LEVEL_NO.search(t) for t in texts) if m), None)
        number = int(said.group(1)) if said and int(said.group(1)) not in used else max(used, default=0) + 1
        name = f"{_clean(h.text)} (as written)"
        self.levels.append({"level": number, "name": name, "line": self.blocks[run[0]].line, "steps": [step],
                            "description": [], "refs": [], "tag": _clean(h.text),
                            "condition": condition(name, texts), "then_refs": [], "name_written": name})
        self.levels.sort(key=lambda lv: int(lv["level"]))
        self.conversions.append(f"{where}: rollback lines of '{_clean(h.text)}' no reader made a level of ->"
                                f" rollback level {number}, a person's step showing the lines as written (never"
                                " forward steps, never dropped)")
        return {self.blocks[j].line for j in run}
