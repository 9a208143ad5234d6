"""Rollback levels written one after the other under one heading, each opened by its label: "- **Level 1** (alias
never moved): delete …", "**一级回滚（仅应用）**——触发条件：…", "- **Stufe 2 (App + Schema)** — wenn …: …",
"1. **Package only** (health not green after C): …". Each is a level of its own, with its own condition.

Merged into one level, the higher level's work became a step of level 1: a failure of the upgrade ran the DBA-only
`DROP COLUMN`, or a person's step asked for the schema to be rolled back when only the app was broken. A level whose
text says a person decides ("the DBA decides", "由 DBA 决定", "entscheidet der DBA") is that person's choice (`when`),
even when it is the lowest."""

from __future__ import annotations

import re
from dataclasses import dataclass

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _LEVEL, _clean

_CJK_NUMBERS = "一二三四五六七八九十"
#: A level word in Chinese, Japanese or Korean: "一级回滚", "第二级", "级别 2", "回滚级别2", "レベル1", "第1段階",
#: "2단계", "레벨 2".
_CJK_LEVEL = re.compile(rf"^\W*(?:第\s*)?([{_CJK_NUMBERS}]|\d{{1,2}})\s*(?:级|級|段階|단계)|"
                        rf"^\W*(?:回滚|回滾|回退)?(?:级别|級別|レベル|레벨)\s*([{_CJK_NUMBERS}]|\d{{1,2}})")
#: "Option B", "Variante 2", "Plan A", "Opción 1": a way back named by a letter or a number.
_LETTERED = re.compile(r"(?i)^\W*(?:back-?out\s+|rollback\s+)?(?:option|variant|variante|opci[óo]n|plan|tier)\s+"
                       r"([A-Z]|\d{1,2})\b")
#: A label in bold at the start of a paragraph or list item.
_BOLD = re.compile(r"^\s*(\*\*|__)([^*_\n]{1,80}?)\1")
#: A label that is only a level's number: "Level 1", "L2", "Option B", "二级".
_BARE = re.compile(rf"\W*[^\W\d_]*\s*(?:[A-Z]|\d{{1,2}}|[{_CJK_NUMBERS}])\s*(?:级|級|段階|단계)?\W*")
_BRACKET = re.compile(r"^\s*[(（]([^()（）]{2,160})[)）]")
_SEPARATOR = re.compile(r"^\s*(?:[:：]|[—–]+|-{1,2}|,)\s*")
#: The condition said right after the label: "when the smoke test fails: …", "wenn … fehlschlägt: …",
#: "触发条件：数据错误。…", "Trigger: 5xx > 1%. …".
_CONDITION_LEAD = re.compile(
    r"(?i)^(?:only\s+)?(?:when|if|once|in\s+case(?:\s+of)?|wenn|falls|sobald|si|cuando|quand|lorsque|se|quando)\b"
    r"\s*(?P<a>[^:：]{3,200}?)\s*[:：](?:\s+|$)|"
    r"^(?:触发条件|触发|条件|発動条件|トリガー|trigger|triggers|when|wenn|ausl(?:ö|oe)ser|cuando|quand|quando)\s*[:：]\s*"
    r"(?P<b>[^。.;；\n]{2,200})(?:[。.;；]\s*|$)")
#: Words that make a bracket after a level's label its condition: "(health not green after C)", "(alias already on
#: v9 and search is broken)"; not "(app only)", "(15 min)".
_CONDITION_WORDS = re.compile(r"(?i)\b(?:if|when|only\s+(?:if|when)|not|after|already|still|broken|wrong|fail\w*|"
                              r"bad|corrupt\w*|damaged|lost|missing|unhealthy|stuck|errors?|differ\w*|falsch|"
                              r"fehl\w*|kaputt|roto|mal|cass[ée]e?s?|[ée]chou\w*)\b|错误|失败|不可用|異常|失敗")
#: A person decides the level: "the DBA decides", "DBA decision", "由 DBA 刘洋决定", "entscheidet der DBA",
#: "le DBA décide", "lo decide el DBA".
_DECIDES = re.compile(r"(?i)\b(?:decides?|decision|decided\s+by|at\s+the\s+discretion|entscheid\w*|d[ée]cid\w*|"
                      r"decisi[óo]n)\b|决定|決定|判断|결정")


