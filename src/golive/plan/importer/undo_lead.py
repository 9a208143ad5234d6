"""A sentence in a forward phase that introduces the block after it as the way back: "Undo, if needed, is the same
Job with `down`:", "To undo it, the same bundle goes back to the previous migration:". The block is the undo of the
step before it (or, with none to undo, a rollback level covering the phase), never a forward step; and a code span
in that sentence (`down`) is a word of it, never a command."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block

_WORD = (r"(?:undo|undoing|revert|roll\s*-?\s*(?:it\s+|this\s+)?back|back\s*-?\s*out|go(?:ing)?\s+back|deshacer\w*|"
         r"revertir\w*|desfazer\w*|r(?:ü|ue)ckg(?:ä|ae)ngig|zur(?:ü|ue)ckrollen)")
#: The sentence is about the way back and ends with a colon (the block follows): "To undo it, ...:" / "To undo the
#: migration, run:" (a purpose), "Undo, if needed, is the same Job with `down`:" / "Rollback (if needed) is:" (the
#: word, then a remark), "If it has to go back, run:". Never an order: "Undo the maintenance flag first:" is a forward
#: step and stays one.
_UNDO_LEAD = re.compile(
    r"(?i)^\W*(?:to|para|um)\s+" + _WORD + r"\b[^\n]{0,200}:\s*$|"
    r"^\W*" + _WORD + r"\s*(?:,|\(|\bis\b|\bit\b|\bthis\b|\bthat\b|\bif\b|\bwhen\b)[^\n]{0,200}:\s*$|"
    r"^\W*(?:if|when|should)\b[^:.]{0,60}\b(?:go(?:es)?\s+back|roll(?:ed)?\s*-?\s*back|undo(?:ne|ing)?|"
    r"revert(?:ed)?|back(?:ed)?\s*-?\s*out)\b[^:.]{0,40}:\s*$")


class UndoLeadMixin(ImportState):
    def undo_lead(self, b: Block) -> bool:
        """`b` is a paragraph introducing the way back, and a block that runs comes right after it."""
        if b.kind != "para" or not _UNDO_LEAD.match(_clean(b.text)):
            return False
        idx = next((i for i, x in enumerate(self.blocks) if x is b), None)
        nxt = self.blocks[idx + 1] if idx is not None and idx + 1 < len(self.blocks) else None
        return nxt is not None and nxt.kind == "fence" and self.runs(nxt)

    def undo_from_block(self, phase: dict[str, Any], lead: Block, b: Block) -> bool:
        """The block after an undo lead: the undo of the step before it when that is a shell step without one and
        the block makes one shell step (run as one script, as the document would); True too when the block makes
        no step at all (it stays text). False: the caller makes it a rollback level covering the phase."""
        from golive.plan.md_commands import watching

        # (a person's step watching the migration's log, `kubectl logs -f`, does no work: the undo is the step's)
        last = next((s for s in reversed(phase["steps"]) if not watching(s)), None)
        if last is None or "shell" not in last or "undo" in last:
            return False
        steps = self.rollback_fence_steps(b)
        if not steps:
            return True  # the block made no step (text, not to be run): it stays text, listed as not placed
        if len(steps) != 1 or "shell" not in steps[0]:
            b.placed = False
            return False
        last["undo"] = CommentedMap({"shell": steps[0]["shell"]})
        text = _clean(lead.text)
        if text in phase["description"]:
            phase["description"].remove(text)
        lead.placed = b.placed = True
        self.conversions.append(f"line {b.line}: the block after '{text[:60]}' is the undo of the step before it"
                                " (run only when rolling back, never forward)")
        return True
