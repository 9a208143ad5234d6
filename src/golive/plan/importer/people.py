"""Roles and people: approvers, sign-offs, contacts and escalation order."""

from __future__ import annotations

import re

from golive.plan.importer.contact_words import ESCALATION_WORD, MEASURE, SLA_KEY
from golive.plan.importer.escalation import EscalationMixin
from golive.plan.importer.roles import RolesMixin
from golive.plan.importer.text import _GATE, _KV, _LEVEL, _PLACEHOLDER, _clean
from golive.plan.md_blocks import Block

#: A lead that says the list below is an order: "In this order:", "A: in the following order:".
_IN_ORDER_LEAD = re.compile(r"(?i)\bin\s+(?:this|that|the\s+following)\s+order\s*:\s*$")
#: A title that asks whom to call: "Who do I call if something breaks?", "Call tree", "Who to page".
_CALL_LIST = re.compile(r"(?i)\bwho\s+(?:to|do\s+(?:i|we|you)|should\s+(?:i|we|you))\s+(?:call|page|ring|phone|"
                        r"contact)|\bcall\s+(?:list|tree)\b")


class PeopleMixin(EscalationMixin, RolesMixin):
    def contacts(self, idx: int, end: int) -> None:
        current, in_order = "", False
        for j in range(idx + 1, end):
            b = self.blocks[j]
            if b.kind == "heading":
                current, in_order = _clean(b.text).lower(), False
                b.placed = True
                continue
            title = f"{current} {_clean(self.blocks[idx].text).lower()}"
            # "A: In this order:" above a numbered list, or "Who do I call?" over one: the order to call them in
            escalating = bool(re.search(ESCALATION_WORD, title)) or (b.kind == "item" and b.ordered and (
                in_order or bool(_CALL_LIST.search(title))))
            if b.kind == "para":
                in_order = bool(_IN_ORDER_LEAD.search(_clean(b.text)))
                if in_order and b.text.strip().endswith(":"):
                    b.placed = True
                    continue
            if b.kind == "table":
                if escalating:
                    self.escalation_table(b)
                elif "external" not in current and "vendor" not in current:
                    self.people_table(b)
                continue
            if b.kind not in ("item", "para"):
                continue
            if "contacts" in self.plan_fields() and (self.ladder(b.text) is not None or (
                    escalating and b.kind == "item" and not _KV.match(b.raw) and b.depth <= 1)):
                self.escalation_item(b, len(self.escalation) + 1)
                continue
            m = _KV.match(b.raw)
            if m and not re.match(r"^\*\*[^*]*:\s*\*\*|^\*\*[^*]*\*\*\s*:", b.raw.strip()):
                m = None  # "**Eve Hart** — incident commander": bold, but no key: value (never a role "Eve Hart")
            if not m:
                if "external" not in current and "vendor" not in current and (
                        self.inline_roles(b.raw, b.line) or (b.kind == "item" and self.people_item(b, lead=True))
                        or self.keyed_person(b)):
                    b.placed = True  # "Owner: @Dana Whitfield", "DBA: Kim Ode · QA: Eli Roth"
                continue
            key, value = _clean(m.group(1)), _clean(re.sub(r"\*\*", "", m.group(2)))
            if SLA_KEY.match(key) or MEASURE.match(value):
                continue  # "Response: 15 minutes" is a promise about time, not a role
            lm = _LEVEL.match(key)
            if re.search(ESCALATION_WORD, current) or lm:
                if lm and "contacts" in self.plan_fields() and self.rung(int(lm.group(1)), value or key, b.line):
                    b.placed = True
                continue
            if "external" in current or "vendor" in current:
                continue
            self.approvers.setdefault(key, [])
            people = [p.strip() for p in re.split(r",|;|\band\b|\s-\s", value) if p.strip()]
            people = [p for p in people if not _PLACEHOLDER.match(p)]
            people = [self.person(p) for p in people]
            if people:
                self.approvers[key] = people[:1] if len(people) > 1 and "@" in people[-1] else people
            b.placed = True

    def keyed_person(self, b: Block) -> bool:
        """"Database: Sam Nguyen", "Soporte a usuarios: Mariana López" in a section about people: the section makes
        the key a role, when the value is a full name and the key no fact ("Region: West Coast") or time."""
        from golive.plan.importer.roles import _FACT_KEY, strict_person

        m = re.match(r"^\s*(?:\*\*|__)?([^\W\d_][^:*_\n]{1,40}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s+(.+)$", b.raw.strip())
        if m is None or b.checked is not None or _FACT_KEY.match(m.group(1)) or SLA_KEY.match(m.group(1)) \
                or re.search(ESCALATION_WORD, m.group(1), re.I):
            return False
        first = re.split(r",|;|\s\(", _clean(re.sub(r"\*\*|__", "", m.group(2))), maxsplit=1)[0].strip(" .")
        return strict_person(first) and self.role_pair(m.group(1), m.group(2), b.line, any_key=True, strict=True)

    def people_item(self, b: Block, lead: bool = False) -> bool:
        """A list item of a people section written without a colon: "Release manager — Dana Ross", "Dana Ross –
        release manager", "Kim Ode (on-call SRE)". The role must read as one (a role word) and the person as a full
        name; anything else stays unplaced. Under a lead that says the list is people (`lead`: "People on the
        call:", a contacts heading), "Aroha Ngata — does the upgrade" is that person and what they do there, and
        "Grace Tupou — service manager, gives the go after step 4" also says who decides the Go/No-Go."""
        from golive.plan.importer.gates import _ACCEPTS
        from golive.plan.importer.roles import _GROUP, ROLE_WORDS, strict_person

        text = _clean(re.sub(r"\*\*|__", "", b.text)).strip().rstrip(".")
        dashed = re.fullmatch(r"(.{2,60}?)\s+[—–-]\s+(.{2,80})", text)
        dash = dashed or re.fullmatch(r"([^,]{2,60}),\s*([^,]{2,60})(?:,.*)?", text)  # "Fay Lund, QA lead, +49 151"
        if dash:
            left, right = dash.group(1).strip(), dash.group(2).strip()
            if ROLE_WORDS.search(left) and strict_person(right):
                return self.role_pair(left, right, b.line)
            duty, _, remark = right.partition(",")
            if strict_person(left) and not strict_person(right) and (ROLE_WORDS.search(duty) or (
                    lead and dash is dashed and 1 <= len(duty.split()) <= 5 and not _GROUP.search(duty)
                    and not re.search(r"\d|@|https?:", duty))):  # (never "Gil Tan, Berlin office")
                self.add_person(duty.strip(), self.person(left), b.line, text)
                if _ACCEPTS.search(remark) or _GATE.search(remark):
                    self.decider = self.decider or duty.strip()  # "service manager, gives the go after step 4"
                return True
            return False
        bracket = re.fullmatch(r"(.{2,60}?)\s*\(([^()]{2,40})\)", text)
        if bracket and strict_person(bracket.group(1)) and ROLE_WORDS.search(bracket.group(2)):
            self.add_person(bracket.group(2).strip(), self.person(bracket.group(1).strip()), b.line, text)
            return True
        return False

    def signoff(self, idx: int, end: int) -> None:
        current = ""
        for j in range(idx + 1, end):
            b = self.blocks[j]
            if b.kind == "heading":
                current = _clean(b.text)
                continue
            if b.kind == "table":
                self.people_table(b)
                continue
            if b.kind in ("item", "para") and b.checked is None:
                m = re.match(r"^\s*(?:\*\*)?([^:*]{1,60}?)(?:\*\*)?\s*:\s*(.+)$", _clean(b.text).replace("\n", " "))
                if m and self.role_pair(m.group(1), m.group(2), b.line, any_key=True):
                    b.placed = True  # "- Change manager: Ingrid Solberg", "Approved by: **Ana Lima**"
                continue
            if b.kind != "item":
                continue
            if not re.search(r":|_{2,}", b.text):
                # "- [ ] Error budget burn under 5%": a condition to sign off on, not a role
                self.criteria.append((b.line, _clean(b.text)))
                b.placed = True
                self.inferred.append(f"line {b.line}: sign-off item with no name field -> success criterion")
                continue
            role = _clean(re.split(r":|_{2,}", b.text, maxsplit=1)[0])
            if not role or len(role) > 60:
                continue
            b.placed = True
            rest = re.split(r":|_{2,}", b.text, maxsplit=1)[1] if re.search(r":|_{2,}", b.text) else ""
            if self.role_pair(role, rest, b.line, any_key=True) and role in self.approvers:
                continue  # "- [x] QA sign-off: Priya Raman (2026-03-01)": the role and who signs
            self.approvers.setdefault(role, [])
            self.inferred.append(f"line {b.line}: sign-off '{role}'" + (f" ({current})" if current else "")
                                 + " -> approvers role (no people named: add them, then `approvals:` on a gate)")
        for j in range(idx + 1, end):
            b = self.blocks[j]
            if b.kind == "heading" and all(self.blocks[k].placed or self.blocks[k].kind == "heading"
                                           for k in range(j + 1, self.section_end(j))):
                b.placed = True

    def front_matter_people(self, text: str) -> None:
        """Roles in YAML front matter (`owner: Ana Lima`, `approvers: [Bo Chen, Cy Park]`, `release_manager:
        "@dana"`): a key with a role word and people as values. A team (`owner: team-payments`), an empty value
        or anything that is not a person is left out, like everywhere else."""
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            data = YAML(typ="safe").load(text)
        except YAMLError:
            return
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            values = value if isinstance(value, list) else [value]
            people = [str(v) for v in values if isinstance(v, str) and v.strip()]
            if people and isinstance(key, str):
                self.role_pair(key.replace("_", " ").replace("-", " "), ", ".join(people), 1)

    def people_line(self, b: Block) -> bool:
        """A line about people wherever it stands (`Contacts: ..., escalation: Aiko (EM) → Rafael (Director)`):
        its ladder and roles are read, and it is no criterion or step."""
        if not re.match(rf"(?i)^\W*(contacts?|{ESCALATION_WORD}|owners?|on-?call|people|team)\b[^:]{{0,40}}:",
                        _clean(b.text)) \
                and self.ladder(b.text) is None:
            return False
        if "contacts" in self.plan_fields() and self.ladder(b.text) is not None:
            self.escalation_item(b, len(self.escalation) + 1)
        self.inline_roles(b.raw, b.line)
        b.placed = True
        return True

    def stray_people(self) -> None:
        """An escalation ladder left in a section nothing else claimed ("## Support"): still the ladder; a role line
        nothing else placed ("Backout decision: Pieter de Vries, with Ingrid Solberg for option C.") still names
        who holds that role."""
        for b in self.blocks:
            if not b.placed and b.kind in ("para", "item") and self.ladder(b.text) is not None:
                self.people_line(b)
            elif not b.placed and b.kind in ("para", "item") and b.checked is None and "\n" not in b.text.strip() \
                    and self.role_line(b):
                b.placed = True

    def role_line(self, b: Block) -> bool:
        """One `Role: Person` line (the key a role word, the first person a full name); anything else is not."""
        from golive.plan.importer.roles import ROLE_WORDS, strict_person

        m = re.match(r"^\s*(?:\*\*|__)?([A-Za-z][\w /&'-]{1,40}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s+(.+)$", b.raw.strip())
        if m is None or not ROLE_WORDS.search(m.group(1)) or SLA_KEY.match(m.group(1)):
            return False
        first = re.split(r",|;|\band\b|\s\(", _clean(re.sub(r"\*\*|__", "", m.group(2))), maxsplit=1)[0].strip(" .")
        return strict_person(first) and self.role_pair(m.group(1), first, b.line)

    def prelude_people(self, b: Block) -> None:
        """`**Release captain:** @maria.k`, `**Approver (Go/No-Go):** Head of Engineering — Tom Becker` at the top of
        the document: roles and their people (golive.plan.importer.roles); a Go/No-Go approver decides every gate
        that names nobody else."""
        if b.kind == "table":
            if self.people_table(b):
                return  # | Short | Role | Name |: a role per row
            facts = self.fact_rows(b)
            ladders = {k: v for k, v in facts.items()  # | Escalation | A → B |, | ONCALL | A, then B, then C |
                       if re.search(rf"(?i){ESCALATION_WORD}|on[\s-]?call", k) and self.ladder(f"{k}: {v}")}
            if self.role_group([(k, v) for k, v in facts.items() if k not in ladders], b.line):
                b.placed = True
            for key, value in ladders.items():  # after the roles: a rung written as a name alone takes its role
                if self.ladder_text(f"{key}: {value}", b.line):
                    b.placed = True  # | Escalation | Deepak Iyer → Marta Lindqvist → Oskar Berg (VP Eng) |
            return
        self.inline_roles(b.raw, b.line)
        lines = b.text.split("\n")
        for i, text_line in enumerate(lines):  # **Escalation:** 1st Brian Kamau (on-call) · 2nd Grace Wanjiru
            if self.ladder(text_line) is not None:  # with the next line, where the ladder's sentence may go on
                self.ladder_text("\n".join(lines[i:i + 2]), b.line)

    def ladder_text(self, text: str, line: int) -> bool:
        """An escalation ladder written on one line outside a contacts section: its rungs; True when it was one."""
        ladder = self.ladder(text)
        if ladder is None or "contacts" not in self.plan_fields():
            return False
        self.drop_tentative()
        placed = [self.rung(n, rung, line) for n, rung in enumerate(ladder, len(self.escalation) + 1)]
        return any(placed)