@dataclass
class Opener:
    """A level's opening block read apart: its label (with a bracket that is no condition), the condition written
    with it, whether a person decides it, and what it says to do."""

    label: str
    condition: str
    decides: bool
    action: str


def level_number(label: str, lettered: bool = True) -> int | None:
    """The number a level's label gives it: "Level 2" -> 2, "二级回滚" -> 2, "Option B" -> 2 (with `lettered`)."""
    m = _LEVEL.match(label)
    if m:
        return int(m.group(1))
    c = _CJK_LEVEL.match(label)
    if c:
        n = c.group(1) or c.group(2)
        return int(n) if n.isdigit() else _CJK_NUMBERS.index(n) + 1
    by_letter = _LETTERED.match(label) if lettered else None
    if by_letter:
        n = by_letter.group(1)
        return int(n) if n.isdigit() else ord(n.upper()) - ord("A") + 1
    return None


def read_opener(raw: str, numbered: bool) -> Opener | None:
    """The block's text as a level's opening, when it starts with a level's label: a level word and its number (any
    form), or, in a numbered list (`numbered`), a bold label whose bracket or lead says when to take it."""
    raw = re.sub(r"^\d+(?:\.\d+)+\.?\s+(?=\D)", "", " ".join(raw.split()))  # "6.2 Level 1 (...)": a section number
    bold = _BOLD.match(raw)
    if bold:
        label, rest = _clean(bold.group(2)).strip(" :：—–-"), raw[bold.end():]
    else:
        m = _LEVEL.match(_clean(raw)) or _CJK_LEVEL.match(raw) or _LETTERED.match(raw)
        if m is None:
            return None
        cut = re.search(r"[:：—–(（]|\s-\s", raw)
        if cut is None:
            return None
        label, rest = _clean(raw[:cut.start()]).strip(), raw[cut.start():]
    worded = level_number(label) is not None
    if not worded and not (numbered and bold):
        return None
    condition = ""
    bracket = _BRACKET.match(rest)
    if bracket:
        rest = rest[bracket.end():]
        if _CONDITION_WORDS.search(bracket.group(1)):
            condition = _clean(bracket.group(1))
        else:
            label = f"{label} ({_clean(bracket.group(1))})"
    rest = _SEPARATOR.sub("", rest, count=1)
    lead = _CONDITION_LEAD.match(rest)
    if lead:
        said = _clean(lead.group("a") or lead.group("b") or "")
        condition = f"{condition}; {said}" if condition else said
        rest = rest[lead.end():]
    if not worded and not condition:
        return None  # "1. **Stop the app**: …": a step of one level, not a level of its own
    action = rest.strip()
    return Opener(label, condition, bool(_DECIDES.search(raw)), action)


#: Where a level's label starts a sentence inside a paragraph: "… start both services again. Level 2 (after …):".
_LABEL_AT = re.compile(r"(?i)(?:^|(?<=[.!?;]\s)|(?<=[。；！]))(?=(?:\*\*|__)?(?:(?:level|stufe|nivel|niveau|livello|"
                       r"seviye|kademe|option|variante?|opci[óo]n)\s+[A-Z0-9]\b|[lr]\d\b|第?[一二三四五]\s*级|レベル\s*\d))")


def _level_parts(raw: str) -> list[str]:
    """A paragraph cut where each level's label starts a sentence; one part when it names one level or none."""
    raw = " ".join(raw.split())
    at = [m.start() for m in _LABEL_AT.finditer(raw)]
    if len(at) < 2 or at[0] != 0:
        return [raw]
    return [raw[a:b].strip() for a, b in zip(at, [*at[1:], len(raw)], strict=True)]


