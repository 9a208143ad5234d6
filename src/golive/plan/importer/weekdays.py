"""The weekday a runbook gives a window with no date ("Tuesday 02:00-04:00", "Sa., 22:00–02:00 Uhr", "土曜 02:00"):
the plan's `window.days`, so the run is held to that day instead of any day."""

from __future__ import annotations

import re

from golive.plan.window import WEEKDAYS

#: Each weekday as runbooks write it: English (full, 3-4 letters), German, French, Spanish, Portuguese, Italian,
#: Dutch; Japanese, Chinese and Korean. German two-letter forms only with their dot ("Sa.", never the word "So").
_NAMES: tuple[str, ...] = (
    r"mon(?:day)?|montag|(?-i:Mo\.)|lundi|lunes|segunda-feira|luned[iì]|maandag|月曜日?|星期一|周一|週一|월요일|\(월\)",
    r"tue(?:sday|s)?|dienstag|(?-i:Di\.)|mardi|martes|ter[cç]a-feira|marted[iì]|dinsdag|火曜日?|星期二|周二|週二|화요일|\(화\)",
    r"wed(?:nesday)?|mittwoch|(?-i:Mi\.)|mercredi|mi[eé]rcoles|quarta-feira|mercoled[iì]|woensdag|水曜日?|星期三|周三|"
    r"週三|수요일|\(수\)",
    r"thu(?:rsday|rs?)?|donnerstag|(?-i:Do\.)|jeudi|jueves|quinta-feira|gioved[iì]|donderdag|木曜日?|星期四|周四|週四|목요일|"
    r"\(목\)",
    r"fri(?:day)?|freitag|(?-i:Fr\.)|vendredi|viernes|sexta-feira|venerd[iì]|vrijdag|金曜日?|星期五|周五|週五|금요일|\(금\)",
    r"sat(?:urday)?|samstag|sonnabend|(?-i:Sa\.)|samedi|s[aá]bado|sabato|zaterdag|土曜日?|星期六|周六|週六|토요일|\(토\)",
    r"sun(?:day)?|sonntag|(?-i:So\.)|dimanche|domingo|domenica|zondag|日曜日?|星期[日天]|周日|週日|일요일|\(일\)",
)
_DAY = re.compile("|".join(f"(?P<d{i}>{p})" for i, p in enumerate(_NAMES)), re.I)
#: A name counts only as a whole word ("Sunday", not "sunny"; "Sat", not "Saturn"); the CJK forms stand alone.
_WORD = re.compile(r"[^\W\d_]")


def weekdays_in(text: str) -> list[tuple[int, str]]:
    """(position, `mon`..`sun`) of each weekday named in `text`, in order."""
    out: list[tuple[int, str]] = []
    for m in _DAY.finditer(text):
        word = m.group(0)
        if _WORD.match(word[0]) and word[0] < "\u3000":  # a Latin word: whole, never "sunny" or "Saturn"
            before = text[m.start() - 1] if m.start() else " "
            after = text[m.end()] if m.end() < len(text) else " "
            if _WORD.match(before) or (not word.endswith(".") and _WORD.match(after)):
                continue
        out.append((m.start(), WEEKDAYS[int(str(m.lastgroup)[1:])]))
    return out


def window_day(times: str, day_fact: str, context: str) -> str | None:
    """The day a window with no date opens: the weekday written with its times (the first one, before the start:
    "Saturday night 23:00 to Sunday 01:00" opens Saturday), else the first one of the day's own fact ("Day: Tuesday
    (mid-week, not Monday or Friday)"), else the one weekday the facts around it name; None when none, or the
    facts name different days."""
    for text in (times, day_fact):
        named = weekdays_in(text)
        if named:
            return named[0][1]
    days = {d for _p, d in weekdays_in(context)}
    return days.pop() if len(days) == 1 else None
