"""Traffic progressions, hold times and rollback thresholds, read from the text of one block.

The importer walks the markdown-it token stream (golive.plan.md_blocks) and hands one list item or
paragraph at a time to these helpers; the regexes here only ever see that one fragment of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: "10% of traffic", "20% of user traffic", "traffic to 50%" (one percentage, an action on traffic).
_ROUTE = re.compile(r"(?<![\d.])(\d{1,3})\s*%\s*(?:of\s+)?(?:the\s+)?(?:user\s+|live\s+|production\s+)?"
                    r"(?:traffic|requests|users)\b|\btraffic\b\D{0,20}?(?<![\d.])(\d{1,3})\s*%", re.I)
#: The fragment must move traffic ("Route 10% of traffic"), not only mention it ("Check 5% of requests fail").
_MOVE = re.compile(r"\b(route|shift|send|move|direct|switch|increase|ramp|roll|canary|split|expose|release|serve|"
                   r"redirect|migrate|promote|bump|raise)\w*", re.I)
#: A traffic move back to the old version belongs to a rollback, not to a progression.
_BACK = re.compile(r"\b(old|previous|prior|revert\w*|roll\s*-?back|back\s+to)\b", re.I)
#: "10% -> 25% -> 50% -> 100%", "5%, 25%, 100%", "10% then 50% then 100%" in one fragment.
_PCT = r"(?<![\d.])\d{1,3}\s*%"
_SEP = r"\s*(?:->|-->|→|⟶|=>|–>|—>|>|,|;|/|\bthen\b|\bto\b|\band\b)\s*"
_OF = r"(?:\s+of\s+(?:the\s+)?(?:user\s+|live\s+)?(?:traffic|users|requests))?"
_PROGRESSION = re.compile(rf"{_PCT}{_OF}(?:(?:{_SEP})+{_PCT}{_OF})+")
_TRAFFIC_WORD = re.compile(r"traffic|canary|roll\s*-?out|ramp|shift|route|requests|users|weight", re.I)
_HOLD = re.compile(
    r"\b(?:monitor|hold|held|wait|observe|soak|watch|bake|pause|stay|keep)\w*\b[^.;]*?"
    r"\b(\d{1,6}(?:\.\d{1,6})?)\s*(?:(?:-|–|to)\s*(\d{1,6}(?:\.\d{1,6})?)\s*)?"
    r"(minutes?|mins?|m|hours?|hrs?|h|seconds?|secs?|s)\b", re.I)
#: An item that is only a hold ("Monitor for 10 minutes"), as the next step after a traffic move.
_HOLD_ITEM = re.compile(r"^\s*(?:monitor|hold|wait|observe|soak|watch|bake|pause)\w*\b", re.I)
#: The hold in a progression applies to every stage: "each held 10 minutes", "10 minutes per stage".
EACH = re.compile(r"\beach\b|\bevery\s+(?:stage|step)\b|\bper\s+(?:stage|step)\b|\bbetween\s+(?:stages|steps)\b",
                  re.I)


def minutes(value: str, unit: str) -> float:
    """'90 minutes', '1.5 hours', '30 s' as minutes (the unit's first letter decides)."""
    n = float(value)
    u = unit.lower()
    if u.startswith("h"):
        return n * 60
    if u.startswith("s"):
        return n / 60
    return n


def route_percent(text: str) -> int | None:
    """The traffic percentage of a "Route 10% of traffic to the new version" fragment, else None."""
    m = _ROUTE.search(text)
    if m is None or _BACK.search(text) or not _MOVE.search(text):
        return None
    return int(m.group(1) or m.group(2))


def progression(text: str) -> list[int]:
    """All percentages of a "traffic 10% -> 25% -> 50% -> 100%" fragment (two or more), else []."""
    m = _PROGRESSION.search(text)
    if m is None or not _TRAFFIC_WORD.search(text) or _BACK.search(text):
        return []
    return [int(p) for p in re.findall(r"(\d{1,3})\s*%", m.group(0))]


def hold_minutes(text: str) -> float | None:
    """Minutes of a hold ("monitor for 10 minutes", "each held 5-10 min": the upper bound), else None."""
    m = _HOLD.search(text)
    if m is None:
        return None
    return minutes(m.group(2) or m.group(1), m.group(3))


def is_hold_item(text: str) -> bool:
    return bool(_HOLD_ITEM.match(text)) and hold_minutes(text) is not None


@dataclass(frozen=True)
class Threshold:
    """A rollback threshold as an `analysis` field of a canary step: `max_error_rate: 1%`, `max_p95: 2s`."""

    #: The Analysis field (max_error_rate, max_p95, max_p99), or "" when no field can carry it.
    key: str
    #: The value as written into the plan ("1%", "2s", "500ms").
    value: str
    #: Comparable amount: a fraction for rates, seconds for latencies.
    amount: float
    #: How the summary names it: "error_rate > 1%", "p95 > 2s".
    label: str
    line: int


_ERROR_RATE = re.compile(r"(?:error[\s_-]*rates?|5xx(?:[\s_-]*rates?)?|failure[\s_-]*rates?)\D{0,30}?"
                         r"(?:>|exceeds?|exceeding|above|over|greater than|more than|higher than)\s*"
                         r"(\d{1,3}(?:\.\d{1,6})?)\s*%", re.I)
_LATENCY = re.compile(r"(?:\b(p\d{2})\b\s*(?:latency|response\s+time)?|response\s+times?|latency)\D{0,30}?"
                      r"(?:>|exceeds?|exceeding|above|over|greater than|more than|higher than)\s*"
                      r"(\d{1,7}(?:\.\d{1,6})?)\s*(ms|milliseconds?|s|secs?|seconds?)\b(?:.*?\b(p\d{2})\b)?", re.I)


def thresholds_in(text: str, line: int) -> list[Threshold]:
    """Error-rate and latency limits in one rollback criterion ("Error rate exceeds 1%", "p95 > 2 s")."""
    out: list[Threshold] = []
    m = _ERROR_RATE.search(text)
    if m:
        pct = float(m.group(1))
        shown = m.group(1)
        out.append(Threshold("max_error_rate" if pct < 100 else "", f"{shown}%", pct / 100,
                             f"error_rate > {shown}%", line))
    m = _LATENCY.search(text)
    if m:
        percentile = (m.group(1) or m.group(4) or "p95").lower()
        unit = m.group(3).lower()
        ms = unit == "ms" or unit.startswith("milli")
        value = f"{m.group(2)}{'ms' if ms else 's'}"
        seconds = float(m.group(2)) / (1000 if ms else 1)
        key = {"p95": "max_p95", "p99": "max_p99"}.get(percentile, "")
        out.append(Threshold(key, value, seconds, f"{percentile} > {value}", line))
    return out
