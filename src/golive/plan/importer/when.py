"""The deployment window and clock ranges in phase headings."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import (
    _CLOCK,
    _CLOCK_RANGE,
    _DURATION,
    Unplaced,
    _clean,
    _parse_clock,
    _parse_date,
    _zone,
)
from golive.plan.md_blocks import Block
from golive.plan.md_traffic import minutes as _minutes

_PHASE_START = re.compile(r"(?i)\W*(phase|step|stage)\s*\d")


def fuzzy_date(text: str) -> date | None:
    """A calendar date written in any common form (`Dec 31, 2025`, `31 December 2025`, `2025-12-31`), by
    python-dateutil; only when a year is written, so a bare weekday never becomes some date."""
    from dateutil import parser

    without = _CLOCK_RANGE.sub(" ", text)
    if not re.search(r"\b(19|20)\d{2}\b", without):
        return None
    try:
        parsed = parser.parse(without, fuzzy=True, default=datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return None
    return parsed.date() if parsed.year != 2000 else None


_PROSE_WINDOW = re.compile(r"(?i)\b(window|run (this|the) change|scheduled|maintenance|we will|deploy(ment)? (on|at)|"
                           r"takes place|between)\b")


class WhenMixin(ImportState):
    def window_in_prose(self) -> None:
        """No window section: a sentence like "We will run this change on Saturday 02:00-06:00 UTC" (or a
        `**Window**:` line) in the text before the phases gives it; "rollback window closes at 07:30"."""
        if self.window is not None:
            return
        for b in self.blocks:
            if b.kind == "heading" and _PHASE_START.match(b.text):
                break
            if b.kind != "para":
                continue
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])|\n", b.text):
                sentence = re.sub(r"(?i)\bbetween\s+(\S+(?:\s*[ap]\.?m\.?)?)\s+and\s+", r"\1 - ", sentence)
                if _CLOCK_RANGE.search(sentence) and _PROSE_WINDOW.search(sentence):
                    facts: dict[str, tuple[str, Block]] = {"window": (sentence, b)}
                    rb = re.search(r"(?i)rollback window[^.]*", b.text)
                    if rb:
                        facts["rollback window"] = (rb.group(0), b)
                    self.window_from(facts, b)
                    if self.window is not None:
                        self.inferred.append(f"line {b.line}: window read from the sentence '{_clean(sentence)}'")
                        return

    def range_minutes(self, a: str, b: str) -> float | None:
        s, e = _parse_clock(a), _parse_clock(b)
        if s is None or e is None:
            return None
        minutes = (e[0] * 60 + e[1]) - (s[0] * 60 + s[1])
        if minutes <= 0:
            minutes += 24 * 60
        return float(minutes)

    def window_section(self, idx: int, end: int) -> None:
        facts = self.facts(idx, end, mark=False)
        self.window_from(facts, self.blocks[idx])

    def scan_window_facts(self, idx: int, end: int) -> None:
        facts = self.facts(idx, end, mark=False)
        if any("rollback window" in k for k in facts) and self.window is None:
            self.window_from(facts, self.blocks[idx])

    def window_from(self, facts: dict[str, tuple[str, Block]], heading: Block) -> None:
        day: date | None = None
        if "date" in facts:
            day = _parse_date(facts["date"][0])
        time_text = next((facts[k][0] for k in ("time", "window", "deployment window", "when", "schedule")
                          if k in facts), "")
        if not time_text and "start" in facts and "end" in facts:
            start_text = re.sub(r"\s*[A-Za-z]{2,5}\s*$", "", facts["start"][0])
            time_text = f"{start_text} - {facts['end'][0]}"
        if day is None and time_text:
            day = fuzzy_date(time_text)
        zone_abbr: str | None = None
        start = finish = None
        r = _CLOCK_RANGE.search(time_text)
        if r:
            start, finish, zone_abbr = _parse_clock(r.group(1)), _parse_clock(r.group(2)), r.group(3)
        else:
            m = re.search(rf"({_CLOCK})\s*([A-Za-z]{{2,5}})?", time_text, re.I)
            if m:
                start, zone_abbr = _parse_clock(m.group(1)), m.group(2)
            if start is not None and "duration" in facts:
                d = _DURATION.search(facts["duration"][0])
                if d:
                    mins = _minutes(d.group(2) or d.group(1), d.group(3))
                    total = start[0] * 60 + start[1] + int(mins)
                    finish = ((total // 60) % 24, total % 60)
                    self.inferred.append(f"line {facts['duration'][1].line}: window end = start + duration"
                                         f" ({facts['duration'][0]})")
        if start is None or finish is None:
            return
        zone = _zone(zone_abbr)
        if zone_abbr and zone is None:
            self.unplaced.append(Unplaced(heading.line, f"time zone '{zone_abbr}'",
                                          "unknown abbreviation; the window is in UTC - fix it by hand"))
        rollback_until = None
        if "rollback window" in facts:
            rb = facts["rollback window"][0]
            m = re.search(rf"({_CLOCK})\s*([A-Za-z]{{2,5}})?", rb, re.I)
            if m:
                rollback_until = _parse_clock(m.group(1))
                zone = zone or _zone(m.group(2))
        window: dict[str, Any] = {}
        if day is not None:
            s = datetime(day.year, day.month, day.day, *start)
            e = datetime(day.year, day.month, day.day, *finish)
            if e <= s:
                e += timedelta(days=1)
            window["start"], window["end"] = s.isoformat(timespec="minutes"), e.isoformat(timespec="minutes")
            if rollback_until is not None:
                rbt = datetime(e.year, e.month, e.day, *rollback_until)
                if rbt < e:
                    rbt += timedelta(days=1)
                window["rollback_until"] = rbt.isoformat(timespec="minutes")
        else:
            if start == finish:
                return
            window["start"], window["end"] = f"{start[0]:02d}:{start[1]:02d}", f"{finish[0]:02d}:{finish[1]:02d}"
            if rollback_until is not None:
                window["rollback_until"] = f"{rollback_until[0]:02d}:{rollback_until[1]:02d}"
            self.inferred.append(f"line {heading.line}: no date given: a daily window")
        window["timezone"] = zone or "UTC"
        if zone_abbr and zone:
            self.inferred.append(f"line {heading.line}: time zone {zone_abbr} -> {zone}")
        for key in ("date", "time", "duration", "rollback window", "window", "deployment window"):
            if key in facts:
                facts[key][1].placed = True
        self.window, self.window_line = window, heading.line
