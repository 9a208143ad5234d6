"""Sections written as console transcripts and sub-step paragraphs ("## 2. Stop the engine (6:10am)" holding
"2a. On app-01:" and a `$`/`#`-prompted transcript). No fence of such a section runs as a script, so it read as no
phase and the whole section was dropped: the plan "upgraded" nothing. A dropped step is a changed meaning, so a
numbered or timed section of the procedure whose work is only transcripts and sub-step paragraphs is a phase of
person's steps, in the document's order."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.headings import NOT_A_PHASE
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _GATE, _clean
from golive.plan.md_commands import BASH_LANGS
from golive.plan.md_prompts import read_console

#: "3. Upgrade", "3) Upgrade", "Step 3: Upgrade", or a clock time in the heading "(6:15am)".
_PROCEDURE_HEADING = re.compile(r"(?i)^\s*(?:\d{1,2}[.)]\s+\S|step\s+\d+\b)|\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\b")
#: A heading that shows how something looks rather than asks for work: "Example session", "Sample output".
_SHOWN = re.compile(r"(?i)\b(?:examples?|samples?|background|context|overview|illustrat\w*|output|looks?\s+like|"
                    r"beispiel|exemple|ejemplo|esempio)\b")
#: "1a. …", "2b) …": a sub-step of a numbered section.
_SUB_STEP = re.compile(r"^\s*\d{1,2}[a-z][.)]\s+\S")


class ProcedureMixin(ImportState):
    def procedure_section(self, idx: int, end: int) -> bool:
        """Make [idx, end) a phase of person's steps when it is such a section; True when it did."""
        h = self.blocks[idx]
        text = _clean(h.text)
        body = self.blocks[idx + 1:end]
        if NOT_A_PHASE.search(text.lower()) or any(b.kind == "heading" for b in body):
            return False
        fences = [b for b in body if b.kind == "fence" and not b.placed]
        typed = [b for b in fences if read_console(b.text, script=b.info in BASH_LANGS) is not None]
        transcripts = typed + [b for b in fences if b.info in ("console", "shell-session", "terminal")
                               and b not in typed]
        if not _PROCEDURE_HEADING.search(text) and (not typed or _SHOWN.search(text)):
            return False  # an unnumbered section is work when it shows typed commands, not an example of them
        subs = [b for b in body if b.kind in ("para", "item") and not b.placed and _SUB_STEP.match(_clean(b.text))]
        if not transcripts and not subs:
            return False
        phase = self.new_phase(text, h.line)
        h.placed = True
        for b in body:
            if b.placed:
                continue
            if b.kind == "fence":
                self.text_fence(phase, b)
            elif b.kind in ("para", "item") and _clean(b.text):
                if _GATE.search(b.text) and self.gate_para(phase, b):
                    b.placed = True  # the phase's Go/No-Go
                    continue
                phase["steps"].append(self.step("manual", {"instruction": _clean(b.text)[:2000]}, b.line, None))
                b.placed = True
        if not phase["steps"]:
            self.phases.remove(phase)
            return False
        self.inferred.append(f"line {h.line}: section '{text}' holds console transcripts / sub-steps only -> a"
                             " phase of person's steps (nothing in it is dropped)")
        return True


    def substeps_as_steps(self, phases: list[dict[str, Any]]) -> None:
        """A sub-step paragraph ("3b. Merge the .rpmnew by hand …") that a phase kept only in its description is
        work for a person: a manual step in its place among the phase's steps (the description keeps it too)."""
        for p in phases:
            for text in p["description"]:
                if not _SUB_STEP.match(text):
                    continue
                block = next((b for b in self.blocks if b.kind in ("para", "item") and _clean(b.text) == text
                              and b.line > p["line"]), None)
                if block is None:
                    continue
                lines = [line_of(s, self.src_name) for s in p["steps"]]
                if any(n is None for n in lines):
                    continue  # no order to keep: leave it in the description
                at = next((i for i, n in enumerate(lines) if n is not None and n > block.line), len(p["steps"]))
                p["steps"].insert(at, self.step("manual", {"instruction": text[:2000]}, block.line, None))
                self.inferred.append(f"line {block.line}: sub-step '{text[:60]}' -> a person's step in"
                                     f" '{p['name']}'")


def line_of(step: Any, src_name: str) -> int | None:
    """The source line a step's comment names ("doc.md:56"), else None."""
    items = getattr(getattr(step, "ca", None), "items", {}) or {}
    for entry in items.values():
        for token in entry if isinstance(entry, list) else []:
            m = re.search(re.escape(src_name) + r":(\d+)", str(getattr(token, "value", "")))
            if m:
                return int(m.group(1))
    return None

