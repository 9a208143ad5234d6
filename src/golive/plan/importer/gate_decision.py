"""A Go/No-Go that people decide though the document gives the decision no role: "Diego calls GO or NO-GO in
#war-room. No answer by 10:15 = NO-GO", "@<Femke Bakker> decides on the Teams call", "Helen Carter says go before
WEB-TS-02 is touched", "Marcelo escolhe o Plano B", "由审批人刘洋决定是否继续".

A gate with only a description passes by itself once the phase's steps succeeded: right where the document's
Go/No-Go only restates the phase's success ("Database schema successfully deployed"), a meaning change where a
person decides (and where silence is a NO-GO, the run went on with nobody saying go). Such a gate gets an approval
by the document's person of that name (their role), else by the importer's Go/No-Go approver role with the name
written; with nobody golive could ask, a person's step at the end of the phase. Where the document says silence is a
NO-GO, the approval's `until` (a clock time) or `timeout` (a duration) ends the wait as a NO-GO; without them the
run waited for a person the document says is not coming.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from golive.plan.importer.clock import CLOCK, clock_of, in_utc
from golive.plan.importer.roles import strict_person
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_meaning import DECIDED, SILENT_NO

#: The role the importer gives a Go/No-Go's decider the document names without a role.
DEFAULT_ROLE = "Go/No-Go approver"

#: A time limit given as a duration: "within 15 minutes", "in 10 min", "innerhalb von 15 Minuten", "15 分钟内".
_WITHIN = re.compile(
    r"(?i)\b(?:within|in|innerhalb(?:\s+von)?|binnen|en|dans|dentro\s+de|em|entro|nel\s+giro\s+di)\s+"
    r"(\d+(?:[.,]\d+)?)\s*(h|hours?|hrs?|m|mins?|minutes?|minuten|minutos?|minuti|stunden?|heures?|horas?|ore)\b"
    r"|(\d+)\s*(分钟|分鐘|分|小时|小時|時間|분|시간)\s*(?:内|內|以内|以內|이내)")
#: Who is written with the decision: "@<Femke Bakker>", "Helen Carter says go", "Go/No-Go (Marcelo Lima):".
_NAME = re.compile(r"(?:@<)?([A-ZÀ-Þ][\w'’-]+(?:\s+(?:de|da|do|dos|van|von|der|den|di|la|le)?\s*[A-ZÀ-Þ][\w'’-]+)"
                   r"{1,2})>?")
#: "由审批人刘洋决定", "由陈静确认": who decides, written between 由 and the decision.
_CJK_DECIDER = re.compile(r"由([\u3400-\u9fff]{2,10}?)(?:决定|決定|审批|審批|批准|确认|確認|拍板)")
#: A name written right before the decision: "Diego ", "Dr. Okafor ", "Marcelo ", "Maria (release manager) ".
_FIRST_NAME = re.compile(r"(?<![\w.])((?:(?:Dr|Mrs?|Ms|Prof)\.?\s+)?[A-ZÀ-Þ][a-zà-ÿ'’-]+)(?:\s*\([^()]{1,40}\))?\s+$")
_NOT_NAMES = {"Go", "No", "The", "If", "When", "Then", "After", "Before", "Only", "Plan", "Plano", "Stage", "Step",
              "Phase", "Level", "Teams", "Slack", "Zoom"}


def decision_limit(text: str) -> int | None:
    """Seconds the document gives the decision when it says silence is a NO-GO and writes the limit as a
    duration; None otherwise (a clock time is `until`: a timeout counts from when the gate asks)."""
    if not SILENT_NO.search(text):
        return None
    m = _WITHIN.search(text)
    if m is None:
        return None
    number, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    unit = unit.lower()
    hours = unit.startswith(("h", "stund", "heur", "hora", "ore")) or unit in ("小时", "小時", "時間", "시간")
    return round(float(number.replace(",", ".")) * (3600 if hours else 60))


def decision_until(text: str, window: dict[str, Any] | None, offset: int = 0) -> str | None:
    """The moment silence becomes a NO-GO when the document writes it as a clock time ("No answer by 10:15 =
    NO-GO"), placed as the window's `rollback_until` is: on the window's date, the first such time after it
    opens (a daily window: the time of day). None without a window (a time of day alone names no moment)."""
    m = SILENT_NO.search(text)
    if m is None or window is None:
        return None
    near = text[max(0, m.start() - 30):m.end()]
    at = CLOCK.search(m.group(0)) or CLOCK.search(near)
    hm = clock_of(at.group(0)) if at else None
    if hm is None:
        return None
    moment = time(*hm)
    if offset:
        moment = in_utc(moment, offset)  # type: ignore[assignment]  # the window is written in UTC: so is this
    start = str(window.get("start", ""))
    try:
        opens = datetime.fromisoformat(start)
    except ValueError:
        return moment.strftime("%H:%M")  # a daily window: the time of day
    when = datetime.combine(opens.date(), moment)
    if when <= opens:
        when += timedelta(days=1)  # "by 00:30" in a 23:00-01:00 window: the night after it opens
    return when.strftime("%Y-%m-%dT%H:%M")


class GateDecisionMixin(ImportState):
    def default_decider(self, phase: dict[str, Any]) -> str | None:
        """The Go/No-Go approver role for a gate people decide though no role of the document is named (with the
        decider's full name when the gate writes one); None when the gate's words decide nothing by a person."""
        text = f"{phase.get('gate_who', '')} {phase['gate'][0]}"
        if not (DECIDED.search(text) or SILENT_NO.search(text)):
            return None
        line = phase["gate"][1]
        who = self.decider_named(text)
        if who is None:
            # nobody golive could ask: the gate of the phase end asks the Go/No-Go approver (build.person_gate); a
            # decision amid a phase's steps stays a step any person confirms (a role listing nobody is left out)
            return self.person_gate(phase) if "steps" in phase else None
        known = self.known_person(who)
        if known is not None:  # "Dr. Okafor decides" and "Clinical approver: Dr. Helen Okafor": her role
            return self.decider_role(known[0], known[1], line)
        role = DEFAULT_ROLE
        people = self.approvers.setdefault(role, [])
        if who not in people:
            people.append(who)
        self.conversions.append(f"line {line}: the Go/No-Go '{_clean(phase['gate'][0])[:60]}' is {who}'s decision"
                                f" and names no role -> an approval by '{role}' (without it the gate passes by"
                                " itself once the steps succeed)")
        return role

    def person_gate(self, phase: dict[str, Any]) -> str | None:
        """The role that decides a gate whose decider the document does not name: the Go/No-Go approver (listing
        nobody when no gate named one: `golive run` refuses until it is filled in, golive.run.start); None for a gate
        golive decides by itself (gate_auto: it only restates the phase's success)."""
        from golive.plan.importer.gate_auto import decides_itself

        said = f"{phase.get('gate_who', '')} {phase['gate'][0]}"
        if decides_itself(said) and not (DECIDED.search(said) or SILENT_NO.search(said)):
            return None
        line = phase["gate"][1]
        people = self.approvers.setdefault(DEFAULT_ROLE, [])
        if phase.get("gate_person_asked"):
            return DEFAULT_ROLE
        phase["gate_person_asked"] = True
        self.conversions.append(f"line {line}: the Go/No-Go '{_clean(phase['gate'][0])[:60]}' is more than the phase's"
                                " steps succeeding and names no decider -> an approval by '" + DEFAULT_ROLE + "'"
                                + (f" ({', '.join(people)})" if people else " (it lists nobody: write who decides"
                                   " under approvers before `golive run`, which refuses until then)")
                                + " (without it the gate passes by itself once the steps succeed)")
        return DEFAULT_ROLE

    def drop_fragments(self) -> None:
        """People of approvers that are a fragment of a Go/No-Go's words, never a person ("One NO-GO" from "One NO-GO
        from RISK is a NO-GO", "No-Go Fatima"): left out, said in the summary."""
        from golive.plan.importer.roles import not_a_name

        for role, people in self.approvers.items():
            kept = [p for p in people if not not_a_name(p)]
            for gone in people:
                if gone not in kept:
                    self.inferred.append(f"'{gone}' in approvers role '{role}' is words of a Go/No-Go, not a person"
                                         " -> left out")
            people[:] = kept

    def decider_named(self, text: str) -> str | None:
        """The decider a gate writes: a full name ("@<Femke Bakker> decides", "Go/No-Go (Marcelo Lima)"), else
        the name right before the decision ("Diego calls GO", "Dr. Okafor decides", "Marcelo escolhe")."""
        text = _clean(text)
        for m in _NAME.finditer(text):
            name = re.sub(r"\s+", " ", m.group(1)).strip()
            if name.split()[0] not in _NOT_NAMES and strict_person(name):
                return self.person(name)
        cjk = _CJK_DECIDER.search(text)
        if cjk is not None:  # "由审批人刘洋决定": the name after the role's word
            name = re.split(r"[人员員者长長官师師]", cjk.group(1))[-1]
            if 2 <= len(name) <= 4:
                return name
        for m in DECIDED.finditer(text):
            before = _FIRST_NAME.search(text[:m.start()])
            if before is not None and before.group(1).split()[-1] not in _NOT_NAMES:
                return self.person(before.group(1))
        return None

    def known_person(self, who: str) -> tuple[str, str] | None:
        """(role, person) of the document's person the decider's name stands for: the same name, or a title and
        surname ("Dr. Okafor": Dr. Helen Okafor), or a first name ("Diego": Diego Martín)."""
        last = who.split()[-1].lower()
        first = re.sub(r"^(?:dr|mrs?|ms|prof)\.?\s+", "", who.lower()).split()[0]
        titled = len(who.split()) > 1 and re.match(r"(?i)(?:dr|mrs?|ms|prof)\b", who) is not None
        for role, people in self.approvers.items():
            for person in people:
                words = person.lower().split()
                if person.lower() == who.lower() or (titled and words and words[-1] == last) or (
                        len(who.split()) == 1 and words and words[0] == first and len(first) > 2):
                    return role, person
        return None

    def decider_role(self, role: str, person: str, line: int) -> str:
        raise NotImplementedError

    def stepless_gates(self) -> None:
        """A section that is only its Go/No-Go ("## Step 5 — Make it permanent" / "Go/No-Go: Willem de Vries (NOC)
        gives GO, then type `commit`"): the decision between the phase before and what the section says to do.
        Left out with its phase (no steps), the run went on with nobody deciding. It becomes the gate of the phase
        before (when that has none), and a command the decision's words name stays a person's step of its own."""
        for at, phase in enumerate(self.phases):
            if phase["steps"] or not phase["gate"] or at == 0:
                continue
            before = self.phases[at - 1]
            if not before["steps"] or before["gate"]:
                continue
            text, line = phase["gate"]
            before["gate"] = (text, line)
            if phase.get("gate_who"):
                before["gate_who"] = phase["gate_who"]
            if phase.get("gate_by"):
                before["gate_by"] = phase["gate_by"]
            phase["gate"] = None
            self.inferred.append(f"line {line}: '{phase['name']}' is only its Go/No-Go -> the Go/No-Go of"
                                 f" '{before['name']}', the phase before it")
            if "`" in self.blocks_text(line):  # "then type `commit`": what the section does after the GO
                phase["steps"].append(self.step("manual", {"instruction": self.blocks_text(line)}, line, None))

    def blocks_text(self, line: int) -> str:
        """The document's words at `line` (as the block there wrote them, code spans kept)."""
        return next((b.raw.strip() for b in self.blocks if b.line == line), "")