class LevelOpenersMixin(ImportState):
    def opener_cuts(self, start: int, end: int) -> list[tuple[int, str, bool]]:
        """The levels of a rollback part [start, end) whose paragraphs or top-level list items open with a level's
        label (two or more, told apart by their labels): where each starts, its label and condition (the level's
        description), and whether the opening block is also its step (its text then what it says to do)."""
        found: list[tuple[int, Opener]] = []
        ordered = [j for j in range(start, end) if self.blocks[j].kind == "item" and self.blocks[j].depth == 0
                   and self.blocks[j].ordered and self.blocks[j].checked is None]
        tails: dict[int, Opener] = {}
        for j in range(start, end):
            b = self.blocks[j]
            if b.kind not in ("para", "item") or b.depth != 0 or b.checked is not None or b.placed:
                continue
            parts = _level_parts(b.raw)
            if b.kind == "para" and len(parts) == 2 and j + 1 < end and self.blocks[j + 1].kind == "fence" \
                    and all(read_opener(p, numbered=False) for p in parts):
                # "Level 1 (before the backfill): … Level 2 (after it): restore …:" and the block: two levels in
                # one paragraph, the second's block after it
                first, tail = (read_opener(p, numbered=False) for p in parts)
                if first is not None and tail is not None:
                    b.raw, b.text = parts[0], _clean(re.sub(r"\*\*|__|`", "", parts[0]))
                    found.append((j, first))
                    tails[j] = tail
                    continue
            opener = read_opener(b.raw, numbered=j in ordered and len(ordered) >= 2)
            if opener is not None:
                found.append((j, opener))
        labels = [o.label.lower() for _, o in found] + [o.label.lower() for o in tails.values()]
        if len(labels) < 2 or len(set(labels)) < len(labels):
            return []
        cuts: list[tuple[int, str, bool]] = []
        each = [(k, one) for k, first in found for one in ([first] + ([tails[k]] if k in tails else []))]
        for j, o in each:
            b = self.blocks[j]
            if j in tails and o is tails[j]:
                said = o.label + (f" — {o.condition}" if o.condition else "") + (f". {_clean(o.action)}" if
                                                                                 o.action else "")
                self.openers[said] = (re.sub(r"\s*[(（]([^()（）]+)[)）]$", r" — \1", o.label), (
                    (o.condition or _clean(o.action), True) if o.decides else (o.condition, False) if o.condition
                    else None))
                cuts.append((j + 1, said, True))  # its block is the level; the paragraph's part its description
                continue
            nxt = self.blocks[j + 1] if j + 1 < end else None
            said = o.label + (f" — {o.condition}" if o.condition else "")
            cond = (o.condition or _clean(o.action), True) if o.decides else (
                (o.condition, False) if o.condition else None)
            name = re.sub(r"\s*[(（]([^()（）]+)[)）]$", r" — \1", o.label)  # "L1 (app only)" -> "L1 — app only"
            short = re.split(r"\s[—–-]\s|[:：.。;；,，(（]", _clean(re.sub(r"`", "", o.action)), maxsplit=1)[0].strip()
            if short and level_number(o.label) is not None and _BARE.fullmatch(o.label):
                name = f"{o.label} — {short[:60]}"  # "Level 1" alone says nothing: what it does
            self.openers[said] = (name, cond)
            if (b.kind == "item" and b.children) or (b.kind == "para" and nxt is not None and nxt.kind in (
                    "fence", "item") and not o.action.strip(" .。")) or (
                    b.kind == "para" and nxt is not None and nxt.kind == "fence" and o.action.rstrip().endswith(
                        (":", "："))):
                # its block (or its items) follow: the label and what it says are the level's description
                self.openers[_clean(b.text)] = self.openers.pop(said)
                cuts.append((j, _clean(b.text), False))
                continue
            if not o.action.strip(" .。"):
                return []  # a label alone, its words below: not a level this reading can tell apart
            b.raw, b.text = o.action, _clean(re.sub(r"\*\*|__|`", "", o.action))  # the condition is no step
            self.level_items.add(j)
            if b.kind == "para":
                self.said_levels.add(j)
            cuts.append((j, said, True))
        self.inferred.append(f"lines {', '.join(str(self.blocks[j].line) for j, _ in found)}: rollback levels opened"
                             " by their labels -> a level each, with its own condition (a person's choice where it"
                             " says someone decides)")
        return cuts
