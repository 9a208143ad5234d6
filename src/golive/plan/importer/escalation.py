"""Escalation order: who is told first, who next, and after how long, as documents write it.

    | Level | Contact            | After  |        1. On-call engineer (@priya) - page at once
    |-------|--------------------|--------|        2. Team lead (Sam Ortiz) - after 15 minutes
    | 1     | On-call (@priya)   | 0      |        3. VP Engineering - after 1 hour
    | 2     | Team lead          | 15 min |
                                                   **Escalation:** 1. on-call 2. team lead 3. VP

Each rung becomes `contacts.escalation` (level, name, people, after) and, when it names people, a role of
that name in `approvers`. Service-level lines (`Response: 15 minutes`, `Resolution: < 4 hours`) are promises
about time, not people: they never become rungs or roles.
"""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.contact_words import ESCALATION_WORD, MEASURE, SLA_KEY
from golive.plan.importer.roles import ROLE_WORDS, looks_like_person, strict_person
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _PLACEHOLDER, _clean
from golive.plan.md_blocks import Block

_AFTER = re.compile(r"(?i)\b(?:after|wait(?:ing)?|if no (?:answer|ack\w*|response) (?:in|within|after))\s+"
                    r"(\d+(?:\.\d+)?)\s*(s|sec|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b")
_BARE = re.compile(r"(?i)^\s*\+?(\d+(?:\.\d+)?)\s*(s|sec|seconds?|m|mins?|minutes?|h|hrs?|hours?)\s*$")
_AT_ONCE = re.compile(r"(?i)\b(immediately|at once|right away|first)\b|^\s*0\s*$")
_INLINE = re.compile(rf"(?im)(?<![A-Za-z]){ESCALATION_WORD}(?:\s+[^:.\n]{{0,40}})?\s*:\s*(.+)$")
#: "If something breaks: Tom → Ahmed → Sandra", "Se algo quebrar: Ana, depois Bia": a lead that says when to call,
#: then people in order (a ladder only when every rung is someone named).
_TROUBLE = re.compile(r"(?im)(?:^\W*|(?<=[.!?])\s+)(?:if|when|in\s+case|should|si|wenn|falls|se|caso|em\s+caso|"
                      r"en\s+caso|in\s+caso|如果|万一)\b[^:\n]{0,60}:\s*(.+)$")
#: "If Bjorn doesn't answer in 10 min, call Ines, then ...": the person called before the ones the sentence lists.
_UNANSWERED = re.compile(r"(?i)\b(?:if|when)\s+([A-ZÀ-Þ][\w'’-]+(?:\s+[A-ZÀ-Þ][\w'’-]+){0,2})\s+(?:does(?:n'?t| not)|"
                         r"did(?:n'?t| not)|can(?:not|'t)|is(?:n'?t| not))\s+(?:answer|respond|pick\s+up|ack|reply|"
                         r"be\s+reached|reachable|available)")
#: Arrows a font draws as pictures (dingbats, which text cleaning drops): the same arrow as "→".
#: An Azure DevOps mention, "@<Annelies de Vries>": the person it names.
_MENTION = re.compile(r"@<([^<>@\n]{2,60})>")
_DINGBAT_ARROW = re.compile(r"[➔➙➜➝➞➡➤⮕]")
#: Rung numbers: "1. on-call 2. lead", "1) ...", "1st Brian Kamau · 2nd Grace Wanjiru", tiers "N1 ..., N2 ...".
_RUNG_NUMBER = re.compile(r"(?:^|[\s,;·•|])(?:\d+[.)]|\d+(?:st|nd|rd|th)\b\.?|[NLT]\d\b:?)\s+")
#: An on-call line whose people come in order ("Astreinte : N1 Karim Benali, N2 Sophie Lambert", "On call: Ana ->
#: Bo"): a ladder; one person or a rotation makes none (a ladder has two rungs).
_ON_CALL = re.compile(r"(?i)^\W*(?:on[\s-]?call|astreinte|bereitschaft|rufbereitschaft|guardia|plant[aã]o|pikett|"
                      r"pager)\b[^:\n]{0,30}:\s*(.+)$")
