"""Levels a rollback level says to run before its own steps ("Run level 1 first", "Do level 1 before this",
"Zuerst Ebene 1", "Primero el nivel 1", "D'abord le niveau 1"): `first:` on that level, so choosing it (golive or a
person) runs them and then its steps. `then:` says after; this says before. Left a person's step, the order was a
sentence to read: golive applying level 2 by itself undid the schema under the new code still running.

Only a statement that is a whole sentence, paragraph or person's step (or a bracket in the level's name) and names a
level of the plan: "Try level 1 first" (an escalation: the lower level may have been enough) is none, and a level
the plan does not have, or a loop, stays as written."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.conditions import resolve, said_text, vocabulary
from golive.plan.importer.sentences import sentences
from golive.plan.level_chains import leads_back, reached

_RUN = (r"(?:run|do|apply|perform|execute|complete|ausf[üu]hren|durchf[üu]hren|anwenden|f[üu]hre|wende|"
        r"ejecuta(?:r)?|aplica(?:r)?|ex[ée]cute(?:r|z)?|applique(?:r|z)?|esegui(?:re)?|applica(?:re)?|executa(?:r)?|"
        r"execute|aplique)")
_THE = r"(?:(?:the|die|den|el|la|le|il|lo|o|a)\s+)?"
_THIS = (r"(?:this(?:\s+(?:one|level|option|plan))?|it|that|these\s+steps|the\s+steps\s+below|the\s+following|"
         r"continuing|you\s+(?:start|continue|go\s+on))")
_EARLIER = r"(?:first|zuerst|vorher|zuvor|primero|antes|d['’]abord|avant|prima|primeiro)"
#: After the statement, what comes next if it says so: "Run level 1 first, then the steps below", "…, dann diese".
_TAIL = r"(?:\s*[,;:–—-]\s*(?:then|and\s+then|dann|danach|luego|puis|ensuite|poi|depois)\b[^.!?0-9]{0,60})?"
#: The words that name a rollback level in a "first" statement, with the document's own (`vocabulary`): not "stage",
#: "plan", "option" or "tier" unless the document's levels are called that ("Run stage 1 first" may be a forward one).
_LEVEL_WORDS = r"level|stufe|ebene|r[üu]ckfallebene|nivel|niveau|livello|n[íi]vel|fallback(?:\s+level)?"
_BRACKET = re.compile(r"\s*\(([^()]{6,80})\)")


def _statements(words: str) -> list[str]:
    lvl = rf"{_THE}(?:{words})\s+(?P<ref>[A-Z]|\d{{1,2}})\b"
    return [
        rf"(?:{_RUN}\s+)?{lvl}\s+{_EARLIER}(?:\s+(?:{_RUN}|aus))?",  # "Run level 1 first", "Stufe 1 zuerst ausführen"
        rf"{_RUN}\s+{_EARLIER}\s+{lvl}(?:\s+aus)?",  # "Führe zuerst Stufe 1 aus", "Ejecuta primero el nivel 1"
        rf"(?:first(?:\s+of\s+all)?|zuerst|vorher|zuvor|erst|primero|antes\s+de\s+nada|d['’]abord|au\s+pr[ée]alable|"
        rf"avant\s+(?:cela|tout)|prima|primeiro)\s*,?\s+(?:{_RUN}\s+)?{lvl}(?:\s+(?:{_RUN}|aus))?",  # "Zuerst Ebene 1"
        rf"{_RUN}\s+{lvl}\s+before\s+{_THIS}",  # "Do level 1 before this"
        rf"before\s+{_THIS}\s*,?\s+(?:{_RUN}\s+)?{lvl}",  # "Before this, run level 1"
        rf"(?:this\s+(?:level|option)\s+)?(?:requires|needs)\s+{lvl}\s+(?:first|beforehand|to\s+have\s+run"
        rf"(?:\s+first)?)",  # "Requires level 1 first"
        rf"{lvl}\s+(?:must|has\s+to|needs\s+to)\s+(?:run|be\s+(?:done|applied|run)|have\s+run)\s+(?:first|"
        rf"before(?:hand|\s+{_THIS})?)",  # "Level 1 must run first"
    ]


def before_alone(text: str, words: str) -> str | None:
    """A sentence, paragraph or person's step that only says which level runs before: "Run level 1 first." -> "1"."""
    text = " ".join(text.split()).strip()
    for pattern in _statements(words):
        m = re.fullmatch(rf"(?i)\W*{pattern}{_TAIL}\s*[.!]?", text)
        if m:
            return m.group("ref")
    return None


def settle_first(levels: list[dict[str, Any]]) -> None:
    """Each level's `first`: the levels its statements name, the statements then no step or sentence of their own.
    A level whose only step is the statement keeps it (a person's step), as `then` does."""
    if not levels:
        return
    words = vocabulary(levels, _LEVEL_WORDS)

    def named(text: str) -> int | None:
        ref = before_alone(text, words)
        return resolve(ref, levels, words) if ref is not None else None

    wanted: dict[int, list[int]] = {}
    for lv in levels:
        texts = [sn for item in [*lv["steps"], *lv["description"]] for sn in sentences(said_text(item))]
        texts += [m.group(1) for m in _BRACKET.finditer(str(lv["name"]))]
        numbers = [n for t in texts if (n := named(t)) is not None and n != lv["level"]]
        if numbers:
            wanted[lv["level"]] = list(dict.fromkeys(numbers))
    by_number = {lv["level"]: lv for lv in levels}

    def runs(n: int) -> list[int]:
        return [*wanted.get(n, []), *(by_number[n].get("then") or [])] if n in by_number else []

    def loops(start: int) -> bool:
        return leads_back(start, wanted.get(start, []), runs)

    for lv in levels:
        first = wanted.get(lv["level"])
        if not first or loops(lv["level"]):
            continue
        steps = [st for st in lv["steps"] if named(said_text(st)) is None]
        if not steps:
            continue  # a level that only says "run level 1 first": its person's step stays
        lv["steps"] = steps
        description = []
        for d in lv["description"]:
            if isinstance(d, str) and any(named(sn) is not None for sn in sentences(d)):
                d = " ".join(sn for sn in sentences(d) if named(sn) is None)
            if not isinstance(d, str) or d.strip():
                description.append(d)
        lv["description"] = description
        lv["name"] = _BRACKET.sub(lambda m: "" if named(m.group(1)) is not None else m.group(0), str(lv["name"]))
        lv["first"] = first


def carry_conditions(levels: list[dict[str, Any]]) -> list[int]:
    """A level golive would apply by itself that runs (`first`/`then`) a level the document keeps for a condition
    takes that condition too: golive never runs a level a person chooses. Returns the levels that took one."""
    by_number = {lv["level"]: lv for lv in levels}

    def runs(n: int) -> list[int]:
        other = by_number.get(n, {})
        return [*(other.get("first") or []), *(other.get("then") or [])]

    took: list[int] = []
    for lv in levels:
        if lv.get("when"):
            continue
        for n in reached([*(lv.get("first") or []), *(lv.get("then") or [])], runs, seen={lv["level"]}):
            other = by_number.get(n)
            if other is not None and other.get("when"):
                lv["when"] = f"{other['when']} (level {n}'s condition: this level runs it)"[:300]
                took.append(lv["level"])
                break
    return took
