"""Go/No-Go decisions as teams write them, and who makes each: a role the document names, or its person.

Forms: a "Go/No-Go" line or heading, "Yusuf decides GO or NO-GO", "Tom gives the GO for section 2",
"Decision: the Release Manager decides", "Checkpoint: ...", "The Application Owner confirms acceptance";
the decider is a role of the document, a person of it (their role), or "Sunita Rao (DBA)" as written.
"""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.gate_decision import GateDecisionMixin
from golive.plan.importer.gate_roles import GateRolesMixin
from golive.plan.importer.gate_stage import GateStageMixin
from golive.plan.importer.text import _GATE, _PLACEHOLDER, _clean
from golive.plan.md_blocks import Block

#: "decides GO", "gives the GO", "GO or NO-GO", "GO / NO GO" (upper case: the decision word, not the verb).
_GO_WORD = re.compile(r"\b(?:gives?|decides?|calls?|makes?|says?)\b[^.;]{0,30}?\bGO\b|\bGO\b\s*(?:or|/)\s*NO[\s-]*GO\b")
#: "Decision: ...", "Checkpoint - ...", "**Decision point**": a stop where someone decides.
_DECISION_KEY = re.compile(r"(?i)^\W*(?:go\s+decision|decision(?:\s+point)?|checkpoint|hold\s+point|gate|approval|"
                           r"sign-?\s?off)\b\s*(?:[:\-–—(])")
#: A hold point: "STOP: do not proceed until the DBA confirms", "Proceed only if the smoke tests pass".
_HOLD_POINT = re.compile(r"(?i)\b(?:do\s+not|don't|never)\s+(?:proceed|continue|go\s+on|move\s+on)\b[^.]{0,80}?"
                         r"\b(?:until|unless|before)\b|\b(?:proceed|continue)\s+only\s+(?:if|when|once|after)\b|"
                         # "Only run this when Fleur says 'flags on'", "Alleen uitvoeren als Fleur … zegt", "Nur
                         # ausführen, wenn …", "Ne continuer que si …", "Solo ejecutar si …", "Só executar se …"
                         r"\bonly\s+(?:run|execute|do|start|proceed|continue)\b[^.]{0,20}?\b(?:if|when|once|after)\b|"
                         r"\balleen\s+(?:uitvoeren|doorgaan|verdergaan|verder|starten|draaien)\b[^.]{0,20}?"
                         r"\b(?:als|wanneer|nadat|na)\b|\bnur\s+(?:ausführen|weitermachen|fortfahren|starten)\b[^.]{0,20}?"
                         r"\b(?:wenn|nachdem|nach)\b|\bne\s+(?:continuer|poursuivre|lancer|exécuter)\s+que\s+(?:si|quand)\b|"
                         r"\bs(?:o|ó)lo\s+(?:ejecutar|continuar|seguir|executar|prosseguir)\b[^.]{0,20}?\b(?:si|se|cuando|quando)\b")
#: A sentence in which someone accepts the phase ("confirms acceptance", "signs off", "approves").
_ACCEPTS = re.compile(r"(?i)\b(?:signs?\s+off|confirms?\s+(?:acceptance|the\s+go)|approves?|gives?\s+the\s+"
                      r"(?:go|green\s+light)|decides?)\b")
#: "Sunita Rao (DBA)", "Claire Dubois, Head of Platform": a person and the role written with them.
_PERSON_ROLE = re.compile(r"\b([A-Z][a-z]+(?:[ '-][A-Z][a-z]+){1,2})\s*\(([^)]{2,40})\)")
_PERSON_DECIDES = re.compile(r"\b([A-Z][a-z]+(?:[ '-][A-Z][a-z]+){0,2})\s+(?:decides|makes the call|signs off|"
                             r"approves|gives the (?:GO|go|green light))\b")
#: What the decider does right after "Name (Role)": "Rajesh Kumar (Change Manager) decides on Fiona's report".
_DECIDES_AFTER = re.compile(r"(?i)\s*(?:decides|approves|signs?\s+off|gives\s+the\s+(?:go|green\s+light)|"
                            r"makes\s+the\s+call|says\s+go|calls\s+it)\b")
#: A decider in running text, the role and the person side by side: "made by the release manager, Dana Roy",
#: "(outside an incident: Bruno Costa, payments tech lead)".
_ROLE_THEN_NAME = re.compile(r"\bthe\s+([a-z][\w/-]*(?:\s+[a-z][\w/-]*){0,3}),\s+"
                             r"([A-ZÀ-Þ][\w'-]+(?:\s+[A-ZÀ-Þ][\w'-]+){1,2})\b")
_NAME_THEN_ROLE = re.compile(r"(?<![\w'-])([A-ZÀ-Þ][\w'-]+(?:\s+[A-ZÀ-Þ][\w'-]+){1,2}),\s+(?:the\s+|our\s+)?"
                             r"([a-z][\w/-]*(?:\s+[a-z][\w/-]*){0,3}?)(?=\s*(?:[),.;:]|$))")