_HANDLE = re.compile(r"@[\w.-]+")
#: Arrows between rungs: "A → B", "A -> B", "A ➜ B", "A ⇒ B", "A ⟶ B", "A » B".
_ARROW = r"(?:->|=>|[→⇒⟶⟹»➔➙➜➝➞➡➤⮕])"
#: A Confluence or Jira macro: "{info}", "{panel:title=Go/No-Go}", "{info}" (never part of a name).
_MACRO = re.compile(r"\{/?[a-z]+(?::[^{}]*)?\}")
#: A phone number, an e-mail address or a chat handle written next to a person: how to reach them, not who they are.
_CONTACT = re.compile(r"\(?\+?\d[\d ()./-]{5,}\d\)?|\(?\b[\w.+-]+@[\w-]+\.[\w.-]+\b\)?|\(`[^`]*`\)|`[^`]*`|"
                      r"\(\s*/[^)]*\)")
#: "If it goes sideways call, in this order: Aroha 021 555 0143, Liam 021 555 0178, Grace 027 555 0190".
_IN_ORDER = re.compile(r"(?i)\b(?:in\s+(?:this|that|the\s+following)\s+order|in\s+order)\s*[:,]\s*(.+)$")
#: "If something is on fire: page Kofi, then Nadia, then Tom": who to page, in order, in a sentence.
_PAGE_THEN = re.compile(r"(?i)(?:^|[:;.]\s*|\b)(?:page|call|ring|phone|contact|escalate\s+to)\s+"
                        r"(?!the\b|it\b|this\b|that\b)(\S.*?\bthen\b.+)$")
#: The word between two rungs written in order, in the languages the importer reads: "A, then B, and finally C",
#: "prima A, poi B, infine C", "zuerst A, dann B, zuletzt C", "d'abord A, puis B, enfin C", "A, luego B".
_THEN = (r"(?i)\s*[,;]?\s+(?:(?:and|e|und|et|y),?\s+)?(?:then|next|after\s+that|finally|lastly|last(?:ly)?|"
         r"poi|quindi|infine|da\s+ultimo|dann|danach|anschlie(?:ß|ss)end|zuletzt|schlie(?:ß|ss)lich|puis|ensuite|"
         r"enfin|luego|despu[ée]s|por\s+[úu]ltimo|al\s+final|finalmente|depois|por\s+fim|"
         # Polish, Russian: "najpierw A, potem B, na końcu C", "сначала A, затем B, потом C"
         r"potem|nast(?:ę|e)pnie|na\s+ko(?:ń|n)cu|затем|потом|после\s+этого|в\s+конце)\b[,:]?\s+")
#: The word that marks the first rung: "first A", "A first", "prima A", "in primo luogo A", "zuerst A".
_FIRST = re.compile(r"(?i)^(?:(?:at\s+)?first(?:ly)?|prima|in\s+primo\s+luogo|anzitutto|innanzitutto|zuerst|"
                    r"(?:tout\s+)?d'abord|primero|primeiro|em\s+primeiro\s+lugar|najpierw|сначала|вначале)\b[,:]?\s+|"
                    r"\s+first$")


def _seconds(number: str, unit: str) -> int:
    u = unit.lower()[0]
    return round(float(number) * (3600 if u == "h" else 60 if u == "m" else 1))


def after_of(text: str, bare: bool = False) -> int | None:
    """Seconds after which a rung is told: "after 15 minutes", "if no answer in 1 hour", "at once"; with `bare`
    (an After column) also "15 min"."""
    m = _AFTER.search(text) or (_BARE.match(text) if bare else None)
    if m:
        return _seconds(m.group(1), m.group(2))
    return 0 if _AT_ONCE.search(text) else None


#: "If the IC is unreachable, Tom Becker takes the IC role, then Lena Fischer (Head of SRE).", "If Femi is stuck:
#: Jonas Weber (backup admin), then Marit.": who steps in for someone, in order.
_SUCCESSION = re.compile(r"(?i)^\W*(?:if|when|should)\s+(?:the\s+)?[\w .'/-]{1,40}?\s+"
                         r"(?:is|are|gets?|goes|can(?:not|'t)\s+be)\s+(?:not\s+)?(?:unreachable|unavailable|reachable|available|stuck|away|out|off|sick|absent|"
                         r"offline|missing|reached|on the call)\b[^,:;.]{0,40}[,:;]\s*(?P<rest>.+)$")
#: What a successor does, after their name: "takes the IC role", "takes over", "steps in".
_STEPS_IN = re.compile(r"(?i)\s+(?:takes(?:\s+over)?(?:\s+(?:the\s+)?[\w /-]{1,30}?\s+role)?|steps in|stands in|"
                       r"covers|is next|is the backup)\b.*$")


