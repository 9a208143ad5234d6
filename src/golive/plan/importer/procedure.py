"""Sections written as console transcripts and sub-step paragraphs ("## 2. Stop the engine (6:10am)" holding
"2a. On app-01:" and a `$`/`#`-prompted transcript). No fence of such a section runs as a script, so it read as no
phase and the whole section was dropped: the plan "upgraded" nothing. A dropped step is a changed meaning, so a
numbered or timed section of the procedure whose work is only transcripts and sub-step paragraphs is a phase of
person's steps, in the document's order."""

from __future__ import annotations

import re

from golive.plan.importer.headings import NOT_A_PHASE
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _GATE, _clean

#: "3. Upgrade", "3) Upgrade", "Step 3: Upgrade", or a clock time in the heading "(6:15am)".
_PROCEDURE_HEADING = re.compile(r"(?i)^\s*(?:\d{1,2}[.)]\s+\S|step\s+\d+\b)|\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\b")
#: "1a. …", "2b) …": a sub-step of a numbered section.
_SUB_STEP = re.compile(r"^\s*\d{1,2}[a-z][.)]\s+\S")
#: A prompted command line of a transcript: `$ cmd` (the user) or `# cmd` (root).
_PROMPTED = re.compile(r"^\s*[$#]\s+[a-z][\w.+-]*\b")


class ProcedureMixin(ImportState):
    def procedure_section(self, idx: int, end: int) -> bool:
        """Make [idx, end) a phase of person's steps when it is such a section; True when it did."""
        h = self.blocks[idx]
        text = _clean(h.text)
        body = self.blocks[idx + 1:end]
        if not _PROCEDURE_HEADING.search(text) or NOT_A_PHASE.search(text.lower()) \
                or any(b.kind == "heading" for b in body):
            return False
        fences = [b for b in body if b.kind == "fence" and not b.placed]
        transcripts = [b for b in fences if any(_PROMPTED.match(ln) for ln in b.text.split("\n"))]
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
