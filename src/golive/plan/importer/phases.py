"""Phases: headings that name a phase, their steps from list items, paragraphs and fenced blocks."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.conditional_blocks import ConditionalBlockMixin
from golive.plan.importer.done_block import DoneBlockMixin
from golive.plan.importer.escalation import inline_ladder
from golive.plan.importer.expect import ExpectMixin
from golive.plan.importer.headings import ROLLBACK_WORDS, SUCCESS_WORDS
from golive.plan.importer.named_host import NamedHostMixin
from golive.plan.importer.prose_steps import ProseStepsMixin
from golive.plan.importer.repeat import RepeatMixin
from golive.plan.importer.stages import StagesMixin
from golive.plan.importer.stated import StatedMixin
from golive.plan.importer.text import _DURATION, _GATE, _KV, _clean
from golive.plan.importer.timebox import TimeboxMixin
from golive.plan.importer.undo_lead import UndoLeadMixin
from golive.plan.md_blocks import Block
from golive.plan.md_instructions import LEVEL_CONDITION, sentences, trigger
from golive.plan.md_traffic import minutes as _minutes
from golive.plan.md_traffic import progression

#: "### Decision", "### Checkpoint 2": a heading whose paragraph is the phase's Go/No-Go question.
#: A lettered or numbered item's own mark written in its text: "(d) GO/NO-GO checkpoint", "b) Go/No-Go".
_ITEM_MARK = re.compile(r"^\(?[a-z0-9]{1,3}\)\s+")
_GATE_HEADING = re.compile(r"(?i)\W*(decision|checkpoint|hold point|gate)\b")
#: A forward paragraph naming how to go back: "It can be undone with `x`", "If it has to go back: `x`".
_WAY_BACK = re.compile(r"(?i)\b(?:undo|undone|undoes|revert(?:ed|s)?|roll(?:ed|s)?[ -]?back|go(?:es)? back|back[ -]?out"
                       r"|rückgängig|zurückrollen|deshacer|revertir|desfazer)\b[^`]{0,50}`([^`]+)`")
#: A paragraph that says what to do next: "Then turn ... off", "Finally, post in #releases", "and tell #merch".
_THEN = re.compile(r"(?i)^(?:then|finally|afterwards|after that|and then|and|next)\b,?\s+(?:[a-z]+\s+)?[a-z]")
#: A paragraph that only announces the way back of the phase it stands in, before its block: "**Rollback:**",
#: "To roll back:", "Undo (if needed):", "If it fails, roll back with:", "Rückfall:", "Reversión:".
#: Only the way-back word and a remark: "Undo the maintenance flag first:" is a forward step and stays one.
_ROLLBACK_LEAD = re.compile(r"(?i)^\W*(?:if\b[^:.]{0,40},\s*)?(?:to\s+)?(?:roll\s*-?\s*back|back\s*-?\s*out|undo|"
                            r"revert|r(?:ü|ue)ckfall|r(?:ü|ue)cksetzen|reversi[oó]n|revertir|retour arri[èe]re)"
                            r"\s*(?:\([^)]{0,40}\))?\s*(?:with|by running|commands?|steps?|plan|procedure)?\s*"
                            r"(?:\([^)]{0,40}\))?\W*:\W*$")
#: A paragraph that is a person's part, before the block it leads to: "Wait until ...", "Tell the app team ...".
_PERSON_LEAD = re.compile(r"(?i)^(?:wait\s+(?:until|till|for)|tell|notify|inform|announce|warn|ask|page|ping|email|"
                          r"post\s+(?:in|to|on))\b")
#: "1.1 ", "2.3. ": a numbered sub-step written as a paragraph (not a Markdown list item).
_SUBSTEP = re.compile(r"^\d+(?:\.\d+)+\.?\s+(?=\S)")
#: An item that says in words, at its end, that it is done ("Announcement published yesterday -- **done**.",
#: "Backup taken: erledigt", "Ogłoszenie … -- zrobione", "… — сделано", "(fait)"): done when the document was written,
#: like a ticked box; a separator (dash, colon, bracket) before the word, so "Check the job is done" stays open.
_SAID_DONE = re.compile(r"(?i)(?:\s(?:--?|[—–])|:|\(|\[)\s*(?:\*\*|__|\*|_)?(?:done|completed?|erledigt|fertig|"
                        r"zrobione|wykonane|gotowe|сделано|выполнено|готово|fait|termin[ée]e?|hecho|hecha|"
                        r"feito|feita|fatto|klaar|gedaan|✅|✔️?|☑️?)(?:\*\*|__|\*|_)?\s*[)\]]?\s*[.!]?\s*$")


def from_block(text: str) -> Any:
    from golive.plan.importer.fences import block_text

    return block_text(text)


#: A text struck through as a whole: `~~...~~` (after a checkbox), with at most a full stop after it.
_STRUCK = re.compile(r"(?s)~~(?:(?!~~).)+~~\s*[.;,]?")


#: The title of a box that says when to go back: "Roll back if", "Abort if", "Back out when", "Rollback triggers".
TRIGGER_BOX = re.compile(r"(?i)\b(?:roll\s*-?\s*back|abort|back\s*-?\s*out|revert|stop)\b.*\b(?:if|when)\b|"
                         r"\btriggers?\b|\bkill\s+switch\b")


class PhasesMixin(ExpectMixin, TimeboxMixin, UndoLeadMixin, RepeatMixin, ProseStepsMixin, StagesMixin,
                  ConditionalBlockMixin, StatedMixin, NamedHostMixin, DoneBlockMixin):
    def phase_from(self, idx: int, end: int) -> None:
        h = self.blocks[idx]
        h.placed = True
        text, timebox = self.heading_timebox(_clean(h.text))
        phase = self.new_phase(text, h.line)
        phase["deployment"] = True
        if timebox:
            phase["timebox"] = timebox
        self.fill(phase, idx + 1, end, context=None)
        self.canary_from(phase)
        self.said_commands(idx, end)  # a phase whose only work is commands written in a sentence

    def phase_rollback(self, phase: dict[str, Any], lead: Block, b: Block) -> None:
        """The block after "**Rollback:**" in a phase is a rollback level covering that phase (the blocks after
        the same lead join it); run forward, it would undo the phase during the deploy."""
        text = _clean(lead.text)
        level = next((lv for lv in self.levels if lv.get("lead") == lead.line), None)
        if level is None:
            number = max((lv["level"] for lv in self.levels), default=0) + 1
            level = {"level": number, "name": f"Rollback of {phase['name']}", "line": lead.line, "steps": [],
                     "description": [text], "refs": [], "phase": phase["name"], "lead": lead.line}
            self.levels.append(level)
            if text in phase["description"]:
                phase["description"].remove(text)
            lead.placed = True
            self.inferred.append(f"line {lead.line}: '{text}' in '{phase['name']}' -> rollback level {number},"
                                 " covering that phase")
        level["steps"] += self.host_undo(phase, self.rollback_fence_steps(b), b)

    def fill(self, phase: dict[str, Any], start: int, end: int, context: str | None) -> None:
        """Steps, gate, timebox and notes of a phase from the blocks in [start, end)."""
        gate_heading = False
        lead: Block | None = None  # the paragraph just before a block ("1.1 Confirm blue is healthy:")
        said: Block | None = None  # the paragraph or list item just before it ("2. Lag (expect 2 rows):")
        from golive.plan.importer.items import code_command

        gate_level = 0
        gate_items: list[tuple[str, int]] = []  # the items of a Go/No-Go section, its criteria and decision
        for j in range(start, end):
            b = self.blocks[j]
            if b.placed:
                continue
            gate_before = phase["gate"]
            if b.kind == "heading" and SUCCESS_WORDS.search(_clean(b.text).lower()):
                b.placed = True  # "### Success criteria" inside the last phase: the plan's criteria, not steps
                self.success(j, self.section_end(j))
                continue
            if b.kind == "heading" and not self.in_rollback and ROLLBACK_WORDS.search(_clean(b.text).lower()) \
                    and "window" not in b.text.lower() and self.runs_commands(j + 1, self.section_end(j)):
                # "### Rollback" inside a phase (or a <summary> of one): rollback material, never forward steps
                self.rollback_section(j, self.section_end(j))
                self.inferred.append(f"line {b.line}: '{_clean(b.text)}' inside '{phase['name']}' is rollback"
                                     " material -> rollback levels")
                b.placed = True
                continue
            if b.kind == "heading":
                b.placed = True
                if gate_heading and b.level > gate_level:
                    continue  # a <summary> or sub-heading inside the Go/No-Go section ("What GO means")
                gate_heading = bool(_GATE.search(b.text) or _GATE_HEADING.match(_clean(b.text)))
                gate_level = b.level
                continue
            if b.kind == "para" and gate_heading:
                phase["gate"] = (_clean(b.text), b.line)  # "### Go / No-Go" then the question
                b.placed = True
                gate_heading = False
            elif b.kind == "para":
                self.phase_para(phase, b, j)
            elif b.kind == "item" and gate_heading and not self.in_rollback and not phase["gate"] \
                    and not b.children and code_command(b.raw) is None:
                # under "### Go/No-Go": what GO means, and who says it ("@dana writes GO or NO-GO"): the gate
                gate_items.append((_clean(b.text), b.line))
                b.placed = True
            elif b.kind == "item":
                self.phase_item(phase, j)
            elif b.kind == "fence" and not self.in_rollback and lead is not None and self.runs(b) \
                    and (_ROLLBACK_LEAD.match(_clean(lead.text)) or self.undo_lead(lead)):
                if _ROLLBACK_LEAD.match(_clean(lead.text)) or not self.undo_from_block(phase, lead, b):
                    self.phase_rollback(phase, lead, b)  # "**Rollback:**" and its block: never a forward step
                if not _ROLLBACK_LEAD.match(_clean(lead.text)):
                    # "Undo, if needed:" leads to the one block after it; a block right after that one has no lead
                    # of its own and is in the forward phase, where the document's order puts it
                    lead = said = None
                continue
            elif b.kind == "fence":
                name = self.context_name(b)
                if name is None and lead is not None and _SUBSTEP.match(_clean(lead.text)):
                    name = _SUBSTEP.sub("", _clean(lead.text)).rstrip(":").strip() or None
                    if _clean(lead.text) in phase["description"]:
                        phase["description"].remove(_clean(lead.text))  # it names the step now
                if self.done_already(phase, b, j, end) or self.alternative_fence(phase, b, j) or (
                        (not self.in_rollback or self.person_only(lead)) and self.conditional_fence(phase, b, lead)) \
                        or self.named_host_fence(phase, b, j, end, name):
                    continue
                count = len(phase["steps"])
                self.phase_fence(phase, b, name)
                self.command_below(phase, count, b)
                made = phase["steps"][count:]
                if len(made) == 1 and "sql" in made[0] and "expect" not in made[0]["sql"]:
                    self.sql_expect_from_prose(made[0], b, j, end, said)
                    self.query_below(phase, made[0], b)
                elif len(made) == 1 and "shell" in made[0] and not self.in_rollback:
                    self.repeat_runs(phase, count, b, said)  # "run it three times: `V5=10`, then `V5=50`, ..."
                    if len(phase["steps"]) == count + 1:
                        self.command_expect_from_prose(phase, made[0], b, j, end, said)
                elif len(made) == 1 and "http" in made[0]:
                    self.command_expect_from_prose(phase, made[0], b, j, end, said)
                self.lead_checks(phase, count, made, lead, said)  # "3.2 …, erwartet: `0`", "Warten, bis …:"
                self.stated_result(phase, count, b, j, end, said)  # any other stated result: checked, or a person's
            elif b.kind == "table":
                self.phase_table(phase, b)
            lead = b if b.kind == "para" else None
            said = b if b.kind in ("para", "item") else None
            if gate_before is None and phase["gate"] is not None and b.kind in ("para", "item"):
                # where the decision stands among the steps (before the work it asks for once it is GO)
                phase["gate_item"] = (len(phase["steps"]) - phase.pop("after_go", 0), b)
        pending = phase.pop("query_below", None)
        if pending is not None:  # no query came after "Run the query below": the row stays a person's step
            phase["steps"].insert(pending[2], pending[1])
        item = phase.pop("gate_item", None)
        if item is not None and len(phase["steps"]) > item[0]:
            self.decision_in_place(phase, *item)
        if gate_items and not phase["gate"]:
            phase["gate"] = ("; ".join(t for t, _l in gate_items), gate_items[0][1])
            self.inferred.append(f"line {gate_items[0][1]}: the items under a Go/No-Go heading are the Go/No-Go of"
                                 f" '{phase['name']}' (its criteria and who decides)")

    def decision_in_place(self, phase: dict[str, Any], at: int, b: Block) -> None:
        """A Go/No-Go with steps of its phase after it ("stop, it is a NO-GO ... says GO" before the apply): a
        golive gate judges the phase after all its steps, so the decision would move past the change it guards.
        It stays where the document puts it: a step the decider confirms (`manual` with their role)."""
        text, line = phase["gate"]
        at_phase = next((i for i, p in enumerate(self.phases) if p is phase), 0)
        before = self.phases[at_phase - 1] if at_phase > 0 else None
        if at == 0 and before is not None and not before["gate"] and before.get("deployment") == phase.get(
                "deployment"):
            # "Go/No-Go before this step: Jihoon Park." ahead of every step of its phase: the decision between the
            # phase before and this one, which is when golive judges the phase before's gate
            before["gate"], before["gate_by"] = (_clean(b.text) or text, line), phase.pop("gate_by", None)
            phase["gate"] = None
            self.inferred.append(f"line {b.line}: the Go/No-Go before every step of '{phase['name']}' -> the"
                                 f" Go/No-Go of '{before['name']}', the phase before it")
            return
        role = self.gate_role({"gate": (_clean(b.text) or text, line), "gate_by": phase.pop("gate_by", None)})
        spec: dict[str, Any] = {"instruction": _clean(b.text) or text}
        if role is not None:
            spec["role"] = role
        phase["steps"].insert(at, self.step("manual", spec, b.line, None))
        phase["gate"] = None
        self.inferred.append(f"line {b.line}: the Go/No-Go in '{phase['name']}' has steps after it -> a step"
                             f" {'for ' + role + ' ' if role else ''}to confirm where it stands (a gate would come"
                             " after those steps)")

    def alternative_fence(self, phase: dict[str, Any], b: Block, j: int) -> bool:
        """A block in one tab of several ("Ubuntu" / "RHEL"), or under "On Ubuntu:" next to "On RHEL:": one of
        alternatives a person picks by the machine; run in turn, one always fails. A person's step that names its
        alternative and the others, showing the block (alternatives.py)."""
        from golive.plan.importer.alternatives import alternative_of

        found = alternative_of(self.blocks, j, self.__dict__.setdefault("_alternatives_memo", {})) if \
            self.runs(b) else None
        if found is None:
            return False
        own, names = found
        others = ", ".join(f"'{n}'" for n in names if n != own)
        b.placed = True
        phase["steps"].append(self.step("manual", {"instruction": from_block(
            f"Only where '{own}' applies (the document gives alternatives: '{own}' or {others}; a person runs the"
            f" one that fits the machine, never all), run:\n{b.text.strip()}")}, b.line, None))
        self.inferred.append(f"line {b.line}: the block is the '{own}' alternative of {others}: a person's step"
                             " showing it, never run next to its alternatives")
        return True

    def struck(self, b: Block) -> bool:
        """An item or paragraph struck through as a whole (`~~systemctl stop legacy~~`): the document took it
        back, so it is no step (not even a person's); the summary lists it. Its sub-items go with it."""
        if not b.cancelled and not _STRUCK.fullmatch(b.raw.strip()):
            return False
        from golive.plan.importer.text import Unplaced

        b.placed = True
        for c in b.children:
            self.blocks[c].placed = True
        self.unplaced.append(Unplaced(b.line, f"'{_clean(b.text)[:60]}'", "a cancelled task (`- [-]`): not a step"
                                      if b.cancelled else "struck through in the document: not a step"))
        return True

    def phase_para(self, phase: dict[str, Any], b: Block, j: int) -> None:
        if self.struck(b):
            return
        top = phase.get("depth", 0)  # a phase made of a numbered item: its own paragraphs stand one level in
        if b.box and TRIGGER_BOX.search(b.box) and not self.in_rollback:
            # `!!! danger "Roll back if"` in a phase: when to take the way back from this phase, the trigger of the
            # level that covers it (build); the words also stay with the phase for the people watching it
            body = _clean(b.text)
            body = body[len(b.box):].lstrip(" :") if body.lower().startswith(b.box.lower()) else body
            self.box_triggers.append((phase["name"], b.line, body))
        elif not self.in_rollback and not b.box:
            # "Stop and go to rollback if the failed-update rate is above 0.5% ...": the same, said in a sentence
            self.box_triggers += [(phase["name"], b.line, sn) for sn in sentences(_clean(b.text)) if trigger(sn)]
        m = _KV.match(b.raw)
        key = _clean(m.group(1)).lower() if m else ""
        value = _clean(re.sub(r"\*\*|__", "", m.group(2))) if m else ""
        if m and _GATE.search(key):
            phase["gate"] = (value, b.line)
            who = re.search(r"\(([^()]{2,80})\)", _clean(m.group(1)))
            if who is not None:  # "**Go/No-Go (Marcelo Lima):**": who decides, written beside the words
                phase["gate_who"] = who.group(1)
            phase["gate_where"] = key  # "**Go/No-Go before stage 4:**": when it is asked
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
        elif not self.in_rollback and progression(_clean(b.text), phase["name"]):
            # "Shift traffic 10% -> 25% -> 50% -> 100%, each held 10 minutes": a canary (canary_from)
            phase.setdefault("items", []).append((j, None, len(phase["steps"])))
            self.phase_triggers(b)
            b.placed = True
        elif b.depth == top and self.command_lines(phase, b):
            b.placed = True
        elif b.depth == top and _THEN.match(_clean(b.text)) and not _clean(b.text).endswith(":"):
            # "Then turn the flag off in the console and tell #deploys.": the next thing to do, a person's step
            phase["steps"].append(self.step("manual", {"instruction": _clean(b.text)}, b.line, None))
            b.placed = True
        elif b.depth == top and _PERSON_LEAD.match(_clean(b.text)) and (
                _clean(b.text).endswith(":") or re.search(r"(?i)\bthen\b", b.text)):
            # "Wait until the busy count drops to 0 (max 10 minutes), then stop it:", "Tell the app team in #ops that
            # the app goes read-only, then:": what a person does before the block, a step of its own
            said = re.sub(r"(?i),?\s*then\s*:?\s*$", "", _clean(b.text)).rstrip(":").strip()
            phase["steps"].append(self.step("manual", {"instruction": said}, b.line, None))
            b.placed = True
        elif b.depth == top and _SUBSTEP.match(_clean(b.text)) and not _clean(b.text).endswith(":"):
            # "1.3 Post the notice in #releases.": a numbered sub-step written as a paragraph is a step
            steps = self.command_item(b)
            phase["steps"] += steps or [self.step("manual", {"instruction": _SUBSTEP.sub("", _clean(b.text))},
                                                  b.line, None)]
            self.phase_triggers(b)  # "3.2 ... roll back if it stays above 1%": also the canary's limit
            b.placed = True
        elif self.prose_step(phase, b, j):  # a level's commands, instructions in prose (also inside items)
            b.placed = True
        elif b.depth == top and b.text.strip() and len(b.text) < 400:
            phase["description"].append(_clean(b.text))
            self.phase_triggers(b)
            b.placed = True

    def runs_commands(self, start: int, end: int) -> bool:
        """Blocks in [start, end) hold something that runs: a "Rollback plan" of readiness items ("Rollback tested
        on staging") is preparation, a "Rollback" with commands is what to do."""
        from golive.plan.importer.items import code_command

        return any((b.kind == "fence" and self.runs(b)) or (b.kind in ("item", "para") and code_command(b.raw))
                   for b in self.blocks[start:end])

    def command_lines(self, phase: dict[str, Any], b: Block) -> bool:
        """A terse paragraph, one instruction a line, whose first line is plainly a command ("undo: `kubectl
        rollout undo deploy/w`" / "then check the queue again."): a step for each line, in order."""
        lines = [ln.strip() for ln in b.raw.split("\n") if ln.strip()]
        if not lines or len(lines) > 6:
            return False
        first = Block("item", _clean(lines[0]), lines[0], b.line)
        made = self.command_item(first)
        if not made:
            return False
        phase["steps"] += made
        for n, raw in enumerate(lines[1:], 1):
            one = Block("item", _clean(re.sub(r"`", "", raw)), raw, b.line + n)
            phase["steps"] += self.command_item(one) or [self.step("manual", {"instruction": one.text}, one.line,
                                                                   None)]
        return True

    def phase_item(self, phase: dict[str, Any], j: int) -> None:
        b = self.blocks[j]
        has_children = bool(b.children)
        text = _clean(b.text)
        if not text:
            b.placed = True
            return
        if self.struck(b):
            return
        if b.checked is None and has_children:
            b.placed = True  # a title: its children are the steps and take their names from it
            return
        if not b.checked and not self.in_rollback and not phase["gate"] and _GATE.match(_ITEM_MARK.sub("", text)) \
                and self.gate_para(phase, b):
            b.placed = True  # "- Go / No-Go: @Helen Brandt decides on the call": the phase's decision, no step
            return
        if b.checked is None and not has_children and "`" not in b.raw and inline_ladder(text) is not None \
                and self.people_line(b):
            return  # "- Escalation tonight: Ana first, then Bo, then Cy.": who to call, in order; no step
        if self.in_rollback and b.checked is None and not has_children and "`" not in b.raw \
                and LEVEL_CONDITION.match(text):
            phase["description"].append(text)  # "Only when Kwame and Kofi agree ...:": when, not a step
            b.placed = True
            return
        fences = [self.blocks[c] for c in b.children if self.blocks[c].kind == "fence"]
        if b.checked is not None and fences and len(fences) == len(b.children) and all(
                self.runs(f) for f in fences):
            b.placed = True
            if not b.checked:
                return  # "- [ ] Migrate" with its block: the block is the step, named by the item
            for f in fences:  # ticked: done when the document was written; its commands do not run again
                f.placed = True
            text = f"{text} (ran: {'; '.join(' '.join(f.text.split())[:200] for f in fences)})"
        commands = self.command_item(b)
        if commands:
            phase["steps"] += commands
            b.placed = True
            return
        spec: dict[str, Any] = {"instruction": text}
        if b.checked is None and not self.in_rollback and _SAID_DONE.search(b.text.strip()):
            b.checked = True  # "... -- **zrobione**." says it is done, as a ticked box would
            self.inferred.append(f"line {b.line}: the item says it is done ('{text[-40:]}') -> recorded as done,"
                                 " not asked again")
        if b.checked:
            spec["done"] = True
            spec["ticked_at"] = f"{self.src_name}:{b.line}"
        name = self.context_name(b)
        step = self.step("manual", spec, b.line, name)
        if not self.in_rollback:
            phase.setdefault("items", []).append((j, step, len(phase["steps"])))
            self.phase_triggers(b)  # "- [ ] Watch 5xx; roll back if it goes above 1%": also the canary's limit
        phase["steps"].append(step)
        b.placed = True

    def undo_para(self, phase: dict[str, Any], b: Block) -> bool:
        """"To undo: `alembic downgrade -1`" right after a migration: the document names its downgrade. Any other
        command a forward paragraph names as the way back ("It can be undone with `x`", "If it has to go back:
        `x`") is the undo of the step before it, never a step of its own: run forward, it would undo the change
        during the deploy."""
        if not self.in_rollback and self.undo_lead(b):  # "Undo, if needed, is the same Job with `down`:" + block
            phase["description"].append(_clean(b.text))
            return True
        m = re.search(r"(?i)\b(to undo|undo|to roll ?back|roll ?back|downgrade|to revert|revert)\b[^`]{0,40}`([^`]+)`",
                      b.raw)
        if m and phase["steps"] and "migrate" in phase["steps"][-1]:
            spec = phase["steps"][-1]["migrate"]
            spec["down"] = m.group(2).strip()
            self.conversions.append(f"line {b.line}: `{spec['down']}` (named by the document) is the migration's undo")
            return True
        back = _WAY_BACK.search(b.raw)
        if back is None or self.in_rollback:
            return False
        cmd = back.group(1).strip()
        last = phase["steps"][-1] if phase["steps"] else None
        if last is not None and "shell" in last and "undo" not in last:
            last["undo"] = CommentedMap({"shell": cmd})
            self.conversions.append(f"line {b.line}: `{cmd[:60]}` (named by the document as the way back) is the"
                                    " undo of the step before it")
        else:  # nothing here it could undo: kept as words, never run forward
            phase["description"].append(_clean(b.text))
            self.inferred.append(f"line {b.line}: `{cmd[:60]}` is named as a way back, with no step before it to"
                                 " undo: kept in the phase's description, not run")
        return True