def succession(text: str) -> list[str] | None:
    """The people who step in, in order, when a sentence says so ("If X is unreachable, A takes over, then B (Role)");
    each rung is a person, with their role in brackets when written."""
    m = _SUCCESSION.match(_clean(text.split("\n")[0]))
    if not m or not re.search(r"(?i)\bthen\b", m.group("rest")):
        return None
    rungs = []
    for part in re.split(r"(?i),?\s+then\s+", m.group("rest").strip().rstrip(".")):
        part = _STEPS_IN.sub("", part.strip(" ,;.")).strip()
        name = re.split(r"\s*\(", part, maxsplit=1)[0].strip()
        if not looks_like_person(name) or not name[:1].isupper():
            return None  # "then restart the service": no ladder of people
        rungs.append(part)
    return rungs if len(rungs) >= 2 else None


def inline_ladder(text: str, known: frozenset[str] = frozenset()) -> list[str] | None:
    """`Escalation: 1. on-call 2. team lead 3. VP` or `Escalation: on-call -> team lead -> VP`: the rungs; also who
    steps in for someone, in order ("If the IC is unreachable, Tom Becker takes the IC role, then Lena Fischer")."""
    text = _MACRO.sub(" ", text)  # "{info}Escalation: A, then B{info}": a Confluence macro around the line
    # "Yusuf Demir ➜ Elif Kaya" (a dingbat arrow), "升级联系顺序：王磊 → 陈静。" (full-width colon and stop)
    text = _DINGBAT_ARROW.sub("→", text).replace("：", ": ").replace("。", ". ").replace("、", ", ")
    text = _MENTION.sub(r"\1", text)  # "@<Annelies de Vries>": an Azure DevOps mention of that person
    m = _INLINE.search(text.strip())
    if not m:
        m = _ON_CALL.match(_clean(text.strip())) or _IN_ORDER.search(_clean(text.strip())) or _PAGE_THEN.search(
            _clean(text.strip())) or _TROUBLE.search(_clean(text.strip()))
        if m is None:
            return succession(text)
    # the ladder's own sentence: "A, then B, then C. Sanna covers Windows questions only." ends after C
    lines = m.string[m.start(1):].split("\n")
    # "A → Head of Voice\nEngineering, Joost Visser.": a ladder whose sentence wraps goes on to the next line
    wrapped = len(lines) > 1 and re.search(_ARROW + r"\s*\S[^.!?]*$", lines[0]) and lines[1][:1].isalpha()
    rest = re.sub(r"\.\s*$", "", _first_sentence(f"{lines[0]} {lines[1].strip()}" if wrapped else lines[0]))
    if _IN_ORDER.search(m.group(0)) and not re.search(_ARROW, rest) and not re.search(_THEN, rest):
        rest = " → ".join(_CONTACT.sub("", p) for p in re.split(r"[,;]\s+", rest))  # "Aroha 021 555 0143, Liam ..."
    elif m.re is _PAGE_THEN:
        rest = _CONTACT.sub("", rest)
        first = _UNANSWERED.search(m.string[: m.start(1)])
        if first:
            rest = f"{first.group(1)}, then {rest}"  # "If Bjorn doesn't answer, call Ines, then ...": Bjorn first
    if re.search(_ARROW + r"|\s>\s", rest):
        parts = re.split(r"\s*(?:" + _ARROW + r"|>)\s*", rest)
    elif re.search(_THEN, rest):  # "page the on-call, then the team lead, then the EM"; "prima A, poi B, infine C"
        parts = [re.sub(r"(?i)^(?:page|call|ping|notify|tell|ring)\s+(?:the\s+)?|^the\s+", "",
                        _FIRST.sub("", p.strip())) for p in re.split(_THEN + r"(?:the\s+)?", rest)]
    else:
        parts = [p for p in _RUNG_NUMBER.split(rest) if p.strip()]
    parts = [re.sub(r"^\s*(?:\d+[.)]|\d+(?:st|nd|rd|th)\b\.?|[NLT]\d\b:?)\s+", "", p) for p in parts]
    rungs = [_CONTACT.sub("", p).strip(" ,;.·•|*") for p in parts if _CONTACT.sub("", p).strip(" ,;.·•|*")]
    if m.re in (_IN_ORDER, _PAGE_THEN, _TROUBLE) and not all(_named(r) for r in rungs):
        return None  # prose ("call the vendor, then restart it"): a ladder only when every rung is someone named
    if m.re is _TROUBLE and not all(strict_person(r) or re.split(r"\s*\(", r)[0].strip() in known for r in rungs):
        return None  # "If it fails: Deploy → Verify": a ladder after "if" only of full names or people named above
    return rungs if len(rungs) >= 2 else None


