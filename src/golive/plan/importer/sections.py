"""Walk the document's top-level sections and hand each to the part that places it."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.coverage import CoverageMixin
from golive.plan.importer.criteria import CriteriaMixin
from golive.plan.importer.gate_choice import GateChoiceMixin
from golive.plan.importer.headings import (
    CONFIG_HEADING,
    NOT_A_PHASE,
    PEOPLE_HEADING,
    SUCCESS_WORDS,
    TEST_HEADER,
    TEST_PLAN,
    WINDOW_HEADING,
    rollback_heading,
)
from golive.plan.importer.rollback_net import RollbackNetMixin
from golive.plan.importer.text import (
    _CLOCK_RANGE,
    _GATE,
    _LEVEL,
    _PHASE,
    Unplaced,
    _clean,
    _duration_text,
    fold_width,
)
from golive.plan.md_blocks import Block
from golive.plan.md_going_back import conditional_heading
from golive.units import format_duration

#: "Hold 15 minutes at each stage", "hold 10 min after each step": a wait that ends every stage.
_HOLD_EACH = re.compile(r"(?i)\bhold\s+(?:for\s+)?(\d+)\s*(min(?:ute)?s?|m|h(?:ours?)?)\b[^.]{0,20}?"
                        r"\b(?:at|after|on|in|for)\s+each\s+(?:stage|step|phase|increment|percentage|level)\b")


class SectionsMixin(CriteriaMixin, GateChoiceMixin, CoverageMixin, RollbackNetMixin):
    def has_steps(self, idx: int, end: int) -> bool:
        """Checklist items, runnable fences or a table with a command column: the section is work to do."""
        from golive.plan.importer.fences import PWSH_LANGS, is_powershell
        from golive.plan.importer.foreign import typed_by_a_person
        from golive.plan.importer.items import code_command
        from golive.plan.importer.tables import _EXPECT_COL, column
        from golive.plan.importer.traffic import traffic_rows
        from golive.plan.md_shell import looks_like_commands
        from golive.plan.md_traffic import progression

        for b in self.blocks[idx + 1:end]:
            if b.kind == "item" and b.checked is not None:
                return True
            if b.kind == "fence" and b.line in self.person_fences:
                return True  # a block a person runs (a notebook's Python cell): work to do, a manual step
            if b.kind == "fence" and typed_by_a_person(self.blocks, b):
                return True  # a batch file, a router's statements, CQL: a person types them, never dropped
            if b.kind in ("para", "item") and progression(_clean(b.text), _clean(self.blocks[idx].text)):
                return True  # "Traffic: 5% → 25% → 100%, 15 min each": a canary
            if b.kind == "fence" and (b.info in ("bash", "sh", "shell", "zsh", "sql") or b.info in PWSH_LANGS or
                                      (not b.info and (looks_like_commands(b.text) or is_powershell(b.text)))):
                # (a section of PowerShell blocks is a phase too: dropped, the run skipped the deploy it describes)
                return True
            if b.kind == "table" and b.rows and any(re.search(r"\bcommands?\b", c.lower()) for c in b.rows[0]):
                return True  # | Step | Command |, never "| Priya Nair (Incident Commander) |"
            if b.kind == "table" and b.rows and len(b.rows) > 1 and TEST_HEADER.search(" | ".join(
                    _clean(c).lower() for c in b.rows[0])):
                return True  # | # | Test | Expected |: checks to make, a step per row
            if b.kind == "table" and traffic_rows(b):
                return True  # | Stage | Traffic | Hold |: a canary
            if b.kind == "table" and len(b.rows) > 1 and column(b.rows[0], _EXPECT_COL) is not None and any(
                    code_command(cell) is not None for row in b.cells[1:] for cell in row):
                return True  # | Check | How | Expected | with a command in a cell: a check to run
            if b.kind == "item" and b.checked is None and code_command(b.raw) is not None:
                return True  # "* `curl -fsS https://x/up` prints `200`": a command to run
            if b.kind == "item" and b.ordered and b.depth == 1 and any(
                    self.blocks[c].kind == "fence" for c in b.children):
                return True
        return False

    def run(self) -> CommentedMap:
        title, title_idx = self.title()
        if title_idx is not None:
            self.blocks[title_idx].placed = True
        headings = [i for i, b in enumerate(self.blocks) if b.kind == "heading" and i != title_idx]
        top_level = min((self.blocks[i].level for i in headings), default=2)
        self.outline_tops = self.outline_sections([i for i in headings if self.blocks[i].level == top_level])
        self.loose_traffic()
        # Blocks before the first section (an overview paragraph) become the plan description.
        description = self.description
        first_heading = headings[0] if headings else len(self.blocks)
        lead = ""
        for b in self.blocks[:first_heading]:
            if b.kind == "item" and not b.placed and PEOPLE_HEADING.search(lead.lower()):
                b.placed = self.people_item(b, lead=True) or self.keyed_person(b)  # "People on the call:" + list
            if b.kind == "para":  # "People on the call:", or a bold line standing as a heading ("**Pessoas**")
                bold = re.fullmatch(r"\s*(?:\*\*|__)([^*_\n]{2,40})(?:\*\*|__)\s*", b.raw)
                lead = _clean(b.text) + ":" if bold else _clean(b.text) if _clean(b.text).endswith(":") else lead
            if b.kind == "para" and not b.placed:
                self.prelude_people(b)
                description.append(_clean(b.text))
                b.placed = True
            elif b.kind == "table" and not b.placed:
                self.prelude_people(b)  # | **Implementer** | Jonas Berg |: a fact table of roles
        self.box_criteria()
        self.sentence_criteria()
        i = 0
        while i < len(self.blocks):
            b = self.blocks[i]
            if b.kind == "heading" and i != title_idx and b.level <= top_level + 1:
                end = self.section_end(i)
                if self.handle_section(i, end, top=b.level == top_level):
                    i = end
                    continue
            i += 1
        self.window_in_prose()
        self.stray_people()
        self.resolve_rungs()
        self.rollback_state()  # before stray_env: a rollback section's `export` is never a var of the forward run
        self.stray_env()
        self.rollback_net()  # a way back no reader made a level of: a person's level (rollback_net.py)
        self.leftover_steps()  # an instruction no part understood: a person's step where it stands (coverage.py)
        self.report_leftovers()
        return self.build(title, description)

    def handle_section(self, idx: int, end: int, top: bool) -> bool:
        """Place one section; True when it (and everything under it) was dealt with."""
        h = self.blocks[idx]
        text = _clean(h.text)
        low = text.lower()
        if re.fullmatch(r"(?s)\W*~~(?:(?!~~).)+~~\W*", h.raw.strip()):
            # `## ~~Phase 2: Legacy cleanup~~`: the document took the whole section back; nothing in it runs
            from golive.plan.importer.text import Unplaced

            for b in self.blocks[idx:end]:
                b.placed = True
            self.unplaced.append(Unplaced(h.line, f"section '{text}'", "struck through in the document: none of"
                                          " it is a step"))
            return True
        sub_phases = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"
                      and self.phase_heading(_clean(self.blocks[j].text))] if top else []
        if top and not sub_phases:
            sub_phases = self.numbered_subs(idx, end)
        # "Phase 3: ..." under it
        named = [j for j in sub_phases if _PHASE.match(fold_width(_clean(self.blocks[j].text)))]
        if rollback_heading(low) and not named and "window" not in low and not (
                PEOPLE_HEADING.search(low) and not self.runs_commands(idx + 1, end)):
            # ("Who do I call if something breaks?" with no command is the people to call, not a way back)
            # Rollback material wherever it stands and whatever its number ("Phase 6: Rollback Procedures").
            h.placed = True
            if re.search(r"criteria|trigger|when to|decision|conditions", low):
                self.rollback_criteria(idx, end)
            else:
                self.rollback_section(idx, end)
            self.inferred.append(f"line {h.line}: '{text}' is rollback material -> rollback levels / triggers")
            return True
        if conditional_heading(text) and not named:
            # "If the lag is over 10 s", "Si el índice no existe": a branch for a condition, never forward steps; its
            # blocks stay text, listed in the summary for a person to place
            self.inferred.append(f"line {h.line}: '{text}' holds only under a condition -> not a phase; its blocks"
                                 " are left for a person (see not placed)")
            return True
        if self.choice_section(idx, end):  # "### 方案A" / "### 方案B", one chosen by a person: never both run
            return True
        if self.sibling_choice(idx, end):  # "## 3. Plano A (padrão)" / "## 4. Plano B": Plano B never runs
            return True
        if top and _GATE.search(low) and self.gate_section(idx, end):
            return True
        if idx in self.outline_tops:
            # "1. Preparation" over "1.1 Pre-checks", "1.2 Freeze writes", and "2. Backup" over "2.1 ...": the
            # document is numbered as an outline, its numbered sections are the phases and N.M their parts
            self.phase_from(idx, end)
            self.inferred.append(f"line {h.line}: '{text}' is a numbered section of an outline (its parts are"
                                 " numbered under it) -> a phase")
            return True
        if _PHASE.match(fold_width(text)) or (_CLOCK_RANGE.search(text) and not top) or (
                self.timeboxed(text) and not SUCCESS_WORDS.search(low) and not NOT_A_PHASE.search(low)
                and not WINDOW_HEADING.search(low)):
            self.phase_from(idx, end)  # a heading with a timebox is a step of the run, however it is numbered
            return True
        if not top and not (PEOPLE_HEADING.search(low) and not self.has_steps(idx, end)):
            return False  # ("### Escalation" before the first section: the people to call, still read)
        h.placed = True
        if SUCCESS_WORDS.search(low):
            self.success(idx, end)
            return True
        if re.search(r"^(overview|summary|introduction|purpose|background|description)$", low):
            self.overview(idx, end)
            return True
        if re.search(r"deployment window|deployment (timeline|schedule)|^window|^schedule", low):
            self.window_section(idx, end)
            return True
        if re.search(r"sign-?offs?\b|approvals?\b|approvers?\b", low) and not sub_phases:
            self.signoff(idx, end)
            self.signoff_gate(idx, end)
            return True
        if PEOPLE_HEADING.search(low) and not sub_phases and not self.has_steps(idx, end):
            self.contacts(idx, end)
            return True
        if sub_phases:
            sub_phases = self.numbered_siblings(idx, end, sub_phases)
            first = min(sub_phases)
            made = len(self.phases)
            if self.runs_commands(idx + 1, first):
                # "## Flag rollout" whose first command stands before "**Stage 2**": the section's own steps come
                # first, a phase of their own; left to the sub-phases they were dropped (a rollout from stage 2)
                self.phase_from(idx, first)
                self.inferred.append(f"line {h.line}: '{text}' runs commands before its first sub-phase -> a phase"
                                     " of its own, before them")
            for j in sub_phases:
                stop = self.section_end(j)
                while stop < end and self.blocks[stop].level == self.blocks[j].level and stop not in sub_phases \
                        and _GATE.search(self.blocks[stop].text):
                    stop = self.section_end(stop)  # "### 4. Go/No-Go" after "### 3. Deploy": that phase's gate
                self.phase_from(j, stop)
            self.hold_each(idx, first, self.phases[made:])
            self.sibling_sections(idx, end, sub_phases)
            return True
        if CONFIG_HEADING.search(low) and self.env_only(idx + 1, end):
            # "## Environment" holding an env file and `export` lists: what the run needs set, plan vars
            self.stray_env(idx + 1, end)
            self.inferred.append(f"line {h.line}: '{text}' holds env files / exports only -> plan vars, not a phase")
            return True
        if re.search(r"pre-?deploy|before deploy|preparation|readiness|\(.*before\)|deployment day|pre-?flight",
                     low):
            self.checklist_phase(idx, end)
            return True
        if re.search(r"post-?deploy|after deploy", low):
            self.post_section(idx, end)
            return True
        if re.search(r"deployment (steps|procedure|process|plan)|during deploy|^deploy(ment)?$", low):
            self.checklist_phase(idx, end)
            return True
        # "Maintenance and queues" with its shell blocks (maintenance page on, workers quiet): a step of the run;
        # "Maintenance" as later upkeep runs nothing and stays out
        aside = NOT_A_PHASE.search(low.replace("maintenance", "") if self.runs_commands(idx + 1, end) else low)
        if not aside and self.has_steps(idx, end):
            self.checklist_phase(idx, end)
            self.inferred.append(f"line {h.line}: section '{text}' has checklist items or commands -> a phase")
            return True
        if TEST_PLAN.search(low) and any(b.kind == "item" for b in self.blocks[idx + 1:end]):
            # "Test Plan:" of a change ticket, "## Validation": the checks a person makes after the change
            self.checklist_phase(idx, end)
            self.inferred.append(f"line {h.line}: '{text}' lists the tests to make -> a phase of a person's checks")
            return True
        if not aside and (self.procedure_section(idx, end) or self.prose_section(idx, end)):
            return True  # "## 2. Stop (6:10am)" of transcripts and "2a." paragraphs: person's steps, never dropped
        # Any other top-level section is kept for the leftovers report, except "Rollback Window"-style
        # facts and an "Application Version" table, which may hide in a general section (an appendix).
        self.scan_window_facts(idx, end)
        self.scan_version(idx, end)
        return True

    def gate_section(self, idx: int, end: int) -> bool:
        """"## Go/No-Go (23:15)" between two phases, with no step of its own: the Go/No-Go of the phase before it
        (golive judges a gate after its phase's steps, before the next phase starts)."""
        phase = self.phases[-1] if self.phases else None
        paras = [b for b in self.blocks[idx + 1:end] if b.kind in ("para", "item") and not b.placed]
        if phase is None or phase["gate"] or phase["line"] > self.blocks[idx].line or not paras \
                or self.runs_commands(idx + 1, end) or any(b.kind == "heading" for b in self.blocks[idx + 1:end]):
            return False
        phase["gate"] = ("; ".join(_clean(b.text) for b in paras), paras[0].line)
        for b in self.blocks[idx:end]:
            b.placed = True
        self.inferred.append(f"line {self.blocks[idx].line}: '{_clean(self.blocks[idx].text)}' between phases ->"
                             f" the Go/No-Go of '{phase['name']}', the phase before it")
        return True

    def overview(self, idx: int, end: int) -> None:
        """An "Overview" section's paragraphs say what the change is: the plan's description; its roles and
        ladders ("| Deployment lead | Mikko Virtanen |", "Escalation: A, then B") are read as at the top."""
        for b in self.blocks[idx + 1:end]:
            if b.kind == "para" and b.depth == 0 and b.text.strip():
                self.prelude_people(b)
                self.description.append(_clean(b.text))
                b.placed = True
            elif b.kind == "table" and not b.placed:
                self.prelude_people(b)

    def scan_version(self, idx: int, end: int) -> None:
        """`**Current Version**: 1.0.0` / `**New Version**: 1.1.0` under an application/release version heading.

        Only such a heading counts: a bare `**Version**: 2.0.0` at the end of a document is usually the version
        of the document itself, and a "Database Schema Version" is not the version being deployed.
        """
        heads = [j for j in range(idx, end) if self.blocks[j].kind == "heading"]
        for j in heads:
            h = self.blocks[j]
            if not re.search(r"\b(application|app|release|service|software)\s+version\b|^version$",
                             _clean(h.text), re.I):
                continue
            facts = self.facts(j, self.section_end(j), mark=False)
            old = next((v for k, v in facts.items() if re.fullmatch(r"(current|old|previous|from)( version)?", k)),
                       None)
            new = next((v for k, v in facts.items() if re.fullmatch(r"(new|target|next|to)( version)?", k)), None)
            if old is None or new is None:
                continue
            versions = [re.search(r"\bv?\d+(?:\.\d+)+(?:[-+][\w.]+)?", v[0]) for v in (old, new)]
            if versions[0] is None or versions[1] is None or self.version is not None:
                continue
            self.version = (versions[0].group(0), versions[1].group(0), h.line)
            h.placed = old[1].placed = new[1].placed = True
            self.inferred.append(f"line {h.line}: '{_clean(h.text)}' -> version {self.version[0]} ->"
                                 f" {self.version[1]}")

    def rollback_state(self) -> None:
        """A rollback section's own `cd`/`export` block above its levels: the state its levels run with."""
        from golive.plan.importer.carry import rollback_preambles

        self.preambles = rollback_preambles(self.blocks, [p["line"] for p in self.phases],
                                            [lv["line"] for lv in self.levels])
        for b in self.preambles:
            b.placed = True
            self.inferred.append(f"line {b.line}: a block that only sets shell state above the rollback levels ->"
                                 " carried in front of the steps of the levels after it")

    def report_leftovers(self) -> None:
        """Group every block nobody placed under its heading, so the summary names each one."""
        heading: Block | None = None
        groups: dict[int, list[Block]] = {}
        owners: dict[int, Block] = {}
        for b in self.blocks:
            if b.kind == "heading":
                heading = b
                continue
            if b.placed or (b.kind in ("para", "item") and not b.text.strip()):
                continue
            key = heading.line if heading else 0
            groups.setdefault(key, []).append(b)
            if heading is not None:
                owners[key] = heading
        for key, blocks in groups.items():
            h = owners.get(key)
            counts: dict[str, int] = {}
            for b in blocks:
                counts[b.kind] = counts.get(b.kind, 0) + 1
            what = ", ".join(f"{n} {k if n == 1 else k + 's'}" for k, n in counts.items())
            title = f"'{_clean(h.text)}'" if h else "text before the first heading"
            self.unplaced.append(Unplaced(blocks[0].line, f"{title}: {what}", "no place in a plan"))
        self.unplaced.sort(key=lambda u: u.line)

    def timeboxed(self, text: str) -> bool:
        """A heading that gives a phase's timebox: "(10 min)", not the horizon of follow-up work ("Post-deployment
        monitoring (48 hours)": anything over 12 hours), which post_section weighs."""
        box = self.heading_timebox(text)[1]
        return bool(box) and box is not None and box <= 12 * 60

    def numbered_siblings(self, idx: int, end: int, subs: list[int]) -> list[int]:
        """"### 1. Before you deploy" ... "### 5. Verify" where only "### 3. Canary (15 minutes)" reads as a phase
        (its timebox): numbered the same way at the same level, its siblings are phases too, never left out."""
        numbered = re.compile(r"^\d{1,2}[.)]\s+\S")
        level = self.blocks[subs[0]].level
        if not all(numbered.match(_clean(self.blocks[j].text)) and self.blocks[j].level == level for j in subs):
            return subs
        more = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading" and self.blocks[j].level == level
                and numbered.match(_clean(self.blocks[j].text)) and not _GATE.search(self.blocks[j].text)
                and not rollback_heading(_clean(self.blocks[j].text).lower())
                and not SUCCESS_WORDS.search(_clean(self.blocks[j].text).lower())]
        return sorted(set(subs) | set(more))

    def hold_each(self, idx: int, first: int, stages: list[dict[str, Any]]) -> None:
        """"Hold 15 minutes at each stage" said by the section over its stages: a wait ends each stage's phase (before
        its Go/No-Go). Without it the stages' commands ran back to back: 1 % to 100 % in seconds, nothing watched."""
        said = next((b for b in self.blocks[idx + 1:first] if b.kind in ("para", "item")
                     and _HOLD_EACH.search(_clean(b.text))), None)
        if said is None or len(stages) < 2:
            return
        m = _HOLD_EACH.search(_clean(said.text))
        assert m is not None
        minutes = float(m.group(1)) * (60 if m.group(2).lower().startswith("h") else 1)
        for phase in stages:
            phase["steps"].append(self.step("wait", {"duration": _duration_text(minutes), "reason":
                                                     _clean(said.text)[:200]}, said.line, None))
        self.inferred.append(f"line {said.line}: a hold at each stage -> a wait of {_duration_text(minutes)} ending"
                             f" each of its {len(stages)} phases")

    def sibling_sections(self, idx: int, end: int, subs: list[int]) -> None:
        """A rollback or success-criteria sub-heading next to a section's phases ("### If it goes wrong" after
        "### 5. Verify"): the way back and the criteria, never dropped with the container."""
        level, top = self.blocks[subs[0]].level, self.blocks[idx].level
        for j in range(idx + 1, end):
            b = self.blocks[j]
            # "### Rollback" after "#### Step 4" under one "## Title": a sibling too, one level above the phases
            if b.kind != "heading" or not top < b.level <= level or b.placed or j in subs:
                continue
            low = _clean(b.text).lower()
            if rollback_heading(low) and self.runs_commands(j + 1, self.section_end(j)):
                b.placed = True
                self.rollback_section(j, self.section_end(j))
                self.inferred.append(f"line {b.line}: '{_clean(b.text)}' is rollback material -> rollback levels")
            elif SUCCESS_WORDS.search(low):
                b.placed = True
                self.success(j, self.section_end(j))

    def phase_heading(self, text: str) -> bool:
        """A sub-heading that is a phase of its section: "Phase 2: ...", "7.2 Outage and upgrade (02:20-03:20)"."""
        text = fold_width(text)
        return bool(_PHASE.match(text) or re.match(r"^\d+(?:\.\d+)+\.?\s+\S", text)
                    or self.timeboxed(text)) and not rollback_heading(text.lower()) \
            and not _LEVEL.match(text) and not conditional_heading(text)

    def outline_sections(self, tops: list[int]) -> set[int]:
        """Top-level sections numbered as an outline ("1. Preparation" holding "1.1 Pre-checks" and "1.2 Freeze
        writes", "2. Backup" holding "2.1 ..."), as word processors number a document: when at least two forward
        sections hold steps under parts numbered after them, each such section is a phase and its parts are its
        steps. A single such section ("7. Implementation" over "7.1 Preparation (02:00-02:20)") stays a container
        of phases, and so do parts that carry their own timebox."""
        out: set[int] = set()
        for i in tops:
            text = _clean(self.blocks[i].text)
            m = re.match(r"^(\d{1,2})[.)]?\s+\S", text)
            if m is None or rollback_heading(text.lower()) or SUCCESS_WORDS.search(text.lower()):
                continue
            end = self.section_end(i)
            parts = [j for j in range(i + 1, end) if self.blocks[j].kind == "heading"
                     and re.match(rf"^{m.group(1)}\.\d{{1,2}}\.?\s+\S", _clean(self.blocks[j].text))]
            if not parts or not self.has_steps(i, end):
                continue
            if any(self.timeboxed(_clean(self.blocks[j].text)) for j in parts):
                return set()  # parts that say how long they take are phases of their own
            out.add(i)
        return out if len(out) >= 2 else set()

    def numbered_subs(self, idx: int, end: int) -> list[int]:
        """Sub-headings numbered "1." / "2)" ("## Release" over "### 1. Tag and build", "### 2. Database"): each
        is a phase when at least two are, they hold steps and some run commands; a numbered Go/No-Go is the gate of
        the one before."""
        subs = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"]
        level = min((self.blocks[j].level for j in subs), default=0)
        texts = {j: _clean(self.blocks[j].text) for j in subs}
        out = [j for j in subs if self.blocks[j].level == level and re.match(r"^\d{1,2}[.)]\s+\S", texts[j])
               and not _GATE.search(texts[j]) and not rollback_heading(texts[j].lower())
               and not SUCCESS_WORDS.search(texts[j].lower()) and self.has_steps(j, self.section_end(j))]
        if re.search(r"(?i)checklist|pre-?deploy|before deploy|preparation|readiness|pre-?flight",
                     _clean(self.blocks[idx].text)):
            return []  # "## Pre-Deployment Checklist" over "### 1. Code Readiness": one checklist, in parts
        if len(out) < 2 or not any(self.runs_commands(j + 1, self.section_end(j)) for j in out):
            return []  # parts of a list of things to tick, not steps of the run
        return out

    def checklist_phase(self, idx: int, end: int, prefix: str = "") -> None:
        if self.list_phases(idx, end):
            return  # "1. Drain (5 min)" items with their steps: a phase each
        h = self.blocks[idx]
        whole = _clean(h.text)
        text, timebox = self.heading_timebox(whole) if self.timeboxed(whole) else (whole, None)
        phase = self.new_phase(f"{prefix}: {text}" if prefix else text, h.line)
        phase["timebox"] = timebox
        self.fill(phase, idx + 1, end, context=None)
        self.canary_from(phase)
        if not phase["steps"]:
            self.phases.remove(phase)

    def post_section(self, idx: int, end: int) -> None:
        """Post-deployment checks within the first hour or two belong to the run; later ones do not."""
        h = self.blocks[idx]
        subs = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"]
        horizon = self.horizon_hours(_clean(h.text))
        if subs and horizon is None and any(self.horizon_hours(_clean(self.blocks[j].text)) is not None
                                            for j in subs):
            for j in subs:
                if self.blocks[j].level == min(self.blocks[s].level for s in subs):
                    self.post_part(j, self.section_end(j), self.horizon_hours(_clean(self.blocks[j].text)),
                                   prefix=_clean(h.text))
            return
        self.post_part(idx, end, horizon)

    def post_part(self, idx: int, end: int, horizon: float | None, prefix: str = "") -> None:
        h = self.blocks[idx]
        h.placed = True
        if horizon is not None and horizon > 2:
            count = sum(1 for b in self.blocks[idx + 1:end] if b.kind == "item")
            for b in self.blocks[idx + 1:end]:
                b.placed = True
            self.unplaced.append(Unplaced(h.line, f"'{_clean(h.text)}' ({count} items)",
                                          f"follow-up work {format_duration(horizon * 3600)} after the"
                                          " deployment: not part of a run"))
            return
        self.checklist_phase(idx, end, prefix)

    @staticmethod
    def horizon_hours(text: str) -> float | None:
        low = text.lower()
        m = re.search(r"(\d+)?\s*(hour|day|week|month|year)s?", low)
        if re.search(r"immediate|right after", low) and not re.search(r"within|hourly|daily", low):
            return 0.5  # "Immediate (Day 1)": the checks right after the change belong to the run
        if not m:
            if re.search(r"immediate|right after|first minutes", low):
                return 0.5
            return None
        n = int(m.group(1)) if m.group(1) else 1
        return n * {"hour": 1, "day": 24, "week": 168, "month": 720, "year": 8760}[m.group(2)]
