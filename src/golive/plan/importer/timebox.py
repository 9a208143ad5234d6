"""A phase heading's timebox, as headings write it: "(10 min)", "[15m]", "(06:00, 10 min)", "(T-30min → T-0)",
"(02:00-02:20)", "— 20 minutes", and as an upper bound: "(15 minutes at most)", "(max. 30 min)",
"(durata massima 20 minuti)". The heading keeps its other words as the phase's name."""

from __future__ import annotations

import re

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _CLOCK_RANGE, fold_width

#: Units of a timebox as headings write them, in English and the languages runbooks come in ("15 Min.", "1 Std.").
_UNIT = (r"(minutes?|mins?|minuten|minutos?|minut[io]|std|stunden?|horas?|heures?|hours?|hrs?|ore|ora|h|m|"
         r"seconds?|secs?|s|分間|分钟|分鐘|分|時間|小时|小時|秒|분|시간|초)\.?")
#: A timebox written as an upper bound: "max. 30 min", "no more than 20 min", "durata massima 20 minuti" before the
#: number; "15 minutes at most", "10 minutes max" after it.
_AT_MOST = (r"(?:(?:max(?:imum)?\.?|at\s+most|up\s+to|no\s+more\s+than|not\s+more\s+than|durata\s+massima(?:\s+di)?|"
            r"al\s+massimo|massimo|h(?:ö|oe)chstens|maximal|como\s+m[áa]ximo|hasta|au\s+plus|au\s+maximum|"
            r"dur[ée]e\s+maximale)\s*:?\s*)?")
_AT_MOST_AFTER = (r"(?:\s*(?:max(?:imum)?\.?|at\s+(?:the\s+)?most|tops|or\s+less|al\s+massimo|massimo|h(?:ö|oe)chstens|"
                  r"au\s+plus|como\s+m[áa]ximo))?")
_HEADING_PAREN = re.compile(rf"\(\s*{_AT_MOST}(?:~|ca\.?\s*|about\s+)?(\d+(?:[.,]\d+)?)\s*"
                            rf"(?:(?:-|–|to|bis)\s*(\d+(?:[.,]\d+)?))?\s*{_UNIT}{_AT_MOST_AFTER}\s*\)", re.I)
_DURATION_BRACKET = re.compile(rf"\[\s*~?(\d+(?:[.,]\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:[.,]\d+)?))?\s*{_UNIT}\s*\]",
                               re.I)
#: A timebox as one part of a parenthesis with others: "(06:00, 10 min)", "(T-0, 30 min)", "(Ops; ~15 min)".
_PAREN = re.compile(r"\(([^()]*[,;·|][^()]*)\)")
_PART_DURATION = re.compile(rf"\s*{_AT_MOST}(?:~|ca\.?\s*|about\s+)?(\d+(?:[.,]\d+)?)\s*"
                            rf"(?:(?:-|–|to|bis)\s*(\d+(?:[.,]\d+)?))?\s*{_UNIT}{_AT_MOST_AFTER}\s*", re.I)
#: "— 20 min" / "- 1 hour" closing a heading.
_DURATION_TAIL = re.compile(rf"\s[-–—:]\s*{_AT_MOST}~?(\d+(?:[.,]\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:[.,]\d+)?))?\s*"
                            rf"{_UNIT}{_AT_MOST_AFTER}\s*$", re.I)
#: A timeline relative to T-0: "(T-30min → T-0)", "(T+5 -> T+25)".
_T_RANGE = re.compile(r"\(?\s*(?<![A-Za-z])T\s*([+-−])?\s*(\d+)?\s*(min|m|h)?\s*(?:→|->|–|—|-|to)\s*"
                      r"T(?![A-Za-z])\s*([+-−])?\s*(\d+)?\s*(min|m|h)?\s*\)?")

def heading_minutes(value: str, unit: str) -> float:
    """Minutes of a heading's timebox: hours in any of the languages' words (Std., horas, heures), else minutes,
    and seconds only when written as seconds."""
    n = float(value.replace(",", "."))
    u = unit.lower().rstrip(".")
    if u in ("h", "std", "stunde", "stunden", "hora", "horas", "heure", "heures", "ora", "ore", "時間", "小时", "小時",
             "시간") \
            or u.startswith(("hour", "hr")):
        return n * 60
    if u in ("s", "sec", "secs", "second", "seconds", "秒", "초"):
        return n / 60
    return n


class TimeboxMixin(ImportState):
    def heading_timebox(self, text: str) -> tuple[str, float | None]:
        """A phase heading without its timebox, and the timebox in minutes: "1. Deploy (10 min)", "Step 2 — Migrate
        [15m]", "Preparation (02:00-02:20)", "Pre-checks (T-30min → T-0)", "Deploy — 20 minutes"."""
        timebox: float | None = None
        text = fold_width(text)
        m = _HEADING_PAREN.search(text) or _DURATION_BRACKET.search(text)
        t = _T_RANGE.search(text)
        r = _CLOCK_RANGE.search(text)
        tail = _DURATION_TAIL.search(text)
        part = self.paren_part(text)
        if m:
            timebox = heading_minutes(m.group(2) or m.group(1), m.group(3))
            text = text[: m.start()] + text[m.end():]
        elif part:
            # "Cut-over (T-0, 30 min)" -> "Cut-over (T-0)", 30 minutes; the other parts stay in the name
            text, timebox = part
        elif t:
            a = int(t.group(2) or 0) * (-1 if t.group(1) in ("-", "−") else 1) * (60 if t.group(3) == "h" else 1)
            b = int(t.group(5) or 0) * (-1 if t.group(4) in ("-", "−") else 1) * (60 if t.group(6) == "h" else 1)
            timebox = float(b - a) if b > a else None
            text = text[: t.start()] + text[t.end():]
        elif r:
            timebox = self.range_minutes(r.group(1), r.group(2))
            if timebox is not None and re.search(r"\(\s*$", text[: r.start()]):
                text = text[: r.start()].rstrip()[:-1] + text[r.end():].lstrip()[1:]
        elif tail:
            timebox = heading_minutes(tail.group(2) or tail.group(1), tail.group(3))
            text = text[: tail.start()]
        text = re.sub(r"\s+", " ", text)
        return re.sub(r"\s*[:\-–—]\s*$", "", text).strip(), timebox

    @staticmethod
    def paren_part(text: str) -> tuple[str, float] | None:
        """The heading without the one part of a parenthesis that is a duration, and that duration in minutes;
        None when no parenthesis has exactly one such part."""
        for p in _PAREN.finditer(text):
            parts = re.split(r"[,;·|]", p.group(1))
            durations = [(n, d) for n, part in enumerate(parts) if (d := _PART_DURATION.fullmatch(part))]
            if len(durations) != 1:
                continue
            n, d = durations[0]
            rest = ", ".join(x.strip() for i, x in enumerate(parts) if i != n and x.strip())
            return (text[: p.start()] + f"({rest})" + text[p.end():],
                    heading_minutes(d.group(2) or d.group(1), d.group(3)))
        return None