def _first_sentence(text: str) -> str:
    """The text up to its first full stop before a capital, never at a title or an initial ("Dr. Jörg Hoffmann",
    "J. Smith", "1. on-call 2. lead")."""
    for m in re.finditer(r"(\w+|\))\.\s+(?=[A-Z])", text):
        word = m.group(1)
        if word == ")" or (len(word) > 1 and not word.isdigit() and word.lower() not in _TITLES):
            return text[: m.start() + len(word)]
    return text


def _first_name(person: str) -> str:
    """"Dr. Sandra Kim" -> "Sandra": the name a ladder calls them by."""
    return re.sub(r"(?i)^(?:dr|mr|mrs|ms|prof|sr|sra)\.?\s+", "", person).split()[0]


_TITLES = {"dr", "mr", "mrs", "ms", "prof", "ing", "st", "sr", "jr", "dipl", "mag", "hr", "fr", "sra", "dott"}


def _named(rung: str) -> bool:
    """A rung written in prose names a person ("Kofi", "Tom Brennan (backup)") or a handle."""
    name = re.split(r"\s*\(", rung.strip(), maxsplit=1)[0].strip().strip("`")
    inner = re.fullmatch(r"[^()]*\(([^()]+)\)", rung.strip())
    if inner and ROLE_WORDS.search(name) and strict_person(inner.group(1).strip()):
        return True  # "the VP Eng (Raj Patel)": a role, and the person who holds it
    return bool(name) and looks_like_person(name) and (name[:1] == "@" or not name[:1].islower())


