"""Stages: a procedure written as a numbered list whose items are its phases ("1. Drain (5 min)", "2. Snapshot
(6:05, ~10 min)"), each with its work under it; told apart from a numbered list of steps."""

from __future__ import annotations

import re

from golive.plan.importer.headings import ROLLBACK_WORDS
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _GATE, _clean

#: When a stage starts, as a numbered item gives it: "(18:00)", "(6:05, ~10 min)", "— 18:15", "@ 7:20", "(T+5)".
_STARTS_AT = re.compile(r"(?:\(\s*|[-–—@]\s*|\bat\s+)(?:~\s*)?(?:\d{1,2}[:.h]\d{2}\s*(?:[ap]\.?m\.?)?|"
                        r"\d{1,2}\s*[ap]\.?m\.?|T\s*[+-−]\s*\d+\s*(?:min|m|h)?)(?=\s*[),;–—-]|\s*$)", re.I)


class StagesMixin(ImportState):
    def list_phases(self, idx: int, end: int) -> bool:
        """A procedure written as a numbered list whose items carry their timebox ("1. Drain (5 min)" with its
        steps under it): each such item is a phase. Only when at least two top items say how long they take."""
        tops = [j for j in range(idx + 1, end) if self.blocks[j].kind == "item" and self.blocks[j].ordered
                and self.blocks[j].parent is None and self.blocks[j].children]
        timed = [j for j in tops if self.timeboxed(_clean(self.blocks[j].text))]
        if len(timed) < 2 or len(timed) != len(tops):
            if not self.scheduled_items(tops):
                return False
        for b in self.blocks[idx + 1:tops[0]]:
            if b.kind == "para" and not b.placed and b.depth == 0 and b.text.strip():
                # "*Owner: Pieter de Vries. Estimated duration 2 h.*" above the stages: about all of them
                self.inline_roles(b.raw.strip("*_"), b.line)
                self.description.append(_clean(b.text))
                b.placed = True
        for n, j in enumerate(tops):
            b = self.blocks[j]
            stop = tops[n + 1] if n + 1 < len(tops) else next(
                (k for k in range(j + 1, end) if self.blocks[k].depth == 0), end)
            name, timebox = self.heading_timebox(_clean(b.text))
            phase = self.new_phase(name.rstrip(":").strip(), b.line)
            phase["deployment"], phase["timebox"] = True, timebox
            phase["depth"] = b.depth + 1
            b.placed = True
            self.phase_items.add(j)
            self.fill(phase, j + 1, stop, context=None)
            self.canary_from(phase)
        self.inferred.append(f"line {self.blocks[idx].line}: a numbered list whose items carry a timebox or the time"
                             f" they start -> {len(tops)} phases")
        return True

    def scheduled_items(self, tops: list[int]) -> bool:
        """Numbered items that are the stages of a schedule: each a short title ("Pre-work (18:00)", "Snapshot
        (6:05, ~10 min)", "Unfreeze indexing"), most with the time it starts or how long it takes, and each with
        the work under it, something of which runs. A sentence ("Stop the workers:") is a step, not a stage."""
        if len(tops) < 2:
            return False

        def title(j: int) -> bool:
            b = self.blocks[j]
            text = _clean(b.text)
            return b.checked is None and "\n" not in text and len(text) <= 80 and "`" not in b.raw \
                and not text.rstrip().endswith((":", ".", "?", "!")) and not _GATE.search(text) \
                and not ROLLBACK_WORDS.search(text.lower())

        timed = [j for j in tops if _STARTS_AT.search(_clean(self.blocks[j].text))
                 or self.timeboxed(_clean(self.blocks[j].text))]
        return len(timed) >= 2 and 2 * len(timed) >= len(tops) and all(title(j) for j in tops) \
            and all(self.runs_commands(j + 1, j + 1 + self.item_span(j)) for j in tops)

    def item_span(self, j: int) -> int:
        """How many blocks after item j lie inside it (its children and theirs)."""
        k = j + 1
        while k < len(self.blocks) and self.inside(k, j):
            k += 1
        return k - j - 1

    def inside(self, k: int, j: int) -> bool:
        p = self.blocks[k].parent
        while p is not None:
            if p == j:
                return True
            p = self.blocks[p].parent
        return False
