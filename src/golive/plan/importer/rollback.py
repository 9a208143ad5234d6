"""Rollback material wherever it stands: levels, their triggers, and what each level covers."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.conditions import chain_in_name, condition
from golive.plan.importer.covers import phase_refs
from golive.plan.importer.level_openers import LevelOpenersMixin, level_number
from golive.plan.importer.level_rows import LevelRowsMixin
from golive.plan.importer.text import (
    _DURATION_PAREN,
    _LEVEL,
    Unplaced,
    _clean,
)
from golive.plan.md_blocks import Block
from golive.plan.md_instructions import level_work
from golive.plan.md_traffic import thresholds_in

#: A back-out option's label: "Option B:", "Backout option 2 —", "Plan B.", or a code such as "A1:" / "RB2 —" (read only
#: inside a rollback section, and only right before its commands).
_OPTION = re.compile(r"(?i)^(?:(?:back-?out\s+|rollback\s+)?(?:option|variant|variante|opci[óo]n|plan|level|stufe|"
                     r"nivel|niveau|livello)\s+[A-Z0-9]\b"
                     r"|(?-i:[A-Z]{1,2}\d{1,2})\b)\s*[:.\-–—]")

#: A section number written before a paragraph: "6.2 ", "4.2.1. " (never "1. ", a list item's own number).
_SECTION_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?\s+(?=\S)")

#: A paragraph that opens a part of a rollback section: "Only if the migration has to be undone (DBA decision):",
#: "During the canary (steps 2-3): set the weight to 0", "After promotion (step 4): roll back".
#: A paragraph led by a bold label ("**Canary bad** (...): undo the canary only."), and labels that are steps.
_BOLD_LEAD = re.compile(r"^(\*\*|__)([^*_\n]{2,60}?)\1")
_CONDITION = re.compile(r"(?i)\b(?:bad|fail\w*|broken|wrong|errors?|if|when|only|during|after|problems?|issues?|"
                        r"corrupt\w*|lost|missing|5xx|latency|slow|down|unhealthy|stuck)\b")
_STEP_LABEL = re.compile(r"(?i)^\W*(?:step|schritt|paso|passo|phase|stage|first|then|next|finally|after that|"
                         r"\d|[a-z]\)|note|warning|important|tip)")
#: A level named anywhere in a sentence: "(this is **back-out 1**)", "take level 2", "Option B".
_NAMES_LEVEL = re.compile(r"(?i)\b(?:level|back[\s-]*out|roll[\s-]*back|option|livello|stufe|nivel|niveau)"
                          r"\s+(\d+|[A-Z])\b")
#: A numbered way back that is one of several: a bold label and, in brackets, when to take it
#: ("**Code only** (the app is broken, data is fine):").
_ALTERNATIVE = re.compile(r"(?i)^\s*(?:\*\*|__)[^*_]{2,60}(?:\*\*|__)\s*\([^()]*\b(?:if|when|only|broken|wrong|fails?|"
                          r"failed|bad|corrupt\w*|damaged|is fine|are fine|still)\b[^()]*\)\s*:?\s*$")
#: A bold label numbered as one way back among others: "**1. Weights back.**", "**2) Remove v5**".
_NUMBERED_LABEL = re.compile(r"^\s*\d{1,2}\s*[.)]\s+\S")
_LABEL = re.compile(r"(?i)^\W*(?:only\s+)?(?:if|when|during|after|before|once|in case|for)\b")
#: A sentence of a level that says what it undoes: "Covers steps 2-3", "Undoes phase 4", "Applies to stage B".
#: A person's step that opens with the level's condition, labelled.
_TRIGGER_LED = re.compile(r"(?i)^\W*(?:trigger|when|if|auslöser|wenn|falls|cuando|si|quand|quando|se)\b[^:\n]{0,20}:")
_COVERS_SAID = re.compile(r"(?i)\b(covers?|undo(?:es)?|reverts?|applies\s+to|rolls?\s+back)\b")
#: A list item of a rollback level that states when to roll back ("Roll back if p99 > 1 s", "If 5xx > 2%").
_TRIGGER_ITEM = re.compile(r"(?i)^\W*(?:(?:roll\s*-?\s*back|abort|revert|back\s*-?\s*out|trigger)\w*\b|if\b|when\b)")
#: The sentence that introduces a list of conditions to roll back on ("invoked ... if any of the following").
_TRIGGER_INTRO = re.compile(r"(?i)\b(invoked|triggered|triggers?|any of the following|conditions?|criteria|"
                            r"roll\s*-?back\s+(?:if|when)|back\s*-?out\s+(?:if|when))\b")


#: A paragraph that says when to roll back, by its label: "Trigger: ...", "Triggers: ...", "Auslöser: ...",
#: "Rollback criteria: ...", "Roll back when ...", "Abort if ...".
_TRIGGER_LABEL = re.compile(r"(?i)^\W*(?:triggers?|trigger conditions?|rollback (?:criteria|triggers?)|"
                            r"roll\s*-?\s*back\s+(?:if|when)|abort\s+(?:if|when)|when to roll\s*-?\s*back|"
                            r"ausl(?:ö|oe)ser|abbruchkriterien|disparadores?|d[ée]clencheurs?|gatilhos?|"
                            # "When: the schema change is the cause", "Quando: ...", "Wenn: ...", "Cuando: ..."
                            r"(?:when|quando|wenn|cuando|quand|quando)(?=\s*:))\b")


#: Columns of a table of rollback levels: the level, when to take it, what it does.
_LEVEL_COL = re.compile(r"(rollback |back-?out )?(level|stufe|nivel|niveau)")
_WHEN_COL = re.compile(r"when|trigger|condition|if\b|wann|ausl(ö|oe)ser|cuando|quand")
_WHAT_COL = re.compile(r"what|action|does|undo|ma(ß|ss)nahme|was\b|qu[ée]|acci[óo]n")
#: A level's name that says nothing: "Level 1:" gave "Rollback level 1", "(flag off)" only a remark.
_GENERIC_NAME = re.compile(r"(?i)^(rollback level \d+|\(.*\))$")


class RollbackMixin(LevelOpenersMixin, LevelRowsMixin):
    def rollback_section(self, idx: int, end: int) -> None:
        before = len(self.levels)
        tables = [b for b in self.blocks[idx + 1:end] if not b.placed and self.levels_table(b)]
        for b in tables:
            b.placed = True  # when to take each level: never a level's steps
        self.levels_of(idx, end)
        for b in tables:
            b.placed = False
        self.level_table(tables, self.levels[before:])
        for b in tables:
            if not b.placed and len(self.levels) == before:
                self.levels_from_rows(b)  # | Level | When | What | with no level below it: a level per row

    @staticmethod
    def levels_table(b: Block) -> bool:
        """| Level | When | What |: a table of the levels and their triggers."""
        if b.kind != "table" or len(b.rows) < 2:
            return False
        header = [_clean(c).lower() for c in b.rows[0]]
        return bool(_LEVEL_COL.fullmatch(header[0])) and any(_WHEN_COL.search(c) for c in header[1:])

    def level_table(self, tables: list[Block], made: list[dict[str, Any]]) -> None:
        """| Level | When | What | Who | over levels written below it ("Level 1:" and its block): each row names
        its level (What) and says when to take it (When): the level's name and description, never steps."""
        for b in tables:
            header = [_clean(c).lower() for c in b.rows[0]]
            when = next((i for i, c in enumerate(header) if _WHEN_COL.search(c)), None)
            what = next((i for i, c in enumerate(header) if i and _WHAT_COL.search(c)), None)
            rows: list[tuple[dict[str, Any], list[str], int]] = []
            for n, row in enumerate(b.rows[1:], 1):
                m = re.fullmatch(r"\D{0,6}?(\d{1,2})", _clean(row[0]))
                level = next((lv for lv in made if m and lv["level"] == int(m.group(1))), None)
                if level is None:
                    rows = []
                    break  # a row for a level no block below gives: the table is not about these levels
                rows.append((level, [_clean(c) for c in row], b.row_lines[n] if n < len(b.row_lines) else b.line))
            if not rows:
                continue  # left for the report
            for level, cells, line in rows:
                if what is not None and what < len(cells) and cells[what] and _GENERIC_NAME.match(level["name"]):
                    level["name"] = cells[what]
                elif what is not None and what < len(cells) and cells[what]:
                    level["description"].append(cells[what])
                if when is not None and when < len(cells) and cells[when]:
                    level["description"].insert(0, f"Trigger: {cells[when]}")
                    level["condition"] = level.get("condition") or condition("", [f"Trigger: {cells[when]}"])
                    self.thresholds += thresholds_in(cells[when], line)
            b.placed = True
            self.inferred.append(f"line {b.line}: table of rollback levels -> their names and triggers")

    def levels_of(self, idx: int, end: int) -> None:
        subs = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"]
        sub_level = min((self.blocks[j].level for j in subs), default=0)
        made = False
        # "Trigger: checkout errors above 2% ..." before the levels' headings: when to take each of them
        said = self.trigger_paras(idx + 1, subs[0]) if subs else []
        conditions = [f"Trigger: {_TRIGGER_LABEL.sub('', _clean(b.text)).lstrip(' :')}"
                      if _TRIGGER_LABEL.match(_clean(b.text)) else _clean(b.text) for b in said]
        for j in subs:
            h = self.blocks[j]
            if h.level != sub_level:
                continue
            text = _clean(h.text)
            if re.search(r"criteria|trigger", text, re.I) and level_number(text, lettered=False) is None:
                # ("### Level 2 (after promote; trigger: 5xx above 2%)" is a level that says its trigger)
                self.rollback_criteria(j, self.section_end(j))  # when to roll back: limits for a canary
                continue
            if re.search(r"^(if|when)\b|decision", text, re.I):
                continue  # guidance about when to roll back, reported below if nothing claims it
            if self.make_level(j + 1, self.section_end(j), text, h, "", conditions):
                made = True
        if made:
            for b in said:  # placed in each level's description; their limits are the canary's
                b.placed = True
                self.thresholds += thresholds_in(_clean(b.text), b.line)
                self.inferred.append(f"line {b.line}: '{_clean(b.text)[:60]}' says when to roll back -> the"
                                     " description of each level")
        if not made:
            h = self.blocks[idx]
            groups = self.labelled_groups(idx + 1, end)
            if len(groups) > 1 and all(self.has_level_steps(g[0], g[1]) for g in groups):
                # Two levels written one after the other ("During the canary: ..." then "After promotion: ..."):
                # never merged into one. Conditions written before both apply to each.
                intro: dict[str, Any] = {"description": []}
                first = groups[0][0] if groups[0][2] else groups[0][1]
                items = self.triggers_listed(intro, idx + 1, first - (1 if groups[0][2] else 0))
                labels = {g[2] for g in groups if g[2]}
                for b in self.blocks[idx + 1:first]:
                    if _clean(b.text) in labels:
                        continue  # "**R1 — back** (if step 2 is the problem):" opens level 1, is no condition
                    lead = _SECTION_NUMBER.sub("", _clean(b.text))  # "6.1 Trigger: failed verification …"
                    if b.kind == "para" and not b.placed and (re.search(r"(?i)\b(when|if)\b", b.text)
                                                              or _TRIGGER_LABEL.match(lead)):
                        intro["description"].append(_clean(b.text))  # "Abort when the error rate is above 5%"
                        items.append(b)
                        b.placed = True
                self.thresholds += [t for it in items for t in thresholds_in(_clean(it.text), it.line)]
                for start, stop, label in groups:
                    head = self.blocks[start] if start in self.level_items else self.blocks[start - 1] if label else h
                    name = re.split(r":\s", label, maxsplit=1)[0].rstrip(":") if label else _clean(h.text)
                    name = self.openers[label][0] if label in self.openers else name
                    bare = _LEVEL.match(name) if label else None
                    if bare and not bare.group(2):  # "Level 1: traffic back. When: ...": the level's name
                        name = re.split(r"\.\s", label, maxsplit=1)[0]
                    self.make_level(start, stop, name, head, label, intro["description"])
                return
            self.level_from(idx, end, _clean(h.text))

    def trigger_paras(self, start: int, end: int) -> list[Block]:
        """Paragraphs in [start, end) that say when to roll back ("Trigger: ...", "Roll back if 5xx > 2%")."""
        out: list[Block] = []
        for b in self.blocks[start:end]:
            text = _clean(b.text)
            if b.kind != "para" or b.placed or b.depth != 0:
                continue
            if _TRIGGER_LABEL.match(text) or (re.search(r"(?i)\b(when|if)\b", text) and thresholds_in(text, b.line)):
                out.append(b)
        return out

    def labelled_groups(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """The parts of a rollback section without sub-headings that a condition paragraph opens ("Only if the
        migration has to be undone:", "After promotion (step 4): roll back the main release.")."""
        from golive.plan.importer.items import code_command

        cuts: list[tuple[int, str, bool]] = []
        # "1. App back to 5.3.1 (undoes B):" / "2. Remove the replica (undoes A):", each with its block: when every
        # numbered item says what it undoes, the items are levels, not the steps of one
        numbered = [j for j in range(start, end) if self.blocks[j].kind == "item" and self.blocks[j].depth == 0
                    and self.blocks[j].ordered and self.blocks[j].checked is None]
        if len(numbered) >= 2 and all(self.blocks[j].children and phase_refs(_clean(self.blocks[j].text))
                                      and _COVERS_SAID.search(_clean(self.blocks[j].text)) for j in numbered):
            cuts += [(j, _clean(self.blocks[j].text), False) for j in numbered]
        elif len(numbered) >= 2 and all(
                self.blocks[j].children and self.runs_commands(j + 1, j + 1 + self.item_span(j))
                and _ALTERNATIVE.match(self.blocks[j].raw) for j in numbered):
            # "1. **Code only** (the app is broken, data is fine):" / "2. **Code and schema** (the migration left the
            # schema wrong):", each with its block: the ways back to choose from, by their condition, never one
            # level that also rolls the schema back when only the code is broken
            cuts += [(j, _clean(self.blocks[j].text), False) for j in numbered]
        # "- *Pushes failing:* put nginx back (this is **back-out 1**):" / "- *Tokens wrong:* **back-out 2**, ...",
        # each with its block: items that each name a different level, wherever in their text, are those levels
        listed = [j for j in range(start, end) if self.blocks[j].kind == "item" and self.blocks[j].depth == 0
                  and self.blocks[j].checked is None and self.blocks[j].children]
        named = [_NAMES_LEVEL.search(_clean(self.blocks[j].text)) for j in listed]
        if not cuts and len(listed) >= 2 and all(named) \
                and len({m.group(1).lower() for m in named if m}) == len(listed):
            cuts += [(j, _clean(self.blocks[j].text), False) for j in listed]
            numbered = listed
        by_number = bool(cuts)
        for j in range(start, end):
            if by_number and j in numbered:
                continue  # already cut by the rule above (not: after the first "1. **Level 1: ...**" item)
            b = self.blocks[j]
            nxt = self.blocks[j + 1] if j + 1 < end else None
            text = _clean(b.text)
            # "6.2 Level 1 (application and schema):", "6.3 Level 2 (…): restore …": a numbered paragraph of a
            # procedure whose number is the document's section, the level's label after it
            section = _SECTION_NUMBER.match(text) if b.kind == "para" else None
            text = text[section.end():] if section else text
            if section:
                self.level_sections[text.split("\n", 1)[0]] = section.group(0).strip().rstrip(".")
            head = text.split("\n", 1)[0]  # a label's paragraph wrapped at a line end is still its label
            level = bool(_LEVEL.match(head) or _OPTION.match(head)) and len(text) < 200
            bold = _BOLD_LEAD.match(b.raw.strip()) if b.kind == "para" else None
            if bold is not None and not level:
                # "**Level 1 — stop mid-way.** Before 03:15 UTC ... (a long paragraph)": the bold label names the
                # level however long the sentence after it; "**2. Remove v5.** If v5 is bad:" among other numbered
                # bold labels too. Merged, the level that only stops mid-way also restored the snapshot.
                label = _clean(bold.group(2))
                level = bool(_LEVEL.match(label) or _OPTION.match(label) or (
                    _NUMBERED_LABEL.match(label) and self.numbered_bold_leads(start, end) >= 2))
            # "**Level 2 — restore the database** (step 2):", "**Option B: schema back**", "**A2: writer back**"
            labelled = level or (_LABEL.match(text) and ":" in text and not _TRIGGER_INTRO.search(text))
            if level and b.kind == "item" and b.depth == 0 and b.checked is None and b.children:
                cuts.append((j, text, False))  # "- Level 2 — schema and data" with its block (a Notion toggle)
                continue
            if level and b.kind == "item" and b.depth == 0 and b.checked is None and sum(
                    1 for k in range(start, end) if self.blocks[k].kind == "item" and self.blocks[k].depth == 0
                    and _LEVEL.match(_clean(self.blocks[k].text))) >= 2:
                # "- L1, api3 misbehaves (5xx over 2%): weights back" among "- L2, ..." items: a level of its own,
                # named by its condition; what follows the colon is its step (the condition is never a step)
                cuts.append((j, text, True))
                action = re.split(r":\s+", b.raw, maxsplit=1)
                if len(action) == 2 and action[1].strip():
                    b.raw, b.text = action[1].strip(), _clean(re.split(r":\s+", b.text, maxsplit=1)[-1])
                self.level_items.add(j)
                continue
            lines = text.split("\n")
            last = _SECTION_NUMBER.sub("", lines[-1]) if b.kind == "para" and len(lines) > 1 else ""
            last_number = _SECTION_NUMBER.match(lines[-1]) if last else None
            if last_number:
                self.level_sections[last] = last_number.group(0).strip().rstrip(".")
            if last and _LEVEL.match(last) and len(last) < 200 and b.depth == 0 and nxt is not None \
                    and nxt.kind == "fence":
                # "6.1 Trigger: failed verification …" / "6.2 Level 1 (application and schema):" in one paragraph
                # (no blank line), its block next: the level opens at its own line; the lines before say when
                cuts.append((j, last + "\n" + " ".join(_SECTION_NUMBER.sub("", ln) for ln in lines[:-1]), False))
                continue
            if b.kind != "para" or b.depth != 0 or not labelled:
                continue
            if nxt is not None and nxt.kind in ("fence", "item"):
                cuts.append((j, text, False))
            elif level and nxt is not None and nxt.kind == "para" and code_command(nxt.raw):
                cuts.append((j, text, False))  # the option, then its command alone in the next paragraph
            elif level and code_command(b.raw):  # "Level 3: `flask db downgrade`": the level and its command
                cuts.append((j, text, True))
            elif level and (bold is not None or (b.raw != text and _SECTION_NUMBER.match(_clean(b.raw)))):
                # "**1. Weights back.** Patch with `V5=0` (same command as in step 3).": a level of its own, its
                # paragraph the person's step; never the first step of the level written after it. So is "6.3
                # Level 2 (data corruption, GCA approval required): restore the backup … then level 1."
                cuts.append((j, text, True))
                self.said_levels.add(j)
        if not cuts:
            cuts = self.bold_conditions(start, end)
        if len(cuts) < 2:
            # "- **Level 1** (alias never moved): …" / "- **Level 2** (alias on v9): …", "**一级回滚**——…" /
            # "**二级回滚**——…": labels the rules above miss (a long item, no block, another language)
            cuts = self.opener_cuts(start, end) or cuts
        cuts.sort()
        if not cuts:
            return [(start, end, "")]
        groups: list[tuple[int, int, str]] = []
        if cuts[0][0] > start and self.has_level_steps(start, cuts[0][0]):
            groups.append((start, cuts[0][0], ""))
        for n, (j, label, inline) in enumerate(cuts):
            stop = cuts[n + 1][0] if n + 1 < len(cuts) else end
            groups.append((j if inline else j + 1, stop, label))
        return groups

    def numbered_bold_leads(self, start: int, end: int) -> int:
        """How many paragraphs of [start, end) open with a numbered bold label ("**1. Weights back.** ...")."""
        return sum(1 for b in self.blocks[start:end] if b.kind == "para" and b.depth == 0 and (
            m := _BOLD_LEAD.match(b.raw.strip())) is not None and _NUMBERED_LABEL.match(_clean(m.group(2))))

    def bold_conditions(self, start: int, end: int) -> list[tuple[int, str, bool]]:
        """"**Canary bad** (5xx above the limits): undo the canary only." then its block, "**Promoted and bad:** undo
        the main deployment, then the canary." then its block: when every block of the part follows its own
        paragraph led by a bold condition ("bad", "fails", "only if"; not a step: "**Step 2**", "**Revert the code**"),
        each is a level. Merged, taking
        the canary's way back also undid the main deployment."""
        fences = [j for j in range(start, end) if self.blocks[j].kind == "fence" and self.blocks[j].depth == 0]
        cuts: list[tuple[int, str, bool]] = []
        for j in fences:
            lead = self.blocks[j - 1] if j > start else None
            m = _BOLD_LEAD.match(lead.raw.strip()) if lead is not None and lead.kind == "para" \
                and lead.depth == 0 else None
            if m is None or _STEP_LABEL.match(_clean(m.group(2))) or not _CONDITION.search(_clean(m.group(2))):
                return []  # "**Revert the code**" then "**Restart**": the steps of one level, in order
            cuts.append((j - 1, _clean(lead.text) if lead is not None else "", False))
        return cuts if len(cuts) >= 2 else []

    def has_level_steps(self, start: int, end: int) -> bool:
        """Fences or items that are not conditions ("- Roll back if p99 > 1 s" is none), or a paragraph that is a
        command right where the part starts (an option's label, then its command alone on the next line)."""
        from golive.plan.importer.items import code_command

        if start in self.said_levels:
            return True
        return any(b.kind == "fence" or (b.kind == "item" and not self.trigger_item(b))
                   or (b.kind == "para" and (n == 0 or bool(_LEVEL.match(_clean(b.text))))
                       and code_command(b.raw) is not None)
                   for n, b in enumerate(self.blocks[start:end]))

    @staticmethod
    def trigger_item(b: Block) -> bool:
        text = _clean(b.text)
        return b.kind == "item" and b.checked is None and "`" not in b.raw and not b.children \
            and bool(_TRIGGER_ITEM.match(text)) and bool(thresholds_in(text, b.line))

    def level_from(self, idx: int, end: int, text: str) -> bool:
        return self.make_level(idx + 1, end, text, self.blocks[idx], "")

    def make_level(self, start: int, end: int, text: str, h: Block, label: str,
                   intro: list[str] | None = None) -> bool:
        holder: dict[str, Any] = {"name": "", "steps": [], "gate": None, "timebox": None,
                                  "description": list(intro or [])}
        m = _LEVEL.match(text)
        number = level_number(text, lettered=False)
        written = m.group(2) if m else text
        name, chained = chain_in_name(written)  # "schema (…), then level 1"
        d = _DURATION_PAREN.search(name)
        if d:
            holder["description"].append(f"Takes {d.group(0).strip('()')}")
            name = (name[: d.start()] + name[d.end():]).strip()
        name = re.sub(r"\s*[:\-–—]\s*$", "", name).strip() or f"Rollback level {len(self.levels) + 1}"
        if label:
            holder["description"].append(label)
        before = [b.placed for b in self.blocks[start:end]]
        triggers = self.triggers_listed(holder, start, end)
        self.in_rollback = True
        try:
            self.fill(holder, start, end, context=None)
        finally:
            self.in_rollback = False
        if start in self.said_levels and not any("manual" in st for st in holder["steps"]) and all(
                self.blocks[k].kind == "para" for k in range(start, end)):
            # a level said in words only: the person's step is the words (a code span in them is no command)
            said_text = _clean(self.blocks[start].text)
            split = level_work(said_text)  # "RB2 — client too (clients crash on launch): RB1, plus ...": the
            work = split[1] if split is not None else said_text  # condition stays the level's, never a step's
            holder["steps"] = [self.step("manual", {"instruction": work}, self.blocks[start].line, None)]
            if said_text in holder["description"]:
                holder["description"].remove(said_text)
            if split is not None and not any(split[0] in " ".join(str(d).split()) for d in holder["description"]):
                holder["description"].append(split[0])
            self.blocks[start].placed = True
        if not holder["steps"]:
            for b, was in zip(self.blocks[start:end], before, strict=True):
                b.placed = was
            return False
        h.placed = True
        self.thresholds += [t for it in triggers for t in thresholds_in(_clean(it.text), it.line)]
        for b in self.blocks[start:end]:
            if b.kind == "para" and re.search(r"(?i)\b(when|if)\b", b.text):
                found = thresholds_in(_clean(b.text), b.line)  # "Roll back when 5xx > 2%": a trigger, not a step
                self.thresholds += found
        used = {lv["level"] for lv in self.levels}
        if number is None or number in used or number < 1:
            number = max(used, default=0) + 1
        said = " ".join(d for d in holder["description"] if _COVERS_SAID.search(d))  # "Undoes steps 2-3."
        own = [str(d) for d in holder["description"][len(intro or []):]]
        # "Trigger: wrong balances … Marcus must approve": a condition the level became a person's step for
        own += [" ".join(str(st["manual"].get("instruction", "")).split()) for st in holder["steps"]
                if isinstance(st.get("manual"), dict) and _TRIGGER_LED.match(str(st["manual"].get("instruction", "")))]
        # the condition its opening label gave ("（触发条件：节点启动失败…）"), unless it says nothing or the level's
        # own lines restrict it where the label does not ("只能在该节点执行 upgradesstables 之前"): the restriction is
        # what keeps the level from golive
        opened, stated = self.openers.get(label, ("", None))[1], condition(name, own)
        cond = opened if opened and opened[0] else stated
        if stated is not None and stated[1] and (cond is None or not cond[1]):
            cond = stated
        self.levels.append({"level": number, "name": name, "line": h.line, "steps": holder["steps"],
                            "description": holder["description"], "refs": phase_refs(f"{text} {label} {said}"),
                            "tag": text, "condition": cond, "section": self.level_sections.get(
                                label.split("\n", 1)[0], ""),
                            "then_refs": [chained] if chained else [], "name_written": written})
        return True

    def triggers_listed(self, holder: dict[str, Any], start: int, end: int) -> list[Block]:
        """"Back-out is invoked if any of the following happens:" and its list: conditions of the level (its
        description; error-rate and latency limits for a canary), never steps of it. Returns the conditions."""
        found: list[Block] = []
        for j in range(start, end):
            b = self.blocks[j]
            text = _clean(b.text)
            if not b.placed and self.trigger_item(b):
                # "- Roll back if p99 > 1 s for 5 minutes": a condition, not a step of the level
                holder["description"].append(f"Trigger: {text}")
                found.append(b)
                b.placed = True
                continue
            if b.kind == "para" and not b.placed and b.depth == 0 and _TRIGGER_LABEL.match(text) \
                    and not text.endswith(":") and "`" not in b.raw:
                # "When: the schema change is the cause. The DBA decides.": when to take the level, never a step
                holder["description"].append(text)
                found.append(b)
                b.placed = True
                continue
            if b.kind != "para" or b.placed or not text.endswith(":") or not _TRIGGER_INTRO.search(text):
                continue
            items = []
            for k in range(j + 1, end):
                it = self.blocks[k]
                if it.kind != "item" or it.depth != b.depth or it.checked is not None or "`" in it.raw \
                        or it.children:
                    break
                items.append(it)
            if not items:
                continue
            holder["description"].append(text + " " + "; ".join(_clean(it.text) for it in items))
            for it in items:
                it.placed = True
            found += items
            b.placed = True
            self.inferred.append(f"line {b.line}: {len(items)} rollback trigger(s) -> the level's description")
        return found

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
            elif b.kind == "table" and len(b.rows) > 1:  # | Metric | Threshold |: a condition per row
                for n, row in enumerate(b.rows[1:], 1):
                    line = b.row_lines[n] if n < len(b.row_lines) else b.line + 1 + n
                    self.thresholds += thresholds_in(" ".join(_clean(c) for c in row), line)
                    conditions += 1
                b.placed = True
        h = self.blocks[idx]
        self.unplaced.append(Unplaced(h.line, f"'{_clean(h.text)}' ({conditions} conditions)",
                                      "conditions for a person to watch; a plan has no field for free-text"
                                      " rollback triggers (error-rate and latency limits: see the canary"
                                      " analysis or the lines below)"))