class EscalationMixin(ImportState):
    def ladder(self, text: str) -> list[str] | None:
        """inline_ladder, knowing the people named so far: "If something breaks: Tom → Ahmed" is a ladder when Tom
        and Ahmed are first names of people the document gave roles."""
        return inline_ladder(text, frozenset(_first_name(p) for ps in self.approvers.values() for p in ps if " " in p))

    def rung(self, level: int, text: str, line: int, after: int | None = None) -> bool:
        """One rung from its written text ("Team lead (Sam Ortiz) - after 15 minutes"); False if it is none."""
        text = _clean(text)
        if not text or SLA_KEY.match(text) or MEASURE.match(text) or any(e["level"] == level for e in self.escalation):
            return False
        text = _CONTACT.sub("", text).strip(" ,;")  # "Ava Thompson (release lead), 0412 555 101"
        name = re.split(r"\s+[—–-]\s+|\s*\(|:\s+|,\s+", text, maxsplit=1)[0].strip()
        # "Minjun Kim (1st)", "Ana (primary)": the brackets say the order, which the ladder already has
        inners = [i for i in re.findall(r"\(([^)]*)\)", text)
                  if not re.fullmatch(r"(?i)\s*(?:\d+(?:st|nd|rd|th)?|primary|secondary|tertiary|backup|first|"
                                      r"second|third|last)\s*", i)]
        if looks_like_person(name) and not _HANDLE.fullmatch(name) and inners and (
                ROLE_WORDS.search(inners[0]) or re.fullmatch(r"[A-Z]{2,4}", inners[0].strip()) or (
                    strict_person(name) and not strict_person(inners[0]) and len(inners[0].split()) <= 4)):
            # ("Sam Nguyen (database)": a full name, then what they are there for, never a person "database")
            # "Aiko Tanaka (EM)", "Paulo Mendes (Head of Payments)": a person, then the role in brackets
            people, name = [self.person(name)], inners[0].strip()
        elif not inners and not _HANDLE.search(text) and self.bare_person(name):
            # "A (on-call) → Tomás Ferreira → C (CTO)": the rung is that person, named by their role in the document;
            # a first name alone ("then Marit") is the one person of the document with that first name
            known = {p for ps in self.approvers.values() for p in ps if " " in p and p.split()[0] == name}
            people = [known.pop() if len(known) == 1 else self.person(name)]
            name = next((r for r, ps in self.approvers.items() if people[0] in ps), name)
        else:
            people = [self.person(h) for h in _HANDLE.findall(text)]
            holder = re.match(r"[^,]+,\s+(.+)$", text)
            if holder and not people and ROLE_WORDS.search(name) and strict_person(holder.group(1).strip()):
                people = [self.person(holder.group(1).strip())]  # "Head of Voice Engineering, Joost Visser"
            for inner in inners:  # "(Sam Ortiz)" names a person; "(response: 15 min)", "(PagerDuty schedule)" do not
                if not re.search(r"\d|:", inner):
                    people += [self.person(p.strip()) for p in re.split(r",|/|\band\b", _clean(inner))
                               if p.strip() and not p.strip().startswith("@") and not _PLACEHOLDER.match(p.strip())
                               and looks_like_person(p.strip())]
            name = _HANDLE.sub("", name).strip() or name
            if _HANDLE.fullmatch(name) and people:
                # "@chenwei" alone: the rung is that person, named by the role they hold in the document
                name = next((r for r, ps in self.approvers.items() if people[0] in ps), people[0])
        if not name or len(name) > 60:
            return False
        rung: dict[str, Any] = {"level": level, "name": name, "line": line, "people": list(dict.fromkeys(people))}
        when = after if after is not None else after_of(text)
        if when is not None:
            rung["after"] = when
        self.escalation.append(rung)
        if rung["people"] and name not in rung["people"]:  # a rung named by its person is no role of its own
            name = rung["name"] = next((r for r in self.approvers if r.lower() == name.lower()), name)
            self.approvers.setdefault(name, [])
            self.approvers[name] += [p for p in rung["people"] if p not in self.approvers[name]]
        return True

    def resolve_rungs(self) -> None:
        """Rungs the document wrote before (or without) saying who they are, once every role is read: a first name
        alone ("Andrei → Sam") is the one person of the document with that first name, a role alone ("Deployment
        Lead → GCA") is whoever the document gave that role (or its short name)."""
        for rung in self.escalation:
            if rung.get("people"):
                continue
            name = str(rung["name"]).strip()
            role = self.role_aliases.get(name.lower(), name)
            holders = next((ps for r, ps in self.approvers.items() if r.lower() == role.lower() and ps), None)
            if holders:
                rung["name"], rung["people"] = next(r for r in self.approvers if r.lower() == role.lower()), holders
                continue
            known = {p for ps in self.approvers.values() for p in ps if len(p.split()) > 1
                     and _first_name(p) == name}
            if len(known) == 1 and looks_like_person(name) and " " not in name:
                who = known.pop()
                rung["people"] = [who]
                rung["name"] = next((r for r, ps in self.approvers.items() if who in ps), who)

    def bare_person(self, name: str) -> bool:
        """A rung written as a person's name alone: two to four capitalised words ("Tomás Ferreira"), or one word
        that is a person the document already names ("Grace"). A single word is otherwise a role ("Security")."""
        if not looks_like_person(name) or ROLE_WORDS.search(name):
            return False
        if len(name.split()) >= 2:
            return all(w[:1].isupper() for w in name.split()[:1] + name.split()[-1:])
        return any(name == p or name == p.split()[0] for ps in self.approvers.values() for p in ps)

    def drop_tentative(self) -> bool:
        """A ladder the document writes out replaces the order guessed from "(primary)" / "(backup)" marks."""
        kept = [e for e in self.escalation if not e.get("tentative")]
        dropped = len(kept) != len(self.escalation)
        self.escalation[:] = kept
        return dropped

    def escalation_item(self, b: Block, number: int) -> bool:
        """A list item under an escalation heading, or a line that states the whole ladder inline."""
        if self.drop_tentative():
            number = len(self.escalation) + 1
        ladder = self.ladder(b.text)
        if ladder is not None:
            placed = [self.rung(n, text, b.line) for n, text in enumerate(ladder, len(self.escalation) + 1)]
            b.placed = b.placed or any(placed)
            return b.placed
        if self.rung(number, re.sub(r"(?i)^\W*level\s*\d+\W*", "", b.text), b.line):
            b.placed = True
        return b.placed

    def escalation_rows(self, b: Block, header: list[str], order: int | None, who: int) -> None:
        """| Level | Contact | Name | After |: a rung per row, its people from a name column if there is one."""
        self.drop_tentative()
        person = next((i for i, h in enumerate(header) if i != who and h in ("name", "person", "people", "engineer")),
                      None)
        when = next((i for i, h in enumerate(header) if re.search(r"after|escalate|wait|when|time", h)), None)
        def cell(row: list[str], i: int | None) -> str:
            return _clean(row[i]) if i is not None and i < len(row) else ""

        for n, row in enumerate(b.rows[1:], 1):
            m = re.search(r"\d+", cell(row, order))
            text, who_else = cell(row, who), cell(row, person)
            if who_else and not _PLACEHOLDER.match(who_else):
                text += f" ({who_else})"
            after = after_of(cell(row, when), bare="after" in header[when]) if when is not None else None
            self.rung(int(m.group(0)) if m else n, text, b.line + 1 + n, after)
        b.placed = True
