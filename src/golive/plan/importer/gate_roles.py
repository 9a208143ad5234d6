"""Who decides a Go/No-Go when the gate names them only by the role the document gave them in passing: "**Driver**
(Aoife Byrne) types; **Navigator** (Kwame Mensah) reads ahead" and later "Navigator and Driver both say go";
"- **审批人（Go/No-Go 决策）**：陈静" and later "由审批人陈静根据主从延迟选择方案". Without a decider the gate was a
description only: the run went on with nobody saying go. Both of two roles saying go ("both", "beide", "两人")
need an approval each."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.roles import strict_person
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean

#: "**Driver** (Aoife Byrne)", "**DBA on call:** @jvirtanen (Jussi Virtanen)", "- **审批人（Go/No-Go 决策）**：陈静".
_BOLD_ROLE = re.compile(r"(?:\*\*|__)([^*_\n]{2,40}?)(?:\s*[:：]\s*(?:\*\*|__)|(?:\*\*|__)\s*[:：])"
                        r"\s*([^\n·;；,，*]{2,60})"
                        r"|(?:\*\*|__)([^*_\n]{2,40}?)(?:\*\*|__)\s*[(（]([^()（）\n]{3,40})[)）]")
#: Every one of the roles named says go: "both say go", "beide", "两人都", "双方".
_ALL = re.compile(r"(?i)\b(?:both|all|each|beide|alle|ambos|tous|entrambi)\b|两人|双方|二人|両者")


def _head(role: str) -> str:
    """The role's own word(s), without what is written after it: "审批人（Go/No-Go 决策）" -> "审批人"."""
    return re.split(r"\s*[(（]", role, maxsplit=1)[0].strip()


class GateRolesMixin(ImportState):
    def written_roles(self) -> list[tuple[str, str]]:
        """(role, person) pairs the document writes with a bold role anywhere: the people a gate may name."""
        found: list[tuple[str, str]] = []
        for b in self.blocks:
            if b.kind not in ("para", "item"):
                continue
            for m in _BOLD_ROLE.finditer(b.raw):
                role = _clean(m.group(1) or m.group(3)).strip(" :：")
                person = _clean(m.group(2) or m.group(4) or "").strip()
                person = re.sub(r"^(@[\w.-]+)\s*[(（]([^()（）]+)[)）]$", r"\2", person)  # "@mhofer (Marta Hofer)"
                if role and strict_person(person) and not strict_person(role):
                    found.append((role, person))
        return list(dict.fromkeys(found))

    def written_decider(self, phase: dict[str, Any]) -> str | None:
        """The role a gate's text names among the document's bold roles (by the role's word or the person's name),
        added to the approvers with its person; two or more named with "both" make one role of them all, each of
        whom must approve (`gate_count`)."""
        text = str(phase["gate"][0])
        named: list[tuple[int, str, str]] = []
        for role, person in self.written_roles():
            head = _head(role)
            latin = re.search(r"[A-Za-z]", head) is not None
            at = re.search(rf"(?i)\b{re.escape(head)}\b" if latin else re.escape(head), text) or re.search(
                re.escape(person), text)
            if at is not None and all(r != role for _at, r, _p in named):
                named.append((at.start(), role, person))
        if not named:
            return None
        named.sort()
        line = int(phase["gate"][1])
        if len(named) >= 2 and _ALL.search(text):
            role = " and ".join(r for _at, r, _p in named)
            for _at, _r, person in named:
                self.decider_role(role, person, line)
            phase["gate_count"] = len(named)
            return role
        _at, role, person = named[0]
        return self.decider_role(role, person, line)

    def decider_role(self, role: str, person: str, line: int) -> str:
        raise NotImplementedError
