"""Rollback material wherever it stands: levels, their triggers, and what each level covers."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import (
    _DURATION_PAREN,
    _LEVEL,
    Unplaced,
    _clean,
)
from golive.plan.md_traffic import thresholds_in


class RollbackMixin(ImportState):
    def rollback_section(self, idx: int, end: int) -> None:
        subs = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"]
        sub_level = min((self.blocks[j].level for j in subs), default=0)
        made = False
        for j in subs:
            h = self.blocks[j]
            if h.level != sub_level:
                continue
            text = _clean(h.text)
            if re.search(r"criteria|trigger", text, re.I):
                self.rollback_criteria(j, self.section_end(j))  # when to roll back: limits for a canary
                continue
            if re.search(r"^(if|when)\b|decision", text, re.I):
                continue  # guidance about when to roll back, reported below if nothing claims it
            if self.level_from(j, self.section_end(j), text):
                made = True
        if not made:
            h = self.blocks[idx]
            self.level_from(idx, end, _clean(h.text))
        else:
            # Intro text of the section ("If rollback is required:") stays for the leftovers report.
            pass

    def level_from(self, idx: int, end: int, text: str) -> bool:
        h = self.blocks[idx]
        holder: dict[str, Any] = {"name": "", "steps": [], "gate": None, "timebox": None, "description": []}
        m = _LEVEL.match(text)
        number = int(m.group(1)) if m else None
        name = m.group(2) if m else text
        d = _DURATION_PAREN.search(name)
        if d:
            holder["description"].append(f"Takes {d.group(0).strip('()')}")
            name = (name[: d.start()] + name[d.end():]).strip()
        name = re.sub(r"\s*[:\-–—]\s*$", "", name).strip() or f"Rollback level {len(self.levels) + 1}"
        before = [b.placed for b in self.blocks[idx:end]]
        self.in_rollback = True
        try:
            self.fill(holder, idx + 1, end, context=None)
        finally:
            self.in_rollback = False
        if not holder["steps"]:
            for b, was in zip(self.blocks[idx:end], before, strict=True):
                b.placed = was
            return False
        h.placed = True
        for b in self.blocks[idx + 1:end]:
            if b.kind == "para" and re.search(r"(?i)\b(when|if)\b", b.text):
                found = thresholds_in(_clean(b.text), b.line)  # "Roll back when 5xx > 2%": a trigger, not a step
                self.thresholds += found
        used = {lv["level"] for lv in self.levels}
        if number is None or number in used or number < 1:
            number = max(used, default=0) + 1
        self.levels.append({"level": number, "name": name, "line": h.line, "steps": holder["steps"],
                            "description": holder["description"]})
        return True

    def rollback_criteria(self, idx: int, end: int) -> None:
        conditions = 0
        for b in self.blocks[idx + 1:end]:
            if b.kind in ("item", "para") and b.text.strip():
                text = _clean(b.text)
                if b.kind == "item":
                    conditions += 1
                    b.placed = True
                elif text.endswith(":"):
                    b.placed = True
                self.thresholds += thresholds_in(text, b.line)
            elif b.kind == "heading":
                b.placed = True
        h = self.blocks[idx]
        self.unplaced.append(Unplaced(h.line, f"'{_clean(h.text)}' ({conditions} conditions)",
                                      "conditions for a person to watch; a plan has no field for free-text"
                                      " rollback triggers (error-rate and latency limits: see the canary"
                                      " analysis or the lines below)"))
