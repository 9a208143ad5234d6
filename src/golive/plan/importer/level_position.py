"""Levels the document ties to a point of the deployment: "Level 1 (canary bad, before promote)", "Level 2 (after
promote)", "只能在该节点执行 upgradesstables 之前", "o 16 ainda não foi iniciado". golive tracks which phases ran,
not the document's states, so such a condition is first read as `when:` (conditions.py: a person's choice). Where
the point is a forward phase the plan has, the condition is where the level applies, and golive can hold it:

- "after X": the level covers X and the phases after it (of those it covered) and is golive's own there, unless the
  document also restricts it ("only if"), gives it to a person ("the DBA decides") or it brings data back;
- "before X": the level covers the phases before X, and is golive's own only if every phase from X on that changes
  something is covered by a heavier level golive applies by itself. Otherwise a failure after X ran would still
  choose it (golive applies, for each touched phase, the lightest level covering it, and the heaviest of those):
  the "only before upgradesstables" downgrade would run on SSTables already rewritten, so it stays a person's.

A point that names no phase ("o 16 já foi iniciado") keeps the `when:`."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.conditions import restricted_beyond_state
from golive.plan.importer.covers import changes, named, text

#: The point a condition names: the word after "before"/"after" (skipping articles), or before "之前"/"之后".
_AFTER_WORD = re.compile(r"(?i)\b(before|after|once|antes\s+d[eoa]s?|depois\s+d[eoa]s?|antes\s+de|despu[ée]s\s+de|"
                         r"vor|nach|bevor|sobald|avant|apr[èe]s)\s+(?:(?:the|a|an|o|a|os|as|el|la|los|las|le|les|"
                         r"l['’]|de|d['’]|dem|der|den|die|das)\s+)?([^\W\d][\w-]{2,})")
_BEFORE_WORD = re.compile(r"([A-Za-z][\w-]{2,})\s*(之前|以前|前に|之后|之後|以后|以後|後に)")
_NUMBERED = re.compile(r"(?i)\b(before|after|once|antes\s+d[eoa]|depois\s+d[eoa]|vor|nach|avant|apr[èe]s)\s+"
                       r"(?:the\s+)?(?:step|phase|stage|section|schritt|phase|paso|etapa|passo|[ée]tape|fase)\s+"
                       r"([A-Z]|\d{1,2})\b")
_LATER = re.compile(r"(?i)^(?:after|once|depois|despu[ée]s|nach|sobald|apr[èe]s)|^(?:之后|之後|以后|以後|後に)$")


def _point(condition: str) -> tuple[bool, str] | None:
    """(later, word): "before promote" -> (False, "promote"); "after the cutover" -> (True, "cutover")."""
    m = _AFTER_WORD.search(condition)
    if m is not None:
        return bool(_LATER.match(m.group(1))), m.group(2)
    c = _BEFORE_WORD.search(condition)
    if c is not None:
        return bool(_LATER.match(c.group(2))), c.group(1)
    return None


def _stem(word: str) -> str:
    return word.lower()[:5]


def _phase_at(word: str, phases: list[dict[str, Any]]) -> int | None:
    """The forward phase a word names: by a word of its name with the same stem ("promote" / "Promote",
    "promotion"), else the first phase one of whose steps runs it as a word ("upgradesstables")."""
    if len(word) < 4:
        return None
    for i, p in enumerate(phases):
        if any(len(w) >= 4 and _stem(w) == _stem(word) for w in re.findall(r"[^\W\d_]+", str(p["name"]))):
            return i
    for i, p in enumerate(phases):
        if any(re.search(rf"(?i)(?<![\w-]){re.escape(word)}(?![\w-])", text(s)) for s in p["steps"]):
            return i
    return None


def _numbered_point(lv: dict[str, Any], phases: list[dict[str, Any]]) -> tuple[bool, int, str] | None:
    """"6.1 Level 1 (before step 5)", "Level 2 (after phase 3)": the point a numbered phase marks, in the level's name
    or label (later, the phase's index, the words)."""
    m = _NUMBERED.search(f"{lv.get('name', '')} {lv.get('tag') or ''}")
    at = named([m.group(2).upper()], phases) if m is not None else []
    if m is None or not at:
        return None
    return bool(_LATER.match(m.group(1))), [str(p["name"]) for p in phases].index(at[0]), m.group(0)


def place(levels: list[dict[str, Any]], phases: list[dict[str, Any]], restores: dict[int, bool]) -> list[str]:
    """Covers and `when` of the levels whose condition is a point of the deployment that a phase marks (see the
    module's docstring). `levels` carry their derived `covers`. Returns what was done, for the summary."""
    order = [str(p["name"]) for p in phases]
    said: list[str] = []
    points: dict[int, tuple[bool, int]] = {}
    for lv in levels:
        cond = lv.get("condition")
        numbered = _numbered_point(lv, phases)
        if numbered is not None and not (lv.get("when") and cond):
            cond = (numbered[2], False)  # "(before step 5)": where it applies, not yet a person's condition
            lv["condition"] = cond
        elif not lv.get("when") or not cond:
            continue
        point = (numbered[0], "") if numbered is not None else _point(str(cond[0]))
        at = numbered[1] if numbered is not None else _phase_at(point[1], phases) if point is not None else None
        if point is None or at is None:
            continue
        later, covers = point[0], [str(c) for c in lv["covers"]]
        kept = [c for c in covers if c in order and (order.index(c) >= at if later else order.index(c) < at)]
        if not kept:  # what it covered is all on the other side: the changing phases on its own side
            kept = [n for n in (order[at:] if later else order[:at])
                    if any(changes(s) for s in phases[order.index(n)]["steps"])]
        if not kept:
            continue
        lv["covers"] = kept
        points[lv["level"]] = (later, at)
        said.append(f"rollback level {lv['level']} is for '{cond[0]}' ({'from' if later else 'before'} phase"
                    f" '{order[at]}') -> covers {kept}")
        if later and lv.get("when") and not restricted_beyond_state(str(cond[0])) and not restores.get(lv["level"]):
            del lv["when"]  # "after promote; trigger: 5xx above 2%": golive's own from that phase on
            said.append(f"rollback level {lv['level']}: its point is a phase golive tracks -> applied by golive"
                        f" for a failure from '{order[at]}' on")
    for lv in levels:
        later_at = points.get(lv["level"])
        cond = lv.get("condition")
        if later_at is None or later_at[0] or not cond or restricted_beyond_state(str(cond[0])) \
                or restores.get(lv["level"]):
            continue
        after = [p for p in phases[later_at[1]:] if any(changes(s) for s in p["steps"])]
        if all(any(not o.get("when") and o["level"] > lv["level"] and p["name"] in o["covers"] for o in levels)
               for p in after):
            if lv.get("when"):
                del lv["when"]
                said.append(f"rollback level {lv['level']}: a heavier level golive applies covers every phase from"
                            f" '{order[later_at[1]]}' on -> applied by golive before it")
        elif not lv.get("when"):
            lv["when"] = str(cond[0])  # golive would still choose it after that point: a person's choice
            said.append(f"rollback level {lv['level']} is for '{cond[0]}' and no level golive applies takes over"
                        " after that point -> when: a person's choice")
    return said
