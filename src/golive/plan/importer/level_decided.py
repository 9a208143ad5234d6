"""Rollback levels a person or a meeting decides, wherever the level's own words say so: "if the CAB decides",
"decided by QA", "only after consulting the DBA", "needs Sandra's OK", "if level 1 is not enough".

golive applies a level by itself on a failure after a phase it covers (golive.plan.level_choice). conditions.py
gives a level `when:` only for a condition it recognises in a few places (the level's name, a "When:" label, "only
if"), and lets the lowest level stay automatic unless that condition restricts it: every other wording of a
person's decision left the level golive's own, so a failure restored a database the document keeps for the DBA's
call. The default is turned round: any sentence of the level's words (its name and description, which hold the
trigger written before all the levels: "Back-out is decided by QA when step 3 fails" is every level's) in which
someone decides, approves, is consulted, or which keeps the level for when a lighter one was not enough, makes it
`when:` that sentence; golive then only offers the level.
"""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.sentences import sentences
from golive.plan.md_meaning import DECIDED

#: A decision the level waits for, beyond the words of deciding golive.plan.md_meaning.DECIDED knows: being
#: consulted, someone's OK or agreement, a meeting's (CAB's) say, a lighter level that was not enough.
_WAITS_FOR = re.compile(
    r"(?i)\b(?:consult\w*|(?:'s|’s)\s+(?:ok|okay|go|approval|agreement|say-?so|call|decision)|agree(?:s|d|ment)?|"
    r"approv\w*|permission|authori[sz](?:ation|ed|es|e)\b|sign-?off|(?:cab|ccb|change\s+board|change\s+advisory\s+board)\b|"
    # the same in the languages runbooks come in: "nach Rücksprache", "Freigabe", "avec l'accord", "aprobación",
    # "aprovação", "autorização", "по решению", "согласовани", "decyzj", "zgod"
    r"r(?:ü|ue)cksprache|freigabe|zustimmung|accord\s+d|validation\s+d|aprobaci[óo]n|visto\s+bueno|"
    r"aprova[çc][ãa]o|autoriza[çc][ãa]o|решени\w*|согласовани\w*|одобрени\w*|разрешени\w*|decyzj\w*|zgod\w*|"
    # Turkish: "Burak onaylarsa", "kararı Mehmet Bey verir", "Seviye 1 yetmezse"
    r"\bonay\w*|\bkarar[ıi]?\b|\byetme(?:zse|diyse)\b|"
    r"discretion|at\s+the\s+request\s+of|if\s+(?:they|he|she)\s+(?:say|says|want)|"
    r"(?:level|stufe|niveau|nivel|n[íi]vel|livello|option|stage|tier)\s+[A-Z0-9]{1,2}\s+(?:is|was|does|did)\s+"
    r"(?:not|n[o']t)\s+(?:enough|sufficient|help|work|fix|solve)|"
    r"(?:level|stufe|niveau|nivel|n[íi]vel|livello|option|stage|tier)\s+[A-Z0-9]{1,2}\s+(?:fails|failed|"
    r"doesn['’]t\s+help|didn['’]t\s+help))")
#: A level named in a sentence: "Tomás decides on level 2" is level 2's, not level 1's that carries the same line.
_NAMES_LEVEL = re.compile(r"(?i)\b(?:level|stufe|niveau|nivel|n[íi]vel|livello|option|tier|poziom|уровень)\s+"
                          r"([A-Z]|\d{1,2})\b")
#: A failure golive sees, written as an alternative before the decision: "unexpected return code, a difference in
#: 3.2, or the authoriser's decision", "więcej niż 1% … albo decyzja Tomasza": the failure alone triggers the level.
_FAILURE_OR = re.compile(r"(?i)(?:fail\w*|error\w*|unexpected|return\s+code|exceed\w*|\d\s*%|b[łl][ęe]d\w*|fehl\w*|"
                         r"erreur\w*|ошибк\w*)(?:[^.]|\.(?=\d))*\b(?:or|oder|ou|o|albo|lub|или|либо)\b")
#: A decision word that is about the Go/No-Go the level is triggered by, not about the level: "on a NO-GO decision".
_GO_NO_GO = re.compile(r"(?i)\bno[\s-]*go\b[^.]{0,20}\bdecision\b|\bgo\s*/\s*no[\s-]*go\b")


def _own(said: str, lv: dict[str, Any]) -> bool:
    """The sentence is about this level: it names no level, or names this one (by number or by its tag's letter)."""
    named = {m.group(1).upper() for m in _NAMES_LEVEL.finditer(said)}
    tag = _NAMES_LEVEL.match(str(lv.get("tag") or ""))
    mine = {str(lv["level"]), *([tag.group(1).upper()] if tag else [])}
    return not named or bool(named & mine)


def decided_sentence(lv: dict[str, Any]) -> str | None:
    """The first sentence of the level's words (its name, its description: a trigger written before all the levels,
    "Back-out is decided by QA when step 3 fails", is each level's) that keeps it for a person's decision: not one
    about another level ("Tomás decides on level 2" in level 1), nor one where the decision is only an alternative
    to a failure golive sees ("unexpected return code … or the authoriser's decision")."""
    for text in [str(lv.get("name") or ""), *(str(d) for d in lv["description"] if isinstance(d, str))]:
        for sentence in sentences(" ".join(text.split())):
            said = _GO_NO_GO.sub(" ", sentence)
            rung = _WAITS_FOR.search(said)
            if rung is not None and re.search(r"(?i)not\s+enough|sufficient|help|fails|failed", rung.group(0)):
                return sentence.strip()  # "for when level 1 is not enough": a rung a person takes
            decided = DECIDED.search(said) or rung
            if decided is None or not _own(said, lv) or _FAILURE_OR.search(said[:decided.start()]):
                continue
            return sentence.strip()
    return None


def decided_levels(levels: list[dict[str, Any]]) -> list[str]:
    """`when:` for every level without one whose own words keep it for a person's decision (see the module).
    Returns what was done, for the summary."""
    said: list[str] = []
    for lv in levels:
        if lv.get("when"):
            continue
        sentence = decided_sentence(lv)
        if sentence is None:
            continue
        lv["when"] = sentence[:300]
        said.append(f"rollback level {lv['level']}: '{sentence[:80]}' keeps it for a person's decision -> when: (golive"
                    " offers it, never applies it by itself)")
    return said