#: The work a Go/No-Go sentence asks for once it is GO: "gives GO, then type `commit` on er1-ams", "says go; then
#: run ...", "gibt GO, dann ...", "donne le GO, puis ...", "da el GO, luego ...".
_THEN_AFTER_GO = re.compile(r"(?i)\bgo\b[^.;]{0,40}?(?:,|;)?\s+(?:and\s+)?(?:then|dann|danach|puis|ensuite|luego|"
                            r"despu(?:é|e)s|depois|poi)\s+([^.;]{3,160})")
_NOT_PEOPLE = {"The", "If", "When", "Then", "Go", "No", "After", "Before", "Only", "Everyone", "Nobody", "Someone"}


class GatesMixin(GateRolesMixin, GateDecisionMixin, GateStageMixin):
    def gate_para(self, phase: dict[str, Any], b: Block) -> bool:
        """A paragraph of a phase that is its Go/No-Go; True when it became the gate."""
        text = _clean(b.text)
        if _GATE.search(b.text):
            # (a bracket after the words is read whole: "Go/No-Go (23:15): ..." is no "Go/No-Go (23" and "15)")
            head = re.match(rf"^.*?{_GATE.pattern}(?:\([^()]*\)|[^:(])*:?", b.text, flags=re.I)
            phase["gate"] = (_clean(b.text[head.end():] if head else b.text) or text, b.line)
            said = re.search(r"\(([^()]{2,80})\)", head.group(0)) if head else None
            if said is not None:
                # "GO/NO-GO checkpoint (Deb Anderson, DBA - Oracle): ...": who decides, written beside the words
                phase["gate_who"] = said.group(1)
        elif _GO_WORD.search(text) or _DECISION_KEY.match(text) or _HOLD_POINT.search(text) or (
                _ACCEPTS.search(text) and self.names_decider(text)):
            phase["gate"] = (text, b.line)
        else:
            return False
        self.inferred.append(f"line {b.line}: '{text[:80]}' is the Go/No-Go of '{phase['name']}'")
        self.work_after_go(phase, b, text)
        return True

    def work_after_go(self, phase: dict[str, Any], b: Block, text: str) -> None:
        """"Go/No-Go: Willem gives GO, then type `commit` on er1-ams.": the decision, and work the document asks for
        once it is GO. Kept only as the gate's words, nobody is asked to commit (and a phase holding only that
        gate was left out): the work is a person's step right after the decision (which then stands before it)."""
        from golive.plan.md_instructions import imperative

        m = _THEN_AFTER_GO.search(" ".join(b.raw.split())) or _THEN_AFTER_GO.search(text)  # code spans kept
        if m is None or not imperative(m.group(1)):
            return
        work = m.group(1).strip().rstrip(".")
        phase["steps"].append(self.step("manual", {"instruction": f"After GO: {work}"}, b.line, None))
        phase["after_go"] = phase.get("after_go", 0) + 1
        self.inferred.append(f"line {b.line}: '{work[:60]}' is asked for once the Go/No-Go says GO -> a person's"
                             " step right after the decision")

    def signoff_gate(self, idx: int, end: int) -> None:
        """A sign-off table that names its people ("| Release Manager | Tom Okafor | | |"): kept until the
        whole document is read (signoff_gates)."""
        rows = [row for b in self.blocks[idx + 1:end] if b.kind == "table" for row in b.rows[1:]]
        named = [(_clean(r[0]), _clean(r[1])) for r in rows if len(r) >= 2 and _clean(r[0]) in self.approvers
                 and _clean(r[1]) and not _PLACEHOLDER.match(_clean(r[1]))]
        if named:
            self.signoffs.append((self.blocks[idx].line, named))

    def signoff_gates(self, phases: list[dict[str, Any]]) -> None:
        """A sign-off after the last phase: its people accept the release when that phase is done, the phase's
        Go/No-Go (by the first role). Blank sign-off forms ("Service Owner: ____") and approvals before or
        between the phases gate nothing."""
        for line, named in self.signoffs:
            last = phases[-1] if phases else None
            if last is None or last["gate"] or last["line"] > line:
                continue
            last["gate"] = ("Sign-off: " + ", ".join(f"{role} ({who})" for role, who in named), line)
            last["gate_by"] = named[0][0]
            self.inferred.append(f"line {line}: sign-off after the last phase -> the Go/No-Go of '{last['name']}'"
                                 f" by {named[0][0]}")

    def names_decider(self, text: str) -> bool:
        """The sentence names a role or a person of the document, or a person with their role."""
        low = text.lower()
        if any(re.search(rf"\b{re.escape(r.lower())}\b", low) for r in self.approvers):
            return True
        if any(self.first_name(p) and re.search(rf"\b{re.escape(self.first_name(p))}\b", low)
               for people in self.approvers.values() for p in people):
            return True
        return bool(_PERSON_ROLE.search(text))

    @staticmethod
    def first_name(person: str) -> str:
        first = person.split()[0].lower() if person.split() else ""
        return first if len(first) > 2 else ""

    def gate_role(self, phase: dict[str, Any]) -> str | None:
        """The role named as the Go/No-Go's decision maker: a decision table's owner, a known role the gate's
        text names ("The Risk Officer decides"), a person's role ("Tom decides": Tom Becker's), a person
        written with their role ("Sunita Rao (DBA) signs off"), else the document's Go/No-Go approver; a person
        with no role ("Claire Dubois decides") decides as the Go/No-Go approver."""
        by = phase.get("gate_by")
        by = self.role_aliases.get(str(by).lower(), by) if by else by  # "RM": the role the people table names so
        gate_text = phase["gate"][0]
        text = f"{by or ''} {gate_text} {phase.get('gate_who', '')}".lower()
        written = _PERSON_ROLE.search(gate_text)
        if written and written.group(1).split()[0] not in _NOT_PEOPLE:
            said = _clean(written.group(2)).lower()
            known = next((r for r in self.approvers if r.lower() == said), None)
            if known is not None:
                return known  # "Sunita Rao (DBA)" and a role DBA
            if _DECIDES_AFTER.match(gate_text[written.end():]):
                # "Rajesh Kumar (Change Manager) decides on Fiona's report": the decider is the one written with
                # their role, not the DBA whose report they read
                return self.decider_role(_clean(written.group(2)), written.group(1), phase["gate"][1])
            # "Tariq Aziz (Service Owner)": a role "Owner" of the document is not the one written here
            text = text.replace(written.group(2).lower(), " ")
        for role in sorted(self.approvers, key=len, reverse=True):
            if re.search(rf"\b{re.escape(role.lower())}\b", text):
                return role
        for abbr, role in self.role_aliases.items():  # "The GCA shall render a GO or NO-GO decision"
            if role in self.approvers and re.search(rf"\b{re.escape(abbr)}\b", text):
                return role
        for role, people in self.approvers.items():  # "Decision by: Bo Chen": the person's whole name
            if any(len(p) > 4 and re.search(rf"(?<![\w@]){re.escape(p.lower())}\b", text) for p in people):
                return role
        named = [(m.start(), role) for role, people in self.approvers.items() for person in people
                 if self.first_name(person) and (m := re.search(rf"\b{re.escape(self.first_name(person))}\b", text))]
        if named:  # "Grace says go once Liam reports 4.3": the one named first decides, not the one reporting
            return min(named, key=lambda n: n[0])[1]
        apposed = self.apposed_decider(gate_text)
        if apposed is not None:
            return self.decider_role(apposed[0], apposed[1], phase["gate"][1])
        if by:
            self.approvers.setdefault(by, [])
            return str(by)
        m = _PERSON_ROLE.search(gate_text)
        if m and m.group(1).split()[0] not in _NOT_PEOPLE:
            role = _clean(m.group(2))
            self.approvers.setdefault(role, [])
            if m.group(1) not in self.approvers[role]:
                self.approvers[role].append(m.group(1))
            self.inferred.append(f"line {phase['gate'][1]}: '{m.group(0)}' -> approvers role '{role}'")
            return role
        if self.decider is not None:
            return self.decider
        d = _PERSON_DECIDES.search(gate_text)
        if d and d.group(1).split()[0] not in _NOT_PEOPLE and len(d.group(1).split()) > 1:
            role = "Go/No-Go approver"
            self.approvers.setdefault(role, [])
            if d.group(1) not in self.approvers[role]:
                self.approvers[role].append(d.group(1))
            self.inferred.append(f"line {phase['gate'][1]}: '{d.group(1)}' decides the Go/No-Go and the document"
                                 f" gives them no role -> approvers role '{role}'")
            return role
        bold = self.written_decider(phase)  # "Navigator and Driver both say go": roles written in bold elsewhere
        return bold if bold is not None else self.default_decider(phase)  # "Diego calls GO or NO-GO"

    @staticmethod
    def apposed_decider(text: str) -> tuple[str, str] | None:
        """(role, person) of a Go/No-Go's decider written side by side in running text: "the go/no-go call is made
        by the release manager, Dana Roy", "the incident commander (outside an incident: Bruno Costa, payments
        tech lead) says go". The role must read as one (a role word) and the person as a full name."""
        from golive.plan.importer.roles import ROLE_WORDS, strict_person

        for m in _ROLE_THEN_NAME.finditer(text):
            if ROLE_WORDS.search(m.group(1)) and strict_person(m.group(2)):
                return m.group(1).strip(), m.group(2)
        for m in _NAME_THEN_ROLE.finditer(text):
            if ROLE_WORDS.search(m.group(2)) and strict_person(m.group(1)) and m.group(1).split()[0] not in _NOT_PEOPLE:
                return m.group(2).strip(), m.group(1)
        return None

    def decider_role(self, role: str, person: str, line: int) -> str:
        """The decider's role among the approvers (as the document already spells it, else as written here), with
        the person in it."""
        role = next((r for r in self.approvers if r.lower() == role.lower()), role)
        self.approvers.setdefault(role, [])
        who = self.person(person)
        if who not in self.approvers[role]:
            self.approvers[role].append(who)
        self.inferred.append(f"line {line}: {who} ({role}) decides the Go/No-Go -> approvers role '{role}'")
        return role
