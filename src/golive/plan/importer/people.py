"""Roles and people: approvers, sign-offs, contacts and escalation order."""

from __future__ import annotations

import re

from golive.plan.importer.escalation import MEASURE, SLA_KEY, EscalationMixin, inline_ladder
from golive.plan.importer.roles import RolesMixin
from golive.plan.importer.text import _KV, _LEVEL, _PLACEHOLDER, _clean
from golive.plan.md_blocks import Block


class PeopleMixin(EscalationMixin, RolesMixin):
    def contacts(self, idx: int, end: int) -> None:
        current = ""
        for j in range(idx + 1, end):
            b = self.blocks[j]
            if b.kind == "heading":
                current = _clean(b.text).lower()
                b.placed = True
                continue
            if b.kind == "table":
                if "escalation" in current or "escalation" in _clean(self.blocks[idx].text).lower():
                    self.escalation_table(b)
                elif "external" not in current and "vendor" not in current:
                    self.people_table(b)
                continue
            if b.kind not in ("item", "para"):
                continue
            escalating = "escalation" in current or "escalation" in _clean(self.blocks[idx].text).lower()
            if "contacts" in self.plan_fields() and (inline_ladder(b.text) is not None or (
                    escalating and b.kind == "item" and not _KV.match(b.raw) and b.depth <= 1)):
                self.escalation_item(b, len(self.escalation) + 1)
                continue
            m = _KV.match(b.raw)
            if not m:
                if "external" not in current and "vendor" not in current and self.inline_roles(b.raw, b.line):
                    b.placed = True  # "Owner: @Dana Whitfield", "DBA: Kim Ode · QA: Eli Roth"
                continue
            key, value = _clean(m.group(1)), _clean(re.sub(r"\*\*", "", m.group(2)))
            if SLA_KEY.match(key) or MEASURE.match(value):
                continue  # "Response: 15 minutes" is a promise about time, not a role
            lm = _LEVEL.match(key)
            if "escalation" in current or lm:
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

    def people_line(self, b: Block) -> bool:
        """A line about people wherever it stands (`Contacts: ..., escalation: Aiko (EM) → Rafael (Director)`):
        its ladder and roles are read, and it is no criterion or step."""
        if not re.match(r"(?i)^\W*(contacts?|escalat\w*|owners?|on-?call|people|team)\b[^:]{0,40}:", _clean(b.text)) \
                and inline_ladder(b.text) is None:
            return False
        if "contacts" in self.plan_fields() and inline_ladder(b.text) is not None:
            self.escalation_item(b, len(self.escalation) + 1)
        self.inline_roles(b.raw, b.line)
        b.placed = True
        return True

    def stray_people(self) -> None:
        """An escalation ladder left in a section nothing else claimed ("## Support"): still the ladder."""
        for b in self.blocks:
            if not b.placed and b.kind in ("para", "item") and inline_ladder(b.text) is not None:
                self.people_line(b)

    def prelude_people(self, b: Block) -> None:
        """`**Release captain:** @maria.k`, `**Approver (Go/No-Go):** Head of Engineering — Tom Becker` at the top of
        the document: roles and their people (golive.plan.importer.roles); a Go/No-Go approver decides every gate
        that names nobody else."""
        if b.kind == "table":
            for key, value in self.fact_rows(b).items():
                if self.role_pair(key, value, b.line):
                    b.placed = True
            return
        self.inline_roles(b.raw, b.line)
