"""Rollback levels written as a table, `| Level | When | What |`, with nothing below it: each row is a level, its
When the level's condition, its What the level's steps.

Left as a table of triggers for levels written elsewhere (there were none), the document's whole way back was
dropped: the plan had no rollback at all, so a failure rolled nothing back and nobody was shown the flag to turn
off. A What cell's parts (split at ";") are a person's steps, except a part that is plainly one command ("turn the
flag off: `./tools/rc-set …`"), which runs; a part that names another level first ("Level 1, then restore …:
`…`") stays a person's step, the order it asks for is theirs to keep."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.conditions import condition
from golive.plan.importer.covers import phase_refs
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block
from golive.plan.md_traffic import thresholds_in

#: Words before a cell's command that hold it back: a prohibition ("never purge the queue: `…`") or a condition or a
#: person's word ("only with DBA approval: `…`"). Such a part is a person's step showing it, never a step golive runs
#: when it applies the level by itself.
_HELD = re.compile(r"(?i)\b(?:never|do\s*n[o']t|must\s+not|not|no|nicht|niemals|kein\w*|jamais|ne\s+pas|nunca|"
                   r"only|unless|if|except|nur|falls|wenn|au(?:ß|ss)er|seulement|sauf|si|solo|salvo|apenas|s(?:ó|o)|"
                   r"approval|approved|sign-?off|freigabe|decides?|entscheidet)\b|不要|禁止|切勿|仅|只有|除非|如果|しない")

_WHEN_COL = re.compile(r"(?i)when|trigger|condition|if\b|wann|ausl(ö|oe)ser|cuando|quand|条件|触发")
_WHAT_COL = re.compile(r"(?i)what|action|does|undo|steps?|ma(ß|ss)nahme|was\b|qu[ée]|acci[óo]n|操作|措施|内容")
#: A row's level: "1", "L2", "Level 3", "Stufe 1".
_ROW_LEVEL = re.compile(r"(?i)^\W*(?:level|stufe|nivel|niveau|livello|l|r)?\s*(\d{1,2})\W*$")
#: Another level named in a part: "Level 1, then …", "do level 1 first", "Stufe 1, dann …".
_NAMES_LEVEL = re.compile(r"(?i)\b(?:level|stufe|nivel|niveau|livello)\s+\d")

#: "Level 1, then restore …": the level's name is what it does itself.
_CHAINED = re.compile(r"(?i)^\W*(?:level|stufe|nivel|niveau|livello)\s+\d{1,2}\s*[,;]?\s*(?:and\s+)?"
                      r"(?:then|dann|danach|luego|puis|poi)?\s*")


def _parts(cell: str) -> list[str]:
    """The cell's parts at ";" (never inside a code span): "Pause …; turn the flag off: `…`" -> two parts."""
    parts, depth, cur = [], False, ""
    for ch in cell:
        if ch == "`":
            depth = not depth
        if ch in ";；" and not depth:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    parts.append(cur.strip())
    return [p for p in parts if p.strip(" .")]


class LevelRowsMixin(ImportState):
    def levels_from_rows(self, b: Block) -> bool:
        """Each row of a `| Level | When | What |` table a level of its own (when no level is written below it).
        False when a row does not name its level by a number, or the table has no What column."""
        header = [_clean(c).lower() for c in b.rows[0]]
        when = next((i for i, c in enumerate(header) if i and _WHEN_COL.search(c)), None)
        what = next((i for i, c in enumerate(header) if i and i != when and _WHAT_COL.search(c)), None)
        if what is None:
            return False
        rows: list[tuple[int, list[str], list[str], int]] = []
        used = {lv["level"] for lv in self.levels}
        for n, row in enumerate(b.rows[1:], 1):
            m = _ROW_LEVEL.match(_clean(row[0]))
            cells = b.cells[n] if n < len(b.cells) else row
            if m is None or what >= len(cells) or int(m.group(1)) in used:
                return False
            used.add(int(m.group(1)))
            rows.append((int(m.group(1)), [_clean(c) for c in row], cells,
                         b.row_lines[n] if n < len(b.row_lines) else b.line + 1 + n))
        if not rows:
            return False
        for number, plain, cells, line in rows:
            said = plain[when] if when is not None and when < len(plain) else ""
            steps: list[Any] = []
            for part in _parts(cells[what]):
                made = None
                lead = part.split("`", 1)[0]
                if not _NAMES_LEVEL.search(lead) and not _HELD.search(lead):
                    made = self.command_item(Block("item", _clean(re.sub(r"`", "", part)), part, line))
                text = _clean(re.sub(r"\*\*|__|`", "", part))
                steps += made or [self.step("manual", {"instruction": text}, line, None)]
            description = [f"Trigger: {said}"] if said else []
            if said:
                self.thresholds += thresholds_in(said, line)
            first = _clean(re.sub(r"\*\*|__|`", "", _parts(cells[what])[0])) if _parts(cells[what]) else ""
            name = _CHAINED.sub("", re.split(r"[:：]\s", first, maxsplit=1)[0])[:80] or f"Rollback level {number}"
            self.levels.append({"level": number, "name": name, "line": line, "steps": steps,
                                "description": description, "refs": phase_refs(f"{said} {plain[what]}"),
                                "tag": f"Level {number}", "condition": condition("", description[:1]) if said else None,
                                "then_refs": [], "name_written": name})
        b.placed = True
        self.inferred.append(f"line {b.line}: table of rollback levels with nothing below it -> a level per row"
                             " (When: its trigger; What: its steps, a person's unless a part is plainly one command)")
        return True
