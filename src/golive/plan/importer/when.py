"""The deployment window and clock ranges in phase headings."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _CLOCK, _CLOCK_RANGE, _DURATION, Unplaced, _parse_clock, _parse_date, _zone
from golive.plan.md_blocks import Block
from golive.plan.md_traffic import minutes as _minutes


class WhenMixin(ImportState):
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
        time_text = next((facts[k][0] for k in ("time", "window", "deployment window") if k in facts), "")
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
